"""GPLightCurveAugmenter and DuplicateAugmenter."""

import pickle
from copy import deepcopy
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline

from vsaug import GPLightCurveAugmenter, LightCurves, PeriodicFeatures
from vsaug._ragged import segment_mean
from vsaug.augmentation import (
    VAR_GRID,
    DuplicateAugmenter,
    night_ids,
    noise_to_error_ratio,
    within_night_ratio,
    _night_noise_ratios,
    plan_resample,
    spread_prototypes,
)
from vsaug.datasets import make_light_curves
from vsaug.folding import phase
from vsaug.gp import predict_curve

@pytest.fixture(scope="module")
def data():
    X, y = make_light_curves(
        90, classes=["Ecl", "RRab", "DSct"], n_points=(30, 70), random_state=3
    )
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    aug = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, wrap=False, random_state=0)
    return aug.fit(X, y)


def dsct(aug):
    return np.flatnonzero(aug.y_ == "DSct")


def test_fit_fits_only_the_targeted_class(fitted):
    assert sorted(fitted.gp_params_.index) == sorted(dsct(fitted))
    assert fitted.n_fallbacks_ == int((fitted.fallbacks_ != "none").sum())
    assert set(fitted.fallbacks_) <= {"none", "restart", "jitter", "default"}
    # small state: a handful of numbers per prototype, no george objects
    assert fitted.gp_params_.shape == (dsct(fitted).size, 6)
    assert len(pickle.dumps(fitted.gp_params_)) < 5000


def test_synthetic_points_errors_and_cadences(fitted):
    X = fitted.X_
    protos = np.repeat(dsct(fitted), 3)
    S = fitted.sample(protos, random_state=1)
    assert len(S) == protos.size
    # as many points as the prototype; the same mean error
    np.testing.assert_array_equal(S.lengths, X.lengths[protos])
    np.testing.assert_allclose(
        segment_mean(S.err, S.offsets), segment_mean(X.err, X.offsets)[protos], rtol=1e-12
    )
    meta = S.meta
    assert meta["synthetic"].all() and meta["prototype"].tolist() == protos.tolist()
    np.testing.assert_array_equal(meta["period"], X.meta["period"].to_numpy()[protos])
    for k in range(len(S)):
        syn, donor = S[k], X[int(meta["donor"][k])]
        # the cadence is a real curve's: unshifted times are a subset of the donor's
        unshifted = syn.time - meta["phase_shift"][k] * meta["period"][k]
        assert np.all(np.diff(syn.time) >= 0)
        assert donor.time.size >= syn.time.size
        assert np.abs(unshifted[:, None] - donor.time[None, :]).min(axis=1).max() < 1e-6


def test_folding_gives_back_shifted_donor_phases(fitted):
    p = dsct(fitted)[:4]
    S = fitted.sample(p, random_state=2)
    X = fitted.X_
    syn_phase = phase(S)
    for k in range(len(S)):
        donor = int(S.meta["donor"][k])
        lo, hi = S.offsets[k], S.offsets[k + 1]
        donor_phase = (S.time[lo:hi] - S.meta["phase_shift"][k] * S.meta["period"][k]) / X.meta[
            "period"
        ][p[k]] % 1
        expected = (donor_phase + S.meta["phase_shift"][k]) % 1
        diff = np.abs(syn_phase[lo:hi] - expected)
        assert np.minimum(diff, 1 - diff).max() < 1e-6
        assert donor >= 0


def _pulls_against_the_gp_mean(aug, proto, n=5):
    """Each synthetic of ``proto`` with the GP mean and variance at its phases."""
    S = aug.sample(np.full(n, proto), random_state=3)
    lc = aug.X_[proto]
    columns = ["log_amp2", "log_metric", "jitter", "mean"]
    params = aug.gp_params_.loc[proto, columns].to_numpy(float)
    ph_proto = (lc.time / lc.meta["period"]) % 1
    for k in range(len(S)):
        s = S[k]
        unshifted = ((s.time / s.meta["period"]) - s.meta["phase_shift"]) % 1
        mu, var = predict_curve(params, ph_proto, lc.mag, lc.err, unshifted, wrap=False,
                                var_grid=VAR_GRID)
        yield lc, s, mu, var


