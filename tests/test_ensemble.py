"""BaggingAugmentedEnsemble: bags, sharing of GP fits, the estimator contract."""

from collections import Counter

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

import vsaug.augmentation as augmentation
from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, LightCurves, PeriodicFeatures
from vsaug.augmentation import DuplicateAugmenter
from vsaug.datasets import make_light_curves

CLASSES = ["Ecl", "RRab", "RRc", "DSct"]

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
    with pytest.raises(ValueError, match="y has 3 labels but there are 120 light curves"):
        BaggingAugmentedEnsemble(fast_member()).fit(X, y[:3])
    with pytest.raises(ValueError, match=r"y has 1 class\(es\) \(\['Ecl'\]\); at least 2"):
        BaggingAugmentedEnsemble(fast_member()).fit(X, np.full(len(X), "Ecl"))
    with pytest.raises(TypeError, match="y mixes label types"):
        BaggingAugmentedEnsemble(fast_member()).fit(X[:2], ["Ecl", 3])
    with pytest.raises(ValueError, match=r"samples_per_class has no size for class\(es\) \['RRc'\]"):
        BaggingAugmentedEnsemble(fast_member(), samples_per_class={"Ecl": 5, "RRab": 5,
                                                                   "DSct": 5}).fit(X, y)


class WeightedRecorder(RecordingClassifier):
    """Records the sample weights it was given."""

    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        return super().fit(X, y)


def test_warm_start_adds_the_bags_a_fit_from_scratch_gives(data):
    X, y = data
    kw = dict(augmenter=GPLightCurveAugmenter(wrap=False), n_jobs=1,
              samples_per_class=int(np.sum(y == "DSct")) + 6, random_state=7)
    grown = BaggingAugmentedEnsemble(fast_member(), n_estimators=3, warm_start=True, **kw)
    grown.fit(X, y)
    first, augmenter = list(grown.estimators_), grown.augmenter_
    grown.set_params(n_estimators=5).fit(X, y)
    scratch = BaggingAugmentedEnsemble(fast_member(), n_estimators=5, **kw).fit(X, y)
    assert grown.estimators_[:3] == first and grown.augmenter_ is augmenter  # kept, not refitted
    np.testing.assert_array_equal(grown.predict_proba(X), scratch.predict_proba(X))
    for a, b in zip(grown.estimators_prototypes_, scratch.estimators_prototypes_):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="without increasing n_estimators"):
        grown.fit(X, y)
    assert len(grown.estimators_) == 5
    with pytest.raises(ValueError, match=r"n_estimators=4 must be larger or equal to "
                                         r"len\(estimators_\)=5 when warm_start==True"):
        grown.set_params(n_estimators=4).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=True adds bags for the data"):
        grown.set_params(n_estimators=6).fit(X[:100], y[:100])
    # Without warm_start a second fit starts again.
    cold = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate",
                                    n_estimators=2, samples_per_class=10, random_state=0)
    cold.fit(X, y)
    assert len(cold.set_params(n_estimators=3).fit(X, y).estimators_) == 3


def test_plan_bag_is_the_plan_fit_uses(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate",
                                   n_estimators=3, samples_per_class=20, random_state=4)
    before = ens.plan_bag(y, 2)  # no fit needed
    ens.fit(X, y)
    for i in range(3):
        plan = ens.plan_bag(y, i)
        np.testing.assert_array_equal(plan.real, ens.estimators_samples_[i])
        np.testing.assert_array_equal(plan.prototypes, ens.estimators_prototypes_[i])
        assert counts(y[plan.rows]) == {c: 20 for c in CLASSES}
        assert sum(plan.synthetic_counts.values()) == ens.n_synthetic_
        assert plan.synthetic_counts == {c: 20 - n for c, n in counts(y).items() if n < 20}
    np.testing.assert_array_equal(before.rows, ens.plan_bag(y, 2).rows)
    # A bag's plan does not depend on how many bags there are.
    other = BaggingAugmentedEnsemble(RecordingClassifier(), n_estimators=9, samples_per_class=20,
                                     random_state=4)
    np.testing.assert_array_equal(other.plan_bag(y, 1).rows, ens.plan_bag(y, 1).rows)
    rs = np.random.RandomState(0)
    state = rs.get_state()[1].copy()
    BaggingAugmentedEnsemble(RecordingClassifier(), random_state=rs).plan_bag(y, 0)
    np.testing.assert_array_equal(rs.get_state()[1], state)  # the user's generator untouched
    with pytest.raises(ValueError, match="i must be a bag number"):
        ens.plan_bag(y, -1)


