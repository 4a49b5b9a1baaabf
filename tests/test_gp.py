"""GP fits of single folded curves: accuracy, wrapping, the fallback chain."""

import george
import numpy as np
import pandas as pd
import pytest

from vsaug import LightCurves
from vsaug import gp as gpmod
from vsaug.gp import FALLBACKS, PARAM_COLUMNS, fit_curve, fit_curves, predict_curve, wrap_margin


def sinusoid(n=80, err=0.03, seed=0, amp=0.4):
    rng = np.random.default_rng(seed)
    ph = np.sort(rng.random(n))
    truth = 15.0 + amp * np.sin(2 * np.pi * ph) + 0.1 * amp * np.cos(4 * np.pi * ph)
    mag = truth + err * rng.standard_normal(n)
    return ph, mag, np.full(n, err)


def truth_at(ph, amp=0.4):
    return 15.0 + amp * np.sin(2 * np.pi * ph) + 0.1 * amp * np.cos(4 * np.pi * ph)


@pytest.mark.parametrize("wrap", [False, 0.25, True])
def test_gp_mean_passes_through_clean_sinusoid_within_its_errors(wrap):
    ph, mag, err = sinusoid()
    params, fallback = fit_curve(ph, mag, err, wrap=wrap)
    assert fallback == "none"
    grid = np.linspace(0, 1, 200, endpoint=False)
    mu, var = predict_curve(params, ph, mag, err, grid, wrap=wrap)
    miss = np.abs(mu - truth_at(grid))
    # Everywhere within 3 predictive sigma (plus a hair for the edges), and on
    # average well inside the measurement error.
    assert np.all(miss <= 3 * np.sqrt(var) + 0.005)
    assert np.sqrt(np.mean(miss**2)) < err[0]


def test_grid_variance_matches_exact_variance_and_mean_stays_exact():
    ph, mag, err = sinusoid(n=60)
    params, _ = fit_curve(ph, mag, err, wrap=0.25)
    new = np.random.default_rng(5).random(3000)
    mu, var = predict_curve(params, ph, mag, err, new, wrap=0.25)
    mu_g, var_g = predict_curve(params, ph, mag, err, new, wrap=0.25, var_grid=256)
    np.testing.assert_allclose(mu_g, mu, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(var_g), np.sqrt(var), rtol=0.01)
    # the grid covers the phases exactly at its nodes
    nodes = np.linspace(0, 1, 257)[:-1]
    np.testing.assert_allclose(
        predict_curve(params, ph, mag, err, nodes, wrap=0.25, var_grid=256)[1],
        predict_curve(params, ph, mag, err, nodes, wrap=0.25)[1], rtol=1e-9)


def test_fit_recovers_amplitude_and_subtracts_weighted_mean():
    ph, mag, err = sinusoid(n=120, err=0.01)
    err = err.copy()
    err[:60] *= 3  # unequal weights: the mean must be the weighted one
    params, _ = fit_curve(ph, mag, err, wrap=False)
    row = dict(zip(PARAM_COLUMNS, params))
    w = 1 / err**2
    assert row["mean"] == pytest.approx(np.sum(w * mag) / np.sum(w))
    # a**2 of the order of the curve's variance, a length scale of a
    # fraction of the period
    assert 0.01 < np.exp(row["log_amp2"]) < 2.0
    assert 0.02 < np.exp(row["log_metric"] / 2) < 1.0
    assert row["jitter"] == 0.0


def test_wrap_joins_the_edges():
    # No points in the last 15% of the phase: without wrapping the GP knows
    # nothing there; with wrapping the points just after phase 0 inform it.
    rng = np.random.default_rng(1)
    ph = np.sort(rng.uniform(0.0, 0.85, 70))
    mag = truth_at(ph) + 0.02 * rng.standard_normal(70)
    err = np.full(70, 0.02)
    edge = np.array([0.97, 0.99])
    results = {}
    for wrap in (False, True):
        params, _ = fit_curve(ph, mag, err, wrap=wrap)
        results[wrap] = predict_curve(params, ph, mag, err, edge, wrap=wrap)
    (mu0, var0), (mu1, var1) = results[False], results[True]
    assert np.all(var1 < 0.5 * var0)
    assert np.all(np.abs(mu1 - truth_at(edge)) < np.abs(mu0 - truth_at(edge)))


def test_extend_copies_the_margin_to_each_side():
    ph = np.array([0.05, 0.3, 0.6, 0.9])
    x, (v,) = gpmod._extend(ph, (np.arange(4.0),), 0.25)
    assert x.tolist() == pytest.approx([-0.1, 0.05, 0.3, 0.6, 0.9, 1.05])
    assert v.tolist() == [3.0, 0.0, 1.0, 2.0, 3.0, 0.0]
    x, _ = gpmod._extend(ph, (np.arange(4.0),), 1.0)
    assert x.size == 12 and x.min() == pytest.approx(-0.95) and x.max() == pytest.approx(1.9)


def test_wrap_margin_validation():
    assert wrap_margin(True) == 1.0 and wrap_margin(False) == 0.0
    message = r"wrap must be True, False or a float in \[0, 1\]; got 1.5"
    with pytest.raises(ValueError, match=message):
        wrap_margin(1.5)
    with pytest.raises(ValueError, match="wrap must be"):
        wrap_margin("yes")