def test_gp_error_model_noise_is_truncated_at_three_sigma_around_the_gp_mean(fitted):
    aug = deepcopy(fitted).set_params(error_model="gp")
    pulls = []
    for _, s, mu, var in _pulls_against_the_gp_mean(aug, int(dsct(aug)[0])):
        pulls.append((s.mag - mu) / s.err)
        # errors follow the shape of the predictive deviations
        np.testing.assert_allclose(s.err / np.sqrt(var), (s.err / np.sqrt(var))[0], rtol=1e-6)
    pulls = np.concatenate(pulls)
    assert np.abs(pulls).max() <= 3.0 + 1e-9
    assert 0.6 < pulls.std() < 1.2  # the noise is really there


def test_empirical_error_model_lends_the_prototype_errors_by_magnitude_rank(fitted):
    assert fitted.error_model == "empirical"  # the default
    proto = int(dsct(fitted)[0])
    ratio = noise_to_error_ratio(fitted.X_.take([proto]))[0]
    pulls = []
    for lc, s, mu, _ in _pulls_against_the_gp_mean(fitted, proto):
        # the same errors as the prototype ...
        np.testing.assert_allclose(np.sort(s.err), np.sort(lc.err), rtol=1e-6)
        # ... the smallest on the brightest GP mean, as on the real star
        np.testing.assert_allclose(s.err[np.argsort(mu, kind="stable")],
                                   lc.err[np.argsort(lc.mag, kind="stable")], rtol=1e-6)
        pulls.append((s.mag - mu) / (s.err * ratio))
    pulls = np.concatenate(pulls)
    assert np.abs(pulls).max() <= 3.0 + 1e-9
    assert 0.6 < pulls.std() < 1.2


def test_noise_to_error_ratio_measures_each_curves_own_scatter():
    X, _ = make_light_curves(6, classes=["RRab"], n_points=(1500, 2000), random_state=0)
    # replace the magnitudes by a smooth curve plus noise of a known size
    rng = np.random.default_rng(1)
    ph = phase(X)
    sigma = np.repeat(np.array([0.01, 0.02, 0.04, 0.01, 0.02, 0.04]), X.lengths)
    mag = 15 + 0.2 * np.sin(2 * np.pi * ph) + rng.normal(0, 1, ph.size) * sigma
    X = LightCurves(X.time, mag, np.full(ph.size, 0.04), X.offsets, X.meta)
    np.testing.assert_allclose(noise_to_error_ratio(X), [0.25, 0.5, 1, 0.25, 0.5, 1], rtol=0.12)
    # curves too short to tell are refused at the entry check, even unvalidated ones
    short = LightCurves(X.time[:2], mag[:2], X.err[:2], [0, 2], X.meta.iloc[:1], validate=False)
    with pytest.raises(ValueError, match="fewer than the minimum"):
        noise_to_error_ratio(short)


def test_equal_seeds_equal_curves_different_seeds_differ(fitted):
    p = np.repeat(dsct(fitted), 2)
    a = fitted.sample(p, random_state=7)
    b = fitted.sample(p, random_state=7)
    c = fitted.sample(p, random_state=8)
    np.testing.assert_array_equal(a.mag, b.mag)
    np.testing.assert_array_equal(a.time, b.time)
    assert a.n_points == c.n_points
    assert not np.allclose(a.mag, c.mag)


def test_synthetic_curves_of_a_class_are_not_copies(fitted):
    proto = int(dsct(fitted)[0])
    S = fitted.sample(np.full(4, proto), random_state=4)
    X = fitted.X_
    mags = [S[k].mag for k in range(len(S))]
    for i in range(4):
        assert not np.allclose(np.sort(mags[i]), np.sort(X[proto].mag))
        for j in range(i):
            assert not np.allclose(mags[i], mags[j])
    assert len(set(S.meta["phase_shift"])) == 4


