"""Proximal operators against their definitions, and the Numba kernels against the reference."""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sparseopt import prox
from sparseopt.prox import _reference as ref

RNG = np.random.default_rng(0)


def _solve(objective, shape):
    X = cp.Variable(shape)
    cp.Problem(cp.Minimize(objective(X))).solve(
        solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11
    )
    return X.value


# --- convex operators: the prox is the unique minimiser of ½‖X − V‖² + t·g(X) (cvxpy oracle) ---


@pytest.mark.parametrize("t", [0.0, 0.3, 1.5])
def test_soft_threshold_matches_cvxpy(t):
    V = RNG.standard_normal((6, 4))
    expected = _solve(lambda X: 0.5 * cp.sum_squares(X - V) + t * cp.sum(cp.abs(X)), V.shape)
    np.testing.assert_allclose(prox.soft_threshold(V, t), expected, atol=1e-6)


@pytest.mark.parametrize("t", [0.0, 0.5, 2.0])
def test_row_soft_threshold_matches_cvxpy(t):
    V = RNG.standard_normal((7, 3))
    expected = _solve(
        lambda X: 0.5 * cp.sum_squares(X - V) + t * cp.sum(cp.norm(X, 2, axis=1)), V.shape
    )
    np.testing.assert_allclose(prox.row_soft_threshold(V, t), expected, atol=1e-6)


@pytest.mark.parametrize(("lam", "mu"), [(0.5, 0.2), (1.5, 0.1), (0.0, 0.4)])
def test_sparse_group_threshold_matches_cvxpy(lam, mu):
    V = RNG.standard_normal((7, 3))
    expected = _solve(
        lambda X: (
            0.5 * cp.sum_squares(X - V)
            + lam * cp.sum(cp.norm(X, 2, axis=1))
            + mu * cp.sum(cp.abs(X))
        ),
        V.shape,
    )
    np.testing.assert_allclose(prox.sparse_group_threshold(V, lam, mu), expected, atol=1e-6)


@pytest.mark.parametrize("t", [0.1, 1.0, 3.0])
def test_svt_matches_cvxpy(t):
    V = RNG.standard_normal((6, 4))
    expected = _solve(lambda X: 0.5 * cp.sum_squares(X - V) + t * cp.normNuc(X), V.shape)
    np.testing.assert_allclose(prox.svt(V, t), expected, atol=1e-5)
    _, rank = prox.svt(V, t, return_rank=True)
    assert rank == int(np.sum(np.linalg.svd(V, compute_uv=False) > t))


# --- nonconvex operators: brute force over the (finite) candidate set ---


def test_hard_threshold_is_global_minimiser():
    v = RNG.standard_normal(50) * 2
    t = 0.7
    out = prox.hard_threshold(v, t)
    # Per entry the minimiser of ½(x − v)² + t·[x ≠ 0] is either 0 or v itself.
    cost_keep = t * np.ones_like(v)
    cost_zero = 0.5 * v**2
    np.testing.assert_array_equal(out != 0, cost_keep < cost_zero)
    np.testing.assert_array_equal(out[out != 0], v[out != 0])


def test_row_l0_threshold_is_global_minimiser():
    V = RNG.standard_normal((6, 3))
    t = 1.2
    best, best_cost = None, np.inf
    for keep in itertools.product([False, True], repeat=V.shape[0]):
        keep = np.array(keep)
        X = np.where(keep[:, None], V, 0.0)
        cost = 0.5 * np.sum((X - V) ** 2) + t * keep.sum()
        if cost < best_cost:
            best, best_cost = X, cost
    np.testing.assert_allclose(prox.row_l0_threshold(V, t), best)


@pytest.mark.parametrize("s", [0, 1, 3, 6, 9])
def test_row_hard_threshold_is_projection(s):
    V = RNG.standard_normal((6, 2))
    best, best_dist = V, 0.0 if s >= 6 else np.inf
    if s < 6:
        for rows in itertools.combinations(range(6), s):
            X = np.zeros_like(V)
            X[list(rows)] = V[list(rows)]
            dist = np.sum((X - V) ** 2)
            if dist < best_dist:
                best, best_dist = X, dist
    out = prox.row_hard_threshold(V, s)
    np.testing.assert_allclose(out, best)
    assert np.count_nonzero(np.linalg.norm(out, axis=1)) == min(s, 6)


def test_row_hard_threshold_ties_go_to_lower_index():
    V = np.ones((4, 2))
    out = prox.row_hard_threshold(V, 2)
    np.testing.assert_array_equal(np.linalg.norm(out, axis=1) > 0, [True, True, False, False])


