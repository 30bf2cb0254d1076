"""Reference proximal operators, written once against the Array API.

These are the definitions, in the plainest vectorised form. They run on any
array library that ``array_api_compat`` understands (NumPy, PyTorch, CuPy, ...),
so the deep package uses exactly these functions on torch tensors, where autograd
differentiates them. The Numba kernels in :mod:`sparseopt.prox._kernels` are the
fast path for NumPy input and are tested against these.

Only the Stiefel projection and SVT need linear algebra beyond elementwise
arithmetic; they go through ``xp.linalg``.
"""

from __future__ import annotations

import math

from array_api_compat import array_namespace

__all__ = [
    "hard_threshold",
    "row_hard_threshold",
    "row_l0_threshold",
    "row_lp_threshold",
    "row_norms",
    "row_soft_threshold",
    "soft_threshold",
    "sparse_group_threshold",
    "stiefel_projection",
    "svt",
]


def row_norms(V):
    """Euclidean norm of every row of a 2-D array, shape ``(n_rows, 1)``."""
    xp = array_namespace(V)
    return xp.linalg.vector_norm(V, axis=1, keepdims=True)


def soft_threshold(V, t):
    """sign(v) · max(|v| − t, 0), elementwise: prox of t‖·‖₁."""
    xp = array_namespace(V)
    return xp.sign(V) * xp.clip(xp.abs(V) - t, min=0)


def row_soft_threshold(V, t):
    """vⁱ · max(1 − t/‖vⁱ‖, 0) for every row: prox of t‖·‖₂,₁ (zero rows stay zero)."""
    xp = array_namespace(V)
    n = row_norms(V)
    # relu(n - t) / n written so that a zero row gives 0 (not 0/0) and gradients stay finite.
    tiny = xp.finfo(V.dtype).tiny
    scale = xp.clip(n - t, min=0) / xp.clip(n, min=tiny)
    return V * scale


def sparse_group_threshold(V, lam, mu):
    """Prox of λ‖·‖₂,₁ + μ‖·‖₁: the exact composition row-soft(soft(V, μ), λ)."""
    return row_soft_threshold(soft_threshold(V, mu), lam)


def hard_threshold(V, t):
    """Prox of t‖·‖₀: keep entries with |v| > √(2t), zero the rest."""
    xp = array_namespace(V)
    return xp.where(xp.abs(V) <= math.sqrt(2.0 * float(t)), xp.zeros_like(V), V)


def row_l0_threshold(V, t):
    """Prox of t‖·‖₂,₀ (t times the number of non-zero rows): keep rows with ‖vⁱ‖ > √(2t)."""
    xp = array_namespace(V)
    drop = row_norms(V) <= math.sqrt(2.0 * float(t))
    return xp.where(drop, xp.zeros_like(V), V)


def row_hard_threshold(V, s):
    """Projection onto {‖·‖₂,₀ ≤ s}: keep the ``s`` rows of largest norm.

    Ties are broken towards the lower row index (a stable sort), so the result
    is deterministic.
    """
    xp = array_namespace(V)
    n_rows = V.shape[0]
    s = int(s)
    if s >= n_rows:
        return V
    n = xp.reshape(row_norms(V), (n_rows,))
    order = xp.argsort(-n, stable=True)
    # The argsort of a permutation is its inverse: position of every row in the order.
    position = xp.argsort(order, stable=True)
    keep = position < s
    return xp.where(xp.reshape(keep, (n_rows, 1)), V, xp.zeros_like(V))


def lp_threshold_scalar(a, t, p):
    """Prox of t·r^p (0 < p < 1) on r ≥ 0 at the point a ≥ 0 (scalar, plain Python).

    The minimiser of ½(r − a)² + t r^p is 0 below the threshold
    τ = (2t(1 − p))^{1/(2−p)} + t p (2t(1 − p))^{(p−1)/(2−p)}  (Zuo et al., ICCV 2013)
    and otherwise the largest root of r − a + t p r^{p−1} = 0, found by Newton's
    method from r = a (the function is concave-increasing there, so Newton is monotone).
    At a = τ both 0 and the root are minimisers; we return 0.
    """
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
        step = g / dg
        r_new = r - step
        if r_new < r_tau:  # stay on the branch that holds the minimiser
            r_new = 0.5 * (r + r_tau)
        if abs(r_new - r) <= 1e-15 * max(1.0, r):
            r = r_new
            break
        r = r_new
    return r


def row_lp_threshold(V, t, p):
    """Prox of t Σᵢ ‖vⁱ‖^p (0 < p < 1): shrink each row's norm by the scalar ℓₚ prox.

    The row keeps its direction; its norm a becomes ``lp_threshold_scalar(a, t, p)``.
    This reference works row by row in Python and is meant for checking, not speed.
    """
    xp = array_namespace(V)
    n = row_norms(V)
    n_flat = xp.reshape(n, (-1,))
    n_flat = n_flat.detach() if hasattr(n_flat, "detach") else n_flat  # values only: a scalar loop
    n_list = [float(v) for v in n_flat]
    new = [lp_threshold_scalar(a, float(t), float(p)) for a in n_list]
    new_n = xp.reshape(xp.asarray(new, dtype=V.dtype), (-1, 1))
    tiny = xp.finfo(V.dtype).tiny
    return V * (new_n / xp.clip(n, min=tiny))


def stiefel_projection(V):
    """Nearest matrix with orthonormal columns: the polar factor U Vᵀ of V's thin SVD.

    argmin ‖W − V‖_F subject to WᵀW = I (V is d × p with p ≤ d). Unique when V
    has full column rank.
    """
    if _is_torch(V):
        # One differentiable projection for torch, with a backward that stays finite where
        # singular values (nearly) coincide (differentiating the SVD does not); it lives in
        # the torch package, imported only when a torch tensor arrives here.
        from sparseopt_deep.linalg import stiefel_projection as torch_stiefel_projection

        return torch_stiefel_projection(V)
    xp = array_namespace(V)
    U, _, Vt = xp.linalg.svd(V, full_matrices=False)
    return U @ Vt


def _is_torch(V) -> bool:
    return type(V).__module__.startswith("torch")


def svt(M, t):
    """Singular value thresholding U · diag(max(s − t, 0)) · Vᵀ: prox of t‖·‖_*."""
    xp = array_namespace(M)
    U, s, Vt = xp.linalg.svd(M, full_matrices=False)
    s = xp.clip(s - t, min=0)
    return (U * s) @ Vt