def test_successive_unseeded_calls_differ_but_repeat_after_refit(data):
    X, y = data
    aug = GPLightCurveAugmenter(sampling_strategy={"DSct": 8}, wrap=False, random_state=5)
    p = np.flatnonzero(y == "DSct")
    first = aug.fit(X, y).sample(p).mag
    second = aug.sample(p).mag
    assert not np.allclose(first, second)
    # a cheap refit-free check of the stream: a fresh generator repeats it
    aug._rng = np.random.default_rng(np.random.RandomState(5).randint(np.iinfo(np.int32).max))
    np.testing.assert_array_equal(aug.sample(p).mag, first)


def test_sample_batches_equals_separate_samples(fitted):
    p1, p2 = dsct(fitted)[:3], dsct(fitted)[1:]
    b1, b2 = fitted.sample_batches([p1, p2], [11, 12])
    s1, s2 = fitted.sample(p1, random_state=11), fitted.sample(p2, random_state=12)
    for got, want in ((b1, s1), (b2, s2)):
        np.testing.assert_array_equal(got.time, want.time)
        np.testing.assert_allclose(got.mag, want.mag, rtol=1e-10)


def test_sample_refuses_unfitted_and_bad_prototypes(fitted):
    ecl = int(np.flatnonzero(fitted.y_ == "Ecl")[0])
    with pytest.raises(ValueError, match=r"class 'Ecl'\) has no fit; fitted classes: \['DSct'\]"):
        fitted.sample([ecl])
    with pytest.raises(ValueError, match="out of range for the 90 training curves"):
        fitted.sample([90])
    with pytest.raises(ValueError, match="1-D array of integer indices"):
        fitted.sample([0.5])
    with pytest.raises(ValueError, match="got 2 prototype batches but 1 random states"):
        fitted.sample_batches([[0], [1]], [0])


def test_fit_resample_dict_strategy_counts_and_order(data):
    X, y = data
    counts = Counter(y)
    aug = GPLightCurveAugmenter(
        sampling_strategy={"DSct": counts["DSct"] + 5, "RRab": counts["RRab"] + 2},
        wrap=False,
        random_state=0,
    )
    X_copy = X.copy()
    X_res, y_res = aug.fit_resample(X, y)
    assert Counter(y_res) == {**counts, "DSct": counts["DSct"] + 5, "RRab": counts["RRab"] + 2}
    # originals first, untouched; then the synthetics, flagged
    assert y_res[: len(X)].tolist() == list(y)
    np.testing.assert_array_equal(X_res[np.arange(len(X))].mag, X.mag)
    assert not X_res.meta["synthetic"][: len(X)].any() and X_res.meta["synthetic"][len(X) :].all()
    np.testing.assert_array_equal(X.mag, X_copy.mag)
    assert "synthetic" not in X.meta.columns
    # the prototypes of each class are spread evenly over its curves
    protos = X_res.meta["prototype"][len(X) :].to_numpy()
    assert set(y[protos]) == {"DSct", "RRab"}


def fake_y(counts):
    return np.array([c for c, n in counts.items() for _ in range(n)], dtype=object)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"b": 6, "c": 8}),
        ("not majority", {"b": 6, "c": 8}),
        ("minority", {"c": 8}),
        ("all", {"a": 0, "b": 6, "c": 8}),
        ({"c": 5}, {"c": 3}),
        (lambda y: {"b": 6}, {"b": 2}),
    ],
)
def test_sampling_strategies_resolve_like_imblearn(strategy, expected):
    y = fake_y({"a": 10, "b": 4, "c": 2})
    X = LightCurves(np.arange(80.0), np.zeros(80), np.ones(80), np.arange(0, 81, 5))
    aug = DuplicateAugmenter(sampling_strategy=strategy, random_state=0).fit(X, y)
    assert {k: int(v) for k, v in aug.sampling_strategy_.items()} == expected


