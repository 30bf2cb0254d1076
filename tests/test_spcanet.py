"""SPCA-Net: the classical iteration with torch operators, its gradients, and its training."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparseopt import prox  # noqa: E402
from sparseopt.decomposition import sspca_problem, structured_sparse_pca  # noqa: E402
from sparseopt.penalties import L1, L20, L21, L2p  # noqa: E402
from sparseopt_deep import SPCANet, stiefel_projection, train_spcanet  # noqa: E402


def planted(n=200, d=30, informative=6, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    X = rng.standard_normal((n, d))
    X[:, :informative] += (rng.standard_normal((k, informative)) * 3.0)[y]
    return X


def test_stiefel_projection_gradcheck_generic():
    V = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(stiefel_projection, (V,))


@pytest.mark.parametrize("eps", [0.0, 1e-10, 1e-6])
def test_stiefel_projection_gradcheck_near_repeated_singular_values(eps):
    gen = torch.Generator().manual_seed(1)
    Q, _ = torch.linalg.qr(torch.randn(9, 4, dtype=torch.float64, generator=gen))
    V = (2.0 * Q + eps * torch.randn(9, 4, dtype=torch.float64, generator=gen)).requires_grad_()
    assert torch.autograd.gradcheck(stiefel_projection, (V,))
    g = torch.autograd.grad(stiefel_projection(V).square().sum(), V)[0]
    assert torch.isfinite(g).all()


def test_stiefel_projection_matches_svd_autograd_when_that_is_defined():
    V = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    G = torch.randn(6, 3, dtype=torch.float64)
    ours = torch.autograd.grad((stiefel_projection(V) * G).sum(), V)[0]
    U, _, Vh = torch.linalg.svd(V, full_matrices=False)
    ref = torch.autograd.grad(((U @ Vh) * G).sum(), V)[0]
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mu", [0.0, 0.2])
def test_network_off_with_classical_scalars_reproduces_the_solver(mu):
    """The one-code-path check: K stages of SPCA-Net = K iterations of the NumPy/Numba solver."""
    X = planted(seed=2)
    K = 9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter = K on purpose
        ref = structured_sparse_pca(
            X, 4, lam=0.5, mu=mu, n_inner=1, max_iter=K, tol=1e-300, patience=10**6
        )
    problem = sspca_problem(X, 4)
    a = ref.alpha
    blocks = ref.penalties
    assert len(blocks) == (2 if mu > 0 else 1)
    net = SPCANet(4, K, network=False, penalties=blocks)
    net.set_classical(
        eta=1.0 / (a * len(blocks)),
        weights=[pen.weight for pen in blocks],
        alphas=[a] * len(blocks),
    )
    state = net(problem.linear_operator(torch.as_tensor), torch.tensor(problem.V))
    for got, want in zip(
        (state.W, *state.Y, *state.Lam), (ref.state.W, *ref.state.Y, *ref.state.Lam)
    ):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=0, atol=1e-12)


def test_untrained_network_is_the_plain_iteration():
    X = planted(seed=3)
    problem = sspca_problem(X, 4)
    C, W0 = torch.tensor(problem.C), torch.tensor(problem.V)
    torch.manual_seed(0)
    pens = (L21(0.02), L1(0.0))
    with_net = SPCANet(4, 5, penalties=pens, network=True, alpha=0.3).double()
    without = SPCANet(4, 5, penalties=pens, network=False, alpha=0.3).double()
    torch.testing.assert_close(with_net(C, W0).W, without(C, W0).W)


def test_parameter_count_does_not_grow_with_the_number_of_features():
    a = SPCANet(5, 6, penalties=(L21(0.01),), network=True)
    n_dyn = sum(p.numel() for p in a.parameters())
    b = SPCANet(5, 6, penalties=(L21(0.01),), network=True, dynamic=False)
    n_static = sum(p.numel() for p in b.parameters())
    assert n_static * 6 == n_dyn  # dynamic = one set per stage, static = one set in all
    # nothing depends on d: the same network runs on problems of any size
    for d in (10, 40):
        X = np.random.default_rng(d).standard_normal((50, d))
        pr = sspca_problem(X, 5)
        out = a(torch.tensor(pr.C, dtype=torch.float32), torch.tensor(pr.V, dtype=torch.float32))
        assert out.W.shape == (d, 5)


def test_training_lowers_the_objective_deterministically_and_state_dict_round_trips():
    X = planted(seed=4)
    r1 = train_spcanet(X, 3, n_stages=4, n_epochs=40, random_state=7)
    r2 = train_spcanet(X, 3, n_stages=4, n_epochs=40, random_state=7)
    assert r1.history["loss"] == r2.history["loss"]
    assert min(r1.history["loss"]) < r1.history["loss"][0]
    # the reported objective is the SSPCA objective of the returned W, recomputed here in NumPy
    pr = sspca_problem(X, 3)
    W = r1.components
    l21, l1 = r1.penalties  # the talk's two blocks (l1 at weight 0 by default)
    direct = (
        0.5 * (np.trace(pr.C) - np.sum(W * (pr.C @ W)))
        + l21.weight * np.linalg.norm(W, axis=1).sum()
        + l1.weight * np.abs(W).sum()
    )
    assert r1.objective == pytest.approx(direct, rel=1e-10)
    assert r1.objective < r1.history["loss"][0]
    twin = SPCANet(3, 4, penalties=r1.penalties, network=True)
    twin.load_state_dict(r1.model.state_dict())
    C, W0 = torch.tensor(pr.C), torch.tensor(pr.V)
    torch.testing.assert_close(twin.double()(C, W0).W, r1.model(C, W0).W)


def test_scalars_are_learned_per_stage_and_stay_valid():
    X = planted(seed=5)
    r = train_spcanet(X, 3, n_stages=3, n_epochs=30)
    assert min(r.history["loss"]) < r.history["loss"][0]  # the kept epoch is a trained one
    with torch.no_grad():
        learned = [r.model.stage_params(k) for k in range(3)]
    etas = [float(p.eta) for p in learned]
    assert len(set(etas)) == 3  # every stage learned its own step (dynamic=True)
    for p in learned:  # positive by parametrisation, and finite
        vals = [float(p.eta), *map(float, p.alphas), *map(float, p.weights)]
        assert all(np.isfinite(v) and v > 0 for v in vals)
    np.testing.assert_allclose(r.components.T @ r.components, np.eye(3), atol=1e-10)


def test_spcanet_on_large_d_uses_the_factored_gradient():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((40, 300))
    r = train_spcanet(X, 3, n_stages=3, n_epochs=5)
    assert r.components.shape == (300, 3)
    np.testing.assert_allclose(r.components.T @ r.components, np.eye(3), atol=1e-10)


def test_public_stiefel_projection_has_the_stable_backward_on_torch():
    """sparseopt.prox.stiefel_projection on tensors is the deep package's projection (one copy)."""
    gen = torch.Generator().manual_seed(3)
    Q, _ = torch.linalg.qr(torch.randn(8, 3, dtype=torch.float64, generator=gen))
    V = (2.0 * Q).requires_grad_()  # all singular values equal: SVD autograd gives inf/NaN here
    g = torch.autograd.grad(prox.stiefel_projection(V).square().sum(), V)[0]
    assert torch.isfinite(g).all()
    assert torch.autograd.gradcheck(prox.stiefel_projection, (V,))


