r"""Patch images: an image as a matrix of overlapping patches, and back.

The infrared patch-image (IPI) model of Gao et al. (TIP 2013) slides a ``p × p`` window with a
step ``s`` over an ``H × W`` image and stores every window, flattened (row-major), as one column
of a ``p² × n`` matrix. Low-rank + sparse decomposition then separates the background (similar
patches: low rank) from small targets (sparse); the sparse part is *folded* back into an image
by taking, at every pixel, the median (Gao) or the mean (later reimplementations) of the values
the overlapping windows give it.

Window positions. Along an axis of length ``L`` the windows start at ``0, s, 2s, ...`` up to
``L - p``; if ``L - p`` is not a multiple of ``s`` one more window, flush with the far border,
starts at ``L - p``. (With ``p = 50, s = 10, L = 256`` the plain grid stops at 200 and leaves
the last 6 rows and columns uncovered.) Every pixel is therefore covered by at least
one window (``s <= p`` is required) and the number of windows per axis is
``ceil((L - p)/s) + 1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fold_patches", "patch_image", "patch_positions"]


def _check_patch_args(shape, patch_size, step):
    for name, v in (("patch_size", patch_size), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}.")
    if step > patch_size:
        raise ValueError(
            f"step ({step}) larger than patch_size ({patch_size}) would leave pixels between "
            "windows uncovered."
        )
    if len(shape) != 2:
        raise ValueError(f"expected a 2-D image, got shape {tuple(shape)}.")
    H, W = shape
    if H < patch_size or W < patch_size:
        raise ValueError(
            f"image of shape {H}×{W} is smaller than the {patch_size}×{patch_size} patch; "
            "pad it or use a smaller patch_size."
        )


def patch_positions(length: int, patch_size: int, step: int) -> np.ndarray:
    """Start indices of the windows along one axis (every index covered; see module docstring)."""
    if length < patch_size:
        raise ValueError(f"axis of length {length} is shorter than the patch ({patch_size}).")
    if step > patch_size:
        raise ValueError(f"step ({step}) larger than patch_size ({patch_size}) leaves gaps.")
    pos = np.arange(0, length - patch_size + 1, step)
    if pos[-1] != length - patch_size:
        pos = np.append(pos, length - patch_size)
    return pos


def patch_image(image, patch_size: int = 50, step: int = 10, dtype=np.float64):
    """Build the patch matrix of a 2-D image.

    Parameters
    ----------
    image : array_like, shape (H, W)
    patch_size, step : int
        Window side ``p`` and sliding step ``s``.
    dtype : numpy dtype
        Dtype of the returned matrix.

    Returns
    -------
    D : ndarray, shape (p*p, n_rows*n_cols)
        Column ``i*n_cols + j`` is the window starting at ``(rows[i], cols[j])``, flattened
        row-major. The array is C-contiguous.
    rows, cols : ndarray of int
        Window start positions along each axis (:func:`patch_positions`).
    """
    image = np.asarray(image)
    _check_patch_args(image.shape, patch_size, step)
    rows = patch_positions(image.shape[0], patch_size, step)
    cols = patch_positions(image.shape[1], patch_size, step)
    windows = np.lib.stride_tricks.sliding_window_view(image, (patch_size, patch_size))
    P = windows[rows[:, None], cols[None, :]]  # (n_rows, n_cols, p, p)
    D = np.empty((patch_size * patch_size, rows.size * cols.size), dtype=dtype)
    D[...] = P.reshape(rows.size * cols.size, patch_size * patch_size).T
    return D, rows, cols


@njit(cache=True, nogil=True)
def _fold_median_kernel(PT, rows, cols, p, H, W, lo_r, hi_r, lo_c, hi_c, out):
    """Per-pixel median over the windows covering it (mean of the two middle values if even).

    ``PT`` is the transposed patch matrix (one window per row), so neighbouring pixels read
    neighbouring memory.
    """
    n_cols = cols.size
    buf = np.empty((hi_r - lo_r).max() * (hi_c - lo_c).max(), dtype=np.float64)
    for y in range(H):
        for x in range(W):
            k = 0
            for a in range(lo_r[y], hi_r[y]):
                off_y = (y - rows[a]) * p
                for b in range(lo_c[x], hi_c[x]):
                    v = PT[a * n_cols + b, off_y + x - cols[b]]
                    # insertion into the sorted prefix
                    j = k
                    while j > 0 and buf[j - 1] > v:
                        buf[j] = buf[j - 1]
                        j -= 1
                    buf[j] = v
                    k += 1
            h = k // 2
            if k % 2 == 1:
                out[y, x] = buf[h]
            else:
                out[y, x] = 0.5 * (buf[h - 1] + buf[h])
    return out


def _covering_ranges(pos, p, length):
    """For every pixel index, the half-open range of windows (by index) that cover it."""
    idx = np.arange(length)
    lo = np.searchsorted(pos + p, idx, side="right")  # first window with start + p > idx
    hi = np.searchsorted(pos, idx, side="right")  # windows with start <= idx
    return lo.astype(np.int64), hi.astype(np.int64)


def fold_patches(P, image_shape, patch_size: int = 50, step: int = 10, how: str = "median"):
    """Fold a patch matrix back into an image.

    Parameters
    ----------
    P : array_like, shape (p*p, n)
        Patch matrix laid out as by :func:`patch_image` for an image of ``image_shape``.
    image_shape : tuple (H, W)
    patch_size, step : int
    how : {"median", "mean"}
        Per-pixel statistic over the windows covering the pixel: ``"median"`` (Gao et al.;
        robust to the one or two windows in which a target sits at the border) or ``"mean"``.

    Returns
    -------
    ndarray, shape (H, W), float64
    """
    H, W = (int(v) for v in image_shape)
    _check_patch_args((H, W), patch_size, step)
    rows = patch_positions(H, patch_size, step)
    cols = patch_positions(W, patch_size, step)
    P = np.asarray(P)
    expected = (patch_size * patch_size, rows.size * cols.size)
    if P.shape != expected:
        raise ValueError(
            f"patch matrix has shape {P.shape}, expected {expected} for a {H}×{W} image "
            f"with patch_size={patch_size}, step={step}."
        )
    if how == "median":
        PT = np.ascontiguousarray(P.T, dtype=np.float64)
        lo_r, hi_r = _covering_ranges(rows, patch_size, H)
        lo_c, hi_c = _covering_ranges(cols, patch_size, W)
        out = np.empty((H, W), dtype=np.float64)
        return _fold_median_kernel(
            PT, rows.astype(np.int64), cols.astype(np.int64), patch_size, H, W,
            lo_r, hi_r, lo_c, hi_c, out,
        )  # fmt: skip
    if how == "mean":
        # Flat pixel index of every patch entry, summed with bincount (vectorised scatter-add).
        r_in, c_in = np.divmod(np.arange(patch_size * patch_size), patch_size)
        starts = (rows[:, None] * W + cols[None, :]).reshape(-1)
        flat = (r_in * W + c_in)[:, None] + starts[None, :]
        total = np.bincount(flat.ravel(), weights=P.astype(np.float64).ravel(), minlength=H * W)
        count = np.bincount(flat.ravel(), minlength=H * W)
        return (total / count).reshape(H, W)
    raise ValueError(f"how must be 'median' or 'mean', got {how!r}.")
