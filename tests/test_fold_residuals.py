"""FoldResidualFeatures recovers the known secondary period, modulation and unequal minima."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from vsaug import LightCurves
from vsaug.fold_residuals import (FOLD_RESIDUAL_FEATURES, FoldResidualFeatures,
                                  add_feature_columns)

NAMES = list(FOLD_RESIDUAL_FEATURES)


def _seasonal_times(rng, n_seasons=8, per_season=60):
    """CRTS-like sampling: a few months of nights every year."""
    starts = 365.25 * np.arange(n_seasons)
    t = np.concatenate([s + np.sort(rng.uniform(0, 120, per_season)) for s in starts])
    return t


def _curves(mags, times, periods, err=0.01):
    lengths = [len(t) for t in times]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    time = np.concatenate(times)
    return LightCurves(time, np.concatenate(mags), np.full(time.size, err), offsets,
                       pd.DataFrame({"period": periods}))


def _column(F, name):
    return F[:, NAMES.index(name)]


def _eclipsing(t, orbit, deep=0.6, shallow=0.3, width=0.08):
    """Two broad Gaussian minima per orbit (a contact binary), at phases 0 and 0.5."""
    ph = (t / orbit) % 1.0
    d0 = np.minimum(ph, 1 - ph)
    d1 = np.abs(ph - 0.5)
    return 15 + deep * np.exp(-0.5 * (d0 / width) ** 2) + shallow * np.exp(-0.5 * (d1 / width) ** 2)


def test_double_mode_period_ratio_recovered():
    rng = np.random.default_rng(1)
    t = _seasonal_times(rng)
    fundamental, overtone = 0.55, 0.55 * 0.745
    double = 15 + 0.3 * np.sin(2 * np.pi * t / fundamental) + 0.15 * np.sin(
        2 * np.pi * t / overtone) + rng.normal(0, 0.01, t.size)
    single = 15 + 0.3 * np.sin(2 * np.pi * t / fundamental) + rng.normal(0, 0.01, t.size)
    X = _curves([double, single], [t, t], [fundamental, fundamental])
    F = FoldResidualFeatures().fit_transform(X)
    assert _column(F, "period_ratio")[0] == pytest.approx(0.745, abs=0.002)
    assert 10 ** _column(F, "log_period2")[0] == pytest.approx(overtone, rel=1e-3)
    # the double-mode star's residuals hold a strong period; the single-mode star's only noise
    assert _column(F, "power2")[0] > 0.5 > _column(F, "power2")[1]
    assert _column(F, "resid_to_amp")[0] > 5 * _column(F, "resid_to_amp")[1]


def test_seasonal_modulation_measured():
    rng = np.random.default_rng(2)
    t = _seasonal_times(rng)
    period = 0.6
    season = np.floor(t / 365.25)
    amp = 0.3 * (1 + 0.4 * np.sin(2 * np.pi * season / 5))  # Blazhko-like amplitude change
    shift = 0.05 * np.cos(2 * np.pi * season / 5)  # and phase change, in cycles
    modulated = 15 + amp * np.sin(2 * np.pi * (t / period + shift)) + rng.normal(0, 0.01, t.size)
    steady = 15 + 0.3 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.01, t.size)
    X = _curves([modulated, steady], [t, t], [period, period])
    F = FoldResidualFeatures().fit_transform(X)
    assert (_column(F, "n_seasons") == 8).all()
    amp_cv = _column(F, "season_amp_cv")
    # the injected amplitudes' coefficient of variation, and nearly none for the steady star
    expected = np.std(amp[np.unique(season, return_index=True)[1]]) / np.mean(
        amp[np.unique(season, return_index=True)[1]])
    assert amp_cv[0] == pytest.approx(expected, rel=0.15)
    assert amp_cv[1] < 0.02
    shifts = 0.05 * np.cos(2 * np.pi * np.arange(8) / 5)
    assert _column(F, "season_phase_std")[0] == pytest.approx(np.std(shifts), rel=0.25)
    assert _column(F, "season_phase_std")[1] < 0.003


def test_unequal_minima_on_half_and_full_orbit():
    rng = np.random.default_rng(3)
    t = _seasonal_times(rng, per_season=80)
    orbit = 0.8
    binary = _eclipsing(t, orbit) + rng.normal(0, 0.01, t.size)
    equal = _eclipsing(t, orbit, shallow=0.6) + rng.normal(0, 0.01, t.size)
    X = _curves([binary, equal, binary, equal], [t] * 4, [orbit / 2, orbit / 2, orbit, orbit])
    F = FoldResidualFeatures().fit_transform(X)
    sigma, depth = _column(F, "odd_even_sigma"), _column(F, "min2_depth_ratio")
    # folded on half the orbit the two eclipses fall on alternate cycles
    assert sigma[0] > 10 > sigma[1]
    assert abs(_column(F, "odd_even_diff")[0]) > 0.2
    # folded on the orbit the second minimum is half as deep (0.3 / 0.6) or as deep
    assert depth[2] == pytest.approx(0.5, abs=0.1)
    assert depth[3] == pytest.approx(1.0, abs=0.1)


def test_order_and_batch_independent_and_finite():
    rng = np.random.default_rng(4)
    t1, t2 = _seasonal_times(rng), _seasonal_times(rng, n_seasons=3, per_season=30)
    m1 = 15 + 0.3 * np.sin(2 * np.pi * t1 / 0.5) + rng.normal(0, 0.02, t1.size)
    m2 = 14 + rng.normal(0, 0.02, t2.size)  # no signal at all
    X = _curves([m1, m2], [t1, t2], [0.5, 3.3])
    est = FoldResidualFeatures().fit(X)
    F = est.transform(X)
    assert np.isfinite(F).all() and F.shape == (2, len(NAMES))
    shuffled = [rng.permutation(t1.size), rng.permutation(t2.size)]
    X_shuffled = _curves([m1[shuffled[0]], m2[shuffled[1]]],
                         [t1[shuffled[0]], t2[shuffled[1]]], [0.5, 3.3])
    np.testing.assert_allclose(est.transform(X_shuffled), F, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.transform(X[1:]), F[1:], rtol=1e-7, atol=1e-9)
    assert est.transform(X[:0]).shape == (0, len(NAMES))


def test_constant_curve_gives_zero_features_not_nan():
    t = np.linspace(0, 1000, 200)
    X = _curves([np.full(200, 15.0)], [t], [0.7])
    with warnings.catch_warnings():
        # the residual period search may warn that it found no period: that is the point
        warnings.simplefilter("ignore")
        F = FoldResidualFeatures().fit_transform(X)
    assert np.isfinite(F).all()
    assert _column(F, "season_amp_cv")[0] == 0 and _column(F, "odd_even_sigma")[0] == 0


def test_parameters_checked_in_fit_and_clone_round_trip():
    t = np.linspace(0, 100, 50)
    X = _curves([15 + np.sin(t)], [t], [2 * np.pi])
    with pytest.raises(ValueError, match="min_period"):
        FoldResidualFeatures(min_period=10, max_period=5).fit(X)
    with pytest.raises(ValueError, match="season_gap"):
        FoldResidualFeatures(season_gap=-1).fit(X)
    est = FoldResidualFeatures(season_gap=30.0)
    assert clone(est).get_params() == est.get_params()
    no_period = LightCurves(t, 15 + np.sin(t), np.full(50, 0.1), [0, 50])
    with pytest.raises(ValueError, match="period"):
        FoldResidualFeatures().fit(no_period)


def test_add_feature_columns_feeds_meta():
    rng = np.random.default_rng(5)
    t = _seasonal_times(rng, n_seasons=3)
    X = _curves([15 + 0.3 * np.sin(2 * np.pi * t / 0.5)], [t], [0.5])
    est = FoldResidualFeatures().fit(X)
    X2 = add_feature_columns(X, est)
    np.testing.assert_array_equal(X2.meta[NAMES].to_numpy(), est.transform(X))
    np.testing.assert_array_equal(X2.time, X.time)
