"""Features of what a fold on one period hides.

:class:`PeriodicFeatures` and the networks see the curve folded on one
period. Three kinds of variability survive that fold only as scatter, and
they separate the classes that every model in the paper confuses:

- a **second period** (double-mode RRd stars: first overtone over
  fundamental near 0.745; Blazhko stars: a side peak next to the main
  frequency), found by prewhitening: subtract the main period's harmonic fit
  and search the residuals;
- a **changing main signal** across observing seasons (the Blazhko
  modulation of amplitude and phase), from a fit of the main curve's shape
  to every season separately;
- **odd and even cycles that differ** (a contact binary folded on half its
  orbit, whose two eclipses have different depths, against a rotator or a
  pulsator, whose consecutive cycles are alike), and the depth of the
  second minimum of the folded curve.

:class:`FoldResidualFeatures` computes all of them for all curves at once on
the flat arrays; only the residual period search goes curve by curve,
through :class:`~vsaug.PeriodFinder` (and so through its joblib workers).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import LightCurveInputMixin
from ._ragged import segment_max, segment_min, segment_sort
from ._validation import check_labels
from .features import _evaluate, _evaluate_grid, _main_harmonic_fit
from .folding import phase as fold_phase
from .lightcurves import as_light_curves
from .periods import PeriodFinder

__all__ = ["FoldResidualFeatures", "FOLD_RESIDUAL_FEATURES", "add_feature_columns"]

_TWO_PI = 2.0 * np.pi
_EPS = 1e-12

#: Output columns of :class:`FoldResidualFeatures`, in order.
FOLD_RESIDUAL_FEATURES = (
    "log_period2",
    "period_ratio",
    "power2",
    "resid_to_amp",
    "season_amp_cv",
    "season_phase_std",
    "n_seasons",
    "odd_even_diff",
    "odd_even_sigma",
    "min2_depth_ratio",
)


class FoldResidualFeatures(LightCurveInputMixin, TransformerMixin, BaseEstimator):
    """Secondary period, season-to-season stability and odd/even cycle differences.

    Every curve is first fitted with the harmonic series that
    :class:`PeriodicFeatures` fits (the same rule for how many harmonics its
    phase coverage supports). Then, on the residuals and on the cycles of
    the fold:

    Parameters
    ----------
    n_harmonics : int, default=4
        Harmonics of the main-period fit that is removed (prewhitening).
    min_period, max_period : float, default=0.05, 1500.0
        Search range (days) for the residuals' period.
    season_gap : float, default=60.0
        A gap between consecutive observations longer than this many days
        starts a new observing season (CRTS fields are seen for a few months
        a year).
    min_season_points : int, default=10
        Seasons with fewer points are not fitted.
    minimum_window : float, default=0.1
        Half-width in phase of the window round the fitted curve's minimum
        light (its faintest point) used for the odd/even comparison.
    n_jobs : int, default=None
        Workers of the residual period search.
    verbose : int, default=0
        Progress of the residual period search.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        :data:`FOLD_RESIDUAL_FEATURES`.

    Notes
    -----
    Columns (all finite; a quantity a curve cannot support is 0):

    ``log_period2``
        log10 of the strongest period of the residuals (days).
    ``period_ratio``
        Shorter over longer of the main and the residual period, in (0, 1]:
        about 0.745 for RRd stars, close to 1 for a Blazhko side peak.
    ``power2``
        Lomb-Scargle power (0 to 1) of that residual peak.
    ``resid_to_amp``
        Weighted rms of the residuals over the main fit's peak-to-peak
        amplitude.
    ``season_amp_cv``, ``season_phase_std``
        Each season (at least ``min_season_points`` points) is fitted with
        ``c_s + a_s g(phi) + b_s g'(phi)``, ``g`` the main fitted curve minus
        its mean: ``a_s`` is the season's amplitude relative to the whole
        curve's and ``b_s / a_s`` its phase shift in cycles (to first order,
        ``g(phi + d) = g(phi) + d g'(phi)``). The
        columns are the standard deviation of ``a_s`` over its mean and the
        standard deviation of the shift (0 with fewer than two seasons).
    ``n_seasons``
        Seasons fitted.
    ``odd_even_diff``, ``odd_even_sigma``
        Mean residual of the points near minimum light in even cycles minus
        that in odd cycles (cycles counted from half a period before the
        minimum), in units of
        the amplitude, and its absolute value over its standard error.
    ``min2_depth_ratio``
        Depth of the second deepest minimum of the fitted curve (more than a
        fifth of a cycle from the deepest) over the deepest, depths measured
        from maximum light: near 1 for a contact binary folded on its orbit,
        0 for a single-minimum curve.

    Examples
    --------
    A double-mode curve (fundamental 0.5 d, first overtone 0.3725 d):

    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.fold_residuals import FoldResidualFeatures
    >>> rng = np.random.default_rng(0)
    >>> t = np.sort(rng.uniform(0, 1500, 400))
    >>> mag = (15 + 0.3 * np.sin(2 * np.pi * t / 0.5)
    ...        + 0.2 * np.sin(2 * np.pi * t / 0.3725) + rng.normal(0, 0.01, 400))
    >>> X = LightCurves(t, mag, np.full(400, 0.01), [0, 400], pd.DataFrame({"period": [0.5]}))
    >>> F = FoldResidualFeatures().fit_transform(X)
    >>> names = list(FoldResidualFeatures().fit(X).get_feature_names_out())
    >>> round(float(F[0, names.index("period_ratio")]), 3)
    0.745
    """

    _parameter_constraints = {
        "n_harmonics": [Interval(Integral, 1, None, closed="left")],
        "min_period": [Interval(Real, 0, None, closed="neither")],
        "max_period": [Interval(Real, 0, None, closed="neither")],
        "season_gap": [Interval(Real, 0, None, closed="neither")],
        "min_season_points": [Interval(Integral, 3, None, closed="left")],
        "minimum_window": [Interval(Real, 0, 0.5, closed="right")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(self, *, n_harmonics=4, min_period=0.05, max_period=1500.0, season_gap=60.0,
                 min_season_points=10, minimum_window=0.1, n_jobs=None, verbose=0):
        self.n_harmonics = n_harmonics
        self.min_period = min_period
        self.max_period = max_period
        self.season_gap = season_gap
        self.min_season_points = min_season_points
        self.minimum_window = minimum_window
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the search range and the input (nothing is learnt).

        Parameters
        ----------
        X : LightCurves or convertible
            Every curve needs its main period in ``meta['period']``.
        y : array-like of shape (n_curves,), optional
            Ignored, but it must hold one label per curve when given.

        Returns
        -------
        self
            The transformer, ready for :meth:`transform`.
        """
        if self.min_period >= self.max_period:
            raise ValueError(f"min_period={self.min_period!r} must be below "
                             f"max_period={self.max_period!r}")
        X = as_light_curves(X)
        X.require("period")
        if y is not None:
            check_labels(y, len(X), estimator="FoldResidualFeatures")
        self.n_features_out_ = len(FOLD_RESIDUAL_FEATURES)
        return self

    @property
    def feature_names_out_(self):
        """Column names, :data:`FOLD_RESIDUAL_FEATURES`."""
        return np.array(FOLD_RESIDUAL_FEATURES, dtype=object)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Returns
        -------
        ndarray of str of shape (n_features,)
        """
        check_is_fitted(self, "n_features_out_")
        return self.feature_names_out_

    def transform(self, X):
        """Compute the features.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves with ``meta['period']``

        Returns
        -------
        ndarray of shape (n_curves, 10)
        """
        check_is_fitted(self, "n_features_out_")
        X = as_light_curves(X)
        if len(X) == 0:
            return np.zeros((0, len(FOLD_RESIDUAL_FEATURES)))
        period = X.require("period")
        X = _time_ordered(X)  # seasons and cycles are read off consecutive observations
        ph = fold_phase(X, period)
        coef, used, _, _ = _main_harmonic_fit(ph, X.mag, X.err, X.offsets, self.n_harmonics)
        model = _evaluate(coef, ph, np.diff(X.offsets))
        grid = _evaluate_grid(coef, 200)
        amplitude = grid.max(axis=1) - grid.min(axis=1)
        resid = X.mag - model
        secondary = self._residual_period(X, resid, period)
        seasons = _season_stability(X, ph, coef, self.season_gap, self.min_season_points)
        odd_even = _odd_even(X, ph, period, resid, grid, amplitude, self.minimum_window)
        w = 1.0 / X.err**2
        rms = np.sqrt(np.add.reduceat(w * resid**2, X.offsets[:-1])
                      / np.add.reduceat(w, X.offsets[:-1]))
        resid_to_amp = np.where(used > 0, rms / np.maximum(amplitude, _EPS), 0.0)
        table = np.column_stack([*secondary, resid_to_amp, *seasons, *odd_even,
                                 _second_minimum_depth(grid)])
        return np.nan_to_num(table, nan=0.0, posinf=0.0, neginf=0.0)

    def _residual_period(self, X, resid, period):
        """``log_period2``, ``period_ratio`` and ``power2`` from the residuals.

        Curves whose residuals are all equal (nothing left to search) get 0.
        """
        n = len(X)
        varies = segment_max(resid, X.offsets) > segment_min(resid, X.offsets)
        todo = np.flatnonzero(varies)
        log_period2, ratio, power2 = np.zeros(n), np.zeros(n), np.zeros(n)
        if todo.size == 0:
            return log_period2, ratio, power2
        residuals = X.with_points(mag=resid, meta=pd.DataFrame(index=X.meta.index)).take(todo)
        finder = PeriodFinder(min_period=self.min_period, max_period=self.max_period,
                              overwrite=True, n_jobs=self.n_jobs, verbose=self.verbose)
        found = finder.fit_transform(residuals).meta
        period2 = found["period"].to_numpy(dtype=np.float64, na_value=np.nan)
        log_period2[todo] = np.log10(period2)
        ratio[todo] = np.minimum(period[todo], period2) / np.maximum(period[todo], period2)
        power2[todo] = found["period_power"].to_numpy(dtype=np.float64, na_value=np.nan)
        return log_period2, ratio, power2


def add_feature_columns(X, transformer):
    """``X`` with the transformer's output added to ``meta`` as named columns.

    The networks' scalar branch reads its inputs from ``meta``
    (``scalar_features``), so this is how they see tabular features.

    Parameters
    ----------
    X : LightCurves
    transformer : fitted transformer with ``get_feature_names_out``

    Returns
    -------
    LightCurves
        Same points; ``meta`` has one more column per feature (existing
        columns of the same name are replaced).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.fold_residuals import FoldResidualFeatures, add_feature_columns
    >>> t = np.linspace(0, 400, 120)
    >>> X = LightCurves(t, 15 + 0.3 * np.sin(2 * np.pi * t / 0.7), np.full(120, 0.02),
    ...                 [0, 120], pd.DataFrame({"period": [0.7]}))
    >>> X2 = add_feature_columns(X, FoldResidualFeatures().fit(X))
    >>> "odd_even_sigma" in X2.meta.columns
    True
    """
    X = as_light_curves(X)
    table = transformer.transform(X)
    names = [str(n) for n in transformer.get_feature_names_out()]
    meta = X.meta.copy()
    for name, column in zip(names, np.asarray(table, dtype=np.float64).T):
        meta[name] = column
    return X.with_points(meta=meta)


def _time_ordered(X):
    """``X`` with every curve's points in time order (a phase-sorted curve is not)."""
    order = segment_sort(X.time, X.offsets)
    if np.array_equal(order, np.arange(order.size)):
        return X
    return X.with_points(time=X.time[order], mag=X.mag[order], err=X.err[order])


