r"""Singular value thresholding with fast paths for iterative solvers.

:math:`\mathrm{SVT}_t(M) = U\,\mathrm{diag}(\max(\sigma - t, 0))\,V^\top` is the proximal map of
:math:`t\|\cdot\|_*` and the cost of every robust-PCA iteration. :class:`SVTOperator` computes it
by one of four methods, chosen with one option and remembering what it needs between calls
(the last rank, as a prediction of the next one, and the last right singular subspace, as a
warm start):

``"exact"``
    LAPACK divide-and-conquer SVD through :func:`sparseopt.prox.svt` (the reference).
``"gram"``
    Eigen-decomposition of the small Gram matrix :math:`G = M^\top M` (:math:`n \times n`,
    :math:`n = \min` dimension): :math:`G = V\Sigma^2 V^\top` and
    :math:`\mathrm{SVT}_t(M) = M\,V\,\mathrm{diag}(\max(1 - t/\sigma, 0))\,V^\top`, with no
    :math:`U` formed. When the predicted rank is small only the eigenpairs above :math:`t^2`
    are computed (LAPACK ``syevr``). Squaring :math:`M` squares its condition number: singular
    values below :math:`\sqrt{\epsilon}\,\sigma_{\max}` are resolved only to about
    :math:`\sqrt{\epsilon}\,\sigma_{\max}` (:math:`\approx 3\cdot10^{-4}\sigma_{\max}` in float32),
    which bounds the error of the result by the same amount — plenty for an inexact ALM
    stopped at a relative residual of 1e-3 to 1e-5, not for 1e-7 in float32.
``"randomized"``
    Randomized range finder with power iterations (Halko, Martinsson, Tropp 2011) on
    :math:`k` = predicted rank + oversampling columns, started from the previous call's right
    singular vectors (warm start) topped up with Gaussian columns; :math:`k` doubles until the
    smallest computed singular value falls below :math:`t`, so every singular value above the
    threshold is kept. Falls back to ``"gram"`` once :math:`k` exceeds half the small dimension.
``"partial"``
    Lanczos partial SVD (:func:`scipy.sparse.linalg.svds`, ARPACK) of the predicted rank, grown
    the same way, started from the previous leading right singular vector (the approach of
    Lin, Chen and Ma's inexact ALM code with PROPACK).
``"auto"``
    ``"gram"`` when the small dimension is at most ``gram_max`` (2048: its :math:`n^3`
    eigen-decomposition is then cheaper than an :math:`mn^2` SVD), otherwise ``"randomized"``
    while the predicted rank is below a tenth of the small dimension and ``"exact"`` above.

References
----------
J.-F. Cai, E. J. Candès, Z. Shen, "A singular value thresholding algorithm for matrix completion",
SIAM J. Optim. 20(4), 2010.
N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with randomness",
SIAM Review 53(2), 2011.
Z. Lin, M. Chen, Y. Ma, "The augmented Lagrange multiplier method for exact recovery of corrupted
low-rank matrices", arXiv:1009.5055, 2010.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.sparse.linalg import svds

from ..prox import svt as _svt_exact

__all__ = ["SVD_METHODS", "SVTOperator"]

SVD_METHODS = ("auto", "exact", "gram", "randomized", "partial")


def _eigh_gram(G, t2, subset):
    """Eigenpairs of the symmetric G with eigenvalue > t2, in descending order."""
    if subset:
        w, V = sla.eigh(
            G,
            driver="evr",
            subset_by_value=(t2, np.inf),
            check_finite=False,
            overwrite_a=True,
        )
    else:
        w, V = sla.eigh(G, driver="evd", check_finite=False, overwrite_a=True)
        keep = w > t2
        w, V = w[keep], V[:, keep]
    return w[::-1], V[:, ::-1]


def _apply_right(A, V, f):
    """A · V · diag(f) · Vᵀ, choosing the cheaper association."""
    k, n = f.size, V.shape[0]
    if 2 * k < n:
        return ((A @ V) * f) @ V.T
    return A @ ((V * f) @ V.T)


class SVTOperator:
    """Singular value thresholding with a choice of SVD method and memory between calls.

    Call it as ``op(M, t)``; it returns :math:`\\mathrm{SVT}_t(M)` in ``M``'s dtype and sets

    - ``rank_``: number of singular values above ``t`` (the next call's rank prediction),
    - ``method_``: the method that actually ran (``"auto"`` resolves per call),
    - ``sigma_``: the singular values above ``t`` (descending) as computed.

    Parameters
    ----------
    method : {"auto", "exact", "gram", "randomized", "partial"}
        See the module docstring.
    warm_start : bool
        Start ``"randomized"``/``"partial"`` from the previous call's right singular vectors.
    oversample : int
        Extra columns of the randomized range finder beyond the predicted rank (10, Halko et al.).
    n_power_iter : int
        Power iterations of the range finder (2: accurate singular values when the spectrum
        decays slowly, Halko et al. §4.5).
    gram_max : int
        Largest small dimension for which ``"auto"`` uses the Gram eigenproblem.
    random_state : int or numpy.random.Generator
        Seed of the Gaussian test matrices.
    """

    def __init__(
        self,
        method: str = "auto",
        *,
        warm_start: bool = True,
        oversample: int = 10,
        n_power_iter: int = 2,
        gram_max: int = 2048,
        random_state=0,
    ):
        if method not in SVD_METHODS:
            raise ValueError(f"svd must be one of {SVD_METHODS}, got {method!r}.")
        self.method = method
        self.warm_start = warm_start
        self.oversample = int(oversample)
        self.n_power_iter = int(n_power_iter)
        self.gram_max = int(gram_max)
        self.rng = np.random.default_rng(random_state)
        self.rank_: int | None = None
        self.method_: str | None = None
        self.sigma_ = None
        self._V = None  # previous right singular vectors of the tall orientation

    # -- dispatch ---------------------------------------------------------------------------
    def _resolve(self, n_small: int) -> str:
        if self.method != "auto":
            return self.method
        if n_small <= self.gram_max:
            return "gram"
        pred = 1 if self.rank_ is None else self.rank_
        return "randomized" if pred + self.oversample < n_small // 10 else "exact"

    def __call__(self, M, t):
        M = np.asarray(M)
        if M.ndim != 2:
            raise ValueError(f"SVT needs a 2-D array, got shape {M.shape}.")
        if M.dtype not in (np.float32, np.float64):
            if not (np.issubdtype(M.dtype, np.number) or M.dtype == np.bool_) or np.iscomplexobj(M):
                raise TypeError(f"SVT needs a real numeric array, got dtype {M.dtype}.")
            M = M.astype(np.float64)
        t = float(t)
        if not (t >= 0 and np.isfinite(t)):
            raise ValueError(f"SVT threshold must be finite and non-negative, got {t}.")
        if not np.all(np.isfinite(M)):  # LAPACK is called unchecked below: never return NaN
            raise ValueError("SVT got NaN or infinite values.")
        # Work on the tall orientation A (m >= n); the result is transposed back.
        transpose = M.shape[0] < M.shape[1]
        A = M.T if transpose else M
        method = self._resolve(A.shape[1])
        self.method_ = method
        if method == "exact":
            B, k = _svt_exact(A, t, return_rank=True)
            self.sigma_ = None
            self._V = None
        elif method == "gram":
            B, k = self._gram(A, t)
        elif method == "randomized":
            B, k = self._randomized(A, t)
        else:
            B, k = self._partial(A, t)
        self.rank_ = int(k)
        return B.T if transpose else B

    # -- methods ----------------------------------------------------------------------------
    def _gram(self, A, t):
        n = A.shape[1]
        G = A.T @ A
        pred = self.rank_
        subset = pred is not None and 2 * (pred + self.oversample) < n // 5
        w, V = _eigh_gram(G, t * t, subset)
        return self._finish_from_gram(A, w, V, t)

    def _finish_from_gram(self, A, w, V, t):
        k = w.size
        s = np.sqrt(w)
        self.sigma_ = s
        self._V = V
        if k == 0:
            return np.zeros_like(A), 0
        f = (1.0 - t / s).astype(A.dtype)
        return _apply_right(A, V.astype(A.dtype, copy=False), f), k

    def _start_block(self, n, k, dtype):
        cols = []
        if self.warm_start and self._V is not None and self._V.shape[0] == n:
            cols.append(self._V[:, :k])
        have = sum(c.shape[1] for c in cols)
        if have < k:
            cols.append(self.rng.standard_normal((n, k - have)))
        return np.concatenate(cols, axis=1).astype(dtype, copy=False)

    def _randomized(self, A, t):
        n = A.shape[1]
        k = (1 if self.rank_ is None else self.rank_) + self.oversample
        while True:
            if 2 * k > n:
                self.method_ = "gram"
                return self._gram(A, t)
            Q, _ = np.linalg.qr(A @ self._start_block(n, k, A.dtype))
            for _ in range(self.n_power_iter):
                Z, _ = np.linalg.qr(A.T @ Q)
                Q, _ = np.linalg.qr(A @ Z)
            Ub, s, Vt = np.linalg.svd(Q.T @ A, full_matrices=False)
            if s[-1] <= t:
                break
            k *= 2
        r = int(np.count_nonzero(s > t))
        self._V = Vt.T
        self.sigma_ = s[:r]
        if r == 0:
            return np.zeros_like(A), 0
        B = ((Q @ Ub[:, :r]) * (s[:r] - t).astype(A.dtype)) @ Vt[:r]
        return B, r

    def _partial(self, A, t):
        n = A.shape[1]
        k = (1 if self.rank_ is None else self.rank_) + 1
        while True:
            if k >= n - 1:
                B, r = _svt_exact(A, t, return_rank=True)
                self.method_ = "exact"
                self._V = None
                return B, r
            v0 = None
            if self.warm_start and self._V is not None and self._V.shape[0] == n:
                v0 = self._V[:, 0].astype(A.dtype)
            U, s, Vt = svds(A, k=k, v0=v0, random_state=self.rng)
            order = np.argsort(s)[::-1]
            U, s, Vt = U[:, order], s[order], Vt[order]
            if s[-1] <= t:
                break
            k = min(2 * k, n - 1)
        r = int(np.count_nonzero(s > t))
        self._V = Vt.T
        self.sigma_ = s[:r]
        if r == 0:
            return np.zeros_like(A), 0
        return (U[:, :r] * (s[:r] - t).astype(A.dtype)) @ Vt[:r], r
