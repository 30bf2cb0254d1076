r"""One ADMM iteration of structured sparse PCA, written once for NumPy and torch.

Model (Xiu et al.), with :math:`C = A A^\top` the (scaled) covariance:

.. math::

    \min_{W \in \mathbb{R}^{d\times k}} \; -\tfrac12 \operatorname{tr}(W^\top C W)
    + \sum_j g_j(W) \quad \text{s.t.} \quad W^\top W = I_k ,

where each :math:`g_j` is a penalty with a cheap proximal map (ℓ₂,₁ rows, ℓ₁
entries, ℓ₂,ₚ or ℓ₂,₀ rows). Splitting :math:`W = Y_j` with multipliers
:math:`\Lambda_j` and penalties :math:`\alpha_j` gives the augmented Lagrangian

.. math::

    \mathcal{L} = -\tfrac12 \operatorname{tr}(W^\top C W) + \sum_j \Big[ g_j(Y_j)
    + \langle \Lambda_j, W - Y_j \rangle + \tfrac{\alpha_j}{2}\|W - Y_j\|_F^2 \Big],

and one iteration (the talk's W-, Y-, Z- and multiplier updates, for any number
of penalty blocks) is

1. :math:`W \leftarrow \mathcal{P}\big(W - \eta\,[-G + \sum_j \Lambda_j + \alpha_j (W - Y_j)]\big)`,
   with :math:`G = CW` at the linearisation point and :math:`\mathcal{P}` the
   projection onto the Stiefel manifold (the polar factor);
2. :math:`Y_j \leftarrow \operatorname{prox}_{g_j/\alpha_j}(W + \Lambda_j/\alpha_j)`;
3. :math:`\Lambda_j \leftarrow \Lambda_j + \alpha_j (W - Y_j)`.

The gradient sign matters: under :math:`W^\top W = I` the data term
:math:`\tfrac12\|A - WW^\top A\|_F^2 = \tfrac12\operatorname{tr} C - \tfrac12\operatorname{tr}(W^\top C W)`,
whose gradient is :math:`-CW` (the authors' demo uses :math:`+CW`, which
maximises the reconstruction error).

**One code path.** :func:`sspca_admm_stage` uses only ``+ - * /`` and the
operators it is given, so the classical solver
(:func:`sparseopt.decomposition.structured_sparse_pca`) runs it with NumPy
arrays and Numba proximal maps, and the deep package (``sparseopt_deep``) runs
the very same function with torch tensors, learnable per-stage scalars and a
learned projection. Nothing else in the library implements this iteration.

The operators:

``project(V) -> W``
    Maps the W-step point to a matrix with orthonormal columns (classically
    :func:`sparseopt.prox.stiefel_projection`).
``proxes[j](V, t) -> Y_j``
    The proximal map of :math:`t\,g_j/\text{weight}_j`, i.e. of the *unit-weight*
    penalty scaled by the threshold ``t = weights[j] / alphas[j]`` (e.g.
    :func:`sparseopt.prox.row_soft_threshold` for ℓ₂,₁).

The gradient matrix ``G`` is an input rather than computed inside, because
*when* the data term is re-linearised is the caller's choice: the unfolded
network computes :math:`G = CW` at every stage (the talk's algorithm); the
classical solver refreshes it every few iterations (see its ``n_inner``), which
turns the iteration into an inexact majorise–minimise scheme with the same
fixed points and far fewer products with :math:`C`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from array_api_compat import array_namespace

__all__ = [
    "SSPCAOperators",
    "SSPCAParams",
    "SSPCAState",
    "initial_state",
    "sspca_admm_stage",
    "sspca_objective",
]


class SSPCAState(NamedTuple):
    """Iterates of the ADMM: ``W`` (d × p) and, per penalty block, ``Y[j]`` and ``Lam[j]``."""

    W: Any
    Y: tuple
    Lam: tuple


class SSPCAParams(NamedTuple):
    """Scalars of one iteration: step ``eta``; per block penalty ``alphas[j]`` and weight ``weights[j]``.

    Entries may be Python floats or 0-d tensors (learned, per stage, in SPCA-Net).
    """

    eta: Any
    alphas: Sequence
    weights: Sequence


class SSPCAOperators(NamedTuple):
    """Pluggable operators: the W-step ``project`` and one ``prox`` per penalty block."""

    project: Callable
    proxes: Sequence[Callable]


def sspca_admm_stage(state: SSPCAState, G, params: SSPCAParams, ops: SSPCAOperators) -> SSPCAState:
    """One linearised-ADMM iteration of structured sparse PCA (see the module docstring).

    Parameters
    ----------
    state : SSPCAState
        Current ``W`` (orthonormal columns) and the per-block ``Y`` and ``Lam``.
    G : array, shape (d, p)
        :math:`CW` at the linearisation point (the negative gradient of the data term).
    params : SSPCAParams
        ``eta`` (W-step size), ``alphas`` and ``weights`` (one per block).
        ``eta = 1 / sum(alphas)`` makes the W-step the exact minimiser of the
        linearised augmented Lagrangian over the Stiefel manifold.
    ops : SSPCAOperators
        ``project`` and ``proxes`` (one per block).

    Returns
    -------
    SSPCAState
        The next iterate. Inputs are not modified.
    """
    W, Ys, Lams = state
    alphas, weights = params.alphas, params.weights
    # Gradient of the augmented Lagrangian in W at the current point (data term linearised).
    grad = -G
    for Y, Lam, a in zip(Ys, Lams, alphas):
        grad = grad + Lam + a * (W - Y)
    W = ops.project(W - params.eta * grad)
    new_Y = tuple(
        prox(W + Lam / a, w / a) for prox, Lam, a, w in zip(ops.proxes, Lams, alphas, weights)
    )
    new_Lam = tuple(Lam + a * (W - Y) for Lam, a, Y in zip(Lams, alphas, new_Y))
    return SSPCAState(W, new_Y, new_Lam)


def initial_state(W0, n_blocks: int) -> SSPCAState:
    """The ADMM's start from ``W0`` (orthonormal columns): ``Y_j = W0``, ``Λ_j = 0`` for every block.

    Array-API generic, so the solver (NumPy) and SPCA-Net (torch) start the same way.
    """
    xp = array_namespace(W0)
    return SSPCAState(
        W0,
        tuple(xp.asarray(W0, copy=True) for _ in range(n_blocks)),
        tuple(xp.zeros_like(W0) for _ in range(n_blocks)),
    )


def sspca_objective(W, G, trace, penalties):
    r"""The objective :math:`\tfrac12(\operatorname{tr}C - \langle W, CW\rangle) + \sum_j g_j(W)`.

    For orthonormal ``W`` with ``G = CW``; ``penalties`` are
    :class:`sparseopt.penalties.Penalty` objects (their ``value`` includes the
    weight). Array-API generic: a float for NumPy input, a 0-d tensor (with
    autograd) for torch, so it is both the solver's objective and SPCA-Net's
    training loss.
    """
    xp = array_namespace(W)
    val = 0.5 * (trace - xp.sum(W * G))
    if type(val).__module__.startswith("numpy"):
        val = float(val)
    for pen in penalties:
        val = val + pen.value(W)
    return val
