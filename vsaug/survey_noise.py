"""Survey noise statistics of light curves: nights, scatter over the quoted errors.

Real survey curves come in groups of exposures taken within one night
(CRTS: four within about half an hour) that share calibration and seeing.
These functions find the nights (observations closer in time than a gap)
and measure, per curve, how the point-to-point scatter compares with the
quoted errors, within a night and between nights. The GP sampler's
``"empirical"`` and ``"nightly"`` error models and ``"nights"`` cadence
subset are built on them (:mod:`vsaug.synthesis`). Every function works on
all curves at once over the flat ragged arrays.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.special import ndtri

from ._ragged import (
    lengths_to_offsets,
    segment_ids,
    segment_mean,
    segment_median,
    segment_positions,
    segment_sort,
)
from .folding import phase as fold_phase

__all__ = [
    "NIGHT_GAP",
    "night_ids",
    "night_keys",
    "noise_to_error_ratio",
    "within_night_ratio",
]

#: Default gap (days) that separates two nights: observations of one curve
#: closer than this belong to one night. CRTS takes four exposures within
#: about 30 minutes a night; its steps between time neighbours are either
#: under 0.1 d or over 0.5 d. Other surveys: pass their own ``night_gap``.
NIGHT_GAP = 0.3


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
    >>> from vsaug.survey_noise import noise_to_error_ratio
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
    >>> from vsaug.survey_noise import noise_to_error_ratio, within_night_ratio
    >>> rng = np.random.default_rng(0)
    >>> nights = np.repeat(np.arange(500.0), 4)
    >>> t = nights + np.tile([0.0, 0.01, 0.02, 0.03], 500)
    >>> offset = rng.normal(0, 0.03, 500)  # shared by a night's four points
    >>> mag = 15 + np.repeat(offset, 4) + rng.normal(0, 0.04, t.size)
    >>> X = LightCurves(t, mag, np.full(t.size, 0.04), [0, t.size],
    ...                 pd.DataFrame({"period": [0.7]}))

    Within a night the errors (0.04) are right; the night offsets raise
    the scatter between phase neighbours of different nights:

    >>> within_night_ratio(X).round(1).tolist(), noise_to_error_ratio(X).round(1).tolist()
    ([1.0], [1.2])
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
    _check_gap(gap)
    offsets = X.offsets
    order = segment_sort(fold_phase(X), offsets)
    night = night_ids(X.time, offsets, gap)[order]
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
    >>> from vsaug.survey_noise import night_ids
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


def night_keys(time, offsets, rng, gap=NIGHT_GAP):
    """Sort keys that order every curve's nights at random, points of a night together.

    Each point takes its night's random key; a stable sort of the keys
    within each curve (:func:`vsaug._ragged.segment_sort`) keeps the points
    of one night adjacent and in their original order.

    Parameters
    ----------
    time : ndarray of shape (n_points,)
    offsets : ndarray of shape (n_curves + 1,)
    rng : numpy.random.Generator
        One uniform draw per night, curve by curve.
    gap : float, default=NIGHT_GAP

    Returns
    -------
    keys : ndarray of shape (n_points,)

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.survey_noise import night_keys
    >>> keys = night_keys(np.array([0.0, 0.01, 3.0, 3.02]), [0, 4], np.random.default_rng(0))
    >>> bool(keys[0] == keys[1] and keys[2] == keys[3] and keys[0] != keys[2])
    True
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    night = night_ids(time, offsets, gap)
    lengths = np.diff(offsets)
    n_nights = _nights_per_curve(night, offsets)
    first_key = lengths_to_offsets(n_nights)[:-1]
    keys = rng.random(int(n_nights.sum()))
    return keys[np.repeat(first_key, lengths) + night]


def _check_gap(gap):
    if isinstance(gap, bool) or not (isinstance(gap, Real) and gap > 0):
        raise ValueError(f"gap must be a positive number of days; got {gap!r}")


def _nights_per_curve(night, offsets):
    counts = np.zeros(offsets.size - 1, dtype=np.int64)
    np.maximum.at(counts, segment_ids(offsets), night + 1)
    return counts
