"""Outlier cleaning of folded light curves with Friedman's SuperSmoother.

Everything is vectorised over the flat arrays of all curves: folding, error
clipping, merging of duplicated phases, the SuperSmoother fit itself
(:mod:`vsaug._supersmoother`, running sums over the phase-sorted points) and
the final point selection. Curves are grouped into chunks of similar
length, which joblib workers may share.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval

from ._base import LightCurveTransformerMixin
from ._progress import progress_bar
from ._ragged import (
    chunk_bounds,
    gather_segments,
    lengths_to_offsets,
    segment_ids,
    segment_max,
    segment_mean,
    segment_min,
)
from ._supersmoother import periodic_supersmoother
from .folding import phase
from .lightcurves import MIN_POINTS, as_light_curves

__all__ = ["LightCurveCleaner", "merge_duplicate_phases"]

# Phases closer than this (in cycles) are one phase for the smoother: its
# local linear fits divide by the spread of phases in a window, which is zero
# for duplicated times and numerically meaningless for near-duplicates.
PHASE_TOLERANCE = 1e-7

# Curves per chunk: the smoother is vectorised over a chunk. 256 CRTS curves
# keep its arrays near the CPU caches (1024 ran 30% slower) and take tens of
# milliseconds, far above the per-call overhead.
_CHUNK_SIZE = 256


def merge_duplicate_phases(ph, mag, err, offsets, tol=PHASE_TOLERANCE):
    """Merge points of equal phase (within ``tol``) into one, curve by curve.

    Points must be phase-sorted within each curve. Merged magnitudes are the
    inverse-variance weighted mean and their error ``1 / sqrt(sum w)``, so
    the merged point carries exactly the information of its members.

    Parameters
    ----------
    ph, mag, err : ndarray of shape (n_points,)
        Phase-sorted points of all curves.
    offsets : ndarray of shape (n_curves + 1,)
    tol : float, default=1e-7
        Phases closer than this (in cycles) are merged.

    Returns
    -------
    ph, mag, err : ndarray of shape (n_merged,)
    offsets : ndarray of shape (n_curves + 1,)

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.cleaning import merge_duplicate_phases
    >>> ph, mag, err, off = merge_duplicate_phases(
    ...     np.array([0.1, 0.1, 0.5]), np.array([1.0, 3.0, 2.0]),
    ...     np.array([1.0, 1.0, 1.0]), np.array([0, 3]))
    >>> mag.tolist(), off.tolist()
    ([2.0, 2.0], [0, 2])
    """
    n = ph.size
    curve = segment_ids(offsets)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (np.diff(ph) >= tol) | (np.diff(curve) != 0)  # never across curves
    group = np.cumsum(new_group) - 1
    w = 1.0 / err**2
    w_sum = np.bincount(group, w)
    merged_mag = np.bincount(group, w * mag) / w_sum
    merged_ph = np.bincount(group, w * ph) / w_sum
    per_curve = np.bincount(curve[new_group], minlength=offsets.size - 1)
    return merged_ph, merged_mag, 1.0 / np.sqrt(w_sum), lengths_to_offsets(per_curve)


def _clean_chunk(ph, mag, err, fit_ok, offsets, residual_clip, max_iter):
    """Smooth and clip every curve of a chunk; results in the order of the input points.

    Each curve is smoothed, its points judged against the smooth, and the
    smooth refitted on the points it accepted until the accepted set stops
    changing: one pass lets a large outlier drag the smooth far enough to
    condemn its neighbours, a refit without it gives them back. All curves
    still iterating are smoothed together in one call; a curve leaves the
    loop when its accepted set stops changing or would have fewer than
    MIN_POINTS distinct phases.

    Returns the final smooth at every point and the accepted mask.
    Curves with fewer than 3 distinct phases among their ``fit_ok`` points
    cannot be smoothed: they are skipped (smooth NaN, nothing accepted) and
    the third value returned, their distinct-phase counts, tells the caller.
    """
    order = _phase_order(ph, offsets)
    smooth, keep, n_distinct = _clean_sorted(ph[order], mag[order], err[order], fit_ok[order],
                                             offsets, residual_clip, max_iter)
    out_smooth, out_keep = np.empty(ph.size), np.empty(ph.size, dtype=bool)
    out_smooth[order], out_keep[order] = smooth, keep
    return out_smooth, out_keep, n_distinct


def _phase_order(ph, offsets):
    """Stable sort by phase within each curve.

    One sort on ``2 * curve + phase`` (curves never mix: phases are in
    [0, 1)); its rounding, below 1e-12 for a chunk, can only swap phases
    that the merge of duplicated phases (1e-7) joins anyway.
    """
    return np.argsort(2.0 * segment_ids(offsets) + ph, kind="stable")


def _clean_sorted(ph, mag, err, fit_ok, offsets, residual_clip, max_iter):
    """:func:`_clean_chunk` on points phase-sorted within each curve."""
    n_curves = offsets.size - 1
    lengths = np.diff(offsets)
    curve = segment_ids(offsets)
    smooth = np.full(ph.size, np.nan)
    keep = np.zeros(ph.size, dtype=bool)
    fit = fit_ok.copy()
    n_distinct = _n_distinct_per_curve(ph[fit_ok], curve[fit_ok], n_curves)
    active = n_distinct >= 3
    for _ in range(max_iter if active.any() else 0):
        live = np.flatnonzero(active)
        points = np.flatnonzero(np.take(active, curve))
        p_ph, p_mag, p_err, p_curve = (np.take(a, points) for a in (ph, mag, err, curve))
        was_fit = np.take(fit, points)
        m_ph, m_mag, m_err, m_off = merge_duplicate_phases(
            p_ph[was_fit], p_mag[was_fit], p_err[was_fit],
            lengths_to_offsets(np.bincount(p_curve[was_fit], minlength=n_curves)[live]),
        )
        s = periodic_supersmoother(m_ph, m_mag, m_err, m_off, p_ph,
                                   lengths_to_offsets(lengths[live]))
        accepted = np.take(fit_ok, points) & (np.abs(p_mag - s) < residual_clip * p_err)
        smooth[points], keep[points], fit[points] = s, accepted, accepted
        changed = np.bincount(p_curve[accepted != was_fit], minlength=n_curves)[live]
        n_left = _n_distinct_per_curve(p_ph[accepted], p_curve[accepted], n_curves)[live]
        active[live[(changed == 0) | (n_left < MIN_POINTS)]] = False
        if not active.any():
            break
    return smooth, keep, n_distinct


def _n_distinct_per_curve(ph, curve, n_curves, tol=PHASE_TOLERANCE):
    """Distinct phases (within ``tol``) per curve, of points phase-sorted per curve."""
    new = np.ones(ph.size, dtype=bool)
    new[1:] = (np.diff(ph) >= tol) | (np.diff(curve) != 0)
    return np.bincount(curve[new], minlength=n_curves)


def _time_sorted(X):
    """Whether every curve's points are already in increasing time (no sort needed)."""
    step_back = np.diff(X.time) < 0
    return not np.any(step_back & (np.diff(X.curve_index) == 0))


