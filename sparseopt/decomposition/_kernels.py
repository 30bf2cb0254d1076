"""Numba kernels of the classical robust-PCA operators (fused elementwise passes).

Free functions, ``cache=True``; inputs are C-contiguous flat arrays of one float dtype
(the solver guarantees it). The residual is accumulated in float64.
"""

from __future__ import annotations

from numba import njit

# "reassoc" lets LLVM vectorise the residual's sum (about 3x faster); it may also re-associate
# B + T + N, a rounding-level change (the textbook-ALM test compares with a tolerance).
_JIT = {"cache": True, "nogil": True, "fastmath": {"reassoc"}}


@njit(**_JIT)
def multiplier_step_kernel(D, Dw, B, T, N, inv_rho, out):
    """out = D + (Dw − B − T − N)·inv_rho; returns ‖D − B − T − N‖²_F (the ALM dual step)."""
    s = 0.0
    for i in range(D.size):
        bt = B[i] + T[i] + N[i]
        out[i] = D[i] + (Dw[i] - bt) * inv_rho
        e = D[i] - bt
        s += e * e
    return s


@njit(**_JIT)
def multiplier_step_no_noise_kernel(D, Dw, B, T, inv_rho, out):
    """``multiplier_step_kernel`` with N = 0."""
    s = 0.0
    for i in range(D.size):
        bt = B[i] + T[i]
        out[i] = D[i] + (Dw[i] - bt) * inv_rho
        e = D[i] - bt
        s += e * e
    return s