def test_sampling_strategy_float_binary_and_errors():
    X = LightCurves(np.arange(60.0), np.zeros(60), np.ones(60), np.arange(0, 61, 5))
    y2 = fake_y({"a": 10, "b": 2})
    aug = DuplicateAugmenter(sampling_strategy=0.5).fit(X, y2)
    assert dict(aug.sampling_strategy_) == {"b": 3}
    y3 = fake_y({"a": 8, "b": 2, "c": 2})
    with pytest.raises(ValueError, match="can be a float only when the type of target is binary"):
        DuplicateAugmenter(sampling_strategy=0.5).fit(X, y3)
    with pytest.raises(ValueError, match="should be greater or equal to the original number"):
        DuplicateAugmenter(sampling_strategy={"a": 3}).fit(X, y3)
    with pytest.raises(ValueError, match="'sampling_strategy' parameter .* Got 'most' instead"):
        DuplicateAugmenter(sampling_strategy="most").fit(X, y3)
    with pytest.raises(ValueError, match="X has 12 light curves but y has 3 labels"):
        DuplicateAugmenter().fit(X, ["a", "b", "a"])


def test_gp_parameter_validation(data):
    X, y = data
    with pytest.raises(ValueError, match="'length_scale' parameter .* Got -1"):
        GPLightCurveAugmenter(length_scale=-1).fit(X, y)
    with pytest.raises(ValueError, match="'wrap' parameter"):
        GPLightCurveAugmenter(wrap=2.0).fit(X, y)
    no_period = X.with_points(meta=X.meta.drop(columns="period"))
    with pytest.raises(ValueError, match="no 'period' in meta"):
        GPLightCurveAugmenter(sampling_strategy={"DSct": 8}).fit(no_period, y)


def test_parallel_fits_and_draws_match_serial(data):
    X, y = data
    kw = dict(sampling_strategy={"DSct": 9}, wrap=False, random_state=1)
    one = GPLightCurveAugmenter(n_jobs=1, **kw).fit_resample(X, y)[0]
    two = GPLightCurveAugmenter(n_jobs=2, **kw).fit_resample(X, y)[0]
    np.testing.assert_array_equal(one.time, two.time)
    np.testing.assert_allclose(one.mag, two.mag, rtol=1e-12)


def test_clone_and_params_round_trip():
    aug = GPLightCurveAugmenter(
        sampling_strategy={"x": 3}, length_scale=0.2, wrap=True, random_state=4
    )
    params = aug.get_params()
    assert params["wrap"] is True and params["length_scale"] == 0.2
    twin = clone(aug)
    assert twin.get_params() == params and twin is not aug
    assert clone(aug.set_params(wrap=False)).wrap is False


def test_works_as_an_imblearn_pipeline_step(data):
    X, y = data
    model = Pipeline(
        [
            ("augment", GPLightCurveAugmenter(sampling_strategy={"DSct": 10}, random_state=0)),
            ("classify", make_pipeline(
                PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=15)
            )),
        ]
    )
    model.fit(X, y)
    assert model.named_steps["augment"].gp_params_.shape[0] == np.sum(y == "DSct")
    pred = model.predict(X)
    assert pred.shape == (len(X),) and set(pred) <= set(y)


def test_duplicate_augmenter_copies_prototypes():
    rng = np.random.default_rng(0)
    X = LightCurves(np.arange(40.0), rng.random(40), np.ones(40), np.arange(0, 41, 5),
                    pd.DataFrame({"period": np.arange(1.0, 9.0)}))
    y = fake_y({"a": 6, "b": 2})
    X_res, y_res = DuplicateAugmenter(random_state=0).fit_resample(X, y)
    assert Counter(y_res) == {"a": 6, "b": 6}
    for k in range(8, 12):
        p = int(X_res.meta["prototype"][k])
        assert y[p] == "b"
        np.testing.assert_array_equal(X_res[k].mag, X[p].mag)
        assert X_res.meta["period"][k] == X.meta["period"][p]


