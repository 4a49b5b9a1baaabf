"""Tests of LightCurveCleaner and the duplicate-phase merge."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from vsaug import MIN_POINTS, LightCurveCleaner, LightCurves
from vsaug.cleaning import merge_duplicate_phases
from vsaug.datasets import make_light_curves


def _sinusoids(n_curves=6, n_points=150, noise=0.03, amplitude=0.8, seed=0, n_outliers=3):
    """Sinusoids with ``n_outliers`` injected outliers each; returns X and their mask."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(53500, 56500, (n_curves, n_points)), axis=1)
    period = rng.uniform(0.3, 2.0, n_curves)
    mag = 15 + amplitude / 2 * np.sin(2 * np.pi * t / period[:, None])
    # Noise truncated at 2 sigma: no genuine point deserves the 3-sigma clip.
    mag += noise * np.clip(rng.standard_normal(mag.shape), -2, 2)
    outlier = np.zeros(mag.shape, dtype=bool)
    for i in range(n_curves):
        outlier[i, rng.choice(n_points, n_outliers, replace=False)] = True
    mag[outlier] += rng.choice([-1, 1], outlier.sum()) * rng.uniform(0.6, 2.0, outlier.sum())
    meta = pd.DataFrame({"id": np.arange(n_curves) + 100, "period": period})
    X = LightCurves(t.ravel(), mag.ravel(), np.full(t.size, noise),
                    np.arange(n_curves + 1) * n_points, meta)
    return X, outlier.ravel()


def test_removes_exactly_the_outliers():
    X, outlier = _sinusoids()
    Xc = LightCurveCleaner().fit_transform(X)
    # No noise point lies 3 sigma from the truth, so exactly the injected
    # outliers must disappear.
    np.testing.assert_array_equal(Xc.meta["n_clipped"], 3)
    np.testing.assert_array_equal(Xc.mag, X.mag[~outlier])
    np.testing.assert_array_equal(Xc.time, X.time[~outlier])


def test_single_pass_loses_neighbours_of_large_outliers():
    # The paper's single pass lets a huge outlier drag the smooth; the
    # iterated default gives the condemned neighbours back.
    X, outlier = _sinusoids(noise=0.02, n_outliers=2, seed=3)
    X.mag[outlier] += 1.5 * np.sign(X.mag[outlier] - 15)
    single = LightCurveCleaner(max_iter=1).fit_transform(X)
    iterated = LightCurveCleaner().fit_transform(X)
    assert single.meta["n_clipped"].sum() > iterated.meta["n_clipped"].sum()
    np.testing.assert_array_equal(iterated.meta["n_clipped"], 2)


def test_amplitude_close_to_true():
    X, _ = _sinusoids(amplitude=0.8)
    Xc = LightCurveCleaner().fit_transform(X)
    np.testing.assert_allclose(Xc.meta["amplitude"], 0.8, atol=0.05)


def test_error_clip_drops_large_error_points():
    X, _ = _sinusoids(n_outliers=0)
    err = X.err.copy()
    err[[5, 200]] = 10 * err[5]  # >= 2x the mean error of their curves
    X = X.with_points(err=err)
    Xc = LightCurveCleaner().fit_transform(X)
    assert Xc.meta["n_clipped"][0] >= 1 and Xc.meta["n_clipped"][1] >= 1
    assert Xc.err.max() < 10 * X.err[0]
    # A looser error clip keeps them.
    loose = LightCurveCleaner(error_clip=100.0).fit_transform(X)
    assert loose.err.max() == err.max()


def test_duplicated_phases_do_not_crash():
    X, _ = _sinusoids(n_curves=2, n_outliers=0)
    # Duplicate every time of the first curve (CRTS has ~14,000 such rows)
    # and make two times exactly one period apart.
    t = X.time.copy()
    t[1:150:2] = t[0:150:2]
    X.mag[1:150:2] = X.mag[0:150:2] + 0.01
    t[2] = t[0] + 3 * X.meta["period"][0]
    X = X.with_points(time=t)
    Xc = LightCurveCleaner().fit_transform(X)
    assert len(Xc) == 2
    assert np.isfinite(Xc.meta["amplitude"]).all()
    assert Xc.meta["n_clipped"][0] <= 3