def test_dict_samples_per_class_sizes_every_class(data):
    X, y = data
    n = counts(y)
    sizes = {c: max(n[c], 25) for c in CLASSES}  # small classes grow, none shrinks
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate", n_estimators=1,
                                   samples_per_class=sizes, random_state=0).fit(X, y)
    assert ens.estimators_[0].counts_ == sizes
    assert ens.n_synthetic_ == sum(25 - n[c] for c in CLASSES if n[c] < 25)


def test_every_method_refuses_an_unfitted_ensemble(data):
    X, _ = data
    ens = BaggingAugmentedEnsemble(RecordingClassifier())
    for method in ("predict", "predict_proba", "predict_member_proba"):
        with pytest.raises(NotFittedError):
            getattr(ens, method)(X[:2])
    with pytest.raises(NotFittedError):
        ens.score(X[:2], ["Ecl", "RRab"])


def test_member_probabilities_average_to_the_ensemble(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=3,
                                   samples_per_class=15, random_state=0).fit(X, y)
    members = ens.predict_member_proba(X[:7])
    assert members.shape == (3, 7, 4)
    np.testing.assert_allclose(members.mean(axis=0), ens.predict_proba(X[:7]))
    np.testing.assert_allclose(members[1], ens.estimators_[1].predict_proba(X[:7]))
    np.testing.assert_array_equal(ens.predict_member_proba(X[:7], members=[2, 0]),
                                  members[[2, 0]])


def test_identical_leading_steps_are_computed_once_for_all_members(data, monkeypatch):
    X, y = data
    ens = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=3,
                                   samples_per_class=15, random_state=0).fit(X, y)
    each = [m.predict_proba(X) for m in ens.estimators_]  # every member on its own
    calls = []
    transform = PeriodicFeatures.transform
    monkeypatch.setattr(PeriodicFeatures, "transform",
                        lambda self, X: calls.append(len(X)) or transform(self, X))
    np.testing.assert_array_equal(ens.predict_proba(X), np.mean(each, axis=0))
    np.testing.assert_array_equal(ens.predict_member_proba(X, members=[2, 0]),
                                  np.stack([each[2], each[0]]))
    assert calls == [len(X), len(X)]  # once per call, not once per member


def test_leading_steps_fitted_differently_are_not_shared(data):
    from sklearn.preprocessing import StandardScaler

    X, y = data
    member = make_pipeline(PeriodicFeatures(n_harmonics=2), StandardScaler(),
                           HistGradientBoostingClassifier(max_iter=8, max_leaf_nodes=8))
    ens = BaggingAugmentedEnsemble(member, augmenter="duplicate", n_estimators=2,
                                   samples_per_class=15, random_state=0).fit(X, y)
    _, heads = ens._shared_transform(X, ens.estimators_)
    # PeriodicFeatures is shared; each bag's scaler learnt its own means.
    assert [len(h.steps) for h in heads] == [2, 2]
    np.testing.assert_allclose(ens.predict_proba(X[:9]),
                               np.mean([m.predict_proba(X[:9]) for m in ens.estimators_], 0))


def test_sample_weight_and_fit_params_follow_every_bags_rows(data):
    X, y = data
    weights = np.arange(len(X), dtype=float) + 1
    ens = BaggingAugmentedEnsemble(WeightedRecorder(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=20, random_state=0)
    ens.fit(X, y, sample_weight=weights)
    for i, member in enumerate(ens.estimators_):
        # real curves keep their weight; a synthetic gets its prototype's
        np.testing.assert_array_equal(member.sample_weight_, weights[ens.plan_bag(y, i).rows])
    # Pipeline members: routed by step name, or a plain sample_weight to the last step.
    pipe = BaggingAugmentedEnsemble(fast_member(), augmenter="duplicate", n_estimators=2,
                                    samples_per_class=20, random_state=0)
    by_name = pipe.fit(X, y, histgradientboostingclassifier__sample_weight=weights)
    p1 = by_name.predict_proba(X)
    p2 = clone(pipe).fit(X, y, sample_weight=weights).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, clone(pipe).fit(X, y).predict_proba(X))
    with pytest.raises(TypeError, match="RecordingClassifier.fit takes no sample_weight"):
        BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate",
                                 samples_per_class=10).fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="sample_weight must hold 120 finite non-negative"):
        ens.fit(X, y, sample_weight=weights[:5])


def test_frozen_augmenter_is_used_without_refitting(data):
    X, y = data
    spc = int(np.sum(y == "DSct")) + 4
    # fitted on more classes than the ensemble tops up (as vsaug reproduce does)
    gp = GPLightCurveAugmenter(wrap=False, sampling_strategy={
        c: max(counts(y)[c], spc) + 1 for c in ("DSct", "RRc")})
    gp.fit(X, y)
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter=FrozenEstimator(gp),
                                   n_estimators=2, samples_per_class=spc, random_state=3)
    ens.fit(X, y)
    assert ens.augmenter_ is None  # the fits stay the user's, not copied into the model
    own = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter=GPLightCurveAugmenter(wrap=False),
                                   n_estimators=2, samples_per_class=spc, random_state=3).fit(X, y)
    assert ens.n_synthetic_ == own.n_synthetic_ == spc - counts(y)["DSct"]
    assert [m.counts_ for m in ens.estimators_] == [m.counts_ for m in own.estimators_]


