"""The light-curve sampler contract, on imbalanced-learn's base, and bag plans.

:class:`BaseLightCurveSampler` is imbalanced-learn's
:class:`~imblearn.over_sampling.base.BaseOverSampler` for ragged
:class:`~vsaug.LightCurves`: ``sampling_strategy`` is resolved by
imbalanced-learn's own :func:`~imblearn.utils.check_sampling_strategy`, and
``_check_X_y`` is overridden to take light curves (imbalanced-learn's
``RandomOverSampler`` likewise skips the 2-D array check). Unlike
imbalanced-learn's samplers it separates fitting from drawing:
:meth:`~BaseLightCurveSampler.fit` prepares every prototype (a real curve
of a targeted class) once, and :meth:`~BaseLightCurveSampler.sample` and
:meth:`~BaseLightCurveSampler.sample_batches` draw any number of fresh
synthetics from what ``fit`` prepared, which is what
:class:`~vsaug.BaggingAugmentedEnsemble` needs for every bag.

Write your own sampler by subclassing it and defining the two hooks
``_fit_prototypes`` and ``_sample_batches`` (see the class docstring);
``fit``, ``fit_resample``, ``sample`` and ``sample_batches`` and their
checks come with the base.
"""

from __future__ import annotations

import inspect
from abc import abstractmethod

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from ._base import LightCurveInputMixin
from ._random import as_generator
from ._validation import check_labels
from .lightcurves import LightCurves, as_light_curves

__all__ = ["BaseLightCurveSampler", "plan_resample", "spread_prototypes", "synthetic_meta"]

#: Meta columns every synthetic (and, after ``fit_resample``, every original) has.
SYNTHETIC_COLUMNS = ("synthetic", "prototype", "donor", "phase_shift")


def spread_prototypes(members, n, rng):
    """Choose ``n`` prototypes from ``members`` as evenly as possible.

    Every member is used ``n // len(members)`` times and a random subset of
    them once more, so no curve is over-represented by chance.

    Examples
    --------
    >>> import numpy as np
    >>> p = spread_prototypes(np.array([3, 5, 9]), 7, np.random.default_rng(0))
    >>> sorted(np.bincount(p, minlength=10)[[3, 5, 9]].tolist())
    [2, 2, 3]
    """
    members = np.asarray(members, dtype=np.int64)
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if members.size == 0:
        raise ValueError(f"cannot draw {n} prototypes from an empty class")
    whole, rest = divmod(int(n), members.size)
    extra = rng.choice(members, rest, replace=False)
    return np.concatenate([np.tile(members, whole), extra])


def plan_resample(y, targets, rng):
    """Which real curves to keep and which to copy synthetically, per class.

    A class above its target is undersampled at random without replacement;
    a class at or below it keeps every real curve and is topped up with
    prototypes chosen by :func:`spread_prototypes`. This is the plan of one
    bag of :class:`vsaug.BaggingAugmentedEnsemble` (every target equal to
    ``samples_per_class``) and of the resampled training sets of
    ``vsaug reproduce``.

    Parameters
    ----------
    y : ndarray of shape (n_curves,)
        Labels.
    targets : dict
        Class -> number of curves wanted, for every class to keep, in the
        order the classes should be planned (classes not in ``targets`` are
        dropped).
    rng : numpy.random.Generator
        Source of the random choices.

    Returns
    -------
    real : ndarray of int
        Indices into ``y`` of the real curves kept, class by class, sorted
        within each class.
    prototypes : ndarray of int
        Indices into ``y`` of the prototype of every synthetic curve to draw.

    Raises
    ------
    ValueError
        If a target is negative or not whole, or a class with a positive
        target has no curve in ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array(["a"] * 6 + ["b"] * 2)
    >>> real, proto = plan_resample(y, {"a": 3, "b": 5}, np.random.default_rng(0))
    >>> np.bincount(real, minlength=8)[6:].tolist(), sorted(proto.tolist())
    ([1, 1], [6, 6, 7])
    >>> int((real < 6).sum())
    3
    """
    real, prototypes = [], []
    for c, target in targets.items():
        idx = np.flatnonzero(y == c)
        if int(target) < 0 or int(target) != target:
            raise ValueError(f"the target of class {c!r} must be a non-negative integer, "
                             f"got {target!r}")
        if idx.size == 0 and target > 0:
            raise ValueError(f"class {c!r} has no curve in y to keep or copy; drop it from "
                             "targets or give it a target of 0")
        if idx.size > target:
            real.append(np.sort(rng.choice(idx, int(target), replace=False)))
        else:
            real.append(idx)
            prototypes.append(spread_prototypes(idx, int(target) - idx.size, rng))
    empty = np.zeros(0, dtype=np.int64)
    return np.concatenate([empty, *real]), np.concatenate([empty, *prototypes])


