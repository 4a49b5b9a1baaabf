"""HoldoutStackingClassifier: learns on small synthetic data, composes like an estimator."""

import pickle

import numpy as np
import pytest
from threadpoolctl import threadpool_limits
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import vsaug
from vsaug import PeriodicFeatures
from vsaug.datasets import make_light_curves
from vsaug.stacking import PRIOR_WEIGHTS, HoldoutStackingClassifier


def _boosting():
    return make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=20,
                                                                          random_state=0))


def _members():
    return [("boosting", _boosting()),
            ("linear", make_pipeline(PeriodicFeatures(), StandardScaler(),
                                     LogisticRegression(max_iter=300)))]


@pytest.fixture(scope="module")
def data():
    X, y = make_light_curves(700, random_state=0)
    return train_test_split(X, np.asarray(y), test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    X_tr, _, y_tr, _ = data
    # module fixtures run outside conftest's per-test one_openmp_thread
    with threadpool_limits(limits=1, user_api="openmp"):
        return HoldoutStackingClassifier(_members(), random_state=0).fit(X_tr, y_tr)


def test_learns_and_is_not_worse_than_its_best_member(data, fitted):
    X_tr, X_te, y_tr, y_te = data
    stacked = balanced_accuracy_score(y_te, fitted.predict(X_te))
    members = [balanced_accuracy_score(y_te, m.predict(X_te)) for m in fitted.estimators_]
    chance = 1 / len(fitted.classes_)
    assert stacked > 3 * chance
    assert stacked >= max(members) - 0.03
    proba = fitted.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert fitted.prior_weight_ in PRIOR_WEIGHTS


def test_members_never_see_the_held_out_stars(data, fitted):
    X_tr, _, y_tr, _ = data
    held = fitted.holdout_index_
    assert held.size == pytest.approx(len(X_tr) / 7, abs=len(fitted.classes_))
    # a member fitted again on the non-held-out stars alone gives the same probabilities
    rest = np.setdiff1d(np.arange(len(X_tr)), held)
    again = clone(fitted.estimators[0][1]).fit(X_tr.take(rest), y_tr[rest])
    np.testing.assert_allclose(again.predict_proba(X_tr[:20]),
                               fitted.estimators_[0].predict_proba(X_tr[:20]))


def test_prior_weight_moves_decision_towards_small_classes(data):
    X_tr, X_te, y_tr, _ = data
    one = [("boosting", _boosting())]
    natural = HoldoutStackingClassifier(one, prior_weight=0.0, random_state=0).fit(X_tr, y_tr)
    equal = HoldoutStackingClassifier(one, prior_weight=1.0, random_state=0).fit(X_tr, y_tr)
    rare = natural.classes_[np.argmin(natural.class_prior_)]
    assert (equal.predict(X_te) == rare).sum() >= (natural.predict(X_te) == rare).sum()
    # the same member and combiner: only the decision rule differs, by the inverse priors
    p0, p1 = natural.predict_proba(X_te), equal.predict_proba(X_te)
    ratio = (p1 / p0) / (p1 / p0).sum(axis=1, keepdims=True)
    expected = natural.class_prior_**-1.0 / (natural.class_prior_**-1.0).sum()
    np.testing.assert_allclose(ratio, np.broadcast_to(expected, ratio.shape), rtol=1e-6)


def test_save_load_and_pickle_round_trip(tmp_path, data, fitted):
    _, X_te, _, _ = data
    path = tmp_path / "stacked.vsaug"
    vsaug.save(fitted, path)
    np.testing.assert_array_equal(vsaug.load(path).predict_proba(X_te), fitted.predict_proba(X_te))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X_te),
                                  fitted.predict(X_te))


def test_grid_search_over_prior_weight(data):
    X_tr, _, y_tr, _ = data
    search = GridSearchCV(HoldoutStackingClassifier([("boosting", _boosting())],
                                                    validation_fraction=0.3, random_state=0),
                          {"prior_weight": [0.0, 1.0]}, cv=2, scoring="balanced_accuracy")
    search.fit(X_tr, y_tr)
    assert search.best_params_["prior_weight"] in (0.0, 1.0)


def test_clear_errors():
    X, y = make_light_curves(200, random_state=2)
    with pytest.raises(ValueError, match="empty"):
        HoldoutStackingClassifier([]).fit(X, y)
    with pytest.raises(TypeError, match="pairs"):
        HoldoutStackingClassifier([_boosting()]).fit(X, y)
    with pytest.raises(ValueError, match="unique"):
        HoldoutStackingClassifier([("a", _boosting()), ("a", _boosting())]).fit(X, y)
    with pytest.raises(TypeError, match="predict_proba"):
        HoldoutStackingClassifier([("svm", make_pipeline(PeriodicFeatures(), _NoProba()))]).fit(X, y)
    with pytest.raises(ValueError, match="class"):
        HoldoutStackingClassifier([("d", DummyClassifier())]).fit(X, np.zeros(len(X)))
    with pytest.raises(NotFittedError):
        HoldoutStackingClassifier(_members()).predict(X)


class _NoProba(DummyClassifier):
    def __getattribute__(self, name):
        if name == "predict_proba":
            raise AttributeError(name)
        return super().__getattribute__(name)


def test_frozen_members_are_used_as_fitted_and_match_a_member_fitted_inside(data):
    from sklearn.frozen import FrozenEstimator

    from vsaug._random import child_seeds
    from vsaug.ensemble import _seed_member

    X_tr, X_te, y_tr, _ = data
    inside = HoldoutStackingClassifier([("boosting", _boosting())], random_state=3).fit(X_tr, y_tr)
    fit_index, hold_index = inside.holdout_split(y_tr)
    np.testing.assert_array_equal(hold_index, inside.holdout_index_)
    assert np.intersect1d(fit_index, hold_index).size == 0
    assert fit_index.size + hold_index.size == len(y_tr)
    # the member as fit would seed and fit it, fitted outside and frozen
    seed = int(child_seeds(3, 2)[1])
    member = _seed_member(clone(_boosting()), seed).fit(X_tr.take(fit_index), y_tr[fit_index])
    frozen = HoldoutStackingClassifier([("boosting", FrozenEstimator(member))],
                                       random_state=3).fit(X_tr, y_tr)
    assert frozen.estimators_[0].estimator is member  # not refitted, not reseeded
    np.testing.assert_allclose(frozen.predict_proba(X_te), inside.predict_proba(X_te))


def test_best_model_is_a_cleaned_stack_of_the_chosen_members():
    from vsaug.experiments import BEST_MEMBERS, make_model, stacking_members

    model = make_model("best", "demo", n_bags=2, random_state=0)
    assert [name for name, _ in model.steps] == ["clean", "stack"]
    stack = model[-1]
    assert [name for name, _ in stack.estimators] == list(BEST_MEMBERS)
    assert clone(model).get_params()["stack__random_state"] == 0
    with pytest.raises(ValueError, match="stacked model"):
        make_model("best", "demo", epochs=2)
    with pytest.raises(ValueError, match="unknown stacking members"):
        stacking_members("demo", names=["fast", "forest"])


def test_best_model_learns_on_small_synthetic_data(data):
    from vsaug.experiments import make_best_model

    X_tr, X_te, y_tr, y_te = data
    model = make_best_model("demo", n_bags=1, samples_per_class=30, random_state=0)
    model.fit(X_tr, y_tr)
    score = balanced_accuracy_score(y_te, model.predict(X_te))
    assert score > 3 / len(np.unique(y_tr))  # three times chance
    assert model[-1].final_estimator_.weights_.shape == (3,)
