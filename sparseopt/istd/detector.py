r"""Infrared small target detection by robust PCA of the patch image (IPI and its variants).

An image :math:`I` is turned into its patch image :math:`D` (:mod:`sparseopt.istd.patches`),
min-max scaled to [0, 1], and split by :func:`sparseopt.decomposition.robust_pca` into a
low-rank background, a sparse target and (optionally) dense noise,

.. math::

    \min_{B, T, N}\ \|B\|_* + \lambda\|T\|_1 + \mu\|N\|_F^2
    \quad\text{s.t.}\quad D = B + T + N ;

the target patch image is folded back (per-pixel median over overlapping windows) and its
positive part is the score map. With the defaults this is the IPI model of Gao et al. (TIP 2013).
"""

from __future__ import annotations

import math
import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ..decomposition import robust_pca
from ..decomposition._svt import SVD_METHODS
from ._base import (
    THRESHOLD_CONSTRAINTS,
    BaseDetector,
    as_grey_image,
    available_memory,
    minmax_scale,
)
from .patches import fold_patches, patch_image, patch_positions

__all__ = ["IPI", "RPCADetector", "patch_solver_memory"]

#: Arrays of the patch-image size alive at once in a detection (data, working data, B, T, the
#: stage's and SVT's temporaries, folding): the peak NumPy allocation measured with tracemalloc
#: was 10.6 (256×256) and 11.7 (512×512) patch images.
_SOLVER_COPIES = 12


def patch_solver_memory(shape, patch_size: int = 50, step: int = 10, dtype="float32") -> int:
    """Bytes the patch-image robust-PCA solve of an image of this shape needs (an estimate).

    The patch image has ``patch_size²`` rows and one column per window; a detection keeps up
    to about twelve arrays of that size alive (the data, the working data, B, T, temporaries).
    """
    H, W = shape
    n = len(patch_positions(H, patch_size, step)) * len(patch_positions(W, patch_size, step))
    return _SOLVER_COPIES * patch_size * patch_size * n * np.dtype(dtype).itemsize


def _check_deep():
    try:
        import sparseopt_deep  # noqa: F401
    except ImportError:
        raise ImportError(
            "RPCADetector(deep=True) needs PyTorch: install the CPU build with "
            "`pip install torch==2.13.0` (or `pip install 'sparseopt[deep]'`)."
        ) from None


