r"""Infrared small target detection metrics in the two conventions in use.

The same score maps give very different numbers under the two conventions, so both are offered,
by name, and every figure should say which one it uses.

``"rpcanet"`` — the RPCANet / L-RPCANet evaluation (the talk's tables)
    * score and mask are brought to ``size × size`` (256) when they are not already: the score by
      bilinear interpolation with half-pixel centres and replicated borders, the mask by nearest
      neighbour ``src = floor(dst · in/out)`` (OpenCV's ``INTER_LINEAR`` / ``INTER_NEAREST``);
    * each prediction is binarised *relative to its own maximum*: ``p / max(p) > 0.5``
      (an image whose maximum is ≤ 0 predicts nothing);
    * IoU, precision, recall and F1 are data-set level, :math:`\sum TP / \sum(TP + FP + FN)` etc.;
    * Pd: a ground-truth 8-connected component is detected if any predicted pixel overlaps it;
    * Fa: false-positive pixels / background pixels; images whose mask is empty are left out of
      Pd *and* Fa (as the authors' ``my_PD_FA`` does), but not out of IoU.

``"basicirstd"`` — BasicIRSTD / DNANet
    * native resolution, absolute threshold ``p > 0.5`` (for probabilities; pass a detector's
      boolean mask to score its own decision);
    * data-set-level IoU;
    * Pd: ground-truth 8-connected components are visited in raster-label order and each is
      matched to the first still-unmatched predicted component whose centroid lies closer than
      3 pixels;
    * Fa: pixels of the predicted components left unmatched / all pixels of all images.
      (BasicIRSTD's code removes matched components *by area value*, so an unmatched component
      with the same area as a matched one is not counted; we count it, as the definition says.)

Fa is kept as a ratio; :func:`format_fa` prints it in the convention's customary unit
(×10⁻⁵ for ``rpcanet``, ×10⁻⁶ for ``basicirstd``). nIoU, the mean per-image IoU over images
whose prediction or mask is non-empty, is reported in both.

References
----------
F. Wu, T. Zhang, L. Li, Y. Huang, Z. Peng, "RPCANet: Deep unfolding RPCA based infrared small
target detection", WACV 2024 (code: github.com/fengyiwu98/RPCANet, ``evaluation/``).
B. Li et al., "Dense nested attention network for infrared small target detection", IEEE TIP
2023; X. Ying et al., BasicIRSTD toolbox (github.com/XinyiYing/BasicIRSTD, ``metrics.py``).
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "CONVENTIONS",
    "FA_UNITS",
    "ISTDMetrics",
    "evaluate",
    "format_fa",
    "image_counts",
    "resize_linear",
    "resize_nearest",
    "summarize",
]

CONVENTIONS = ("rpcanet", "basicirstd")
#: Customary unit of Fa per convention (the printed value is Fa / unit).
FA_UNITS = {"rpcanet": 1e-5, "basicirstd": 1e-6}

_EIGHT = np.ones((3, 3), dtype=bool)


def format_fa(fa: float, convention: str) -> str:
    """Fa in the convention's unit, with the unit: ``'7.14 ×1e-5'``."""
    unit = FA_UNITS[_check_convention(convention)]
    return f"{fa / unit:.2f} ×{unit:.0e}".replace("e-0", "e-")


def _check_convention(convention: str) -> str:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}.")
    return convention