@pytest.mark.parametrize("p", [0.3, 0.5, 0.8])
@pytest.mark.parametrize("t", [0.05, 0.4, 2.0])
def test_row_lp_threshold_is_global_minimiser(p, t):
    V = RNG.standard_normal((20, 3)) * 1.5
    out = prox.row_lp_threshold(V, t, p)
    # Per row the problem is 1-D in the norm r (the direction is kept): brute-force r on a fine grid.
    a = np.linalg.norm(V, axis=1)
    r = np.linalg.norm(out, axis=1)
    grid = np.linspace(0, a.max() + 1, 200001)
    for ai, ri in zip(a, r):
        cost = 0.5 * (grid - ai) ** 2 + t * grid**p
        best = grid[np.argmin(cost)]
        f = lambda x, ai=ai: 0.5 * (x - ai) ** 2 + t * x**p  # noqa: E731
        assert f(ri) <= f(best) + 1e-9
        assert abs(ri - best) < 1e-3 or abs(f(ri) - f(best)) < 1e-9
    # directions are kept
    nz = r > 0
    np.testing.assert_allclose(out[nz] / r[nz, None], V[nz] / a[nz, None], atol=1e-12)


def test_stiefel_projection_is_nearest_orthonormal():
    V = RNG.standard_normal((9, 3))
    W = prox.stiefel_projection(V)
    np.testing.assert_allclose(W.T @ W, np.eye(3), atol=1e-12)
    # Optimality of the polar factor: WᵀV is symmetric positive definite.
    S = W.T @ V
    np.testing.assert_allclose(S, S.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(S) > 0)
    # And no random orthonormal matrix is closer.
    d = np.linalg.norm(W - V)
    for _ in range(200):
        Q, _ = np.linalg.qr(RNG.standard_normal((9, 3)))
        assert np.linalg.norm(Q - V) >= d - 1e-12


def test_stiefel_projection_ill_conditioned_falls_back_to_svd():
    U, _ = np.linalg.qr(RNG.standard_normal((12, 4)))
    V = U * np.array([1.0, 1e-3, 1e-6, 1e-7])
    W = prox.stiefel_projection(V)
    np.testing.assert_allclose(W.T @ W, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(W, ref.stiefel_projection(V), atol=1e-8)


# --- Numba kernels = reference, for both dtypes and memory orders ---

CASES = [
    ("soft_threshold", (0.5,)),
    ("row_soft_threshold", (1.0,)),
    ("sparse_group_threshold", (1.0, 0.3)),
    ("row_lp_threshold", (0.8, 0.5)),
    ("hard_threshold", (0.4,)),
    ("row_l0_threshold", (0.9,)),
    ("row_hard_threshold", (5,)),
    ("stiefel_projection", ()),
    ("svt", (2.0,)),
]


@pytest.mark.parametrize(("name", "args"), CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_kernels_match_reference(name, args, dtype, order):
    V = np.asarray(RNG.standard_normal((40, 6)) * 1.3, dtype=dtype, order=order)
    out = getattr(prox, name)(V, *args)
    expected = getattr(ref, name)(V.astype(np.float64), *args)
    assert out.dtype == dtype
    assert out.flags.c_contiguous
    tol = 2e-5 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(out, expected, atol=tol * max(1.0, np.abs(expected).max()))


def test_integer_input_is_converted():
    out = prox.soft_threshold(np.array([[3, -1], [0, 5]]), 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1, 0], [0, 3]])


def test_soft_threshold_any_shape():
    V = RNG.standard_normal((3, 4, 5))
    np.testing.assert_allclose(prox.soft_threshold(V, 0.2), ref.soft_threshold(V, 0.2))


# --- bad input ---


@pytest.mark.parametrize("t", [-0.1, np.nan, np.inf])
def test_bad_threshold_raises(t):
    with pytest.raises(ValueError, match="non-negative"):
        prox.soft_threshold(np.ones((2, 2)), t)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="2-D"):
        prox.row_soft_threshold(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="p <= d"):
        prox.stiefel_projection(np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        prox.stiefel_projection(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="non-negative integer"):
        prox.row_hard_threshold(np.ones((3, 2)), -1)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        prox.row_lp_threshold(np.ones((3, 2)), 1.0, 1.0)
    with pytest.raises(TypeError, match="numeric"):
        prox.soft_threshold(np.array([["a"]]), 1.0)


# --- properties (hypothesis) ---

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(1, 12), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float64, s, elements=finite)
)
thresholds = st.one_of(
    st.just(0.0), st.floats(1e-12, 1e-6), st.floats(1e-6, 1e3), st.floats(1e8, 1e12)
)


