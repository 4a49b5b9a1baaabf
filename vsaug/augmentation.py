"""Over-sampling light curves: Gaussian-process synthetics (DESIGN 1.2).

:class:`GPLightCurveAugmenter` follows imbalanced-learn's sampler contract
(``fit_resample(X, y)`` returns the originals followed by the synthetics,
``sampling_strategy`` as imbalanced-learn resolves it) but takes ragged
:class:`~vsaug.LightCurves`, which imbalanced-learn's own base class would
reject as not 2-D. Unlike imbalanced-learn's samplers it separates fitting
from drawing: :meth:`~GPLightCurveAugmenter.fit` fits one GP per prototype,
and :meth:`~GPLightCurveAugmenter.sample` draws any number of fresh
synthetics from those cached fits without refitting, which is what the
bagging ensemble needs for every bag.

:class:`DuplicateAugmenter` has the same interface and tops classes up with
copies of randomly chosen real curves: the cheap baseline.
"""

from __future__ import annotations

from numbers import Integral, Real

import inspect

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import ndtr, ndtri
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d
from threadpoolctl import threadpool_limits

from ._ragged import (
    gather_segments,
    lengths_to_offsets,
    segment_ids,
    segment_mean,
    segment_median,
    segment_positions,
    segment_sort,
)
from .folding import phase as fold_phase
from .gp import _chunks, fit_curves, predict_curve, wrap_margin
from .lightcurves import LightCurves, as_light_curves

__all__ = [
    "GPLightCurveAugmenter",
    "DuplicateAugmenter",
    "night_ids",
    "noise_to_error_ratio",
    "plan_resample",
    "spread_prototypes",
    "within_night_ratio",
]

_TRUNCATE = 3.0  # noise is truncated at this many sigma
# Observations closer than this (days) belong to one night. CRTS takes four
# exposures within about 30 minutes a night; its steps between time
# neighbours are either under 0.1 d or over 0.5 d.
NIGHT_GAP = 0.3
#: The choices of GPLightCurveAugmenter's error_model and cadence_subset.
ERROR_MODELS = ("empirical", "nightly", "gp")
CADENCE_SUBSETS = ("points", "nights")
# Intervals of the phase grid on which the predictive variance is computed
# exactly and then interpolated (see vsaug.gp.predict_curve). On CRTS curves
# 256 reproduces the exact deviations to 2e-4 (mean relative difference)
# at a third of the cost for 2,000 new phases, and the cost no longer grows
# with the number of synthetics per prototype.
VAR_GRID = 256
_SYNTHETIC_COLUMNS = ("synthetic", "prototype", "donor", "phase_shift")


def _generator(random_state):
    """A ``numpy.random.Generator`` from anything ``random_state`` may be.

    ``None`` gives fresh OS entropy (never numpy's global generator); an int,
    a ``RandomState`` or a ``Generator`` give repeatable draws.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


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


class _BaseAugmenter(BaseEstimator):
    """Sampling strategy, ``fit_resample`` and prototype bookkeeping."""

    _parameter_constraints = {
        "sampling_strategy": [
            Interval(Real, 0, None, closed="right"),
            StrOptions({"auto", "minority", "not minority", "not majority", "all"}),
            dict,
            callable,
        ],
        "random_state": ["random_state"],
    }

    def __setstate__(self, state):
        # A fitted augmenter pickled before a parameter existed gets that
        # parameter's default, so it still draws (as it did then).
        for name, default in self._get_param_defaults().items():
            state.setdefault(name, default)
        super().__setstate__(state)

    @classmethod
    def _get_param_defaults(cls):
        return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}

    def _check_xy(self, X, y):
        X = as_light_curves(X)
        y = column_or_1d(np.asarray(y), warn=True)
        if y.shape[0] != len(X):
            raise ValueError(f"X has {len(X)} light curves but y has {y.shape[0]} labels")
        return X, y

    def fit(self, X, y):
        """Resolve ``sampling_strategy`` and prepare every targeted class.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            Training curves; they also lend their cadences to synthetics.
        y : array-like of shape (n_curves,)
            Class labels.

        Returns
        -------
        self
        """
        from imblearn.utils import check_sampling_strategy

        self._validate_params()
        X, y = self._check_xy(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, "over-sampling"
        )
        self.X_, self.y_ = X, y
        targeted = [c for c, n in self.sampling_strategy_.items() if n > 0]
        self._fit_prototypes(np.flatnonzero(np.isin(y, targeted)))
        self._rng = _generator(self.random_state)
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
        prototypes = [
            spread_prototypes(np.flatnonzero(self.y_ == c), n, self._rng)
            for c, n in self.sampling_strategy_.items()
        ]
        prototypes = np.concatenate([np.zeros(0, dtype=np.int64), *prototypes])
        synthetic = self.sample(prototypes)
        originals = _mark_originals(self.X_)
        X_res = LightCurves.concatenate([originals, synthetic])
        return X_res, np.concatenate([self.y_, self.y_[prototypes]])

    def sample(self, prototypes, *, random_state=None):
        """Draw one synthetic curve per entry of ``prototypes``; no refitting.

        Parameters
        ----------
        prototypes : array-like of int, shape (n_synthetic,)
            Indices into ``X_`` of fitted curves; repeats give independent
            synthetics of the same prototype.
        random_state : int, RandomState, Generator or None
            ``None`` draws from the augmenter's own generator (seeded by
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
        rngs = [self._rng if s is None else _generator(s) for s in random_states]
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


