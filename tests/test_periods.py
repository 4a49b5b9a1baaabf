"""Tests of PeriodFinder and lomb_scargle_period."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from vsaug import LightCurves, PeriodFinder
from vsaug.periods import _top_peaks, lomb_scargle_period

# Short search ranges keep the periodograms small and the tests fast.
FAST = dict(min_period=0.1, max_period=50.0)


def _sinusoids(periods, n_points=120, noise=0.05, seed=0, baseline=600.0, with_period=False):
    rng = np.random.default_rng(seed)
    periods = np.asarray(periods, dtype=float)
    t = np.sort(rng.uniform(0, baseline, (periods.size, n_points)), axis=1)
    mag = 15 + 0.3 * np.sin(2 * np.pi * t / periods[:, None] + rng.uniform(0, 6, (periods.size, 1)))
    mag += rng.normal(0, noise, mag.shape)
    meta = pd.DataFrame({"id": np.arange(periods.size)})
    if with_period:
        meta["period"] = periods
    return LightCurves(t.ravel(), mag.ravel(), np.full(t.size, noise),
                       np.arange(periods.size + 1) * n_points, meta)


def test_recovers_known_periods():
    periods = [0.137, 0.52, 1.7, 9.3, 31.0]
    X = _sinusoids(periods)
    Xp = PeriodFinder(**FAST).fit_transform(X)
    np.testing.assert_allclose(Xp.meta["period"], periods, rtol=2e-3)
    assert (Xp.meta["period_power"] > 0.8).all()
    assert (Xp.meta["period_fap"] < 1e-10).all()


def test_long_period_refined_beyond_grid_step():
    # 6 cycles over the baseline: one grid step is ~3% in frequency, the
    # zoom must bring the estimate well within 1%.
    X = _sinusoids([100.0], n_points=200, baseline=600.0, noise=0.02)
    period, _, _ = lomb_scargle_period(X.time, X.mag, X.err, min_period=1.0, max_period=300.0)
    assert abs(period / 100.0 - 1) < 0.005


def test_pure_noise_has_high_false_alarm_probability():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 600, 100))
    _, power, fap = lomb_scargle_period(t, rng.normal(15, 0.1, 100), np.full(100, 0.1), **FAST)
    assert fap > 0.01 and power < 0.4


def test_overwrite_and_keep_existing():
    X = _sinusoids([0.52, 1.7, 9.3], with_period=True)
    meta = X.meta.copy()
    meta["period"] = [0.52, np.nan, 123.0]  # one missing, one wrong
    X = X.with_points(meta=meta)
    kept = PeriodFinder(**FAST).fit_transform(X)
    assert kept.meta["period"][0] == 0.52 and kept.meta["period"][2] == 123.0
    assert abs(kept.meta["period"][1] / 1.7 - 1) < 2e-3
    assert np.isnan(kept.meta["period_power"][[0, 2]]).all()
    assert np.isfinite(kept.meta["period_power"][1])
    redone = PeriodFinder(**FAST, overwrite=True).fit_transform(X)
    np.testing.assert_allclose(redone.meta["period"], [0.52, 1.7, 9.3], rtol=2e-3)
    # The input is untouched.
    assert np.isnan(X.meta["period"][1]) and X.meta["period"][2] == 123.0


def test_nothing_to_search_returns_same_periods():
    X = _sinusoids([0.52, 1.7], with_period=True)
    out = PeriodFinder(**FAST).fit_transform(X)
    np.testing.assert_array_equal(out.meta["period"], [0.52, 1.7])
    np.testing.assert_array_equal(out.mag, X.mag)


def test_n_jobs_results_equal():
    X = _sinusoids(np.linspace(0.3, 5, 40), n_points=60, seed=2)
    a = PeriodFinder(**FAST, n_jobs=1).fit_transform(X)
    b = PeriodFinder(**FAST, n_jobs=2).fit_transform(X)
    pd.testing.assert_frame_equal(a.meta, b.meta)


def test_exact_method_agrees_with_fast():
    X = _sinusoids([0.52, 3.3], seed=5)
    fast = PeriodFinder(**FAST).fit_transform(X)
    exact = PeriodFinder(**FAST, method="slow").fit_transform(X)
    np.testing.assert_allclose(fast.meta["period"], exact.meta["period"], rtol=1e-6)


def test_top_peaks_orders_local_maxima():
    power = np.array([0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.35, 0.95])
    assert _top_peaks(power, 2).tolist() == [7, 3]
    assert _top_peaks(power, 10).tolist() == [7, 3, 1, 5]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_period": 0}, "'min_period' parameter of PeriodFinder must be"),
        ({"samples_per_peak": 0.5}, "'samples_per_peak' parameter of PeriodFinder must be"),
        ({"method": "bls"}, "'method' parameter of PeriodFinder must be"),
        ({"min_period": 10.0, "max_period": 2.0},
         r"min_period must be smaller than max_period; got min_period=10.0 and max_period=2.0"),
    ],
)
def test_bad_parameters(params, message):
    X = _sinusoids([1.0], n_points=20)
    with pytest.raises(ValueError, match=message):
        PeriodFinder(**params).fit(X)
    with pytest.raises(ValueError, match=message):
        PeriodFinder(**params).transform(X)


def test_sklearn_conventions():
    finder = PeriodFinder(max_period=20.0, n_jobs=2)
    assert clone(finder).get_params() == finder.get_params()
    assert "max_period=20.0" in repr(finder)
    # Accepts (time, mag, err) triples.
    X = _sinusoids([0.8], n_points=80)
    out = PeriodFinder(**FAST).transform([(X.time, X.mag, X.err)])
    assert abs(out.meta["period"][0] / 0.8 - 1) < 2e-3
