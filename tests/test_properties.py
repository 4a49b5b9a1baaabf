"""Property-based tests (hypothesis) of the container, the cleaner, the features and the model file.

The examples are small ragged sets of light curves: lengths from
``MIN_POINTS`` up, repeated and all-equal times, and magnitudes and errors
from tiny to huge but finite. Invalid sets carry one bad point or one short
curve, and must be refused with a ``ValueError`` that names that star.
How many examples run is set by the hypothesis profile (``tests/conftest.py``:
``ci`` by default, ``HYPOTHESIS_PROFILE=dev`` for more).
"""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline

from vsaug import (MIN_POINTS, LightCurveCleaner, LightCurves, PeriodicFeatures, as_light_curves,
                   load, save)
from vsaug.datasets import make_light_curves

# --------------------------------------------------------------- strategies
#: Magnitude offsets and scales of a curve: ordinary, tiny and huge but finite.
#: (A spread far below 1e-6 around magnitudes of up to 30 has too few
#: significant digits left for moments to agree when summed in another order.)
_MAG_SCALES = st.sampled_from([1e-6, 1e-3, 0.3, 1.0, 50.0, 1e6])
_ERR_SCALES = (1e-300, 1e-12, 1e-3, 0.05, 1.0, 1e154)
#: Errors whose square and inverse square are finite (the cleaner weights by
#: 1 / err**2; see test_an_extreme_error_curve_does_not_change_the_cleaning_of_others).
_SMOOTHABLE_ERR_SCALES = (1e-12, 1e-3, 0.05, 1.0, 1e100)


@st.composite
def curve(draw, min_points=MIN_POINTS, err_scales=_ERR_SCALES):
    """One star's (time, mag, err): repeated times, extreme but finite values."""
    n = draw(st.integers(min_points, 40))
    kind = draw(st.sampled_from(["spread", "repeated", "equal"]))
    if kind == "equal":  # every observation at the same time: all phases equal
        time = np.full(n, draw(st.floats(0, 5e4)))
    else:
        pool = 3 if kind == "repeated" else n
        days = draw(st.lists(st.floats(0, 3000, allow_subnormal=False), min_size=pool,
                             max_size=pool))
        time = np.asarray(days)[draw(st.lists(st.integers(0, pool - 1), min_size=n, max_size=n))]
    unit = draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n))
    mag = draw(st.floats(-30, 30)) + draw(_MAG_SCALES) * np.asarray(unit)
    if draw(st.booleans()):
        mag = np.full(n, mag[0])  # constant magnitudes
    err = draw(st.sampled_from(err_scales)) * np.asarray(draw(st.lists(st.floats(1, 4), min_size=n, max_size=n)))
    return time, mag, err


@st.composite
def light_curves(draw, max_curves=5, err_scales=_ERR_SCALES):
    """A valid LightCurves with ids and positive periods."""
    triples = draw(st.lists(curve(err_scales=err_scales), min_size=1, max_size=max_curves))
    periods = draw(st.lists(st.floats(0.05, 500), min_size=len(triples),
                            max_size=len(triples)))
    meta = pd.DataFrame({"id": np.arange(len(triples)) * 7 + 100, "period": periods})
    return as_light_curves(triples, meta=meta)


def split_point(draw, X):
    return draw(st.integers(1, len(X) - 1)) if len(X) > 1 else 1


def parts(X, k):
    """``X`` cut before curve ``k`` (into one part when ``k == len(X)``)."""
    return [X[:k], X[k:]] if k < len(X) else [X]


def curve_points(X, i):
    lo, hi = X.offsets[i], X.offsets[i + 1]
    return X.time[lo:hi], X.mag[lo:hi], X.err[lo:hi]


def assert_same_curves(A, B):
    np.testing.assert_array_equal(A.offsets, B.offsets)
    for name in ("time", "mag", "err"):
        np.testing.assert_array_equal(getattr(A, name), getattr(B, name))
    pd.testing.assert_frame_equal(A.meta, B.meta)


