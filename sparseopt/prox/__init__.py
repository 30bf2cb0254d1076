"""Proximal operators and projections used by every solver in sparseopt.

Each operator is a plain function ``op(V, t) -> array``:

======================  ====================================  ===============================
function                definition                            closed form
======================  ====================================  ===============================
soft_threshold          prox of t‖·‖₁                         sign(v)·max(|v| − t, 0)
row_soft_threshold      prox of t‖·‖₂,₁ (rows)                vⁱ·max(1 − t/‖vⁱ‖, 0)
sparse_group_threshold  prox of λ‖·‖₂,₁ + μ‖·‖₁               row-soft(soft(v, μ), λ)
row_lp_threshold        prox of t Σᵢ‖vⁱ‖ᵖ, 0 < p < 1           scalar ℓₚ prox of each row norm
hard_threshold          prox of t‖·‖₀                         keep |v| > √(2t)
row_l0_threshold        prox of t‖·‖₂,₀                       keep rows with ‖vⁱ‖ > √(2t)
row_hard_threshold      projection onto {‖·‖₂,₀ ≤ s}          keep the s largest rows
svt                     prox of t‖·‖_*                        U·diag(max(s − t, 0))·Vᵀ
stiefel_projection      argmin ‖W − V‖ s.t. WᵀW = I           polar factor U Vᵀ
======================  ====================================  ===============================

NumPy input runs through Numba kernels (compiled once per dtype, cached on
disk); float32 and float64 are kept, any other real dtype is converted to
float64, and the result is a new C-contiguous array. Complex input is refused
with a TypeError on every path (these are real proximal maps; silently dropping
the imaginary part would be a wrong answer).

Non-finite values, the same on every path: the thresholds (soft, hard, row-wise,
ℓₚ, sparse-group) propagate NaN like any arithmetic, a NaN entry giving NaN in
its entry (elementwise maps) or in its row (row-wise maps; ``row_l0_threshold``
keeps such a row as it is); the projections that need a decomposition or a
sort (``stiefel_projection``, ``svt``, ``row_hard_threshold``) refuse NaN and
infinity with a ValueError. Input from another Array-API
library (e.g. a torch tensor) runs through the reference implementation in
:mod:`sparseopt.prox._reference`, which is differentiable by that library's
autograd: this is how the deep package reuses the very same operators.

References
----------
N. Parikh and S. Boyd, "Proximal Algorithms", Foundations and Trends in
Optimization 1(3), 2014 (soft, group-soft, SVT, projections).
W. Zuo, D. Meng, L. Zhang, X. Feng, D. Zhang, "A Generalized Iterated Shrinkage
Algorithm for Non-convex Sparse Coding", ICCV 2013 (the ℓₚ threshold).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from array_api_compat import array_namespace

from . import _kernels as _k
from . import _reference as _ref

__all__ = [
    "hard_threshold",
    "row_hard_threshold",
    "row_l0_threshold",
    "row_lp_threshold",
    "row_norms",
    "row_soft_threshold",
    "soft_threshold",
    "sparse_group_threshold",
    "stiefel_projection",
    "svt",
]


def _is_numpy(V) -> bool:
    """True for the Numba path (NumPy arrays and scalars); False for other array libraries.

    Complex input is refused here, for both paths.
    """
    dtype = getattr(V, "dtype", None)
    if dtype is not None and "complex" in str(dtype):
        raise TypeError(f"Proximal operators need real input, got dtype {dtype}.")
    # Lists and Python numbers (no dtype) are array_like for NumPy.
    return isinstance(V, np.ndarray | np.generic) or dtype is None


def _check_finite_any(V, name: str) -> None:
    """ValueError unless every entry is finite, on any Array-API array."""
    xp = array_namespace(V)
    if not bool(xp.all(xp.isfinite(V))):
        raise ValueError(f"{name} got non-finite values (NaN or inf).")


def _as_kernel_array(V, name: str = "V", ndim: int | None = None) -> np.ndarray:
    """C-contiguous float32/float64 copy-free view where possible, with checks."""
    V = np.asarray(V)
    if V.dtype not in (np.float32, np.float64):
        if np.iscomplexobj(V):
            raise TypeError(f"{name} must be real, got dtype {V.dtype}.")
        if not (np.issubdtype(V.dtype, np.number) or V.dtype == np.bool_):
            raise TypeError(f"{name} must be a numeric array, got dtype {V.dtype}.")
        V = V.astype(np.float64)
    if ndim is not None and V.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {V.shape}.")
    return np.ascontiguousarray(V)


def _check_threshold(t, name: str = "t") -> float:
    if not isinstance(t, numbers.Real | np.floating | np.integer) and np.ndim(t) != 0:
        raise TypeError(f"{name} must be a real scalar on the NumPy path, got {type(t).__name__}.")
    t = float(t)
    if not math.isfinite(t) or t < 0:
        raise ValueError(f"{name} must be a finite, non-negative number, got {t}.")
    return t


def row_norms(V):
    """Euclidean norm of every row of a 2-D array.

    Returns shape ``(n_rows,)`` for NumPy input, ``(n_rows, 1)`` on the
    reference (Array API) path.
    """
    if not _is_numpy(V):
        return _ref.row_norms(V)
    V = _as_kernel_array(V, ndim=2)
    return _k.row_norms_kernel(V, np.empty(V.shape[0], dtype=V.dtype))


def soft_threshold(V, t):
    r"""Soft threshold: the proximal map of :math:`t\|\cdot\|_1`.

    .. math:: \operatorname{prox}_{t\|\cdot\|_1}(v) = \operatorname{sign}(v)\max(|v| - t, 0)

    Parameters
    ----------
    V : array_like of any shape
    t : float, >= 0

    Returns
    -------
    ndarray of the same shape (and dtype, if float32/float64).
    """
    if not _is_numpy(V):
        return _ref.soft_threshold(V, t)
    t = _check_threshold(t)
    V = _as_kernel_array(V)
    out = np.empty_like(V)
    _k.soft_threshold_kernel(V.reshape(-1), t, out.reshape(-1))
    return out


def row_soft_threshold(V, t):
    r"""Row-wise group soft threshold: the proximal map of :math:`t\|\cdot\|_{2,1}`.

    .. math:: [\operatorname{prox}(V)]^i = v^i \max(1 - t/\|v^i\|_2,\, 0),
              \qquad \|V\|_{2,1} = \sum_i \|v^i\|_2

    A zero row stays zero.

    Parameters
    ----------
    V : array_like, shape (n_rows, n_cols)
    t : float, >= 0
    """
    if not _is_numpy(V):
        return _ref.row_soft_threshold(V, t)
    t = _check_threshold(t)
    V = _as_kernel_array(V, ndim=2)
    return _k.row_soft_threshold_kernel(V, t, np.empty_like(V))


def sparse_group_threshold(V, lam, mu):
    r"""Proximal map of the sparse-group penalty :math:`\lambda\|\cdot\|_{2,1} + \mu\|\cdot\|_1`.

    The prox of this sum is exactly the composition
    ``row_soft_threshold(soft_threshold(V, mu), lam)`` (Friedman, Hastie,
    Tibshirani, "A note on the group lasso and a sparse group lasso", 2010).
    """
    if not _is_numpy(V):
        return _ref.sparse_group_threshold(V, lam, mu)
    lam = _check_threshold(lam, "lam")
    mu = _check_threshold(mu, "mu")
    V = _as_kernel_array(V, ndim=2)
    return _k.sparse_group_threshold_kernel(V, lam, mu, np.empty_like(V))


def row_lp_threshold(V, t, p):
    r"""Proximal map of :math:`t\sum_i\|v^i\|_2^p` with :math:`0 < p < 1` (the ℓ₂,ₚ penalty).

    Each row keeps its direction and its norm :math:`a` is replaced by the
    global minimiser of :math:`\tfrac12(r-a)^2 + t r^p` over :math:`r \ge 0`:
    zero below the threshold :math:`\tau = (2t(1-p))^{1/(2-p)} + tp(2t(1-p))^{(p-1)/(2-p)}`,
    otherwise the largest root of :math:`r - a + tpr^{p-1} = 0` (Zuo et al., ICCV 2013).
    """
    if not 0.0 < float(p) < 1.0:
        raise ValueError(f"p must lie in (0, 1), got {p}.")
    if not _is_numpy(V):
        return _ref.row_lp_threshold(V, t, p)
    t = _check_threshold(t)
    V = _as_kernel_array(V, ndim=2)
    return _k.row_lp_threshold_kernel(V, t, float(p), np.empty_like(V))


def hard_threshold(V, t):
    r"""Hard threshold: the proximal map of :math:`t\|\cdot\|_0`; keeps :math:`|v| > \sqrt{2t}`."""
    if not _is_numpy(V):
        return _ref.hard_threshold(V, t)
    t = _check_threshold(t)
    V = _as_kernel_array(V)
    out = np.empty_like(V)
    _k.hard_threshold_kernel(V.reshape(-1), math.sqrt(2.0 * t), out.reshape(-1))
    return out


def row_l0_threshold(V, t):
    r"""Row hard threshold: the proximal map of :math:`t\|\cdot\|_{2,0}` (t per non-zero row).

    Keeps the rows with :math:`\|v^i\|_2 > \sqrt{2t}` and zeros the others.
    """
    if not _is_numpy(V):
        return _ref.row_l0_threshold(V, t)
    t = _check_threshold(t)
    V = _as_kernel_array(V, ndim=2)
    return _k.row_l0_threshold_kernel(V, math.sqrt(2.0 * t), np.empty_like(V))


def row_hard_threshold(V, s):
    r"""Projection onto :math:`\{\|\cdot\|_{2,0} \le s\}`: keep the ``s`` rows of largest norm.

    Ties are broken towards the lower row index, so the result is deterministic.
    """
    if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
        raise ValueError(f"s must be a non-negative integer, got {s!r}.")
    if not _is_numpy(V):
        _check_finite_any(V, "row_hard_threshold")
        return _ref.row_hard_threshold(V, s)
    V = _as_kernel_array(V, ndim=2)
    if not np.all(np.isfinite(V)):
        raise ValueError("row_hard_threshold got non-finite values (NaN or inf).")
    return _k.row_hard_threshold_kernel(V, int(s), np.empty_like(V))


def stiefel_projection(V):
    r"""Projection onto the Stiefel manifold :math:`\{W : W^\top W = I_p\}`.

    Returns the polar factor :math:`UV^\top` of the thin SVD :math:`V = U\Sigma V^\top`,
    the unique minimiser of :math:`\|W - V\|_F` when V has full column rank.
    The NumPy path solves the small p × p Gram eigenproblem and falls back to
    the SVD when V is ill-conditioned.

    Parameters
    ----------
    V : array_like, shape (d, p) with p <= d
    """
    if not _is_numpy(V):
        _check_finite_any(V, "stiefel_projection")
        return _ref.stiefel_projection(V)
    V = _as_kernel_array(V, ndim=2)
    if V.shape[1] > V.shape[0]:
        raise ValueError(f"stiefel_projection needs p <= d, got shape {V.shape}.")
    if not np.all(np.isfinite(V)):
        raise ValueError("stiefel_projection got non-finite values (NaN or inf).")
    return _k.stiefel_projection_kernel(V)


def svt(M, t, return_rank: bool = False):
    r"""Singular value thresholding: the proximal map of :math:`t\|\cdot\|_*`.

    .. math:: \operatorname{SVT}_t(M) = U \operatorname{diag}(\max(\sigma - t, 0)) V^\top

    (Cai, Candès, Shen, "A singular value thresholding algorithm for matrix
    completion", SIAM J. Optim. 2010.) Set ``return_rank=True`` to also get the
    number of singular values above ``t``.
    """
    if not _is_numpy(M):
        _check_finite_any(M, "svt")
        return _ref.svt(M, t)
    t = _check_threshold(t)
    M = _as_kernel_array(M, "M", ndim=2)
    if not np.all(np.isfinite(M)):
        raise ValueError("svt got non-finite values (NaN or inf).")
    out, rank = _k.svt_kernel(M, t)
    return (out, int(rank)) if return_rank else out