def test_spread_prototypes_is_even():
    rng = np.random.default_rng(0)
    p = spread_prototypes(np.arange(10, 17), 30, rng)
    counts = np.bincount(p)[10:]
    assert p.size == 30 and counts.min() == 4 and counts.max() == 5
    assert spread_prototypes(np.arange(3), 0, rng).size == 0
    with pytest.raises(ValueError, match="cannot draw 2 prototypes from an empty class"):
        spread_prototypes([], 2, rng)


def test_plan_resample_undersamples_big_and_tops_up_small_classes():
    y = np.array(["big"] * 50 + ["small"] * 7 + ["exact"] * 10)
    targets = {"big": 10, "small": 10, "exact": 10}
    real, proto = plan_resample(y, targets, np.random.default_rng(3))
    assert Counter(y[real]) == {"big": 10, "small": 7, "exact": 10}
    assert np.unique(real).size == real.size  # no real curve twice
    np.testing.assert_array_equal(real[y[real] == "small"], np.arange(50, 57))
    assert Counter(y[proto]) == {"small": 3} and np.unique(proto).size == 3
    again = plan_resample(y, targets, np.random.default_rng(3))
    other = plan_resample(y, targets, np.random.default_rng(4))
    np.testing.assert_array_equal(real, again[0])
    np.testing.assert_array_equal(proto, again[1])
    assert not np.array_equal(real, other[0])
    dropped, _ = plan_resample(y, {"small": 2}, np.random.default_rng(0))
    assert set(y[dropped]) == {"small"} and dropped.size == 2


def test_plan_resample_rejects_bad_targets():
    y = np.array(["a"] * 4 + ["b"] * 2)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="class 'c' has no curve in y"):
        plan_resample(y, {"a": 2, "c": 3}, rng)
    with pytest.raises(ValueError, match="target of class 'b' must be a non-negative integer"):
        plan_resample(y, {"a": 2, "b": -1}, rng)
    with pytest.raises(ValueError, match="target of class 'a' must be a non-negative integer"):
        plan_resample(y, {"a": 2.5}, rng)
    real, proto = plan_resample(y, {"a": 0, "c": 0}, rng)
    assert real.size == 0 and proto.size == 0


def test_unknown_error_model_and_missing_period_are_clear_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="error_model"):
        GPLightCurveAugmenter(error_model="poisson").fit(X, y)
    no_period = LightCurves(X.time, X.mag, X.err, X.offsets, X.meta.drop(columns="period"))
    with pytest.raises(ValueError, match="period"):
        noise_to_error_ratio(no_period)


