"""robust_pca: recovery, agreement with cvxpy, SVD fast paths against the exact SVD, checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sparseopt.decomposition import SVTOperator, leading_singular_values, robust_pca
from sparseopt.prox import svt

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _planted(m=120, n=90, rank=4, density=0.05, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    L = rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n)) / math.sqrt(rank)
    S = (rng.random((m, n)) < density) * rng.uniform(-10, 10, (m, n))
    N = noise * rng.standard_normal((m, n))
    return L, S, N


def _rel(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def test_planted_recovery_without_noise():
    L, S, _ = _planted()
    res = robust_pca(L + S, tol=1e-9)
    eB, eT = _rel(res.B, L), _rel(res.T, S)
    print(f"\nexact RPCA recovery: rel err B {eB:.2e}, T {eT:.2e}, {res.n_iter} iterations")
    assert eB < 1e-6 and eT < 1e-6
    assert np.abs(res.N).max() == 0.0
    assert res.history["residual"][-1] < 1e-9


@pytest.mark.parametrize("mu", [np.inf, 20.0])
def test_planted_recovery_with_small_noise(mu):
    L, S, N = _planted(noise=1e-3, seed=1)
    D = L + S + N
    res = robust_pca(D, mu=mu, tol=1e-8)
    eB, eT = _rel(res.B, L), _rel(res.T, S)
    eN = _rel(res.B + res.T + res.N, D)
    print(
        f"\nmu={mu}: rel err B {eB:.2e}, T {eT:.2e}, reconstruction {eN:.2e}, "
        f"max |N| {np.abs(res.N).max():.1e}"
    )
    # The noise is 1e-3 per entry; errors of that order are the best possible.
    assert eB < 5e-3 and eT < 5e-3
    assert eN < 1e-7
    if math.isinf(mu):
        assert np.all(res.N == 0)
    else:
        lam = 1 / math.sqrt(D.shape[0])
        assert 0 < np.abs(res.N).max() <= lam / (2 * mu) * (1 + 1e-3)


@pytest.mark.parametrize("mu", [np.inf, 2.0])
def test_agrees_with_cvxpy(mu):
    cp = pytest.importorskip("cvxpy")
    L, S, N = _planted(m=24, n=16, rank=2, density=0.08, noise=0.02, seed=3)
    D = L + S + N
    lam = 1 / math.sqrt(24)
    B = cp.Variable(D.shape)
    T = cp.Variable(D.shape)
    if math.isinf(mu):
        obj = cp.normNuc(B) + lam * cp.sum(cp.abs(T))
        cons = [B + T == D]
    else:
        Nv = cp.Variable(D.shape)
        obj = cp.normNuc(B) + lam * cp.sum(cp.abs(T)) + mu * cp.sum_squares(Nv)
        cons = [B + T + Nv == D]
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver="CLARABEL")
    res = robust_pca(D, lam=lam, mu=mu, tol=1e-9, penalty="balance", max_iter=5000)
    fast = robust_pca(D, lam=lam, mu=mu, tol=1e-7)  # Lin's schedule: feasible, near-optimal

    def objective(b, t, n):
        val = np.linalg.svd(b, compute_uv=False).sum() + lam * np.abs(t).sum()
        return val + (0 if math.isinf(mu) else mu * (n**2).sum())

    f_ours, f_fast = objective(res.B, res.T, res.N), objective(fast.B, fast.T, fast.N)
    print(
        f"\nmu={mu}: objective balanced {f_ours:.8f}, increasing {f_fast:.8f}, "
        f"cvxpy {prob.value:.8f}; rel diff B {_rel(res.B, B.value):.1e}, "
        f"T {_rel(res.T, T.value):.1e}"
    )
    assert abs(f_ours - prob.value) <= 1e-6 * abs(prob.value)
    assert _rel(res.B, B.value) < 1e-4
    assert _rel(res.T, T.value) < 1e-4
    assert np.linalg.norm(res.B + res.T + res.N - D) < 1e-8 * np.linalg.norm(D)
    # The geometric penalty schedule stops at feasibility, within 0.1 % of the optimum.
    assert prob.value * (1 - 1e-6) <= f_fast <= prob.value * (1 + 1e-3)


# -- SVT fast paths against the exact SVD -------------------------------------------------------


def _lowrank_plus_noise(m, n, r, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, r)) @ np.diag(np.linspace(10, 3, r)) @ rng.standard_normal((r, n))
    M = M / math.sqrt(max(m, n)) + 0.01 * rng.standard_normal((m, n))
    return M.astype(dtype)


@pytest.mark.parametrize("shape", [(300, 80), (80, 300), (150, 150)])
@pytest.mark.parametrize("method", ["gram", "randomized", "partial"])
def test_svt_methods_match_exact(shape, method):
    M = _lowrank_plus_noise(*shape, r=6, seed=sum(shape))
    s = np.linalg.svd(M, compute_uv=False)
    t = float((s[5] + s[6]) / 2)  # between the signal and the noise singular values
    ref, r_ref = svt(M, t, return_rank=True)
    op = SVTOperator(method)
    got = op(M, t)
    assert op.rank_ == r_ref == 6
    err = _rel(got, ref)
    tol = 1e-10 if method == "gram" else 1e-6
    assert err < tol, (method, err)


def test_svt_gram_full_rank_and_low_rank_branches():
    rng = np.random.default_rng(5)
    M = rng.standard_normal((200, 60))
    s = np.linalg.svd(M, compute_uv=False)
    mid = (s[:-1] + s[1:]) / 2
    for t in (0.5 * s[-1], mid[40], mid[5], 2 * s[0]):  # full rank, >n/2, <n/2, zero
        ref = svt(M, t)
        op = SVTOperator("gram")
        np.testing.assert_allclose(op(M, t), ref, atol=1e-10 * s[0])
        assert op.rank_ == int(np.count_nonzero(s > t))


def test_svt_gram_float32_error_is_bounded():
    M = _lowrank_plus_noise(2500, 400, r=20, seed=2, dtype=np.float32)
    ref = svt(M.astype(np.float64), 0.05)
    got = SVTOperator("gram")(M, 0.05)
    assert got.dtype == np.float32
    # sqrt(eps_32) * sigma_max bounds the error of the squared (Gram) route.
    assert np.linalg.norm(got - ref, 2) < 3 * math.sqrt(np.finfo(np.float32).eps) * np.linalg.norm(
        M.astype(np.float64), 2
    )
    assert _rel(got, ref) < 1e-4


def test_randomized_warm_start_reuses_subspace():
    M = _lowrank_plus_noise(400, 200, r=8, seed=9)
    op = SVTOperator("randomized", n_power_iter=0)
    s = np.linalg.svd(M, compute_uv=False)
    t = float((s[7] + s[8]) / 2)
    op(M, t)
    # A slightly changed matrix: warm-started with no power iteration it is still accurate.
    M2 = M + 1e-4 * np.random.default_rng(1).standard_normal(M.shape)
    got = op(M2, t)
    assert _rel(got, svt(M2, t)) < 1e-4


@pytest.mark.parametrize("svd", ["exact", "gram", "randomized", "partial", "auto"])
def test_solver_same_result_with_every_svd_path(svd):
    L, S, _ = _planted(m=150, n=100, seed=4)
    ref = robust_pca(L + S, svd="exact", tol=1e-9)
    res = robust_pca(L + S, svd=svd, tol=1e-9)
    assert _rel(res.B, ref.B) < 1e-6
    assert _rel(res.T, ref.T) < 1e-6
    assert set(res.history["svd"]) <= {"exact", "gram", "randomized", "partial"}


def test_float32_matches_float64_at_loose_tolerance():
    L, S, _ = _planted(m=300, n=150, seed=6)
    D = L + S
    r64 = robust_pca(D, tol=1e-4)
    r32 = robust_pca(D, dtype=np.float32, tol=1e-4)
    assert r32.B.dtype == np.float32
    assert _rel(r32.B, r64.B) < 1e-3
    assert _rel(r32.T, r64.T) < 1e-3


def test_warm_start_needs_fewer_iterations():
    L, S, _ = _planted(seed=7)
    D = L + S
    cold = robust_pca(D, tol=1e-7)
    rng = np.random.default_rng(0)
    D2 = D + 1e-3 * rng.standard_normal(D.shape)
    warm = robust_pca(D2, tol=1e-7, init=(cold.T, cold.N))
    cold2 = robust_pca(D2, tol=1e-7)
    assert _rel(warm.B, cold2.B) < 1e-4
    assert warm.n_iter <= cold2.n_iter


def test_alpha0_second_same_solution_fewer_iterations():
    rng = np.random.default_rng(8)
    L = 5 + rng.standard_normal((200, 3)) @ rng.standard_normal((3, 100)) * 0.1  # dominant mean
    S = (rng.random(L.shape) < 0.03) * 3.0
    a = robust_pca(L + S, tol=1e-7)
    b = robust_pca(L + S, tol=1e-7, alpha0="second")
    assert b.n_iter < a.n_iter
    assert _rel(b.B, a.B) < 1e-4


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(2, 40),
    n=st.integers(2, 40),
    seed=st.integers(0, 2**16),
)
def test_transpose_gives_the_same_optimum(m, n, seed):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((m, n))
    lam = 1 / math.sqrt(max(m, n))
    a = robust_pca(D, lam=lam, tol=1e-9, penalty="balance", max_iter=20000)
    b = robust_pca(D.T, lam=lam, tol=1e-9, penalty="balance", max_iter=20000)

    def f(r):
        return np.linalg.svd(r.B, compute_uv=False).sum() + lam * np.abs(r.T).sum()

    assert abs(f(a) - f(b)) <= 1e-6 * f(a)
    assert np.linalg.norm(D - a.B - a.T - a.N) <= 1e-9 * np.linalg.norm(D) * 1.0001


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 30), n=st.integers(1, 30), seed=st.integers(0, 2**16), frac=st.floats(0, 1.2)
)
def test_svt_gram_matches_exact_any_shape(m, n, seed, frac):
    M = np.random.default_rng(seed).standard_normal((m, n))
    t = frac * np.linalg.norm(M, 2)
    np.testing.assert_allclose(SVTOperator("gram")(M, t), svt(M, t), atol=1e-9 * (1 + t))


def test_leading_singular_values():
    rng = np.random.default_rng(0)
    A = rng.random((500, 120))
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(leading_singular_values(A, 2), s[:2], rtol=1e-3)


# -- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "D, exc, match",
    [
        (np.zeros(5), ValueError, "2-D"),
        (np.zeros((0, 3)), ValueError, "empty"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
        (np.ones((2, 2), dtype=complex), TypeError, "real"),
    ],
)
def test_bad_input(D, exc, match):
    with pytest.raises(exc, match=match):
        robust_pca(D)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"svd": "lapack"}, "svd must be"),
        ({"tol": 0}, "tol"),
        ({"rho": 0.5}, "rho"),
        ({"mu": -1}, "mu"),
        ({"lam": 0}, "lam"),
        ({"max_iter": 0}, "max_iter"),
        ({"dtype": np.int32}, "dtype"),
        ({"alpha0": "first"}, "alpha0"),
        ({"penalty": "fixed"}, "penalty"),
        ({"dual_tol": -1.0}, "dual_tol"),
        ({"init": (np.zeros((3, 3)), np.zeros((3, 3)))}, "shape"),
    ],
)
def test_bad_parameters(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        robust_pca(np.eye(4) + 1, **kw)


def test_zero_matrix_and_convergence_warning():
    res = robust_pca(np.zeros((5, 4)))
    assert res.n_iter == 0 and not res.B.any() and not res.T.any()
    L, S, _ = _planted(m=50, n=40)
    with pytest.warns(ConvergenceWarning, match="did not reach"):
        robust_pca(L + S, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        robust_pca(L + S, max_iter=500)


@settings(max_examples=15, deadline=None)
@given(k=st.integers(-1000, 1000), seed=st.integers(0, 2**16), mu=st.sampled_from([np.inf, 3.0]))
def test_power_of_two_scaling_gives_the_scaled_solution_exactly(k, seed, mu):
    # D -> 2^k D is exact in floating point, and the solver normalises D by a power of two:
    # the iterates, hence the result, are the same bits times 2^k (with mu -> mu / 2^k).
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((20, 12)) + (rng.random((20, 12)) < 0.1) * 5.0
    a = robust_pca(D, mu=mu, tol=1e-6)
    b = robust_pca(np.ldexp(D, k), mu=mu / 2.0**k, tol=1e-6)
    assert a.n_iter == b.n_iter and b.converged
    for x, y in ((a.B, b.B), (a.T, b.T), (a.N, b.N)):
        np.testing.assert_array_equal(np.ldexp(x, k), y)


def test_balanced_penalty_converges_on_a_wide_2_row_matrix():
    """Residual balancing used to toggle alpha forever here (943 changes in 3000 iterations,
    stalled at ~3e-3); the penalty now settles after 50 changes and the ADMM converges."""
    D = np.random.default_rng(3375).standard_normal((2, 27))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = robust_pca(D, lam=1 / math.sqrt(27), tol=1e-9, penalty="balance", max_iter=5000)
    assert r.converged


def test_unconverged_solve_returns_its_best_iterate_with_a_flag():
    """Stopped at max_iter, the solver warns, flags it and returns the iterate with the smallest
    relative residual (here the balanced penalty, whose residual is not monotone)."""
    rng = np.random.default_rng(1)
    D = rng.standard_normal((3, 40))
    with pytest.warns(ConvergenceWarning, match="returning iteration"):
        res = robust_pca(D, penalty="balance", tol=1e-14, max_iter=30, svd="exact")
    assert not res.converged
    r = np.asarray(res.history["residual"])
    k = res.history["best_iter"]
    assert k < len(r) and r[k - 1] == r.min() < r[-1]  # here the last iterate is not the best
    got = np.linalg.norm(D - res.B - res.T - res.N) / np.linalg.norm(D)
    assert got == pytest.approx(r.min(), rel=1e-6)


def test_pstnn_flags_a_max_iter_stop():
    from sparseopt.istd import make_scene
    from sparseopt.istd.pstnn import PSTNN

    img = make_scene((80, 80), seed=0).image
    det = PSTNN(max_iter=2)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        det.score_map(img)
    assert det.converged_ is False and det.n_iter_ == 2
    det = PSTNN()
    det.score_map(img)
    assert det.converged_ is True
