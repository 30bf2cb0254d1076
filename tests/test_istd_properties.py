"""Property-based tests (hypothesis) of the detection kernels: scaling, thresholds, masks, metrics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sparseopt.istd import binarize, binarize_mask, evaluate, image_counts, make_scene
from sparseopt.istd._base import minmax_scale
from sparseopt.istd.mpcm import MPCM
from sparseopt.istd.tophat import TopHat

small_ints = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    elements=st.integers(-1000, 1000).map(float),
)
scores = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False),
)
masks = arrays(np.bool_, st.tuples(st.integers(2, 12), st.integers(2, 12)))


@settings(max_examples=60, deadline=None)
@given(x=small_ints, k=st.integers(-1000, 1000))
def test_minmax_scale_is_exactly_invariant_to_powers_of_two(x, k):
    a = minmax_scale(x)
    np.testing.assert_array_equal(minmax_scale(np.ldexp(x, k)), a)
    if np.ptp(x) > 0:
        assert a.min() == 0.0 and a.max() == 1.0
    else:
        assert not a.any()


@settings(max_examples=60, deadline=None)
@given(
    x=small_ints,
    log_a=st.floats(-300, 300),
    b=st.floats(-1e3, 1e3),
)
def test_minmax_scale_is_affine_invariant(x, log_a, b):
    a = 10.0**log_a
    y = a * x + b * a  # the offset in units of the scale, so the range stays resolved
    np.testing.assert_allclose(minmax_scale(y), minmax_scale(x), atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    s=scores, k1=st.floats(-3, 10), dk=st.floats(0, 5), r1=st.floats(0.01, 1), dr=st.floats(0, 1)
)
def test_binarize_rules_are_monotone_and_positive(s, k1, dk, r1, dr):
    r2 = min(r1 + dr, 1.0)
    lo, hi = binarize(s, "adaptive", k=k1), binarize(s, "adaptive", k=k1 + dk)
    assert not (hi & ~lo).any()  # a larger k keeps a subset
    assert not (binarize(s, "relmax", ratio=r2) & ~binarize(s, "relmax", ratio=r1)).any()
    both = binarize(s, "both", k=k1, ratio=r1)
    np.testing.assert_array_equal(
        both, binarize(s, "adaptive", k=k1) & binarize(s, "relmax", ratio=r1)
    )
    for m in (lo, hi, both):
        assert not (m & (s <= 0)).any()


@settings(max_examples=60, deadline=None)
@given(
    m=masks,
    level=st.sampled_from(
        [
            (np.uint8, 1),
            (np.uint8, 255),
            (np.uint16, 1),
            (np.uint16, 255),
            (np.uint16, 65535),
            (np.float32, 1.0),
            (np.float64, 255.0),
        ]
    ),
)
def test_binarize_mask_reads_every_binary_encoding(m, level):
    dtype, top = level
    np.testing.assert_array_equal(binarize_mask(m.astype(dtype) * dtype(top)), m)
    np.testing.assert_array_equal(binarize_mask(m), m)


@settings(max_examples=60, deadline=None)
@given(m=masks, noise=st.integers(0, 2**16), convention=st.sampled_from(["rpcanet", "basicirstd"]))
def test_image_counts_add_up(m, noise, convention):
    rng = np.random.default_rng(noise)
    pred = rng.random(m.shape)
    c = image_counts(pred, m, convention, size=16)
    assert c["detected"] <= c["targets"]
    assert c["fa_pixels"] <= c["fa_area"]
    assert c["iou_num"] <= c["iou_den"]
    if convention == "basicirstd":
        assert c["tp"] + c["fn"] == m.sum()
        assert c["tp"] + c["fp"] == int((pred > 0.5).sum())
    # a perfect prediction at native resolution is perfect
    exact = image_counts(m, m, "basicirstd")
    assert exact["fp"] == exact["fn"] == 0 and exact["detected"] == exact["targets"]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), order=st.permutations(range(4)))
def test_evaluate_does_not_depend_on_image_order(seed, order):
    rng = np.random.default_rng(seed)
    preds = [rng.random((8, 8)) for _ in range(4)]
    gts = [rng.random((8, 8)) > 0.8 for _ in range(4)]
    a = evaluate(preds, gts, "basicirstd")
    b = evaluate([preds[i] for i in order], [gts[i] for i in order], "basicirstd")
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == pytest.approx(b[key], nan_ok=True)


_SCENE = make_scene((48, 48), n_targets=2, seed=5).image


@settings(max_examples=25, deadline=None)
@given(log_a=st.floats(-300, 300), b=st.floats(-100, 100), det=st.sampled_from([TopHat, MPCM]))
def test_local_detectors_are_scale_free(log_a, b, det):
    a = 10.0**log_a
    ref = det().detect(_SCENE)
    np.testing.assert_array_equal(det().detect(a * _SCENE + b * a), ref)
