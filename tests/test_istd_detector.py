"""RPCADetector / IPI: detection on synthetic scenes, input rules, decomposition, real images."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from sparseopt.istd import (
    IPI,
    RPCADetector,
    as_grey_image,
    evaluate,
    load_istd_dataset,
    make_scene,
)
from sparseopt.istd.mpcm import MPCM
from sparseopt.istd.pstnn import PSTNN
from sparseopt.istd.tophat import TopHat

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def scene():
    return make_scene((120, 130), n_targets=3, contrast=4.0, seed=3)


def _hits(mask, truth):
    lab, n = ndi.label(truth, structure=np.ones((3, 3)))
    return sum(bool((mask & (lab == i)).any()) for i in range(1, n + 1)), n


def test_detects_planted_targets(scene):
    det = RPCADetector()
    mask = det.detect(scene.image)
    hit, n = _hits(mask, scene.mask)
    assert n == 3 and hit == 3
    # Detections beyond the half-maximum discs are only the targets' skirts: nothing farther
    # than 2 px from a target.
    near = ndi.binary_dilation(scene.mask, iterations=2)
    assert np.count_nonzero(mask & ~near) == 0
    found = det.targets(scene.image)
    assert len(found) >= 3
    cents = np.array([t.centroid for t in found[:3]])
    for c in scene.centers:  # every planted centre is within 1.5 px of a reported target
        assert np.min(np.hypot(*(cents - c).T)) < 1.5
    assert found[0].score >= found[-1].score and all(t.area >= 1 for t in found)
    assert det.n_iter_ > 0 and det.history_["residual"][-1] < det.tol


def test_decompose_adds_up_to_the_scaled_image(scene):
    det = RPCADetector(fold="mean", tol=1e-5, dtype="float64")
    B, T, N = det.decompose(scene.image)
    assert B.shape == T.shape == N.shape == scene.image.shape
    img = scene.image
    scaled = (img - img.min()) / (img.max() - img.min())
    np.testing.assert_allclose(B + T + N, scaled, atol=1e-4)
    assert not N.any()  # mu = inf
    B2, T2, N2 = RPCADetector(fold="mean", tol=1e-5, dtype="float64", mu=2.0).decompose(img)
    assert np.abs(N2).max() > 0
    np.testing.assert_allclose(B2 + T2 + N2, scaled, atol=1e-4)


def test_intensity_scale_and_dtype_invariance(scene):
    det = RPCADetector(dtype="float64", tol=1e-6)
    u8 = np.round(scene.image * 255).astype(np.uint8)
    s8 = det.score_map(u8)
    s16 = det.score_map(u8.astype(np.uint16) * 257)
    sf = det.score_map(u8.astype(np.float32) / 255.0 * 7 + 3)
    np.testing.assert_allclose(s16, s8, atol=1e-6)
    np.testing.assert_allclose(sf, s8, atol=1e-5)
    rgb = np.stack([u8] * 3, axis=2)
    np.testing.assert_allclose(det.score_map(rgb), s8, atol=1e-6)
    rgba = np.concatenate([rgb, np.full((*u8.shape, 1), 255, np.uint8)], axis=2)
    np.testing.assert_allclose(det.score_map(rgba), s8, atol=1e-6)


def test_colour_rule_is_bt601():
    rgb = np.zeros((2, 2, 3))
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 100, 50, 10
    np.testing.assert_allclose(as_grey_image(rgb), 0.299 * 100 + 0.587 * 50 + 0.114 * 10)


@pytest.mark.parametrize(
    "image, exc, match",
    [
        (np.full((60, 60), np.nan), ValueError, "NaN"),
        (np.zeros((0, 60)), ValueError, "empty"),
        (np.zeros(100), ValueError, "1-D"),
        (np.zeros((40, 60)), ValueError, "smaller than the 50"),
        (np.zeros((60, 60), bool), TypeError, "boolean"),
        (np.zeros((2, 60, 60, 3)), ValueError, "2-D"),
        (np.zeros((60, 60, 2)), ValueError, "colour"),
        (np.array([["a"]]), TypeError, "numeric"),
    ],
)
def test_bad_images(image, exc, match):
    with pytest.raises(exc, match=match):
        RPCADetector().score_map(image)


def test_padding_lets_small_images_through(scene):
    small = scene.image[:44, :46]
    det = RPCADetector(pad=3)
    assert det.score_map(small).shape == small.shape
    with pytest.raises(ValueError, match="padded by 2"):
        RPCADetector(pad=2).score_map(small)


def test_constant_image_has_no_target():
    det = RPCADetector()
    assert not det.score_map(np.full((60, 60), 7.0)).any()
    assert det.targets(np.full((60, 60), 7.0)) == []


def test_deep_is_validated_at_use_time():
    det = RPCADetector(deep=True, model="unet")  # stored untouched
    assert det.deep is True and det.model == "unet"
    with pytest.raises(ValueError, match="'model' parameter"):
        det.decompose(np.zeros((60, 60)))
    with pytest.raises(ValueError, match="'model' parameter"):
        det.score_map(np.zeros((60, 60)))


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"patch_size": "50"}, "patch_size"),
        ({"step": 0}, "step"),
        ({"fold": "max"}, "fold"),
        ({"svd": "magic"}, "svd"),
        ({"dtype": "int8"}, "dtype"),
        ({"alpha0": -1.0}, "alpha0"),
        ({"n_threads": 0}, "n_threads"),
        ({"pad": -1}, "pad"),
        ({"threshold": "otsu"}, "threshold"),
        ({"ratio": 1.5}, "ratio"),
    ],
)
def test_parameters_checked_when_used(kw, match):
    det = RPCADetector(**kw)  # no error here (scikit-learn rule)
    with pytest.raises((ValueError, TypeError), match=match):
        det.detect(np.zeros((60, 60)))


def test_ipi_is_gao_setting():
    p = IPI().get_params()
    assert "patch_size" not in p
    d = IPI()
    assert (d.patch_size, d.step, d.lam, d.mu, d.fold) == (50, 10, None, np.inf, "median")
    assert "IPI(" in repr(d)


def test_threshold_rules_change_detect(scene):
    a = RPCADetector(threshold="relmax", ratio=0.5).detect(scene.image)
    b = RPCADetector(threshold="both", k=3.0).detect(scene.image)
    c = RPCADetector(threshold=1e9).detect(scene.image)
    adaptive = RPCADetector(k=3.0).detect(scene.image)
    # "both" is the AND of the two rules (not the OR), and here the two differ
    assert a.any() and np.array_equal(b, a & adaptive) and (a | adaptive).sum() > b.sum()
    assert not c.any()


@pytest.mark.data
def test_real_images_gram_float32_matches_exact(data_dir):
    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir)
    img, mask = ds[0]
    fast = RPCADetector().score_map(img)
    exact = RPCADetector(svd="exact", dtype="float64", alpha0=None, tol=1e-7).score_map(img)
    # Same detection under the rpcanet binarisation; score maps within 2 % of the peak.
    assert np.abs(fast - exact).max() < 0.02 * exact.max()
    r_fast = evaluate([fast], [mask])
    r_exact = evaluate([exact], [mask])
    assert abs(r_fast["mIoU"] - r_exact["mIoU"]) < 5 and r_fast["Pd"] == r_exact["Pd"]


@pytest.mark.data
def test_real_images_ipi_metrics(data_dir):
    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir)
    det = IPI()
    preds, masks = [], []
    for i in range(4):
        img, mask = ds[i]
        preds.append(det.score_map(img))
        masks.append(mask)
    r = evaluate(preds, masks, "rpcanet")
    print(f"\nIPI on 4 NUDT-SIRST test images: {r}")
    assert r["Pd"] >= 75 and r["mIoU"] > 20 and r["Fa"] < 1e-4


# -- detectors are scikit-learn estimators -----------------------------------------------------
_ALL_DETECTORS = [RPCADetector, IPI, PSTNN, MPCM, TopHat]


@pytest.mark.parametrize("cls", _ALL_DETECTORS, ids=lambda c: c.__name__)
def test_detectors_follow_scikit_learn_estimator_rules(cls):
    name = cls.__name__
    est = cls()
    for check in (
        check_parameters_default_constructible,
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_set_params,
        check_estimator_cloneable,
        check_estimator_repr,
        check_do_not_raise_errors_in_init_or_set_params,
    ):
        check(name, est)
    # clone keeps every parameter, and the clone detects the same
    det = cls(k=4.0)
    twin = clone(det)
    assert twin is not det and twin.get_params() == det.get_params()
    img = make_scene((64, 64), n_targets=2, seed=1).image
    np.testing.assert_array_equal(twin.detect(img), det.detect(img))
    # every constructor parameter has a constraint (one validation vocabulary)
    assert set(det.get_params()) <= set(cls._parameter_constraints)


@pytest.mark.parametrize("cls", _ALL_DETECTORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("kw", [{"k": np.nan}, {"threshold": np.nan}, {"ratio": np.nan}])
def test_nan_threshold_parameters_are_refused_not_silently_empty(cls, kw):
    with pytest.raises(ValueError, match=f"'{next(iter(kw))}' parameter of {cls.__name__}"):
        cls(**kw).detect(np.zeros((64, 64)))


def test_max_iter_is_flagged_not_silent():
    det = RPCADetector(max_iter=1)
    with pytest.warns(ConvergenceWarning, match="did not reach"):
        det.detect(make_scene((64, 64), seed=2).image)
    assert det.converged_ is False and det.n_iter_ == 1
    det = RPCADetector()
    det.detect(make_scene((64, 64), seed=2).image)
    assert det.converged_ is True
