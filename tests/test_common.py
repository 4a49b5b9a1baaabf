"""Every public estimator against vsaug's light-curve checks and scikit-learn's API checks."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks as sk_checks
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags

from vsaug import (
    BaggingAugmentedEnsemble,
    CompoundRNNCNNClassifier,
    DuplicateAugmenter,
    GPLightCurveAugmenter,
    LightCurveCleaner,
    MultiInputRNNClassifier,
    PeriodFinder,
    PeriodicFeatures,
)
from vsaug.fold_residuals import FoldResidualFeatures
from vsaug.sampling import BaseLightCurveSampler, synthetic_meta
from vsaug.stacking import HoldoutStackingClassifier
from vsaug.utils.estimator_checks import (
    _Run,
    check_fit_returns_self,
    check_input_not_mutated,
    check_light_curve_estimator,
    check_nan_input,
    check_output,
    check_same_seed_same_result,
    default_data,
    light_curve_checks,
)

# Tiny settings: the whole file stays well under a minute on 2 cores. A fit
# of a network costs its graph tracing, so the tiny ones train on one batch
# of one padded length (the 45 check curves have 30 to 60 points), and the
# period search scans a short, coarse grid.
_TINY_RNN = dict(gru_units=(4,), dense_units=(8,), scalar_units=(4,), epochs=1, pad_multiple=64,
                 batch_size=64)
ESTIMATORS = [
    LightCurveCleaner(max_iter=2),
    PeriodFinder(overwrite=True, min_period=1.0, max_period=5.0, samples_per_peak=1),
    PeriodicFeatures(),
    GPLightCurveAugmenter(),
    DuplicateAugmenter(),
    BaggingAugmentedEnsemble(
        make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=5)),
        n_estimators=2, samples_per_class=15),
    MultiInputRNNClassifier(**_TINY_RNN),
    CompoundRNNCNNClassifier(MultiInputRNNClassifier(**_TINY_RNN), image_size=16,
                             conv_blocks=(((2, 3),),), cnn_dense_units=(4,), epochs=1,
                             pad_multiple=64, batch_size=64),
    FoldResidualFeatures(min_period=1.0, max_period=5.0),
    HoldoutStackingClassifier(
        [("boosting", make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=5))),
         ("tree", make_pipeline(PeriodicFeatures(), DecisionTreeClassifier(max_depth=3)))],
        validation_fraction=0.3, prior_weight=0.5),
]


def _name(estimator):
    return type(estimator).__name__


@pytest.fixture(scope="module")
def data():
    return default_data()


@pytest.fixture(scope="module")
def rnn_run(data):
    """One seeded fit of the tiny RNN, shared by its checks and by the compound's stage one."""
    rnn = next(e for e in ESTIMATORS if isinstance(e, MultiInputRNNClassifier))
    return _Run(rnn, *data)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_light_curve_checks(estimator, data, request):
    if isinstance(estimator, MultiInputRNNClassifier):
        # check_light_curve_estimator's loop, on the run the compound reuses.
        run = request.getfixturevalue("rnn_run")
        for check in light_curve_checks(estimator):
            check(estimator, *data, run=run)
        return
    if isinstance(estimator, CompoundRNNCNNClassifier):
        # Every check fits stage two on the RNN checked above, frozen; stage
        # one trained inside the compound is tested in test_compound.py.
        fitted = FrozenEstimator(request.getfixturevalue("rnn_run").fit[0])
        estimator = clone(estimator).set_params(rnn=fitted)
    check_light_curve_estimator(estimator, *data)


# scikit-learn's API checks that need no 2-D data, so they apply to estimators
# of light curves. Its data checks are skipped through the input tags
# (two_d_array=False), see test_sklearn_skips_array_checks.
SKLEARN_CHECKS = [
    sk_checks.check_estimator_cloneable,
    sk_checks.check_estimator_tags_renamed,
    sk_checks.check_valid_tag_types,
    sk_checks.check_estimator_repr,
    sk_checks.check_no_attributes_set_in_init,
    sk_checks.check_do_not_raise_errors_in_init_or_set_params,
    sk_checks.check_mixin_order,
    sk_checks.check_get_params_invariance,
    sk_checks.check_set_params,
    sk_checks.check_parameters_default_constructible,
]
# (estimator class, check) -> why it cannot pass. Empty today; add a reason
# with every entry.
EXPECTED_FAILURES = {}


