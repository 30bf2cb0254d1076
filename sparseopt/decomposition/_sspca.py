r"""Structured sparse PCA by ADMM: the classical solver.

Solves (METHODS §2; Xiu et al.)

.. math::

    \min_{W \in \mathbb{R}^{d\times p}} \tfrac{1}{2s_1}\|A - WW^\top A\|_F^2
    + \lambda\, h(W) + \mu \|W\|_1 \quad \text{s.t.} \quad W^\top W = I_p,

with :math:`A = X_c^\top` the centred data (features × samples),
:math:`s_1 = \|A\|_2^2` (so the data term, and hence λ and μ, are scale-free) and
:math:`h` a row penalty: ℓ₂,₁ (default), ℓ₂,ₚ (0 < p < 1) or ℓ₂,₀. The iteration
is :func:`sparseopt.stages.sspca_admm_stage`, run with NumPy arrays and Numba
proximal maps.

Why it converges here when a plain version does not
----------------------------------------------------
A plain linearised ADMM (METHODS §2: α = β = 10 ‖C‖, one product with C per
iteration) is still moving after thousands of iterations: the W-step
``polar(CW + αY − Λ)`` is a *shifted* orthogonal iteration whose contraction
(s_{p+1} + α)/(s_p + α) is within 0.2 % of 1 when α ≫ s_p. Three changes make
the solver converge in tens of products with C:

1. **Majorise–minimise outer loop.** Under WᵀW = I the data term is concave in
   W, so its linearisation at W_t majorises it. The solver fixes G = CW_t for
   ``n_inner`` ADMM iterations (cheap: no product with C) and then re-linearises.
   The outer loop contracts like *unshifted* orthogonal iteration (s_{p+1}/s_p);
   the fixed points are those of the plain ADMM (first-order stationary points).
2. **Exact W-step.** η = 1/Σα makes the W-step the exact minimiser of the
   linearised augmented Lagrangian over the Stiefel manifold (a polar factor).
3. **Penalty on the data's own scale.** α defaults to the mean of the top-p
   eigenvalues of C (the data term's mean curvature on the principal
   subspace) instead of a multiple of ‖C‖. If W stops approaching Y over a
   window of ``patience`` outer iterations while they still differ by more than
   0.1 % (ADMM cycling, which a too-small α can cause on a nonconvex problem) α is doubled: large enough α makes nonconvex
   ADMM converge (Wang, Yin, Zeng, J. Sci. Comput. 2019). Slow but steady
   progress never triggers it.

Stopping rule (scale-free, rotation-invariant): after each outer iteration,
stop when the KKT residual is below ``tol``: the Riemannian gradient of the
Lagrangian, ‖E − W sym(WᵀE)‖_F / ‖CW‖_F with E = −CW + Σ_j Λ_j, and every
primal residual ‖W − Y_j‖_F / √p. (Each Y-step leaves Λ_j in the
subdifferential of its penalty at Y_j, so these two measure the whole KKT
system.) A step-size rule ("W stopped moving") is *not* used: it is fooled by
slow progress and by a large α that freezes the iterates.

Independence from the start
---------------------------
The objective depends on W only through WWᵀ (every penalty here is invariant to
W → WQ for orthogonal Q), and at λ = μ = 0 its minimiser is the principal
subspace, unique when s_p > s_{p+1}. The solver follows that homotopy: a
``"random"`` start first runs the penalty-free iteration (orthogonal iteration)
to the principal subspace, then the penalised ADMM; ``"pca"`` starts there
directly. Both therefore reach the same stationary point (up to the rotation
W → WQ, which leaves every row norm unchanged). An explicit array start is used
as given (a warm start).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from .. import prox
from .._threads import blas_threads
from ..penalties import L1, make_penalty
from ..stages.sspca import SSPCAOperators, SSPCAParams, SSPCAState, sspca_admm_stage

__all__ = ["SSPCAResult", "default_n_components", "sspca_problem", "structured_sparse_pca"]

#: Explained-variance fraction behind ``n_components="auto"`` (Jolliffe's 70–90 % rule).
AUTO_VARIANCE = 0.8
#: Below this many features the dense eigensolver beats Lanczos.
LANCZOS_MIN_SIZE = 400
#: Primal residual ‖W − Y‖/√p above which a stalled ADMM counts as cycling (α is then doubled).
CYCLE_LEVEL = 1e-3
#: Bounds of ``n_components="auto"``.
AUTO_MIN_COMPONENTS, AUTO_MAX_COMPONENTS = 2, 50


@dataclass
class SSPCAProblem:
    """The scaled problem data shared by the classical solver and SPCA-Net.

    Attributes
    ----------
    grad : callable
        ``grad(W) = C W`` with ``C = XcᵀXc / s1`` (formed explicitly, or applied
        as ``Xcᵀ(Xc W)`` when d is large compared to n).
    C : ndarray or None
        The scaled covariance when formed explicitly.
    Xc : ndarray
        Centred data, n_samples × n_features.
    scale : float
        s1 = ‖Xc‖₂², the factor the data term is divided by.
    trace : float
        tr(C) (scaled), so the data term is ½(trace − ⟨W, CW⟩).
    V : ndarray, shape (d, p)
        Top-p principal directions.
    evals : ndarray, shape (p,)
        The matching eigenvalues of C (scaled, descending; evals[0] = 1).
    """

    grad: object
    C: np.ndarray | None
    Xc: np.ndarray
    mean: np.ndarray
    scale: float
    trace: float
    V: np.ndarray
    evals: np.ndarray

    @property
    def n_features(self) -> int:
        return self.V.shape[0]

    @property
    def n_components(self) -> int:
        return self.V.shape[1]

    def row_gradient_scale(self) -> tuple[float, float]:
        """(median row norm, median absolute entry) of CV_p = V_p diag(evals): the λ and μ scales."""
        G = self.V * self.evals
        return float(np.median(np.linalg.norm(G, axis=1))), float(np.median(np.abs(G)))

    def absolute_weight(self, penalty, kappa: float) -> float:
        """Absolute weight of ``penalty`` for the relative strength ``kappa`` (0 stays 0).

        The rule of :mod:`sparseopt.penalties` (``calibrate``), on this problem's gradient
        scales and typical row norm √(p/d); the classical solver and SPCA-Net both use it.
        """
        if kappa <= 0:
            return 0.0
        g_row, g_entry = self.row_gradient_scale()
        r_typ = math.sqrt(self.n_components / self.n_features)
        return penalty.calibrate(float(kappa), g_row, g_entry, r_typ)

    @property
    def default_alpha(self) -> float:
        """ADMM penalty α: the mean of the top-p eigenvalues of the scaled C."""
        return float(np.mean(self.evals))

    def data_term(self, W, G=None) -> float:
        """½‖A − WWᵀA‖²/s1 for orthonormal W (``G = CW`` if already computed)."""
        if G is None:
            G = self.grad(W)
        return 0.5 * (self.trace - float(np.vdot(W, G)))


def _validate_X(X) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
        raise TypeError(f"X must be numeric, got dtype {X.dtype}.")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if X.shape[0] < 2 or X.shape[1] < 2:
        raise ValueError(f"X needs at least 2 samples and 2 features, got shape {X.shape}.")
    X = np.asarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity.")
    return X


def default_n_components(X, variance: float = AUTO_VARIANCE) -> int:
    """Unsupervised default for p: the fewest components explaining ``variance`` of the total.

    Clipped to [2, 50] and to ``min(n_samples, n_features) - 1``. Needs no
    labels; on the shared image and speech sets it lands near the number of
    classes (COIL20 16, Isolet 32, UMIST 17 at 80 %).
    """
    X = _validate_X(X)
    Xc = X - X.mean(axis=0)
    s = scipy.linalg.svdvals(Xc) ** 2
    total = s.sum()
    cap = max(1, min(X.shape) - 1)
    if total <= 0:
        return min(AUTO_MIN_COMPONENTS, cap)
    p = int(np.searchsorted(np.cumsum(s) / total, variance) + 1)
    return int(min(max(p, AUTO_MIN_COMPONENTS), AUTO_MAX_COMPONENTS, cap))


def _top_eigenpairs(C, d: int, p: int):
    """Top-p eigenpairs (descending) of a symmetric PSD matrix or LinearOperator C."""
    if isinstance(C, np.ndarray) and (d <= LANCZOS_MIN_SIZE or p >= d // 4):
        evals, V = scipy.linalg.eigh(C, subset_by_index=[d - p, d - 1], driver="evr")
    else:
        # A fixed start vector keeps ARPACK's result reproducible run to run.
        v0 = np.ones(d) / math.sqrt(d)
        evals, V = scipy.sparse.linalg.eigsh(C, k=p, which="LA", v0=v0, tol=0.0)
        order = np.argsort(evals)
        evals, V = evals[order], V[:, order]
    return evals[::-1].copy(), np.ascontiguousarray(V[:, ::-1])


def sspca_problem(X, n_components: int) -> SSPCAProblem:
    """Centre and scale the data, choose how to apply C, and compute the top-p PCA.

    C = XcᵀXc is formed (d × d) when d ≤ 2n and d ≤ 4096; otherwise products
    are taken as Xcᵀ(Xc W), which costs 4ndp instead of 2d²p flops and never
    stores a d × d matrix. The top-p eigenpairs come from a dense eigensolver
    for small problems and from Lanczos (ARPACK, deterministic start) otherwise,
    which is 3× faster than LAPACK's subset solver at d = 1024, p = 20.
    """
    X = _validate_X(X)
    n, d = X.shape
    p = int(n_components)
    if not 1 <= p < min(n, d):
        raise ValueError(
            f"n_components must be in [1, {min(n, d) - 1}] (below min(n_samples, n_features)) "
            f"for X of shape {X.shape}, got {p} (with p = n_features every row of W has norm 1 "
            "and the scores carry no information)."
        )
    mean = X.mean(axis=0)
    Xc = np.ascontiguousarray(X - mean)
    if d <= 2 * n and d <= 4096:
        C = Xc.T @ Xc
        evals, V = _top_eigenpairs(C, d, p)
        s1 = float(evals[0])
        if s1 <= 0:
            raise ValueError("X has zero variance: every feature is constant.")
        C /= s1
        trace = float(np.trace(C))
        grad = C.__matmul__
    else:
        C = None
        if min(n, d) <= LANCZOS_MIN_SIZE:
            _, s, Vt = scipy.linalg.svd(Xc, full_matrices=False, lapack_driver="gesdd")
            evals, V = s[:p] ** 2, Vt[:p].T
        else:
            op = scipy.sparse.linalg.LinearOperator(
                (d, d), matvec=lambda v: Xc.T @ (Xc @ v), dtype=np.float64
            )
            evals, V = _top_eigenpairs(op, d, p)
        s1 = float(evals[0])
        if s1 <= 0:
            raise ValueError("X has zero variance: every feature is constant.")
        Xs = Xc / math.sqrt(s1)
        trace = float(np.sum(Xs * Xs))

        def grad(W, Xs=Xs):
            return Xs.T @ (Xs @ W)

    # Fix the sign of each direction (largest-|entry| positive) so results are reproducible.
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(p)])
    signs[signs == 0] = 1.0
    V = np.ascontiguousarray(V * signs)
    return SSPCAProblem(
        grad=grad, C=C, Xc=Xc, mean=mean, scale=s1, trace=trace, V=V, evals=evals / s1
    )


@dataclass
class SSPCAResult:
    """What :func:`structured_sparse_pca` returns.

    Attributes
    ----------
    components : ndarray, shape (n_features, n_components)
        W, orthonormal columns.
    Y : ndarray, shape (n_features, n_components)
        The row-penalty split variable at the end: exactly row-sparse, equal to W
        within ``tol`` at convergence.
    scores : ndarray, shape (n_features,)
        Feature scores ‖wⁱ‖₂, the row norms of W (the talk's ranking); rank descending.
    support : ndarray of bool, shape (n_features,)
        Rows of Y that are non-zero.
    n_iter : int
        ADMM iterations (stages) run.
    n_grad : int
        Products with C (outer iterations, including the penalty-free start).
    converged : bool
    history : dict of lists, one entry per outer iteration
        ``objective`` (at the start of each outer iteration and at the end),
        ``stationarity`` and ``primal_residual`` (the KKT residual),
        ``subspace_change`` (rms sine of the principal angles between
        successive W), ``alpha``, ``n_iter``.
    lam, mu, alpha : float
        Absolute λ, μ (in the scaled problem) and the final ADMM penalty α.
    state : SSPCAState or None
        The final ADMM iterate (W, Y per block, multipliers per block), e.g. to
        check optimality or to warm-start; None when no penalty is active.
    penalties : list of (Penalty, weight)
        The active penalty blocks, in the order of ``state.Y``.
    """

    components: np.ndarray
    Y: np.ndarray
    scores: np.ndarray
    support: np.ndarray
    n_iter: int
    n_grad: int
    converged: bool
    lam: float
    mu: float
    alpha: float
    history: dict = field(default_factory=dict)
    time: float = 0.0
    state: SSPCAState | None = None
    penalties: list = field(default_factory=list)

    @property
    def objective(self) -> float:
        return self.history["objective"][-1] if self.history.get("objective") else float("nan")


def _subspace_change(W, W_prev) -> float:
    """‖WWᵀ − W'W'ᵀ‖_F/√(2p) for orthonormal W, W' (rms sine of the principal angles)."""
    p = W.shape[1]
    M = W.T @ W_prev
    return math.sqrt(max(2.0 * p - 2.0 * float(np.sum(M * M)), 0.0) / (2.0 * p))


def _stationarity(W, G, Lams) -> float:
    """Relative Riemannian gradient of the Lagrangian: ‖E − W sym(WᵀE)‖_F / ‖G‖_F, E = −G + ΣΛ_j.

    Zero exactly at the ADMM's fixed points (first-order stationary points of the
    penalised problem on the Stiefel manifold); dividing by ‖CW‖_F makes it scale-free.
    """
    E = -G
    for Lam in Lams:
        E = E + Lam
    S = W.T @ E
    R = E - W @ (0.5 * (S + S.T))
    return float(np.linalg.norm(R)) / max(float(np.linalg.norm(G)), np.finfo(float).tiny)


def _orthogonal_iteration(problem: SSPCAProblem, W, tol: float, max_iter: int):
    """Penalty-free start of the homotopy: W ← polar(CW) until W spans an invariant subspace.

    Stops when the PCA stationarity residual ‖CW − WWᵀCW‖_F / ‖CW‖_F is below ``tol``.
    """
    n_grad = 0
    while n_grad < max_iter:
        G = problem.grad(W)
        n_grad += 1
        if _stationarity(W, G, ()) < tol:
            break
        W = prox.stiefel_projection(G)
    return W, n_grad


def structured_sparse_pca(
    X,
    n_components: int | str = "auto",
    *,
    lam: float = 0.25,
    mu: float = 0.0,
    penalty: str = "l21",
    p: float = 0.5,
    alpha: float | str = "auto",
    n_inner: int = 10,
    init: str | np.ndarray = "pca",
    max_iter: int = 20000,
    tol: float = 1e-5,
    patience: int = 30,
    random_state=None,
    n_threads: int | None = 1,
    backend: str = "numba",
    problem: SSPCAProblem | None = None,
    callback=None,
) -> SSPCAResult:
    r"""Structured sparse PCA by ADMM (row penalty + optional ℓ₁), with a convergence guarantee in practice.

    Minimises :math:`\tfrac{1}{2s_1}\|A - WW^\top A\|_F^2 + \lambda h(W) + \mu\|W\|_1`
    subject to :math:`W^\top W = I_p` (see the module docstring for the algorithm
    and why it converges).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    n_components : int or "auto"
        p. ``"auto"``: the fewest principal components explaining 80 % of the
        variance, clipped to [2, 50] (:func:`default_n_components`).
    lam : float, default 0.25
        Row-penalty strength *relative to the data*: the absolute weight is
        ``lam × median_i ‖(C V_p)ⁱ‖`` for ℓ₂,₁ (rescaled for ℓ₂,ₚ/ℓ₂,₀, see
        :mod:`sparseopt.penalties`), so ``lam`` is free of the data's scale and
        dimension. ``lam = 1`` would zero about half the rows at the PCA point;
        the default 0.25 keeps most of them and sharpens the ranking.
    mu : float, default 0.0
        Entrywise ℓ₁ strength, relative to ``median |(C V_p)_ij|``.
    penalty : {"l21", "l2p", "l20"}
        Row penalty h.
    p : float in (0, 1)
        Exponent of the ℓ₂,ₚ penalty.
    alpha : float or "auto"
        ADMM penalty (same for every block). ``"auto"``: the mean of the top-p
        eigenvalues of the scaled C.
    n_inner : int, default 10
        ADMM iterations per linearisation of the data term (1 = the talk's plain
        linearised ADMM, one product with C per iteration).
    init : {"pca", "random"} or ndarray of shape (n_features, n_components)
        Start. "random" (seeded by ``random_state``) first converges to the
        principal subspace without penalty, so it reaches the same answer as
        "pca"; an array is used as given (warm start).
    max_iter : int
        Cap on ADMM iterations. A :class:`~sklearn.exceptions.ConvergenceWarning`
        is raised when it is hit.
    tol : float
        Stopping tolerance on the (relative) KKT residual.
    patience : int
        Window (in outer iterations) of the α safeguard: α is doubled when the best
        primal residual ‖W − Y‖ of a window is no better than that of the previous
        window (the ADMM is cycling).
    random_state : int, RandomState or None
    n_threads : int or None, default 1
        BLAS threads inside the loop (None: leave as is). The products are small
        (d × p); one thread was faster on 2 cores (see ``benchmarks/sspca_speed.py``).
    backend : {"numba", "numpy"}, default "numba"
        Operators plugged into the iteration: the Numba kernels of
        :mod:`sparseopt.prox`, or the plain NumPy reference implementations
        (same iteration function; for checking and benchmarking).
    problem : SSPCAProblem, optional
        Precomputed :func:`sspca_problem` (reuse across calls on the same X).
    callback : callable, optional
        Called as ``callback(outer_iteration, W, info)`` after every outer
        iteration, with ``info`` holding ``residual`` (KKT), ``n_iter`` and
        ``objective`` (at W); return True to stop.

    Returns
    -------
    SSPCAResult

    References
    ----------
    X. Xiu et al., "Rethinking sparse optimization through deep learning" (talk, 2025);
    L. Chen, X. Xiu, "Tuning-free structured sparse PCA via deep unfolding networks", CCC 2025.
    S. Boyd et al., "Distributed optimization and statistical learning via ADMM", 2011.
    """
    t0 = time.perf_counter()
    _check_params(lam, mu, n_inner, max_iter, tol, patience, alpha)
    module = _backend_module(backend)
    if problem is None:
        if isinstance(n_components, str):
            if n_components != "auto":
                raise ValueError(f"n_components must be an int or 'auto', got {n_components!r}.")
            n_components = default_n_components(X)
        problem = sspca_problem(X, n_components)
    d, pc = problem.V.shape
    rng = check_random_state(random_state)

    row_pen = make_penalty(penalty, p)
    blocks = []  # (penalty, absolute weight)
    lam_abs = problem.absolute_weight(row_pen, lam)
    mu_abs = problem.absolute_weight(L1(), mu)
    if lam_abs > 0:
        blocks.append((row_pen, lam_abs))
    if mu_abs > 0:
        blocks.append((L1(), mu_abs))
    alpha0 = problem.default_alpha if isinstance(alpha, str) else float(alpha)

    with blas_threads(n_threads):
        # Start.
        n_grad = 0
        if isinstance(init, str) and init == "pca":
            W = problem.V.copy()
        elif isinstance(init, str) and init == "random":
            W = prox.stiefel_projection(rng.standard_normal((d, pc)))
            W, n_grad = _orthogonal_iteration(problem, W, tol * 1e-2, max_iter)
        elif isinstance(init, str):
            raise ValueError(f"init must be 'pca', 'random' or an array, got {init!r}.")
        else:
            W = np.asarray(init, dtype=np.float64)
            if W.shape != (d, pc):
                raise ValueError(f"init array must have shape {(d, pc)}, got {W.shape}.")
            W = prox.stiefel_projection(W)

        history = {
            k: []
            for k in (
                "objective",
                "stationarity",
                "primal_residual",
                "subspace_change",
                "alpha",
                "n_iter",
            )
        }
        if not blocks:
            # λ = μ = 0: the problem is PCA; the penalty-free iteration solves it.
            if not (isinstance(init, str) and init == "pca"):
                W, k = _orthogonal_iteration(problem, W, tol, max_iter)
                n_grad += k
            G = problem.grad(W)
            history["objective"].append(problem.data_term(W, G))
            scores = prox.row_norms(W)
            return SSPCAResult(
                components=W,
                Y=W.copy(),
                scores=scores,
                support=scores > 0,
                n_iter=0,
                n_grad=n_grad + 1,
                converged=True,
                lam=0.0,
                mu=0.0,
                alpha=alpha0,
                history=history,
                time=time.perf_counter() - t0,
            )

        ops = SSPCAOperators(
            project=module.stiefel_projection, proxes=[pen.prox_op(module) for pen, _ in blocks]
        )
        weights = [w for _, w in blocks]
        state = SSPCAState(
            W, tuple(W.copy() for _ in blocks), tuple(np.zeros_like(W) for _ in blocks)
        )
        alpha_cur = alpha0
        sqrt_p = math.sqrt(pc)
        n_iter, outer, converged = 0, 0, False
        previous_best, window_best, since_window = math.inf, math.inf, 0
        residual = math.inf
        while True:
            W = state.W
            G = problem.grad(W)
            n_grad += 1
            history["objective"].append(
                problem.data_term(W, G) + sum(w * pen.value(W) for pen, w in blocks)
            )
            if n_iter > 0:
                # Every multiplier left by a Y-step lies in its block's subdifferential at Y_j
                # (prox optimality), so the KKT residual is stationarity + primal feasibility.
                stat = _stationarity(W, G, state.Lam)
                primal = max(float(np.linalg.norm(W - Y)) for Y in state.Y) / sqrt_p
                residual = max(stat, primal)
                history["stationarity"].append(stat)
                history["primal_residual"].append(primal)
                history["alpha"].append(alpha_cur)
                history["n_iter"].append(n_iter)
                info = {
                    "residual": residual,
                    "n_iter": n_iter,
                    "objective": history["objective"][-1],
                }
                if callback is not None and callback(outer, W, info):
                    break
                if residual < tol:
                    converged = True
                    break
                # Safeguard: compare the best primal residual ‖W − Y‖/√p of each window of
                # `patience` outer iterations with the previous window's. If W has stopped
                # approaching Y while the two still differ macroscopically (> CYCLE_LEVEL), the
                # ADMM is cycling: α is too small for this nonconvex problem, so double it.
                # Plateaus below that level are the slow phases of a converging run (the
                # support settling), and a stall of the stationarity residual alone with W = Y
                # would only get worse with a larger α (the iterates freeze): neither triggers it.
                window_best = min(window_best, primal)
                since_window += 1
                if since_window >= patience:
                    if window_best >= previous_best and window_best > CYCLE_LEVEL:
                        alpha_cur *= 2.0
                        # A new α perturbs the iterates: the next window only sets a new baseline.
                        window_best = math.inf
                    previous_best, window_best, since_window = window_best, math.inf, 0
            if n_iter >= max_iter:
                break
            outer += 1
            params = SSPCAParams(
                eta=1.0 / (alpha_cur * len(blocks)),
                alphas=[alpha_cur] * len(blocks),
                weights=weights,
            )
            for _ in range(min(n_inner, max_iter - n_iter)):
                state = sspca_admm_stage(state, G, params, ops)
                n_iter += 1
            history["subspace_change"].append(_subspace_change(state.W, W))

    W = state.W
    if not converged:
        warnings.warn(
            f"structured_sparse_pca did not converge in {max_iter} iterations "
            f"(KKT residual {residual:.2e} > tol {tol:.0e}); increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    Y = state.Y[0]
    scores = prox.row_norms(W)
    return SSPCAResult(
        components=W,
        Y=Y,
        scores=scores,
        support=prox.row_norms(Y) > 0,
        n_iter=n_iter,
        n_grad=n_grad,
        converged=converged,
        lam=lam_abs,
        mu=mu_abs,
        alpha=alpha_cur,
        history=history,
        time=time.perf_counter() - t0,
        state=state,
        penalties=blocks,
    )


def _backend_module(backend: str):
    if backend == "numba":
        return prox
    if backend == "numpy":
        from ..prox import _reference

        return _reference
    raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}.")


def _check_params(lam, mu, n_inner, max_iter, tol, patience, alpha) -> None:
    for name, v in (("lam", lam), ("mu", mu)):
        if not isinstance(v, Real) or not math.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite non-negative number, got {v!r}.")
    for name, v in (("n_inner", n_inner), ("max_iter", max_iter), ("patience", patience)):
        if not isinstance(v, Integral) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}.")
    if not isinstance(tol, Real) or not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}.")
    if not (alpha == "auto" or (isinstance(alpha, Real) and alpha > 0)):
        raise ValueError(f"alpha must be 'auto' or a positive number, got {alpha!r}.")
