"""vsaug.metrics: scores, both confusion-matrix views, the cross-test."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier

from vsaug import LightCurves
from vsaug.metrics import (
    bootstrap_scores,
    classification_summary,
    confusion_matrices,
    cross_test,
    fold_spread,
)

Y_TRUE = np.array(["a"] * 4 + ["b"] * 2 + ["c"] * 4, dtype=object)
Y_PRED = np.array(["a", "a", "a", "b", "b", "c", "c", "c", "c", "a"], dtype=object)


def test_summary_numbers_by_hand():
    s = classification_summary(Y_TRUE, Y_PRED)
    # recalls: a 3/4, b 1/2, c 3/4; precisions: a 3/4, b 1/2, c 3/4.
    assert s.balanced_accuracy == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    assert s.accuracy == pytest.approx(7 / 10)
    assert s.per_class.index.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(s.per_class["recall"], [0.75, 0.5, 0.75])
    np.testing.assert_allclose(s.per_class["precision"], [0.75, 0.5, 0.75])
    np.testing.assert_array_equal(s.per_class["support"], [4, 2, 4])
    assert s.macro_f1 == pytest.approx(np.mean([0.75, 0.5, 0.75]))
    d = s.to_dict()
    assert d["per_class"]["b"] == {"recall": 0.5, "precision": 0.5, "f1": 0.5, "support": 2}
    md = s.to_markdown()
    assert "| b | 0.500 | 0.500 | 0.500 | 2 |" in md
    assert "balanced accuracy 0.667" in md


def test_summary_label_order_and_never_predicted_class():
    s = classification_summary(["a", "b", "c"], ["a", "a", "a"], labels=["c", "b", "a"])
    assert s.per_class.index.tolist() == ["c", "b", "a"]
    np.testing.assert_allclose(s.per_class["precision"], [0.0, 0.0, 1 / 3])
    assert s.balanced_accuracy == pytest.approx(1 / 3)


def test_summary_errors():
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 3"):
        classification_summary(["a", "b"], ["a", "b", "b"])
    with pytest.raises(ValueError, match=r"classes \['c'\] that are not in labels"):
        classification_summary(["a", "c"], ["a", "a"], labels=["a", "b"])
    with pytest.raises(ValueError, match="must not repeat a class"):
        classification_summary(["a"], ["a"], labels=["a", "a"])
    with pytest.raises(ValueError, match="empty"):
        classification_summary([], [])


def test_bootstrap_scores_estimate_interval_and_width():
    rng = np.random.default_rng(1)
    y = rng.choice(["RRab", "Ecl", "DSct"], 600, p=[0.45, 0.45, 0.1])
    y_pred = np.where(rng.random(600) < 0.75, y, "Ecl")
    table = bootstrap_scores(y, y_pred, n_resamples=400, random_state=0)
    summary = classification_summary(y, y_pred)
    assert table.loc["balanced_accuracy", "estimate"] == pytest.approx(summary.balanced_accuracy)
    assert table.loc["macro_f1", "estimate"] == pytest.approx(summary.macro_f1)
    assert (table["low"] < table["estimate"]).all() and (table["estimate"] < table["high"]).all()
    # Binomial scale: the recall of 60 DSct stars alone moves the balanced
    # accuracy by about sqrt(.75 * .25 / 60) / 3 = 0.019 (one sigma).
    width = table.loc["balanced_accuracy", "high"] - table.loc["balanced_accuracy", "low"]
    assert 0.04 < width < 0.12
    # Same seed, same interval; more stars, a narrower one.
    pd.testing.assert_frame_equal(table, bootstrap_scores(y, y_pred, n_resamples=400,
                                                          random_state=0))
    big = bootstrap_scores(np.tile(y, 4), np.tile(y_pred, 4), n_resamples=400, random_state=0)
    big_width = big.loc["balanced_accuracy", "high"] - big.loc["balanced_accuracy", "low"]
    assert big_width < 0.7 * width
    with pytest.raises(ValueError, match=r"y_pred holds classes \['Rot'\]"):
        bootstrap_scores(y, np.where(y == "DSct", "Rot", y), labels=["DSct", "Ecl", "RRab"])
    with pytest.raises(ValueError, match="n_resamples must be a positive integer, got 0"):
        bootstrap_scores(y, y_pred, n_resamples=0)
    with pytest.raises(ValueError, match="confidence_level must lie between 0 and 1, got 1.5"):
        bootstrap_scores(y, y_pred, confidence_level=1.5)


def test_confusion_views_are_row_and_column_normalised():
    rec, prec = confusion_matrices(Y_TRUE, Y_PRED, labels=["a", "b", "c"])
    counts = np.array([[3, 1, 0], [0, 1, 1], [1, 0, 3]], dtype=float)
    np.testing.assert_allclose(rec, counts / counts.sum(1, keepdims=True))
    np.testing.assert_allclose(prec, counts / counts.sum(0, keepdims=True))
    np.testing.assert_allclose(rec.sum(1), 1.0)
    np.testing.assert_allclose(prec.sum(0), 1.0)
    # The diagonals are exactly the per-class recall and precision.
    s = classification_summary(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(np.diag(rec), s.per_class["recall"])
    np.testing.assert_allclose(np.diag(prec), s.per_class["precision"])


def test_fold_spread_takes_sorted_index_1_and_minus_2():
    values = np.array([[5.0, 0.0], [1.0, 1.0], [4.0, 2.0], [2.0, 3.0], [3.0, 9.0]])
    med, low, high = fold_spread(values)
    np.testing.assert_array_equal(med, [3.0, 2.0])
    np.testing.assert_array_equal(low, [2.0, 1.0])
    np.testing.assert_array_equal(high, [4.0, 3.0])
    with pytest.raises(ValueError, match="at least 2 values"):
        fold_spread([1.0])


class _Memorise(ClassifierMixin, BaseEstimator):
    """Predicts from a lookup of every sample's label, wrong for `flip` ids."""

    def __init__(self, flip=()):
        self.flip = flip

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        ids = X.meta["id"].to_numpy()
        labels = X.meta["label"].to_numpy(dtype=object).copy()
        wrong = np.isin(ids, self.flip)
        labels[wrong] = np.where(labels[wrong] == "x", "y", "x")
        return labels