def _sklearn_cases():
    for estimator in ESTIMATORS:
        for check in SKLEARN_CHECKS:
            reason = EXPECTED_FAILURES.get((_name(estimator), check.__name__))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(estimator, check, marks=marks,
                               id=f"{_name(estimator)}-{check.__name__}")


@pytest.mark.parametrize("estimator, check", list(_sklearn_cases()))
def test_sklearn_api_checks(estimator, check):
    check(_name(estimator), clone(estimator))


@sk_checks.parametrize_with_checks(ESTIMATORS)
def test_sklearn_skips_array_checks(estimator, check):
    # With two_d_array=False scikit-learn yields only what needs no arrays.
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_name)
def test_input_tags_say_light_curves(estimator):
    tags = get_tags(estimator)
    assert not tags.input_tags.two_d_array and not tags.input_tags.sparse
    assert list(sk_checks._yield_all_checks(estimator, legacy=True)) == []


# ------------------------------------------------------------------------
# The checks catch what they are for: broken samplers and estimators.
class _CopySampler(BaseLightCurveSampler):
    """A correct minimal sampler, the base of the broken ones below."""

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_prototypes(self, indices):
        pass

    def _sample_batches(self, batches, rngs):
        out = []
        for prototypes, rng in zip(batches, rngs):
            copies = self.X_.take(prototypes)
            noise = rng.normal(0, 0.01, copies.mag.size)
            meta = synthetic_meta(self.X_, prototypes, prototypes, np.zeros(prototypes.size))
            out.append(copies.with_points(mag=copies.mag + noise, meta=meta))
        return out


class _MutatingSampler(_CopySampler):
    def _fit_prototypes(self, indices):
        self.X_.mag[:3] = 0.0  # writes into the caller's array


class _UnseededSampler(_CopySampler):
    def _sample_batches(self, batches, rngs):
        return super()._sample_batches(batches, [np.random.default_rng() for _ in rngs])


class _ShortSampler(_CopySampler):
    def _sample_batches(self, batches, rngs):
        return [b[: len(b) // 2] for b in super()._sample_batches(batches, rngs)]


class _NotSelf(DuplicateAugmenter):
    def fit(self, X, y):
        super().fit(X, y)
        return None


class _BadProba(BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.size), 0.5)

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


class _NoNaNCheck(_CopySampler):
    def _check_X_y(self, X, y):
        # Skips as_light_curves' validation: a NaN reaches the sampler.
        X = X if not hasattr(X, "columns") else _unchecked(X)
        return X, np.asarray(y), False


def _unchecked(frame):
    from vsaug import LightCurves
    from vsaug._ragged import lengths_to_offsets

    lengths = [len(t) for t in frame["time"]]
    cat = [np.concatenate(frame[c].to_list()) for c in ("time", "mag", "err")]
    meta = frame.drop(columns=["time", "mag", "err"]).reset_index(drop=True)
    return LightCurves(*cat, lengths_to_offsets(lengths), meta, validate=False)


def test_a_correct_user_sampler_passes(data):
    check_light_curve_estimator(_CopySampler(), *data)


@pytest.mark.parametrize("estimator, check, message", [
    (_MutatingSampler(), check_input_not_mutated, "changed X.mag"),
    (_UnseededSampler(), check_same_seed_same_result, "with one seed, fitted twice"),
    (_ShortSampler(), check_output, "curves but .* labels"),
    (_NotSelf(), check_fit_returns_self, "does not return self"),
    (_BadProba(), check_output, "do not sum to 1"),
    (_NoNaNCheck(), check_nan_input, "accepted a NaN magnitude|does not name"),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_checks_catch_broken_estimators(estimator, check, message, data):
    X, y = data
    X = X.with_points(mag=X.mag.copy())  # the mutating sampler must not spoil the fixture
    with pytest.raises(AssertionError, match=message):
        check(estimator, X, y)


def test_check_light_curve_estimator_names_the_failed_check(data):
    with pytest.raises(AssertionError, match="check_fit_returns_self failed for _NotSelf"):
        check_light_curve_estimator(_NotSelf(), *data)


def test_n_jobs_check_only_where_the_parameter_exists():
    names = [c.__name__ for c in light_curve_checks(DuplicateAugmenter())]
    assert "check_n_jobs_independence" not in names
    assert "check_n_jobs_independence" in [c.__name__ for c in
                                           light_curve_checks(GPLightCurveAugmenter())]
