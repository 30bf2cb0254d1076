"""Shared pieces of the ISTD detectors: input checking, grey conversion, targets, thresholds."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import ndimage as ndi
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

from .thresholds import THRESHOLD_RULES, binarize

__all__ = [
    "THRESHOLD_CONSTRAINTS",
    "BaseDetector",
    "Target",
    "as_grey_image",
    "available_memory",
    "minmax_scale",
]

#: ``_parameter_constraints`` of the thresholding parameters every detector has (scikit-learn's
#: vocabulary: NaN and ±inf fall outside every interval, so ``k=nan`` is refused, not silently
#: "detect nothing").
THRESHOLD_CONSTRAINTS = {
    "threshold": [StrOptions(set(THRESHOLD_RULES)), Interval(Real, None, None, closed="neither")],
    "k": [Interval(Real, None, None, closed="neither")],
    "ratio": [Interval(Real, 0, 1, closed="right")],
}

#: ITU-R BT.601 luma weights (Pillow's ``convert("L")``, OpenCV's ``COLOR_RGB2GRAY``).
LUMA = np.array([0.299, 0.587, 0.114])


def as_grey_image(image, *, min_size: int = 1, pad: int = 0) -> np.ndarray:
    """Validate an image and return it as a 2-D float64 array.

    Rules
    -----
    * 2-D arrays of any integer (uint8, uint16, ...) or float dtype are accepted as they are;
    * ``(H, W, 3)`` / ``(H, W, 4)`` arrays are colour (RGB, RGBA: alpha ignored) and become
      grey by the ITU-R BT.601 luma ``0.299 R + 0.587 G + 0.114 B`` (what Pillow's
      ``convert("L")`` and OpenCV's grey conversion compute); ``(H, W, 1)`` is squeezed;
    * anything else — other shapes (1-D, 4-D, ...), empty arrays, booleans, complex or
      non-numeric dtypes, NaN or infinite values, or an image smaller than ``min_size`` in
      either dimension after adding ``pad`` pixels on every side — raises ``ValueError`` /
      ``TypeError`` naming the problem.
    """
    a = np.asarray(image)
    if a.dtype == bool:
        raise TypeError("image is boolean (a mask?); pass the grey-level image.")
    if a.dtype == object or not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"image must be numeric, got dtype {a.dtype}.")
    if np.iscomplexobj(a):
        raise TypeError("image must be real, got a complex array.")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    elif a.ndim == 3 and a.shape[2] in (3, 4):
        a = a[:, :, :3].astype(np.float64) @ LUMA
    elif a.ndim != 2:
        raise ValueError(
            f"image must be 2-D (H, W) or colour (H, W, 3|4), got shape {a.shape}"
            + (" (1-D input)" if a.ndim == 1 else "")
            + "."
        )
    if a.size == 0:
        raise ValueError(f"image is empty (shape {a.shape}).")
    a = a.astype(np.float64, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError("image contains NaN or infinite values.")
    H, W = a.shape
    if H + 2 * pad < min_size or W + 2 * pad < min_size:
        raise ValueError(
            f"image of shape {H}×{W}"
            + (f" (padded by {pad} on every side: {H + 2 * pad}×{W + 2 * pad})" if pad else "")
            + f" is smaller than the {min_size}×{min_size} window this detector needs."
        )
    return a


def minmax_scale(img: np.ndarray, top: float = 1.0) -> np.ndarray:
    """``img`` mapped linearly onto [0, ``top``] in float64 (MATLAB's ``mat2gray`` for top = 1).

    Every detector works on the scaled image so that its parameters do not depend on the
    intensity scale (uint8, uint16, radiometric floats, an offset such as ``300 + 1e-6·I``);
    a constant image becomes all zeros. The image is first divided by the power of two nearest
    its largest magnitude (exact in binary floating point), so the subtraction cannot overflow
    (values near ±1.8e308) and the division cannot lose subnormal images (1e-310): the result is
    the same for every finite float64 scale, and it is computed before any cast to float32.
    """
    img = np.asarray(img, dtype=np.float64)
    big = float(np.max(np.abs(img))) if img.size else 0.0
    if big == 0.0 or not math.isfinite(big):
        return np.zeros_like(img)
    a = np.ldexp(img, -math.frexp(big)[1])  # |a| <= 1, exact
    lo, hi = a.min(), a.max()
    if not hi > lo:
        return np.zeros_like(img)
    out = a - lo
    out /= hi - lo  # a division, so the maximum is exactly 1 (a reciprocal may give 1 - ulp)
    if top != 1.0:
        out *= top
    return out


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or ``None`` if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class Target:
    """A detected target: an 8-connected component of the detection mask.

    Attributes
    ----------
    centroid : (float, float)
        (row, column) of the component's pixel centroid.
    area : int
        Number of pixels.
    score : float
        Largest score-map value inside the component.
    bbox : (int, int, int, int)
        (row_min, col_min, row_max, col_max), inclusive.
    """

    centroid: tuple
    area: int
    score: float
    bbox: tuple


def targets_from_mask(mask, score) -> list[Target]:
    """8-connected components of ``mask`` as :class:`Target` objects, strongest first."""
    lab, n = ndi.label(mask, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        return []
    idx = np.arange(1, n + 1)
    cents = ndi.center_of_mass(mask, lab, idx)
    areas = np.bincount(lab.ravel(), minlength=n + 1)[1:]
    peaks = ndi.maximum(score, lab, idx)
    slices = ndi.find_objects(lab)
    out = [
        Target(
            (float(c[0]), float(c[1])),
            int(a),
            float(p),
            (s[0].start, s[1].start, s[0].stop - 1, s[1].stop - 1),
        )
        for c, a, p, s in zip(cents, areas, np.atleast_1d(peaks), slices)
    ]
    return sorted(out, key=lambda t: -t.score)


class BaseDetector(BaseEstimator):
    """Common interface: ``score_map``, ``detect``, ``targets`` (subclasses give ``score_map``).

    Detectors are scikit-learn estimators: ``__init__`` stores the parameters untouched,
    ``get_params`` / ``set_params`` / :func:`sklearn.base.clone` / ``repr`` work, and the
    parameters are checked against ``_parameter_constraints`` (scikit-learn's validation
    vocabulary) when the detector is used, raising
    :class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``ValueError`` and a
    ``TypeError``) that names the parameter, the value and what is allowed. A detector needs
    no training: :meth:`fit` only validates and returns ``self``.
    """

    #: smallest image side the method accepts (after padding)
    _min_size = 1

    _parameter_constraints: dict = dict(THRESHOLD_CONSTRAINTS)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def _validate_params(self):
        super()._validate_params()
        # bool is an Integral to Python: refuse True/False where a count is meant
        # (patch_size=True would silently be 1).
        for name, constraints in self._parameter_constraints.items():
            value = getattr(self, name, None)
            if isinstance(value, (bool, np.bool_)) and any(
                isinstance(c, Interval) and c.type is Integral for c in constraints
            ):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} must be an integer, "
                    f"not a boolean. Got {value!r} instead."
                )

    def fit(self, X=None, y=None):
        """Check the parameters and return ``self`` (a detector learns nothing from data)."""
        self._validate_params()
        return self

    def score_map(self, image) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _threshold_rule(self):
        """The rule ``threshold`` stands for (a detector may resolve an "auto" value)."""
        return self.threshold

    def score_and_mask(self, image) -> tuple[np.ndarray, np.ndarray]:
        """The score map and its binarisation by ``threshold`` (one solve for both)."""
        self._validate_params()
        score = self.score_map(image)
        if not np.all(np.isfinite(score)):  # never hand out NaN silently
            raise FloatingPointError(
                f"{type(self).__name__} produced a score map with NaN or infinite values."
            )
        return score, binarize(score, self._threshold_rule(), k=self.k, ratio=self.ratio)

    def detect(self, image) -> np.ndarray:
        """Boolean detection mask: the score map binarised by ``threshold`` (see
        :mod:`sparseopt.istd.thresholds`)."""
        return self.score_and_mask(image)[1]

    def targets(self, image) -> list[Target]:
        """Detected targets (centroid, area, peak score, bounding box), strongest first."""
        score, mask = self.score_and_mask(image)
        return targets_from_mask(mask, score)