def test_night_ids_count_nights_within_each_curve_in_any_order():
    time = np.array([5.0, 1.0, 1.01, 2.02, 2.0, 9.0, 9.1, 30.0])
    offsets = [0, 5, 5, 8]  # the middle curve is empty
    np.testing.assert_array_equal(night_ids(time, offsets), [2, 0, 0, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(night_ids(time, offsets, gap=0.005), [4, 0, 1, 3, 2, 0, 1, 2])


def _partial_nights(aug, S):
    """For every synthetic, how many of its donor's nights it took only in part."""
    counts = []
    for k in range(len(S)):
        donor = aug.X_[int(S.meta["donor"][k])]
        unshifted = S[k].time - S.meta["phase_shift"][k] * S.meta["period"][k]
        taken = np.abs(donor.time[:, None] - unshifted[None, :]).min(axis=1) < 1e-6
        night = night_ids(donor.time, [0, donor.time.size])
        share = np.bincount(night, weights=taken) / np.bincount(night)
        counts.append(int(np.sum((share > 0) & (share < 1))))
    return np.array(counts)


def test_cadence_subset_nights_keeps_whole_nights_of_the_donor(data):
    X, y = data
    protos = np.flatnonzero(y == "DSct")
    by_points = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, random_state=0).fit(X, y)
    by_nights = clone(by_points).set_params(cadence_subset="nights").fit(X, y)
    S_points = by_points.sample(np.repeat(protos, 2), random_state=5)
    S_nights = by_nights.sample(np.repeat(protos, 2), random_state=5)
    np.testing.assert_array_equal(S_nights.lengths, S_points.lengths)
    # only the last night taken may be cut short; a random subset of points
    # breaks many nights up
    assert _partial_nights(by_nights, S_nights).max() <= 1
    assert _partial_nights(by_points, S_points).mean() > 3
    with pytest.raises(ValueError, match="cadence_subset"):
        clone(by_points).set_params(cadence_subset="days").fit(X, y)


@pytest.fixture(scope="module")
def night_offset_stars():
    """Sinusoids observed four times a night whose noise is mostly a night offset."""
    rng = np.random.default_rng(7)
    n_stars, n_nights = 6, 80
    nights = np.sort(rng.choice(np.arange(1500.0), size=(n_stars, n_nights)), axis=1)
    time = np.repeat(nights, 4, axis=1) + np.tile([0.0, 0.007, 0.014, 0.021], n_nights)
    period = rng.uniform(3.0, 5.0, n_stars)
    offset = np.repeat(rng.normal(0, 0.06, (n_stars, n_nights)), 4, axis=1)
    mag = 15 + 0.3 * np.sin(2 * np.pi * time / period[:, None]) + offset
    mag += rng.normal(0, 0.02, mag.shape)
    X = LightCurves(time.ravel(), mag.ravel(), np.full(mag.size, 0.04),
                    np.arange(0, mag.size + 1, 4 * n_nights),
                    pd.DataFrame({"period": period}))
    return X, np.array(["Cep"] * (n_stars - 1) + ["Other"])


def test_nightly_error_model_splits_the_noise_into_night_offsets_and_scatter(
        night_offset_stars):
    X, y = night_offset_stars
    within, offset = _night_noise_ratios(X)
    # 0.02 within a night, 0.06 a night, errors 0.04: ratios 0.5 and 1.5,
    # measured from medians of 240 and 80 steps
    assert np.all(np.abs(within - 0.5) < 0.15) and np.all(np.abs(offset - 1.5) < 0.4)
    # phase neighbours are mostly of one night here: the plain ratio misses
    # the night offsets
    assert np.all(noise_to_error_ratio(X) < 1.2)
    protos = np.repeat(np.arange(len(X) - 1), 5)
    scores = {}
    for model in ("empirical", "nightly"):
        aug = GPLightCurveAugmenter(sampling_strategy={"Cep": 7}, error_model=model,
                                    random_state=0).fit(X, y)
        S = aug.sample(protos, random_state=1)
        np.testing.assert_array_equal(S.err, np.full(S.err.size, 0.04))
        scores[model] = [np.median(r) for r in _night_noise_ratios(S)]
    # only "nightly" keeps both parts of the real stars' noise
    assert abs(scores["nightly"][0] - 0.5) < 0.2 and abs(scores["nightly"][1] - 1.4) < 0.4
    assert scores["empirical"][0] > 0.8 and scores["empirical"][1] < 0.5


def test_night_functions_reject_a_bad_gap_and_offsets(night_offset_stars):
    X, _ = night_offset_stars
    for bad in (0, -0.3, "0.3"):
        with pytest.raises(ValueError, match="gap must be a positive number of days"):
            night_ids(X.time, X.offsets, gap=bad)
        with pytest.raises(ValueError, match="gap must be a positive number of days"):
            within_night_ratio(X, gap=bad)
    with pytest.raises(ValueError, match=r"offsets must run from 0 to len\(time\)=3"):
        night_ids(np.arange(3.0), [0, 2])


def test_augmenter_pickled_before_a_parameter_existed_gets_its_default(fitted):
    state = fitted.__getstate__()
    del state["cadence_subset"]
    old = GPLightCurveAugmenter.__new__(GPLightCurveAugmenter)
    old.__setstate__(state)
    assert old.cadence_subset == "points"
    np.testing.assert_array_equal(old.sample(dsct(old)[:3], random_state=4).mag,
                                  fitted.sample(dsct(fitted)[:3], random_state=4).mag)


def test_pickle_from_before_the_kernel_night_gap_and_memory_draws_the_same(fitted):
    state = fitted.__getstate__()
    for name in ("kernel", "night_gap", "memory", "kernel_"):
        del state[name]
    old = GPLightCurveAugmenter.__new__(GPLightCurveAugmenter)
    old.__setstate__(state)
    assert (old.kernel, old.night_gap, old.memory) == (None, 0.3, None)
    assert old.kernel_.param_names == ("log_amp2", "log_metric")
    np.testing.assert_array_equal(old.sample(dsct(old)[:3], random_state=4).mag,
                                  fitted.sample(dsct(fitted)[:3], random_state=4).mag)


# ------------------------------------------------- the sampler base class
def test_augmenters_are_imbalanced_learn_over_samplers_with_light_curve_tags():
    from imblearn.over_sampling.base import BaseOverSampler
    from sklearn.utils import get_tags

    from vsaug.augmentation import BaseLightCurveSampler

    for aug in (GPLightCurveAugmenter(), DuplicateAugmenter()):
        assert isinstance(aug, BaseLightCurveSampler) and isinstance(aug, BaseOverSampler)
        tags = get_tags(aug)
        assert not tags.input_tags.two_d_array and not tags.input_tags.sparse
        assert tags.sampler_tags is not None


def test_a_sampler_without_its_hooks_cannot_be_made():
    from vsaug.sampling import BaseLightCurveSampler

    class Half(BaseLightCurveSampler):
        def _fit_prototypes(self, indices):
            pass

    with pytest.raises(TypeError, match="abstract method.*_sample_batches"):
        Half()


# ------------------------------------------- error models, cadence subsets
def test_names_and_objects_give_the_same_synthetics(data):
    from vsaug.synthesis import NightlyErrorModel, NightsSubset

    X, y = data
    by_name = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, error_model="nightly",
                                    cadence_subset="nights", random_state=0).fit_resample(X, y)
    by_object = GPLightCurveAugmenter(sampling_strategy={"DSct": 12},
                                      error_model=NightlyErrorModel(),
                                      cadence_subset=NightsSubset(),
                                      random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(by_name[0].mag, by_object[0].mag)
    np.testing.assert_array_equal(by_name[0].time, by_object[0].time)


def test_a_registered_error_model_is_used_by_name(data):
    from vsaug.synthesis import ERROR_MODELS, ErrorModel, register_error_model

    class Noiseless(ErrorModel):
        def synthesize(self, prototypes, mu, var, plan, *, night_gap):
            return mu, np.full(mu.size, 0.01)

    X, y = data
    register_error_model("noiseless", Noiseless)
    try:
        aug = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, error_model="noiseless",
                                    random_state=0).fit(X, y)
        S = aug.sample(dsct(aug)[:2], random_state=0)
        np.testing.assert_array_equal(S.err, 0.01)
        with pytest.raises(ValueError, match="already registered"):
            register_error_model("noiseless", type("Other", (ErrorModel,), {}))
    finally:
        del ERROR_MODELS["noiseless"]
    with pytest.raises(TypeError, match="subclass of vsaug.synthesis.ErrorModel"):
        register_error_model("bad", dict)