def resize_linear(a, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize with half-pixel centres and replicated borders (OpenCV ``INTER_LINEAR``)."""
    a = np.asarray(a, dtype=np.float64)
    H, W = a.shape
    h, w = size
    if (H, W) == (h, w):
        return a.copy()
    y = np.clip((np.arange(h) + 0.5) * (H / h) - 0.5, 0, H - 1)
    x = np.clip((np.arange(w) + 0.5) * (W / w) - 0.5, 0, W - 1)
    y0 = np.floor(y).astype(int)
    x0 = np.floor(x).astype(int)
    y1 = np.minimum(y0 + 1, H - 1)
    x1 = np.minimum(x0 + 1, W - 1)
    wy = (y - y0)[:, None]
    wx = (x - x0)[None, :]
    top = a[y0][:, x0] * (1 - wx) + a[y0][:, x1] * wx
    bot = a[y1][:, x0] * (1 - wx) + a[y1][:, x1] * wx
    return top * (1 - wy) + bot * wy


def resize_nearest(a, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize, ``src = floor(dst · in/out)`` (OpenCV ``INTER_NEAREST``)."""
    a = np.asarray(a)
    H, W = a.shape
    h, w = size
    if (H, W) == (h, w):
        return a.copy()
    yi = np.minimum(np.floor(np.arange(h) * (H / h)).astype(int), H - 1)
    xi = np.minimum(np.floor(np.arange(w) * (W / w)).astype(int), W - 1)
    return a[yi][:, xi]


def _check_pair(pred, mask):
    """Validated ``(pred as float64, mask as bool)``; the two must have the same shape.

    Resizing to the convention's size is part of the metric, not a repair for a prediction and
    a mask that do not belong together, so a shape mismatch is an error in both conventions.
    """
    pred = np.asarray(pred)
    mask = np.asarray(mask)
    if pred.ndim != 2 or mask.ndim != 2:
        raise ValueError(f"pred and mask must be 2-D, got shapes {pred.shape} and {mask.shape}.")
    if pred.shape != mask.shape:
        raise ValueError(
            f"pred and mask have different shapes, {pred.shape} and {mask.shape}: they must "
            "be the same image (resize the prediction to the mask first if that is intended)."
        )
    if pred.size == 0:
        raise ValueError(f"pred and mask are empty (shape {pred.shape}).")
    if pred.dtype == bool:
        pred = pred.astype(np.float64)
    elif not np.issubdtype(pred.dtype, np.number) or np.iscomplexobj(pred):
        raise TypeError(f"pred must be real numeric or boolean, got dtype {pred.dtype}.")
    if not np.all(np.isfinite(pred)):
        # +inf would make p / max(p) NaN and the image a silent miss; -inf / NaN likewise.
        raise ValueError(
            "pred contains NaN or infinite values; a score map must be finite (clip it, "
            "e.g. np.nan_to_num(pred, posinf=pred[np.isfinite(pred)].max()), if intended)."
        )
    pred = pred.astype(np.float64, copy=False)
    if mask.dtype != bool:
        if not np.issubdtype(mask.dtype, np.number) or np.iscomplexobj(mask):
            raise TypeError(f"mask must be boolean or numeric, got dtype {mask.dtype}.")
        u = np.unique(mask)
        if not np.all(np.isin(u, (0, 1))):
            raise ValueError(
                "mask must be binary (bool or 0/1); binarise it first, e.g. with "
                "sparseopt.istd.binarize_mask."
            )
        mask = mask.astype(bool)
    return pred, mask


def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}.")
    return int(size)


def _components(binary):
    lab, n = ndi.label(binary, structure=_EIGHT)
    return lab, n


def image_counts(pred, mask, convention: str = "rpcanet", *, size: int = 256) -> dict:
    """The additive counts one image contributes to the data-set metrics.

    Parameters
    ----------
    pred : array_like (H, W)
        Score map (float) or boolean prediction.
    mask : array_like (H, W)
        Binary ground truth (bool or 0/1).
    convention : {"rpcanet", "basicirstd"}
    size : int
        ``rpcanet`` only: the side both are resized to (256).

    Returns
    -------
    dict of int
        ``tp, fp, fn`` (pixels), ``targets`` and ``detected`` (ground-truth components),
        ``fa_pixels`` and ``fa_area`` (Fa's numerator and denominator), and
        ``iou_num, iou_den`` (this image's intersection and union, for nIoU).
    """
    convention = _check_convention(convention)
    size = _check_size(size)
    pred, mask = _check_pair(pred, mask)
    if convention == "rpcanet":
        if pred.shape != (size, size):
            pred = resize_linear(pred, (size, size))
            mask = resize_nearest(mask, (size, size))
        pmax = float(pred.max())
        binary = pred / pmax > 0.5 if pmax > 0 else np.zeros(pred.shape, dtype=bool)
    else:
        binary = pred > 0.5
    tp = int(np.count_nonzero(binary & mask))
    fp = int(np.count_nonzero(binary & ~mask))
    fn = int(np.count_nonzero(~binary & mask))
    gt_lab, n_gt = _components(mask)
    out = {"tp": tp, "fp": fp, "fn": fn, "iou_num": tp, "iou_den": tp + fp + fn}
    if convention == "rpcanet":
        if n_gt == 0:
            out.update(targets=0, detected=0, fa_pixels=0, fa_area=0)
            return out
        hit = np.unique(gt_lab[binary & mask])
        out.update(
            targets=n_gt,
            detected=int(np.count_nonzero(hit)),
            fa_pixels=fp,
            fa_area=int(np.count_nonzero(~mask)),
        )
        return out
    # basicirstd: centroid matching of components, first unmatched within 3 px, label order.
    pr_lab, n_pr = _components(binary)
    idx_gt = np.arange(1, n_gt + 1)
    idx_pr = np.arange(1, n_pr + 1)
    c_gt = np.array(ndi.center_of_mass(mask, gt_lab, idx_gt)).reshape(-1, 2)
    c_pr = np.array(ndi.center_of_mass(binary, pr_lab, idx_pr)).reshape(-1, 2)
    area_pr = np.bincount(pr_lab.ravel(), minlength=n_pr + 1)[1:]
    unmatched = np.ones(n_pr, dtype=bool)
    detected = 0
    for i in range(n_gt):
        for m in range(n_pr):
            if unmatched[m] and math.dist(c_gt[i], c_pr[m]) < 3:
                unmatched[m] = False
                detected += 1
                break
    out.update(
        targets=n_gt,
        detected=detected,
        fa_pixels=int(area_pr[unmatched].sum()),
        fa_area=int(mask.size),
    )
    return out


