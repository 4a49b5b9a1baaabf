"""BaggingAugmentedEnsemble: bags, sharing of GP fits, the estimator contract."""

from collections import Counter

import numpy as np
import pytest
from threadpoolctl import threadpool_limits
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

import vsaug.augmentation as augmentation
from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, LightCurves, PeriodicFeatures
from vsaug.augmentation import DuplicateAugmenter
from vsaug.datasets import make_light_curves

CLASSES = ["Ecl", "RRab", "RRc", "DSct"]

@pytest.fixture(autouse=True)
def one_openmp_thread():
    # Gradient boosting's OpenMP threads spin against each other on a busy
    # 2-core machine (ten times slower); tests use one thread.
    with threadpool_limits(limits=1, user_api="openmp"):
        yield



@pytest.fixture(scope="module")
def data():
    return make_light_curves(120, classes=CLASSES, n_points=(30, 60), random_state=0)


def fast_member(**kw):
    return make_pipeline(
        PeriodicFeatures(n_harmonics=2),
        HistGradientBoostingClassifier(max_iter=8, max_leaf_nodes=8, min_samples_leaf=3, **kw),
    )


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the class frequencies it saw; records what it was given."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, validation_data=None):
        assert isinstance(X, LightCurves)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        self.counts_ = dict(zip(self.classes_, counts.tolist()))
        self.n_synthetic_ = int(X.meta["synthetic"].sum()) if "synthetic" in X.meta else 0
        self.validation_ = validation_data
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(X), 1))


def counts(y):
    return Counter(y.tolist() if hasattr(y, "tolist") else y)


def test_every_bag_is_balanced_and_small_classes_are_topped_up(data):
    X, y = data
    n = counts(y)
    spc = 20
    ens = BaggingAugmentedEnsemble(
        RecordingClassifier(), augmenter="duplicate", n_estimators=3, samples_per_class=spc,
        random_state=0,
    ).fit(X, y)
    small = [c for c in CLASSES if n[c] < spc]
    assert small and any(n[c] > spc for c in CLASSES)
    for b, member in enumerate(ens.estimators_):
        assert member.counts_ == {c: spc for c in CLASSES}
        real = ens.estimators_samples_[b]
        assert np.unique(real).size == real.size
        for c in CLASSES:
            in_bag = np.sum(y[real] == c)
            assert in_bag == min(n[c], spc)  # big classes undersampled, small kept whole
        assert member.n_synthetic_ == sum(spc - n[c] for c in small) == ens.n_synthetic_
        assert set(y[ens.estimators_prototypes_[b]]) == set(small)
    # bags differ from one another
    assert not np.array_equal(ens.estimators_samples_[0], ens.estimators_samples_[1])


def test_gp_fits_are_made_once_and_shared_by_all_bags(data, monkeypatch):
    X, y = data
    calls = []
    real = augmentation.fit_curves

    def counting(X, indices, **kw):
        calls.append(np.asarray(indices).copy())
        return real(X, indices, **kw)

    monkeypatch.setattr(augmentation, "fit_curves", counting)
    spc = int(np.sum(y == "DSct")) + 4  # only DSct needs synthetics
    ens = BaggingAugmentedEnsemble(
        RecordingClassifier(),
        augmenter=GPLightCurveAugmenter(wrap=False),
        n_estimators=3,
        samples_per_class=spc,
        random_state=1,
    ).fit(X, y)
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(np.flatnonzero(y == "DSct"))
    assert ens.augmenter_.gp_params_.shape[0] == np.sum(y == "DSct")
    assert all(m.n_synthetic_ == 4 for m in ens.estimators_)
    # the user's augmenter is cloned, never fitted itself
    assert not hasattr(ens.augmenter, "gp_params_")


def test_clone_and_params_round_trip():
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=4,
                                   samples_per_class=7, random_state=3)
    params = ens.get_params()
    assert params["n_estimators"] == 4 and params["augmenter"] == "duplicate"
    assert params["estimator__histgradientboostingclassifier__max_iter"] == 8
    twin = clone(ens)
    assert twin.get_params()["samples_per_class"] == 7 and twin.estimator is not ens.estimator
    twin.set_params(estimator__histgradientboostingclassifier__max_iter=5, n_estimators=2)
    assert twin.estimator.steps[1][1].max_iter == 5 and twin.n_estimators == 2
    assert ens.estimator.steps[1][1].max_iter == 8


def test_fit_returns_self_and_never_mutates_input(data):
    X, y = data
    before, y_before = X.copy(), y.copy()
    meta_before = X.meta.copy()
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=15, random_state=0)
    assert ens.fit(X, y) is ens
    for name in ("time", "mag", "err", "offsets"):
        np.testing.assert_array_equal(getattr(X, name), getattr(before, name))
    assert X.meta.equals(meta_before) and np.array_equal(y, y_before)


