"""Numba kernels of the classical robust-PCA operators (fused elementwise passes).

Free functions, ``cache=True``; inputs are C-contiguous flat arrays of one float dtype
(the solver guarantees it). The residual is accumulated in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# "reassoc" lets LLVM vectorise the residual's sum (about 3x faster); it may also re-associate
# B + T + N, a rounding-level change (the textbook-ALM test compares with a tolerance).
_JIT = {"cache": True, "nogil": True, "fastmath": {"reassoc"}}


@njit(**_JIT)
def multiplier_step_kernel(D, Dw, B, T, N, inv_rho, out):
    """out = D + (Dw − B − T − N)·inv_rho (the ALM multiplier step on the working data)."""
    for i in range(D.size):
        out[i] = D[i] + (Dw[i] - (B[i] + T[i] + N[i])) * inv_rho


@njit(**_JIT)
def multiplier_step_no_noise_kernel(D, Dw, B, T, inv_rho, out):
    """``multiplier_step_kernel`` with N = 0."""
    for i in range(D.size):
        out[i] = D[i] + (Dw[i] - (B[i] + T[i])) * inv_rho


@njit(**_JIT)
def alm_residual_sq_kernel(D, Dw_old, Dw_new, rho):
    """‖D − B − T − N‖²_F from two successive working data, without B, T, N.

    The multiplier step gives ``Dw_new = D + (Dw_old − B − T − N)/ρ``, hence
    ``D − B − T − N = ρ(Dw_new − D) − (Dw_old − D)``; accumulated in float64.
    """
    s = 0.0
    for i in range(D.size):
        d = np.float64(D[i])
        e = rho * (np.float64(Dw_new[i]) - d) - (np.float64(Dw_old[i]) - d)
        s += e * e
    return s