def _shape_and_slope(coef, ph, lengths):
    """Per point, the main curve minus its mean, ``g``, and its phase derivative ``g'``."""
    K = (coef.shape[1] - 1) // 2
    c = np.repeat(coef, lengths, axis=0)
    k = np.arange(1, K + 1)[None, :]
    angle = _TWO_PI * ph[:, None] * k
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = c[:, 1 : K + 1], c[:, K + 1 :]
    g = np.sum(a * cos + b * sin, axis=1)
    slope = _TWO_PI * np.sum(k * (b * cos - a * sin), axis=1)
    return g, slope


def _season_stability(X, ph, coef, season_gap, min_points):
    """``season_amp_cv``, ``season_phase_std`` and ``n_seasons`` of every curve."""
    n = len(X)
    star = X.curve_index
    # A new season starts at each curve's first point and after every long gap.
    starts = np.ones(X.time.size, dtype=bool)
    starts[1:] = np.diff(X.time) > season_gap
    starts[X.offsets[:-1]] = True
    season = np.cumsum(starts) - 1
    season_star = star[starts]
    n_season = season_star.size

    g, slope = _shape_and_slope(coef, ph, np.diff(X.offsets))
    w = 1.0 / X.err**2
    basis = np.stack([np.ones_like(g), g, slope], axis=1)
    # Weighted normal equations of c + a g + b g' per season, by bincount.
    A = np.empty((n_season, 3, 3))
    rhs = np.empty((n_season, 3))
    for i in range(3):
        rhs[:, i] = np.bincount(season, w * basis[:, i] * X.mag, minlength=n_season)
        for j in range(i, 3):
            A[:, i, j] = A[:, j, i] = np.bincount(season, w * basis[:, i] * basis[:, j],
                                                  minlength=n_season)
    count = np.bincount(season, minlength=n_season)
    trace = np.trace(A, axis1=1, axis2=2)
    A += (1e-9 * trace)[:, None, None] * np.eye(3)
    sol = np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
    # g(phi + d) ~ g + d g': the slope's coefficient is a_s d_s
    amp = sol[:, 1]
    shift = sol[:, 2] / np.where(np.abs(amp) > _EPS, amp, np.inf)
    # A season with too few points, or a curve without a fitted shape, says nothing.
    flat = np.abs(coef[:, 1:]).sum(axis=1) == 0
    ok = (count >= min_points) & ~flat[season_star] & np.isfinite(amp) & (amp > 0)
    k = np.bincount(season_star[ok], minlength=n).astype(np.float64)
    mean_amp = np.bincount(season_star[ok], amp[ok], minlength=n) / np.maximum(k, 1)
    var_amp = (np.bincount(season_star[ok], amp[ok] ** 2, minlength=n) / np.maximum(k, 1)
               - mean_amp**2)
    mean_shift = np.bincount(season_star[ok], shift[ok], minlength=n) / np.maximum(k, 1)
    var_shift = (np.bincount(season_star[ok], shift[ok] ** 2, minlength=n) / np.maximum(k, 1)
                 - mean_shift**2)
    several = k >= 2
    amp_cv = np.where(several, np.sqrt(np.maximum(var_amp, 0)) / np.maximum(mean_amp, _EPS), 0.0)
    phase_std = np.where(several, np.sqrt(np.maximum(var_shift, 0)), 0.0)
    return amp_cv, phase_std, k