def _curves(y):
    n = len(y)
    t = np.tile(np.arange(6.0), n)
    meta = pd.DataFrame({"id": np.arange(n), "label": y})
    return LightCurves(t, np.sin(t), np.full(t.size, 0.1), np.arange(n + 1) * 6, meta)


def test_cross_test_on_light_curves_matches_hand_computation():
    y = np.array(["x"] * 20 + ["y"] * 10, dtype=object)
    X = _curves(y)
    flip = (0, 1, 20)  # two "x" stars and one "y" star always mispredicted
    res = cross_test(_Memorise(flip=flip), X, y, n_splits=5, random_state=3)
    assert res.recall_folds.shape == res.precision_folds.shape == (5, 2, 2)
    np.testing.assert_array_equal(res.labels, ["x", "y"])
    # Every sample is tested exactly once, in its own fold.
    assert np.bincount(res.fold).tolist() == [6] * 5
    expected = y.copy()
    expected[list(flip)] = ["y", "y", "x"]
    np.testing.assert_array_equal(res.y_pred, expected)
    for k in range(5):
        test = res.fold == k
        rec, prec = confusion_matrices(y[test], expected[test], ["x", "y"])
        np.testing.assert_allclose(res.recall_folds[k], rec)
        np.testing.assert_allclose(res.precision_folds[k], prec)
        s = classification_summary(y[test], expected[test], ["x", "y"])
        assert res.scores.loc[k, "balanced_accuracy"] == pytest.approx(s.balanced_accuracy)
    # Cell-wise spread: diagonal best = high, off-diagonal best = low.
    ordered = np.sort(res.recall_folds, axis=0)
    np.testing.assert_allclose(res.median("recall"), np.median(res.recall_folds, axis=0))
    best, worst = res.second_best("recall"), res.second_worst("recall")
    assert best[0, 0] == ordered[-2, 0, 0] and worst[0, 0] == ordered[1, 0, 0]
    assert best[0, 1] == ordered[1, 0, 1] and worst[0, 1] == ordered[-2, 0, 1]
    summary = res.score_summary()
    assert summary.loc["balanced_accuracy", "second_lowest"] == pytest.approx(
        np.sort(res.scores["balanced_accuracy"])[1]
    )
    with pytest.raises(ValueError, match="view must be 'recall' or 'precision', got 'f1'"):
        res.median("f1")


def test_cross_test_refits_clones_and_is_repeatable():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (40, 2)), rng.normal(1.5, 1, (40, 2))]
    y = np.repeat(["a", "b"], 40)
    knn = KNeighborsClassifier(n_neighbors=3)
    r1 = cross_test(knn, X, y, n_splits=4, random_state=1)
    r2 = cross_test(knn, X, y, n_splits=4, random_state=1, n_jobs=2)
    r3 = cross_test(knn, X, y, n_splits=4, random_state=2)
    assert not hasattr(knn, "classes_")  # the estimator itself is never fitted
    np.testing.assert_array_equal(r1.recall_folds, r2.recall_folds)
    np.testing.assert_array_equal(r1.y_pred, r2.y_pred)
    assert not np.array_equal(r1.fold, r3.fold)


def test_cross_test_errors():
    X = np.zeros((12, 1))
    y = np.array(["a"] * 9 + ["b"] * 3)
    with pytest.raises(ValueError, match=r"n_splits=4 needs at least 4 members per class; classes \['b'\]"):
        cross_test(KNeighborsClassifier(), X, y, n_splits=4)
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2, got 1"):
        cross_test(KNeighborsClassifier(), X, y, n_splits=1)
    with pytest.raises(ValueError, match="X has 12 samples but y has 11 labels"):
        cross_test(KNeighborsClassifier(), X, y[:11], n_splits=2)
