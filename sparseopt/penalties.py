r"""Sparsity penalties as small objects (in the style of skglm): a weight, a value, a proximal map.

A penalty is :math:`g(W) = \text{weight}\cdot h(W)` for a *unit* penalty :math:`h`.

``value(W)``
    :math:`g(W)`, on NumPy arrays and on any Array-API array (torch tensors that
    require grad included, through ``array_api_compat``): the solver's objective
    and SPCA-Net's training loss call the same method.
``prox(V, t)``
    The proximal map of :math:`t\,h` (unit weight, threshold ``t``): the ADMM
    Y-step calls it with ``t = weight/α`` (SPCA-Net with a learned ``t`` per
    stage). NumPy input runs through the Numba kernels of :mod:`sparseopt.prox`,
    other arrays through the reference implementations (differentiable by their
    library); ``reference=True`` forces the reference path on NumPy too.
``calibrate(kappa, scale)``
    A copy whose weight is the *relative* strength ``kappa`` turned into an
    absolute weight on the data's own scale (a :class:`PenaltyScale`, built by
    :class:`sparseopt.decomposition.SSPCAProblem`), so that ``kappa`` means the
    same thing whatever the data's scale and dimension.

Naming, once for the whole library: ``lam`` and ``mu`` are always *relative*
strengths (solver, selector, SPCA-Net training); ``weight`` is always the
*absolute* weight held by a penalty object. ``p`` is only ever the exponent of
the ℓ₂,ₚ penalty; the number of principal components is ``n_components`` (k in
formulas).

The calibration rules:

* ℓ₂,₁ (rows): weight = κ · ĝ, with ĝ the median row norm of the data-term
  gradient :math:`CV_k` at the principal subspace (over the rows that are not
  exactly zero). A row whose gradient norm is below the weight is pulled to
  zero, so κ = 1 zeroes roughly half the rows at the PCA point.
* ℓ₁ (entries): weight = κ · median |(CV_k)_{ij}| over the non-zero entries.
* ℓ₂,ₚ (rows, 0 < p < 1) and ℓ₂,₀: the weight whose penalty *of one row* equals
  the ℓ₂,₁ penalty's at the typical row norm r̄ = √(k/d) of an orthonormal
  d × k matrix: weight · r̄ᵖ = κ ĝ r̄, i.e. weight = κ ĝ r̄^{1−p} (p = 0 for ℓ₂,₀).
  One rule for the whole family, continuous in p.

References
----------
Li, Nie, Bian et al., "Sparse PCA via ℓ₂,ₚ-norm regularization for unsupervised
feature selection", IEEE TPAMI 2023 (ℓ₂,ₚ). Xiu et al., "Bi-sparse unsupervised
feature selection", IEEE TIP 2025 (ℓ₂,₀ and ℓ₂,ₚ rows with ℓ_q entries).
Bertrand, Klopfenstein, Massias et al., "Beyond L1: faster and better sparse
models with skglm", NeurIPS 2022 (penalties as objects with value and prox).
"""

from __future__ import annotations

import copy
import math
from typing import NamedTuple

from array_api_compat import array_namespace

from . import prox as _prox
from .prox import _reference

__all__ = ["L1", "L20", "L21", "L2p", "Penalty", "PenaltyScale", "make_penalty"]


class PenaltyScale(NamedTuple):
    """The data's own scales, from which relative strengths become absolute weights.

    ``g_row``: typical row norm of the data-term gradient at the principal
    subspace; ``g_entry``: typical |entry| of it; ``r_typ``: typical row norm
    √(k/d) of an orthonormal d × k matrix.
    """

    g_row: float
    g_entry: float
    r_typ: float


def _row_norms(W):
    xp = array_namespace(W)
    return xp.linalg.vector_norm(W, axis=1)


def _as_float(v):
    """A Python float for NumPy input; the 0-d array itself otherwise (keeps autograd)."""
    return float(v) if type(v).__module__.startswith("numpy") else v


