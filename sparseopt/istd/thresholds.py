r"""Turning a target score map into a binary detection.

Two rules, used by every detector in :mod:`sparseopt.istd` (their ``detect``), and kept apart
from the metrics' own binarisation (:mod:`sparseopt.istd.metrics`):

``"adaptive"`` — :math:`s > \bar s + k\,\sigma_s`
    mean plus ``k`` standard deviations of the score map over the whole image (the usual
    segmentation step of IPI and the local-contrast methods; Gao et al. 2013 §IV, Wei et al.
    2016). It adapts to the clutter level of each image.
``"relmax"`` — :math:`s > r \max s`
    a fixed fraction of the image's strongest response (the binarisation of the RPCANet
    evaluation with :math:`r = 0.5`). It always reports the strongest response of an image,
    hence never misses "everything", but also always fires, even on an image with no target.

With ``"both"`` a pixel must pass both tests (the adaptive test rejects the strong-but-flat
responses of target-free images; the relative test trims the skirts of bright targets).
A pixel with a score ≤ 0 is never a detection under any rule.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["THRESHOLD_RULES", "adaptive_threshold", "binarize", "relative_max_threshold"]

THRESHOLD_RULES = ("adaptive", "relmax", "both")


def _score(score) -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 2 or s.size == 0:
        raise ValueError(f"score map must be a non-empty 2-D array, got shape {s.shape}.")
    if not np.all(np.isfinite(s)):
        raise ValueError("score map contains NaN or infinite values.")
    return s


def _finite_real(x, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {x!r}.")
    x = float(x)
    if not math.isfinite(x):  # NaN compares False everywhere: it would silently detect nothing
        raise ValueError(f"{name} must be a finite number, got {x}.")
    return x


def _ratio(ratio) -> float:
    ratio = _finite_real(ratio, "ratio")
    if not 0 < ratio <= 1:
        raise ValueError(f"ratio must lie in (0, 1], got {ratio}.")
    return ratio


def adaptive_threshold(score, k: float = 5.0) -> float:
    r"""Mean + ``k`` · standard deviation of the score map."""
    k = _finite_real(k, "k")
    s = _score(score)
    return float(s.mean() + k * s.std())


def relative_max_threshold(score, ratio: float = 0.5) -> float:
    r"""``ratio`` · maximum of the score map."""
    ratio = _ratio(ratio)
    s = _score(score)
    return float(ratio * s.max())


def binarize(score, rule: str | float = "adaptive", *, k: float = 5.0, ratio: float = 0.5):
    """Binary detection mask of a score map.

    Parameters
    ----------
    score : array_like (H, W)
    rule : {"adaptive", "relmax", "both"} or float
        Threshold rule (module docstring), or an absolute threshold on the score.
    k : float
        Number of standard deviations of the adaptive rule (5: a generic "5σ" event; each
        detector passes its own default, chosen on the NUDT-SIRST training split).
    ratio : float in (0, 1]
        Fraction of the maximum of the relative rule.

    Returns
    -------
    ndarray of bool, (H, W)
    """
    s = _score(score)
    if isinstance(rule, numbers.Real) and not isinstance(rule, bool):
        thr = _finite_real(rule, "threshold")
    elif isinstance(rule, str) and rule == "adaptive":
        thr = adaptive_threshold(s, k)
    elif isinstance(rule, str) and rule == "relmax":
        thr = relative_max_threshold(s, ratio)
    elif isinstance(rule, str) and rule == "both":
        thr = max(adaptive_threshold(s, k), relative_max_threshold(s, ratio))
    else:
        raise ValueError(f"threshold must be one of {THRESHOLD_RULES} or a number, got {rule!r}.")
    return (s > thr) & (s > 0)
