"""One iteration of each algorithm, written once; operators are passed in (classical or learned)."""

from .rpca import RPCAState, rpca_stage

__all__ = [
    "RPCAState",
    "rpca_stage",
]
