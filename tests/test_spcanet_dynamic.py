"""SPCA-Net's ``dynamic=True``: every stage runs with its own learned scalars (and row module).

A network that silently used stage 0's parameters in every stage would still train and
still pass the one-code-path checks (those set all stages alike); these tests fail on it.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparseopt.decomposition import sspca_problem  # noqa: E402
from sparseopt.penalties import L1, L21  # noqa: E402
from sparseopt_deep import SPCANet  # noqa: E402

K = 4


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 12))
    X[:, :3] += 3.0 * rng.standard_normal((4, 3))[rng.integers(0, 4, 80)]
    pr = sspca_problem(X, 3)
    return torch.tensor(pr.C), torch.tensor(pr.V)


def _net(network, dynamic=True):
    torch.manual_seed(0)
    return SPCANet(3, K, dynamic=dynamic, network=network, penalties=(L21(0.05), L1(0.02))).double()


@pytest.mark.parametrize("network", [False, True])
def test_every_stage_has_and_uses_its_own_scalars(problem, network):
    C, W0 = problem
    net = _net(network)
    assert net.raw.shape[0] == K
    loss = net(C, W0).W.square().sum() + sum(y.sum() for y in net(C, W0).Y)
    loss.backward()
    per_stage = net.raw.grad.abs().sum(dim=1)
    assert torch.all(per_stage > 0), per_stage  # each stage's scalars reach the output
    if network:
        for k, module in enumerate(net.row_modules):
            g = sum(p.grad.abs().sum() for p in module.parameters() if p.grad is not None)
            assert g > 0, f"row module of stage {k} never used"


def test_changing_only_the_last_stage_changes_the_output(problem):
    C, W0 = problem
    net = _net(network=False)
    before = net(C, W0).W.detach().clone()
    with torch.no_grad():
        net.raw[K - 1] += 0.5
        p0, plast = net.stage_params(0), net.stage_params(K - 1)
    assert not torch.isclose(p0.eta, plast.eta)
    assert (net(C, W0).W.detach() - before).abs().max() > 1e-6


def test_equal_stage_scalars_reproduce_the_static_network(problem):
    C, W0 = problem
    dyn, static = _net(network=False), _net(network=False, dynamic=False)
    with torch.no_grad():
        static.raw.copy_(dyn.raw[:1] + 0.1)
        dyn.raw.copy_(static.raw.expand_as(dyn.raw))
    torch.testing.assert_close(dyn(C, W0).W, static(C, W0).W, rtol=0, atol=1e-13)
    with torch.no_grad():  # and once one stage differs, they do not agree any more
        dyn.raw[2] -= 0.3
    assert (dyn(C, W0).W - static(C, W0).W).abs().max() > 1e-6


def test_network_is_equivariant_to_feature_permutations(problem):
    """Permuting the features permutes the rows of W (docs: the row module is shared by rows)."""
    C, W0 = problem
    net = _net(network=True)
    with torch.no_grad():  # a non-trivial network: the untrained one is the plain iteration
        for module in net.row_modules:
            for prm in module.parameters():
                prm.add_(0.3 * torch.randn_like(prm))
        net.raw.add_(0.2 * torch.randn_like(net.raw))
    perm = torch.from_numpy(np.random.default_rng(1).permutation(C.shape[0]))
    out = net(C, W0)
    out_p = net(C[perm][:, perm], W0[perm])
    torch.testing.assert_close(out_p.W, out.W[perm], rtol=0, atol=1e-12)
    plain = SPCANet(3, K, network=False, penalties=(L21(0.05), L1(0.02))).double()
    assert (plain(C, W0).W - out.W).abs().max() > 1e-4  # the network really acts