def test_merge_duplicate_phases_weighted_and_per_curve():
    ph = np.array([0.1, 0.1, 0.5, 0.5, 0.5, 0.7])
    mag = np.array([1.0, 3.0, 2.0, 4.0, 6.0, 1.0])
    err = np.array([1.0, 1.0, 1.0, 0.5, 1.0, 1.0])
    # Curve boundary between index 3 and 4: the equal phases there stay apart.
    p, m, e, off = merge_duplicate_phases(ph, mag, err, np.array([0, 4, 6]))
    assert off.tolist() == [0, 2, 4]
    np.testing.assert_allclose(p, [0.1, 0.5, 0.5, 0.7])
    np.testing.assert_allclose(m, [2.0, (2 + 4 * 4) / 5, 6.0, 1.0])
    np.testing.assert_allclose(e, [1 / np.sqrt(2), 1 / np.sqrt(5), 1.0, 1.0])


def test_output_time_sorted_same_order_and_input_untouched():
    X, y = make_light_curves(60, random_state=0)
    # Scramble the points inside every curve.
    keys = np.random.default_rng(0).random(X.n_points)
    shuffled = X.reorder_points(np.lexsort((keys, X.curve_index)))
    before = (shuffled.time.copy(), shuffled.mag.copy(), shuffled.meta.copy())
    Xc = LightCurveCleaner().fit_transform(shuffled)
    np.testing.assert_array_equal(shuffled.time, before[0])
    np.testing.assert_array_equal(shuffled.mag, before[1])
    pd.testing.assert_frame_equal(shuffled.meta, before[2])
    assert Xc.meta["id"].tolist() == X.meta["id"].tolist()
    step = np.diff(Xc.time)
    assert np.all(step[np.diff(Xc.curve_index) == 0] >= 0)
    assert np.all(Xc.lengths <= X.lengths) and np.all(Xc.lengths >= MIN_POINTS)
    assert set(Xc.meta.columns) >= {"amplitude", "n_clipped", "period", "class"}


def test_synthetic_outliers_are_removed():
    X, _ = make_light_curves(200, random_state=1)
    Xc = LightCurveCleaner().fit_transform(X)
    removed = 1 - Xc.n_points / X.n_points
    # 1% injected outliers plus some clipped tails: a few percent at most.
    assert 0.008 < removed < 0.05
    far = np.abs(Xc.mag - np.repeat(Xc.meta["mean_mag"], Xc.lengths)) > (
        np.repeat(Xc.meta["amplitude"], Xc.lengths) + 5 * Xc.err
    )
    assert far.mean() < 0.001


def test_curve_never_drops_below_min_points():
    # Six wildly scattered points: clipping would leave fewer than MIN_POINTS.
    t = np.array([0.0, 0.13, 0.31, 0.52, 0.77, 0.91])
    mag = np.array([15.0, 17.0, 13.0, 16.5, 13.5, 15.0])
    meta = pd.DataFrame({"period": [1.0]})
    X = LightCurves(t, mag, np.full(6, 0.01), [0, 6], meta)
    Xc = LightCurveCleaner().fit_transform(X)
    assert Xc.lengths.tolist() == [6] and Xc.meta["n_clipped"][0] == 0


def test_n_jobs_results_equal(monkeypatch):
    # Small chunks so that two workers really share the curves.
    monkeypatch.setattr("vsaug.cleaning._CHUNK_SIZE", 16)
    X, _ = make_light_curves(80, random_state=2)
    a = LightCurveCleaner(n_jobs=1).fit_transform(X)
    b = LightCurveCleaner(n_jobs=2).fit_transform(X)
    np.testing.assert_array_equal(a.mag, b.mag)
    np.testing.assert_array_equal(a.offsets, b.offsets)
    pd.testing.assert_frame_equal(a.meta, b.meta)


def test_missing_period_names_the_star():
    X, _ = _sinusoids(n_curves=3)
    meta = X.meta.copy()
    meta.loc[1, "period"] = np.nan
    with pytest.raises(ValueError, match=r"star 1 \(id=np.int64\(101\)\)|star 1 \(id=101\)"):
        LightCurveCleaner().fit(X.with_points(meta=meta))
    with pytest.raises(ValueError, match="no 'period' in meta.*PeriodFinder"):
        LightCurveCleaner().transform(X.with_points(meta=meta.drop(columns="period")))


def test_too_few_distinct_phases_named():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])  # all at phase 0 for period 1
    X = LightCurves(t, np.arange(5.0), np.full(5, 0.1), [0, 5],
                    pd.DataFrame({"id": [7], "period": [1.0]}))
    with pytest.raises(ValueError, match=r"star 0 \(id=.*7.*\) has only 1 distinct phase"):
        LightCurveCleaner().transform(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"residual_clip": 0}, "'residual_clip' parameter of LightCurveCleaner must be"),
        ({"error_clip": -1.0}, "'error_clip' parameter of LightCurveCleaner must be"),
        ({"max_iter": 0}, "'max_iter' parameter of LightCurveCleaner must be"),
        ({"n_jobs": "two"}, "'n_jobs' parameter of LightCurveCleaner must be"),
    ],
)
def test_bad_parameters(params, message):
    X, _ = _sinusoids(n_curves=1)
    with pytest.raises(ValueError, match=message):
        LightCurveCleaner(**params).fit(X)