def test_int_random_state_repeats_and_n_jobs_does_not_matter(data):
    X, y = data
    kw = dict(augmenter=GPLightCurveAugmenter(wrap=False), n_estimators=3,
              samples_per_class=int(np.sum(y == "DSct")) + 12)

    def proba(n_jobs, seed):
        ens = BaggingAugmentedEnsemble(fast_member(), n_jobs=n_jobs, random_state=seed, **kw)
        return ens.fit(X, y).predict_proba(X)

    p1, p1b, p2, other = proba(1, 5), proba(1, 5), proba(2, 5), proba(1, 6)
    np.testing.assert_array_equal(p1, p1b)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, other)
    np.testing.assert_allclose(p1.sum(axis=1), 1.0)


def test_members_seeded_from_the_ensemble(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(RecordingClassifier(random_state=None), augmenter="duplicate",
                                   n_estimators=3, samples_per_class=10, random_state=2).fit(X, y)
    seeds = [m.random_state for m in ens.estimators_]
    assert all(isinstance(s, int) for s in seeds) and len(set(seeds)) == 3


def test_members_that_saw_some_classes_fill_the_right_columns(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=10, random_state=0).fit(X, y)
    assert ens.classes_.tolist() == sorted(CLASSES)
    # replace the members by ones that saw only some classes
    a = RecordingClassifier().fit(X[:3], np.array(["RRab", "DSct", "RRab"]))
    b = RecordingClassifier().fit(X[:2], np.array(["Ecl", "RRc"]))
    ens.estimators_ = [a, b]
    proba = ens.predict_proba(X[:4])
    expected = {"DSct": 1 / 6, "Ecl": 1 / 4, "RRab": 1 / 3, "RRc": 1 / 4}
    np.testing.assert_allclose(proba[0], [expected[c] for c in ens.classes_])
    assert ens.predict(X[:1])[0] == "RRab"


def test_validation_data_is_augmented_to_the_largest_class(data):
    X, y = data
    X_val, y_val = make_light_curves(60, classes=CLASSES, n_points=(30, 60), random_state=9)
    largest = max(counts(y_val).values())
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=10, random_state=0)
    ens.fit(X, y, validation_data=(X_val, y_val))
    Xv, yv = ens.estimators_[0].validation_
    assert counts(yv) == {c: largest for c in CLASSES}
    assert len(Xv) == len(yv) == largest * 4
    assert ens.estimators_[1].validation_[0] is Xv  # one augmented set for all members


def test_validation_data_ignored_with_warning_for_plain_members(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=1,
                                   samples_per_class=10, random_state=0)
    with pytest.warns(UserWarning, match="Pipeline.fit has no validation_data parameter"):
        ens.fit(X, y, validation_data=(X, y))


def test_grid_search_and_cross_validate_with_a_pipeline_member(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=15, random_state=0)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    result = cross_validate(ens, X, y, cv=cv, scoring="balanced_accuracy")
    assert result["test_score"].shape == (3,) and np.all(result["test_score"] > 0.4)
    search = GridSearchCV(ens, {"samples_per_class": [10, 20]}, cv=cv, scoring="balanced_accuracy")
    search.fit(X, y)
    assert search.best_params_["samples_per_class"] in (10, 20)
    assert search.best_estimator_.predict_proba(X[:3]).shape == (3, 4)


def test_save_and_load_round_trip(data, tmp_path):
    X, y = data
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter=DuplicateAugmenter(), n_estimators=2,
                                   samples_per_class=12, random_state=0).fit(X, y)
    path = ens.save(tmp_path / "fast.vsaug")
    loaded = BaggingAugmentedEnsemble.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), ens.predict_proba(X))
    from vsaug import save

    save(PeriodicFeatures(), tmp_path / "other.vsaug")
    with pytest.raises(TypeError, match="holds a PeriodicFeatures, not a BaggingAugmentedEnsemble"):
        BaggingAugmentedEnsemble.load(tmp_path / "other.vsaug")


def test_parameter_and_input_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="'samples_per_class' parameter .* Got 0 instead"):
        BaggingAugmentedEnsemble(fast_member(), samples_per_class=0).fit(X, y)
    with pytest.raises(ValueError, match="'augmenter' parameter .* Got 'copy' instead"):
        BaggingAugmentedEnsemble(fast_member(), augmenter="copy").fit(X, y)
    with pytest.raises(ValueError, match="X has 120 light curves but y has 3 labels"):
        BaggingAugmentedEnsemble(fast_member()).fit(X, y[:3])
