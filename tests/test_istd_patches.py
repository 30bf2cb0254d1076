"""Patch images and folding: every pixel covered, exact round trips, brute-force medians."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparseopt.istd import fold_patches, patch_image, patch_positions


def test_gao_setting_covers_the_last_rows():
    pos = patch_positions(256, 50, 10)
    assert pos[0] == 0 and pos[-1] == 206 and pos.size == 22
    assert list(pos[:-1]) == list(range(0, 201, 10))
    img = np.arange(256 * 256, dtype=float).reshape(256, 256)
    D, _, _ = patch_image(img, 50, 10)
    assert D.shape == (2500, 22 * 22)
    # The last window is flush with the border: the last 6 rows/columns are in it.
    np.testing.assert_array_equal(D[:, -1].reshape(50, 50), img[206:, 206:])
    np.testing.assert_array_equal(D[:, 0].reshape(50, 50), img[:50, :50])
    np.testing.assert_array_equal(D[:, 1].reshape(50, 50), img[:50, 10:60])  # row-major order
    np.testing.assert_array_equal(D[:, 22].reshape(50, 50), img[10:60, :50])


@settings(max_examples=60, deadline=None)
@given(
    H=st.integers(1, 70),
    W=st.integers(1, 70),
    p=st.integers(1, 20),
    s=st.integers(1, 25),
    seed=st.integers(0, 1000),
)
def test_every_pixel_covered_and_round_trip(H, W, p, s, seed):
    if s > p:
        with pytest.raises(ValueError, match="uncovered"):
            patch_image(np.zeros((max(H, p), max(W, p))), p, s)
        return
    if H < p or W < p:
        with pytest.raises(ValueError, match="smaller than"):
            patch_image(np.zeros((H, W)), p, s)
        return
    img = np.random.default_rng(seed).random((H, W))
    D, rows, cols = patch_image(img, p, s)
    count = np.zeros((H, W), dtype=int)
    for r in rows:
        for c in cols:
            count[r : r + p, c : c + p] += 1
    assert count.min() >= 1
    assert rows.size == -(-(H - p) // s) + 1  # ceil((H - p)/s) + 1
    for how in ("median", "mean"):
        np.testing.assert_allclose(fold_patches(D, (H, W), p, s, how), img, atol=1e-12)


def test_median_and_mean_fold_against_brute_force():
    rng = np.random.default_rng(1)
    H, W, p, s = 37, 29, 9, 4
    _, rows, cols = patch_image(np.zeros((H, W)), p, s)
    P = rng.standard_normal((p * p, rows.size * cols.size))
    vals = [[[] for _ in range(W)] for _ in range(H)]
    k = 0
    for r in rows:
        for c in cols:
            patch = P[:, k].reshape(p, p)
            k += 1
            for y in range(p):
                for x in range(p):
                    vals[r + y][c + x].append(patch[y, x])
    med = np.array([[np.median(v) for v in row] for row in vals])
    mean = np.array([[np.mean(v) for v in row] for row in vals])
    np.testing.assert_allclose(fold_patches(P, (H, W), p, s, "median"), med, atol=1e-12)
    np.testing.assert_allclose(fold_patches(P, (H, W), p, s, "mean"), mean, atol=1e-12)
    assert {len(v) for row in vals for v in row} >= {1, 2}  # even counts occur: two-middle mean


def test_fold_checks():
    D, _, _ = patch_image(np.zeros((60, 60)), 50, 10)
    with pytest.raises(ValueError, match="expected"):
        fold_patches(D[:, :-1], (60, 60), 50, 10)
    with pytest.raises(ValueError, match="median"):
        fold_patches(D, (60, 60), 50, 10, how="max")
    with pytest.raises(ValueError, match="positive integer"):
        patch_image(np.zeros((60, 60)), 0, 10)
    with pytest.raises(ValueError, match="2-D"):
        patch_image(np.zeros(60), 5, 1)