def test_in_a_pipeline_and_from_a_per_star_frame():
    # clone, get_params and repr: tests/test_common.py checks every estimator.
    X, _ = _sinusoids(n_curves=2)
    Xc = make_pipeline(LightCurveCleaner()).fit_transform(X)
    assert Xc.meta["n_clipped"].tolist() == [3, 3]
    # Accepts a per-star DataFrame with array-valued columns.
    frame = pd.DataFrame({"time": [c.time for c in X], "mag": [c.mag for c in X],
                          "err": [c.err for c in X], "period": X.meta["period"]})
    out = LightCurveCleaner().transform(frame)
    np.testing.assert_array_equal(out.mag, Xc.mag)


def test_vectorised_smoother_matches_supersmoother_package():
    from supersmoother import SuperSmoother

    from vsaug._supersmoother import periodic_supersmoother

    rng = np.random.default_rng(0)
    lengths = [40, 57, 120]
    phs, ys, dys = [], [], []
    for n in lengths:
        ph = np.sort(rng.uniform(0, 1, n))
        phs.append(ph)
        ys.append(np.sin(2 * np.pi * ph) + rng.normal(0, 0.1, n))
        dys.append(rng.uniform(0.05, 0.2, n))
    off = np.concatenate([[0], np.cumsum(lengths)])
    got = periodic_supersmoother(np.concatenate(phs), np.concatenate(ys),
                                 np.concatenate(dys), off, np.concatenate(phs), off)
    want = np.concatenate([
        SuperSmoother(period=1.0).fit(p, y, d, presorted=True).predict(p)
        for p, y, d in zip(phs, ys, dys)
    ])
    np.testing.assert_allclose(got, want, atol=1e-8)


CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


@pytest.mark.crts
@pytest.mark.skipif(not CRTS.exists(), reason="CRTS data not found at ../shared/crts")
def test_matches_the_per_star_path_on_a_crts_sample():
    """The vectorised cleaner against one supersmoother call per star and pass.

    ``benchmarks/bench_cleaning.py`` compares the two on all 29,950 curves;
    here 5 stars of every class: the same points removed per star, the
    amplitude within 5e-5 mag (the running sums add in another order; over
    all 29,950 curves the largest difference is 1.8e-5 mag).
    """
    import importlib.util
    import warnings

    from vsaug.datasets import load_crts

    spec = importlib.util.spec_from_file_location(
        "bench_cleaning", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cleaning.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X, y = load_crts(CRTS)
    rng = np.random.default_rng(3)
    pick = np.sort(np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 5, replace=False) for c in np.unique(y)]))
    S = X[pick]
    ref = bench.PerStarCleaner(n_jobs=1).fit_transform(S)
    new = LightCurveCleaner(n_jobs=1).fit_transform(S)
    np.testing.assert_array_equal(new.meta["n_clipped"], ref.meta["n_clipped"])
    np.testing.assert_allclose(new.meta["amplitude"], ref.meta["amplitude"], atol=5e-5)
    np.testing.assert_array_equal(new.time, ref.time)


def test_set_output_and_feature_names_pass_through_a_light_curve_step():
    from sklearn import config_context
    from sklearn.ensemble import HistGradientBoostingClassifier

    from vsaug import PeriodFinder, PeriodicFeatures

    X, y = make_light_curves(40, classes=["RRab", "Ecl"], n_points=(30, 40), random_state=0)
    pipe = make_pipeline(LightCurveCleaner(max_iter=1), PeriodicFeatures(n_harmonics=2),
                         HistGradientBoostingClassifier(max_iter=3))
    assert pipe.set_output(transform="pandas") is pipe
    pipe.fit(X, y)
    table = pipe[:-1].transform(X)
    names = pipe[:-1].get_feature_names_out()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == list(names) == list(pipe[1].get_feature_names_out())
    # Light curves stay light curves, whatever the output configuration says.
    with config_context(transform_output="pandas"):
        for step in (LightCurveCleaner(max_iter=1), PeriodFinder(max_period=5.0)):
            assert isinstance(step.fit_transform(X[:3]), LightCurves)
            assert step.set_output(transform="polars") is step
            assert step.get_feature_names_out(["a"]).tolist() == ["a"]
            assert step.get_feature_names_out().size == 0
    with pytest.raises(ValueError, match="LightCurveCleaner.set_output: transform must be"):
        LightCurveCleaner().set_output(transform="arrow")