def _synthetic_meta(X, prototypes, donors, shifts):
    meta = X.meta.iloc[prototypes].reset_index(drop=True)
    meta["synthetic"] = True
    meta["prototype"] = prototypes
    meta["donor"] = donors
    meta["phase_shift"] = shifts
    return meta


class GPLightCurveAugmenter(_BaseAugmenter):
    """Gaussian-process over-sampler of folded light curves (DESIGN 1.2).

    For every prototype (a real curve of a targeted class) a GP with
    george's Matern-5/2 kernel is fitted once in normalised phase (see
    :mod:`vsaug.gp` for the model and its fallback chain). A synthetic curve
    takes the cadence of a randomly chosen real training curve with at least
    as many points (a random subset of its times or of its nights, as many
    points as the prototype has, see ``cadence_subset``), folded on the
    prototype's period; the GP mean and variance are predicted at those
    phases; the synthetic gets errors and noise by ``error_model``; and the
    curve is shifted by a random fraction of a period.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn over-samplers: ``"auto"`` (= ``"not
        majority"``), ``"minority"``, ``"not minority"``, ``"all"`` bring
        the targeted classes to the size of the largest; a dict maps a class
        to its target count; a float (binary problems only) is the wanted
        ratio of minority to majority; a callable takes ``y`` and returns
        such a dict.
    length_scale : float, default=0.1
        Starting Matern length scale, in phase.
    wrap : bool or float, default=False
        Copy this fraction of a period of the folded curve to each side
        before fitting (``True``: a whole period), so the GP knows that
        phase 0.99 meets phase 0.01. It matters for sparse curves with gaps
        at the edges; on CRTS a quarter period made every fit two to five
        times slower (a whole period about twelve) and did not help the
        classifier (``benchmarks/notes/augment.md``), hence off by default.
    error_model : {"empirical", "nightly", "gp"}, default="empirical"
        Errors and noise of a synthetic. ``"gp"`` is DESIGN 1.2's (the
        paper's) model: the GP predictive deviations, scaled so their mean
        equals the prototype's mean error, are the errors, and Gaussian
        noise with those deviations (truncated at 3 sigma) is added.
        ``"empirical"`` gives the synthetic its prototype's own measured
        errors, reassigned by rank of magnitude (the brightest synthetic
        point gets the smallest error of the brightest real point, so the
        errors keep their spread and their rise towards faint magnitudes),
        and adds truncated Gaussian noise of those errors times the
        prototype's noise-to-error ratio (the scatter of its phase-sorted
        neighbours over its mean error; for the median CRTS curve of the
        small classes it is about one half). On CRTS a classifier tells
        ``"gp"`` synthetics from real curves of the same stars 98.8% of the
        time from seven summary statistics of their errors and noise, and
        ``"empirical"`` ones 86.1%; one RNN bag of ``"gp"`` synthetics scored
        75.6% balanced accuracy, the same bag with ``"empirical"`` ones 83.7%
        (``benchmarks/notes/augment.md``). ``"nightly"`` lends the errors
        the same way but splits the noise in two: a scatter between the
        observations of one night and an offset shared by all of a night's
        points, each the prototype's own (:func:`within_night_ratio`; the
        offset from what the steps between phase neighbours of different
        nights add to it). Real survey nights share calibration and seeing;
        with ``cadence_subset="nights"`` the synthetics keep the groups, and
        the same classifier tells them from real curves 61.2% of the time.
    cadence_subset : {"points", "nights"}, default="points"
        How a synthetic's times are picked from its donor's. ``"points"``:
        a random subset of the donor's observations. ``"nights"``: whole
        nights of the donor (observations less than ``NIGHT_GAP`` = 0.3 d
        apart) in random order until the prototype's number of points is
        reached, the last night cut short; real survey curves come in
        groups of a few exposures a night (CRTS: four within half an hour),
        and a random subset of points breaks those groups up.
    n_jobs : int, default=None
        Workers (joblib) for fitting and predicting. Results do not depend
        on it.
    random_state : int, RandomState instance or None, default=None
        Seeds every draw (cadence donors, point subsets, noise, phase
        shifts). The fits themselves are deterministic.
    verbose : int, default=0
        Progress bars for fitting.

    Attributes
    ----------
    sampling_strategy_ : OrderedDict
        Class -> number of synthetics ``fit_resample`` adds.
    X_ : LightCurves
        The training curves (prototypes and cadence donors).
    y_ : ndarray of shape (n_curves,)
    gp_params_ : pandas.DataFrame
        One row per fitted prototype, indexed by its position in ``X_``:
        ``log_amp2``, ``log_metric``, ``jitter``, ``mean``, ``nll`` and
        ``fallback``.
    fallbacks_ : pandas.Series
        ``gp_params_["fallback"]``: which step of the fallback chain each fit
        needed (``"none"``, ``"restart"``, ``"jitter"``, ``"default"``).
    n_fallbacks_ : int
        How many fits needed any fallback.

    See Also
    --------
    DuplicateAugmenter : Same interface, copies of real curves.
    BaggingAugmentedEnsemble : Draws fresh synthetics for every bag.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug import GPLightCurveAugmenter
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(30, classes=["RRab", "DSct"], n_points=(20, 40),
    ...                          random_state=0)
    >>> int(np.sum(y == "DSct"))
    6
    >>> aug = GPLightCurveAugmenter(sampling_strategy={"DSct": 8}, random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> len(X_res), int(np.sum(y_res == "DSct")), aug.n_fallbacks_
    (32, 8, 0)

    Ten more synthetics of the first DSct star, from the cached fit:

    >>> star = int(np.flatnonzero(y == "DSct")[0])
    >>> S = aug.sample(np.full(10, star), random_state=1)
    >>> bool(np.all(S.lengths == X.lengths[star])), bool(S.meta["synthetic"].all())
    (True, True)
    """

    _parameter_constraints = {
        **_BaseAugmenter._parameter_constraints,
        "length_scale": [Interval(Real, 0, None, closed="neither")],
        "wrap": ["boolean", Interval(Real, 0, 1, closed="both")],
        "error_model": [StrOptions(set(ERROR_MODELS))],
        "cadence_subset": [StrOptions(set(CADENCE_SUBSETS))],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        length_scale=0.1,
        wrap=False,
        error_model="empirical",
        cadence_subset="points",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.sampling_strategy = sampling_strategy
        self.length_scale = length_scale
        self.wrap = wrap
        self.error_model = error_model
        self.cadence_subset = cadence_subset
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _fit_prototypes(self, indices):
        self.X_.require("period")
        self.gp_params_ = fit_curves(
            self.X_,
            indices,
            length_scale=self.length_scale,
            wrap=self.wrap,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        self.fallbacks_ = self.gp_params_["fallback"]
        self.n_fallbacks_ = int((self.fallbacks_ != "none").sum())
        self._fitted_mask = np.zeros(len(self.X_), dtype=bool)
        self._fitted_mask[indices] = True

    # ------------------------------------------------------------- drawing
    def _draw(self, prototypes, rng):
        """All random choices of one batch, made up front in a fixed order."""
        X = self.X_
        n_points = X.lengths[prototypes]
        donors = _draw_donors(X.lengths, n_points, rng)
        flat, donor_offsets = gather_segments(X.offsets, donors)
        # A random subset of each donor's points (or of its nights): sort
        # random keys within every donor, keep the first n_points.
        if self.cadence_subset == "nights":
            keys = _night_keys(X.time[flat], donor_offsets, rng)
        else:
            keys = rng.random(flat.size)
        perm = segment_sort(keys, donor_offsets)
        keep = segment_positions(donor_offsets) < np.repeat(n_points, np.diff(donor_offsets))
        chosen = flat[perm[keep]]
        offsets = lengths_to_offsets(n_points)
        time = X.time[chosen]
        time = time[segment_sort(time, offsets)]
        shift = rng.random(prototypes.size)
        plan = {
            "prototypes": prototypes,
            "donors": donors,
            "offsets": offsets,
            "time": time,
            "shift": shift,
            "z": _truncated_normal(rng, time.size),
        }
        if self.error_model == "nightly":
            # Drawn last, so the other models' draws stay as they were.
            night = night_ids(time, offsets)
            first = lengths_to_offsets(_nights_per_curve(night, offsets))
            plan["night"] = np.repeat(first[:-1], n_points) + night
            plan["z_night"] = _truncated_normal(rng, int(first[-1]))
        return plan

    def _phase_of(self, prototypes, time, offsets):
        """Phase of ``time`` folded on each prototype's period and epoch."""
        period = self.X_.require("period")[prototypes]
        t0 = np.zeros(prototypes.size)
        if "t0" in self.X_.meta.columns:
            t0 = np.nan_to_num(self.X_.meta["t0"].to_numpy(dtype=np.float64, na_value=np.nan))
            t0 = t0[prototypes]
        lengths = np.diff(offsets)
        cycles = (time - np.repeat(t0, lengths)) / np.repeat(period, lengths)
        ph = cycles - np.floor(cycles)
        ph[ph >= 1.0] = 0.0
        return ph

    def _sample_batches(self, batches, rngs):
        plans = [self._draw(p, rng) for p, rng in zip(batches, rngs)]
        for plan in plans:
            plan["phase"] = self._phase_of(plan["prototypes"], plan["time"], plan["offsets"])
        mu, var = self._predict_plans(plans)
        out, start = [], 0
        for plan in plans:
            stop = start + plan["time"].size
            out.append(self._assemble(plan, mu[start:stop], var[start:stop]))
            start = stop
        return out

    def _predict_plans(self, plans):
        """GP mean and variance at every drawn phase, one GP per prototype."""
        point_proto = np.concatenate(
            [np.repeat(p["prototypes"], np.diff(p["offsets"])) for p in plans]
        )
        new_phase = np.concatenate([p["phase"] for p in plans])
        order = np.argsort(point_proto, kind="stable")
        unique, counts = np.unique(point_proto[order], return_counts=True)
        if unique.size == 0:
            return np.zeros(0), np.zeros(0)
        groups = np.split(new_phase[order], np.cumsum(counts)[:-1])
        X = self.X_.take(unique)
        ph = np.split(fold_phase(X), X.offsets[1:-1])
        mags = np.split(X.mag, X.offsets[1:-1])
        errs = np.split(X.err, X.offsets[1:-1])
        params = self.gp_params_.loc[unique, ["log_amp2", "log_metric", "jitter", "mean"]]
        params = params.to_numpy()
        tasks = (
            delayed(_predict_chunk)(
                params[c], [ph[i] for i in c], [mags[i] for i in c],
                [errs[i] for i in c], [groups[i] for i in c], self.wrap,
            )
            for c in _chunks(unique.size, self.n_jobs)
        )
        results = Parallel(n_jobs=self.n_jobs)(tasks)
        mu_sorted = np.concatenate([r[0] for r in results])
        var_sorted = np.concatenate([r[1] for r in results])
        mu, var = np.empty_like(mu_sorted), np.empty_like(var_sorted)
        mu[order], var[order] = mu_sorted, var_sorted
        return mu, var

    def _assemble(self, plan, mu, var):
        prototypes, offsets = plan["prototypes"], plan["offsets"]
        if prototypes.size == 0:
            return _empty_like(self.X_)
        lengths = np.diff(offsets)
        if self.error_model == "gp":
            proto_err = segment_mean(self.X_.err, self.X_.offsets)[prototypes]
            err = noise = _scaled_deviations(var, offsets, proto_err)
        else:
            real = self.X_.take(prototypes)
            err, ratio = _prototype_errors(real, mu, offsets)
            noise = err * np.repeat(ratio, lengths)
        mag = mu + plan["z"] * noise
        if self.error_model == "nightly":
            # The same errors; the noise split into scatter and night offsets.
            within, night_offset = _night_noise_ratios(real)
            mag = mu + err * (plan["z"] * np.repeat(within, lengths)
                              + plan["z_night"][plan["night"]] * np.repeat(night_offset, lengths))
        period = self.X_.require("period")[prototypes]
        time = plan["time"] + np.repeat(plan["shift"] * period, lengths)
        meta = _synthetic_meta(self.X_, prototypes, plan["donors"], plan["shift"])
        return LightCurves(time, mag, err, offsets, meta, copy=False)


def _scaled_deviations(var, offsets, mean_err):
    """GP predictive deviations scaled so each curve's mean is ``mean_err``."""
    lengths = np.diff(offsets)
    sd = np.sqrt(var)
    # Keep every error positive even where the GP is (numerically) certain.
    floor = 1e-6 * np.maximum(np.maximum.reduceat(sd, offsets[:-1]), 1e-300)
    sd = np.maximum(sd, np.repeat(floor, lengths))
    return sd * np.repeat(mean_err / segment_mean(sd, offsets), lengths)


def _prototype_errors(prototypes, mu, offsets):
    """The prototypes' own errors matched by magnitude rank to the GP means.

    Every synthetic has as many points as its prototype, so sorting both
    within each curve pairs them one to one. Also returns each prototype's
    noise-to-error ratio (see :func:`noise_to_error_ratio`).
    """
    real = prototypes.mag.astype(np.float64)
    err_by_mag = prototypes.err.astype(np.float64)[segment_sort(real, offsets)]
    err = np.empty_like(err_by_mag)
    err[segment_sort(mu, offsets)] = err_by_mag
    return err, noise_to_error_ratio(prototypes)


def noise_to_error_ratio(X):
    """Point-to-point scatter of each folded curve over its mean error.

    The scatter is the median absolute difference of phase-neighbouring
    magnitudes divided by ``sqrt(2) * 0.6745`` (the standard deviation for
    Gaussian noise on a curve that varies slowly between neighbours). A
    ratio below 1 says the quoted errors overstate the noise.

    Parameters
    ----------
    X : LightCurves
        Curves with a ``period`` (and optionally ``t0``) column.

    Returns
    -------
    ratio : ndarray of shape (n_curves,)
        1.0 for curves with fewer than three points.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.augmentation import noise_to_error_ratio
    >>> rng = np.random.default_rng(0)
    >>> t = np.sort(rng.uniform(0, 100, 2000))
    >>> mag = 15 + 0.3 * np.sin(2 * np.pi * t / 0.7) + rng.normal(0, 0.02, t.size)
    >>> X = LightCurves(t, mag, np.full(t.size, 0.04), [0, t.size],
    ...                 pd.DataFrame({"period": [0.7]}))
    >>> np.round(noise_to_error_ratio(X), 1)
    array([0.5])
    """
    order = segment_sort(fold_phase(X), X.offsets)
    ratio = _step_ratio(X, order, segment_positions(X.offsets)[1:] > 0)
    return np.where(np.diff(X.offsets) >= 3, ratio, 1.0)


def within_night_ratio(X, gap=NIGHT_GAP):
    """Scatter between observations of one night over each curve's mean error.

    Like :func:`noise_to_error_ratio`, but from the steps between time
    neighbours less than ``gap`` days apart: the noise that observations of
    one night do not share. Where it is below the phase-neighbour ratio,
    the rest of the noise is an offset common to each night's points.

    Parameters
    ----------
    X : LightCurves
    gap : float, default=NIGHT_GAP

    Returns
    -------
    ratio : ndarray of shape (n_curves,)
        NaN for curves with no two observations in one night.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.augmentation import within_night_ratio
    >>> rng = np.random.default_rng(0)
    >>> nights = np.repeat(np.arange(500.0), 4)
    >>> t = nights + np.tile([0.0, 0.01, 0.02, 0.03], 500)
    >>> offset = rng.normal(0, 0.03, 500)  # shared by a night's four points
    >>> mag = 15 + np.repeat(offset, 4) + rng.normal(0, 0.04, t.size)
    >>> X = LightCurves(t, mag, np.full(t.size, 0.04), [0, t.size],
    ...                 pd.DataFrame({"period": [0.7]}))
    >>> np.round(within_night_ratio(X), 1)
    array([1.])
    """
    _check_gap(gap)
    order = segment_sort(X.time, X.offsets)
    same_night = np.diff(X.time[order]) < gap
    return _step_ratio(X, order, (segment_positions(X.offsets)[1:] > 0) & same_night)


def _night_noise_ratios(X, gap=NIGHT_GAP):
    """Within-night and night-offset noise of each curve, over its mean error.

    Steps between phase neighbours observed on different nights carry both
    parts of the noise, steps within a night only the first; the night
    offset is what the first leaves of the second. (On a long-period curve
    most phase neighbours are of one night, so the plain
    :func:`noise_to_error_ratio` would miss the night offsets.) Curves
    without two points in one night get all their noise within the night.
    """
    offsets = X.offsets
    order = segment_sort(fold_phase(X), offsets)
    night = night_ids(X.time, offsets)[order]
    inner = segment_positions(offsets)[1:] > 0
    total = _step_ratio(X, order, inner & (np.diff(night) != 0))
    if np.isnan(total).any():  # every phase neighbour of one night: all steps
        total = np.where(np.isnan(total), noise_to_error_ratio(X), total)
    within = np.fmin(within_night_ratio(X, gap), total)
    return within, np.sqrt(total**2 - within**2)


def _step_ratio(X, order, steps):
    """Scatter of the chosen neighbour steps over each curve's mean error.

    ``order`` sorts the points within each curve, ``steps`` marks which of
    the ``n_points - 1`` steps between consecutive sorted points to use
    (never one that joins two curves). The scatter is the median absolute
    step divided by ``sqrt(2) * 0.6745``, the standard deviation of Gaussian
    noise on a curve that varies slowly between neighbours. NaN for curves
    with no chosen step.
    """
    offsets = X.offsets
    lengths = np.diff(offsets)
    step = np.abs(np.diff(X.mag.astype(np.float64)[order]))[steps]
    counts = np.bincount(segment_ids(offsets)[1:][steps], minlength=lengths.size)
    ratio = np.full(lengths.size, np.nan)
    has = counts > 0
    if has.any():
        median = segment_median(step, lengths_to_offsets(counts[has]))
        # Dropping the other curves leaves valid offsets of the rest.
        mean_err = segment_mean(X.err.astype(np.float64)[np.repeat(has, lengths)],
                                lengths_to_offsets(lengths[has]))
        ratio[has] = median / (np.sqrt(2.0) * ndtri(0.75)) / mean_err
    return ratio


def night_ids(time, offsets, gap=NIGHT_GAP):
    """Index of the night of every observation, counted within its curve.

    Observations of one curve that follow each other, in time order, by
    less than ``gap`` days share a night.

    Parameters
    ----------
    time : ndarray of shape (n_points,)
        Flat observation times (days), any order within a curve.
    offsets : ndarray of shape (n_curves + 1,)
    gap : float, default=NIGHT_GAP

    Returns
    -------
    night : ndarray of shape (n_points,)
        0 for the first night of each curve, 1 for the next, ...

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.augmentation import night_ids
    >>> night_ids(np.array([1.0, 1.01, 2.0, 2.02, 5.0, 0.0, 0.01]), [0, 5, 7])
    array([0, 0, 1, 1, 2, 0, 0])
    """
    _check_gap(gap)
    time = np.asarray(time, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or offsets.size < 1 or offsets[0] != 0 or offsets[-1] != time.size:
        raise ValueError(f"offsets must run from 0 to len(time)={time.size}; "
                         f"got {offsets[:1].tolist()} ... {offsets[-1:].tolist()}")
    order = segment_sort(time, offsets)
    first = segment_positions(offsets) == 0
    starts = first | (np.r_[np.inf, np.diff(time[order])] >= gap)
    # Count night starts along the flat array, then restart at every curve.
    count = np.cumsum(starts) - 1
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    curve_first = np.repeat(count[offsets[:-1][nonempty]], lengths[nonempty])
    night = np.empty(time.size, dtype=np.int64)
    night[order] = count - curve_first
    return night


def _night_keys(time, offsets, rng):
    """Sort keys that order every curve's nights at random, points of a night together.

    Each point takes its night's random key; ``segment_sort`` is stable, so
    the points of one night stay adjacent and in their original order.
    """
    night = night_ids(time, offsets)
    lengths = np.diff(offsets)
    n_nights = _nights_per_curve(night, offsets)
    first_key = lengths_to_offsets(n_nights)[:-1]
    keys = rng.random(int(n_nights.sum()))
    return keys[np.repeat(first_key, lengths) + night]


def _check_gap(gap):
    if not (isinstance(gap, (int, float, np.floating, np.integer)) and gap > 0):
        raise ValueError(f"gap must be a positive number of days; got {gap!r}")


def _nights_per_curve(night, offsets):
    counts = np.zeros(offsets.size - 1, dtype=np.int64)
    np.maximum.at(counts, segment_ids(offsets), night + 1)
    return counts


def _truncated_normal(rng, size):
    """Standard normal draws truncated at +-_TRUNCATE (by inverse CDF)."""
    uniform = rng.random(size)
    return ndtri(ndtr(-_TRUNCATE) + uniform * (ndtr(_TRUNCATE) - ndtr(-_TRUNCATE)))


def _draw_donors(lengths, n_points, rng):
    """For each synthetic, a random curve with at least ``n_points`` points."""
    order = np.argsort(lengths, kind="stable")
    first = np.searchsorted(lengths[order], n_points, side="left")
    count = lengths.size - first
    pick = first + np.minimum((rng.random(n_points.size) * count).astype(np.int64), count - 1)
    return order[pick]


def _predict_chunk(params, phases, mags, errs, new_phases, wrap):
    mus, variances = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for row, ph, m, e, new in zip(params, phases, mags, errs, new_phases):
            mu, var = predict_curve(row, ph, m, e, new, wrap=wrap, var_grid=VAR_GRID)
            mus.append(mu)
            variances.append(var)
    return np.concatenate(mus), np.concatenate(variances)


def _empty_like(X):
    meta = X.meta.iloc[:0].copy()
    for column in _SYNTHETIC_COLUMNS:
        meta[column] = pd.Series(dtype=float)
    return LightCurves(np.zeros(0), np.zeros(0), np.zeros(0), [0], meta, validate=False)


class DuplicateAugmenter(_BaseAugmenter):
    """Over-sampler that tops classes up with copies of random real curves.

    The cheap baseline to :class:`GPLightCurveAugmenter`, with the same
    interface (``fit``, ``sample``, ``sample_batches``, ``fit_resample``).
    A copy is the prototype unchanged, with ``synthetic=True``,
    ``prototype`` and ``donor`` (both the prototype) and ``phase_shift=0``
    added to its meta.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As for :class:`GPLightCurveAugmenter`.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of prototypes in ``fit_resample``.

    Attributes
    ----------
    sampling_strategy_ : OrderedDict
    X_ : LightCurves
    y_ : ndarray of shape (n_curves,)

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.augmentation import DuplicateAugmenter
    >>> from vsaug import LightCurves
    >>> X = LightCurves(np.arange(15.0), np.zeros(15), np.ones(15), [0, 5, 10, 15])
    >>> X_res, y_res = DuplicateAugmenter(random_state=0).fit_resample(X, ["a", "a", "b"])
    >>> y_res.tolist()
    ['a', 'a', 'b', 'b']
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_prototypes(self, indices):
        self._fitted_mask = np.zeros(len(self.X_), dtype=bool)
        self._fitted_mask[indices] = True

    def _sample_batches(self, batches, rngs):
        out = []
        for prototypes in batches:
            copies = self.X_.take(prototypes)
            zeros = np.zeros(prototypes.size)
            meta = _synthetic_meta(self.X_, prototypes, prototypes, zeros)
            out.append(copies.with_points(meta=meta))
        return out
