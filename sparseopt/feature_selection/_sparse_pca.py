"""SparsePCASelector: unsupervised feature selection by structured sparse PCA."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..decomposition._sspca import _solve, resolve_penalties
from ..decomposition._sspca_problem import build_problem
from ._base import BaseSelector

__all__ = ["SparsePCASelector"]


class SparsePCASelector(BaseSelector):
    r"""Unsupervised feature selection by structured sparse PCA (ℓ₂,₁ + ℓ₁, WᵀW = I), solved by ADMM.

    Fits

    .. math::

        \min_{W} \tfrac{1}{2s_1}\|X_c^\top - WW^\top X_c^\top\|_F^2 + \lambda\,\|W\|_{2,1}
        + \mu\,\|W\|_1 \quad\text{s.t.}\quad W^\top W = I_k

    (or an ℓ₂,ₚ / ℓ₂,₀ row penalty) and scores feature *i* by the norm of the
    *i*-th row of W: features that the sparse principal subspace cannot do
    without score high. See :func:`sparseopt.decomposition.structured_sparse_pca`
    for the algorithm, its stopping rule and why the answer does not depend on
    the start or on ``max_iter``.

    Parameters
    ----------
    n_features_to_select : int, float or None, default None
        Features kept by ``transform``: a count, a fraction in (0, 1], or None for half.
        The scores and the full ranking do not depend on it.
    n_components : int or "auto", default "auto"
        Dimension k of the principal subspace. "auto": the fewest components
        explaining 80 % of the variance, clipped to [2, 50] and to the rank of X
        (needs no labels). A k above the rank of the centred X is an error (the
        extra directions would be arbitrary); tied eigenvalues at k (e.g.
        isotropic data) give a ``DegenerateSubspaceWarning``.
    lam : float, default 0.25
        Row-sparsity strength relative to the data (multiples of the median row
        norm of the data-term gradient at the principal subspace): scale- and
        dimension-free.
    mu : float, default 0.0
        Entrywise ℓ₁ strength, relative likewise.
    penalty : {"l21", "l2p", "l20"}, default "l21"
        Row penalty: ℓ₂,₁ (convex), ℓ₂,ₚ (0 < p < 1) or ℓ₂,₀ (classical solver only:
        its value is piecewise constant, so SPCA-Net's training loss cannot see it).
    p : float, default 0.5
        Exponent of the ℓ₂,ₚ penalty (not the number of components: that is ``n_components``).
    max_iter : int, default 20000
        Cap on ADMM iterations (a ConvergenceWarning is raised when reached).
        Classical solver only.
    tol : float, default 1e-5
        Tolerance on the KKT residual. Classical solver only.
    init : {"pca", "random"}, default "pca"
        Start of the solver; "random" (seeded by ``random_state``) converges to
        the same answer. Classical solver only.
    random_state : int, RandomState instance or None, default None
    deep : bool, default False
        Train SPCA-Net (the unfolded ADMM, :mod:`sparseopt_deep`, needs torch)
        instead of running the classical solver; the scores are the row norms of
        its last stage's W. The parameters below apply only then; setting one of
        them with ``deep=False``, or a classical-only one (``max_iter``, ``tol``,
        ``init``) with ``deep=True``, is an error rather than silently ignored.
    n_stages : int, default 10
        SPCA-Net stages K.
    n_epochs : int, default 300
        Adam steps of the unsupervised training (full problem each step).
    learning_rate : float, default 1e-2
    network : bool, default True
        Learned row module in every W-step (False: plain iteration with learned scalars).
    dynamic : bool, default True
        Per-stage scalars (False: one set shared by all stages).
    device : str, default "cpu"
        Torch device of the training (e.g. "cuda").
    verbose : bool, default False
        Show a progress bar (epoch, loss) while training.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features,)
        Row norms of W; higher is better.
    ranking_ : ndarray of shape (n_features,)
        Rank of each feature, 1 = best (ties to the lower index).
    components_ : ndarray of shape (n_features, n_components)
        W, the sparse principal directions (one row per feature, as for every
        selector in this package).
    n_components_ : int
    n_iter_ : int
        ADMM iterations run (deep=True: training epochs).
    objective_history_ : ndarray
        Objective after every outer iteration (deep=True: training loss per epoch).
    converged_ : bool or None
        Whether the KKT stopping rule was met (None for deep=True).
    model_ : sparseopt_deep.SPCANet
        The trained network (deep=True only).
    penalties_ : tuple of sparseopt.penalties.Penalty
        The active penalty blocks with their *absolute* weights (in the scaled
        problem); ``lam``/``mu`` stay the relative strengths you set.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    See Also
    --------
    sparseopt.decomposition.structured_sparse_pca : the solver.
    sklearn.decomposition.SparsePCA : entrywise sparse PCA without orthogonality.

    References
    ----------
    X. Xiu, "Rethinking sparse optimization through deep learning", talk, 2025;
    L. Chen, X. Xiu, "Tuning-free structured sparse PCA via deep unfolding networks", CCC 2025.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sparseopt.feature_selection import SparsePCASelector
    >>> X, _ = load_digits(return_X_y=True)
    >>> sel = SparsePCASelector(n_features_to_select=10, random_state=0).fit(X)
    >>> sel.transform(X).shape
    (1797, 10)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSelector._parameter_constraints,
        "n_components": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "lam": [Interval(Real, 0, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l21", "l2p", "l20"})],
        "p": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "init": [StrOptions({"pca", "random"})],
        "random_state": ["random_state"],
        "deep": ["boolean"],
        "n_stages": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "network": ["boolean"],
        "dynamic": ["boolean"],
        "device": [str],
        "verbose": ["verbose"],
    }

    #: Parameters only one of the two paths honours (with their defaults): setting one for the
    #: other path is refused instead of silently ignored.
    _CLASSICAL_ONLY: ClassVar[dict] = {"max_iter": 20000, "tol": 1e-5, "init": "pca"}
    _DEEP_ONLY: ClassVar[dict] = {
        "n_stages": 10,
        "n_epochs": 300,
        "learning_rate": 1e-2,
        "network": True,
        "dynamic": True,
        "device": "cpu",
    }

    def __init__(
        self,
        n_features_to_select=None,
        *,
        n_components="auto",
        lam=0.25,
        mu=0.0,
        penalty="l21",
        p=0.5,
        max_iter=20000,
        tol=1e-5,
        init="pca",
        random_state=None,
        deep=False,
        n_stages=10,
        n_epochs=300,
        learning_rate=1e-2,
        network=True,
        dynamic=True,
        device="cpu",
        verbose=False,
    ):
        self.n_features_to_select = n_features_to_select
        self.n_components = n_components
        self.lam = lam
        self.mu = mu
        self.penalty = penalty
        self.p = p
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state
        self.deep = deep
        self.n_stages = n_stages
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.network = network
        self.dynamic = dynamic
        self.device = device
        self.verbose = verbose

    def _check_path_params(self) -> None:
        """Refuse parameters that the chosen path (classical or deep) would ignore."""
        other = self._CLASSICAL_ONLY if self.deep else self._DEEP_ONLY
        ignored = sorted(k for k, default in other.items() if getattr(self, k) != default)
        if ignored:
            path = "deep=True (SPCA-Net)" if self.deep else "the classical solver (deep=False)"
            raise ValueError(
                f"{', '.join(ignored)} {'has' if len(ignored) == 1 else 'have'} no effect with "
                f"{path}; leave {'it' if len(ignored) == 1 else 'them'} at the default."
            )
        if self.deep and self.penalty == "l20":
            raise ValueError(
                "penalty='l20' is not supported with deep=True: the l2,0 value is piecewise "
                "constant, so SPCA-Net's training loss cannot see it. Use 'l21' or 'l2p'."
            )

    def _fit_scores(self, X, n_select):
        self._check_path_params()
        # X is validated by fit (once); the problem is built once, "auto" resolved from the
        # same eigen-decomposition, and messages quote the shape the user passed.
        problem = build_problem(X, self.n_components, input_shape=(X.shape[0], self.n_features_in_))
        self.n_components_ = problem.n_components
        if self.deep:
            return self._fit_deep(problem)
        blocks = resolve_penalties(problem, self.lam, self.mu, self.penalty, self.p)
        result = _solve(
            problem,
            blocks,
            init=self.init,
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
        )
        self.components_ = result.components
        self.n_iter_ = result.n_iter
        self.objective_history_ = np.asarray(result.history["objective"])
        self.converged_ = result.converged
        self.penalties_ = result.penalties
        return result.scores

    def _fit_deep(self, problem):
        """Train SPCA-Net on the problem (see :func:`sparseopt_deep.train_spcanet`)."""
        try:
            from sparseopt_deep import train_spcanet
        except ImportError as exc:
            raise ImportError(
                "SparsePCASelector(deep=True) trains SPCA-Net, which needs the sparseopt_deep "
                f"package and PyTorch ({exc})."
            ) from exc
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        result = train_spcanet(
            None,
            problem=problem,
            lam=self.lam,
            mu=self.mu,
            penalty=self.penalty,
            p=self.p,
            n_stages=self.n_stages,
            dynamic=self.dynamic,
            network=self.network,
            n_epochs=self.n_epochs,
            learning_rate=self.learning_rate,
            random_state=seed,
            device=self.device,
            progress=bool(self.verbose),
        )
        self.model_ = result.model
        self.components_ = result.components
        self.n_iter_ = self.n_epochs
        self.objective_history_ = np.asarray(result.history["loss"])
        self.converged_ = None  # training has no convergence test
        self.penalties_ = result.penalties
        return result.scores