@settings(max_examples=60, deadline=None)
@given(V=matrices, t=thresholds)
def test_properties_of_row_and_entry_shrinkage(V, t):
    for op in (prox.soft_threshold, prox.row_soft_threshold):
        out = op(V, t)
        assert out.shape == V.shape
        assert np.all(np.isfinite(out))
        # shrinkage: never larger, never flips sign
        assert np.all(np.abs(out) <= np.abs(V) + 1e-9 * np.abs(V).max())
        assert np.all(out * V >= 0)
        if t == 0.0:
            np.testing.assert_allclose(out, V)
        if t >= 1e8 and np.abs(V).max() * np.sqrt(V.shape[1]) < t:
            assert not out.any()
    np.testing.assert_array_equal(prox.row_soft_threshold(np.zeros_like(V), t), 0.0)


@settings(max_examples=40, deadline=None)
@given(A=matrices, t=st.floats(0, 10))
def test_convex_proxes_are_nonexpansive(A, t):
    B = A + np.random.default_rng(1).standard_normal(A.shape)
    for op in (prox.soft_threshold, prox.row_soft_threshold):
        assert np.linalg.norm(op(A, t) - op(B, t)) <= np.linalg.norm(A - B) * (1 + 1e-9) + 1e-9


@settings(max_examples=40, deadline=None)
@given(V=matrices, t=thresholds, p=st.floats(0.1, 0.9))
def test_row_lp_threshold_properties(V, t, p):
    out = prox.row_lp_threshold(V, t, p)
    assert out.shape == V.shape and np.all(np.isfinite(out))
    n_in, n_out = np.linalg.norm(V, axis=1), np.linalg.norm(out, axis=1)
    assert np.all(n_out <= n_in * (1 + 1e-12) + 1e-300)


@settings(max_examples=40, deadline=None)
@given(
    V=st.tuples(st.integers(3, 10), st.integers(1, 3)).flatmap(
        lambda s: arrays(np.float64, s, elements=st.floats(-100, 100))
    )
)
def test_stiefel_projection_properties(V):
    if np.linalg.matrix_rank(V) < V.shape[1] or np.linalg.cond(V) > 1e8:
        return
    W = prox.stiefel_projection(V)
    np.testing.assert_allclose(W.T @ W, np.eye(V.shape[1]), atol=1e-8)
    # Scale invariance: polar(cV) = polar(V) for c > 0.
    np.testing.assert_allclose(prox.stiefel_projection(3.0 * V), W, atol=1e-8)


# --------------------------------------------------------------------------- NaN and complex input
ELEMENTWISE = ("soft_threshold", "hard_threshold")
ROWWISE = ("row_soft_threshold", "row_l0_threshold", "row_lp")


def _apply(name, V):
    if name == "row_lp":
        return prox.row_lp_threshold(V, 0.3, 0.5)
    return getattr(prox, name)(V, 0.3)


@pytest.mark.parametrize("name", ELEMENTWISE + ROWWISE + ("sparse_group",))
def test_nan_propagates_the_same_way_on_the_numba_and_the_torch_path(name):
    torch = pytest.importorskip("torch")
    V = np.array([[np.nan, 0.1, 0.0], [0.5, -2.0, 0.05], [0.01, np.nan, 3.0]])

    def run(A):
        if name == "sparse_group":
            return prox.sparse_group_threshold(A, 0.3, 0.1)
        return _apply(name, A)

    fast = run(V)
    ref = run(torch.tensor(V)).numpy()
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
    np.testing.assert_allclose(fast[~np.isnan(fast)], ref[~np.isnan(ref)], atol=1e-12)
    assert np.isnan(fast).any()  # NaN in -> NaN out, never a silent 0
    assert np.isfinite(fast[1]).all()  # rows without NaN are untouched by it


@pytest.mark.parametrize("name", ("stiefel_projection", "svt", "row_hard_threshold"))
def test_projections_refuse_nan_on_both_paths(name):
    torch = pytest.importorskip("torch")
    V = np.array([[np.nan, 0.0], [0.0, 1.0], [1.0, 1.0]])
    args = {"stiefel_projection": (), "svt": (0.1,), "row_hard_threshold": (1,)}[name]
    for A in (V, torch.tensor(V)):
        with pytest.raises(ValueError, match="non-finite"):
            getattr(prox, name)(A, *args)


@pytest.mark.parametrize("name", ELEMENTWISE + ROWWISE + ("stiefel_projection",))
def test_complex_input_is_refused(name):
    torch = pytest.importorskip("torch")
    V = np.ones((3, 2)) * (1 + 1j)
    for A in (V, torch.tensor(V), V.tolist()):
        with pytest.raises(TypeError, match="real"):
            if name == "stiefel_projection":
                prox.stiefel_projection(A)
            else:
                _apply(name, A)
