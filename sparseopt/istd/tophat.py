r"""White top-hat: the simplest reference detector.

:math:`T = I - (I \ominus S) \oplus S` (the image minus its grey-level opening by a flat
square ``S``) keeps bright structures smaller than ``S`` — small targets — and removes the
background (Rivest & Fortin 1996; Bai & Zhou 2010 for infrared targets).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from scipy import ndimage as ndi
from sklearn.utils._param_validation import Interval

from ._base import THRESHOLD_CONSTRAINTS, BaseDetector, as_grey_image, minmax_scale

__all__ = ["TopHat", "default_element_size"]


def default_element_size(shape) -> int:
    r"""Odd side just above the largest "small target" of an image of this shape.

    SPIE's definition of a small target is an extent below 0.15 % of the image area, i.e. a
    side of at most :math:`\sqrt{0.0015\,HW}` (9.9 pixels at 256×256); the element must be
    larger than the target, so the next odd integer above that (11 at 256×256, 21 at 512×512
    is 2·⌈19.8/2⌉+1 = 21). Scale-free: it grows with the image.
    """
    H, W = shape
    side = math.sqrt(0.0015 * H * W)
    return 2 * math.ceil(side / 2) + 1


class TopHat(BaseDetector):
    """White top-hat detector (flat square structuring element).

    Parameters
    ----------
    size : int, optional
        Side of the square element; default :func:`default_element_size` of the image.
    threshold, k, ratio
        Thresholding of :meth:`detect` (see :mod:`sparseopt.istd.thresholds`); ``k`` = 10
        chosen on the NUDT-SIRST training split (``benchmarks/istd_select_threshold.py``).
    """

    _parameter_constraints: dict = {
        **THRESHOLD_CONSTRAINTS,
        "size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, size: int | None = None, threshold="adaptive", k: float = 10.0, ratio=0.5):
        self.size = size
        self.threshold = threshold
        self.k = k
        self.ratio = ratio

    def _element(self, shape) -> int:
        self._validate_params()
        if self.size is None:
            return default_element_size(shape)
        return int(self.size)

    def _prepare(self, image):
        return minmax_scale(as_grey_image(image, min_size=1))

    def decompose(self, image):
        """``(B, T, N)``: the opening, the top-hat and zero noise (image scaled to [0, 1])."""
        img = self._prepare(image)
        s = self._element(img.shape)
        B = ndi.grey_opening(img, size=(s, s), mode="reflect")
        return B, img - B, np.zeros_like(img)

    def score_map(self, image) -> np.ndarray:
        """The white top-hat of the [0, 1]-scaled image (non-negative)."""
        img = self._prepare(image)
        s = self._element(img.shape)
        return ndi.white_tophat(img, size=(s, s), mode="reflect")