def test_validation_set_passed_as_given_when_not_augmented(data):
    X, y = data
    ens = BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate", n_estimators=1,
                                   samples_per_class=10, augment_validation=False, random_state=0)
    ens.fit(X, y, validation_data=(X[:9], y[:9]))
    X_val, y_val = ens.estimators_[0].validation_
    assert len(X_val) == 9 and list(y_val) == list(y[:9])


def test_verbose_reports_progress_over_bags(data, capsys):
    X, y = data
    BaggingAugmentedEnsemble(RecordingClassifier(), augmenter="duplicate", n_estimators=2,
                             samples_per_class=10, random_state=0, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert "BaggingAugmentedEnsemble: bags: 2/2 bag" in captured.err
    assert "drawing" in captured.out


def test_bad_period_named_by_its_place_in_X_and_empty_prediction():
    from sklearn.dummy import DummyClassifier

    from vsaug.datasets import make_light_curves

    X, y = make_light_curves(60, classes=["RRab", "Ecl"], random_state=0)
    meta = X.meta.copy()
    meta.loc[meta.index[2], "period"] = 0.0
    bad = X.with_points(meta=meta)
    ens = BaggingAugmentedEnsemble(DummyClassifier(), augmenter="duplicate", n_estimators=2,
                                   samples_per_class=20)
    with pytest.raises(ValueError, match=r"star 2\b.*period=0\.0"):
        ens.fit(bad, y)
    fitted = ens.fit(X, y)
    assert fitted.predict_proba(X[[]]).shape == (0, 2)
    assert fitted.predict(X[[]]).shape == (0,)


def test_bags_fitted_one_by_one_and_assembled_equal_a_fit(data):
    X, y = data
    spc = int(np.sum(y == "DSct")) + 6
    gp = GPLightCurveAugmenter(wrap=False, sampling_strategy={"DSct": spc}).fit(X, y)
    kw = dict(augmenter=FrozenEstimator(gp), samples_per_class=spc, random_state=7, n_jobs=1)
    fitted = BaggingAugmentedEnsemble(fast_member(), n_estimators=3, **kw).fit(X, y)
    template = BaggingAugmentedEnsemble(fast_member(), n_estimators=3, warm_start=True, **kw)
    members = [template.fit_bag(X, y, k) for k in (2, 0, 1)]  # in any order, anywhere
    assert not hasattr(template, "estimators_")  # fit_bag leaves the ensemble unfitted
    members = [members[1], members[2], members[0]]
    for k, member in enumerate(members):
        np.testing.assert_array_equal(member.predict_proba(X),
                                      fitted.estimators_[k].predict_proba(X))
    assembled = template.assemble(X, y, members)
    assert assembled is template and assembled.n_synthetic_ == fitted.n_synthetic_
    np.testing.assert_array_equal(assembled.predict_proba(X), fitted.predict_proba(X))
    for name in ("estimators_samples_", "estimators_prototypes_"):
        for a, b in zip(getattr(assembled, name), getattr(fitted, name)):
            np.testing.assert_array_equal(a, b)
    # An assembled ensemble grows by warm start like a fitted one.
    assembled.set_params(n_estimators=4).fit(X, y)
    scratch = BaggingAugmentedEnsemble(fast_member(), n_estimators=4, **kw).fit(X, y)
    np.testing.assert_array_equal(assembled.predict_proba(X), scratch.predict_proba(X))
    # Recording members see a bag's synthetic curves and the validation set as fit gives them.
    plain = BaggingAugmentedEnsemble(RecordingClassifier(), n_estimators=2, **kw)
    member = plain.fit_bag(X, y, 1, validation_data=(X[:10], y[:10]))
    whole = clone(plain).fit(X, y, validation_data=(X[:10], y[:10])).estimators_[1]
    assert member.counts_ == whole.counts_ and member.n_synthetic_ == whole.n_synthetic_
    assert len(member.validation_[0]) == len(whole.validation_[0])
    with pytest.raises(ValueError, match="assemble got 2 members for n_estimators=4"):
        template.assemble(X, y, members[:2])
    with pytest.raises(ValueError, match="i must be a bag number"):
        template.fit_bag(X, y, -1)
    with pytest.raises(ValueError, match="i must be a bag number"):
        template.fit_bag(X, y, True)
    with pytest.raises(NotFittedError):
        clone(template).set_params(n_estimators=1).assemble(X, y, [fast_member()])