class LightCurveCleaner(LightCurveTransformerMixin, BaseEstimator):
    """Remove outliers from light curves with a SuperSmoother of the folded curve.

    For every curve (DESIGN 1.1): fold on ``meta['period']``; fit Friedman's
    SuperSmoother (periodic in phase) to the folded points; drop points whose
    residual from the smooth is at least ``residual_clip`` times their own
    error, and points whose error is at least ``error_clip`` times the
    curve's mean error; set ``meta['amplitude']`` to the max - min of the
    smooth over the kept points.

    Points whose error is clipped do not take part in the fit (they would be
    dropped anyway). The smooth is refitted without the points it rejected
    (up to ``max_iter`` passes), so one large outlier cannot drag it. Points
    of equal phase (duplicated times) are merged for the fit by their
    weighted mean, because the smoother's local linear fits divide by the
    spread of phases in a window; every original point is then judged
    against the smooth at its own phase.

    Parameters
    ----------
    residual_clip : float, default=3.0
        Drop points with ``|mag - smooth| >= residual_clip * err``.
    error_clip : float, default=2.0
        Drop points with ``err >= error_clip * mean(err)`` of their curve.
    max_iter : int, default=5
        Smooth-and-clip passes per curve. After a pass the smooth is refitted
        on the points it accepted and every point is judged again, until the
        accepted set stops changing. ``1`` is the single pass of the paper;
        it lets a large outlier drag the smooth far enough to condemn its
        neighbours.
    n_jobs : int, default=None
        Parallel workers over chunks of 256 curves (joblib semantics:
        ``None`` means 1 unless in a ``joblib.parallel_config`` context, -1
        all cores). Results do not depend on it, nor on which other curves
        are cleaned in the same call.
    verbose : int, default=0
        Report progress (curves and curves/s) on stderr when > 0: a bar on
        a terminal, one line when done otherwise.

    Notes
    -----
    The output has the same curves in the same order, each time-sorted. A
    curve that would keep fewer than :data:`vsaug.MIN_POINTS` points keeps all
    of its points instead (``n_clipped`` 0), so no curve is ever lost. The
    transformer is stateless: ``fit`` only validates.

    See Also
    --------
    PeriodFinder : fills ``meta['period']`` for curves without one.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from vsaug import LightCurves, LightCurveCleaner
    >>> rng = np.random.default_rng(0)
    >>> t = np.sort(rng.uniform(0, 100, 120))
    >>> mag = 15 + 0.4 * np.sin(2 * np.pi * t / 0.7) + rng.normal(0, 0.02, 120)
    >>> mag[[10, 60]] += 1.5                                  # two outliers
    >>> X = LightCurves(t, mag, np.full(120, 0.02), [0, 120],
    ...                 meta=pd.DataFrame({"period": [0.7]}))
    >>> Xc = LightCurveCleaner().fit_transform(X)
    >>> int(Xc.meta["n_clipped"][0]), round(float(Xc.meta["amplitude"][0]), 1)
    (2, 0.8)
    """

    _parameter_constraints = {
        "residual_clip": [Interval(Real, 0, None, closed="neither")],
        "error_clip": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, *, residual_clip=3.0, error_clip=2.0, max_iter=5, n_jobs=None, verbose=0):
        self.residual_clip = residual_clip
        self.error_clip = error_clip
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and that every curve has a period.

        Parameters
        ----------
        X : LightCurves or convertible (see :func:`vsaug.as_light_curves`)
            Curves with ``meta['period']``.
        y : ignored

        Returns
        -------
        self : LightCurveCleaner
        """
        as_light_curves(X).require("period")
        return self

    def transform(self, X):
        """Return cleaned copies of the curves.

        Parameters
        ----------
        X : LightCurves or convertible, of length n_curves
            Curves with ``meta['period']``; ``meta['t0']`` (epoch) is used
            when present.

        Returns
        -------
        X_clean : LightCurves of length n_curves
            Time-sorted curves without the clipped points; ``meta`` gains
            (or has replaced) ``amplitude`` and ``n_clipped``.
        """
        self._validate_params()
        X = as_light_curves(X)
        X.require("period")
        if not _time_sorted(X):
            X = X.sort_by_time()
        err_ok = X.err < self.error_clip * np.repeat(segment_mean(X.err, X.offsets), X.lengths)
        smooth, keep = self._smooth_and_clip(X, phase(X), err_ok)
        keep = self._keep_floor(X, keep)

        kept = keep.nonzero()[0]
        kept_offsets = lengths_to_offsets(np.bincount(X.curve_index[kept], minlength=len(X)))
        meta = X.meta.copy()
        meta["amplitude"] = segment_max(smooth[kept], kept_offsets) - segment_min(
            smooth[kept], kept_offsets
        )
        meta["n_clipped"] = X.lengths - np.diff(kept_offsets)
        return X.select_points(keep, validate=False).with_points(meta=meta)

    @staticmethod
    def _keep_floor(X, keep):
        """Give every curve that would fall below MIN_POINTS all its points back."""
        n_kept = np.bincount(X.curve_index[keep], minlength=len(X))
        too_few = n_kept < MIN_POINTS
        return keep | too_few[X.curve_index] if too_few.any() else keep

    def _smooth_and_clip(self, X, ph, err_ok):
        """Final smooth at every point and the mask of points it accepts."""
        # Chunks of curves of similar length: the smoother's running sums are
        # rows as wide as a chunk's longest curve.
        by_length = np.argsort(X.lengths, kind="stable")
        chunks = [by_length[a:b] for a, b in chunk_bounds(len(X), size=_CHUNK_SIZE)]
        gathered = [gather_segments(X.offsets, c) for c in chunks]
        tasks = (
            delayed(_clean_chunk)(ph[idx], X.mag[idx], X.err[idx], err_ok[idx], off,
                                  self.residual_clip, self.max_iter)
            for idx, off in gathered
        )
        smooth, keep = np.empty(X.n_points), np.empty(X.n_points, dtype=bool)
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(tasks)
        with progress_bar(len(X), desc="cleaning", unit="curve", verbose=self.verbose) as bar:
            for (idx, _), c, (c_smooth, c_keep, n_distinct) in zip(gathered, chunks, results):
                self._check_fit_sizes(X, c, n_distinct)
                smooth[idx], keep[idx] = c_smooth, c_keep
                bar.update(c.size)
        return smooth, keep

    @staticmethod
    def _check_fit_sizes(X, curves, n_distinct):
        """The smoother needs a few distinct phases; name the curve that lacks them."""
        bad = np.flatnonzero(n_distinct < 3)
        if bad.size:
            i = int(curves[bad].min())
            raise ValueError(
                f"{X.star_name(i)} has only {n_distinct[curves == i][0]} distinct phase(s) "
                "among points with acceptable errors; the SuperSmoother needs at least 3"
            )
