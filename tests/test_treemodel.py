"""Gradient-boosted trees stored as arrays (``mirage_model.treemodel``): the numpy evaluation against
scikit-learn's own decision function, selection, the stored form, and a hostile stored form refused."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from mirage_model.treemodel import TreeEnsemble, TreeError, from_sklearn


def _data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random(X.shape) < 0.25] = np.nan                 # many features not measured
    a = np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * np.clip(np.nan_to_num(X[:, 2]), -1, 1)
    y1 = (a + 0.3 * rng.standard_normal(n) > 0.3).astype(int)
    y2 = (np.isnan(X[:, 3]) | (np.nan_to_num(X[:, 4]) > 1.0)).astype(int)   # "not measured" carries signal
    return X, y1, y2


@pytest.fixture(scope="module")
def fitted():
    X, y1, y2 = _data()
    models = [HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0).fit(X[:1000], y[:1000])
              for y in (y1, y2)]
    return X[1000:], models, from_sklearn(models, X.shape[1])


def test_decision_values_equal_scikit_learn(fitted):
    X, models, trees = fitted
    X = X.copy()
    X[:3] = np.nan                                          # rows with nothing measured
    raw = trees.raw(X)
    assert raw.shape == (len(X), 2)
    for o, m in enumerate(models):
        np.testing.assert_allclose(raw[:, o], m.decision_function(X), rtol=0, atol=1e-10)
    assert np.isinf(trees.threshold).any()                  # NaN-only splits use +inf: kept as they are


def test_one_row_and_a_selection(fitted):
    X, models, trees = fitted
    np.testing.assert_allclose(trees.raw(X[5]), trees.raw(X)[5:6])
    second = trees.select([1])
    assert second.n_outputs == 1 and second.feature.shape[0] < trees.feature.shape[0]
    np.testing.assert_allclose(second.raw(X)[:, 0], models[1].decision_function(X), atol=1e-10)
    swapped = trees.select([1, 0])
    np.testing.assert_allclose(swapped.raw(X), trees.raw(X)[:, ::-1], atol=1e-12)


def test_stored_form_round_trips(fitted):
    X, _, trees = fitted
    stored = trees.to_tensors("t.")
    assert {a.dtype.kind for a in stored.values()} <= {"i", "f", "u"}
    again = TreeEnsemble.from_tensors(stored, "t.", 6, 2)
    np.testing.assert_array_equal(again.raw(X), trees.raw(X))
    with pytest.raises(TreeError, match="features"):
        trees.raw(X[:, :5])


def _broken(trees, **changes):
    stored = trees.to_tensors("t.")
    for key, fn in changes.items():
        stored["t." + key] = fn(stored["t." + key].copy())
    return stored


@pytest.mark.parametrize("change,match", [
    (dict(left=lambda a: np.where(a > 0, 0, a)), "child"),                 # a child before its parent: a loop
    (dict(right=lambda a: np.where(a > 0, a + 10**6, a)), "child"),         # outside the tree
    (dict(feature=lambda a: np.where(a >= 0, 99, a)), "feature"),
    (dict(threshold=lambda a: np.full_like(a, np.nan)), "thresholds"),
    (dict(value=lambda a: np.full_like(a, np.inf)), "values"),
    (dict(baseline=lambda a: a[:1]), "baseline"),
    (dict(output=lambda a: a + 5), "out of range"),
    (dict(roots=lambda a: a[::-1].copy()), "roots"),
    (dict(feature=lambda a: a.astype(np.float64)), "dtype"),
    (dict(left=lambda a: a[:-1]), "lengths"),
])
def test_a_hostile_stored_form_is_refused(fitted, change, match):
    _, _, trees = fitted
    with pytest.raises(TreeError, match=match):
        TreeEnsemble.from_tensors(_broken(trees, **change), "t.", 6, 2)


def test_missing_arrays_are_named(fitted):
    _, _, trees = fitted
    stored = trees.to_tensors("t.")
    del stored["t.value"]
    with pytest.raises(TreeError, match="t.value missing"):
        TreeEnsemble.from_tensors(stored, "t.", 6, 2)
