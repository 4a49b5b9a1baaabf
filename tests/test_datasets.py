"""Tests of vsaug.datasets: the CRTS reader and the synthetic generator."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vsaug import LightCurves
from vsaug.datasets import (
    CRTS_CLASS_COUNTS,
    CRTS_CLASSES,
    load_crts,
    make_light_curves,
    subsample_classes,
)
from vsaug.datasets._synthetic import CLASS_PARAMETERS, _build_class

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
needs_crts = pytest.mark.skipif(not CRTS.exists(), reason="CRTS data not found at ../shared/crts")


# ------------------------------------------------------------ a tiny CRTS folder
def _write_crts(folder, n_stars=4, drop_star=None, extra_star=False, bad_time=False):
    rng = np.random.default_rng(0)
    ids = 1000 + np.arange(n_stars) * 7
    lengths = 6 + np.arange(n_stars)
    catalog = pd.DataFrame({
        "id": ids, "name": [f"SSS_J{i}" for i in ids], "ra": rng.uniform(0, 360, n_stars),
        "dec": rng.uniform(-90, 0, n_stars), "period": rng.uniform(0.3, 3, n_stars),
        "mean_mag": rng.uniform(13, 18, n_stars), "n_obs": lengths,
        "amplitude": rng.uniform(0.2, 1, n_stars),
        "class": ["RRab", "Ecl", "RRab", "LPV", "EA"][:n_stars],
    })
    obs_ids = np.repeat(ids, lengths)
    obs = pd.DataFrame({
        "id": obs_ids, "mjd": rng.uniform(53500, 56500, obs_ids.size),
        "mag": rng.normal(15, 0.3, obs_ids.size).astype(np.float32),
        "err": rng.uniform(0.05, 0.1, obs_ids.size).astype(np.float32),
    })
    # Observations stored in reverse star order, unsorted in time: the loader
    # must restore catalogue order and sort by time.
    obs = obs.iloc[::-1].reset_index(drop=True)
    if bad_time:
        obs.loc[0, "mjd"] = -2409998.5
    if drop_star is not None:
        obs = obs[obs["id"] != ids[drop_star]]
    if extra_star:
        extra = obs.iloc[:6].copy()
        extra["id"] = 99
        obs = pd.concat([obs, extra], ignore_index=True)
    catalog.to_csv(folder / "catalog.csv", index=False)
    obs.to_parquet(folder / "lightcurves.parquet")
    return catalog, obs


def test_load_tiny_folder_matches_files(tmp_path):
    catalog, obs = _write_crts(tmp_path)
    X, y = load_crts(tmp_path)
    assert isinstance(X, LightCurves) and len(X) == len(catalog)
    assert list(X.meta.columns) == list(catalog.columns)
    assert X.meta["id"].tolist() == catalog["id"].tolist()
    np.testing.assert_allclose(X.meta["period"], catalog["period"])
    assert y.dtype == object and y.tolist() == catalog["class"].tolist()
    assert X.lengths.tolist() == catalog["n_obs"].tolist()
    for i, star in enumerate(catalog["id"]):
        mine = obs[obs["id"] == star].sort_values("mjd")
        np.testing.assert_array_equal(X[i].time, mine["mjd"])
        np.testing.assert_array_equal(X[i].mag, mine["mag"].astype(np.float64))


def test_load_class_filter(tmp_path):
    _write_crts(tmp_path)
    X, y = load_crts(tmp_path, classes=["RRab"])
    assert len(X) == 2 and set(y) == {"RRab"}
    assert X.meta["id"].tolist() == [1000, 1014]
    X, y = load_crts(tmp_path, classes="LPV")
    assert y.tolist() == ["LPV"]
    with pytest.raises(ValueError, match=r"classes=\['Mira'\] not in the catalogue"):
        load_crts(tmp_path, classes=["Mira"])


def test_load_missing_file(tmp_path):
    _write_crts(tmp_path)
    (tmp_path / "lightcurves.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="no lightcurves.parquet in"):
        load_crts(tmp_path)
    with pytest.raises(FileNotFoundError, match="no catalog.csv in"):
        load_crts(tmp_path / "nowhere")


def test_load_missing_column(tmp_path):
    catalog, _ = _write_crts(tmp_path)
    catalog.drop(columns="period").to_csv(tmp_path / "catalog.csv", index=False)
    with pytest.raises(ValueError, match=r"catalog.csv lacks column\(s\) \['period'\]"):
        load_crts(tmp_path)


def test_load_star_without_observations(tmp_path):
    _write_crts(tmp_path, drop_star=2)
    with pytest.raises(ValueError, match="1 star.* in catalog.csv have no observations.*id 1014"):
        load_crts(tmp_path)


def test_load_observations_of_unknown_star(tmp_path):
    _write_crts(tmp_path, extra_star=True)
    with pytest.raises(ValueError, match="observations of 1 star id.* missing from catalog.csv, e.g. 99"):
        load_crts(tmp_path)


def test_load_warns_and_drops_placeholder_dates(tmp_path):
    catalog, _ = _write_crts(tmp_path, bad_time=True)
    with pytest.warns(UserWarning, match="dropped 1 observation.* non-positive MJD"):
        X, _ = load_crts(tmp_path)
    assert X.n_points == catalog["n_obs"].sum() - 1
    assert X.time.min() > 0


@pytest.mark.parametrize("n_bad", [7, 4])  # all of star 1's points, or all but 4 (< MIN_POINTS)
def test_load_drops_a_star_emptied_by_placeholder_dates_without_swapping(tmp_path, n_bad):
    catalog, obs = _write_crts(tmp_path)
    star = catalog["id"][1]
    rows = np.flatnonzero(obs["id"].to_numpy() == star)[:n_bad]
    obs.loc[rows, "mjd"] = -2409998.5
    obs.to_parquet(tmp_path / "lightcurves.parquet")
    with pytest.warns(UserWarning, match=rf"dropped 1 star.*id {star} \(SSS_J{star}"):
        X, y = load_crts(tmp_path)
    kept = catalog[catalog["id"] != star].reset_index(drop=True)
    assert X.meta["id"].tolist() == kept["id"].tolist()
    assert y.tolist() == kept["class"].tolist()
    for i, sid in enumerate(kept["id"]):  # every curve is its own star's, not a neighbour's
        np.testing.assert_array_equal(np.sort(X[i].time),
                                      np.sort(obs.loc[obs["id"] == sid, "mjd"].to_numpy()))


@needs_crts
def test_load_real_crts():
    with pytest.warns(UserWarning, match="non-positive MJD"):
        X, y = load_crts(CRTS)
    catalog = pd.read_csv(CRTS / "catalog.csv")
    assert len(X) == 29950
    assert pd.Series(y).value_counts().to_dict() == CRTS_CLASS_COUNTS
    assert X.meta["id"].tolist() == catalog["id"].tolist()
    np.testing.assert_array_equal(X.meta["period"], catalog["period"])
    # Every curve is time-sorted.
    step = np.diff(X.time)
    inside = np.diff(X.curve_index) == 0
    assert np.all(step[inside] >= 0)
    # The catalogue's n_obs is not the delivered count for every star (it
    # matches for about 97%); the lengths match the parquet rows instead.
    counts = pd.read_parquet(CRTS / "lightcurves.parquet", columns=["id"])["id"].value_counts()
    delivered = counts.reindex(catalog["id"]).to_numpy()
    assert np.sum(delivered - X.lengths) == 3  # the placeholder dates
    assert 0.9 < np.mean(X.lengths == catalog["n_obs"]) < 1.0
    X.validate()


# -------------------------------------------------------------- synthetic data
def test_make_shapes_and_meta():
    X, y = make_light_curves(300, random_state=0)
    assert len(X) == 300 and y.shape == (300,) and y.dtype == object
    assert list(X.meta.columns) == ["id", "period", "amplitude", "mean_mag", "class"]
    assert X.meta["class"].tolist() == y.tolist()
    assert X.lengths.min() >= 50 and X.lengths.max() <= 350
    X.validate()
    step = np.diff(X.time)
    assert np.all(step[np.diff(X.curve_index) == 0] >= 0)


def test_make_every_class_present_when_small():
    _, y = make_light_curves(200, random_state=1)
    counts = pd.Series(y).value_counts()
    assert set(counts.index) == set(CRTS_CLASSES)
    assert counts.min() >= 3


def test_make_crts_imbalance_and_balanced():
    _, y = make_light_curves(2000, random_state=0)
    counts = pd.Series(y).value_counts()
    assert counts.index[0] == "Ecl" and 0.45 < counts["Ecl"] / 2000 < 0.52
    assert counts["DSct"] < counts["RRd"] < counts["LPV"] < counts["Rot"]
    _, y = make_light_curves(1100, weights="balanced", random_state=0)
    assert set(pd.Series(y).value_counts()) == {100}
    _, y = make_light_curves(100, classes=["RRab", "RRc"], weights={"RRab": 3, "RRc": 1},
                             random_state=0)
    assert pd.Series(y).value_counts().to_dict() == {"RRab": 73, "RRc": 27}


def test_make_repeatable_and_seed_dependent():
    a, ya = make_light_curves(100, random_state=5)
    b, yb = make_light_curves(100, random_state=5)
    c, _ = make_light_curves(100, random_state=6)
    np.testing.assert_array_equal(a.mag, b.mag)
    np.testing.assert_array_equal(a.time, b.time)
    assert ya.tolist() == yb.tolist()
    assert a.n_points != c.n_points or not np.array_equal(a.mag, c.mag)


def test_make_periods_in_documented_ranges():
    X, y = make_light_curves(1100, weights="balanced", random_state=2)
    for name, prm in CLASS_PARAMETERS.items():
        period = X.meta.loc[y == name, "period"]
        low, high = prm["period"][2:]
        if name == "Rot":  # slow rotators reach 1 day up to the top of the range
            low = min(low, 1.0)
        assert period.min() >= low and period.max() <= high, name
        amp_low = prm["amplitude"][2]
        assert X.meta.loc[y == name, "amplitude"].min() >= amp_low, name


def test_make_errors_grow_with_magnitude():
    X, _ = make_light_curves(500, random_state=3)
    bright, faint = X.mag < 14, (X.mag > 17.5) & (X.mag < 19)
    assert np.median(X.err[faint]) > 2.5 * np.median(X.err[bright])
    assert X.err.min() >= 0.05  # the CRTS error floor


def test_make_outliers_and_cadence():
    X, _ = make_light_curves(300, random_state=4)
    # Nightly groups of exposures about ten minutes apart.
    gaps = np.diff(X.time)[np.diff(X.curve_index) == 0] * 1440
    short = gaps[gaps < 60]
    assert 6 < np.median(short) < 16
    # Baselines of several years with seasonal gaps.
    span = np.maximum.reduceat(X.time, X.offsets[:-1]) - np.minimum.reduceat(X.time, X.offsets[:-1])
    assert np.median(span) > 2000
    assert np.mean(gaps > 100) > 0
    # A few points lie far (> 5 sigma) from a robust per-curve centre.
    centre = np.repeat(X.meta["mean_mag"].to_numpy(), X.lengths)
    amp = np.repeat(X.meta["amplitude"].to_numpy(), X.lengths)
    far = np.abs(X.mag - centre) > amp / 2 + 5 * X.err
    assert 0.002 < far.mean() < 0.02


@pytest.mark.parametrize("name", ["Ecl", "RRab", "RRc", "ACEP", "DSct", "EA"])
def test_make_amplitude_is_true_peak_to_peak(name):
    # The noiseless magnitudes never exceed the stated peak-to-peak, and a
    # densely sampled smooth curve nearly reaches it.
    t, mag_true, offsets, meta = _build_class(name, np.random.default_rng(0), 40, (340, 350))
    ptp = np.maximum.reduceat(mag_true, offsets[:-1]) - np.minimum.reduceat(mag_true, offsets[:-1])
    ratio = ptp / meta["amplitude"].to_numpy()
    assert ratio.max() <= 1.002  # the amplitude comes from a 256-point phase grid
    if name != "EA":  # narrow eclipses are often missed by sparse sampling
        assert np.median(ratio) > 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(classes=["Mira"]), r"classes must be distinct names from"),
        (dict(n_samples=5), r"n_samples must be an integer >= the number of classes \(11\)"),
        (dict(weights="equal"), r"weights must be 'crts', 'balanced' or a dict; got 'equal'"),
        (dict(weights={"Mira": 1}), r"weights names class\(es\) \['Mira'\]"),
        (dict(n_points=(3, 10)), r"n_points must be two integers 5 <= low <= high"),
    ],
)
def test_make_bad_arguments(kwargs, message):
    kwargs = {"n_samples": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_light_curves(**kwargs)


def test_subsample_classes_caps_every_class_and_is_seeded():
    y = np.array(["Ecl"] * 50 + ["RRab"] * 8 + ["DSct"] * 3)
    keep = subsample_classes(y, 5, random_state=4)
    assert np.all(np.diff(keep) > 0)
    classes, counts = np.unique(y[keep], return_counts=True)
    assert dict(zip(classes, counts)) == {"DSct": 3, "Ecl": 5, "RRab": 5}
    np.testing.assert_array_equal(keep, subsample_classes(y, 5, random_state=4))
    assert not np.array_equal(keep, subsample_classes(y, 5, random_state=5))
    with pytest.raises(ValueError, match="max_per_class must be a positive integer; got 0"):
        subsample_classes(y, 0)


# ------------------------------------------------------ read_survey and the writer
def _lean(folder, catalog, obs, columns=("id", "period", "class")):
    catalog[list(columns)].to_csv(folder / "catalog.csv", index=False)
    obs.to_parquet(folder / "lightcurves.parquet")


def test_read_survey_full_and_lean_crts_layouts(tmp_path):
    from vsaug.datasets import read_survey

    catalog, obs = _write_crts(tmp_path)
    X_full, y_full = read_survey(tmp_path)
    X_ref, y_ref = load_crts(tmp_path)
    np.testing.assert_array_equal(X_full.mag, X_ref.mag)
    np.testing.assert_array_equal(y_full, y_ref)
    _lean(tmp_path, catalog.iloc[::-1], obs)  # another order, fewer columns
    X, y = read_survey(tmp_path, labelled=True)
    np.testing.assert_array_equal(X.meta["id"], catalog["id"].iloc[::-1])
    np.testing.assert_array_equal(y, catalog["class"].iloc[::-1])
    np.testing.assert_array_equal(X[0].mag, X_ref[len(X_ref) - 1].mag)
    _lean(tmp_path, catalog.iloc[:2], obs, columns=("id", "period"))  # unlabelled, a subset
    X, y = read_survey(tmp_path, labelled=False)
    assert len(X) == 2 and y is None
    with pytest.raises(ValueError, match=r"catalog.csv lacks column\(s\) \['class'\]"):
        read_survey(tmp_path, labelled=True)
    with pytest.raises(ValueError, match=r"format must be one of \['crts'"):
        read_survey(tmp_path, format="ogle")
    with pytest.raises(FileNotFoundError, match="no catalog.csv in"):
        read_survey(tmp_path / "nowhere")


def test_read_survey_lean_warns_about_placeholder_dates(tmp_path):
    from vsaug.datasets import read_survey

    catalog, obs = _write_crts(tmp_path, bad_time=True)
    bad_star = obs.loc[0, "id"]
    emptied = catalog["id"].iloc[1]
    obs.loc[obs["id"] == emptied, "mjd"] = -2409998.5  # every date of this star a placeholder
    _lean(tmp_path, catalog, obs)
    with pytest.warns(UserWarning) as caught:
        X, y = read_survey(tmp_path)
    messages = " ".join(str(w.message) for w in caught)
    assert "non-positive MJD" in messages
    assert f"dropped 1 star(s) whose observations all have placeholder dates: id {emptied}" \
        in messages
    assert emptied not in set(X.meta["id"]) and len(X) == len(catalog) - 1
    assert (X.time > 0).all()
    # no star swapped: every curve is the one of its id
    keep = catalog[catalog["id"] != emptied]
    np.testing.assert_array_equal(X.meta["id"], keep["id"])
    i = int(np.flatnonzero(X.meta["id"].to_numpy() == bad_star)[0])
    assert X.lengths[i] == keep.set_index("id").loc[bad_star, "n_obs"] - 1
    with pytest.raises(ValueError, match=r"1 star\(s\) of catalog.csv have no observations"):
        _lean(tmp_path, catalog, obs[obs["id"] != catalog["id"].iloc[0]])
        read_survey(tmp_path)


def test_register_survey_reader(tmp_path):
    from vsaug.datasets import SURVEY_READERS, read_survey, register_survey_reader

    X0, y0 = make_light_curves(12, random_state=1)

    def reader(path, *, labelled):
        assert path == tmp_path and labelled is False
        return X0, None

    try:
        assert register_survey_reader("memory", reader) is reader
        X, y = read_survey(tmp_path, format="memory", labelled=False)
        assert X is X0 and y is None
    finally:
        SURVEY_READERS.pop("memory", None)
    with pytest.raises(TypeError, match="must be callable"):
        register_survey_reader("bad", 3)


def test_write_crts_folder_lives_beside_load_crts(tmp_path):
    from vsaug.datasets import write_crts_folder
    from vsaug.experiments import write_crts_folder as old_home

    assert old_home is write_crts_folder
    X, y = make_light_curves(20, random_state=2)
    folder = write_crts_folder(X, y, tmp_path / "out")
    X2, y2 = load_crts(folder)
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_allclose(X2.time, X.time)
    assert not list(folder.glob(".*tmp*"))
