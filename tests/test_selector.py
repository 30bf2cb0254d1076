"""SparsePCASelector: scikit-learn conventions, pipelines, bad input, and real data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sparseopt.feature_selection import SparsePCASelector


def planted(n=200, d=30, informative=6, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    X = rng.standard_normal((n, d))
    X[:, :informative] += (rng.standard_normal((k, informative)) * 3.0)[y]
    return X, y


@parametrize_with_checks(
    [
        SparsePCASelector(),
        SparsePCASelector(penalty="l2p", mu=0.1, init="random"),
        SparsePCASelector(deep=True, n_stages=2, n_epochs=3),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_finds_planted_features_and_ranks():
    X, _ = planted()
    sel = SparsePCASelector(n_features_to_select=6, n_components=3).fit(X)
    assert set(np.flatnonzero(sel.get_support())) == set(range(6))
    assert sorted(sel.ranking_) == list(range(1, 31))
    np.testing.assert_array_equal(np.argsort(sel.ranking_), np.argsort(-sel.scores_, kind="stable"))
    assert sel.components_.shape == (30, 3)
    np.testing.assert_allclose(sel.components_.T @ sel.components_, np.eye(3), atol=1e-10)
    assert sel.converged_ and sel.n_iter_ > 0 and sel.objective_history_.ndim == 1


def test_n_features_to_select_forms():
    X, _ = planted()
    assert SparsePCASelector().fit(X).transform(X).shape[1] == 15
    assert SparsePCASelector(n_features_to_select=0.2).fit(X).transform(X).shape[1] == 6
    assert SparsePCASelector(n_features_to_select=4).fit(X).transform(X).shape[1] == 4


def test_pipeline_after_scaler_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, _ = planted()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pipe = make_pipeline(
        StandardScaler(), SparsePCASelector(n_features_to_select=5, n_components=3)
    )
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(df)
    assert isinstance(out, pd.DataFrame) and out.shape == (200, 5)
    assert set(out.columns) <= {f"f{i}" for i in range(6)}
    assert list(pipe.get_feature_names_out()) == list(out.columns)


def test_random_start_agrees_with_pca_start():
    X, _ = planted(seed=3)
    a = SparsePCASelector(n_components=3).fit(X)
    b = SparsePCASelector(n_components=3, init="random", random_state=0).fit(X)
    np.testing.assert_array_equal(a.ranking_[:10] <= 10, b.ranking_[:10] <= 10)


@pytest.mark.parametrize(
    ("X", "kwargs", "match"),
    [
        (np.array([[1.0, np.nan], [2.0, 1.0], [0.0, 3.0]]), {}, "NaN"),
        (np.array([[1.0, np.inf], [2.0, 1.0], [0.0, 3.0]]), {}, "infinity"),
        (np.ones((1, 5)), {}, "1 sample"),
        (np.ones((5, 1)), {}, "1 feature"),
        (
            np.random.default_rng(0).standard_normal((20, 4)),
            {"n_features_to_select": 5},
            "exceeds",
        ),
        (np.random.default_rng(0).standard_normal((20, 4)), {"n_components": 4}, "n_components"),
        (np.zeros((0, 3)), {}, "0 sample"),
    ],
)
def test_bad_input_gets_a_clear_error(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SparsePCASelector(**kwargs).fit(X)


def test_non_numeric_input():
    with pytest.raises(ValueError, match=r"could not convert|numeric"):
        SparsePCASelector().fit(np.array([["a", "b"], ["c", "d"], ["e", "f"]]))


def test_bad_parameter_values():
    X, _ = planted()
    for kwargs in ({"lam": -1}, {"penalty": "l1"}, {"tol": 0}, {"init": "svd"}, {"p": 1.5}):
        with pytest.raises(ValueError):
            SparsePCASelector(**kwargs).fit(X)


def test_convergence_warning():
    X, _ = planted()
    with pytest.warns(ConvergenceWarning):
        SparsePCASelector(max_iter=2).fit(X)


def test_deep_in_a_pipeline_finds_planted_features():
    pytest.importorskip("torch")
    X, _ = planted()
    deep = make_pipeline(StandardScaler(), SparsePCASelector(6, n_components=3, deep=True))
    classical = make_pipeline(StandardScaler(), SparsePCASelector(6, n_components=3))
    assert deep.fit_transform(X).shape == (200, 6)
    classical.fit(X)
    sel = deep[-1]
    assert sel.model_.n_stages == 10
    # Training lowers the SSPCA objective below the plain 10-iteration ADMM (epoch 0) and
    # lands on the classical solver's selection.
    assert sel.objective_history_.min() < sel.objective_history_[0]
    np.testing.assert_array_equal(sel.get_support(), classical[-1].get_support())


@pytest.mark.data
def test_coil20_converges_and_is_start_independent(data_dir):
    from sparseopt.datasets import load_feature_selection_dataset

    X = load_feature_selection_dataset("COIL20", data_dir).data
    a = SparsePCASelector(n_components=20).fit(X)
    b = SparsePCASelector(n_components=20, init="random", random_state=0).fit(X)
    c = SparsePCASelector(n_components=20, tol=a.tol / 100).fit(X)
    top = lambda s: set(np.flatnonzero(s.ranking_ <= 50))  # noqa: E731
    assert a.converged_ and b.converged_
    assert len(top(a) & top(b)) >= 45
    assert len(top(a) & top(c)) >= 48


# --------------------------------------------------------------------------- degenerate data
def test_n_components_above_the_rank_is_an_error_naming_the_rank():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3)) @ rng.standard_normal((3, 12))  # rank 3
    with pytest.raises(ValueError, match=r"exceeds the rank of the centred data \(3\)"):
        SparsePCASelector(n_components=5).fit(X)


def test_auto_never_exceeds_the_rank_on_rank_one_data():
    rng = np.random.default_rng(1)
    X = np.outer(rng.standard_normal(50), rng.standard_normal(8))
    a = SparsePCASelector(n_components="auto").fit(X)
    b = SparsePCASelector(n_components="auto", init="random", random_state=3).fit(X)
    assert a.n_components_ == 1
    np.testing.assert_allclose(a.scores_, b.scores_, atol=1e-6)


def test_isotropic_data_warns_that_the_subspace_is_not_unique():
    from sparseopt.decomposition import DegenerateSubspaceWarning

    X = np.vstack([np.eye(6), -np.eye(6)])  # every direction has the same variance
    with pytest.warns(DegenerateSubspaceWarning, match="not unique"):
        SparsePCASelector(n_components=2).fit(X)


def test_lam_is_not_silently_ignored_when_most_gradient_rows_are_zero():
    """Principal directions on a few features only (exactly zero rows of CV elsewhere): the
    λ calibration used to be a median of mostly zeros, so λ became 0 and the ADMM never ran."""
    D = np.diag([5.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    X = np.vstack([D, -D])
    sel = SparsePCASelector(n_components=2, lam=2.0).fit(X)
    assert sel.penalties_ and all(pen.weight > 0 for pen in sel.penalties_)
    assert sel.n_iter_ > 0
    assert set(np.flatnonzero(sel.ranking_ <= 2)) == {0, 1}


def test_messages_quote_the_users_shape_not_the_shape_after_dropping_constant_columns():
    rng = np.random.default_rng(3)
    X = np.hstack([rng.standard_normal((10, 4)), np.ones((10, 6))])
    with pytest.raises(ValueError, match=r"shape \(10, 10\) \(4 non-constant features\)"):
        SparsePCASelector(n_components=5).fit(X)


# --------------------------------------------------------------------------- deep path
@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"deep": True, "tol": 1e-3}, "tol"),
        ({"deep": True, "max_iter": 5, "init": "random"}, "init, max_iter"),
        ({"n_epochs": 5}, "n_epochs"),
        ({"device": "cuda"}, "device"),
    ],
)
def test_parameters_the_chosen_path_ignores_are_refused(kwargs, names):
    X, _ = planted()
    with pytest.raises(ValueError, match=f"{names} ha(s|ve) no effect"):
        SparsePCASelector(**kwargs).fit(X)


def test_deep_refuses_l20_and_honours_the_penalty():
    pytest.importorskip("torch")
    X, _ = planted()
    with pytest.raises(ValueError, match="l20"):
        SparsePCASelector(deep=True, penalty="l20", n_stages=2, n_epochs=1).fit(X)
    kw = dict(deep=True, n_components=3, n_stages=3, n_epochs=2)
    l21 = SparsePCASelector(**kw).fit(X)
    l2p = SparsePCASelector(penalty="l2p", **kw).fit(X)
    assert not np.allclose(l21.scores_, l2p.scores_)
    assert [pen.name for pen in l2p.penalties_] == ["l2p", "l1"]


def test_deep_verbose_shows_progress(capsys):
    pytest.importorskip("torch")
    X, _ = planted()
    SparsePCASelector(deep=True, n_components=3, n_stages=2, n_epochs=3, verbose=True).fit(X)
    assert "SPCA-Net" in capsys.readouterr().err