def _odd_even(X, ph, period, resid, grid, amplitude, window):
    """``odd_even_diff`` and ``odd_even_sigma`` from the points near minimum light."""
    n = len(X)
    star = X.curve_index
    n_grid = grid.shape[1]
    faintest = np.argmax(grid, axis=1) / n_grid  # magnitudes: minimum light is the maximum
    distance = np.abs(ph - faintest[star])
    distance = np.minimum(distance, 1.0 - distance)
    near = distance <= window
    if "t0" in X.meta.columns:
        t0 = np.nan_to_num(X.meta["t0"].to_numpy(dtype=np.float64, na_value=np.nan))
    else:
        t0 = np.zeros(n)
    # Cycles counted from half a period before each minimum, so that a window
    # round the minimum never straddles two cycles.
    cycle = np.floor((X.time - t0[star]) / period[star] - faintest[star] + 0.5).astype(np.int64)
    odd = (cycle % 2).astype(bool)
    w = 1.0 / X.err**2
    stats = []
    for part in (near & ~odd, near & odd):
        sw = np.bincount(star[part], w[part], minlength=n)
        mean = np.bincount(star[part], (w * resid)[part], minlength=n) / np.maximum(sw, _EPS)
        m = np.bincount(star[part], minlength=n)
        # Standard error from the scatter (errors alone understate it).
        sq = np.bincount(star[part], (w * resid**2)[part], minlength=n) / np.maximum(sw, _EPS)
        se2 = np.maximum(sq - mean**2, 0) / np.maximum(m - 1, 1)
        stats.append((mean, se2, m))
    (mean0, se0, m0), (mean1, se1, m1) = stats
    enough = (m0 >= 3) & (m1 >= 3) & (amplitude > 0)
    diff = np.where(enough, (mean0 - mean1) / np.maximum(amplitude, _EPS), 0.0)
    sigma = np.where(enough, np.abs(mean0 - mean1) / np.sqrt(np.maximum(se0 + se1, _EPS**2)),
                     0.0)
    return diff, sigma


def _second_minimum_depth(grid):
    """Depth of the second minimum of light over the deepest, on the fitted grid."""
    n, n_grid = grid.shape
    top = grid.min(axis=1)  # maximum light
    depth = grid - top[:, None]
    deepest = np.argmax(depth, axis=1)
    lag = np.abs(np.arange(n_grid)[None, :] - deepest[:, None])
    lag = np.minimum(lag, n_grid - lag) / n_grid
    # local minima of light (maxima of depth) away from the deepest one
    left, right = np.roll(depth, 1, axis=1), np.roll(depth, -1, axis=1)
    is_min = (depth >= left) & (depth >= right) & (lag > 0.2)
    second = np.where(is_min, depth, 0.0).max(axis=1)
    first = depth[np.arange(n), deepest]
    return np.where(first > 0, second / np.maximum(first, _EPS), 0.0)