@pytest.mark.parametrize("pen", [L21(0.3), L1(0.1), L2p(0.2, p=0.5), L20(0.1)])
def test_penalty_value_works_on_numpy_and_on_tensors_that_require_grad(pen):
    W = np.random.default_rng(0).standard_normal((7, 3))
    Wt = torch.tensor(W, requires_grad=True)
    v = pen.value(Wt)
    assert isinstance(pen.value(W), float)
    assert float(v.detach()) == pytest.approx(pen.value(W), rel=1e-12)
    if pen.differentiable:
        (g,) = torch.autograd.grad(v, Wt)
        assert torch.isfinite(g).all()


@pytest.mark.parametrize(
    ("penalty", "kw"), [("l21", {}), ("l2p", {"p": 0.5}), ("l21", {"mu": 0.2})]
)
def test_spcanet_supports_the_solvers_penalties_and_they_change_the_answer(penalty, kw):
    X = planted(seed=8)
    base = train_spcanet(X, 3, n_stages=3, n_epochs=3)
    r = train_spcanet(X, 3, n_stages=3, n_epochs=3, penalty=penalty, **kw)
    assert [pen.name for pen in r.penalties] == [penalty, "l1"]  # the talk's two blocks, always
    assert (r.penalties[1].weight > 0) == bool(kw.get("mu"))
    if (penalty, kw) != ("l21", {}):
        assert not np.allclose(r.scores, base.scores)


def test_spcanet_refuses_l20_by_name():
    with pytest.raises(ValueError, match="l20"):
        train_spcanet(planted(seed=9), 3, n_stages=2, n_epochs=1, penalty="l20")
    with pytest.raises(ValueError, match="l20"):
        SPCANet(3, 2, penalties=(L20(0.1),))


def test_solver_and_network_share_the_objective():
    """The training loss at W is the solver's objective at W (one function, two array libraries)."""
    X = planted(seed=10)
    problem = sspca_problem(X, 3)
    res = structured_sparse_pca(None, problem=problem, lam=0.4, mu=0.1)
    W = res.components
    C = problem.linear_operator(torch.as_tensor)
    from sparseopt.stages import sspca_objective

    Wt = torch.as_tensor(W)
    assert float(sspca_objective(Wt, C(Wt), problem.trace, res.penalties)) == pytest.approx(
        problem.objective(W, res.penalties), rel=1e-12
    )
