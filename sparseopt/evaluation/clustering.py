"""Unsupervised feature-selection evaluation by k-means clustering.

Protocol (the one behind the talk's tables): for each number of
selected features m, run k-means (k = number of classes, k-means++, ``n_init=10``)
with ``n_repeats`` seeds on the m top-ranked columns, and score each run by

* ACC: clustering accuracy under the best one-to-one map of clusters to classes
  (Hungarian algorithm on the contingency table);
* NMI: normalised mutual information with arithmetic normalisation.

A method's summary is the best mean over m, written "mean ± std (m)".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from threadpoolctl import threadpool_limits

__all__ = ["SelectionScore", "best_over_m", "clustering_accuracy", "evaluate_ranking", "nmi"]

DEFAULT_MS = tuple(range(10, 101, 10))


def clustering_accuracy(y_true, y_pred) -> float:
    """Accuracy of a clustering under the best one-to-one cluster → class map.

    .. math:: \\mathrm{ACC} = \\max_{\\pi} \\frac{1}{n}\\sum_i [y_i = \\pi(c_i)]

    where π ranges over injective maps from clusters to classes, found with the
    Hungarian algorithm on the contingency table (Kuhn, 1955). Unmatched
    clusters (more clusters than classes) count as errors.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {y_true.size} vs {y_pred.size}.")
    if y_true.size == 0:
        raise ValueError("clustering_accuracy got empty label arrays.")
    _, yt = np.unique(y_true, return_inverse=True)
    _, yp = np.unique(y_pred, return_inverse=True)
    table = np.zeros((yp.max() + 1, yt.max() + 1), dtype=np.int64)
    np.add.at(table, (yp, yt), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum()) / y_true.size


def nmi(y_true, y_pred) -> float:
    """Normalised mutual information, arithmetic normalisation (scikit-learn's default)."""
    return float(normalized_mutual_info_score(y_true, y_pred, average_method="arithmetic"))


@dataclass
class SelectionScore:
    """ACC/NMI (in %) of every (m, seed) run of the protocol."""

    ms: tuple
    acc: np.ndarray  # shape (len(ms), n_repeats), percent
    nmi: np.ndarray  # shape (len(ms), n_repeats), percent
    extra: dict = field(default_factory=dict)

    def best(self, metric: str = "acc") -> tuple[float, float, int]:
        """Best mean over m: ``(mean, std, m)`` for ``metric`` in {"acc", "nmi"}."""
        return best_over_m(getattr(self, metric), self.ms)

    def summary(self, metric: str = "acc") -> str:
        mean, std, m = self.best(metric)
        return f"{mean:.2f}±{std:.2f} ({m})"

    def to_dict(self) -> dict:
        return {
            "ms": list(self.ms),
            "acc_mean": self.acc.mean(axis=1).round(3).tolist(),
            "acc_std": self.acc.std(axis=1).round(3).tolist(),
            "nmi_mean": self.nmi.mean(axis=1).round(3).tolist(),
            "nmi_std": self.nmi.std(axis=1).round(3).tolist(),
            "best_acc": self.summary("acc"),
            "best_nmi": self.summary("nmi"),
        }


def best_over_m(values: np.ndarray, ms) -> tuple[float, float, int]:
    """(mean, std, m) of the row of ``values`` (m × repeats) with the largest mean."""
    values = np.asarray(values, dtype=float)
    means = values.mean(axis=1)
    i = int(np.argmax(means))
    return float(means[i]), float(values[i].std()), int(ms[i])


def _kmeans_scores(
    Xm: np.ndarray, y: np.ndarray, k: int, seed: int, n_init: int
) -> tuple[float, float]:
    with threadpool_limits(limits=1):
        labels = KMeans(
            n_clusters=k, init="k-means++", n_init=n_init, random_state=seed
        ).fit_predict(Xm)
    return clustering_accuracy(y, labels), nmi(y, labels)


def evaluate_ranking(
    X,
    y,
    ranking,
    ms=DEFAULT_MS,
    n_repeats: int = 20,
    n_init: int = 10,
    random_state: int = 0,
    n_jobs: int | None = None,
) -> SelectionScore:
    """Score a feature ranking by k-means on its top-m columns, for each m in ``ms``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        The data as given to the selector (no re-scaling is done here).
    y : array of shape (n_samples,)
        Class labels; k = number of distinct labels.
    ranking : array of int
        Feature indices, best first (e.g. a selector's ``ranking_`` argsorted,
        or ``np.argsort(-scores_)``). Only the first ``max(ms)`` entries are used.
    ms : sequence of int
        Numbers of selected features to try (capped at n_features).
    n_repeats : int
        k-means seeds per m (``random_state + r`` for r in range(n_repeats)).
    n_init : int
        k-means++ restarts inside each run (scikit-learn's ``n_init``).
    n_jobs : int, optional
        joblib workers over the (m, seed) runs; each run is pinned to one BLAS/OpenMP thread.

    Returns
    -------
    SelectionScore
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    ranking = np.asarray(ranking).ravel()
    if X.shape[0] != y.size:
        raise ValueError(f"X has {X.shape[0]} samples but y has {y.size} labels.")
    k = np.unique(y).size
    ms = tuple(int(m) for m in ms if 0 < m <= X.shape[1])
    if not ms:
        raise ValueError("No valid number of features to evaluate (ms must be in 1..n_features).")
    if ranking.size < max(ms):
        raise ValueError(f"ranking has {ranking.size} entries, fewer than max(ms) = {max(ms)}.")
    jobs = [
        (i, r, np.ascontiguousarray(X[:, ranking[:m]]))
        for i, m in enumerate(ms)
        for r in range(n_repeats)
    ]
    out = Parallel(n_jobs=n_jobs)(
        delayed(_kmeans_scores)(Xm, y, k, random_state + r, n_init) for _, r, Xm in jobs
    )
    acc = np.zeros((len(ms), n_repeats))
    nm = np.zeros((len(ms), n_repeats))
    for (i, r, _), (a, n) in zip(jobs, out):
        acc[i, r] = 100.0 * a
        nm[i, r] = 100.0 * n
    return SelectionScore(ms=ms, acc=acc, nmi=nm)
