r"""Structured sparse PCA, problem setup: validate X once, centre it once, decompose it once.

:func:`sspca_problem` turns a data matrix into the :class:`SSPCAProblem` that the
classical solver (:func:`sparseopt.decomposition.structured_sparse_pca`) and
SPCA-Net (:func:`sparseopt_deep.train_spcanet`) both consume: the scaled
covariance (or a matrix-free product with it), its top-k eigenpairs, the
penalty calibration scales and the default ADMM penalty. ``n_components="auto"``
is resolved from the same eigen-decomposition, and degenerate inputs (more
components than the rank, a principal subspace that is not unique) are refused
or flagged here, once, for every caller.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from sklearn.utils import check_array

from ..penalties import Penalty, PenaltyScale
from ..stages.sspca import sspca_objective

__all__ = ["SSPCAProblem", "default_n_components", "sspca_problem"]

#: Explained-variance fraction behind ``n_components="auto"`` (Jolliffe's 70–90 % rule).
AUTO_VARIANCE = 0.8
#: Bounds of ``n_components="auto"`` (the lower one yields to the rank of X).
AUTO_MIN_COMPONENTS, AUTO_MAX_COMPONENTS = 2, 50
#: Below this many features the dense eigensolver beats Lanczos.
LANCZOS_MIN_SIZE = 400
#: Eigenvalues of the scaled C below this (relative to the largest) count as zero (rank).
RANK_RTOL = 1e-12
#: Relative gap λ_k − λ_{k+1} below which the principal k-subspace is not unique.
GAP_RTOL = 1e-8


class DegenerateSubspaceWarning(UserWarning):
    """The principal subspace is not unique (tied eigenvalues): the answer depends on the start."""


@dataclass
class SSPCAProblem:
    """The scaled problem data shared by the classical solver and SPCA-Net.

    Attributes
    ----------
    grad : callable
        ``grad(W) = C W`` with ``C = XcᵀXc / s1`` (formed explicitly, or applied
        as ``Xsᵀ(Xs W)`` with ``Xs = Xc/√s1`` when d is large compared to n).
    C : ndarray or None
        The scaled covariance when formed explicitly (d × d); None otherwise.
    Xc : ndarray
        Centred data, n_samples × n_features.
    mean : ndarray
        Column means of X.
    scale : float
        s1 = ‖Xc‖₂², the factor the data term is divided by.
    trace : float
        tr(C) (scaled), so the data term is ½(trace − ⟨W, CW⟩).
    V : ndarray, shape (d, k)
        Top-k principal directions (sign-fixed: the entry of largest magnitude in each is positive).
    evals : ndarray, shape (k,)
        The matching eigenvalues of C (scaled, descending; evals[0] = 1).
    next_eval : float
        λ_{k+1} (scaled), NaN when not computed; ``evals[-1] − next_eval`` is the eigengap.
    input_shape : tuple
        Shape of X as the caller gave it (for messages).
    """

    grad: object
    C: np.ndarray | None
    Xc: np.ndarray
    mean: np.ndarray
    scale: float
    trace: float
    V: np.ndarray
    evals: np.ndarray
    next_eval: float = float("nan")
    input_shape: tuple = field(default=())

    @property
    def n_features(self) -> int:
        return self.V.shape[0]

    @property
    def n_components(self) -> int:
        return self.V.shape[1]

    # -- penalties -----------------------------------------------------------------------
    @property
    def penalty_scale(self) -> PenaltyScale:
        """Scales of the data-term gradient CV_k = V_k diag(evals) at the principal subspace.

        Medians are taken over the rows (entries) that are not exactly zero: on data
        whose principal directions touch only a few features (isotropic or block
        data), most rows are zero and a plain median would calibrate every relative
        strength to 0, silently ignoring the user's ``lam``.
        """
        G = self.V * self.evals
        rows = np.linalg.norm(G, axis=1)
        entries = np.abs(G).ravel()
        g_row = float(np.median(rows[rows > 0])) if np.any(rows > 0) else 0.0
        g_entry = float(np.median(entries[entries > 0])) if np.any(entries > 0) else 0.0
        return PenaltyScale(g_row, g_entry, math.sqrt(self.n_components / self.n_features))

    def calibrate(self, penalty: Penalty, kappa: float) -> Penalty:
        """``penalty`` with the absolute weight of relative strength ``kappa`` on this problem."""
        return penalty.calibrate(kappa, self.penalty_scale)

    @property
    def default_alpha(self) -> float:
        """ADMM penalty α: the mean of the top-k eigenvalues of the scaled C."""
        return float(np.mean(self.evals))

    # -- objective -----------------------------------------------------------------------
    def data_term(self, W, G=None) -> float:
        """½‖A − WWᵀA‖²/s1 for orthonormal W (``G = CW`` if already computed)."""
        if G is None:
            G = self.grad(W)
        return sspca_objective(W, G, self.trace, ())

    def objective(self, W, penalties, G=None):
        """Data term plus ``Σ penalty.value(W)`` (:func:`sparseopt.stages.sspca_objective`)."""
        return sspca_objective(W, self.grad(W) if G is None else G, self.trace, penalties)

    # -- other array libraries -----------------------------------------------------------
    def linear_operator(self, asarray):
        """``W -> CW`` on arrays of another library, with the data converted once by ``asarray``.

        SPCA-Net calls ``problem.linear_operator(lambda a: torch.as_tensor(a, ...))`` so
        that it applies the very same C as the solver (dense, or matrix-free ``Xsᵀ(Xs W)``).
        """
        if self.C is not None:
            C = asarray(self.C)
            return lambda W: C @ W
        Xs = asarray(self.Xc / math.sqrt(self.scale))
        return lambda W: Xs.T @ (Xs @ W)


def validate_X(X) -> np.ndarray:
    """X as a finite float64 2-D array with at least 2 samples and 2 features (complex refused)."""
    if np.iscomplexobj(X):
        raise TypeError("X must be real; got complex values (the imaginary part would be lost).")
    return check_array(X, dtype=np.float64, ensure_min_samples=2, ensure_min_features=2)


def _top_eigenpairs(C, d: int, k: int):
    """Top-k eigenpairs (descending) of a symmetric PSD matrix or LinearOperator C."""
    if isinstance(C, np.ndarray) and (d <= LANCZOS_MIN_SIZE or k >= d // 4):
        evals, V = scipy.linalg.eigh(C, subset_by_index=[d - k, d - 1], driver="evr")
    else:
        # A fixed start vector keeps ARPACK's result reproducible run to run.
        v0 = np.ones(d) / math.sqrt(d)
        evals, V = scipy.sparse.linalg.eigsh(C, k=k, which="LA", v0=v0, tol=0.0)
        order = np.argsort(evals)
        evals, V = evals[order], V[:, order]
    return np.maximum(evals[::-1], 0.0), np.ascontiguousarray(V[:, ::-1])


def _auto_components(evals: np.ndarray, total: float, cap: int, variance: float) -> int:
    """Fewest components explaining ``variance`` of ``total``, in [2, 50], never above the rank."""
    rank = int(np.sum(evals > RANK_RTOL * evals[0])) if evals[0] > 0 else 0
    k = int(np.searchsorted(np.cumsum(evals) / total, variance) + 1)
    k = min(max(k, AUTO_MIN_COMPONENTS), AUTO_MAX_COMPONENTS, cap)
    return max(1, min(k, rank))


def _spectrum(Xc: np.ndarray, n_eig, total: float = 0.0, variance: float = AUTO_VARIANCE):
    """(C or None, k, top-(k+1) eigenpairs of XcᵀXc, unscaled) from one look at the spectrum.

    ``n_eig`` is k + 1 for a given k, or ``"auto"``: then k is chosen by the
    explained-variance rule from the same spectrum. C = XcᵀXc is formed (d × d)
    when d ≤ 2n and d ≤ 4096; otherwise products are taken as Xcᵀ(Xc W) (4ndk
    instead of 2d²k flops, and nothing of size d × d). Top eigenpairs: dense
    eigensolver for small problems, Lanczos (ARPACK, fixed start) otherwise, 3×
    faster than LAPACK's subset solver at d = 1024, k = 20. For ``"auto"`` with C
    formed, C's eigenvalues alone (no vectors) pick k first: on COIL20 that is
    0.22 s against 1.0 s for 51 Lanczos pairs (``benchmarks/sspca_scaling.py``).
    """
    n, d = Xc.shape
    cap = min(n, d) - 1
    auto = n_eig == "auto"
    if d <= 2 * n and d <= 4096:
        C = Xc.T @ Xc
        if auto:
            vals = np.maximum(scipy.linalg.eigh(C, eigvals_only=True, driver="evd")[::-1], 0.0)
            k = _auto_components(vals, total, cap, variance)
            n_eig = min(k + 1, cap)
        evals, V = _top_eigenpairs(C, d, n_eig)
        return C, (k if auto else None), evals, V
    if min(n, d) <= LANCZOS_MIN_SIZE:
        _, s, Vt = scipy.linalg.svd(Xc, full_matrices=False, lapack_driver="gesdd")
        evals = s**2
        k = _auto_components(evals, total, cap, variance) if auto else None
        m = min(k + 1, cap) if auto else n_eig
        return None, k, evals[:m], np.ascontiguousarray(Vt[:m].T)
    op = scipy.sparse.linalg.LinearOperator(
        (d, d), matvec=lambda v: Xc.T @ (Xc @ v), matmat=lambda M: Xc.T @ (Xc @ M), dtype=np.float64
    )
    evals, V = _top_eigenpairs(op, d, min(AUTO_MAX_COMPONENTS + 1, cap) if auto else n_eig)
    k = _auto_components(evals, total, cap, variance) if auto else None
    return None, k, evals, V


def build_problem(
    X: np.ndarray,
    n_components,
    *,
    variance: float = AUTO_VARIANCE,
    input_shape: tuple | None = None,
) -> SSPCAProblem:
    """The private core of :func:`sspca_problem`: X is already validated (float64, finite, 2-D).

    ``input_shape`` is the shape the user passed (e.g. before constant columns were
    dropped), quoted in error messages.
    """
    n, d = X.shape
    shape_msg = f"X of shape {tuple(input_shape or X.shape)}"
    if input_shape is not None and tuple(input_shape) != X.shape:
        shape_msg += f" ({d} non-constant features)"
    cap = min(n, d) - 1
    auto = isinstance(n_components, str)
    if auto:
        if n_components != "auto":
            raise ValueError(f"n_components must be an int or 'auto', got {n_components!r}.")
        if cap < 1:
            raise ValueError(f"{shape_msg} has too few samples or features for a subspace.")
        n_eig = "auto"
    else:
        if isinstance(n_components, bool) or not isinstance(n_components, Integral | np.integer):
            raise ValueError(f"n_components must be an int or 'auto', got {n_components!r}.")
        k = int(n_components)
        if not 1 <= k <= cap:
            raise ValueError(
                f"n_components must be in [1, {cap}] (below min(n_samples, n_features)) for "
                f"{shape_msg}, got {k} (with k = n_features every row of W has norm 1 and the "
                "scores carry no information)."
            )
        n_eig = min(k + 1, cap)
    mean = X.mean(axis=0)
    Xc = np.ascontiguousarray(X - mean)
    total = float(np.sum(Xc * Xc))
    if not total > 0:
        raise ValueError(f"{shape_msg} has zero variance: every feature is constant.")
    C, k_auto, evals, V = _spectrum(Xc, n_eig, total, variance)
    s1 = float(evals[0])
    if not s1 > 0:
        raise ValueError(f"{shape_msg} has zero variance: every feature is constant.")
    if auto:
        k = k_auto
    rank = int(np.sum(evals > RANK_RTOL * s1))
    if rank < k:
        raise ValueError(
            f"n_components={k} exceeds the rank of the centred data ({rank}) for {shape_msg}: "
            "the directions beyond the rank are arbitrary, so the feature scores would depend "
            f"on the start. Use n_components <= {rank}."
        )
    next_eval = float(evals[k]) / s1 if evals.shape[0] > k else float("nan")
    evals_k, V = evals[:k] / s1, V[:, :k]
    if math.isfinite(next_eval) and evals_k[-1] - next_eval <= GAP_RTOL * evals_k[-1]:
        warnings.warn(
            f"The {k}-th and {k + 1}-th eigenvalues of the covariance coincide "
            f"({evals_k[-1]:.6g} vs {next_eval:.6g}, scaled): the principal {k}-subspace is not "
            "unique, so the feature scores depend on the start. Change n_components.",
            DegenerateSubspaceWarning,
            stacklevel=3,
        )
    if C is not None:
        C /= s1
        trace = float(np.trace(C))
        grad = C.__matmul__
    else:
        Xs = Xc / math.sqrt(s1)
        trace = total / s1

        def grad(W, Xs=Xs):
            return Xs.T @ (Xs @ W)

    # Fix the sign of each direction (largest-|entry| positive) so results are reproducible.
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(k)])
    signs[signs == 0] = 1.0
    V = np.ascontiguousarray(V * signs)
    return SSPCAProblem(
        grad=grad,
        C=C,
        Xc=Xc,
        mean=mean,
        scale=s1,
        trace=trace,
        V=V,
        evals=np.ascontiguousarray(evals_k),
        next_eval=next_eval,
        input_shape=tuple(input_shape or X.shape),
    )


def sspca_problem(X, n_components="auto") -> SSPCAProblem:
    """Validate X, centre and scale it, choose how to apply C, and compute the top-k PCA.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    n_components : int or "auto"
        k. ``"auto"``: the fewest principal components explaining 80 % of the
        variance, clipped to [2, 50] and never above the rank of the centred X,
        resolved from the same eigen-decomposition (:func:`default_n_components`).

    Raises
    ------
    ValueError
        If ``n_components`` is not below ``min(n_samples, n_features)`` or exceeds
        the rank of the centred data (the extra directions would be arbitrary).

    Warns
    -----
    DegenerateSubspaceWarning
        If the k-th and (k+1)-th eigenvalues coincide (e.g. isotropic data): the
        principal subspace, and hence the answer, is then not unique.
    """
    return build_problem(validate_X(X), n_components)


def default_n_components(X, variance: float = AUTO_VARIANCE) -> int:
    """Unsupervised default for k: the fewest components explaining ``variance`` of the total.

    Clipped to [2, 50], to ``min(n_samples, n_features) - 1`` and to the rank of
    the centred X. Needs no labels; on the shared image and speech sets it lands
    near the number of classes (COIL20 16, Isolet 32, UMIST 17 at 80 %).
    :func:`sspca_problem` resolves ``"auto"`` with the same rule from its own
    decomposition; call this only to know k in advance.
    """
    X = validate_X(X)
    cap = min(X.shape) - 1
    Xc = X - X.mean(axis=0)
    total = float(np.sum(Xc * Xc))
    if total <= 0:
        return min(AUTO_MIN_COMPONENTS, cap)
    return _spectrum(Xc, "auto", total, variance)[1]
