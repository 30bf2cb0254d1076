r"""One stage of robust PCA with noise, written once for the classical solver and the deep networks.

Model (robust PCA with a dense noise term, as in the unfolded networks RPCANet and L-RPCANet):

.. math::

    \min_{B, T, N}\ \|B\|_* + \lambda\|T\|_1 + \mu\|N\|_F^2 \quad\text{s.t.}\quad D = B + T + N .

The inexact augmented Lagrangian method (ALM) with multiplier :math:`Y` and penalty :math:`\alpha`
iterates :math:`B \leftarrow \mathrm{SVT}_{1/\alpha}(D - T - N + Y/\alpha)`,
:math:`T \leftarrow \mathrm{soft}_{\lambda/\alpha}(D - B - N + Y/\alpha)`,
:math:`N \leftarrow \tfrac{\alpha}{\alpha + 2\mu}(D - B - T + Y/\alpha)`,
:math:`Y \leftarrow Y + \alpha(D - B - T - N)`, :math:`\alpha \leftarrow \rho\alpha`.
With the *working data* :math:`\tilde D = D + Y/\alpha` the same iteration reads

.. math::

    B &\leftarrow \mathrm{op}_B(\tilde D - T - N) \\
    T &\leftarrow \mathrm{op}_T(\tilde D - B - N,\ T) \\
    N &\leftarrow \mathrm{op}_N(\tilde D - B - T,\ N) \\
    \tilde D &\leftarrow \mathrm{op}_D(B, T, N, \tilde D)

with :math:`\mathrm{op}_B = \mathrm{SVT}(\cdot, 1/\alpha)`,
:math:`\mathrm{op}_T = \mathrm{soft}(\cdot, \lambda/\alpha)`,
:math:`\mathrm{op}_N = \tfrac{\alpha}{\alpha + 2\mu}(\cdot)` and the multiplier step
:math:`\mathrm{op}_D(B, T, N, \tilde D) = D + (\tilde D - B - T - N)/\rho`
(because :math:`Y = \alpha(\tilde D - D)`, the update :math:`Y \leftarrow Y + \alpha(D - B - T - N)`
followed by :math:`\alpha \leftarrow \rho\alpha` is exactly this; :math:`\rho = 1` once
:math:`\alpha` has reached its cap). The classical operators are built by
:func:`sparseopt.decomposition.alm_operators`.

The deep unfolded networks (:mod:`sparseopt_deep.rpcanet`) put learned modules in the same four slots: L-RPCANet uses
:math:`\mathrm{op}_B(x) = x + F(x)`, :math:`\mathrm{op}_T(x, T) = (x + T) - \varepsilon H(x + T)`,
:math:`\mathrm{op}_N(x, N) = (x + N) - \sigma G(x + N)` and :math:`\mathrm{op}_D = M(B + T + N)`.
The stage is therefore written with plain arithmetic (``+ - * /``) only, so it runs unchanged on
NumPy arrays, torch tensors (autograd included) or any array type the operators accept.

Reference: Z. Lin, M. Chen, Y. Ma, "The augmented Lagrange multiplier method for exact recovery of
corrupted low-rank matrices", arXiv:1009.5055, 2010.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["RPCAOperators", "RPCAState", "rpca_stage"]


class RPCAOperators(NamedTuple):
    """The four operator slots of :func:`rpca_stage`.

    Attributes
    ----------
    background : callable ``background(x) -> B``
        Applied to :math:`x = \\tilde D - T - N` (classical: singular value thresholding).
    target : callable ``target(x, T_prev) -> T``
        Applied to :math:`x = \\tilde D - B - N`, with the previous :math:`T` (classical: soft
        thresholding, which ignores ``T_prev``; L-RPCANet adds it to ``x``).
    noise : callable ``noise(x, N_prev) -> N``
        Applied to :math:`x = \\tilde D - B - T`, with the previous :math:`N`.
    data : callable ``data(B, T, N, D) -> D``
        Working-data update (the ALM multiplier step, or a learned reconstruction).
    """

    background: Any
    target: Any
    noise: Any
    data: Any


class RPCAState(NamedTuple):
    """State carried from one stage to the next.

    Attributes
    ----------
    B : array
        Low-rank background.
    T : array
        Sparse target.
    N : array or additive zero
        Noise. The classical solver with :math:`\\mu = \\infty` keeps
        :data:`sparseopt.decomposition.ZERO` here, an object for which ``x - ZERO`` is ``x``
        itself, so the zero noise costs no arithmetic.
    D : array
        Working data :math:`\\tilde D = D + Y/\\alpha` (the networks' "D_k").
    alpha : float or None
        ALM penalty the operators of this stage were built for; ``None`` where it means nothing
        (learned operators).
    """

    B: Any
    T: Any
    N: Any
    D: Any
    alpha: Any = None


def rpca_stage(state: RPCAState, ops: RPCAOperators, alpha_next=None) -> RPCAState:
    r"""One stage: update B, then T, then N, then the working data.

    Parameters
    ----------
    state : RPCAState
        ``(B, T, N, D, alpha)`` before the stage; ``B`` of the input state is not read (it is
        recomputed first), so it may be ``None`` in the very first state.
    ops : RPCAOperators
        The background, target, noise and working-data operators (see :class:`RPCAOperators`).
    alpha_next : float, optional
        Penalty stored in the returned state (the classical solver passes :math:`\rho\alpha`);
        defaults to the incoming ``state.alpha``.

    Returns
    -------
    RPCAState
        The state after the stage.
    """
    D = state.D
    B = ops.background(D - state.T - state.N)
    R = D - B  # shared by the T and N inputs: (D - B) - N is how Python evaluates D - B - N
    T = ops.target(R - state.N, state.T)
    N = ops.noise(R - T, state.N)
    D = ops.data(B, T, N, D)
    return RPCAState(B, T, N, D, state.alpha if alpha_next is None else alpha_next)