def test_an_unknown_name_fails_before_fitting(data, monkeypatch):
    import vsaug.augmentation as augmentation

    monkeypatch.setattr(augmentation, "fit_curves", lambda *a, **k: pytest.fail("fitted"))
    X, y = data
    with pytest.raises(ValueError, match=r"error_model must be one of \['empirical', 'gp', "
                                         r"'nightly'\] or a vsaug.synthesis.ErrorModel"):
        GPLightCurveAugmenter(error_model="paper").fit(X, y)
    with pytest.raises(ValueError, match=r"cadence_subset must be one of \['nights', 'points'\]"):
        GPLightCurveAugmenter(cadence_subset="weeks").fit(X, y)
    with pytest.raises(ValueError, match="The 'night_gap' parameter"):
        GPLightCurveAugmenter(night_gap=0).fit(X, y)


def test_night_gap_decides_what_a_night_is(night_offset_stars):
    from vsaug._ragged import lengths_to_offsets, segment_positions

    X, y = night_offset_stars
    # Prototypes of 102 points (25.5 nights); the "Other" star (80 nights)
    # is the one donor with more points than that.
    short = np.repeat(y == "Cep", X.lengths) & (segment_positions(X.offsets) >= 102)
    lengths = np.where(y == "Cep", 102, X.lengths)
    X = LightCurves(X.time[~short], X.mag[~short], X.err[~short], lengths_to_offsets(lengths),
                    X.meta)
    protos = np.repeat(np.arange(len(X) - 1), 10)
    nights = {}
    for gap in (0.3, 0.001):
        aug = GPLightCurveAugmenter(sampling_strategy={"Cep": 7}, cadence_subset="nights",
                                    night_gap=gap, random_state=0).fit(X, y)
        S = aug.sample(protos, random_state=1)
        nights[gap] = int(np.sum(np.maximum.reduceat(night_ids(S.time, S.offsets),
                                                     S.offsets[:-1]) + 1))
    # A gap shorter than the exposures' spacing makes every point a "night":
    # the synthetics then take points from more of the donor's real nights.
    assert nights[0.001] > nights[0.3] + 100


