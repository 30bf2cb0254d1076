"""Structured sparse PCA: the stage function, optimality, invariances and convergence of the solver."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from sparseopt import prox
from sparseopt.decomposition import default_n_components, sspca_problem, structured_sparse_pca
from sparseopt.stages import SSPCAOperators, SSPCAParams, SSPCAState, sspca_admm_stage


def planted(n=240, d=40, informative=8, k=5, seed=0):
    """k clusters that differ only in the first `informative` features; the rest is isotropic noise.

    The between-cluster structure spans k − 1 = 4 directions: use p = 4.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    centers = rng.standard_normal((k, informative)) * 3.0
    X = rng.standard_normal((n, d))
    X[:, :informative] += centers[y]
    return X, y


def subspace_distance(A, B):
    return np.linalg.norm(A @ A.T - B @ B.T) / np.sqrt(2 * A.shape[1])


def test_stage_is_the_textbook_admm_iteration():
    """One stage = the ADMM iteration step by step, written out independently here (ℓ₂,₁ + ℓ₁ blocks)."""
    rng = np.random.default_rng(1)
    d, p = 15, 3
    A = rng.standard_normal((d, 30))
    C = A @ A.T / np.linalg.norm(A @ A.T, 2)
    W = prox.stiefel_projection(rng.standard_normal((d, p)))
    Y, Z = rng.standard_normal((d, p)), rng.standard_normal((d, p))
    Lam, Pi = rng.standard_normal((d, p)), rng.standard_normal((d, p))
    lam, mu, alpha, beta, eta = 0.1, 0.05, 2.0, 3.0, 0.07

    G = -C @ W + Lam + alpha * (W - Y) + Pi + beta * (W - Z)
    U, _, Vt = np.linalg.svd(W - eta * G, full_matrices=False)
    W1 = U @ Vt
    V = W1 + Lam / alpha
    nrm = np.linalg.norm(V, axis=1, keepdims=True)
    Y1 = V * np.maximum(1 - (lam / alpha) / nrm, 0)
    V = W1 + Pi / beta
    Z1 = np.sign(V) * np.maximum(np.abs(V) - mu / beta, 0)
    Lam1, Pi1 = Lam + alpha * (W1 - Y1), Pi + beta * (W1 - Z1)

    state = sspca_admm_stage(
        SSPCAState(W, (Y, Z), (Lam, Pi)),
        C @ W,
        SSPCAParams(eta=eta, alphas=[alpha, beta], weights=[lam, mu]),
        SSPCAOperators(
            project=prox.stiefel_projection, proxes=[prox.row_soft_threshold, prox.soft_threshold]
        ),
    )
    for got, want in zip((state.W, *state.Y, *state.Lam), (W1, Y1, Z1, Lam1, Pi1)):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_first_order_optimality_at_the_returned_point():
    X, _ = planted()
    res = structured_sparse_pca(X, 4, lam=0.5, tol=1e-9)
    assert res.converged
    prob = sspca_problem(X, 4)
    W, (Y,), (Lam,) = res.state
    (pen,) = res.penalties
    lam = pen.weight
    # primal feasibility
    np.testing.assert_allclose(W.T @ W, np.eye(4), atol=1e-10)
    assert np.linalg.norm(W - Y) < 1e-7
    # Λ ∈ λ ∂‖Y‖₂,₁
    ny = np.linalg.norm(Y, axis=1)
    nz = ny > 0
    np.testing.assert_allclose(Lam[nz], lam * Y[nz] / ny[nz, None], atol=1e-7)
    assert np.all(np.linalg.norm(Lam[~nz], axis=1) <= lam * (1 + 1e-9))
    # Riemannian stationarity of −½tr(WᵀCW) + ⟨Λ, W⟩ on the Stiefel manifold
    E = -prob.grad(W) + Lam
    R = E - W @ (0.5 * (W.T @ E + E.T @ W))
    assert np.linalg.norm(R) < 1e-6 * np.linalg.norm(prob.grad(W))
    # and the planted features come first
    assert set(np.argsort(-res.scores)[:8]) == set(range(8))


