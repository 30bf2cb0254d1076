"""Hand-built cases at the exact boundaries of the two ISTD metric conventions.

* basicirstd: a ground-truth target is matched by a predicted component whose centroid lies
  *strictly* closer than 3 px (BasicIRSTD's ``distance < 3``): cases at 2.9, 3.0 and 3.1 px;
* basicirstd: the absolute threshold is ``p > 0.5`` (a pixel at exactly 0.5 is not predicted);
* rpcanet: each map is binarised by ``p / max(p) > 0.5`` (a pixel at exactly 0.5·max is not).
"""

from __future__ import annotations

import numpy as np
import pytest

from sparseopt.istd import image_counts


def _gt(shape=(32, 32), at=(10, 10)):
    m = np.zeros(shape, dtype=bool)
    m[at] = True
    return m


def _component_with_centroid_col(col_extra):
    """10 pixels: a vertical bar at column 13 (rows 6..14) and one pixel at ``col_extra``.

    Its centroid is (10, (9·13 + col_extra) / 10): column 12.9 for col_extra = 12, 13.1 for
    14; the ground-truth pixel at (10, 10) is then 2.9 or 3.1 px away.
    """
    p = np.zeros((32, 32))
    p[6:15, 13] = 1.0
    p[10, col_extra] = 1.0
    return p


@pytest.mark.parametrize(
    ("pred", "distance", "detected"),
    [
        (_component_with_centroid_col(12), 2.9, 1),
        (_component_with_centroid_col(14), 3.1, 0),
    ],
)
def test_basicirstd_match_radius_is_three_pixels(pred, distance, detected):
    from scipy import ndimage as ndi

    c = ndi.center_of_mass(pred > 0.5)
    assert np.hypot(c[0] - 10, c[1] - 10) == pytest.approx(distance)
    out = image_counts(pred, _gt(), "basicirstd")
    assert out["targets"] == 1 and out["detected"] == detected
    # an unmatched component's pixels are false alarms; a matched one's are not
    assert out["fa_pixels"] == (0 if detected else 10)
    assert out["fa_area"] == 32 * 32


def test_basicirstd_centroid_exactly_three_pixels_away_is_not_matched():
    p = np.zeros((32, 32))
    p[6:15, 13] = 1.0  # centroid (10, 13): exactly 3 px from (10, 10)
    out = image_counts(p, _gt(), "basicirstd")
    assert out["detected"] == 0 and out["fa_pixels"] == 9


def test_basicirstd_each_prediction_matches_one_target_only():
    m = np.zeros((32, 32), dtype=bool)
    m[10, 10] = m[10, 12] = True  # two 1-pixel targets (not 8-connected), 2 px apart
    p = np.zeros((32, 32))
    p[10, 11] = 1.0  # one prediction 1 px from both
    out = image_counts(p, m, "basicirstd")
    assert out["targets"] == 2 and out["detected"] == 1 and out["fa_pixels"] == 0


def test_basicirstd_absolute_threshold_is_strict():
    m = _gt()
    p = np.zeros((32, 32))
    p[10, 10] = 0.5
    p[20, 20] = 0.5
    out = image_counts(p, m, "basicirstd")
    assert out["tp"] == 0 and out["fp"] == 0 and out["detected"] == 0
    p[10, 10] = np.nextafter(0.5, 1.0)
    out = image_counts(p, m, "basicirstd")
    assert out["tp"] == 1 and out["fp"] == 0 and out["detected"] == 1


def test_rpcanet_relative_threshold_is_strict():
    m = np.zeros((256, 256), dtype=bool)
    m[100, 100] = True
    p = np.zeros((256, 256))
    p[100, 100] = 2.0  # max
    p[50, 50] = 1.0  # exactly 0.5 * max: not predicted
    p[60, 60] = np.nextafter(1.0, 2.0)  # just above: predicted
    out = image_counts(p, m, "rpcanet")
    assert out["tp"] == 1 and out["fp"] == 1 and out["fn"] == 0
    assert out["detected"] == 1 and out["fa_pixels"] == 1
    assert out["fa_area"] == 256 * 256 - 1


def test_rpcanet_pd_counts_any_overlap_and_fa_counts_pixels():
    m = np.zeros((256, 256), dtype=bool)
    m[10:13, 10:13] = True  # target A (9 px)
    m[100:102, 100:102] = True  # target B (4 px), missed
    p = np.zeros((256, 256))
    p[12, 12] = 1.0  # one pixel of A
    p[200:202, 200] = 1.0  # 2 false-alarm pixels
    out = image_counts(p, m, "rpcanet")
    assert out == {
        "tp": 1, "fp": 2, "fn": 12, "iou_num": 1, "iou_den": 15,
        "targets": 2, "detected": 1, "fa_pixels": 2, "fa_area": 256 * 256 - 13,
    }  # fmt: skip


def test_rpcanet_non_positive_map_predicts_nothing():
    m = _gt((256, 256), (5, 5))
    out = image_counts(-np.ones((256, 256)), m, "rpcanet")
    assert out["tp"] == 0 and out["fp"] == 0 and out["fn"] == 1