class Penalty:
    """Base class: ``weight · h(W)`` with ``value``, ``prox`` and ``calibrate`` (module docstring).

    Subclasses set ``name`` (the string users pass as ``penalty=``), ``prox_name``
    (the function of :mod:`sparseopt.prox` that is the prox of ``t·h``) and
    implement ``unit_value``.
    """

    name = "penalty"
    prox_name = ""
    #: Whether the training loss of SPCA-Net can see this penalty (a piecewise-constant value cannot).
    differentiable = True

    def __init__(self, weight: float = 1.0):
        weight = float(weight)
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{type(self).__name__} weight must be finite and >= 0, got {weight}.")
        self.weight = weight

    # -- value ---------------------------------------------------------------------------
    def unit_value(self, W):
        """h(W) (weight 1)."""
        raise NotImplementedError

    def value(self, W):
        """weight · h(W): a float for NumPy input, a 0-d array (with autograd) otherwise."""
        return _as_float(self.weight * self.unit_value(W))

    # -- prox ----------------------------------------------------------------------------
    def _prox_args(self) -> tuple:
        return ()

    def prox(self, V, t, *, reference: bool = False):
        """Proximal map of ``t · h`` at ``V`` (unit weight: the Y-step passes ``t = weight/α``)."""
        module = _reference if reference else _prox
        return getattr(module, self.prox_name)(V, t, *self._prox_args())

    def prox_op(self, reference: bool = False):
        """``prox`` as a plain function ``(V, t) -> array``, for :class:`~sparseopt.stages.SSPCAOperators`."""
        return lambda V, t: self.prox(V, t, reference=reference)

    # -- calibration ---------------------------------------------------------------------
    def scale(self, s: PenaltyScale) -> float:
        """Absolute weight of relative strength 1 on data with scales ``s``."""
        raise NotImplementedError

    def calibrate(self, kappa: float, s: PenaltyScale) -> Penalty:
        """A copy with weight ``kappa × scale(s)``: relative strength → absolute weight."""
        kappa = float(kappa)
        if not math.isfinite(kappa) or kappa < 0:
            raise ValueError(f"A relative strength must be finite and >= 0, got {kappa}.")
        out = copy.copy(self)
        out.weight = kappa * self.scale(s) if kappa > 0 else 0.0
        return out

    def with_weight(self, weight: float) -> Penalty:
        out = copy.copy(self)
        Penalty.__init__(out, weight)
        return out

    def _extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self._extra_repr()
        return f"{type(self).__name__}(weight={self.weight:.6g}{', ' + extra if extra else ''})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class L21(Penalty):
    r""":math:`\text{weight}\cdot\|W\|_{2,1} = \text{weight}\sum_i \|w^i\|_2` (row sparsity, convex)."""

    name = "l21"
    prox_name = "row_soft_threshold"

    def unit_value(self, W):
        xp = array_namespace(W)
        return xp.sum(_row_norms(W))

    def scale(self, s):
        return s.g_row


class L1(Penalty):
    r""":math:`\text{weight}\cdot\|W\|_1 = \text{weight}\sum_{ij} |w_{ij}|` (entry sparsity, convex)."""

    name = "l1"
    prox_name = "soft_threshold"

    def unit_value(self, W):
        xp = array_namespace(W)
        return xp.sum(xp.abs(W))

    def scale(self, s):
        return s.g_entry


class L2p(Penalty):
    r""":math:`\text{weight}\cdot\sum_i \|w^i\|_2^p`, 0 < p < 1 (row sparsity, nonconvex).

    ``p`` is the exponent (not the number of components).
    """

    name = "l2p"
    prox_name = "row_lp_threshold"

    def __init__(self, weight: float = 1.0, p: float = 0.5):
        super().__init__(weight)
        if not 0.0 < float(p) < 1.0:
            raise ValueError(f"The l2p penalty needs an exponent 0 < p < 1, got p={p}.")
        self.p = float(p)

    def unit_value(self, W):
        xp = array_namespace(W)
        return xp.sum(_row_norms(W) ** self.p)

    def _prox_args(self):
        return (self.p,)

    def scale(self, s):
        return s.g_row * s.r_typ ** (1.0 - self.p)

    def _extra_repr(self):
        return f"p={self.p}"


class L20(Penalty):
    r""":math:`\text{weight}\cdot\|W\|_{2,0}` = weight × number of non-zero rows (row sparsity, nonconvex).

    Its value is piecewise constant, so a training loss cannot see it
    (``differentiable = False``): SPCA-Net refuses it.
    """

    name = "l20"
    prox_name = "row_l0_threshold"
    differentiable = False

    def unit_value(self, W):
        xp = array_namespace(W)
        return xp.sum(xp.astype(_row_norms(W) > 0, W.dtype))

    def scale(self, s):
        return s.g_row * s.r_typ


ROW_PENALTIES = {"l21": L21, "l2p": L2p, "l20": L20}


def make_penalty(name: str, weight: float = 1.0, *, p: float = 0.5) -> Penalty:
    """Row penalty by name: ``"l21"``, ``"l2p"`` (with exponent ``p``) or ``"l20"``."""
    if name == "l2p":
        return L2p(weight, p=p)
    if name in ROW_PENALTIES:
        return ROW_PENALTIES[name](weight)
    raise ValueError(f"Unknown penalty {name!r}; use 'l21', 'l2p' or 'l20'.")
