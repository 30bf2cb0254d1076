"""Public solver functions (scikit-learn style: a function that does the work)."""

from ._rpca import (
    ZERO,
    RPCAResult,
    alm_multiplier_step,
    alm_operators,
    alm_residual,
    leading_singular_values,
    robust_pca,
)
from ._sspca import SSPCAResult, sspca_path, structured_sparse_pca
from ._sspca_problem import (
    DegenerateSubspaceWarning,
    SSPCAProblem,
    default_n_components,
    sspca_problem,
)
from ._svt import SVD_METHODS, SVTOperator

__all__ = [
    "SVD_METHODS",
    "ZERO",
    "DegenerateSubspaceWarning",
    "RPCAResult",
    "SSPCAProblem",
    "SSPCAResult",
    "SVTOperator",
    "alm_multiplier_step",
    "alm_operators",
    "alm_residual",
    "default_n_components",
    "leading_singular_values",
    "robust_pca",
    "sspca_path",
    "sspca_problem",
    "structured_sparse_pca",
]