def test_objective_decreases():
    X, _ = planted(seed=3)
    res = structured_sparse_pca(X, 4, lam=0.5, tol=1e-8, init="random", random_state=0)
    obj = np.asarray(res.history["objective"])
    assert obj[-1] < obj[0]
    # monotone up to round-off once the start-up transient (the first outer iterations) is over
    tail = obj[3:]
    assert np.all(np.diff(tail) <= 1e-8 * np.abs(tail[:-1]).max())


def test_permuting_features_permutes_scores():
    X, _ = planted(seed=4)
    perm = np.random.default_rng(0).permutation(X.shape[1])
    a = structured_sparse_pca(X, 4, tol=1e-9).scores
    b = structured_sparse_pca(X[:, perm], 4, tol=1e-9).scores
    np.testing.assert_allclose(b, a[perm], atol=1e-7)


def test_zero_penalty_recovers_pca_subspace():
    X, _ = planted(seed=5)
    res = structured_sparse_pca(X, 4, lam=0.0, mu=0.0, init="random", random_state=2, tol=1e-10)
    V = PCA(4).fit(X).components_.T
    assert subspace_distance(res.components, V) < 1e-8


def test_scale_and_shift_invariance():
    X, _ = planted(seed=6)
    a = structured_sparse_pca(X, 4, tol=1e-9).scores
    b = structured_sparse_pca(1e-3 * X + 17.0, 4, tol=1e-9).scores
    np.testing.assert_allclose(a, b, atol=1e-7)


def test_random_and_pca_start_agree():
    X, _ = planted(n=300, d=60, seed=7)
    a = structured_sparse_pca(X, 5, init="pca")
    b = structured_sparse_pca(X, 5, init="random", random_state=3)
    assert a.converged and b.converged
    top_a, top_b = set(np.argsort(-a.scores)[:20]), set(np.argsort(-b.scores)[:20])
    assert len(top_a & top_b) >= 19
    np.testing.assert_allclose(a.objective, b.objective, rtol=1e-5)


def test_running_longer_does_not_change_the_answer():
    X, _ = planted(seed=8)
    a = structured_sparse_pca(X, 4)
    b = structured_sparse_pca(X, 4, tol=1e-12, max_iter=4 * a.n_iter + 100)
    assert np.array_equal(np.argsort(-a.scores)[:10], np.argsort(-b.scores)[:10])


def test_more_penalty_means_sparser_rows():
    X, _ = planted(seed=9)
    nnz = [structured_sparse_pca(X, 4, lam=lam).support.sum() for lam in (0.1, 0.5, 1.0)]
    assert nnz[0] >= nnz[1] >= nnz[2]
    assert nnz[2] < X.shape[1]


@pytest.mark.parametrize(
    ("penalty", "kw"), [("l2p", {"p": 0.5}), ("l20", {}), ("l21", {"mu": 0.3})]
)
def test_other_penalties_converge_to_fixed_points(penalty, kw):
    X, _ = planted(seed=10)
    res = structured_sparse_pca(X, 4, penalty=penalty, lam=0.5, tol=1e-8, **kw)
    assert res.converged
    assert set(np.argsort(-res.scores)[:8]) == set(range(8))
    # one more stage leaves the iterate where it is
    prob = sspca_problem(X, 4)
    ops = SSPCAOperators(prox.stiefel_projection, [pen.prox for pen in res.penalties])
    a = res.alpha
    params = SSPCAParams(
        1.0 / (a * len(res.penalties)),
        [a] * len(res.penalties),
        [pen.weight for pen in res.penalties],
    )
    nxt = sspca_admm_stage(res.state, prob.grad(res.state.W), params, ops)
    assert np.linalg.norm(nxt.W - res.state.W) < 1e-6


def test_high_dimensional_default_keeps_many_rows():
    """d ≫ n (the Xᵀ(XW) path): the relative λ must not wipe out all but a handful of rows."""
    rng = np.random.default_rng(11)
    n, d = 120, 5000
    Z = rng.standard_normal((n, 6))
    X = Z @ rng.standard_normal((6, d)) * 0.3 + rng.standard_normal((n, d))
    p = default_n_components(X)
    res = structured_sparse_pca(X, p)
    assert sspca_problem(X, p).C is None  # never formed a 5000 × 5000 matrix
    assert res.converged
    assert res.support.sum() > 0.5 * d


