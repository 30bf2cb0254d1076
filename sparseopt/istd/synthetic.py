r"""Synthetic infrared scenes with planted small targets (seeded), for tests and demos.

A scene is a smooth background — a gentle intensity gradient plus a few low-frequency "cloud"
blobs (Gaussian-filtered white noise), which makes the patch image close to low rank — plus
``n_targets`` small Gaussian spots, plus white sensor noise:

.. math::

    I = \text{background} + \sum_j a_j \exp\!\big(-\|x - c_j\|^2 / (2 s_j^2)\big)
        + \varepsilon .

A target's ground-truth mask is where its spot exceeds ``mask_level`` times its peak
(0.5: the half-maximum disc). Amplitudes are set by ``contrast`` in units of the noise-free
background's standard deviation, so the difficulty does not depend on the intensity scale.
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["SyntheticScene", "make_scene"]


@dataclass
class SyntheticScene:
    """A synthetic image, its ground truth and the planted targets.

    Attributes
    ----------
    image : ndarray (H, W), float64 in [0, 1]
    mask : ndarray (H, W), bool
    centers : ndarray (n_targets, 2)
        (row, column) of every target's centre.
    sigmas, amplitudes : ndarray (n_targets,)
    """

    image: np.ndarray
    mask: np.ndarray
    centers: np.ndarray
    sigmas: np.ndarray
    amplitudes: np.ndarray


def make_scene(
    shape: tuple[int, int] = (128, 128),
    n_targets: int = 2,
    *,
    contrast: float = 3.0,
    sigma_range: tuple[float, float] = (0.7, 1.5),
    noise: float = 0.01,
    clutter: float = 1.0,
    margin: int = 3,
    mask_level: float = 0.5,
    seed=None,
) -> SyntheticScene:
    """Draw a synthetic infrared scene.

    Parameters
    ----------
    shape : (H, W)
    n_targets : int
        Number of targets, placed at least ``4·sigma_max + 2`` pixels apart.
    contrast : float
        Target peak amplitude in units of the background's standard deviation.
    sigma_range : (float, float)
        Range of the targets' Gaussian widths (pixels); a width of 1.5 gives a target of
        roughly 5×5 pixels at half maximum.
    noise : float
        Standard deviation of the white noise, relative to the background's dynamic range.
    clutter : float
        Weight of the cloud component relative to the gradient (0: a pure gradient).
    margin : int
        Minimal distance of a target centre from the border (0 allows border targets).
    mask_level : float
        Mask threshold, relative to each target's peak.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    SyntheticScene
    """
    rng = np.random.default_rng(seed)
    try:
        H, W = (operator.index(v) for v in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be a pair of integers (H, W), got {shape!r}.") from None
    if H < 8 or W < 8:
        raise ValueError(f"shape must be at least 8×8, got {shape}.")
    if isinstance(n_targets, bool) or operator.index(n_targets) < 0:
        raise ValueError(f"n_targets must be a non-negative integer, got {n_targets!r}.")
    for name, v in (("contrast", contrast), ("noise", noise), ("clutter", clutter)):
        if not (isinstance(v, numbers.Real) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite non-negative number, got {v!r}.")
    if not 0 < mask_level < 1:
        raise ValueError(f"mask_level must lie in (0, 1), got {mask_level!r}.")
    lo, hi = sigma_range
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise ValueError(f"sigma_range must be (lo, hi) with 0 < lo <= hi, got {sigma_range!r}.")
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    theta = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(theta) * yy / H + np.sin(theta) * xx / W) * 0.5
    clouds = ndi.gaussian_filter(rng.standard_normal((H, W)), sigma=max(H, W) / 10, mode="wrap")
    clouds /= np.abs(clouds).max() + 1e-12
    bg = 0.3 + grad + 0.25 * clutter * clouds
    bg_std = float(bg.std()) or 1.0

    min_dist = 4 * hi + 2
    centers, sigmas = [], []
    for _ in range(1000 * max(n_targets, 1)):
        if len(centers) == n_targets:
            break
        c = np.array([rng.uniform(margin, H - 1 - margin), rng.uniform(margin, W - 1 - margin)])
        if all(np.hypot(*(c - d)) >= min_dist for d in centers):
            centers.append(c)
            sigmas.append(rng.uniform(lo, hi))
    if len(centers) < n_targets:
        raise ValueError(f"could not place {n_targets} separated targets in a {H}×{W} image.")
    centers = np.array(centers).reshape(-1, 2)
    sigmas = np.array(sigmas)
    amps = contrast * bg_std * rng.uniform(0.8, 1.2, size=n_targets)
    image = bg.copy()
    mask = np.zeros((H, W), dtype=bool)
    for (cy, cx), s, a in zip(centers, sigmas, amps):
        spot = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
        image += a * spot
        mask |= spot >= mask_level
    image += noise * (bg.max() - bg.min()) * rng.standard_normal((H, W))
    image -= image.min()
    image /= image.max()
    return SyntheticScene(image, mask, centers, sigmas, amps)
