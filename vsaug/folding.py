"""Phase folding of ragged light curves on their periods, all curves at once."""

from __future__ import annotations

import numpy as np

from ._ragged import segment_sort
from .lightcurves import as_light_curves

__all__ = ["phase", "fold"]


def phase(X, period=None):
    """Phase in [0, 1) of every point: ``((t - t0) / P) mod 1``.

    Parameters
    ----------
    X : LightCurves
        Curves with ``meta['period']`` (days), unless ``period`` is given.
        ``meta['t0']`` is the epoch of phase zero where present, else 0.
    period : array-like of shape (n_curves,), optional
        Periods to use instead of ``meta['period']``.

    Returns
    -------
    ndarray of shape (n_points,)

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug import LightCurves
    >>> from vsaug.folding import phase
    >>> X = LightCurves(np.arange(5.0), np.zeros(5), np.ones(5), [0, 5])
    >>> phase(X, period=[2.0]).tolist()
    [0.0, 0.5, 0.0, 0.5, 0.0]
    """
    X = as_light_curves(X)
    if period is None:
        period = X.require("period")
    period = np.asarray(period, dtype=np.float64)
    if period.shape != (len(X),):
        raise ValueError(f"period has shape {period.shape}, expected ({len(X)},)")
    if "t0" in X.meta.columns:
        t0 = np.nan_to_num(X.meta["t0"].to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        t0 = np.zeros(len(X))
    idx = X.curve_index
    cycles = (X.time - t0[idx]) / period[idx]
    ph = cycles - np.floor(cycles)
    # Rounding can give exactly 1.0 for tiny negative remainders.
    ph[ph >= 1.0] = 0.0
    return ph


def fold(X, period=None):
    """Sort every curve's points by phase.

    Parameters
    ----------
    X : LightCurves
    period : array-like of shape (n_curves,), optional
        Periods to use instead of ``meta['period']``.

    Returns
    -------
    X_folded : LightCurves
        The same points, phase-sorted within each curve (times unchanged).
    phases : ndarray of shape (n_points,)
        The phase of every point of ``X_folded``, in [0, 1).
    """
    X = as_light_curves(X)
    ph = phase(X, period)
    order = segment_sort(ph, X.offsets)
    return X.reorder_points(order), ph[order]
