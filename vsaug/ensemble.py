"""The bagging-like ensemble of DESIGN 1.3 around any light-curve classifier.

scikit-learn's ``BaggingClassifier`` and imbalanced-learn's
``BalancedBaggingClassifier`` validate ``X`` as a 2-D array, so ragged light
curves need this class; it follows their conventions (one
``check_random_state``, one seed per bag drawn from it in order, members
cloned, ``warm_start`` to add bags, ``predict_proba`` averaged into the
columns of the classes each member saw). Where it departs from
imbalanced-learn's ``Pipeline([sampler, classifier])`` per bag: the GP fits
are made once, by one augmenter, and shared by every bag; only the cheap
draws differ between bags.
"""

from __future__ import annotations

import copy
import inspect
import json
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import joblib
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._base import LightCurveInputMixin
from ._progress import progress_bar
from ._random import child_seeds
from ._validation import check_labels
from .augmentation import DuplicateAugmenter, GPLightCurveAugmenter, plan_resample
from .lightcurves import LightCurves, as_light_curves
from .persistence import SaveLoadMixin

__all__ = ["BaggingAugmentedEnsemble", "BagPlan"]


def _derive(*words):
    """An int32 seed from non-negative ints, independent for different words."""
    state = np.random.SeedSequence([int(w) for w in words]).generate_state(1)
    return int(state[0] >> 1)


def _accepts_validation_data(estimator):
    try:
        return "validation_data" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):
        return False


def _seed_member(member, seed):
    """Give every ``random_state`` parameter of a member a seed derived from the bag's.

    ``None`` (or a ``RandomState``) is replaced by a draw from the bag's seed,
    as scikit-learn's bagging does; an int the user set is combined with that
    draw, so members of ensembles sharing their bags can still differ.
    """
    params = member.get_params(deep=True)
    keys = sorted(k for k in params if k == "random_state" or k.endswith("__random_state"))
    drawn_seeds = child_seeds(np.random.RandomState(seed), len(keys))
    seeds = {}
    for key, drawn in zip(keys, drawn_seeds.tolist()):
        own = params[key]
        is_int = isinstance(own, Integral) and not isinstance(own, bool)
        seeds[key] = _derive(own, drawn) if is_int and own >= 0 else drawn
    return member.set_params(**seeds)


def _sample_weight_key(estimator):
    """The fit keyword that takes per-curve weights, or None if it takes none."""
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        return f"{name}__sample_weight" if has_fit_parameter(last, "sample_weight") else None
    return "sample_weight" if has_fit_parameter(estimator, "sample_weight") else None


def _per_curve(value, n_curves):
    """Whether a fit parameter holds one value per training curve (to be sliced per bag)."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        return False
    return np.ndim(value) >= 1 and len(value) == n_curves


def _fit_member(estimator, X, y, seed, validation_data, fit_params):
    member = _seed_member(clone(estimator), seed)
    if validation_data is not None:
        member.fit(X, y, validation_data=validation_data, **fit_params)
    else:
        member.fit(X, y, **fit_params)
    return member


def _bag_curves(X, y, plan, synthetic):
    """A bag's curves and labels: its real curves, then its synthetics (if any)."""
    X_bag, y_bag = X.take(plan.real), y[plan.real]
    if synthetic is not None and len(synthetic):
        X_bag = LightCurves.concatenate([X_bag, synthetic])
        y_bag = np.concatenate([y_bag, y[plan.prototypes]])
    return X_bag, y_bag


@dataclass(frozen=True)
class BagPlan:
    """Which training curves make up one bag.

    Attributes
    ----------
    index : int
        The bag's number.
    seed : int
        The bag's seed (drawn from the ensemble's ``random_state``); the
        undersampling, the prototypes, the synthetic draws and the member's
        seeds all derive from it.
    real : ndarray of int
        Training rows of the real curves in the bag, class by class.
    prototypes : ndarray of int
        Training row of the prototype of every synthetic curve, in the
        order the synthetics follow the real curves.
    synthetic_counts : dict
        Class -> number of synthetic curves (classes with none left out).
    synthetic_seed : int
        Seed of the bag's synthetic draws.
    """

    index: int
    seed: int
    real: np.ndarray
    prototypes: np.ndarray
    synthetic_counts: dict
    synthetic_seed: int

    @property
    def rows(self):
        """Training row behind every curve of the bag: the real ones, then each synthetic's prototype."""
        return np.concatenate([self.real, self.prototypes])


