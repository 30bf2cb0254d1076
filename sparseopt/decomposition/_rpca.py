r"""Robust PCA with a noise term, solved by the inexact augmented Lagrangian method.

.. math::

    \min_{B, T, N}\ \|B\|_* + \lambda\|T\|_1 + \mu\|N\|_F^2 \quad\text{s.t.}\quad D = B + T + N

:math:`\mu = \infty` forces :math:`N = 0` and gives principal component pursuit (classical robust
PCA, Candès, Li, Ma, Wright 2011). Every iteration is one call of
:func:`sparseopt.stages.rpca_stage` with the classical operators of :func:`alm_operators`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._threads import blas_threads, check_n_threads
from ..prox import soft_threshold
from ..stages.rpca import RPCAOperators, RPCAState, rpca_stage
from . import _kernels as _k
from ._svt import SVD_METHODS, SVTOperator
from ._zero import ZERO

__all__ = [
    "ZERO",
    "RPCAResult",
    "alm_multiplier_step",
    "alm_operators",
    "alm_residual",
    "leading_singular_values",
    "robust_pca",
]


class RPCAResult(NamedTuple):
    """Output of :func:`robust_pca` (unpacks as ``B, T, N, n_iter, history``).

    ``converged`` (also ``history["converged"]``) is ``False`` when the solver stopped at
    ``max_iter`` without reaching its tolerance (a :class:`~sklearn.exceptions.ConvergenceWarning`
    was issued and the last iterate returned).
    """

    B: np.ndarray
    T: np.ndarray
    N: np.ndarray
    n_iter: int
    history: dict

    @property
    def converged(self) -> bool:
        return bool(self.history.get("converged", False))


def leading_singular_values(A, k: int = 1, *, rtol: float = 1e-4, max_iter: int = 300):
    """The ``k`` largest singular values of a 2-D array, by block power iteration.

    Subspace iteration on the small Gram side with ``k + 2`` vectors and a Rayleigh–Ritz step
    (Golub & Van Loan, *Matrix Computations*, §8.2.4), started from a deterministic block (the
    all-ones vector and coordinate vectors, so it cannot start orthogonal to the leading
    singular vector of a non-negative matrix), stopped when the ``k``-th value changes by less
    than ``rtol`` relatively. Ritz values never exceed the true ones; when ``σ_k`` is close to
    the next values convergence is slow and the result may under-estimate by ~1e-3. Used for
    the ALM's initial penalty and dual scaling, where that is irrelevant; it costs a few
    products with ``A`` and ``Aᵀ`` instead of an SVD.
    """
    A = np.asarray(A)
    if A.shape[0] < A.shape[1]:
        A = A.T
    n = A.shape[1]
    k = int(min(k, n))
    if A.size == 0 or k == 0:
        return np.zeros(k)
    b = min(k + 2, n)
    Q = np.zeros((n, b))
    Q[:, 0] = 1.0
    for j in range(1, b):
        Q[(j * 7919) % n, j] = 1.0  # spread coordinate vectors
    Q, _ = np.linalg.qr(Q)
    Q = Q.astype(A.dtype)
    old = np.inf
    s = np.zeros(b)
    for _ in range(max_iter):
        Z = A.T @ (A @ Q)
        Q, _ = np.linalg.qr(Z)
        H = Q.T @ (A.T @ (A @ Q))  # Rayleigh quotient of the Gram matrix
        w, V = np.linalg.eigh((H + H.T).astype(np.float64) / 2)
        w, V = w[::-1], V[:, ::-1]
        Q = Q @ V.astype(Q.dtype)
        s = np.sqrt(np.maximum(w, 0.0))
        if s[k - 1] == 0.0 or abs(s[k - 1] - old) <= rtol * s[k - 1]:
            break
        old = s[k - 1]
    return s[:k]


def alm_multiplier_step(D: np.ndarray, inv_rho: float):
    """Classical op_D: D̃ ← D + (D̃ − B − T − N)/ρ, one fused pass."""

    def op_D(B, T, N, Dw):
        out = np.empty_like(D)
        flat = (D.reshape(-1), Dw.reshape(-1), B.reshape(-1), T.reshape(-1))
        if N is ZERO:
            _k.multiplier_step_no_noise_kernel(*flat, inv_rho, out.reshape(-1))
        else:
            _k.multiplier_step_kernel(*flat, N.reshape(-1), inv_rho, out.reshape(-1))
        return out

    return op_D


def alm_residual(D: np.ndarray, before, after, rho: float) -> float:
    r""":math:`\|D - B - T - N\|_F` of the state ``after`` one ALM stage, from the working data.

    The multiplier step makes :math:`\tilde D_+ = D + (\tilde D - B - T - N)/\rho`, so the
    constraint violation is :math:`\rho(\tilde D_+ - D) - (\tilde D - D)`: one fused pass over
    three arrays (``before.D``, ``after.D`` and ``D``), accumulated in float64.
    """
    flat = (D.reshape(-1), before.D.reshape(-1), after.D.reshape(-1))
    return math.sqrt(_k.alm_residual_sq_kernel(*flat, float(rho)))


def alm_operators(alpha: float, alpha_next: float, lam: float, mu: float, D: np.ndarray, svt):
    r"""The classical ALM operators for the four slots of :func:`sparseopt.stages.rpca_stage`.

    Parameters
    ----------
    alpha, alpha_next : float
        Penalty of this iteration and of the next one (:math:`\rho = \alpha_{next}/\alpha`).
    lam, mu : float
        Weights of :math:`\|T\|_1` and :math:`\|N\|_F^2` (``mu=np.inf``: no noise).
    D : ndarray
        The data matrix.
    svt : callable ``svt(M, t)``
        Singular value thresholding, e.g. :class:`SVTOperator` or :func:`sparseopt.prox.svt`.

    Returns
    -------
    RPCAOperators
        ``background(x) = SVT(x, 1/α)``, ``target(x, T) = soft(x, λ/α)``,
        ``noise(x, N) = α/(α + 2μ)·x`` (:data:`ZERO` when μ = ∞), and
        ``data(B, T, N, D̃) = D + (D̃ − B − T − N)/ρ``. The solver measures the constraint
        violation with :func:`alm_residual`.
    """
    t_B = 1.0 / alpha
    t_T = lam / alpha

    def op_B(x):
        return svt(x, t_B)

    def op_T(x, T_prev):
        return soft_threshold(x, t_T)

    if math.isinf(mu):

        def op_N(x, N_prev):
            return ZERO

    else:
        c = alpha / (alpha + 2.0 * mu)

        def op_N(x, N_prev):
            return x * x.dtype.type(c)

    return RPCAOperators(op_B, op_T, op_N, alm_multiplier_step(D, alpha / alpha_next))


def _check_matrix(D) -> np.ndarray:
    D = np.asarray(D)
    if D.dtype == object or not (np.issubdtype(D.dtype, np.number) or D.dtype == np.bool_):
        raise TypeError(f"D must be a numeric array, got dtype {D.dtype}.")
    if np.iscomplexobj(D):
        raise TypeError("D must be real, got a complex array.")
    if D.ndim != 2:
        raise ValueError(f"D must be a 2-D matrix, got shape {D.shape}.")
    if D.size == 0:
        raise ValueError(f"D is empty (shape {D.shape}).")
    if not np.all(np.isfinite(D)):
        raise ValueError("D contains NaN or infinite values.")
    return D


def _positive(x, name: str, allow_inf: bool = False) -> float:
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}.")
    x = float(x)
    if math.isnan(x) or x <= 0 or (math.isinf(x) and not allow_inf):
        raise ValueError(
            f"{name} must be a positive {'' if allow_inf else 'finite '}number, got {x}."
        )
    return x


def robust_pca(
    D,
    lam: float | None = None,
    mu: float = np.inf,
    *,
    svd: str = "auto",
    dtype=None,
    tol: float = 1e-7,
    dual_tol: float | None = None,
    max_iter: int = 500,
    rho: float = 1.5,
    penalty: str = "increase",
    alpha0: float | str | None = None,
    alpha_max_ratio: float = 1e7,
    init: Any = None,
    random_state=0,
    callback=None,
    n_threads: int | None = None,
) -> RPCAResult:
    r"""Split a matrix into low-rank + sparse + small dense noise by the inexact ALM.

    Solves

    .. math::

        \min_{B, T, N}\ \|B\|_* + \lambda\|T\|_1 + \mu\|N\|_F^2
        \quad\text{s.t.}\quad D = B + T + N

    by the inexact augmented Lagrangian method with a growing penalty (Lin, Chen, Ma 2010):
    :math:`B \leftarrow \mathrm{SVT}_{1/\alpha}(D - T - N + Y/\alpha)`,
    :math:`T \leftarrow \mathrm{soft}_{\lambda/\alpha}(D - B - N + Y/\alpha)`,
    :math:`N \leftarrow \frac{\alpha}{\alpha + 2\mu}(D - B - T + Y/\alpha)`,
    :math:`Y \leftarrow Y + \alpha(D - B - T - N)`,
    :math:`\alpha \leftarrow \min(\rho\alpha, \alpha_{\max})`, each iteration being one call of
    :func:`sparseopt.stages.rpca_stage` on the working data :math:`\tilde D = D + Y/\alpha`.

    Parameters
    ----------
    D : array_like, shape (m, n)
        Data matrix (finite, real).
    lam : float, optional
        Weight of :math:`\|T\|_1`. Default :math:`1/\sqrt{\max(m, n)}`, the value for which
        principal component pursuit provably recovers a low-rank plus sparse matrix with no
        tuning (Candès, Li, Ma, Wright 2011). The IPI detector passes its own value
        (Gao's :math:`1/\sqrt{\max(H, W)}` of the image, see :class:`sparseopt.istd.RPCADetector`).
    mu : float, default ``np.inf``
        Weight of :math:`\|N\|_F^2`; ``np.inf`` (default) is exact robust PCA, :math:`N = 0`.
        A finite :math:`\mu` lets :math:`N` absorb dense Gaussian-like noise: at the optimum
        :math:`\|Y\|_\infty \le \lambda` and :math:`N = Y/(2\mu)`, so entries of :math:`N` stay
        below :math:`\lambda/(2\mu)`.
    svd : {"auto", "exact", "gram", "randomized", "partial"}, default "auto"
        How the singular value thresholding is computed (see :class:`SVTOperator`): ``"exact"``
        full LAPACK SVD; ``"gram"`` eigen-decomposition of the small Gram matrix (the fast path
        for patch images); ``"randomized"`` warm-started randomized SVD of a predicted rank;
        ``"partial"`` Lanczos partial SVD of a predicted rank; ``"auto"`` ``"gram"`` up to a small
        dimension of 2048, else randomized/exact by the predicted rank.
    dtype : {None, numpy.float32, numpy.float64}
        Working precision. ``None``: D's dtype if it is float32/float64, else float64. float32
        roughly halves the time of every matrix product; use it with ``tol >= 1e-5`` (the
        residual of a float32 iteration stalls near 1e-6).
    tol : float, default 1e-7
        Stop when :math:`\|D - B - T - N\|_F / \|D\|_F <` ``tol`` (Lin et al.'s criterion
        and default).
    dual_tol : float, optional
        Also require the relative dual residual
        :math:`\alpha(\|\Delta T + \Delta N\|_F + \|\Delta N\|_F)/\|D\|_F` (the violation of the
        optimality conditions of B and T by the last step) to fall below ``dual_tol``. Lin et
        al.'s rule checks feasibility only: with a penalty that grows geometrically the
        iterate becomes feasible before it is optimal (objective a few 1e-4 above the optimum
        on small problems). Set ``dual_tol`` (e.g. 1e-7) to solve the convex problem to
        optimality, as in the comparison with cvxpy; the detector does not need it.
    max_iter : int, default 500
        Iteration cap; a :class:`~sklearn.exceptions.ConvergenceWarning` is issued if reached.
    rho : float, default 1.5
        Growth factor of the penalty, :math:`\alpha_{k+1} = \rho\alpha_k` (Lin et al.'s default:
        larger converges in fewer iterations to a less accurate point).
    penalty : {"increase", "balance"}, default "increase"
        ``"increase"``: :math:`\alpha_{k+1} = \min(\rho\alpha_k, \alpha_{\max})` (Lin et al.;
        fast, feasible before optimal). ``"balance"``: residual balancing (Boyd et al. 2011,
        §3.4.1): multiply :math:`\alpha` by ``rho`` when the primal residual exceeds 10× the
        dual one, divide it when the dual exceeds 10× the primal, so both vanish, and keep it
        fixed after 50 changes (He, Yang & Wang 2000: an ADMM whose penalty settles
        converges): the iterates converge to the optimum (dual residual checked against
        ``dual_tol``, default ``tol``).
    alpha0 : float or "second", optional
        Initial penalty; default :math:`1.25/\sigma_1(D)` (Lin et al.), which makes the first
        threshold :math:`1/\alpha_0` comparable to the data's leading singular value.
        ``"second"``: :math:`1.25/\sigma_2(D)`. When one singular value dominates (the mean
        of a patch image), the iterations with :math:`1/\alpha > \sigma_2` only re-estimate
        that rank-one component; starting at :math:`\sigma_2` skips them.
    alpha_max_ratio : float, default 1e7
        Cap of the penalty relative to ``alpha0`` (Lin et al.).
    init : tuple ``(T0, N0)`` or RPCAResult, optional
        Warm start: initial target and noise (e.g. the previous frame's solution); the
        multiplier starts, as without it, at :math:`Y_0 = D/\max(\|D\|_2, \|D\|_\infty/\lambda)`.
    random_state : int, optional
        Seed of the randomized SVD paths.
    callback : callable ``callback(k, state, residual)``, optional
        Called after every iteration with the :class:`~sparseopt.stages.RPCAState`.
    n_threads : int, optional
        BLAS threads during the solve (``threadpoolctl``); ``None`` keeps the current setting.
        On a busy machine one thread avoids OpenBLAS's oversubscription slow-down, which is
        severe for the small matrix products of moderate problems.

    Returns
    -------
    RPCAResult
        ``(B, T, N, n_iter, history)`` in the working dtype; ``history`` holds per-iteration
        lists ``residual`` (relative), ``alpha``, ``rank``, ``svd`` (the method used) and,
        with ``dual_tol``, ``dual_residual``, and ``converged`` (also ``result.converged``):
        ``False`` when ``max_iter`` was reached first (the last iterate is returned, with a
        :class:`~sklearn.exceptions.ConvergenceWarning`).

    Raises
    ------
    FloatingPointError
        If the iteration produced NaN or infinite values (never returned silently).

    Notes
    -----
    The problem is positively homogeneous, so it is solved on :math:`D / 2^e` with
    :math:`\max|D/2^e| \in [1, 2)` (an exact rescaling; ``mu`` and a numeric ``alpha0`` are
    rescaled with it) and the result is scaled back: any finite float64 scale, from
    :math:`10^{-300}` to :math:`10^{300}`, gives the same relative solution. ``callback`` sees
    the iterates in the caller's units.

    References
    ----------
    E. J. Candès, X. Li, Y. Ma, J. Wright, "Robust principal component analysis?",
    J. ACM 58(3), 2011.
    Z. Lin, M. Chen, Y. Ma, "The augmented Lagrange multiplier method for exact recovery of
    corrupted low-rank matrices", arXiv:1009.5055, 2010.
    """
    n_threads = check_n_threads(n_threads)
    D = _check_matrix(D)
    if dtype is None:
        dtype = D.dtype if D.dtype in (np.float32, np.float64) else np.float64
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    if svd not in SVD_METHODS:
        raise ValueError(f"svd must be one of {SVD_METHODS}, got {svd!r}.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}.")
    tol = _positive(tol, "tol")
    if penalty not in ("increase", "balance"):
        raise ValueError(f"penalty must be 'increase' or 'balance', got {penalty!r}.")
    if penalty == "balance" and dual_tol is None:
        dual_tol = tol
    if dual_tol is not None:
        dual_tol = _positive(dual_tol, "dual_tol")
    rho = _positive(rho, "rho")
    if rho < 1:
        raise ValueError(f"rho must be >= 1, got {rho}.")
    mu = _positive(mu, "mu", allow_inf=True)
    alpha_max_ratio = _positive(alpha_max_ratio, "alpha_max_ratio")
    if alpha0 is not None and not isinstance(alpha0, str):
        alpha0 = _positive(alpha0, "alpha0")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}.")

    # Scale: the problem is positively homogeneous (D -> cD gives B, T, N -> cB, cT, cN with
    # mu -> mu/c and alpha -> alpha/c), so it is solved on D / 2**e with max|D / 2**e| in
    # [1, 2): exact in binary floating point, and no norm under- or overflows (D * 1e-165 and
    # D * 1e300 give the solution of D, scaled). The result is scaled back at the end.
    scale = _power_of_two_scale(D)
    if dtype == np.float32 and not _fits_float32(D, scale):
        raise ValueError(
            f"D's largest magnitude ({float(np.max(np.abs(D))):.3g}) is outside float32's range "
            "(1.2e-38 to 3.4e38): the result cannot be returned in float32; use "
            "dtype=np.float64."
        )
    if scale != 1.0:
        mu = mu * scale  # mu ‖sN'‖² = s (mu s) ‖N'‖²
        if alpha0 is not None and not isinstance(alpha0, str):
            alpha0 = alpha0 * scale
        if callback is not None:
            callback = _rescaled_callback(callback, scale)

    # Work on the tall orientation so every array is C-contiguous with m >= n.
    transpose = D.shape[0] < D.shape[1]
    Dw0 = D.T if transpose else D
    if scale != 1.0:
        Dw0 = np.ldexp(np.asarray(Dw0, dtype=np.float64), -int(math.log2(scale)))
    Dw0 = np.ascontiguousarray(Dw0, dtype=dtype)
    m = Dw0.shape[0]
    lam = 1.0 / math.sqrt(m) if lam is None else _positive(lam, "lam")

    with blas_threads(n_threads):  # threadpoolctl applies the limit on construction
        norm_fro = float(np.linalg.norm(Dw0))
        zeros = np.zeros_like(Dw0)
        if norm_fro == 0.0:
            z = np.zeros(D.shape, dtype=dtype)
            return RPCAResult(z, z.copy(), z.copy(), 0, {**_empty_history(), "converged": True})
        sv = leading_singular_values(Dw0, 2)
        norm_two = float(sv[0])
        if alpha0 is None:
            alpha = 1.25 / norm_two
        elif isinstance(alpha0, str):
            if alpha0 != "second":
                raise ValueError(
                    f"alpha0 must be a positive number, None or 'second', got {alpha0!r}."
                )
            alpha = 1.25 / float(sv[-1]) if sv[-1] > 0 else 1.25 / norm_two
        else:
            alpha = _positive(alpha0, "alpha0")
        alpha_max = alpha * alpha_max_ratio
        # Y0 = D / J(D) with J(D) = max(‖D‖₂, ‖D‖∞/λ): the dual-feasible start of Lin et al.
        J = max(norm_two, float(np.max(np.abs(Dw0))) / lam)
        Dtilde = Dw0 + Dw0 * dtype.type(1.0 / (J * alpha))

        T0, N0 = zeros, (ZERO if math.isinf(mu) else zeros)
        if init is not None:
            T0, N0 = _init_arrays(init, D.shape, transpose, dtype, mu, scale)
        state = RPCAState(None, T0, N0, Dtilde, alpha)

        svt = SVTOperator(svd, random_state=random_state)
        history = _empty_history()
        converged = False
        k = 0
        alpha_min = alpha / alpha_max_ratio
        balance = penalty == "balance"
        alpha_next = min(rho * alpha, alpha_max)
        best = (math.inf, state, 0)  # (residual, state, iteration) of the best iterate so far
        changes = 0  # penalty changes made by residual balancing
        for k in range(1, max_iter + 1):
            alpha = state.alpha
            if not balance:
                alpha_next = min(rho * alpha, alpha_max)
            # (balance: alpha_next was chosen from the previous iteration's residuals; the
            # multiplier step needs it now, D~ = D + Y/alpha_next.)
            ops = alm_operators(alpha, alpha_next, lam, mu, Dw0, svt)
            prev = state
            state = rpca_stage(state, ops, alpha_next=alpha_next)
            rel = alm_residual(Dw0, prev, state, alpha_next / alpha) / norm_fro
            history["residual"].append(rel)
            if rel < best[0]:
                best = (rel, state, k)
            if dual_tol is not None:
                dN = state.N - prev.N
                dual = alpha * (float(np.linalg.norm(state.T - prev.T + dN)) + _norm(dN)) / norm_fro
                history["dual_residual"].append(dual)
                if balance and changes < _MAX_PENALTY_CHANGES:
                    a = state.alpha
                    if rel > 10 * dual:
                        a = min(rho * a, alpha_max)
                    elif dual > 10 * rel:
                        a = max(a / rho, alpha_min)
                    changes += a != alpha_next
                    alpha_next = a
            history["alpha"].append(alpha)
            history["rank"].append(svt.rank_)
            history["svd"].append(svt.method_)
            if callback is not None:
                callback(k, state, rel)
            if rel < tol and (dual_tol is None or dual < dual_tol):
                converged = True
                break
    if not converged:
        # Not converged: hand back the iterate closest to feasibility (with the growing penalty
        # that is the last one; a stalled or oscillating run may have been better earlier).
        state = best[1]
        history["best_iter"] = best[2]
        warnings.warn(
            f"robust_pca did not reach tol={tol:g}"
            + ("" if dual_tol is None else f" and dual_tol={dual_tol:g}")
            + f" in {max_iter} iterations (last relative residual "
            f"{history['residual'][-1]:.2e}; returning iteration {best[2]}, residual "
            f"{best[0]:.2e}); raise max_iter"
            + (" or tol (float32 stalls near 1e-6)." if dtype == np.float32 else "."),
            ConvergenceWarning,
            stacklevel=2,
        )
    B, T, N = state.B, state.T, state.N
    if N is ZERO:
        N = np.zeros_like(Dw0)
    history["converged"] = converged
    if scale != 1.0:
        B, T, N = (np.ldexp(A, int(math.log2(scale))).astype(dtype, copy=False) for A in (B, T, N))
        history["alpha"] = [a / scale for a in history["alpha"]]
    for name, A in (("B", B), ("T", T), ("N", N)):
        if not np.all(np.isfinite(A)):  # no NaN reaches the caller without an error
            raise FloatingPointError(
                f"robust_pca diverged: {name} has NaN or infinite values after {k} iterations "
                f"(last relative residual {history['residual'][-1]:.2e})."
            )
    if transpose:
        B, T, N = B.T, T.T, N.T
    return RPCAResult(B, T, N, k, history)


def _power_of_two_scale(D) -> float:
    """``2**e`` with ``max|D| / 2**e`` in [1, 2) (1.0 for a zero matrix)."""
    big = float(np.max(np.abs(D)))
    if big == 0.0:
        return 1.0
    return math.ldexp(1.0, math.frexp(big)[1] - 1)


def _fits_float32(D, scale: float) -> bool:
    """Whether the solution (of the magnitude of D) is representable in float32."""
    big = float(np.max(np.abs(D)))
    return big == 0.0 or (
        float(np.finfo(np.float32).tiny) <= big <= float(np.finfo(np.float32).max) / 4
    )


def _rescaled_callback(callback, scale: float):
    """The user's callback, seeing the iterates in the units of the caller's D."""

    def call(k, state, residual):
        def up(x):
            return x if x is ZERO or x is None else x * x.dtype.type(scale)

        st = state._replace(
            B=up(state.B),
            T=up(state.T),
            N=up(state.N),
            D=up(state.D),
            alpha=None if state.alpha is None else state.alpha / scale,
        )
        return callback(k, st, residual)

    return call


#: Residual balancing stops adapting the penalty after this many changes: an ADMM whose penalty
#: keeps changing need not converge, one with a penalty fixed from some point on does
#: (He, Yang & Wang, J. Optim. Theory Appl. 106, 2000).
_MAX_PENALTY_CHANGES = 50


def _empty_history() -> dict:
    return {
        "residual": [],
        "dual_residual": [],
        "alpha": [],
        "rank": [],
        "svd": [],
        "converged": False,
    }


def _norm(x) -> float:
    return 0.0 if x is ZERO else float(np.linalg.norm(x))


def _init_arrays(init, shape, transpose, dtype, mu, scale=1.0):
    if isinstance(init, RPCAResult):
        T0, N0 = init.T, init.N
    else:
        try:
            T0, N0 = init
        except (TypeError, ValueError):
            raise TypeError("init must be a pair (T0, N0) or an RPCAResult.") from None
    out = []
    for name, a in (("T0", T0), ("N0", N0)):
        a = np.asarray(a)
        if a.shape != tuple(shape):
            raise ValueError(f"init {name} has shape {a.shape}, expected {tuple(shape)}.")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"init {name} contains NaN or infinite values.")
        a = a.T if transpose else a
        if scale != 1.0:
            a = np.ldexp(np.asarray(a, dtype=np.float64), -int(math.log2(scale)))
        out.append(np.ascontiguousarray(a, dtype=dtype))
    T0, N0 = out
    if math.isinf(mu):
        N0 = ZERO
    return T0, N0
