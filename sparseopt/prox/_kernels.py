"""Numba kernels for the proximal operators (NumPy fast path).

Free functions, compiled once per dtype and cached on disk (``cache=True``).
Every kernel expects C-contiguous float32 or float64 input of one dtype; the
public wrappers in :mod:`sparseopt.prox` make sure of that. Kernels write into a
caller-supplied ``out`` so the solvers can reuse buffers across iterations.

The definitions these implement (and are tested against) are in
:mod:`sparseopt.prox._reference`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_JIT = {"cache": True, "nogil": True, "fastmath": False}


@njit(**_JIT)
def _row_norm(V, i):
    """‖V[i, :]‖₂ in one pass; rescaled by the row's largest entry (as BLAS nrm2) only when the
    plain sum of squares under- or overflows."""
    p = V.shape[1]
    s = 0.0
    for j in range(p):
        s += V[i, j] * V[i, j]
    if 1e-280 < s < 1e280:
        return np.sqrt(s)
    if s != s:
        return s  # a NaN entry: the norm is NaN (the rescaling below would skip it)
    if s == 0.0:
        # Either a zero row or entries so small that their squares underflow.
        zero = True
        for j in range(p):
            if V[i, j] != 0.0:
                zero = False
                break
        if zero:
            return 0.0
    m = 0.0
    for j in range(p):
        a = abs(V[i, j])
        if a > m:
            m = a
    if m == 0.0 or not np.isfinite(m):
        return m
    s = 0.0
    for j in range(p):
        x = V[i, j] / m  # division, not a reciprocal: 1/m overflows for subnormal m
        s += x * x
    return m * np.sqrt(s)


@njit(**_JIT)
def _shrink(nrm, t):
    """Row scale max(1 − t/‖v‖, 0); NaN for a NaN norm (NaN propagates, as on every path)."""
    if nrm > t:
        return 1.0 - t / nrm
    if nrm != nrm:
        return nrm
    return 0.0


@njit(**_JIT)
def soft_threshold_kernel(v, t, out):
    """out[i] = sign(v[i]) · max(|v[i]| − t, 0) on flat arrays (NaN stays NaN)."""
    for i in range(v.size):
        x = v[i]
        if x > t:
            out[i] = x - t
        elif x < -t:
            out[i] = x + t
        elif x != x:
            out[i] = x
        else:
            out[i] = 0.0
    return out


@njit(**_JIT)
def hard_threshold_kernel(v, thr, out):
    """out[i] = 0 if |v[i]| <= thr else v[i] on flat arrays (NaN stays NaN)."""
    for i in range(v.size):
        x = v[i]
        out[i] = 0.0 if abs(x) <= thr else x
    return out


@njit(**_JIT)
def row_norms_kernel(V, out):
    """out[i] = ‖V[i, :]‖₂ for a C-contiguous 2-D array."""
    for i in range(V.shape[0]):
        out[i] = _row_norm(V, i)
    return out


@njit(**_JIT)
def row_soft_threshold_kernel(V, t, out):
    """Row-wise group soft threshold: out[i] = V[i] · max(1 − t/‖V[i]‖, 0)."""
    n, p = V.shape
    for i in range(n):
        scale = _shrink(_row_norm(V, i), t)
        for j in range(p):
            out[i, j] = V[i, j] * scale
    return out


@njit(**_JIT)
def sparse_group_threshold_kernel(V, lam, mu, out):
    """row-soft(soft(V, μ), λ) in one pass over each row."""
    n, p = V.shape
    for i in range(n):
        for j in range(p):
            x = V[i, j]
            if x > mu:
                x = x - mu
            elif x < -mu:
                x = x + mu
            elif x == x:
                x = 0.0
            out[i, j] = x
        scale = _shrink(_row_norm(out, i), lam)
        for j in range(p):
            out[i, j] *= scale
    return out


@njit(**_JIT)
def row_l0_threshold_kernel(V, thr, out):
    """Zero the rows with ‖V[i]‖ <= thr, keep the others (a row with a NaN is kept, NaN and all)."""
    n, p = V.shape
    for i in range(n):
        keep = not (_row_norm(V, i) <= thr)
        for j in range(p):
            out[i, j] = V[i, j] if keep else 0.0
    return out


@njit(**_JIT)
def row_hard_threshold_kernel(V, s, out):
    """Keep the ``s`` rows of largest norm (stable: ties go to the lower index)."""
    n, p = V.shape
    norms = np.empty(n, dtype=V.dtype)
    row_norms_kernel(V, norms)
    order = np.argsort(-norms, kind="mergesort")
    keep = np.zeros(n, dtype=np.bool_)
    for k in range(min(s, n)):
        keep[order[k]] = True
    for i in range(n):
        for j in range(p):
            out[i, j] = V[i, j] if keep[i] else 0.0
    return out


@njit(**_JIT)
def lp_scalar(a, t, p):
    """Prox of t·r^p (0 < p < 1) at a ≥ 0; see ``_reference.lp_threshold_scalar``."""
    if t <= 0.0 or a != a:
        return a
    base = 2.0 * t * (1.0 - p)
    r_tau = base ** (1.0 / (2.0 - p))
    tau = r_tau + t * p * r_tau ** (p - 1.0)
    if a <= tau:
        return 0.0
    r = a
    for _ in range(100):
        g = r - a + t * p * r ** (p - 1.0)
        dg = 1.0 + t * p * (p - 1.0) * r ** (p - 2.0)
        r_new = r - g / dg
        if r_new < r_tau:
            r_new = 0.5 * (r + r_tau)
        if abs(r_new - r) <= 1e-15 * max(1.0, r):
            return r_new
        r = r_new
    return r


@njit(**_JIT)
def row_lp_threshold_kernel(V, t, p, out):
    """Rows keep their direction; each row norm a becomes prox_{t r^p}(a)."""
    n, m = V.shape
    for i in range(n):
        a = _row_norm(V, i)
        r = lp_scalar(a, t, p)
        scale = r / a if a > 0.0 else (a if a != a else 0.0)
        for j in range(m):
            out[i, j] = V[i, j] * scale
    return out


@njit(**_JIT)
def stiefel_projection_kernel(V):
    """Polar factor of a d × p matrix (p ≤ d).

    Fast path: W = V (VᵀV)^{-1/2} from the p × p Gram eigenproblem (2dp² flops
    instead of a d × p SVD). Squaring V squares its condition number, so when
    the Gram matrix is ill-conditioned (λ_min/λ_max < 1e-8, i.e. cond(V) > 1e4)
    the kernel falls back to the thin SVD, which is exact for any full-rank V.
    """
    G = V.T @ V
    evals, Q = np.linalg.eigh(G)
    if evals[0] > 1e-8 * evals[-1] and evals[0] > 0.0:
        Qs = Q / np.sqrt(evals)
        return V @ (Qs @ Q.T)
    U, _, Vt = np.linalg.svd(V, full_matrices=False)
    return U @ Vt


@njit(**_JIT)
def svt_kernel(M, t):
    """U · diag(max(s − t, 0)) · Vᵀ and the number of singular values kept."""
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    k = 0
    for i in range(s.size):
        if s[i] > t:
            k += 1
    if k == 0:
        return np.zeros_like(M), k
    # Scale the kept left singular vectors in M's dtype (t is a float64 scalar).
    Us = np.empty((U.shape[0], k), dtype=M.dtype)
    for i in range(U.shape[0]):
        for j in range(k):
            Us[i, j] = U[i, j] * (s[j] - t)
    return Us @ np.ascontiguousarray(Vt[:k, :]), k