# ---------------------------------------------------------------- container
@given(light_curves(), st.data())
def test_indexing_agrees_with_the_per_star_arrays(X, data):
    for i in range(len(X)):
        star = X[i]
        for got, want in zip((star.time, star.mag, star.err), curve_points(X, i)):
            np.testing.assert_array_equal(got, want)
        assert star.meta["id"] == X.meta["id"].iloc[i]
    index = data.draw(st.lists(st.integers(-len(X), len(X) - 1), max_size=8))
    picked = X[index]
    assert picked.lengths.tolist() == [X.lengths[i] for i in index]
    for j, i in enumerate(index):
        for got, want in zip(curve_points(picked, j), curve_points(X, i % len(X))):
            np.testing.assert_array_equal(got, want)
    lo, hi = sorted(data.draw(st.lists(st.integers(0, len(X)), min_size=2, max_size=2)))
    assert_same_curves(X[lo:hi], X[np.arange(lo, hi)])
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X))))
    assert_same_curves(X[mask], X[np.flatnonzero(mask)])


@given(light_curves(), st.data())
def test_concatenating_the_parts_gives_the_whole(X, data):
    k = split_point(data.draw, X)
    assert_same_curves(LightCurves.concatenate(parts(X, k)), X)


@given(light_curves())
def test_long_table_round_trip(X):
    back = LightCurves.from_long(X.to_long(), meta=X.meta, sort=False)
    assert_same_curves(back, X)
    # Sorting by time in from_long is the container's own stable time sort.
    assert_same_curves(LightCurves.from_long(X.to_long(), meta=X.meta), X.sort_by_time())


@given(light_curves())
def test_pickle_round_trip(X):
    assert_same_curves(pickle.loads(pickle.dumps(X)), X)


# ------------------------------------------------------------------ cleaner
def as_rows(X, i):
    return sorted(zip(*curve_points(X, i)))


def clean_or_refusal(X):
    """The cleaned curves, or the star the cleaner refuses (too few distinct phases)."""
    try:
        return LightCurveCleaner().fit_transform(X), None
    except ValueError as exc:
        refused = re.match(r"star (\d+) \(id=\d+\) has only [0-2] distinct phase", str(exc))
        assert refused, exc
        return None, int(refused.group(1))


@given(light_curves(err_scales=_SMOOTHABLE_ERR_SCALES), st.data())
def test_cleaner_keeps_a_subset_above_the_floor_batch_independently(X, data):
    cleaned, refused = clean_or_refusal(X)
    if refused is not None:  # then that star is refused on its own too
        assert clean_or_refusal(X[[refused]])[1] == 0
        return
    assert len(cleaned) == len(X)
    assert (cleaned.lengths <= X.lengths).all() and (cleaned.lengths >= MIN_POINTS).all()
    for i in range(len(X)):
        kept, before = as_rows(cleaned, i), as_rows(X, i)
        assert all(row in before for row in kept)  # never a new or changed point
    k = split_point(data.draw, X)
    by_parts = LightCurves.concatenate([LightCurveCleaner().fit_transform(p) for p in parts(X, k)])
    assert_same_curves(by_parts, cleaned)


@pytest.mark.parametrize("extreme_err", [1e-300, 3e154])
def test_an_extreme_error_curve_does_not_change_the_cleaning_of_others(extreme_err):
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 100, (2, 20)), axis=1)
    t[1, 1::2] = t[1, ::2]  # the second star is observed twice at every time
    mag = 15 + 0.3 * np.sin(t) + rng.normal(0, 0.02, t.shape)
    X = as_light_curves([(t[0], mag[0], np.full(20, 0.05)),
                         (t[1], mag[1], np.full(20, extreme_err))],
                        meta=pd.DataFrame({"id": [100, 107], "period": [0.7, 0.9]}))
    assert_same_curves(LightCurveCleaner().fit_transform(X)[[0]],
                       LightCurveCleaner().fit_transform(X[[0]]))


