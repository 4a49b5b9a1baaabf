"""PeriodicFeatures: Fourier decomposition and shape features, vectorised."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

import vsaug.features as features_module
from vsaug import LightCurves, PeriodicFeatures
from vsaug.datasets import make_light_curves


def curve(amps, phis, period=0.6, n=300, err=0.01, t_shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 50, n)) + t_shift
    theta = 2 * np.pi * t / period
    mag = 15.0 + sum(a * np.cos((k + 1) * theta + p) for k, (a, p) in enumerate(zip(amps, phis)))
    return t, mag, np.full(n, err)


def table(curves, periods):
    t, m, e = (np.concatenate([c[i] for c in curves]) for i in range(3))
    offsets = np.concatenate([[0], np.cumsum([c[0].size for c in curves])])
    return LightCurves(t, m, e, offsets, pd.DataFrame({"period": periods}))


def frame(X, **kw):
    pf = PeriodicFeatures(**kw).fit(X)
    return pd.DataFrame(pf.transform(X), columns=pf.get_feature_names_out())


def test_recovers_known_fourier_parameters():
    amps, phis = [0.4, 0.12, 0.05, 0.02], [0.3, 1.1, -0.7, 2.0]
    F = frame(table([curve(amps, phis)], [0.6])).iloc[0]
    for k, a in enumerate(amps, start=1):
        assert F[f"A{k}"] == pytest.approx(a, abs=1e-9)
    assert F["R21"] == pytest.approx(0.3)
    assert F["R31"] == pytest.approx(0.125)
    # phi_k1 = phi_k - k phi_1 wrapped into [0, 2 pi)
    assert F["phi21"] == pytest.approx((1.1 - 2 * 0.3) % (2 * np.pi))
    assert F["phi31"] == pytest.approx((-0.7 - 3 * 0.3) % (2 * np.pi))
    assert F["log_period"] == pytest.approx(np.log10(0.6))
    assert F["resid_std"] < 1e-7
    assert F["log_n_points"] == pytest.approx(np.log10(300))
    assert F["mean_err"] == pytest.approx(0.01)


def test_ratios_and_phase_differences_do_not_depend_on_the_epoch():
    amps, phis = [0.3, 0.1, 0.04, 0.01], [0.0, 0.5, 1.0, 1.5]
    X = table([curve(amps, phis), curve(amps, phis, t_shift=0.237)], [0.6, 0.6])
    F = frame(X)
    for name in ["A1", "A2", "R21", "R31", "R41", "phi21", "phi31", "phi41", "amplitude", "rise"]:
        assert F[name][0] == pytest.approx(F[name][1], abs=1e-6), name


def test_matches_a_per_curve_weighted_least_squares_reference():
    X, _ = make_light_curves(40, random_state=2)
    F = frame(X, n_harmonics=3)
    ph = (X.time / np.repeat(X.meta["period"].to_numpy(), X.lengths)) % 1
    used = F["n_harmonics_fit"].to_numpy(int)
    assert np.mean(used == 3) > 0.8 and used.min() >= 1
    for i in range(len(X)):
        lo, hi = X.offsets[i], X.offsets[i + 1]
        p, m, e = ph[lo:hi], X.mag[lo:hi], X.err[lo:hi]
        k = range(1, used[i] + 1)  # the reference fits as many harmonics as the rule chose
        D = np.column_stack(
            [np.ones_like(p)]
            + [np.cos(2 * np.pi * j * p) for j in k]
            + [np.sin(2 * np.pi * j * p) for j in k]
        )
        coef = np.linalg.lstsq(D / e[:, None], m / e, rcond=None)[0]
        amps = np.zeros(3)
        amps[: used[i]] = np.hypot(coef[1 : used[i] + 1], coef[used[i] + 1 :])
        got = F.loc[i, ["A1", "A2", "A3"]].to_numpy(float)
        np.testing.assert_allclose(got, amps, rtol=1e-5, atol=1e-7)
        resid = m - D @ coef
        w = 1 / e**2
        rms = np.sqrt(np.sum(w * resid**2) / np.sum(w))
        assert F["resid_std"][i] == pytest.approx(rms, rel=1e-5)
        d = m - m.mean()
        assert F["skew"][i] == pytest.approx(np.mean(d**3) / np.mean(d**2) ** 1.5, rel=1e-8)


def test_shape_features_tell_eclipses_from_pulsations():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 50, 400))
    ph = (t / 1.3) % 1
    # detached eclipse: flat, with a narrow faint dip (magnitudes increase)
    eclipse = 14.0 + 0.8 * np.exp(-0.5 * ((ph - 0.5) / 0.02) ** 2)
    # sawtooth pulsator: fast rise to maximum light (smaller mag), slow
    # decline; and its mirror image, a slow rise and fast decline
    saw = 14.0 + 0.8 * np.where(ph < 0.15, 1 - ph / 0.15, (ph - 0.15) / 0.85)
    mirror = 14.0 + 0.8 * np.where(ph > 0.85, (ph - 0.85) / 0.15, 1 - ph / 0.85)
    e = np.full(400, 0.01)
    X = table([(t, eclipse, e), (t, saw, e), (t, mirror, e)], [1.3, 1.3, 1.3])
    F = frame(X)
    assert F["skew"][0] > 2 and F["frac_faint"][0] < 0.1
    assert abs(F["skew"][1]) < 0.5 and F["frac_faint"][1] > 0.2
    # four harmonics round the corners, but the rise stays short (true 0.15)
    assert F["rise"][1] < 0.3 and F["rise"][2] > 0.7
    assert F["rise"][1] + F["rise"][2] == pytest.approx(1.0, abs=0.02)


def test_blocking_does_not_change_results(monkeypatch):
    X, _ = make_light_curves(30, random_state=1)
    whole = PeriodicFeatures().fit_transform(X)
    monkeypatch.setattr(features_module, "_POINTS_PER_BLOCK", 500)
    assert len(features_module._blocks(X.offsets, 500)) > 5
    np.testing.assert_allclose(PeriodicFeatures().fit_transform(X), whole, rtol=1e-12)


def test_output_shape_names_and_finiteness_on_tiny_curves():
    rng = np.random.default_rng(3)
    # 5 points: fewer than the 9 Fourier terms, still solvable and finite
    X = LightCurves(rng.random(15) * 10, rng.random(15), np.full(15, 0.1), [0, 5, 10, 15],
                    pd.DataFrame({"period": [0.5, 2.0, 7.0]}))
    pf = PeriodicFeatures(n_harmonics=4).fit(X)
    F = pf.transform(X)
    names = pf.get_feature_names_out()
    assert F.shape == (3, names.size) and np.isfinite(F).all()
    assert names.size == len(set(names)) == 3 + 4 + 3 + 3 + 10
    assert PeriodicFeatures(n_harmonics=2).fit(X).get_feature_names_out().tolist()[3:7] == [
        "A1", "A2", "R21", "phi21"]


def test_input_is_not_modified_and_errors_are_clear():
    X, _ = make_light_curves(11, random_state=0)
    before = X.copy()
    PeriodicFeatures().fit_transform(X)
    np.testing.assert_array_equal(X.mag, before.mag)
    np.testing.assert_array_equal(X.time, before.time)
    with pytest.raises(ValueError, match="no 'period' in meta"):
        PeriodicFeatures().fit(X.with_points(meta=X.meta.drop(columns="period")))
    with pytest.raises(ValueError, match="'n_harmonics' parameter .* Got 1 instead"):
        PeriodicFeatures(n_harmonics=1).fit(X)
    assert clone(PeriodicFeatures(n_harmonics=6)).get_params()["n_harmonics"] == 6


def test_features_separate_classes_in_a_pipeline():
    X, y = make_light_curves(400, weights="balanced", random_state=4)
    model = make_pipeline(
        PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=40, random_state=0)
    )
    score = cross_val_score(model, X, y, cv=3, scoring="balanced_accuracy").mean()
    assert score > 0.6  # chance is 1/11


# ------------------------------------------------ no silent garbage (issue 13)
def _observed_range(X):
    return np.maximum.reduceat(X.mag, X.offsets[:-1]) - np.minimum.reduceat(X.mag, X.offsets[:-1])


def _amplitudes(F):
    return F[["amplitude"] + [c for c in F.columns if c[0] == "A" and c[1:].isdigit()]]


def test_a_phase_gap_reduces_the_harmonics_and_bounds_the_amplitudes():
    rng = np.random.default_rng(1)
    # An LPV seen on one side of its cycle only: phases 0-0.45, a gap of 0.55.
    ph = np.sort(rng.uniform(0, 0.45, 40))
    t = (ph + rng.integers(0, 3, 40)) * 400.0
    mag = 12 + 1.5 * np.cos(2 * np.pi * ph) + rng.normal(0, 0.05, 40)
    X = table([(t, mag, np.full(40, 0.05)), curve([0.4, 0.1], [0, 1])], [400.0, 0.6])
    F = frame(X)
    assert F["n_harmonics_fit"].tolist() == [1, 4]
    assert (_amplitudes(F).to_numpy() <= 2 * _observed_range(X)[:, None]).all()
    assert F.loc[0, ["A2", "A3", "A4", "R21", "phi21"]].eq(0).all()


def test_all_phases_equal_and_constant_magnitudes_give_zero_amplitudes():
    t = np.arange(20) * 2.0  # period 2: every point at phase 0
    rng = np.random.default_rng(0)
    X = table([(t, 15 + rng.normal(0, 0.1, 20), np.full(20, 0.05)),
               (np.sort(rng.uniform(0, 30, 20)), np.full(20, 14.2), np.full(20, 0.05))], [2.0, 0.7])
    F = frame(X)
    assert np.isfinite(F.to_numpy()).all()
    assert F["n_harmonics_fit"].tolist() == [0, 0]
    assert _amplitudes(F).eq(0).all().all()
    assert F.loc[1, ["skew", "kurtosis", "resid_std"]].eq(0).all()


@pytest.mark.parametrize("err", [1e-300, 1e154])
def test_extreme_errors_give_finite_features_that_only_the_error_columns_see(err):
    t, mag, _ = curve([0.3, 0.1], [0.2, 0.4], n=80)
    F = frame(table([(t, mag, np.full(80, err))], [0.6]))
    ref = frame(table([(t, mag, np.full(80, 0.01))], [0.6]))
    assert np.isfinite(F.to_numpy()).all()
    same = [c for c in F.columns if c not in ("mean_err", "log_chi2")]
    np.testing.assert_allclose(F[same].to_numpy(), ref[same].to_numpy(), rtol=1e-9, atol=1e-12)
    assert F["mean_err"][0] == pytest.approx(err)


def test_feature_names_follow_set_params():
    X, y = make_light_curves(12, random_state=0)
    pf = PeriodicFeatures().fit(X)
    pf.set_params(n_harmonics=6)
    assert pf.transform(X).shape[1] == len(pf.get_feature_names_out())
    assert "A6" in pf.get_feature_names_out()
    pf.set_params(n_harmonics=1)
    with pytest.raises(ValueError, match="'n_harmonics' parameter"):
        pf.transform(X)


def test_labels_are_checked_when_given():
    X, y = make_light_curves(12, random_state=0)
    PeriodicFeatures().fit(X, y)
    with pytest.raises(TypeError, match="y mixes label types"):
        PeriodicFeatures().fit(X, ["RRab"] * 11 + [3])
    with pytest.raises(ValueError, match="y has 3 labels but there are 12 light curves"):
        PeriodicFeatures().fit(X, y[:3])


def test_no_curves_give_a_table_of_no_rows():
    X, y = make_light_curves(6, classes=["RRab", "Ecl"], random_state=0)
    est = PeriodicFeatures(n_harmonics=3)
    table = est.fit_transform(X[:0], y[:0])
    assert table.shape == (0, est.get_feature_names_out().size)
    assert est.fit(X, y).transform(X[:0]).shape == table.shape


def test_median_feature_centre_is_the_per_curve_median():
    # frac_faint counts points fainter than median + peak / 4, curve by curve.
    X, _ = make_light_curves(12, classes=["RRab", "Ecl"], n_points=(20, 31), random_state=4)
    est = PeriodicFeatures(n_harmonics=2).fit(X)
    table = est.transform(X)
    names = list(est.get_feature_names_out())
    frac, peak = table[:, names.index("frac_faint")], table[:, names.index("amplitude")]
    expected = [np.mean(c.mag > np.median(c.mag) + 0.25 * p) for c, p in zip(X, peak)]
    np.testing.assert_allclose(frac, expected, rtol=0, atol=1e-12)
