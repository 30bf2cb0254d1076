"""Single iterations ("stages") of sparseopt's algorithms, with pluggable operators.

The classical solvers and the unfolded networks of :mod:`sparseopt_deep` call
these same functions; only the operators and scalars differ.
"""

from .rpca import RPCAOperators, RPCAState, rpca_stage
from .sspca import (
    SSPCAOperators,
    SSPCAParams,
    SSPCAState,
    initial_state,
    sspca_admm_stage,
    sspca_objective,
)

__all__ = [
    "RPCAOperators",
    "RPCAState",
    "SSPCAOperators",
    "SSPCAParams",
    "SSPCAState",
    "initial_state",
    "rpca_stage",
    "sspca_admm_stage",
    "sspca_objective",
]
