"""Clustering ACC (Hungarian), NMI, best_over_m and evaluate_ranking, against hand-computed
values and brute force. Every feature-selection figure in the benchmarks rests on these."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.cluster import KMeans

from sparseopt.evaluation import best_over_m, clustering_accuracy, evaluate_ranking, nmi


# --------------------------------------------------------------------------- ACC
def _acc_brute_force(y_true, y_pred):
    """max over injective maps cluster -> class of the fraction of agreeing samples."""
    classes, clusters = np.unique(y_true), np.unique(y_pred)
    best = 0
    # an injective map from clusters to classes; clusters beyond the classes map to "none"
    targets = list(classes) + [None] * max(0, len(clusters) - len(classes))
    for perm in itertools.permutations(targets, len(clusters)):
        hits = sum(
            int(np.sum((y_pred == c) & (y_true == t)))
            for c, t in zip(clusters, perm)
            if t is not None
        )
        best = max(best, hits)
    return best / len(y_true)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "expected"),
    [
        ([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 2, 2], 1.0),  # relabelled perfect clustering
        ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1], 5 / 6),
        # clusters {0,0,1} and {1,2,2}: best map 0->0, 1->2 gives 4 of 6
        ([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1], 4 / 6),
        # more clusters than classes: the third cluster maps to nothing (counts as errors)
        ([0, 0, 1, 1], [0, 1, 2, 2], 3 / 4),
        # fewer classes than clusters: best is cluster 0 -> 0 and cluster 2 -> 1 (4 of 7)
        ([0, 0, 1, 0, 1, 1, 1], [0, 0, 0, 1, 1, 2, 2], 4 / 7),
        (["a", "b", "b"], [7, 3, 3], 1.0),  # any label types
    ],
)
def test_clustering_accuracy_hand_computed(y_true, y_pred, expected):
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(expected)
    assert _acc_brute_force(np.asarray(y_true), np.asarray(y_pred)) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(30))
def test_clustering_accuracy_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 25))
    y_true = rng.integers(0, int(rng.integers(2, 5)), n)
    y_pred = rng.integers(0, int(rng.integers(2, 6)), n)
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(_acc_brute_force(y_true, y_pred))


def test_clustering_accuracy_errors():
    with pytest.raises(ValueError, match="length"):
        clustering_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="empty"):
        clustering_accuracy([], [])


# --------------------------------------------------------------------------- NMI
def _nmi_by_hand(y_true, y_pred):
    """I(U;V) / ((H(U) + H(V)) / 2), natural logs, from the joint frequency table."""
    n = len(y_true)
    pu = {u: np.mean(np.asarray(y_true) == u) for u in set(y_true)}
    pv = {v: np.mean(np.asarray(y_pred) == v) for v in set(y_pred)}
    mi = 0.0
    for u in pu:
        for v in pv:
            puv = sum(1 for a, b in zip(y_true, y_pred) if a == u and b == v) / n
            if puv > 0:
                mi += puv * math.log(puv / (pu[u] * pv[v]))
    hu = -sum(p * math.log(p) for p in pu.values())
    hv = -sum(p * math.log(p) for p in pv.values())
    return mi / ((hu + hv) / 2)


def test_nmi_hand_computed_values():
    assert nmi([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    # independent: every cluster holds both classes equally
    assert nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0, abs=1e-12)
    # y_true = [0,0,1,1], y_pred = [0,0,0,1]: H(U) = ln 2, H(V) = H(3/4, 1/4),
    # I = ½ln2 + ¼ln(2/3)·... computed from the table by hand:
    h_u = math.log(2)
    h_v = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mi = 0.5 * math.log(0.5 / (0.5 * 0.75)) + 0.25 * math.log(0.25 / (0.5 * 0.75))
    mi += 0.25 * math.log(0.25 / (0.5 * 0.25))
    assert nmi([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(mi / ((h_u + h_v) / 2))


@pytest.mark.parametrize("seed", range(10))
def test_nmi_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 4, 40).tolist()
    y_pred = rng.integers(0, 3, 40).tolist()
    assert nmi(y_true, y_pred) == pytest.approx(_nmi_by_hand(y_true, y_pred), rel=1e-10)


# --------------------------------------------------------------------------- best_over_m
def test_best_over_m_picks_the_largest_mean_and_its_population_std():
    values = np.array([[1.0, 3.0], [2.0, 6.0], [4.0, 4.5], [0.0, 0.0]])
    mean, std, m = best_over_m(values, (10, 20, 30, 40))
    assert (mean, m) == (4.25, 30)
    assert std == pytest.approx(0.25)  # ddof = 0 over the repeats of the best row


def test_best_over_m_tie_goes_to_the_smallest_m():
    values = np.array([[1.0, 1.0], [3.0, 1.0], [2.0, 2.0]])
    assert best_over_m(values, (5, 10, 15)) == (2.0, 1.0, 10)


@pytest.mark.parametrize("seed", range(5))
def test_best_over_m_brute_force(seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 100, (7, 5))
    ms = tuple(range(10, 80, 10))
    means = [row.mean() for row in values]
    i = max(range(7), key=lambda j: (means[j], -j))
    assert best_over_m(values, ms) == pytest.approx((means[i], float(np.std(values[i])), ms[i]))


# --------------------------------------------------------------------------- evaluate_ranking
def _two_blobs(seed=0, n=60):
    """Column 3 carries two well-separated classes; the other columns are noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 6))
    X[:, 3] = 10.0 * y + 0.1 * rng.standard_normal(n)
    return X, y


