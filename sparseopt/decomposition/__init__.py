"""Public solver functions (scikit-learn style: a function that does the work)."""

from ._rpca import (
    ZERO,
    RPCAResult,
    alm_operators,
    leading_singular_values,
    robust_pca,
)
from ._svt import SVD_METHODS, SVTOperator

__all__ = [
    "SVD_METHODS",
    "ZERO",
    "RPCAResult",
    "SVTOperator",
    "alm_operators",
    "leading_singular_values",
    "robust_pca",
]
