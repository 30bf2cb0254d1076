"""The benchmarks' plain references are written independently of the library; here they serve as
oracles for the library's own code (and the library for them).

* ``benchmarks/sspca_speed.py``: plain NumPy problem set-up and ADMM (own projection and
  proximal maps) = the library's ``sspca_problem`` + ``sspca_admm_stage``, iterate by iterate;
* ``benchmarks/istd.py``: plain patch image and median fold = ``patch_image`` / ``fold_patches``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from sparseopt.decomposition import sspca_problem
from sparseopt.istd import fold_patches, make_scene, patch_image
from sparseopt.prox import _reference
from sparseopt.stages import SSPCAOperators, SSPCAParams, SSPCAState, sspca_admm_stage

REPO = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / name)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def speed():
    return _load("sspca_speed.py")


@pytest.fixture(scope="module")
def istd():
    return _load("istd.py")


def _data(seed=0, n=120, d=25):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, :5] += 3.0 * rng.standard_normal((3, 5))[rng.integers(0, 3, n)]
    return X


def test_plain_problem_is_the_library_problem(speed):
    X = _data()
    C, V = speed.plain_problem(X, 4)
    pr = sspca_problem(X, 4)
    np.testing.assert_allclose(C, pr.C, rtol=0, atol=1e-12)
    np.testing.assert_allclose(V, pr.V, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("l1_block", "mu"), [(True, 0.0), (True, 0.02), (False, 0.0)])
def test_plain_admm_equals_the_library_stage(speed, l1_block, mu):
    X = _data(seed=1)
    C, V = speed.plain_problem(X, 3)
    lam, alpha, beta, K = 0.05, 2.0, 3.0, 25
    out = speed.plain_admm(C, V, K, lam=lam, mu=mu, alpha=alpha, beta=beta, l1_block=l1_block)
    if l1_block:
        params = SSPCAParams(1.0 / (1.0 + alpha + beta), [alpha, beta], [lam, mu])
        proxes = [_reference.row_soft_threshold, _reference.soft_threshold]
    else:
        params = SSPCAParams(1.0 / alpha, [alpha], [lam])
        proxes = [_reference.row_soft_threshold]
    nb = len(proxes)
    state = SSPCAState(
        V, tuple(V.copy() for _ in range(nb)), tuple(np.zeros_like(V) for _ in range(nb))
    )
    ops = SSPCAOperators(_reference.stiefel_projection, proxes)
    for _ in range(K):
        state = sspca_admm_stage(state, C @ state.W, params, ops)
    assert out["n_iter"] == K
    np.testing.assert_allclose(out["W"], state.W, rtol=0, atol=1e-10)
    assert out["objective"] == pytest.approx(speed.plain_objective(C, state.W, lam, mu), rel=1e-12)


def test_plain_admm_stops_at_its_target(speed):
    X = _data(seed=2)
    C, V = speed.plain_problem(X, 3)
    full = speed.plain_admm(C, V, 300, lam=0.05, l1_block=False, alpha=1.0)
    hit = speed.plain_admm(
        C, V, 300, lam=0.05, l1_block=False, alpha=1.0, target=full["objective"] + 1e-3
    )
    assert hit["reached"] and hit["n_iter"] < 300 and hit["objective"] <= full["objective"] + 1e-3
    miss = speed.plain_admm(C, V, 5, lam=0.05, l1_block=False, alpha=1.0, target=-1.0)
    assert not miss["reached"] and miss["n_iter"] == 5


@pytest.mark.parametrize("shape", [(50, 50), (60, 60), (73, 91), (128, 100)])
def test_plain_patch_image_and_median_fold_are_the_library_ones(istd, shape):
    img = make_scene(shape, seed=1).image.astype(np.float64)
    D, _, _ = patch_image(img, 50, 10)
    D2, rows, cols = istd._ref_patch_image(img)
    np.testing.assert_array_equal(D, D2)
    P = np.random.default_rng(0).standard_normal(D.shape)
    np.testing.assert_allclose(
        istd._ref_fold_median(P, shape, rows, cols), fold_patches(P, shape, 50, 10), atol=1e-14
    )