# ------------------------------------------------------- the GP fit cache
def test_a_second_fit_with_the_same_memory_does_no_gp_fitting(data, tmp_path, monkeypatch):
    import vsaug.gp as gpmod

    calls = []
    real = gpmod.fit_curve
    monkeypatch.setattr(gpmod, "fit_curve", lambda *a, **k: calls.append(1) or real(*a, **k))
    X, y = data
    aug = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, memory=str(tmp_path),
                                random_state=0)
    first = clone(aug).fit(X, y)
    n_protos = int(np.sum(y == "DSct"))
    assert len(calls) == n_protos
    second = clone(aug).set_params(error_model="gp").fit(X, y)
    assert len(calls) == n_protos  # read back, not refitted
    pd.testing.assert_frame_equal(first.gp_params_, second.gp_params_)
    # a fold holding some of the prototypes reads those back too
    fold = np.flatnonzero(np.arange(len(X)) % 3 != 0)
    clone(aug).fit(X[fold], y[fold])
    assert len(calls) == n_protos
    # other kernel settings are fitted anew, and the cache never changes a fit
    other = clone(aug).set_params(length_scale=0.2).fit(X, y)
    assert len(calls) == 2 * n_protos
    uncached = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, length_scale=0.2).fit(X, y)
    pd.testing.assert_frame_equal(other.gp_params_, uncached.gp_params_)


def test_another_kernel_is_one_class(data):
    from vsaug.gp import Matern52Kernel

    class Matern32Kernel(Matern52Kernel):
        def george_kernel(self, vector):
            from george import kernels

            return np.exp(vector[0]) * kernels.Matern32Kernel(metric=np.exp(vector[1]))

    X, y = data
    m52 = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, random_state=0).fit(X, y)
    m32 = GPLightCurveAugmenter(sampling_strategy={"DSct": 12}, kernel=Matern32Kernel(),
                                random_state=0).fit(X, y)
    assert list(m32.gp_params_.columns) == list(m52.gp_params_.columns)
    assert not np.allclose(m32.gp_params_["nll"], m52.gp_params_["nll"])
    S = m32.sample(dsct(m32)[:3], random_state=0)
    assert np.isfinite(S.mag).all() and isinstance(m32.kernel_, Matern32Kernel)