# ----------------------------------------------------------------- features
def shuffled_within_stars(X, seed):
    """The same curves with every star's points in a random order."""
    keys = np.random.default_rng(seed).random(X.n_points)
    order = np.lexsort((keys, X.curve_index))
    return X.reorder_points(order)


@given(light_curves(), st.integers(0, 2**32 - 1), st.data())
def test_features_are_finite_order_and_batch_independent(X, seed, data):
    features = PeriodicFeatures().fit(X)
    F = features.transform(X)
    assert F.shape == (len(X), len(features.get_feature_names_out()))
    assert np.isfinite(F).all()
    # Summing in another order moves the moments of a 1e-6 spread around 30 in
    # their 7th digit; a feature that depends on the order differs far more.
    np.testing.assert_allclose(features.transform(shuffled_within_stars(X, seed)), F,
                               rtol=1e-4, atol=1e-9)
    k = split_point(data.draw, X)
    # Equal to the last bit or two: vectorised sums over other batch layouts
    # may round differently.
    np.testing.assert_allclose(np.vstack([features.transform(p) for p in parts(X, k)]), F,
                               rtol=1e-12, atol=1e-300)


# -------------------------------------------------------------- model file
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A small fitted model and its copy read back from a model file (built once)."""
    X, y = make_light_curves(120, classes=["RRab", "Ecl", "LPV"], n_points=(30, 60),
                             random_state=0)
    model = make_pipeline(PeriodicFeatures(),
                          HistGradientBoostingClassifier(max_iter=15, random_state=0)).fit(X, y)
    return model, load(save(model, tmp_path_factory.mktemp("model") / "m.vsaug"))


@given(X=light_curves())
def test_a_saved_model_predicts_identically(saved_model, X):
    model, loaded = saved_model
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


# --------------------------------------------------------------- refusals
@st.composite
def bad_curves(draw):
    """Valid curves and one star made bad: (triples, bad star, what is wrong)."""
    triples = [list(t) for t in draw(st.lists(curve(), min_size=1, max_size=4))]
    star = draw(st.integers(0, len(triples) - 1))
    problem = draw(st.sampled_from(["nan", "inf", "-inf", "err<=0", "short"]))
    if problem == "short":
        n = draw(st.integers(0, MIN_POINTS - 1))
        triples[star] = [a[:n] for a in triples[star]]
        return triples, star, "points, fewer than the minimum"
    column = 2 if problem == "err<=0" else draw(st.integers(0, 2))
    values = triples[star][column] = np.array(triples[star][column], dtype=float)
    point = draw(st.integers(0, values.size - 1))
    values[point] = (draw(st.sampled_from([0.0, -1e-300, -3.0])) if problem == "err<=0"
                     else float(problem))
    return triples, star, "error <= 0" if problem == "err<=0" else "non-finite"


def refused_naming(star, problem):
    return pytest.raises(ValueError, match=rf"^star {star} \(id={100 + star}\)[^;]*{problem}")


def with_ids(triples):
    return pd.DataFrame({"id": 100 + np.arange(len(triples)), "period": 1.0})


@given(bad_curves())
def test_bad_curves_are_refused_naming_the_star(bad):
    triples, star, problem = bad
    with refused_naming(star, problem):
        as_light_curves(triples, meta=with_ids(triples))


@given(bad_curves())
def test_bad_points_edited_in_are_refused_at_every_entry(saved_model, bad):
    triples, star, problem = bad
    if problem.startswith("points"):
        return  # lengths cannot be edited in; the constructor case covers them
    lengths = [len(t[0]) for t in triples]
    X = LightCurves(*(np.concatenate([t[c] for t in triples]) for c in range(3)),
                    np.concatenate([[0], np.cumsum(lengths)]), with_ids(triples), validate=False)
    model, _ = saved_model
    for entry in (LightCurveCleaner().fit_transform, PeriodicFeatures().fit,
                  model.predict_proba):
        with refused_naming(star, problem):
            entry(X)
