r"""Multiscale patch-based contrast measure (MPCM, Wei, You & Li, Pattern Recognition 2016).

At scale :math:`L` the image is box-averaged over :math:`L \times L` cells; at every pixel the
centre cell's mean :math:`m_0` is compared with the means :math:`m_i` of the eight surrounding
cells of a :math:`3L \times 3L` window, :math:`d_i = m_0 - m_i`. A bright target is brighter
than its surroundings in *every* direction, so the contrast along a direction is the product of
the two opposite differences, and the patch contrast is the weakest direction:

.. math:: \mathrm{PCM}_L = \min_{i=1..4}\ d_i^+\, d_{i+4}^+, \qquad
          \mathrm{MPCM} = \max_L \mathrm{PCM}_L, \quad L \in \{3, 5, 7, 9\},

with :math:`d^+ = \max(d, 0)` (bright targets; a pair with a non-positive difference gives 0,
the positive part of the product). Borders replicate the image.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage as ndi

from ._base import THRESHOLD_CONSTRAINTS, BaseDetector, as_grey_image, minmax_scale

__all__ = ["MPCM"]

# The four directions; each pairs a neighbour offset with its opposite.
_DIRECTIONS = ((-1, -1), (-1, 0), (-1, 1), (0, 1))


def _shifted(m, dy, dx):
    """m evaluated at (y + dy, x + dx), replicating the border."""
    H, W = m.shape
    yi = np.clip(np.arange(H) + dy, 0, H - 1)
    xi = np.clip(np.arange(W) + dx, 0, W - 1)
    return m[yi][:, xi]


class MPCM(BaseDetector):
    """Multiscale patch-based contrast measure detector (bright targets).

    Parameters
    ----------
    scales : tuple of odd int, default (3, 5, 7, 9)
        Cell sizes :math:`L` (the set of Wei et al.).
    threshold, k, ratio
        Thresholding of :meth:`detect` (:mod:`sparseopt.istd.thresholds`); Wei et al. segment
        with mean + k·std (Wei et al. §3.3); ``k`` = 20 chosen on the NUDT-SIRST training
        split (``benchmarks/istd_select_threshold.py``).
    """

    _parameter_constraints: dict = {**THRESHOLD_CONSTRAINTS, "scales": [tuple, list, np.ndarray]}

    def __init__(self, scales=(3, 5, 7, 9), threshold="adaptive", k: float = 20.0, ratio=0.5):
        self.scales = scales
        self.threshold = threshold
        self.k = k
        self.ratio = ratio

    def _check(self):
        self._validate_params()
        scales = tuple(np.asarray(self.scales).ravel().tolist())
        if not scales or any(
            isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in scales
        ):
            raise ValueError(
                f"The 'scales' parameter of MPCM must be a non-empty sequence of positive "
                f"integers. Got {self.scales!r} instead."
            )
        return scales

    def score_map(self, image) -> np.ndarray:
        """MPCM of the [0, 1]-scaled image (non-negative; squared-contrast units)."""
        scales = self._check()
        img = minmax_scale(as_grey_image(image))
        out = np.zeros_like(img)
        for L in scales:
            m = ndi.uniform_filter(img, size=L, mode="nearest")
            pcm = None
            for dy, dx in _DIRECTIONS:
                d1 = np.maximum(m - _shifted(m, dy * L, dx * L), 0.0)
                d2 = np.maximum(m - _shifted(m, -dy * L, -dx * L), 0.0)
                prod = d1 * d2
                pcm = prod if pcm is None else np.minimum(pcm, prod)
            np.maximum(out, pcm, out=out)
        return out
