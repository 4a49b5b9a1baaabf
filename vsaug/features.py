"""Features of folded periodic light curves for tabular classifiers.

:class:`PeriodicFeatures` turns :class:`~vsaug.LightCurves` into a numeric
table: the period, a weighted Fourier fit of the folded curve (amplitudes,
the amplitude ratios ``R_k1`` and phase differences ``phi_k1`` that separate
RR Lyrae, Cepheids and eclipsing binaries), the shape of the fitted curve
(peak-to-peak amplitude, rise time) and moments and scatter of the points.

Everything is computed for all curves at once. The weighted least-squares
normal equations need, per curve, only the weighted sums of
``cos(2 pi m phi)`` and ``sin(2 pi m phi)`` for ``m = 0 .. 2K`` (products of
two harmonics are sums of harmonics), so the ``(2K+1) x (2K+1)`` systems of
all curves are built from ``4K + 2`` segment sums and solved as one batch.
The fit uses as many harmonics as the curve's phase coverage supports (see
:class:`PeriodicFeatures`, Notes), so no amplitude is invented in a gap.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import LightCurveInputMixin
from ._ragged import segment_max, segment_median, segment_min, segment_sort, segment_sum
from ._validation import check_labels
from .folding import phase as fold_phase
from .lightcurves import as_light_curves

__all__ = ["PeriodicFeatures"]

_TWO_PI = 2.0 * np.pi
# Curves are processed in groups of about this many points to bound memory.
_POINTS_PER_BLOCK = 400_000
_RIDGE = 1e-12  # relative ridge: curves with fewer points than terms stay solvable
_EPS = 1e-12
#: No amplitude feature (``amplitude``, ``A1`` .. ``AK``) exceeds this many
#: times the curve's observed magnitude range (max - min).
AMPLITUDE_FACTOR = 2.0
#: A curve whose largest phase gap is g gets at most floor(_GAP_WAVES / g) harmonics.
_GAP_WAVES = 0.5
#: Fits whose normal equations are worse conditioned than this are not used.
_MAX_CONDITION = 1e8


class PeriodicFeatures(LightCurveInputMixin, TransformerMixin, BaseEstimator):
    """Fourier and shape features of light curves folded on their period.

    The folded curve of every star is fitted by weighted least squares
    (weights ``1 / err**2``) with
    ``m(phi) = a_0 + sum_k A_k cos(2 pi k phi + phi_k)``, ``k = 1 .. K``.

    Parameters
    ----------
    n_harmonics : int, default=4
        ``K``, the number of harmonics (at least 2, for the ratios).
    n_grid : int, default=200
        Phases at which the fitted curve is evaluated for its amplitude and
        rise time.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
        Column names of the output, see :meth:`get_feature_names_out`.

    Notes
    -----
    The columns are: ``log_period`` (log10 days); ``amplitude`` (peak to
    peak of the fitted curve, mag) and ``log_amplitude``; ``A1`` .. ``AK``;
    ``R21`` .. ``RK1`` (``A_k / A_1``); ``phi21`` .. ``phiK1``
    (``phi_k - k phi_1`` wrapped to ``[0, 2 pi)``); ``rise`` (fraction of the
    period from minimum to maximum light of the fitted curve); ``skew`` and
    ``kurtosis`` of the magnitudes (magnitudes grow fainter, so eclipses give
    positive skew); ``resid_std`` (weighted rms of the residuals from the
    fit), ``log_chi2`` (log10 reduced chi-squared of the fit: double-mode and
    Blazhko stars are fitted worst); ``scatter_ratio`` (residual rms over
    amplitude); ``frac_faint`` (fraction of points more than a quarter of
    the amplitude fainter than the median, the eclipse duty cycle);
    ``mean_err``, ``log_n_points`` and ``n_harmonics_fit`` (the harmonics
    actually fitted, see below).

    The period comes from ``meta['period']``; amplitudes are measured on the
    curve itself, so raw, cleaned and GP-synthetic curves are treated alike.

    **How many harmonics a curve gets.** Harmonic ``k`` has wavelength
    ``1/k`` in phase, so a phase gap of half that leaves one of its extrema
    unconstrained and a least-squares fit free to swing through the gap
    (4 harmonics gave CRTS LPVs "amplitudes" of 5 to 110 mag). A curve whose
    largest phase gap (wrapping round) is ``g`` is fitted with at most
    ``floor(1 / (2 g))`` harmonics (at least 1), at most ``(n_points - 1) // 2``
    and at most ``n_harmonics``; of those, the most whose normal equations
    have a condition number below 1e8 and whose fitted curve keeps every
    amplitude feature (``amplitude`` and every ``A_k``) within
    ``AMPLITUDE_FACTOR`` (2) times the observed magnitude range. A curve that
    no harmonic fit satisfies (all phases equal, constant magnitudes) gets
    ``n_harmonics_fit = 0``: zero amplitudes, ratios and phase differences.
    Unfitted harmonics are 0. The fit is done on magnitudes centred and
    scaled per curve and with weights relative to the curve's smallest
    error, so errors from 1e-300 to 1e154 and huge magnitudes give finite
    features.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves, PeriodicFeatures
    >>> t = np.linspace(0, 30, 300)
    >>> mag = 15 + 0.4 * np.cos(2 * np.pi * t / 0.6) + 0.1 * np.cos(4 * np.pi * t / 0.6)
    >>> X = LightCurves(t, mag, np.full(300, 0.02), [0, 300], pd.DataFrame({"period": [0.6]}))
    >>> F = PeriodicFeatures().fit_transform(X)
    >>> names = list(PeriodicFeatures().fit(X).get_feature_names_out())
    >>> round(float(F[0, names.index("A1")]), 3), round(float(F[0, names.index("R21")]), 3)
    (0.4, 0.25)
    """

    _parameter_constraints = {
        "n_harmonics": [Interval(Integral, 2, None, closed="left")],
        "n_grid": [Interval(Integral, 8, None, closed="left")],
    }

    def __init__(self, *, n_harmonics=4, n_grid=200):
        self.n_harmonics = n_harmonics
        self.n_grid = n_grid

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the input; learn nothing else.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            Checked to have a ``period`` for every curve; nothing is learnt
            from them (no curves give a table of no rows).
        y : array-like of shape (n_curves,), optional
            Not used; checked (one label per curve, one label type) when given.

        Returns
        -------
        self
        """
        X = as_light_curves(X)
        X.require("period")
        if y is not None:
            check_labels(y, len(X), estimator="PeriodicFeatures")
        self.n_harmonics_ = self.n_harmonics
        return self

    @property
    def feature_names_out_(self):
        """Column names for the current parameters (they follow ``set_params``)."""
        return self._names()

    def _names(self):
        k = range(1, self.n_harmonics + 1)
        return np.array(
            ["log_period", "amplitude", "log_amplitude"]
            + [f"A{i}" for i in k]
            + [f"R{i}1" for i in k if i > 1]
            + [f"phi{i}1" for i in k if i > 1]
            + ["rise", "skew", "kurtosis", "resid_std", "log_chi2", "scatter_ratio",
               "frac_faint", "mean_err", "log_n_points", "n_harmonics_fit"],
            dtype=object,
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Returns
        -------
        ndarray of str of shape (n_features,)
        """
        check_is_fitted(self, "n_harmonics_")
        return self._names()

    def transform(self, X):
        """Compute the features.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves with ``meta['period']``

        Returns
        -------
        ndarray of shape (n_curves, n_features)
        """
        check_is_fitted(self, "n_harmonics_")
        self._validate_params()  # set_params after fit is not checked otherwise
        X = as_light_curves(X)
        period = X.require("period")
        ph = fold_phase(X, period)
        blocks = _blocks(X.offsets, _POINTS_PER_BLOCK)
        out = [self._block(X, ph, lo, hi) for lo, hi in blocks]
        table = np.vstack(out) if out else np.zeros((0, len(self._names())))
        table[:, 0] = np.log10(period)
        return table

    def _block(self, X, ph_all, lo, hi):
        """Features of curves ``lo:hi`` (their points are contiguous)."""
        a, b = X.offsets[lo], X.offsets[hi]
        offsets = X.offsets[lo : hi + 1] - a
        ph, mag, err = ph_all[a:b], X.mag[a:b], X.err[a:b]
        lengths = np.diff(offsets)
        coef, used, w, err_min = _main_harmonic_fit(ph, mag, err, offsets, self.n_harmonics,
                                                   self.n_grid)
        resid = mag - _evaluate(coef, ph, lengths)
        grid = _evaluate_grid(coef, self.n_grid)
        table = _assemble(coef, grid, resid, ph, mag, err, w, offsets, self.n_harmonics, used,
                          err_min)
        return np.column_stack([table, used.astype(np.float64)])


def _main_harmonic_fit(ph, mag, err, offsets, n_harmonics, n_grid=200):
    """The weighted harmonic fit of every folded curve, as :class:`PeriodicFeatures` fits it.

    Scale-free: magnitudes are centred on each curve's median and divided by
    its range, weights are relative to its smallest error; the number of
    harmonics follows the coverage rule of :class:`PeriodicFeatures`.

    Returns
    -------
    coef : ndarray of shape (n_curves, 2 * n_harmonics + 1)
        ``a_0, a_1 .. a_K, b_1 .. b_K`` in magnitudes.
    used : ndarray of int, shape (n_curves,)
        Harmonics fitted.
    w : ndarray of shape (n_points,)
        Weights ``(err_min / err)**2``.
    err_min : ndarray of shape (n_curves,)
    """
    lengths = np.diff(offsets)
    err_min = segment_min(err, offsets)
    w = (np.repeat(err_min, lengths) / err) ** 2
    centre = segment_median(mag, offsets)
    span = segment_max(mag, offsets) - segment_min(mag, offsets)
    scale = np.where(span > 0, span, 1.0)
    y = (mag - np.repeat(centre, lengths)) / np.repeat(scale, lengths)
    coef, used = _robust_fourier_fit(ph, y, w, offsets, n_harmonics, n_grid, span > 0)
    coef = coef * scale[:, None]
    coef[:, 0] += centre
    return coef, used, w, err_min


def _blocks(offsets, points):
    """Consecutive curve ranges holding about ``points`` points each."""
    n = offsets.size - 1
    if n == 0:
        return []
    cuts = np.searchsorted(offsets, np.arange(points, offsets[-1], points))
    bounds = np.unique(np.concatenate([[0], cuts, [n]]))
    return list(zip(bounds[:-1], bounds[1:]))


def _harmonic_sums(ph, values, offsets, orders):
    """Per curve, sum of ``values * cos(2 pi m ph)`` and ``* sin`` for each m."""
    angle = _TWO_PI * ph[:, None] * orders[None, :]
    cos_sum = np.add.reduceat(values[:, None] * np.cos(angle), offsets[:-1], axis=0)
    sin_sum = np.add.reduceat(values[:, None] * np.sin(angle), offsets[:-1], axis=0)
    return cos_sum, sin_sum


def _normal_equations(C, S, Cm, Sm, K):
    """The (2K+1)-square weighted normal equations from harmonic sums, batched."""
    # Basis function j is cos(c_j theta) for j <= K, else sin(c_j theta).
    order = np.concatenate([np.arange(K + 1), np.arange(1, K + 1)])
    is_sin = np.arange(2 * K + 1) > K
    i, j = np.meshgrid(np.arange(2 * K + 1), np.arange(2 * K + 1), indexing="ij")
    plus, minus = order[i] + order[j], np.abs(order[i] - order[j])
    sign = np.sign(order[j] - order[i])  # sin((b - a) theta) = sign * sin(|a - b| theta)
    cc = 0.5 * (C[:, minus] + C[:, plus])
    ss = 0.5 * (C[:, minus] - C[:, plus])
    # cos(a) sin(b) = (sin(a + b) + sin(b - a)) / 2
    cs = 0.5 * (S[:, plus] + sign * S[:, minus])
    sc = 0.5 * (S[:, plus] - sign * S[:, minus])
    A = np.where(
        is_sin[i] & is_sin[j], ss, np.where(is_sin[j], cs, np.where(is_sin[i], sc, cc))
    )
    rhs = np.concatenate([Cm[:, : K + 1], Sm[:, 1 : K + 1]], axis=1)
    return A, rhs


def _fourier_fit(ph, mag, w, offsets, K):
    """Weighted least-squares Fourier coefficients, shape (n, 2K + 1).

    Columns: ``a_0, a_1 .. a_K`` (cosines), ``b_1 .. b_K`` (sines).
    """
    return _fits_by_order(ph, mag, w, offsets, K)[0][K]


def _fits_by_order(ph, mag, w, offsets, K):
    """Fits with k = 0 .. K harmonics: ``{k: coefficients padded to 2K + 1 columns}``
    and ``{k: condition number of the k-harmonic normal equations}``."""
    C, S = _harmonic_sums(ph, w, offsets, np.arange(2 * K + 1))
    Cm, Sm = _harmonic_sums(ph, w * mag, offsets, np.arange(K + 1))
    fits, conds = {}, {}
    for k in range(K + 1):
        A, rhs = _normal_equations(C, S, Cm, Sm, k)
        conds[k] = np.linalg.cond(A)
        ridge = _RIDGE * np.trace(A, axis1=1, axis2=2) / A.shape[1]
        A = A + ridge[:, None, None] * np.eye(2 * k + 1)
        sol = np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
        padded = np.zeros((sol.shape[0], 2 * K + 1))
        padded[:, : k + 1] = sol[:, : k + 1]
        padded[:, K + 1 : K + 1 + k] = sol[:, k + 1 :]
        fits[k] = padded
    return fits, conds


def _largest_phase_gap(ph, offsets):
    """Per curve, the largest gap between consecutive phases, wrapping round 1."""
    p = ph[segment_sort(ph, offsets)]
    gap = np.empty_like(p)
    gap[:-1] = p[1:] - p[:-1]
    first, last = offsets[:-1], offsets[1:] - 1
    gap[last] = p[first] + 1.0 - p[last]
    return np.maximum.reduceat(gap, first)


def _robust_fourier_fit(ph, y, w, offsets, K, n_grid, varies):
    """Coefficients of the most harmonics each curve's coverage supports, and that number.

    ``y`` is scaled to unit range, so the amplitude bound is ``AMPLITUDE_FACTOR``.
    """
    lengths = np.diff(offsets)
    gap = _largest_phase_gap(ph, offsets)
    with np.errstate(divide="ignore"):
        by_gap = np.floor(_GAP_WAVES / np.maximum(gap, _EPS))
    allowed = np.minimum(np.minimum(np.maximum(by_gap, 1), (lengths - 1) // 2), K).astype(int)
    fits, conds = _fits_by_order(ph, y, w, offsets, K)
    coef, used = fits[0], np.zeros(lengths.size, dtype=int)
    for k in range(1, K + 1):
        grid = _evaluate_grid(fits[k], n_grid)
        amp = np.hypot(fits[k][:, 1 : K + 1], fits[k][:, K + 1 :]).max(axis=1)
        biggest = np.maximum(grid.max(axis=1) - grid.min(axis=1), amp)
        ok = (varies & (k <= allowed) & np.isfinite(biggest) & (biggest <= AMPLITUDE_FACTOR)
              & (conds[k] < _MAX_CONDITION))
        coef = np.where(ok[:, None], fits[k], coef)
        used = np.where(ok, k, used)
    return coef, used


def _evaluate(coef, ph, lengths):
    """The fitted series at every point (per-curve coefficients repeated)."""
    K = (coef.shape[1] - 1) // 2
    c = np.repeat(coef, lengths, axis=0)
    angle = _TWO_PI * ph[:, None] * np.arange(1, K + 1)[None, :]
    return c[:, 0] + np.sum(c[:, 1 : K + 1] * np.cos(angle) + c[:, K + 1 :] * np.sin(angle), axis=1)


def _evaluate_grid(coef, n_grid):
    """The fitted series of every curve on a common phase grid, (n, n_grid)."""
    K = (coef.shape[1] - 1) // 2
    angle = _TWO_PI * np.arange(n_grid)[:, None] / n_grid * np.arange(1, K + 1)[None, :]
    return coef[:, :1] + coef[:, 1 : K + 1] @ np.cos(angle).T + coef[:, K + 1 :] @ np.sin(angle).T


def _segment_moments(values, offsets):
    lengths = np.diff(offsets)
    mean = segment_sum(values, offsets) / lengths
    d = values - np.repeat(mean, lengths)
    # Skew and kurtosis are scale-free: divide by the largest deviation first
    # so that huge magnitudes cannot overflow the fourth powers.
    big = np.maximum.reduceat(np.abs(d), offsets[:-1])
    d = d / np.repeat(np.where(big > 0, big, 1.0), lengths)
    m2 = segment_sum(d**2, offsets) / lengths
    m3 = segment_sum(d**3, offsets) / lengths
    m4 = segment_sum(d**4, offsets) / lengths
    # constant magnitudes: no shape to measure (their mean's round-off is no skew)
    flat = segment_max(values, offsets) == segment_min(values, offsets)
    skew = np.where(flat, 0.0, m3 / np.maximum(m2, _EPS) ** 1.5)
    kurt = np.where(flat, 0.0, m4 / np.maximum(m2, _EPS) ** 2 - 3.0)
    return skew, kurt


def _assemble(coef, grid, resid, ph, mag, err, w, offsets, K, used, err_min):
    """The feature table; ``w`` are weights relative to each curve's ``err_min``."""
    lengths = np.diff(offsets)
    a, b = coef[:, 1 : K + 1], coef[:, K + 1 :]
    amp = np.hypot(a, b)
    # m = a0 + sum A_k cos(k theta + phi_k): a_k = A cos(phi_k), b_k = -A sin(phi_k)
    phi = np.where(amp > 0, np.arctan2(-b, a), 0.0)
    k = np.arange(2, K + 1)
    ratios = amp[:, 1:] / np.maximum(amp[:, :1], _EPS)
    phase_diff = np.where(amp[:, 1:] > 0, np.mod(phi[:, 1:] - k * phi[:, :1], _TWO_PI), 0.0)
    peak = grid.max(axis=1) - grid.min(axis=1)
    n_grid = grid.shape[1]
    # Magnitudes: maximum light is the minimum magnitude.
    rise = np.where(used > 0,
                    np.mod(np.argmin(grid, axis=1) - np.argmax(grid, axis=1), n_grid) / n_grid, 0.0)
    skew, kurt = _segment_moments(mag, offsets)
    # Residuals in units of the curve's range keep the squares finite.
    span = segment_max(mag, offsets) - segment_min(mag, offsets)
    unit = np.where(span > 0, span, 1.0)
    r = resid / np.repeat(unit, lengths)
    wr2 = segment_sum(w * r**2, offsets)
    resid_std = np.sqrt(wr2 / segment_sum(w, offsets)) * unit
    dof = np.maximum(lengths - (2 * used + 1), 1)
    # chi2 = sum((resid / err)^2) / dof = wr2 * (unit / err_min)^2 / dof, in logs
    with np.errstate(divide="ignore"):
        log_chi2 = (np.log10(np.maximum(wr2, 1e-300)) + 2 * (np.log10(unit) - np.log10(err_min))
                    - np.log10(dof))
    log_chi2 = np.maximum(log_chi2, np.log10(_EPS))
    median = segment_median(mag, offsets)
    faint = mag > np.repeat(median + 0.25 * peak, lengths)
    frac_faint = segment_sum(faint.astype(np.float64), offsets) / lengths
    err_max = segment_max(err, offsets)
    mean_err = segment_sum(err / np.repeat(err_max, lengths), offsets) / lengths * err_max
    columns = [
        np.zeros(lengths.size),  # log_period, filled by transform
        peak,
        np.log10(np.maximum(peak, _EPS)),
        *amp.T,
        *ratios.T,
        *phase_diff.T,
        rise,
        skew,
        kurt,
        resid_std,
        log_chi2,
        # no fitted amplitude: scatter relative to the observed range instead
        resid_std / np.maximum(np.where(used > 0, peak, span), _EPS),
        frac_faint,
        mean_err,
        np.log10(lengths),
    ]
    return np.column_stack(columns)