class BaseLightCurveSampler(LightCurveInputMixin, BaseOverSampler):
    """Base class of over-samplers of light curves (imbalanced-learn's contract).

    ``fit(X, y)`` resolves ``sampling_strategy`` with imbalanced-learn's
    code, keeps the training curves as ``X_`` and labels as ``y_``, and
    calls the hook ``_fit_prototypes(indices)`` with the positions of every
    curve of a targeted class; ``fit_resample`` returns the originals
    followed by one batch of synthetics; ``sample`` and ``sample_batches``
    draw more from the same fit. Subclasses define the two hooks:

    ``_fit_prototypes(self, indices)``
        Prepare the curves ``X_[indices]`` to be prototypes (fit a model
        per curve, or nothing). Learned state goes into attributes ending
        in ``_``.
    ``_sample_batches(self, batches, rngs)``
        ``batches`` is a list of int64 arrays of checked prototype
        positions, ``rngs`` one ``numpy.random.Generator`` per batch.
        Return one :class:`~vsaug.LightCurves` per batch, a synthetic per
        prototype in order, each with the prototype's meta plus
        ``synthetic=True``, ``prototype``, ``donor`` and ``phase_shift``
        (:func:`synthetic_meta` builds it). All randomness must come from
        the batch's generator, so ``sample_batches`` repeats for the same
        seeds, and batches must not depend on each other.

    Subclasses declare their parameters in ``__init__`` (stored unchanged,
    scikit-learn style) and ``_parameter_constraints``; ``random_state``
    and ``sampling_strategy`` are expected. Check a sampler with
    :func:`vsaug.utils.estimator_checks.check_light_curve_estimator`.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class -> number of synthetics ``fit_resample`` adds.
    X_ : LightCurves
        The training curves (prototypes and, for some samplers, donors).
    y_ : ndarray of shape (n_curves,)

    Examples
    --------
    A sampler whose synthetics are their prototypes with the magnitudes
    shifted by a random offset:

    >>> import numpy as np
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.sampling import BaseLightCurveSampler, synthetic_meta
    >>> class ShiftSampler(BaseLightCurveSampler):
    ...     def __init__(self, *, sampling_strategy="auto", random_state=None):
    ...         self.sampling_strategy = sampling_strategy
    ...         self.random_state = random_state
    ...     def _fit_prototypes(self, indices):
    ...         pass
    ...     def _sample_batches(self, batches, rngs):
    ...         out = []
    ...         for prototypes, rng in zip(batches, rngs):
    ...             copies = self.X_.take(prototypes)
    ...             shift = rng.normal(0, 0.01, prototypes.size)
    ...             meta = synthetic_meta(self.X_, prototypes, prototypes, np.zeros(prototypes.size))
    ...             out.append(copies.with_points(mag=copies.mag + np.repeat(shift, copies.lengths),
    ...                                           meta=meta))
    ...         return out
    >>> X, y = make_light_curves(30, classes=["RRab", "DSct"], random_state=0)
    >>> X_res, y_res = ShiftSampler(random_state=0).fit_resample(X, y)
    >>> int((y_res == "DSct").sum()) == int((y_res == "RRab").sum())
    True
    """

    def __setstate__(self, state):
        # A fitted sampler pickled before a parameter existed gets that
        # parameter's default, so it still draws (as it did then).
        for name, default in self._get_param_defaults().items():
            state.setdefault(name, default)
        super().__setstate__(state)

    @classmethod
    def _get_param_defaults(cls):
        return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}

    def _check_X_y(self, X, y):
        X = as_light_curves(X)
        y = check_labels(y, estimator=type(self).__name__)
        if y.shape[0] != len(X):
            raise ValueError(f"X has {len(X)} light curves but y has {y.shape[0]} labels")
        return X, y, False

    # ------------------------------------------------------------ the hooks
    @abstractmethod
    def _fit_prototypes(self, indices):
        """Prepare ``X_[indices]`` as prototypes (see the class docstring)."""

    @abstractmethod
    def _sample_batches(self, batches, rngs):
        """One LightCurves of synthetics per batch (see the class docstring)."""

    # --------------------------------------------------------- the contract
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Resolve ``sampling_strategy`` and prepare every targeted class.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            Training curves; they may also lend their cadences to synthetics.
        y : array-like of shape (n_curves,)
            Class labels.

        Returns
        -------
        self
        """
        X, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        self.X_, self.y_ = X, y
        targeted = [c for c, n in self.sampling_strategy_.items() if n > 0]
        indices = np.flatnonzero(np.isin(y, targeted))
        self._fit_prototypes(indices)
        self._fitted_mask = np.zeros(len(X), dtype=bool)
        self._fitted_mask[indices] = True
        self._rng = as_generator(self.random_state)
        return self

    def fit_resample(self, X, y):
        """Fit and return the originals followed by the synthetic curves.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
        y : array-like of shape (n_curves,)

        Returns
        -------
        X_resampled : LightCurves
            ``X`` (meta gains ``synthetic=False``) followed by the synthetics
            (``synthetic=True``), class by class in the order of
            ``sampling_strategy_``.
        y_resampled : ndarray of shape (n_curves + n_synthetic,)
        """
        self.fit(X, y)
        return self._fit_resample(self.X_, self.y_)

    def _fit_resample(self, X, y):
        prototypes = [
            spread_prototypes(np.flatnonzero(y == c), n, self._rng)
            for c, n in self.sampling_strategy_.items()
        ]
        prototypes = np.concatenate([np.zeros(0, dtype=np.int64), *prototypes])
        synthetic = self.sample(prototypes)
        X_res = LightCurves.concatenate([_mark_originals(X), synthetic])
        return X_res, np.concatenate([y, y[prototypes]])

    def sample(self, prototypes, *, random_state=None):
        """Draw one synthetic curve per entry of ``prototypes``; no refitting.

        Parameters
        ----------
        prototypes : array-like of int, shape (n_synthetic,)
            Indices into ``X_`` of fitted curves; repeats give independent
            synthetics of the same prototype.
        random_state : int, RandomState, Generator or None
            ``None`` draws from the sampler's own generator (seeded by
            ``random_state`` at ``fit``), so successive calls differ while
            the sequence of calls repeats.

        Returns
        -------
        LightCurves
            ``n_synthetic`` curves; their meta is the prototype's plus
            ``synthetic=True``, ``prototype``, ``donor`` (the curve that lent
            its cadence) and ``phase_shift`` (in periods). Their labels are
            ``y_[prototypes]``.
        """
        return self.sample_batches([prototypes], [random_state])[0]

    def sample_batches(self, prototype_batches, random_states):
        """Several independent :meth:`sample` calls sharing the work.

        ``sample_batches([p1, p2], [s1, s2])`` equals
        ``[sample(p1, random_state=s1), sample(p2, random_state=s2)]``, but a
        prototype used by several batches is prepared once.

        Parameters
        ----------
        prototype_batches : list of array-like of int
        random_states : list
            One ``random_state`` per batch.

        Returns
        -------
        list of LightCurves
        """
        check_is_fitted(self, "sampling_strategy_")
        if len(prototype_batches) != len(random_states):
            raise ValueError(
                f"got {len(prototype_batches)} prototype batches but "
                f"{len(random_states)} random states"
            )
        batches = [self._check_prototypes(p) for p in prototype_batches]
        rngs = [self._rng if s is None else as_generator(s) for s in random_states]
        return self._sample_batches(batches, rngs)

    def _check_prototypes(self, prototypes):
        p = np.asarray(prototypes)
        if p.ndim != 1 or (p.size and not np.issubdtype(p.dtype, np.integer)):
            raise ValueError(
                f"prototypes must be a 1-D array of integer indices into X_; got "
                f"shape {p.shape} and dtype {p.dtype}"
            )
        p = p.astype(np.int64)
        bad = p[(p < 0) | (p >= len(self.X_))]
        if bad.size:
            raise ValueError(
                f"prototype index {bad[0]} is out of range for the {len(self.X_)} "
                "training curves in X_"
            )
        missing = p[~self._fitted_mask[p]]
        if missing.size:
            i = int(missing[0])
            raise ValueError(
                f"prototype {self.X_.star_name(i)} (class {self.y_[i]!r}) has no "
                f"fit; fitted classes: {sorted(map(str, self._fitted_classes()))}. "
                "Widen sampling_strategy to cover its class"
            )
        return p

    def _fitted_classes(self):
        return np.unique(self.y_[self._fitted_mask])



def _mark_originals(X):
    meta = X.meta.copy()
    defaults = {"synthetic": False, "prototype": -1, "donor": -1, "phase_shift": 0.0}
    for column, value in defaults.items():
        if column not in meta.columns:
            meta[column] = value
    return X.with_points(meta=meta)


def synthetic_meta(X, prototypes, donors, shifts):
    """Meta of synthetic curves: their prototypes' rows plus the synthetic columns.

    Parameters
    ----------
    X : LightCurves
        The sampler's training curves (``X_``).
    prototypes, donors : ndarray of int, shape (n_synthetic,)
        Positions in ``X`` of every synthetic's prototype and cadence donor.
    shifts : ndarray of shape (n_synthetic,)
        Phase shifts, in periods.

    Returns
    -------
    pandas.DataFrame
    """
    meta = X.meta.iloc[prototypes].reset_index(drop=True)
    meta["synthetic"] = True
    meta["prototype"] = prototypes
    meta["donor"] = donors
    meta["phase_shift"] = shifts
    return meta


def empty_like(X):
    """No curve, with ``X``'s meta columns and the synthetic ones."""
    meta = X.meta.iloc[:0].copy()
    for column in SYNTHETIC_COLUMNS:
        meta[column] = pd.Series(dtype=float)
    return LightCurves(np.zeros(0), np.zeros(0), np.zeros(0), [0], meta, validate=False)
