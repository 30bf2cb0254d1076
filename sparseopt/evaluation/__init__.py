"""Evaluation protocols: clustering quality of selected features (k-means ACC and NMI)."""

from .clustering import (
    SelectionScore,
    best_over_m,
    clustering_accuracy,
    evaluate_ranking,
    nmi,
)

__all__ = ["SelectionScore", "best_over_m", "clustering_accuracy", "evaluate_ranking", "nmi"]