class RPCADetector(BaseDetector):
    r"""Small target detector: robust PCA (with optional noise term) of the patch image.

    Parameters
    ----------
    patch_size : int, default 50
        Side of the sliding window (Gao et al.: 50 for images of about 256×256).
    step : int, default 10
        Sliding step (Gao et al.). A last window flush with the border is added when the grid
        does not end there, so every pixel is covered.
    lam : float, optional
        Weight of :math:`\|T\|_1`. Default :math:`1/\sqrt{\max(H, W)}` of the (padded) image
        (Gao's code). The standard robust-PCA value :math:`1/\sqrt{\max(m, n)}` of the patch
        matrix is about 2.5× smaller here and measured ~12× more false-alarm pixels and 11–14
        mIoU less on NUDT-SIRST (measured on the training split).
    mu : float, default ``np.inf``
        Weight of the noise term :math:`\mu\|N\|_F^2`; ``np.inf`` is plain robust PCA (IPI).
        A finite μ lets dense noise go to N instead of T (entries of N stay below
        :math:`\lambda/(2\mu)`); on NUDT-SIRST it did not help, so it is off.
    threshold : {"auto", "adaptive", "relmax", "both"} or float, default "auto"
        Rule of :meth:`detect` (see :mod:`sparseopt.istd.thresholds`): mean + ``k``·std of the
        score map, ``ratio``·max, both, or an absolute value. ``"auto"``: ``"adaptive"`` for
        the iterative solver, 0.5 for ``deep=True`` (the networks output a probability).
    k : float, default 20.0
        Standard deviations of the adaptive rule: the value with the best IoU of the decision
        on the NUDT-SIRST *training* split (``benchmarks/istd_select_threshold.py``; the
        score map is sparse, so its std is small and k is large; k = 15 gives 0.1 IoU less
        and 3.6 points more Pd there).
    ratio : float, default 0.5
        Fraction of the maximum of the relative rule.
    fold : {"median", "mean"}, default "median"
        How overlapping windows are folded back (Gao: median).
    pad : int, default 0
        Reflect-pad the image by this many pixels on every side before patching (and crop
        after): lets images slightly smaller than the window be processed. The (padded) image
        must be at least ``patch_size`` on each side.
    deep : bool, default False
        Use a deep unfolded network (L-RPCANet or RPCANet, :mod:`sparseopt_deep`) instead of
        the iterative solver: the same robust-PCA stage with learned operators, trained on
        NUDT-SIRST by this project (needs torch). The score map is then the target
        probability in [0, 1]; the patch, solver and ``fold`` parameters are not used.
    model : {"lrpcanet", "rpcanet"}, default "lrpcanet"
        The network of ``deep=True``.
    weights : str or path-like, optional
        Weights for ``deep=True``: a file written by ``sparseopt train`` (``.safetensors``) or
        an authors' released checkpoint (``.pth``). Default: the L-RPCANet weights shipped with
        the package (their sha256 is checked at load); no RPCANet weights are shipped.
    device : str, optional
        Torch device of ``deep=True`` (default: ``"cuda"`` when available, else ``"cpu"``).
    svd : {"auto", "exact", "gram", "randomized", "partial"}, default "gram"
        SVD method of the solver. "gram" (the exact eigen-decomposition of the small
        n × n Gram matrix) gives the same results as "exact" at a fraction of the cost
        for patch images, whose background is full rank at convergence.
    dtype : {"float32", "float64"}, default "float32"
        Working precision: float32 halves the cost of the matrix products and changes no
        metric at the default ``tol``.
    tol : float, default 3e-3
        Relative residual at which the ALM stops. On the NUDT-SIRST training split
        (``benchmarks/istd_select_tol.py``) every tolerance up to 3e-3 gives the metrics of an
        exact solve at the textbook 1e-7 (within 0.3 mIoU, both conventions) in 12 instead of
        27 iterations; at 5e-3 the false alarms start to grow, at 1e-2 the decision's IoU drops
        by 2 points.
    max_iter : int, default 500
    rho : float, default 1.5
        Penalty growth of the inexact ALM (Lin et al.); 2 loses ~2 mIoU on NUDT-SIRST.
    alpha0 : "second" or float or None, default "second"
        Initial ALM penalty. ``None``: Lin et al.'s :math:`1.25/\sigma_1(D)`. ``"second"``:
        :math:`1.25/\sigma_2(D)`. The patch image of a natural scene has one dominant singular
        value (its mean brightness), and while :math:`1/\alpha > \sigma_2` every iteration
        only re-estimates that rank-one component; starting at :math:`\sigma_2` skips those
        iterations, with the same metrics (checked on the training split).
    n_threads : int or None, default 1
        BLAS threads used by the solver (``threadpoolctl``); ``None`` leaves the setting alone.
        One thread measured faster than two for these small products on a 2-core machine.

    Attributes
    ----------
    n_iter_ : int
        ALM iterations of the last decomposition.
    history_ : dict
        Per-iteration residual, penalty, rank and SVD method of the last decomposition.
    converged_ : bool
        Whether the last decomposition reached ``tol`` (``False``: ``max_iter`` was hit, a
        ``ConvergenceWarning`` was issued and the last iterate used).

    References
    ----------
    C. Gao, D. Meng, Y. Yang, Y. Wang, X. Zhou, A. G. Hauptmann, "Infrared patch-image model for
    small target detection in a single image", IEEE TIP 22(12), 2013.
    """

    def __init__(
        self,
        patch_size: int = 50,
        step: int = 10,
        lam: float | None = None,
        mu: float = np.inf,
        threshold="auto",
        k: float = 20.0,
        ratio: float = 0.5,
        fold: str = "median",
        pad: int = 0,
        deep: bool = False,
        model: str = "lrpcanet",
        weights=None,
        device=None,
        svd: str = "gram",
        dtype: str = "float32",
        tol: float = 3e-3,
        max_iter: int = 500,
        rho: float = 1.5,
        alpha0="second",
        n_threads: int | None = 1,
    ):
        self.patch_size = patch_size
        self.step = step
        self.lam = lam
        self.mu = mu
        self.threshold = threshold
        self.k = k
        self.ratio = ratio
        self.fold = fold
        self.pad = pad
        self.deep = deep
        self.model = model
        self.weights = weights
        self.device = device
        self.svd = svd
        self.dtype = dtype
        self.tol = tol
        self.max_iter = max_iter
        self.rho = rho
        self.alpha0 = alpha0
        self.n_threads = n_threads

    _parameter_constraints: dict = {
        **THRESHOLD_CONSTRAINTS,
        "threshold": [
            StrOptions({*THRESHOLD_CONSTRAINTS["threshold"][0].options, "auto"}),
            *THRESHOLD_CONSTRAINTS["threshold"][1:],
        ],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "lam": [Interval(Real, 0, None, closed="neither"), None],
        "mu": [Interval(Real, 0, None, closed="right")],  # np.inf allowed: no noise term
        "fold": [StrOptions({"median", "mean"})],
        "pad": [Interval(Integral, 0, None, closed="left")],
        "deep": ["boolean"],
        "model": [StrOptions({"lrpcanet", "rpcanet"})],
        "weights": [str, os.PathLike, None],
        "device": [str, None],
        "svd": [StrOptions(set(SVD_METHODS))],
        "dtype": [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
            Options(np.dtype, {np.dtype(np.float32), np.dtype(np.float64)}),
        ],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "rho": [Interval(Real, 1, None, closed="left")],
        "alpha0": [StrOptions({"second"}), Interval(Real, 0, None, closed="neither"), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    # -- validation ---------------------------------------------------------------------------
    def _validate(self):
        if self.deep:
            _check_deep()
        self._validate_params()

    def _check_memory(self, shape):
        """Refuse (before any work) an image whose patch image would not fit in memory."""
        need = patch_solver_memory(shape, self.patch_size, self.step, self.dtype)
        have = available_memory()
        if have is not None and need > have:
            raise MemoryError(
                f"an image of {shape[0]}×{shape[1]} needs about {need / 2**30:.1f} GiB for the "
                f"patch-image robust-PCA solve ({self.patch_size}×{self.patch_size} windows, "
                f"step {self.step}, {np.dtype(self.dtype).name}), but only "
                f"{have / 2**30:.1f} GiB is available; crop or downscale the image, raise "
                "`step`, or use a detector without a patch image (MPCM, TopHat). Images are "
                "refused, not tiled: robust PCA of a tile is a different problem (its lambda "
                "and background rank depend on the whole image)."
            )

    # -- core ---------------------------------------------------------------------------------
    def _prepare(self, image):
        self._validate()
        img = as_grey_image(image, min_size=self.patch_size, pad=self.pad)
        if self.pad:
            img = np.pad(img, self.pad, mode="reflect")
        self._check_memory(img.shape)
        # Min-max scaling (Gao's mat2gray) in float64, before the patch image is cast to the
        # working dtype: images at 1e±39, 1e-300 or 300 + 1e-6·I give the same result as I.
        return minmax_scale(img)

    def _solve(self, img):
        """Robust PCA of the patch image of ``img`` (already prepared)."""
        dtype = np.dtype(self.dtype)
        # img is already in [0, 1] (a constant image is all zeros: no target)
        D, _, _ = patch_image(img, self.patch_size, self.step, dtype=dtype)
        lam = 1.0 / math.sqrt(max(img.shape)) if self.lam is None else self.lam
        res = robust_pca(
            D,
            lam=lam,
            mu=self.mu,
            svd=self.svd,
            dtype=dtype,
            tol=self.tol,
            max_iter=self.max_iter,
            rho=self.rho,
            alpha0=self.alpha0,
            n_threads=self.n_threads,
        )
        self.n_iter_ = res.n_iter
        self.history_ = res.history
        self.converged_ = res.converged
        return res

    def _fold(self, P, shape):
        out = fold_patches(P, shape, self.patch_size, self.step, self.fold)
        if self.pad:
            p = self.pad
            out = out[p:-p, p:-p]
        return out

    def _threshold_rule(self):
        if self.threshold == "auto":
            return 0.5 if self.deep else "adaptive"
        return self.threshold

    def _deep_input(self, image):
        from sparseopt_deep.detector import network_input

        self._validate()
        return network_input(as_grey_image(image), dtype=np.asarray(image).dtype)

    def decompose(self, image):
        """Background, target and noise images ``(B, T, N)``.

        Each is the folded patch component, in the units of the min-max scaled image
        (0 = darkest, 1 = brightest pixel), so ``B + T + N`` ≈ the scaled image. With
        ``deep=True``: the network's last-stage background, target probability and noise.
        """
        if self.deep:
            from sparseopt_deep.detector import deep_decompose

            return deep_decompose(self._deep_input(image), self.model, self.weights, self.device)
        img = self._prepare(image)
        res = self._solve(img)
        return tuple(self._fold(P, img.shape) for P in (res.B, res.T, res.N))

    def score_map(self, image) -> np.ndarray:
        """Target score map: the positive part of the folded target component T (with
        ``deep=True``: the network's target probability)."""
        if self.deep:
            from sparseopt_deep.detector import deep_score_map

            return deep_score_map(self._deep_input(image), self.model, self.weights, self.device)
        img = self._prepare(image)
        res = self._solve(img)
        return np.maximum(self._fold(res.T, img.shape), 0.0)


class IPI(RPCADetector):
    r"""The infrared patch-image model of Gao et al. (TIP 2013) with its published parameters.

    50×50 windows, step 10, :math:`\lambda = 1/\sqrt{\max(H, W)}`, exact robust PCA
    (:math:`\mu = \infty`), median folding — :class:`RPCADetector`'s defaults, fixed here (class
    attributes, not parameters); only the thresholding and the solver's numerical options can
    be changed.
    """

    patch_size = 50
    step = 10
    lam = None
    mu = np.inf
    fold = "median"
    pad = 0
    deep = False
    model = "lrpcanet"
    weights = None
    device = None

    def __init__(
        self,
        threshold="adaptive",
        k: float = 20.0,
        ratio: float = 0.5,
        svd: str = "gram",
        dtype: str = "float32",
        tol: float = 3e-3,
        max_iter: int = 500,
        rho: float = 1.5,
        alpha0="second",
        n_threads: int | None = 1,
    ):
        self.threshold = threshold
        self.k = k
        self.ratio = ratio
        self.svd = svd
        self.dtype = dtype
        self.tol = tol
        self.max_iter = max_iter
        self.rho = rho
        self.alpha0 = alpha0
        self.n_threads = n_threads