def test_evaluate_ranking_scores_the_top_m_columns_in_ranking_order():
    X, y = _two_blobs()
    good = evaluate_ranking(X, y, [3, 0, 1, 2, 4, 5], ms=(1, 2), n_repeats=2, n_init=3)
    bad = evaluate_ranking(X, y, [0, 3, 1, 2, 4, 5], ms=(1,), n_repeats=2, n_init=3)
    assert good.acc.shape == (2, 2) and good.nmi.shape == (2, 2)
    np.testing.assert_allclose(good.acc[0], 100.0)
    np.testing.assert_allclose(good.nmi[0], 100.0)
    assert bad.acc.max() < 80  # the noise column alone cannot separate the classes


def test_evaluate_ranking_equals_kmeans_by_hand():
    """Each (m, repeat) cell is k-means with seed random_state + repeat on the top-m columns.

    Unstructured data and single-start k-means, so that different seeds give different
    partitions: a run that reused one seed for every repeat would not match.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 6))
    y = rng.integers(0, 3, 60)
    ranking = [5, 3, 2, 0, 1, 4]
    ms, reps, n_init, rs = (1, 3, 6), 4, 1, 7
    s = evaluate_ranking(X, y, ranking, ms=ms, n_repeats=reps, n_init=n_init, random_state=rs)
    assert s.ms == ms
    for i, m in enumerate(ms):
        for r in range(reps):
            labels = KMeans(3, init="k-means++", n_init=n_init, random_state=rs + r).fit_predict(
                X[:, ranking[:m]]
            )
            assert s.acc[i, r] == pytest.approx(100 * clustering_accuracy(y, labels))
            assert s.nmi[i, r] == pytest.approx(100 * nmi(y, labels))
    assert any(len(set(row)) > 1 for row in s.nmi)  # the seeds matter here
    assert s.best("acc") == best_over_m(s.acc, ms)


def test_evaluate_ranking_caps_m_and_checks_inputs():
    X, y = _two_blobs()
    s = evaluate_ranking(X, y, np.arange(6), ms=(2, 6, 50), n_repeats=1, n_init=1)
    assert s.ms == (2, 6)
    with pytest.raises(ValueError, match="labels"):
        evaluate_ranking(X, y[:-1], np.arange(6), ms=(2,), n_repeats=1)
    with pytest.raises(ValueError, match="fewer than"):
        evaluate_ranking(X, y, [3], ms=(2,), n_repeats=1)
    with pytest.raises(ValueError, match="No valid"):
        evaluate_ranking(X, y, np.arange(6), ms=(0, 99), n_repeats=1)
