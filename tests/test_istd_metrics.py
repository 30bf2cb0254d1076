"""ISTD metrics on hand-made 10×10 masks whose values are worked out by hand below.

Image 1 (two targets, one missed): ground truth T1 = rows 1-2 × cols 1-2 (4 px) and T2 = (7, 7);
  scores 1.0 at (1,1), (1,2), (2,1) and 0.3 at (7,7) (below both binarisations) →
  TP 3, FP 0, FN 2; T1 detected (overlap; centroid (4/3, 4/3) is 0.24 px from (1.5, 1.5)),
  T2 missed.
Image 2 (a target touching the border, a false alarm): truth T3 = (0,9), (1,9);
  scores 0.8 at (0,9), (1,9), (2,9) and 1.0 at (8,0), (9,0) →
  TP 2, FP 3, FN 0; T3 detected. rpcanet Fa pixels 3 of 98 background pixels; basicirstd:
  the component {(0..2, 9)} (centroid (1, 9), 0.5 px from T3's (0.5, 9)) is matched, the
  component {(8,0), (9,0)} is not: 2 Fa pixels of 100.
Image 3 (no target, one false pixel at (4,4)): TP 0, FP 1, FN 0; rpcanet leaves it out of Pd/Fa,
  basicirstd counts 1 Fa pixel of 100.
Image 4 (no target, no prediction): nothing; not in nIoU (empty union).

Totals: TP 5, FP 4, FN 2 → IoU 5/11, precision 5/9, recall 5/7, F1 10/16;
nIoU = mean(3/5, 2/5, 0/1) = 1/3; Pd = 2/3;
Fa rpcanet = 3/(95 + 98) = 3/193; Fa basicirstd = (0 + 2 + 1 + 0)/400.
"""

from __future__ import annotations

import numpy as np
import pytest

from sparseopt.istd import ISTDMetrics, evaluate, format_fa, image_counts, summarize
from sparseopt.istd.metrics import resize_linear, resize_nearest


def _images():
    z = np.zeros((10, 10))
    m1, p1 = np.zeros((10, 10), bool), z.copy()
    m1[1:3, 1:3] = True
    m1[7, 7] = True
    p1[1, 1] = p1[1, 2] = p1[2, 1] = 1.0
    p1[7, 7] = 0.3
    m2, p2 = np.zeros((10, 10), bool), z.copy()
    m2[0:2, 9] = True
    p2[0:3, 9] = 0.8
    p2[8:10, 0] = 1.0
    m3, p3 = np.zeros((10, 10), bool), z.copy()
    p3[4, 4] = 1.0
    m4, p4 = np.zeros((10, 10), bool), z.copy()
    return [p1, p2, p3, p4], [m1, m2, m3, m4]


@pytest.mark.parametrize("convention", ["rpcanet", "basicirstd"])
def test_hand_worked_values(convention):
    preds, masks = _images()
    r = evaluate(preds, masks, convention, size=10)
    assert r["mIoU"] == pytest.approx(100 * 5 / 11)
    assert r["precision"] == pytest.approx(100 * 5 / 9)
    assert r["recall"] == pytest.approx(100 * 5 / 7)
    assert r["F1"] == pytest.approx(100 * 10 / 16)
    assert r["nIoU"] == pytest.approx(100 / 3)
    assert r["Pd"] == pytest.approx(100 * 2 / 3)
    assert r["n_targets"] == 3 and r["n_images"] == 4
    fa = 3 / 193 if convention == "rpcanet" else 3 / 400
    assert r["Fa"] == pytest.approx(fa)


def test_per_image_counts():
    preds, masks = _images()
    c = [image_counts(p, m, "rpcanet", size=10) for p, m in zip(preds, masks)]
    assert [(x["tp"], x["fp"], x["fn"]) for x in c] == [(3, 0, 2), (2, 3, 0), (0, 1, 0), (0, 0, 0)]
    assert [(x["targets"], x["detected"]) for x in c] == [(2, 1), (1, 1), (0, 0), (0, 0)]
    assert [(x["fa_pixels"], x["fa_area"]) for x in c] == [(0, 95), (3, 98), (0, 0), (0, 0)]
    c = [image_counts(p, m, "basicirstd") for p, m in zip(preds, masks)]
    assert [(x["fa_pixels"], x["fa_area"]) for x in c] == [(0, 100), (2, 100), (1, 100), (0, 100)]


def test_conventions_differ_on_centroid_matching_and_scale():
    mask = np.zeros((20, 20), bool)
    mask[2, 2] = True
    pred = np.zeros((20, 20))
    pred[2:12, 2:12] = 1.0  # overlaps the target, but its centroid is 6.4 px away
    a = image_counts(pred, mask, "rpcanet", size=20)
    b = image_counts(pred, mask, "basicirstd")
    assert a["detected"] == 1 and b["detected"] == 0
    assert b["fa_pixels"] == 100  # the whole unmatched component
    # rpcanet binarises relative to the maximum: scaling the scores changes nothing;
    # basicirstd's absolute 0.5 does change.
    small = pred * 0.4
    assert image_counts(small, mask, "rpcanet", size=20) == a
    assert image_counts(small, mask, "basicirstd")["tp"] == 0


def test_rpcanet_resizes_to_256():
    mask = np.zeros((512, 512), bool)
    mask[100:104, 200:204] = True
    pred = mask.astype(float)
    c = image_counts(pred, mask, "rpcanet")
    # nearest: rows/cols 100, 102 of 512 → 50, 51 of 256; bilinear of the 4×4 block is 1 there
    assert c["targets"] == 1 and c["detected"] == 1
    assert c["tp"] + c["fn"] == 4 and c["fa_area"] == 256 * 256 - 4


def test_resize_helpers_match_opencv_conventions():
    a = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(resize_nearest(a, (2, 2)), a[[0, 2]][:, [0, 2]])
    # bilinear 4 → 2 with half-pixel centres samples at 0.5 and 2.5: averages of 2×2 blocks
    np.testing.assert_allclose(resize_linear(a, (2, 2)), [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_allclose(resize_linear(a, (4, 4)), a)


def test_accumulator_and_units():
    preds, masks = _images()
    m = ISTDMetrics("basicirstd")
    for p, g in zip(preds, masks):
        m.update(p, g)
    assert m.compute() == summarize(m.counts, "basicirstd")
    assert format_fa(7.14e-5, "rpcanet") == "7.14 ×1e-5"
    assert format_fa(7.14e-5, "basicirstd") == "71.40 ×1e-6"
    assert m.compute()["Fa_unit"] == 1e-6


def test_metric_input_checks():
    with pytest.raises(ValueError, match="convention"):
        ISTDMetrics("dnanet")
    with pytest.raises(ValueError, match="binary"):
        image_counts(np.zeros((4, 4)), np.full((4, 4), 255), "basicirstd")
    with pytest.raises(ValueError, match="NaN"):
        image_counts(np.full((4, 4), np.nan), np.zeros((4, 4), bool))
    for conv in ("basicirstd", "rpcanet"):  # never resized silently into agreement
        with pytest.raises(ValueError, match="different shapes"):
            image_counts(np.zeros((4, 4)), np.zeros((5, 5), bool), conv)
    with pytest.raises(ValueError, match="no images"):
        evaluate([], [])
    # A boolean prediction is scored as it is (the detector's own decision).
    mask = np.zeros((5, 5), bool)
    mask[2, 2] = True
    assert image_counts(mask, mask, "basicirstd")["detected"] == 1
