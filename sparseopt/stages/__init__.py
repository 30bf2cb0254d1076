"""Single iterations ("stages") of sparseopt's algorithms, with pluggable operators.

The classical solvers and the unfolded networks of :mod:`sparseopt_deep` call
these same functions; only the operators and scalars differ.
"""

from .rpca import RPCAOperators, RPCAState, rpca_stage
from .sspca import SSPCAOperators, SSPCAParams, SSPCAState, sspca_admm_stage

__all__ = [
    "RPCAOperators",
    "RPCAState",
    "SSPCAOperators",
    "SSPCAParams",
    "SSPCAState",
    "rpca_stage",
    "sspca_admm_stage",
]
