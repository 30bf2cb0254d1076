"""RPCADetector's modelling rules, each checked against a computation written here.

The detector = min-max scaled patch image → robust PCA with λ = 1/√max(H, W) → target patches
folded back by the chosen per-pixel statistic (``fold``) → positive part. Each step is redone
here from the solver's raw output (own patch image, own median/mean fold), so a detector that
scores |T| instead of max(T, 0), ignores ``fold`` or uses another λ fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sparseopt.decomposition import robust_pca
from sparseopt.istd import RPCADetector, make_scene

pytestmark = pytest.mark.usefixtures("one_blas_thread")

P, STEP = 50, 10


def _starts(n):
    s = list(range(0, n - P + 1, STEP))
    return s if s[-1] == n - P else [*s, n - P]


def _patches(img):
    """Column i*n_cols + j = window at (rows[i], cols[j]), flattened row-major."""
    rows, cols = _starts(img.shape[0]), _starts(img.shape[1])
    return np.stack([img[r : r + P, c : c + P].ravel() for r in rows for c in cols], axis=1)


def _fold(T, shape, how):
    """Per-pixel median or mean over the windows covering the pixel (plain Python lists)."""
    rows, cols = _starts(shape[0]), _starts(shape[1])
    vals = [[[] for _ in range(shape[1])] for _ in range(shape[0])]
    k = 0
    for r in rows:
        for c in cols:
            w = T[:, k].reshape(P, P)
            for i in range(P):
                for j in range(P):
                    vals[r + i][c + j].append(w[i, j])
            k += 1
    stat = np.median if how == "median" else np.mean
    return np.array([[stat(v) for v in row] for row in vals])


@pytest.fixture(scope="module")
def image():
    """A synthetic scene with three bright targets and one dark hole (negative target)."""
    s = make_scene((90, 100), n_targets=3, contrast=4.0, seed=3)
    img = s.image.astype(np.float64)
    yy, xx = np.mgrid[0:90, 0:100]
    img -= 4.0 * img.std() * np.exp(-((yy - 45) ** 2 + (xx - 20) ** 2) / 2.0)
    return img


def _solve(img, lam, mu=np.inf):
    D = _patches(img)
    D = (D - D.min()) / (D.max() - D.min())
    return robust_pca(
        D, lam=lam, mu=mu, svd="gram", dtype=np.float64, tol=3e-3, rho=1.5,
        alpha0="second", n_threads=1,
    ).T  # fmt: skip


@pytest.fixture(scope="module")
def raw_T(image):
    return _solve(image, 1.0 / math.sqrt(max(image.shape)))


def test_score_is_the_positive_part_not_the_magnitude(image, raw_T):
    T = _fold(raw_T, image.shape, "median")
    assert T.min() < -0.05 * T.max()  # the dark hole: a clearly negative target
    det = RPCADetector(dtype="float64")
    score = det.score_map(image)
    np.testing.assert_allclose(score, np.maximum(T, 0.0), rtol=0, atol=1e-10)
    assert score.min() == 0.0 and score[45, 20] == 0.0  # the hole scores nothing
    _, T_det, _ = det.decompose(image)
    np.testing.assert_allclose(T_det, T, rtol=0, atol=1e-10)


@pytest.mark.parametrize("fold", ["median", "mean"])
def test_fold_setting_is_honoured(image, raw_T, fold):
    want = np.maximum(_fold(raw_T, image.shape, fold), 0.0)
    other = np.maximum(_fold(raw_T, image.shape, "mean" if fold == "median" else "median"), 0.0)
    assert np.abs(want - other).max() > 1e-3  # the two rules really differ here
    got = RPCADetector(dtype="float64", fold=fold).score_map(image)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_default_lambda_is_one_over_sqrt_of_the_larger_side(image, raw_T):
    got = RPCADetector(dtype="float64").score_map(image)
    np.testing.assert_allclose(got, np.maximum(_fold(raw_T, image.shape, "median"), 0), atol=1e-10)
    # and λ matters: twice the weight gives a different (sparser) target
    doubled = _solve(image, 2.0 / math.sqrt(max(image.shape)))
    assert np.count_nonzero(doubled) < np.count_nonzero(raw_T)
    assert np.abs(np.maximum(_fold(doubled, image.shape, "median"), 0) - got).max() > 1e-3


def test_explicit_lambda_and_mu_are_passed_to_the_solver(image):
    lam, mu = 0.03, 5.0
    want = np.maximum(_fold(_solve(image, lam, mu), image.shape, "median"), 0.0)
    got = RPCADetector(dtype="float64", lam=lam, mu=mu).score_map(image)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
