"""An additive zero for the noise slot of robust PCA without noise (μ = ∞)."""

from __future__ import annotations

__all__ = ["ZERO"]


class _AdditiveZero:
    """The zero matrix of any shape: ``x - ZERO`` and ``x + ZERO`` return ``x`` itself.

    :func:`sparseopt.stages.rpca_stage` subtracts the noise ``N`` twice per stage; with
    μ = ∞ the classical solver stores this object as ``N`` so that those subtractions cost
    nothing (NumPy defers to it because ``__array_ufunc__`` is ``None``). Results that take
    ownership (``x - ZERO`` is ``x``, not a copy) are never written in place by the solver.
    """

    __array_ufunc__ = None
    __slots__ = ()

    def __add__(self, other):
        return other

    __radd__ = __add__

    def __rsub__(self, other):
        return other

    def __sub__(self, other):
        return -other

    def __mul__(self, other):
        return self

    __rmul__ = __mul__

    def __neg__(self):
        return self

    def __bool__(self):
        return False

    def __repr__(self) -> str:
        return "ZERO"

    def __reduce__(self):
        return "ZERO"


ZERO = _AdditiveZero()
