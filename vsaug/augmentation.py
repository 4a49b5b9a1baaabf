"""Over-sampling light curves: Gaussian-process synthetics (DESIGN 1.2).

:class:`GPLightCurveAugmenter` and :class:`DuplicateAugmenter` are
:class:`~vsaug.sampling.BaseLightCurveSampler` subclasses, so they follow
imbalanced-learn's sampler contract (``fit_resample(X, y)`` returns the
originals followed by the synthetics, ``sampling_strategy`` resolved by
imbalanced-learn's code) on ragged :class:`~vsaug.LightCurves`, and they
separate fitting from drawing: :meth:`~GPLightCurveAugmenter.fit` fits one
GP per prototype, and :meth:`~GPLightCurveAugmenter.sample` draws any
number of fresh synthetics from those cached fits without refitting, which
is what the bagging ensemble needs for every bag.

A synthetic's errors and noise and the choice of its times are small
objects picked by name (:mod:`vsaug.synthesis`); the night statistics they
use live in :mod:`vsaug.survey_noise`, the sampler base and bag plans in
:mod:`vsaug.sampling`. Their public names are importable from here too.

:class:`DuplicateAugmenter` has the same interface and tops classes up with
copies of randomly chosen real curves: the cheap baseline.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils._param_validation import HasMethods, Interval
from threadpoolctl import threadpool_limits

from ._ragged import (
    gather_segments,
    lengths_to_offsets,
    segment_positions,
    segment_sort,
    worker_chunks,
)
from .folding import phase as fold_phase
from .gp import GPKernel, fit_curves, predict_columns, predict_curve
from .lightcurves import LightCurves
from .sampling import (
    BaseLightCurveSampler,
    empty_like,
    plan_resample,
    spread_prototypes,
    synthetic_meta,
)
from .survey_noise import (
    NIGHT_GAP,
    _night_noise_ratios,
    night_ids,
    noise_to_error_ratio,
    within_night_ratio,
)
from .synthesis import (
    CADENCE_SUBSETS,
    ERROR_MODELS,
    CadenceSubset,
    ErrorModel,
    get_cadence_subset,
    get_error_model,
    register_cadence_subset,
    register_error_model,
    truncated_normal,
)

__all__ = [
    "GPLightCurveAugmenter",
    "DuplicateAugmenter",
    "BaseLightCurveSampler",
    "ERROR_MODELS",
    "CADENCE_SUBSETS",
    "NIGHT_GAP",
    "register_error_model",
    "register_cadence_subset",
    "night_ids",
    "noise_to_error_ratio",
    "plan_resample",
    "spread_prototypes",
    "within_night_ratio",
]

# Intervals of the phase grid on which the predictive variance is computed
# exactly and then interpolated (see vsaug.gp.predict_curve). On CRTS curves
# 256 reproduces the exact deviations to 2e-4 (mean relative difference)
# at a third of the cost for 2,000 new phases, and the cost no longer grows
# with the number of synthetics per prototype.
VAR_GRID = 256


class GPLightCurveAugmenter(BaseLightCurveSampler):
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
    error_model : str or ErrorModel, default="empirical"
        Errors and noise of a synthetic: a name in
        :data:`vsaug.synthesis.ERROR_MODELS` (``"empirical"``, ``"nightly"``,
        ``"gp"`` and any registered with
        :func:`~vsaug.synthesis.register_error_model`) or a
        :class:`~vsaug.synthesis.ErrorModel` instance. ``"gp"`` is DESIGN 1.2's (the
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
    cadence_subset : str or CadenceSubset, default="points"
        How a synthetic's times are picked from its donor's: a name in
        :data:`vsaug.synthesis.CADENCE_SUBSETS` or a
        :class:`~vsaug.synthesis.CadenceSubset` instance. ``"points"``:
        a random subset of the donor's observations. ``"nights"``: whole
        nights of the donor (observations less than ``night_gap`` days
        apart) in random order until the prototype's number of points is
        reached, the last night cut short; real survey curves come in
        groups of a few exposures a night (CRTS: four within half an hour),
        and a random subset of points breaks those groups up.
    night_gap : float, default=0.3
        Observations of one curve closer than this (days) belong to one
        night, for ``"nights"`` and ``"nightly"``. The default suits CRTS
        (:data:`vsaug.survey_noise.NIGHT_GAP`: four exposures within half
        an hour a night, steps between time neighbours either under 0.1 d
        or over 0.5 d); set your survey's.
    kernel : GPKernel or None, default=None
        The GP kernel (None: :class:`vsaug.gp.Matern52Kernel`, DESIGN 1.2).
        The first columns of ``gp_params_`` are its ``param_names``.
    memory : str, joblib.Memory or None, default=None
        Cache of the GP fits (see :func:`vsaug.gp.fit_curves`): each
        prototype's fit is stored under its folded curve's content and the
        kernel settings (``kernel``, ``length_scale``, ``wrap``), so the
        candidates and folds of a ``GridSearchCV`` that share a prototype
        fit it once. A str is a cache folder. None: no cache.
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
        :func:`vsaug.gp.param_columns` of the kernel (for the default
        ``log_amp2``, ``log_metric``, ``jitter``, ``mean``, ``nll``) and
        ``fallback``.
    kernel_ : GPKernel
        The kernel fitted.
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
        **BaseLightCurveSampler._parameter_constraints,
        "length_scale": [Interval(Real, 0, None, closed="neither")],
        "wrap": ["boolean", Interval(Real, 0, 1, closed="both")],
        # Names are checked against the registries when drawing (they may
        # be registered after the augmenter is made).
        "error_model": [str, ErrorModel],
        "cadence_subset": [str, CadenceSubset],
        "night_gap": [Interval(Real, 0, None, closed="neither")],
        "kernel": [GPKernel, None],
        "memory": [str, HasMethods(["cache"]), None],
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
        night_gap=NIGHT_GAP,
        kernel=None,
        memory=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.sampling_strategy = sampling_strategy
        self.length_scale = length_scale
        self.wrap = wrap
        self.error_model = error_model
        self.cadence_subset = cadence_subset
        self.night_gap = night_gap
        self.kernel = kernel
        self.memory = memory
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __setstate__(self, state):
        super().__setstate__(state)
        # Pickled before the kernel was a parameter: the Matern-5/2 fits.
        if "gp_params_" in state and "kernel_" not in state:
            self.kernel_ = self._kernel()

    def _kernel(self):
        from .gp import Matern52Kernel

        return Matern52Kernel() if self.kernel is None else self.kernel

    def _fit_prototypes(self, indices):
        # Unknown names fail here, before minutes of GP fits.
        get_error_model(self.error_model), get_cadence_subset(self.cadence_subset)
        self.X_.require("period")
        self.kernel_ = self._kernel()
        self.gp_params_ = fit_curves(
            self.X_,
            indices,
            length_scale=self.length_scale,
            wrap=self.wrap,
            kernel=self.kernel,
            memory=self.memory,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        self.fallbacks_ = self.gp_params_["fallback"]
        self.n_fallbacks_ = int((self.fallbacks_ != "none").sum())

    # ------------------------------------------------------------- drawing
    def _draw(self, prototypes, rng, error_model, cadence):
        """All random choices of one batch, made up front in a fixed order."""
        X = self.X_
        n_points = X.lengths[prototypes]
        donors = _draw_donors(X.lengths, n_points, rng)
        flat, donor_offsets = gather_segments(X.offsets, donors)
        # A random subset of each donor's points (or of its nights): sort
        # keys within every donor, keep the first n_points.
        keys = cadence.keys(X.time[flat], donor_offsets, rng, night_gap=self.night_gap)
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
            "z": truncated_normal(rng, time.size),
        }
        # Drawn last, so a model that draws nothing leaves the others' draws.
        plan.update(error_model.draw(plan, rng, night_gap=self.night_gap))
        return plan

    def _sample_batches(self, batches, rngs):
        error_model = get_error_model(self.error_model)
        cadence = get_cadence_subset(self.cadence_subset)
        plans = [self._draw(p, rng, error_model, cadence) for p, rng in zip(batches, rngs)]
        for plan in plans:
            sub = self.X_.take(plan["prototypes"])
            # Each synthetic folded on its prototype's period and epoch.
            plan["phase"] = fold_phase(sub.with_points(time=plan["time"]))
        mu, var = self._predict_plans(plans)
        out, start = [], 0
        for plan in plans:
            stop = start + plan["time"].size
            out.append(self._assemble(plan, mu[start:stop], var[start:stop], error_model))
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
        kernel = getattr(self, "kernel_", None)
        params = self.gp_params_.loc[unique, list(predict_columns(kernel))].to_numpy()
        tasks = (
            delayed(_predict_chunk)(
                params[c], [ph[i] for i in c], [mags[i] for i in c],
                [errs[i] for i in c], [groups[i] for i in c], self.wrap, kernel,
            )
            for c in worker_chunks(unique.size, self.n_jobs)
        )
        results = Parallel(n_jobs=self.n_jobs)(tasks)
        mu_sorted = np.concatenate([r[0] for r in results])
        var_sorted = np.concatenate([r[1] for r in results])
        mu, var = np.empty_like(mu_sorted), np.empty_like(var_sorted)
        mu[order], var[order] = mu_sorted, var_sorted
        return mu, var

    def _assemble(self, plan, mu, var, error_model):
        prototypes, offsets = plan["prototypes"], plan["offsets"]
        if prototypes.size == 0:
            return empty_like(self.X_)
        real = self.X_.take(prototypes)
        mag, err = error_model.synthesize(real, mu, var, plan, night_gap=self.night_gap)
        period = self.X_.require("period")[prototypes]
        time = plan["time"] + np.repeat(plan["shift"] * period, np.diff(offsets))
        meta = synthetic_meta(self.X_, prototypes, plan["donors"], plan["shift"])
        return LightCurves(time, mag, err, offsets, meta, copy=False)


def _draw_donors(lengths, n_points, rng):
    """For each synthetic, a random curve with at least ``n_points`` points."""
    order = np.argsort(lengths, kind="stable")
    first = np.searchsorted(lengths[order], n_points, side="left")
    count = lengths.size - first
    pick = first + np.minimum((rng.random(n_points.size) * count).astype(np.int64), count - 1)
    return order[pick]


def _predict_chunk(params, phases, mags, errs, new_phases, wrap, kernel):
    mus, variances = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        for row, ph, m, e, new in zip(params, phases, mags, errs, new_phases):
            mu, var = predict_curve(row, ph, m, e, new, wrap=wrap, var_grid=VAR_GRID,
                                    kernel=kernel)
            mus.append(mu)
            variances.append(var)
    return np.concatenate(mus), np.concatenate(variances)


class DuplicateAugmenter(BaseLightCurveSampler):
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
        pass  # copies need no preparation

    def _sample_batches(self, batches, rngs):
        out = []
        for prototypes in batches:
            copies = self.X_.take(prototypes)
            zeros = np.zeros(prototypes.size)
            meta = synthetic_meta(self.X_, prototypes, prototypes, zeros)
            out.append(copies.with_points(meta=meta))
        return out