def test_restart_when_first_optimisation_fails(monkeypatch):
    real = gpmod._optimise
    first_starts = []

    def failing_first(x, resid, err, start, jitter):
        if not first_starts:
            first_starts.append(start)
            return None
        return real(x, resid, err, start, jitter)

    monkeypatch.setattr(gpmod, "_optimise", failing_first)
    ph, mag, err = sinusoid()
    params, fallback = fit_curve(ph, mag, err, wrap=False, length_scale=0.1)
    assert fallback == "restart"
    assert first_starts[0][1] == pytest.approx(2 * np.log(0.1))
    assert np.isfinite(params).all()


def test_non_positive_definite_matrix_gets_jitter(monkeypatch):
    # Simulate a covariance that only factorises once the errors are inflated.
    real_compute = george.GP.compute
    floor = 0.5

    def picky(self, x, yerr=0.0, **kwargs):
        if np.min(yerr) < floor:
            raise np.linalg.LinAlgError("not positive definite")
        return real_compute(self, x, yerr, **kwargs)

    monkeypatch.setattr(george.GP, "compute", picky)
    ph, mag, err = sinusoid(err=0.45)
    params, fallback = fit_curve(ph, mag, err, wrap=False)
    row = dict(zip(PARAM_COLUMNS, params))
    assert fallback == "jitter"
    # The first jitter step (0.1 x median error) is too small, the second works.
    assert row["jitter"] == pytest.approx(1.0 * 0.45)
    mu, _ = predict_curve(params, ph, mag, err, [0.25], wrap=False)
    assert np.isfinite(mu).all()


def test_default_kernel_when_nothing_converges(monkeypatch):
    monkeypatch.setattr(gpmod, "_optimise", lambda *a: None)
    ph, mag, err = sinusoid()
    params, fallback = fit_curve(ph, mag, err, wrap=False, length_scale=0.2)
    row = dict(zip(PARAM_COLUMNS, params))
    assert fallback == "default"
    resid = mag - row["mean"]
    assert row["log_amp2"] == pytest.approx(np.log(np.var(resid)))
    assert row["log_metric"] == pytest.approx(2 * np.log(0.2))
    assert row["jitter"] == 0.0 and np.isfinite(row["nll"])


def make_curves(n=6, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(20, 50, n)
    period = rng.uniform(0.3, 3.0, n)
    t = np.concatenate([np.sort(rng.uniform(0, 100, k)) for k in lengths])
    idx = np.repeat(np.arange(n), lengths)
    mag = 14 + 0.3 * np.sin(2 * np.pi * t / period[idx]) + 0.02 * rng.standard_normal(t.size)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    meta = pd.DataFrame({"period": period, "id": np.arange(100, 100 + n)})
    return LightCurves(t, mag, np.full(t.size, 0.02), offsets, meta)


def test_fit_curves_table_and_parallel_equality():
    X = make_curves()
    one = fit_curves(X, [4, 1, 3], wrap=False, n_jobs=1)
    two = fit_curves(X, [4, 1, 3], wrap=False, n_jobs=2)
    assert one.index.tolist() == [4, 1, 3]
    assert list(one.columns) == [*PARAM_COLUMNS, "fallback"]
    assert list(one["fallback"].cat.categories) == list(FALLBACKS)
    pd.testing.assert_frame_equal(one, two)
    # each row is the fit of that curve alone
    lc = X[1]
    ph = (lc.time / lc.meta["period"]) % 1
    alone, _ = fit_curve(ph, lc.mag, lc.err, wrap=False)
    np.testing.assert_allclose(one.loc[1, list(PARAM_COLUMNS)].to_numpy(float), alone)


def test_fit_curves_survives_awkward_curves():
    # five points, a constant curve, one huge outlier, duplicated times
    t = np.concatenate(
        [np.arange(5.0), np.arange(8.0), np.arange(10.0), np.repeat(np.arange(5.0), 2)]
    )
    mag = np.concatenate([np.ones(5), np.full(8, 12.0), np.r_[np.zeros(9), 50.0], np.zeros(10)])
    err = np.full(t.size, 0.01)
    X = LightCurves(t, mag, err, [0, 5, 13, 23, 33], pd.DataFrame({"period": [1.7, 2.3, 0.9, 3.1]}))
    table = fit_curves(X, n_jobs=1)
    assert len(table) == 4
    assert np.isfinite(table[list(PARAM_COLUMNS[:4])].to_numpy()).all()


def test_fit_curves_needs_period():
    X = LightCurves(np.arange(5.0), np.zeros(5), np.ones(5), [0, 5])
    with pytest.raises(ValueError, match="no 'period' in meta"):
        fit_curves(X)


CRTS = __import__("pathlib").Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


@pytest.mark.crts
@pytest.mark.skipif(not CRTS.exists(), reason="CRTS data not found at ../shared/crts")
def test_real_crts_curves_fit():
    import warnings

    from vsaug.datasets import load_crts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X, y = load_crts(CRTS, classes=["DSct", "ACEP", "CepII", "Blazhko"])
    rng = np.random.default_rng(0)
    pick = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 4, replace=False) for c in np.unique(y)]
    )
    table = fit_curves(X, pick, n_jobs=1)
    assert len(table) == pick.size
    assert np.isfinite(table[list(PARAM_COLUMNS)].to_numpy()).all()
    # every fitted length scale lies inside the optimiser's bounds
    length = np.exp(table["log_metric"] / 2)
    assert np.all((length >= 2e-3 * 0.999) & (length <= 10.0 * 1.001))
