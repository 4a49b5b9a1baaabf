"""The LightCurves data model: structure, indexing, conversion, validation,
and passing unchanged through scikit-learn's model-selection tools."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)

from vsaug import MIN_POINTS, LightCurve, LightCurves, as_light_curves


def make_set(lengths=(5, 7, 6, 9), seed=0):
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    meta = pd.DataFrame({"id": np.arange(100, 100 + len(lengths)), "period": 1.0 + np.arange(len(lengths))})
    return LightCurves(np.arange(n, dtype=float), rng.normal(15, 1, n), rng.uniform(0.01, 0.1, n), offsets, meta)


def curve_arrays(X, i):
    lo, hi = X.offsets[i], X.offsets[i + 1]
    return X.time[lo:hi], X.mag[lo:hi], X.err[lo:hi]


def test_structure():
    X = make_set()
    assert len(X) == 4 and X.shape == (4,)
    assert X.lengths.tolist() == [5, 7, 6, 9]
    assert X.n_points == 27
    assert X.curve_index.tolist() == [0] * 5 + [1] * 7 + [2] * 6 + [3] * 9
    assert "n_curves=4" in repr(X)


def test_int_index_returns_one_curve():
    X = make_set()
    c = X[1]
    assert isinstance(c, LightCurve)
    np.testing.assert_array_equal(c.time, np.arange(5, 12))
    assert c.meta["id"] == 101
    np.testing.assert_array_equal(X[-1].mag, curve_arrays(X, 3)[1])
    with pytest.raises(IndexError, match="out of range"):
        X[4]


@pytest.mark.parametrize(
    "key, expected",
    [
        (slice(1, 3), [1, 2]),
        (slice(None, None, -1), [3, 2, 1, 0]),
        (np.array([3, 0, 0]), [3, 0, 0]),
        ([2, -1], [2, 3]),
        (np.array([True, False, False, True]), [0, 3]),
        ((np.array([1, 2]), Ellipsis), [1, 2]),
    ],
)
def test_indexing_selects_right_curves(key, expected):
    X = make_set()
    sub = X[key]
    assert isinstance(sub, LightCurves)
    assert sub.meta["id"].tolist() == [100 + i for i in expected]
    for j, i in enumerate(expected):
        for got, want in zip(curve_arrays(sub, j), curve_arrays(X, i)):
            np.testing.assert_array_equal(got, want)


def test_bad_index():
    X = make_set()
    with pytest.raises(IndexError, match="boolean index has shape"):
        X[np.array([True, False])]
    with pytest.raises(IndexError, match="out of range"):
        X[[0, 9]]
    with pytest.raises(IndexError, match="cannot index"):
        X[np.array([0.5])]


def test_indexing_copies_and_never_shares_input():
    t = np.arange(10.0)
    X = LightCurves(t, np.zeros(10), np.ones(10), [0, 5, 10])
    t[:] = -1  # the container copied its input
    assert X.time[0] == 0
    sub = X[[0]]
    sub.mag[:] = 5
    assert np.all(X.mag == 0)


def test_concatenate():
    X = make_set()
    Y = make_set(lengths=(8, 5), seed=1)
    Z = LightCurves.concatenate([X, Y])
    assert len(Z) == 6 and Z.n_points == X.n_points + Y.n_points
    np.testing.assert_array_equal(Z[5].mag, Y[1].mag)
    assert Z.meta["id"].tolist() == [100, 101, 102, 103, 100, 101]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("mag", np.nan, "star 2 \\(id=102\\): non-finite mag"),
        ("time", np.inf, "star 2 \\(id=102\\): non-finite time"),
        ("err", 0.0, "star 2 \\(id=102\\): error <= 0"),
        ("err", -0.1, "star 2 \\(id=102\\): error <= 0"),
    ],
)
def test_bad_values_name_the_star(field, value, message):
    X = make_set()
    arrays = {"time": X.time.copy(), "mag": X.mag.copy(), "err": X.err.copy()}
    arrays[field][X.offsets[2] + 1] = value
    with pytest.raises(ValueError, match=message):
        LightCurves(arrays["time"], arrays["mag"], arrays["err"], X.offsets, X.meta)


def test_too_few_points_and_mismatched_lengths():
    with pytest.raises(ValueError, match=f"star 1 has 3 points, fewer than the minimum of {MIN_POINTS}"):
        LightCurves(np.arange(8.0), np.zeros(8), np.ones(8), [0, 5, 8])
    with pytest.raises(ValueError, match="same length"):
        LightCurves(np.arange(8.0), np.zeros(7), np.ones(8), [0, 8])
    with pytest.raises(ValueError, match="offsets must start at 0"):
        LightCurves(np.arange(8.0), np.zeros(8), np.ones(8), [0, 5])
    with pytest.raises(ValueError, match="meta has 2 rows"):
        LightCurves(np.arange(8.0), np.zeros(8), np.ones(8), [0, 8], pd.DataFrame({"a": [1, 2]}))


def test_require_period():
    X = make_set()
    np.testing.assert_array_equal(X.require("period"), [1, 2, 3, 4])
    meta = X.meta.copy()
    meta.loc[1, "period"] = np.nan
    with pytest.raises(ValueError, match="star 1 \\(id=101\\) has period=nan"):
        X.with_points(meta=meta).require("period")
    with pytest.raises(ValueError, match="no 'period' in meta \\(run PeriodFinder first\\)"):
        LightCurves(X.time, X.mag, X.err, X.offsets).require("period")


def test_select_and_sort_points():
    X = LightCurves([3.0, 1, 2, 0, 4, 9, 8, 7, 6, 5], np.arange(10.0), np.ones(10), [0, 5, 10])
    S = X.sort_by_time()
    assert S.time.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert S.mag.tolist() == [3, 1, 2, 0, 4, 9, 8, 7, 6, 5]
    keep = np.ones(10, bool)
    keep[[0, 7]] = False
    K = X.select_points(keep, validate=False)
    assert K.lengths.tolist() == [4, 4]
    with pytest.raises(ValueError, match="fewer than the minimum"):
        X.select_points(keep)


def test_as_light_curves_from_tuples_and_frames():
    rng = np.random.default_rng(0)
    triples = [(np.arange(n, dtype=float), rng.normal(size=n), np.full(n, 0.1)) for n in (5, 8)]
    X = as_light_curves(triples, meta=pd.DataFrame({"period": [1.0, 2.0]}))
    assert X.lengths.tolist() == [5, 8] and X.meta["period"].tolist() == [1.0, 2.0]
    df = pd.DataFrame({"time": [t for t, _, _ in triples], "mag": [m for _, m, _ in triples],
                       "err": [e for _, _, e in triples], "period": [1.0, 2.0]})
    Y = as_light_curves(df)
    np.testing.assert_array_equal(Y.mag, X.mag)
    assert Y.meta.columns.tolist() == ["period"]
    assert as_light_curves(X) is X
    assert len(as_light_curves(X[0])) == 1
    with pytest.raises(ValueError, match="star 1: time, mag and err have different lengths"):
        as_light_curves([triples[0], (np.arange(5.0), np.zeros(4), np.ones(5))])
    with pytest.raises(ValueError, match="from_long"):
        as_light_curves(pd.DataFrame({"mjd": [1.0]}))
    with pytest.raises(TypeError, match="cannot make light curves from int"):
        as_light_curves(3)


def test_from_long_groups_non_contiguous_rows_and_sorts_time():
    df = pd.DataFrame({
        "star": ["b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "a"],
        "t": [5.0, 3, 1, 2, 4, 1, 3, 5, 2, 4, 0],
        "m": np.arange(11.0),
        "e": np.full(11, 0.1),
    })
    cat = pd.DataFrame({"star": ["a", "b"], "period": [0.5, 0.7]})
    X = LightCurves.from_long(df, id="star", time="t", mag="m", err="e", meta=cat)
    assert X.meta["star"].tolist() == ["b", "a"]
    assert X.meta["period"].tolist() == [0.7, 0.5]
    np.testing.assert_array_equal(X[0].time, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(X[0].mag, [2, 8, 6, 4, 0])
    np.testing.assert_array_equal(X[1].time, [0, 1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="no column\\(s\\) \\['mjd', 'mag', 'err'\\]"):
        LightCurves.from_long(df, id="star")


class MeanMagClassifier(ClassifierMixin, BaseEstimator):
    """Nearest class mean of the curves' mean magnitude; takes LightCurves.

    ``shift`` biases the prediction only, so a grid search must reject it.
    """

    def __init__(self, shift=0.0):
        self.shift = shift

    def fit(self, X, y):
        assert isinstance(X, LightCurves)
        m = self._feature(X)  # shift is applied only when predicting
        self.classes_ = np.unique(y)
        self.means_ = np.array([m[y == c].mean() for c in self.classes_])
        return self

    def _feature(self, X):
        return np.add.reduceat(X.mag, X.offsets[:-1]) / X.lengths

    def predict(self, X):
        assert isinstance(X, LightCurves)
        d = np.abs(self._feature(X)[:, None] + self.shift - self.means_[None])
        return self.classes_[d.argmin(1)]


def two_class_set(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(["bright", "faint"] * (n // 2), dtype=object)
    lengths = rng.integers(5, 20, n)
    base = np.where(y == "bright", 12.0, 16.0)
    mag = np.repeat(base, lengths) + rng.normal(0, 0.3, lengths.sum())
    X = LightCurves(np.arange(lengths.sum(), dtype=float), mag, np.full(lengths.sum(), 0.05),
                    np.concatenate([[0], np.cumsum(lengths)]))
    return X, y


def test_passes_through_train_test_split():
    X, y = two_class_set()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    assert isinstance(X_tr, LightCurves) and len(X_tr) == 30 and len(X_te) == 10
    # the labels still belong to their curves
    assert np.all((X_te.mag[X_te.offsets[:-1]] < 14) == (y_te == "bright"))


def test_passes_through_cross_val_score_and_grid_search():
    X, y = two_class_set()
    scores = cross_val_score(MeanMagClassifier(), X, y, cv=StratifiedKFold(4))
    assert scores.shape == (4,) and scores.min() == 1.0
    search = GridSearchCV(MeanMagClassifier(), {"shift": [0.0, 100.0]}, cv=3).fit(X, y)
    assert search.best_params_ == {"shift": 0.0}
    assert search.score(X, y) == 1.0


# ------------------------------------------- validation where data enter
def test_bools_are_not_indices():
    X = make_set()
    for key in (True, False, np.True_, np.False_, np.array(True)):
        with pytest.raises(TypeError, match="cannot index LightCurves with the bool"):
            X[key]


def test_edited_arrays_are_caught_at_entry_with_the_constructors_message():
    X = make_set()
    X.mag[8] = np.nan  # curve 1 (id 101)
    with pytest.raises(ValueError, match=r"^star 1 \(id=101\): non-finite mag value; remove"):
        as_light_curves(X)
    X = make_set()
    X.err[-1] = -0.1
    with pytest.raises(ValueError, match=r"^star 3 \(id=103\): error <= 0; every point"):
        as_light_curves(X)
    X = make_set()
    X.time[0] = 1e308
    X.time[1] = 1e308  # finite, but the sum overflows: must not be taken for inf
    assert as_light_curves(X) is X
    X.time[2] = np.inf
    with pytest.raises(ValueError, match="star 0 .*non-finite time value"):
        as_light_curves(X)
    X = make_set()
    X.offsets[1] = 3  # a curve of 3 points
    with pytest.raises(ValueError, match=r"star 0 \(id=100\) has 3 points, fewer than the minimum"):
        as_light_curves(X)
    X.offsets[1] = 99
    with pytest.raises(ValueError, match="offsets must be non-decreasing"):
        as_light_curves(X)


def test_with_points_validates_replaced_arrays():
    X = make_set()
    with pytest.raises(ValueError, match=r"star 2 \(id=102\): non-finite err value"):
        X.with_points(err=np.where(np.arange(X.n_points) == 14, np.inf, X.err))
    assert X.with_points(meta=X.meta.assign(period=2.0)).meta["period"].eq(2.0).all()


def test_arrays_that_are_not_numbers_are_refused_by_name():
    X = make_set()
    with pytest.raises(TypeError, match="^mag must hold numbers.*could not convert string"):
        X.with_points(mag=np.full(X.n_points, "bright"))
    with pytest.raises(TypeError, match="^time must hold numbers"):
        LightCurves([{"t": 1}] * 5, np.zeros(5), np.ones(5), [0, 5])


def _fast_member():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from vsaug import PeriodicFeatures

    return make_pipeline(PeriodicFeatures(n_harmonics=2), HistGradientBoostingClassifier(max_iter=3))


def _entry_points():
    """(name, call(X, y)) for the public entry points; fitted ones are fitted on clean data."""
    from vsaug import (BaggingAugmentedEnsemble, GPLightCurveAugmenter, LightCurveCleaner,
                       PeriodFinder, PeriodicFeatures)
    from vsaug.augmentation import DuplicateAugmenter
    from vsaug.datasets import make_light_curves

    X, y = make_light_curves(24, classes=["RRab", "Ecl"], n_points=(20, 30), random_state=0)
    features = PeriodicFeatures().fit(X)
    cleaner = LightCurveCleaner().fit(X)
    finder = PeriodFinder().fit(X)
    ensemble = BaggingAugmentedEnsemble(_fast_member(), augmenter=DuplicateAugmenter(),
                                        n_estimators=1, samples_per_class=12, random_state=0)
    ensemble.fit(X, y)
    return X, y, {
        "PeriodicFeatures.fit": lambda X, y: PeriodicFeatures().fit(X, y),
        "PeriodicFeatures.transform": lambda X, y: features.transform(X),
        "LightCurveCleaner.fit": lambda X, y: LightCurveCleaner().fit(X),
        "LightCurveCleaner.transform": lambda X, y: cleaner.transform(X),
        "PeriodFinder.fit": lambda X, y: PeriodFinder().fit(X),
        "PeriodFinder.transform": lambda X, y: finder.transform(X),
        "GPLightCurveAugmenter.fit_resample":
            lambda X, y: GPLightCurveAugmenter(random_state=0).fit_resample(X, y),
        "DuplicateAugmenter.fit_resample": lambda X, y: DuplicateAugmenter().fit_resample(X, y),
        "BaggingAugmentedEnsemble.fit": lambda X, y: clone_fit(ensemble, X, y),
        "BaggingAugmentedEnsemble.predict_proba": lambda X, y: ensemble.predict_proba(X),
    }


def clone_fit(estimator, X, y):
    from sklearn.base import clone

    return clone(estimator).fit(X, y)


def _break(X, kind):
    """A copy of ``X`` spoilt the way a user's edit could spoil it; curve 2 is the bad one."""
    X = X.copy()
    point = X.offsets[2] + 1
    if kind == "nan mag":
        X.mag[point] = np.nan
    elif kind == "inf time":
        X.time[point] = np.inf
    elif kind == "-inf err":
        X.err[point] = -np.inf
    elif kind == "err = 0":
        X.err[point] = 0.0
    elif kind == "err < 0":
        X.err[point] = -0.05
    elif kind == "3 points":
        keep = np.ones(X.n_points, bool)
        keep[X.offsets[2] + 3 : X.offsets[3]] = False
        X = X.select_points(keep, validate=False)
    return X


BAD_KINDS = {
    "nan mag": r"star 2 \(id=2\): non-finite mag value",
    "inf time": r"star 2 \(id=2\): non-finite time value",
    "-inf err": r"star 2 \(id=2\): non-finite err value",
    "err = 0": r"star 2 \(id=2\): error <= 0",
    "err < 0": r"star 2 \(id=2\): error <= 0",
    "3 points": r"star 2 \(id=2\) has 3 points, fewer than the minimum of 5",
}


@pytest.fixture(scope="module")
def entry_points():
    return _entry_points()


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_every_entry_point_refuses_spoilt_arrays(entry_points, kind):
    X, y, calls = entry_points
    bad = _break(X, kind)
    for name, call in calls.items():
        with pytest.raises(ValueError, match=BAD_KINDS[kind]):
            call(bad, y)
