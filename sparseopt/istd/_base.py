"""Shared pieces of the ISTD detectors: input checking, grey conversion, targets, thresholds."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from .thresholds import THRESHOLD_RULES, binarize

__all__ = ["BaseDetector", "Target", "as_grey_image", "minmax_scale"]

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
    """``img`` mapped linearly onto [0, ``top``] (MATLAB's ``mat2gray`` for top = 1).

    Every detector works on the scaled image so that its parameters do not depend on the
    intensity scale (uint8, uint16, radiometric floats); a constant image becomes all zeros.
    """
    lo, hi = img.min(), img.max()
    return top * (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


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


class BaseDetector:
    """Common interface: ``score_map``, ``detect``, ``targets`` (subclasses give ``score_map``).

    Subclasses store their parameters untouched in ``__init__`` (scikit-learn's rule) and check
    them when they are used; they must define ``threshold``, ``k`` and ``ratio``.
    """

    #: smallest image side the method accepts (after padding)
    _min_size = 1

    def score_map(self, image) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _threshold_rule(self):
        """The rule ``threshold`` stands for (a detector may resolve an "auto" value)."""
        return self.threshold

    def _check_threshold_params(self):
        rule = self._threshold_rule()
        if not (
            (isinstance(rule, numbers.Real) and not isinstance(rule, bool))
            or rule in THRESHOLD_RULES
        ):
            raise ValueError(
                f"threshold must be one of {THRESHOLD_RULES} or a number, got {rule!r}."
            )
        if not isinstance(self.k, numbers.Real) or isinstance(self.k, bool):
            raise TypeError(f"k must be a real number, got {self.k!r}.")
        if not (isinstance(self.ratio, numbers.Real) and 0 < self.ratio <= 1):
            raise ValueError(f"ratio must lie in (0, 1], got {self.ratio!r}.")

    def score_and_mask(self, image) -> tuple[np.ndarray, np.ndarray]:
        """The score map and its binarisation by ``threshold`` (one solve for both)."""
        self._check_threshold_params()
        score = self.score_map(image)
        return score, binarize(score, self._threshold_rule(), k=self.k, ratio=self.ratio)

    def detect(self, image) -> np.ndarray:
        """Boolean detection mask: the score map binarised by ``threshold`` (see
        :mod:`sparseopt.istd.thresholds`)."""
        return self.score_and_mask(image)[1]

    def targets(self, image) -> list[Target]:
        """Detected targets (centroid, area, peak score, bounding box), strongest first."""
        score, mask = self.score_and_mask(image)
        return targets_from_mask(mask, score)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def get_params(self) -> dict:
        """Constructor parameters (scikit-learn style)."""
        import inspect

        sig = inspect.signature(type(self).__init__)
        return {n: getattr(self, n) for n in sig.parameters if n != "self"}