class BaggingAugmentedEnsemble(
    LightCurveInputMixin, SaveLoadMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator
):
    """Ensemble of classifiers trained on class-balanced, augmented bags.

    Every bag holds ``samples_per_class`` curves of every class: classes
    larger than that are randomly undersampled; smaller classes keep all
    their real curves and are topped up with fresh synthetic curves drawn
    from the augmenter (GP fits made once per prototype and reused by every
    bag). One clone of ``estimator`` is fitted per bag and the prediction is
    the mean of the members' probabilities.

    Parameters
    ----------
    estimator : classifier
        Takes :class:`~vsaug.LightCurves` in ``fit`` and ``predict_proba``:
        a vsaug network, or a scikit-learn ``Pipeline`` of
        :class:`~vsaug.PeriodicFeatures` and a tabular model. Members whose
        ``fit`` has a ``validation_data`` parameter receive the (augmented)
        validation set.
    augmenter : augmenter, FrozenEstimator, "duplicate" or None, default=None
        Source of the synthetic curves. ``None`` means
        ``GPLightCurveAugmenter(n_jobs=n_jobs)``; ``"duplicate"`` tops up
        with copies of random real curves (a cheap baseline). Any object
        with ``fit`` and ``sample_batches`` is cloned and fitted once, with
        ``sampling_strategy`` set to the classes that need topping up. An
        augmenter already fitted on the same training curves and wrapped in
        :class:`sklearn.frozen.FrozenEstimator` is used as it is (no GP fits
        at all); its fits must cover every class this ensemble tops up.
    n_estimators : int, default=10
        Number of bags (members).
    samples_per_class : int or dict, default=1875
        Size of every class in every bag; a dict gives every class its own
        size (class -> int, every class of ``y`` listed).
    warm_start : bool, default=False
        When True, ``fit`` keeps the members already fitted and adds bags
        up to ``n_estimators``, with the seeds a fit from scratch would
        give them: fitting 3 bags and then 5 with ``warm_start=True`` gives
        the ensemble one fit of 5 gives (with an int ``random_state``).
        The data must be those of the first fit.
    augment_validation : bool, default=True
        Augment ``validation_data`` so every class has the size of the
        largest (DESIGN 1.3). False passes it to the members as given (for
        a validation set augmented once, as ``vsaug reproduce`` does).
    n_jobs : int, default=None
        Members fitted in parallel (joblib), and the default augmenter's
        workers. Results do not depend on it. Keras members should be
        trained with ``n_jobs=1``: TensorFlow already uses every core and
        does not share a process well.
    random_state : int, RandomState instance or None, default=None
        Draws one seed per bag, in order (so bag ``i`` does not depend on
        ``n_estimators``). A bag's seed drives its undersampling, its
        synthetics and its member's ``random_state`` parameters.
    verbose : int, default=0
        Progress messages and a progress bar over the bags.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimators_ : list of fitted classifiers
    estimators_samples_ : list of ndarray of int
        For every bag, the indices of the real training curves it used.
    estimators_prototypes_ : list of ndarray of int
        For every bag, the prototype (training index) of each synthetic.
    augmenter_ : fitted augmenter or None
        Holds the GP fits shared by all bags (``None`` when no class needed
        topping up, or when ``augmenter`` was given frozen: its fits are
        used from the parameter and not copied into the ensemble).
    n_synthetic_ : int
        Synthetic curves per bag.

    See Also
    --------
    GPLightCurveAugmenter : The synthetic curves.
    PeriodicFeatures : Features for a fast tabular member.

    Notes
    -----
    The library's fast model is this ensemble around
    ``make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier())``
    with the default GP augmenter, trained on curves cleaned by
    :class:`~vsaug.LightCurveCleaner` (clean first, so that the GP
    prototypes are clean too). On the CRTS development set (stratified
    6:1:3 split) it reached 0.839 balanced accuracy and 0.794 macro F1 on
    the test part with the paper's GP error model (class weights alone:
    0.799 and 0.785), in 6.5-10 minutes on 2 shared cores
    (``benchmarks/bench_fast_model.py``), and 0.842 and 0.782 with
    ``error_model="empirical"`` in the CRTS run of ``docs/results``.

    Fit parameters (``sample_weight`` and any ``**fit_params`` value with
    one entry per training curve, e.g.
    ``histgradientboostingclassifier__sample_weight``) are sliced to every
    bag's rows; a synthetic curve gets its prototype's value. A plain
    ``sample_weight`` goes to the final step of a ``Pipeline`` member.

    In prediction, leading pipeline steps that are identical in every member
    (equal :func:`joblib.hash`: same parameters and fitted state, such as
    the fast model's ``PeriodicFeatures``) are computed once and their output
    passed to the rest of each member's pipeline: the same probabilities,
    without repeating the features once per bag.

    All synthetic curves of the bags a ``fit`` adds are drawn up front in the
    main process (each from its bag's seed), then the members are fitted in
    parallel; memory therefore holds those bags' synthetics at once.

    Examples
    --------
    The library's fast model, GP bagging around a gradient-boosting model on
    Fourier features:

    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from vsaug import BaggingAugmentedEnsemble, PeriodicFeatures
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(120, classes=["RRab", "RRc", "DSct"], random_state=0)
    >>> fast = BaggingAugmentedEnsemble(
    ...     make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=20)),
    ...     augmenter="duplicate", n_estimators=2, samples_per_class=40,
    ...     warm_start=True, random_state=0)
    >>> fast.fit(X, y).predict_proba(X[:2]).shape
    (2, 3)
    >>> plan = fast.plan_bag(y, 0)
    >>> len(plan.rows), sum(plan.synthetic_counts.values()) == fast.n_synthetic_
    (120, True)

    One more bag, the first two kept (as if ``n_estimators=3`` from the start):

    >>> len(fast.set_params(n_estimators=3).fit(X, y).estimators_)
    3
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "augmenter": [None, StrOptions({"duplicate"}), HasMethods(["fit", "sample_batches"])],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "samples_per_class": [Interval(Integral, 1, None, closed="left"), dict],
        "warm_start": ["boolean"],
        "augment_validation": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        augmenter=None,
        n_estimators=10,
        samples_per_class=1875,
        warm_start=False,
        augment_validation=True,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.augmenter = augmenter
        self.n_estimators = n_estimators
        self.samples_per_class = samples_per_class
        self.warm_start = warm_start
        self.augment_validation = augment_validation
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- planning
    def _base_augmenter(self):
        """An unfitted augmenter with the user's settings."""
        if self.augmenter is None:
            return GPLightCurveAugmenter(n_jobs=self.n_jobs, verbose=self.verbose)
        if isinstance(self.augmenter, str):
            return DuplicateAugmenter()
        if isinstance(self.augmenter, FrozenEstimator):
            return clone(self.augmenter.estimator)
        return clone(self.augmenter)

    def _targets(self, classes):
        """Class -> size in every bag, in the order of ``classes``."""
        spc = self.samples_per_class
        if not isinstance(spc, dict):
            return {c: int(spc) for c in classes}
        missing = [c for c in classes if c not in spc]
        if missing:
            raise ValueError(
                f"samples_per_class has no size for class(es) {missing}; give every class "
                "of y a size, or an int for all"
            )
        bad = {c: n for c, n in spc.items() if not isinstance(n, Integral) or n < 1}
        if bad:
            raise ValueError(f"samples_per_class sizes must be positive ints; got {bad}")
        return {c: int(spc[c]) for c in classes}

    def _seeds(self, n):
        """The first ``n`` bag seeds, without consuming a RandomState the user passed."""
        random_state = self.random_state
        if isinstance(random_state, np.random.RandomState):
            random_state = copy.deepcopy(random_state)
        return child_seeds(random_state, n)

    @staticmethod
    def _plan(y, targets, index, seed):
        rng = np.random.default_rng(int(seed))
        real, prototypes = plan_resample(y, targets, rng)
        classes, counts = np.unique(y[prototypes], return_counts=True)
        return BagPlan(index=index, seed=int(seed), real=real, prototypes=prototypes,
                       synthetic_counts=dict(zip(classes.tolist(), counts.tolist())),
                       synthetic_seed=child_seeds(rng))

    def plan_bag(self, y, i):
        """The plan of bag ``i`` for training labels ``y``, without fitting anything.

        With an int ``random_state`` it is the plan ``fit(X, y)`` uses for
        bag ``i`` (whatever ``n_estimators`` is); a fitted ensemble's
        ``estimators_samples_`` and ``estimators_prototypes_`` hold the
        plans it used in any case.

        Parameters
        ----------
        y : array-like of shape (n_curves,)
            The training labels.
        i : int
            The bag, from 0.

        Returns
        -------
        BagPlan
            The real rows, each synthetic's prototype row, the synthetic
            count per class and the seeds.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.dummy import DummyClassifier
        >>> from vsaug import BaggingAugmentedEnsemble
        >>> y = np.array(["Ecl"] * 8 + ["DSct"] * 2)
        >>> ens = BaggingAugmentedEnsemble(DummyClassifier(), samples_per_class=4,
        ...                                random_state=0)
        >>> plan = ens.plan_bag(y, 1)
        >>> plan.synthetic_counts, len(plan.real), y[plan.rows].tolist().count("Ecl")
        ({'DSct': 2}, 6, 4)
        """
        if not isinstance(i, Integral) or i < 0:
            raise ValueError(f"i must be a bag number (a non-negative int); got {i!r}")
        y = check_labels(y, estimator=type(self).__name__)
        classes, y_index = np.unique(y, return_inverse=True)
        return self._plan(classes[y_index], self._targets(classes), int(i),
                          self._seeds(int(i) + 1)[-1])

    # ---------------------------------------------------------------- fitting
    @staticmethod
    def _signature(X, counts, targets):
        # A string, so that it survives any model file format unchanged.
        return json.dumps([len(X), [[str(c), n] for c, n in counts.items()],
                           [[str(c), n] for c, n in targets.items()]])

    def _reset(self, X, counts, targets):
        self.estimators_, self.estimators_samples_, self.estimators_prototypes_ = [], [], []
        self.augmenter_ = None
        self._fit_signature = self._signature(X, counts, targets)
        self.n_synthetic_ = int(sum(max(t - counts[c], 0) for c, t in targets.items()))

    def _start(self, X, y, targets):
        """Reset for a fresh fit or check that a warm start continues the same data."""
        counts = {c: int(np.sum(y == c)) for c in self.classes_}
        if self.warm_start and hasattr(self, "estimators_"):
            if self._signature(X, counts, targets) != getattr(self, "_fit_signature", None):
                raise ValueError(
                    "warm_start=True adds bags for the data and samples_per_class of the "
                    "first fit; these differ (curves, class counts or bag sizes). Set "
                    "warm_start=False to fit a new ensemble"
                )
            return counts
        self._reset(X, counts, targets)
        return counts

    def _add_member(self, plan, member):
        self.estimators_.append(member)
        self.estimators_samples_.append(plan.real)
        self.estimators_prototypes_.append(plan.prototypes)

    def _check_fit_input(self, X, y, sample_weight):
        """The curves, the labels as values of the sorted classes, the classes, the weights."""
        X = as_light_curves(X)
        if "period" in X.meta.columns:
            X.require("period")  # a bad period named by its place in X, not in a bag
        y = check_labels(y, len(X), min_classes=2, estimator=type(self).__name__)
        weights = self._check_sample_weight(sample_weight, len(X))
        classes, y_index = np.unique(y, return_inverse=True)
        return X, classes[y_index], classes, weights

    def _sampler(self, X, y, small, counts):
        """The fitted augmenter the new bags draw from (fitted here once per ensemble)."""
        if isinstance(self.augmenter, FrozenEstimator):
            return self.augmenter  # the user's fits; augmenter_ stays None
        if self.augmenter_ is None:
            self._log(f"fitting the augmenter on {sum(counts[c] for c in small)} prototypes")
            self.augmenter_ = self._base_augmenter().set_params(sampling_strategy=small).fit(X, y)
        return self.augmenter_

    def _validation(self, validation_data, seed):
        if validation_data is None:
            return None
        if not _accepts_validation_data(self.estimator):
            warnings.warn(
                f"{type(self.estimator).__name__}.fit has no validation_data "
                "parameter; validation_data is ignored",
                UserWarning,
                stacklevel=3,
            )
            return None
        X_val, y_val = validation_data
        X_val = as_light_curves(X_val)
        y_val = check_labels(y_val, len(X_val), estimator=f"{type(self).__name__} validation_data")
        if not self.augment_validation:
            return X_val, y_val
        self._log("augmenting the validation set")
        augmenter = self._base_augmenter().set_params(sampling_strategy="not majority",
                                                      random_state=seed)
        return augmenter.fit_resample(X_val, y_val)

    def _bag_fit_params(self, plan, n_curves, sample_weight, fit_params):
        """Fit parameters of one member: per-curve values sliced to the bag's rows."""
        rows = plan.rows
        params = {k: (np.asarray(v)[rows] if _per_curve(v, n_curves) else v)
                  for k, v in fit_params.items()}
        if sample_weight is not None:
            params[_sample_weight_key(self.estimator)] = sample_weight[rows]
        return params

    def _check_sample_weight(self, sample_weight, n_curves):
        if sample_weight is None:
            return None
        if _sample_weight_key(self.estimator) is None:
            raise TypeError(
                f"{type(self.estimator).__name__}.fit takes no sample_weight (for a Pipeline: "
                "its final step); drop sample_weight or use a member that accepts it"
            )
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.shape != (n_curves,) or not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(
                f"sample_weight must hold {n_curves} finite non-negative weights, one per "
                f"light curve; got shape {weights.shape}"
            )
        return weights

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, validation_data=None, *, sample_weight=None, **fit_params):
        """Build the bags and fit one member on each (the new bags only, on a warm start).

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
        y : array-like of shape (n_curves,)
            At least two classes.
        validation_data : tuple (X_val, y_val), optional
            Augmented so that every class has the size of the largest
            (unless ``augment_validation=False``) and passed to members
            whose ``fit`` accepts ``validation_data``; ignored with a
            warning otherwise.
        sample_weight : array-like of shape (n_curves,), optional
            Weights of the training curves, sliced to every bag (a
            synthetic curve weighs what its prototype weighs).
        **fit_params
            Passed to every member's ``fit``; values with one entry per
            training curve are sliced to the bag's rows like
            ``sample_weight``.

        Returns
        -------
        self
        """
        X, y, self.classes_, weights = self._check_fit_input(X, y, sample_weight)
        targets = self._targets(self.classes_)
        counts = self._start(X, y, targets)
        n_done = len(self.estimators_)
        if self.n_estimators < n_done:
            raise ValueError(
                f"n_estimators={self.n_estimators} must be larger or equal to "
                f"len(estimators_)={n_done} when warm_start==True"
            )
        if self.n_estimators == n_done:
            warnings.warn("Warm-start fitting without increasing n_estimators does not fit "
                          "new bags.", UserWarning, stacklevel=2)
            return self

        seeds = self._seeds(self.n_estimators)
        plans = [self._plan(y, targets, i, seeds[i]) for i in range(n_done, self.n_estimators)]
        small = {c: t for c, t in targets.items() if counts[c] < t}
        synthetic = [None] * len(plans)
        if small:
            sampler = self._sampler(X, y, small, counts)
            self._log(f"drawing {self.n_synthetic_} synthetics per bag, {len(plans)} bags")
            synthetic = sampler.sample_batches(
                [p.prototypes for p in plans], [p.synthetic_seed for p in plans])
        validation = self._validation(validation_data, _derive(seeds[0], 1))

        def bags():
            for plan, synth in zip(plans, synthetic):
                yield (*_bag_curves(X, y, plan, synth), plan)

        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator")
        fitted = parallel(
            delayed(_fit_member)(self.estimator, X_bag, y_bag, plan.seed, validation,
                                 self._bag_fit_params(plan, len(X), weights, fit_params))
            for X_bag, y_bag, plan in bags()
        )
        with progress_bar(len(plans), desc="BaggingAugmentedEnsemble: bags", unit="bag",
                          verbose=self.verbose) as bar:
            for plan, member in zip(plans, fitted):
                self._add_member(plan, member)
                bar.update(1)
        return self

    def fit_bag(self, X, y, i, validation_data=None, *, sample_weight=None, **fit_params):
        """Fit the member of bag ``i`` alone; the ensemble itself is not changed.

        With an int ``random_state`` the member is the one :meth:`fit`
        would train for bag ``i`` (the same curves, synthetics and seeds),
        so bags can be trained one by one on different machines or in
        different sessions and put together with :meth:`assemble`. Pass the
        augmenter fitted and wrapped in :class:`sklearn.frozen.FrozenEstimator`:
        otherwise every call makes its own GP fits.

        Parameters
        ----------
        X, y, validation_data, sample_weight, **fit_params
            As in :meth:`fit`, the whole training set (not the bag).
        i : int
            The bag, from 0.

        Returns
        -------
        member : fitted classifier
            A fitted clone of ``estimator``.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from vsaug import BaggingAugmentedEnsemble
        >>> from vsaug.datasets import make_light_curves
        >>> X, y = make_light_curves(60, classes=["RRab", "DSct"], random_state=0)
        >>> ens = BaggingAugmentedEnsemble(DummyClassifier(), augmenter="duplicate",
        ...                                n_estimators=2, samples_per_class=30,
        ...                                random_state=0)
        >>> members = [ens.fit_bag(X, y, k) for k in range(2)]
        >>> ens.assemble(X, y, members).predict_proba(X[:1]).shape
        (1, 2)
        """
        self._validate_params()
        if not isinstance(i, Integral) or isinstance(i, bool) or i < 0:
            raise ValueError(f"i must be a bag number (a non-negative int); got {i!r}")
        X, y, classes, weights = self._check_fit_input(X, y, sample_weight)
        targets = self._targets(classes)
        counts = {c: int(np.sum(y == c)) for c in classes}
        seeds = self._seeds(int(i) + 1)
        plan = self._plan(y, targets, int(i), seeds[-1])
        small = {c: t for c, t in targets.items() if counts[c] < t}
        synthetic = None
        if small:
            sampler = (self.augmenter if isinstance(self.augmenter, FrozenEstimator) else
                       self._base_augmenter().set_params(sampling_strategy=small).fit(X, y))
            synthetic = sampler.sample_batches([plan.prototypes], [plan.synthetic_seed])[0]
        validation = self._validation(validation_data, _derive(seeds[0], 1))
        X_bag, y_bag = _bag_curves(X, y, plan, synthetic)
        return _fit_member(self.estimator, X_bag, y_bag, plan.seed, validation,
                           self._bag_fit_params(plan, len(X), weights, fit_params))

    def assemble(self, X, y, members):
        """Make this ensemble from members trained by :meth:`fit_bag`, bag 0 first.

        The result is the fitted ensemble :meth:`fit` gives (its
        ``augmenter_`` is None: a later ``warm_start`` fit makes the GP
        fits again unless the augmenter is given frozen).

        Parameters
        ----------
        X, y
            The training set the members were fitted on with :meth:`fit_bag`.
        members : list of fitted classifiers
            The member of bag ``k`` at position ``k``; as many as ``n_estimators``.

        Returns
        -------
        self
        """
        self._validate_params()
        members = list(members)
        if len(members) != self.n_estimators:
            raise ValueError(f"assemble got {len(members)} members for n_estimators="
                             f"{self.n_estimators}; give one member per bag")
        X, y, self.classes_, _ = self._check_fit_input(X, y, None)
        targets = self._targets(self.classes_)
        self._reset(X, {c: int(np.sum(y == c)) for c in self.classes_}, targets)
        for k, (member, seed) in enumerate(zip(members, self._seeds(len(members)))):
            check_is_fitted(member)
            self._add_member(self._plan(y, targets, k, seed), member)
        return self

    def _log(self, message):
        if self.verbose:
            print(f"[BaggingAugmentedEnsemble] {message}", flush=True)

    # ------------------------------------------------------------- predicting
    def _member_proba(self, member, X):
        """One member's probabilities in the columns of ``classes_`` (0 for classes it never saw)."""
        proba = np.zeros((len(X), self.classes_.size))
        proba[:, np.searchsorted(self.classes_, member.classes_)] = member.predict_proba(X)
        return proba

    def predict_member_proba(self, X, members=None):
        """Every member's class probabilities, in the columns of ``classes_``.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
        members : sequence of int, optional
            Only these members (bag numbers), in this order; default all.

        Returns
        -------
        ndarray of shape (n_members, n_curves, n_classes)
            Entry ``k`` is the member fitted on bag ``members[k]`` (bag ``k``
            by default); a member that saw only some classes has zeros in
            the others' columns.

        Examples
        --------
        >>> from sklearn.dummy import DummyClassifier
        >>> from vsaug import BaggingAugmentedEnsemble
        >>> from vsaug.datasets import make_light_curves
        >>> X, y = make_light_curves(60, classes=["RRab", "Ecl"], random_state=0)
        >>> ens = BaggingAugmentedEnsemble(DummyClassifier(), augmenter="duplicate",
        ...                                n_estimators=2, samples_per_class=20).fit(X, y)
        >>> ens.predict_member_proba(X[:5]).shape
        (2, 5, 2)
        """
        check_is_fitted(self, "estimators_")
        X = as_light_curves(X)
        chosen = range(len(self.estimators_)) if members is None else list(members)
        if len(chosen) == 0:
            return np.zeros((0, len(X), self.classes_.size))
        Xt, heads = self._shared_transform(X, [self.estimators_[k] for k in chosen])
        return np.stack([self._member_proba(head, Xt) for head in heads])

    def predict_proba(self, X):
        """Mean of the members' class probabilities.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves

        Returns
        -------
        ndarray of shape (n_curves, n_classes)
            Columns in the order of ``classes_``; a member that saw only some
            classes contributes zero to the others.
        """
        check_is_fitted(self, "estimators_")
        X = as_light_curves(X)
        proba = np.zeros((len(X), self.classes_.size))
        if len(X) == 0:  # as the networks and PeriodicFeatures: no curves, no rows
            return proba
        Xt, heads = self._shared_transform(X, self.estimators_)
        for head in heads:
            proba += self._member_proba(head, Xt)
        return proba / len(self.estimators_)

    @staticmethod
    def _shared_transform(X, members):
        """Apply the pipeline steps every member shares once; return the rest of each.

        The fast model's bags all start with the same stateless
        ``PeriodicFeatures``: computing it once instead of once per bag is
        most of its prediction time. Leading steps are shared while they are
        identical objects in every member (equal :func:`joblib.hash` of
        parameters and fitted state, so equal outputs); members that are
        not pipelines, or differ in their first step, are left whole.
        """
        if len(members) < 2 or not all(isinstance(m, Pipeline) for m in members):
            return X, members
        n_shared = 0
        n_steps = min(len(m.steps) for m in members)
        while n_shared < n_steps - 1:
            first = _step_fingerprint(members[0].steps[n_shared][1])
            if first is None or any(_step_fingerprint(m.steps[n_shared][1]) != first
                                    for m in members[1:]):
                break
            n_shared += 1
        if n_shared == 0:
            return X, members
        Xt = members[0][:n_shared].transform(X)
        return Xt, [m[n_shared:] for m in members]

    def predict(self, X):
        """Class with the highest mean probability.

        Ties go to the class that comes first in ``classes_``.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            With what the members read (for the networks, ``period`` and
            the scalar feature columns).

        Returns
        -------
        y_pred : ndarray of shape (n_curves,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "estimators_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _step_fingerprint(step):
    """A hash of a pipeline step's whole state, or None where it cannot be shared.

    ``"passthrough"`` and ``None`` steps and steps without ``transform`` are
    not shared (they are cheap or not transformers).
    """
    if step is None or isinstance(step, str) or not hasattr(step, "transform"):
        return None
    return joblib.hash(step)