def summarize(counts, convention: str = "rpcanet") -> dict:
    """Data-set metrics from per-image :func:`image_counts` (percentages except Fa, a ratio).

    Returns
    -------
    dict
        ``mIoU`` (data-set IoU, %), ``nIoU`` (%), ``precision``, ``recall``, ``F1`` (%),
        ``Pd`` (%), ``Fa`` (ratio), ``Fa_unit`` (the customary unit), ``n_images``,
        ``n_targets``. A ratio with a zero denominator is NaN.
    """
    _check_convention(convention)
    counts = list(counts)

    def tot(key):
        return sum(int(c[key]) for c in counts)

    def ratio(a, b):
        return a / b if b > 0 else math.nan

    tp, fp, fn = tot("tp"), tot("fp"), tot("fn")
    prec = ratio(tp, tp + fp)
    rec = ratio(tp, tp + fn)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else math.nan
    per_image = [c["iou_num"] / c["iou_den"] for c in counts if c["iou_den"] > 0]
    return {
        "mIoU": 100 * ratio(tp, tp + fp + fn),
        "nIoU": 100 * float(np.mean(per_image)) if per_image else math.nan,
        "precision": 100 * prec,
        "recall": 100 * rec,
        "F1": 100 * f1,
        "Pd": 100 * ratio(tot("detected"), tot("targets")),
        "Fa": ratio(tot("fa_pixels"), tot("fa_area")),
        "Fa_unit": FA_UNITS[convention],
        "n_images": len(counts),
        "n_targets": tot("targets"),
    }


@dataclass
class ISTDMetrics:
    """Accumulate ISTD metrics image by image.

    Examples
    --------
    >>> m = ISTDMetrics("rpcanet")
    >>> for score, mask in pairs:                          # doctest: +SKIP
    ...     m.update(score, mask)
    >>> m.compute()["mIoU"]                                # doctest: +SKIP
    """

    convention: str = "rpcanet"
    size: int = 256
    counts: list = field(default_factory=list)

    def __post_init__(self):
        _check_convention(self.convention)
        _check_size(self.size)

    def update(self, pred, mask) -> dict:
        """Add one image; returns its counts."""
        c = image_counts(pred, mask, self.convention, size=self.size)
        self.counts.append(c)
        return c

    def compute(self) -> dict:
        """Metrics over every image added so far (see :func:`summarize`)."""
        return summarize(self.counts, self.convention)


def evaluate(preds, masks, convention: str = "rpcanet", *, size: int = 256) -> dict:
    """Metrics of a sequence of predictions against their masks (see :func:`summarize`).

    ``preds`` and ``masks`` must have the same length (checked up front when both have a
    length, otherwise when one runs out) and each pair the same shape; a score map with NaN or
    infinite values is an error.
    """
    m = ISTDMetrics(convention, size)
    if hasattr(preds, "__len__") and hasattr(masks, "__len__") and len(preds) != len(masks):
        raise ValueError(
            f"evaluate got {len(preds)} predictions and {len(masks)} masks; they must pair up."
        )
    end = object()
    n = 0
    for p, g in itertools.zip_longest(preds, masks, fillvalue=end):
        if p is end or g is end:
            which = "predictions" if p is end else "masks"
            raise ValueError(
                f"evaluate: the {which} ran out after {n} images; predictions and masks must "
                "pair up."
            )
        try:
            m.update(p, g)
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"image {n}: {exc}") from None
        n += 1
    if n == 0:
        raise ValueError("evaluate got no images.")
    return m.compute()
