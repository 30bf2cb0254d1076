"""Classical baselines (PSTNN, MPCM, top-hat) and the thresholding rules."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from sparseopt.istd import adaptive_threshold, binarize, make_scene, relative_max_threshold
from sparseopt.istd.mpcm import MPCM
from sparseopt.istd.pstnn import PSTNN, structure_tensor_prior
from sparseopt.istd.tophat import TopHat, default_element_size

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def scene():
    return make_scene((128, 128), n_targets=2, contrast=5.0, noise=0.005, seed=11)


def _all_hit(mask, truth):
    lab, n = ndi.label(truth, structure=np.ones((3, 3)))
    return n > 0 and all((mask & (lab == i)).any() for i in range(1, n + 1))


@pytest.mark.parametrize("cls", [PSTNN, MPCM, TopHat])
def test_baselines_find_planted_targets(cls, scene):
    det = cls()
    score = det.score_map(scene.image)
    assert score.shape == scene.image.shape and score.min() >= 0
    mask = det.detect(scene.image)
    assert _all_hit(mask, scene.mask)
    near = ndi.binary_dilation(scene.mask, iterations=3)
    assert np.count_nonzero(mask & ~near) <= 5
    # The strongest response is on a target.
    assert (
        scene.mask[np.unravel_index(np.argmax(score), score.shape)]
        or near[np.unravel_index(np.argmax(score), score.shape)]
    )
    assert len(det.targets(scene.image)) >= 2


@pytest.mark.parametrize("cls", [PSTNN, TopHat])
def test_decomposition_baselines(cls, scene):
    B, T, N = cls().decompose(scene.image)
    img = scene.image
    scaled = (img - img.min()) / (img.max() - img.min())
    assert not N.any()
    if cls is TopHat:
        np.testing.assert_allclose(B + T, scaled, atol=1e-12)
    else:  # PSTNN stops at a relative residual of 1e-3 (or earlier, by its support rule)
        assert np.linalg.norm(B + T - scaled) < 0.05 * np.linalg.norm(scaled)


def test_mpcm_single_bright_pixel_and_dark_spot():
    img = np.zeros((40, 40))
    img[20, 20] = 1.0
    s = MPCM().score_map(img)
    assert s[20, 20] == s.max() > 0  # (a 3×3 plateau: every cell containing the pixel)
    assert s[25, 25] == 0
    # A dark spot is not a (bright) target.
    assert not MPCM().score_map(1.0 - img)[20, 20] > 0


def test_tophat_element_size_rule():
    assert default_element_size((256, 256)) == 11
    assert default_element_size((512, 512)) == 21
    with pytest.raises(ValueError, match=r"'size' parameter of TopHat .*range \[1, inf\)"):
        TopHat(size=0).score_map(np.zeros((10, 10)))


def test_structure_tensor_prior_range():
    w = structure_tensor_prior(make_scene((64, 64), seed=0).image * 255)
    assert w.min() == 0 and w.max() == 1
    assert not structure_tensor_prior(np.ones((16, 16))).any()


def test_pstnn_stops_and_reports_iterations(scene):
    det = PSTNN()
    det.score_map(scene.image)
    assert 1 <= det.n_iter_ <= 500


def test_threshold_rules():
    s = np.zeros((10, 10))
    s[2, 2], s[5, 5], s[8, 8] = 1.0, 0.6, 0.2
    assert relative_max_threshold(s, 0.5) == 0.5
    assert adaptive_threshold(s, 0.0) == pytest.approx(s.mean())
    assert binarize(s, "relmax").sum() == 2
    assert binarize(s, "adaptive", k=3).sum() == 3 - (0.2 <= s.mean() + 3 * s.std())
    assert binarize(s, "both", k=0, ratio=0.7).sum() == 1
    assert binarize(s, 0.1).sum() == 3
    assert not binarize(-s, "adaptive", k=-10).any()  # never below or at zero
    with pytest.raises(ValueError, match="threshold"):
        binarize(s, "otsu")
    with pytest.raises(ValueError, match="ratio"):
        binarize(s, "relmax", ratio=0)
    with pytest.raises(ValueError, match="NaN"):
        binarize(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        binarize(np.zeros(3))
