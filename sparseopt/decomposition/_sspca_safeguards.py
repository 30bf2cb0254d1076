r"""Structured sparse PCA, safeguards of the solver driver: residuals, the α rule, the homotopy start.

Everything here is a small function or class with one job that the driver
(:mod:`sparseopt.decomposition._sspca`) calls between ADMM stages:

* :func:`kkt_residual` — the scale-free stopping rule (stationarity + primal feasibility);
* :class:`CyclingGuard` — doubles α when the ADMM cycles (Wang, Yin, Zeng 2019);
* :func:`orthogonal_iteration` — the penalty-free start of the homotopy;
* :func:`subspace_change` — rms sine of the principal angles between iterates.
"""

from __future__ import annotations

import math

import numpy as np

from .. import prox

__all__ = ["CyclingGuard", "kkt_residual", "orthogonal_iteration", "subspace_change"]

#: Primal residual ‖W − Y‖/√k above which a stalled ADMM counts as cycling (α is then doubled).
CYCLE_LEVEL = 1e-3


def subspace_change(W, W_prev) -> float:
    """‖WWᵀ − W'W'ᵀ‖_F/√(2k) for orthonormal W, W' (rms sine of the principal angles)."""
    k = W.shape[1]
    M = W.T @ W_prev
    return math.sqrt(max(2.0 * k - 2.0 * float(np.sum(M * M)), 0.0) / (2.0 * k))


def stationarity(W, G, Lams) -> float:
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


def kkt_residual(state, G) -> tuple[float, float]:
    """(stationarity, primal residual max_j ‖W − Y_j‖_F/√k) of an ADMM state with ``G = CW``.

    Every multiplier left by a Y-step lies in its block's subdifferential at Y_j
    (prox optimality), so these two measure the whole KKT system.
    """
    W = state.W
    primal = max(float(np.linalg.norm(W - Y)) for Y in state.Y) / math.sqrt(W.shape[1])
    return stationarity(W, G, state.Lam), primal


class CyclingGuard:
    """α safeguard: double α when the ADMM cycles.

    Compares the best primal residual ‖W − Y‖/√k of each window of ``patience``
    outer iterations with the previous window's. If W has stopped approaching Y
    while the two still differ macroscopically (> :data:`CYCLE_LEVEL`), α is too
    small for this nonconvex problem: large enough α makes nonconvex ADMM
    converge (Wang, Yin, Zeng, J. Sci. Comput. 2019). Plateaus below that level
    are the slow phases of a converging run (the support settling), and a stall of
    the stationarity residual alone with W = Y would only get worse with a larger
    α (the iterates freeze): neither triggers it.
    """

    def __init__(self, patience: int):
        self.patience = patience
        self.previous_best, self.window_best, self.since = math.inf, math.inf, 0

    def __call__(self, primal: float) -> bool:
        """Record one outer iteration's primal residual; True when α should be doubled."""
        self.window_best = min(self.window_best, primal)
        self.since += 1
        if self.since < self.patience:
            return False
        cycling = self.window_best >= self.previous_best and self.window_best > CYCLE_LEVEL
        # A new α perturbs the iterates: the next window only sets a new baseline.
        self.previous_best = math.inf if cycling else self.window_best
        self.window_best, self.since = math.inf, 0
        return cycling


def orthogonal_iteration(problem, W, tol: float, max_iter: int):
    """Penalty-free start of the homotopy: W ← polar(CW) until W spans an invariant subspace.

    Stops when the PCA stationarity residual ‖CW − WWᵀCW‖_F / ‖CW‖_F is below ``tol``.
    Returns ``(W, number of products with C)``.
    """
    n_grad = 0
    while n_grad < max_iter:
        G = problem.grad(W)
        n_grad += 1
        if stationarity(W, G, ()) < tol:
            break
        W = prox.stiefel_projection(G)
    return W, n_grad