def test_convergence_warning_when_max_iter_is_hit():
    X, _ = planted(seed=12)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = structured_sparse_pca(X, 4, max_iter=3)
    assert res.n_iter == 3 and not res.converged


def test_default_n_components_is_unsupervised_and_bounded():
    X, _ = planted(seed=13)
    p = default_n_components(X)
    assert 2 <= p <= 50
    ratio = PCA().fit(X).explained_variance_ratio_
    assert ratio[:p].sum() >= 0.8 > ratio[: p - 1].sum()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lam": -1.0}, "lam"),
        ({"tol": 0.0}, "tol"),
        ({"n_inner": 0}, "n_inner"),
        ({"init": "svd"}, "init"),
        ({"penalty": "l3"}, "penalty"),
        ({"alpha": -2.0}, "alpha"),
    ],
)
def test_bad_parameters(kwargs, match):
    X, _ = planted(n=30, d=10)
    with pytest.raises(ValueError, match=match):
        structured_sparse_pca(X, 2, **kwargs)


def test_bad_data():
    with pytest.raises(ValueError, match="NaN"):
        structured_sparse_pca(np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]), 1)
    with pytest.raises(ValueError, match="2D"):
        structured_sparse_pca(np.ones(5), 1)
    with pytest.raises(ValueError, match="n_components"):
        structured_sparse_pca(np.random.default_rng(0).standard_normal((5, 4)), 5)
    with pytest.raises(TypeError, match="real"):
        structured_sparse_pca(np.ones((5, 4)) * (1 + 1j), 1)
    with pytest.raises(ValueError, match="zero variance"):
        structured_sparse_pca(np.ones((6, 3)), 1)


@pytest.mark.parametrize(("n", "d"), [(80, 30), (600, 500), (450, 1000), (100, 700)])
def test_problem_setup_matches_pca_on_every_path(n, d):
    """Dense eigh, Lanczos on C, Lanczos on Xcᵀ(Xc·), and the thin SVD all give the PCA subspace."""
    rng = np.random.default_rng(n + d)
    X = rng.standard_normal((n, 8)) @ rng.standard_normal((8, d)) + 0.3 * rng.standard_normal(
        (n, d)
    )
    prob = sspca_problem(X, 5)
    V = PCA(5, svd_solver="full").fit(X).components_.T
    assert subspace_distance(prob.V, V) < 1e-9
    assert prob.evals[0] == pytest.approx(1.0)
    W = np.linalg.qr(rng.standard_normal((d, 5)))[0]
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(prob.grad(W), Xc.T @ (Xc @ W) / prob.scale, rtol=1e-10, atol=1e-12)


def test_path_builds_the_problem_once_and_matches_single_fits():
    from sparseopt.decomposition import sspca_path

    X, _ = planted(seed=14)
    lams = [0.5, 0.1, 0.25]
    path = sspca_path(X, lams, 4)
    for lam, res in zip(lams, path):
        np.testing.assert_array_equal(res.scores, structured_sparse_pca(X, 4, lam=lam).scores)
    warm = sspca_path(X, lams, 4, warm_start=True)
    assert all(r.converged for r in warm)
    assert sum(r.n_grad for r in warm) <= sum(r.n_grad for r in path)
    with pytest.raises(ValueError, match="lams"):
        sspca_path(X, [0.1, -1.0], 4)


def test_penalties_objects_and_relative_strengths_are_not_mixed():
    from sparseopt.penalties import L1, L21

    X, _ = planted(seed=15)
    prob = sspca_problem(X, 4)
    a = structured_sparse_pca(None, problem=prob, lam=0.4, mu=0.1)
    b = structured_sparse_pca(None, problem=prob, penalties=a.penalties)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert [type(p) for p in a.penalties] == [L21, L1]
    with pytest.raises(ValueError, match="not both"):
        structured_sparse_pca(None, problem=prob, lam=0.4, penalties=(L21(0.01),))
