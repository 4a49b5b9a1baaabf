"""Tests of vsaug.streaming: whole stars per chunk, resumption, reasons, the command."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline, make_pipeline

import vsaug.streaming as streaming
from vsaug import BaggingAugmentedEnsemble, LightCurveCleaner, PeriodFinder, PeriodicFeatures
from vsaug.cli import main
from vsaug.datasets import make_light_curves
from vsaug.persistence import save
from vsaug.streaming import predict_catalog, read_predictions

CLASSES = ["Ecl", "RRab", "DSct"]


@pytest.fixture(scope="module")
def model():
    X, y = make_light_curves(150, classes=CLASSES, random_state=0)
    member = make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=10))
    ensemble = BaggingAugmentedEnsemble(member, augmenter="duplicate", n_estimators=2,
                                        samples_per_class=30, random_state=0)
    return Pipeline([("clean", LightCurveCleaner()), ("ensemble", ensemble)]).fit(X, y)


@pytest.fixture(scope="module")
def curves():
    X, _ = make_light_curves(90, classes=CLASSES, n_points=(30, 80), random_state=5)
    X.meta["id"] += 1000
    return X


def long_table(X, *, period=True, names=("id", "mjd", "mag", "err")):
    table = pd.DataFrame({names[0]: np.repeat(X.meta["id"].to_numpy(), X.lengths),
                          names[1]: X.time, names[2]: X.mag, names[3]: X.err})
    if period:
        table["period"] = np.repeat(X.meta["period"].to_numpy(), X.lengths)
    return table


def proba_of(rows, X, model):
    rows = rows.set_index("id").loc[X.meta["id"]]
    return rows[[str(c) for c in model.classes_]].to_numpy()


@pytest.fixture(scope="module")
def expected(model, curves):
    return model.predict_proba(curves)


def write_parts(table, folder, bounds, row_group_size=700):
    folder.mkdir(parents=True, exist_ok=True)
    for k, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        table.iloc[lo:hi].to_parquet(folder / f"obs-{k}.parquet", row_group_size=row_group_size)
    return folder


# ---------------------------------------------------------------- grouping
def test_contiguous_rows_stream_into_whole_stars(model, curves, expected, tmp_path):
    table = long_table(curves)
    # Files and row groups cut through stars.
    bounds = [0, 1234, 3001, len(table)]
    source = write_parts(table, tmp_path / "obs", bounds)
    summary = predict_catalog(model, source, tmp_path / "out", period="period",
                              chunk_stars=25, verbose=0)
    assert summary["mode"] == "contiguous"
    assert (summary["n_stars"], summary["n_chunks"], summary["n_classified"]) == (90, 4, 90)
    ids = table["id"].to_numpy()
    cut = sum(ids[b - 1] == ids[b] for b in bounds[1:-1])  # stars a file boundary cuts
    assert cut and summary["ids_in_several_files"] == cut
    rows = read_predictions(tmp_path / "out")
    assert rows["id"].is_unique and len(rows) == 90
    np.testing.assert_array_equal(proba_of(rows, curves, model), expected)
    assert (rows["period_source"] == "input").all()
    classes = np.array([str(c) for c in model.classes_])
    np.testing.assert_array_equal(rows["predicted_class"],
                                  classes[rows[classes].to_numpy().argmax(axis=1)])
    np.testing.assert_array_equal(rows["n_points"], rows["n_valid"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["complete"] and sorted(manifest["chunks"]) == ["0", "1", "2", "3"]
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 4


def test_scattered_rows_are_partitioned_by_id(model, curves, expected, tmp_path):
    table = long_table(curves).sample(frac=1.0, random_state=1)  # every star spread out
    source = write_parts(table, tmp_path / "obs", [0, 2000, 4100, len(table)])
    with pytest.warns(UserWarning, match="rows in more than one file"):
        summary = predict_catalog(model, source, tmp_path / "out", period="period",
                                  chunk_stars=30, verbose=1)
    assert summary["mode"] == "spilled" and summary["n_chunks"] == 3
    rows = read_predictions(tmp_path / "out")
    assert rows["id"].is_unique and len(rows) == 90
    np.testing.assert_array_equal(proba_of(rows, curves, model), expected)
    assert not (tmp_path / "out" / ".spill").exists()  # removed once complete


def test_csv_with_own_column_names_and_a_missing_column(model, curves, expected, tmp_path):
    names = ("star", "hjd", "v", "sigma")
    long_table(curves, names=names).to_csv(tmp_path / "obs.csv", index=False)
    kwargs = dict(id="star", time="hjd", mag="v", err="sigma", period="period", verbose=0)
    predict_catalog(model, tmp_path / "obs.csv", tmp_path / "out", **kwargs)
    rows = read_predictions(tmp_path / "out")
    np.testing.assert_array_equal(proba_of(rows, curves, model), expected)
    with pytest.raises(ValueError, match="obs.csv has no column 'mjd'"):
        predict_catalog(model, tmp_path / "obs.csv", tmp_path / "out2", id="star", verbose=0)


# ------------------------------------------------------------- bad stars
def test_stars_that_cannot_be_classified_get_a_reason(model, curves, expected, tmp_path):
    table = long_table(curves)
    t = np.array([0.0, 1.3, 2.9, 4.2, 5.05, 6.6, 7.7, 9.1])
    bad = pd.DataFrame({
        "id": [1] * 3 + [2] * 6 + [3] * 6 + [4] * 6 + [5] * 8,
        "mjd": np.r_[t[:3], t[:6], t[:6], np.full(6, 5.0), t],
        "mag": np.r_[np.full(3, 15.0), np.full(6, np.nan), np.full(6, 15.0), np.full(6, 15.0),
                     15 + np.sin(t)],
        "err": np.r_[np.full(3, 0.1), np.full(6, 0.1), np.zeros(6), np.full(6, 0.1),
                     [0.1, -1, 0.1, 0.1, 0.1, np.nan, 0.1, 0.1]],
        "period": 0.5,
    })
    pd.concat([bad, table]).to_parquet(tmp_path / "obs.parquet")
    summary = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out",
                              period="period", chunk_stars=40, verbose=0)
    assert summary["n_stars"] == 95 and summary["n_unclassified"] == 4
    rows = read_predictions(tmp_path / "out").set_index("id")
    reasons = rows["reason"].loc[[1, 2, 3, 4, 5]]
    assert reasons[1].startswith("too few points: 3 distinct valid time(s) of 3 row(s)")
    assert reasons[2].startswith("no valid points") and reasons[3].startswith("no valid points")
    assert reasons[4].startswith("too few points: 1 distinct")
    assert rows.loc[[1, 2, 3, 4], "predicted_class"].isna().all()
    # Two bad points of eight: the star is classified on the six others.
    assert pd.isna(reasons[5]) and rows.loc[5, "predicted_class"] in CLASSES
    assert rows.loc[5, "n_points"] == 8 and rows.loc[5, "n_valid"] == 6
    np.testing.assert_array_equal(proba_of(rows.drop([1, 2, 3, 4, 5]).reset_index(), curves, model),
                                  expected)


def test_a_star_the_cleaner_refuses_is_isolated(model, curves, tmp_path):
    """Five distinct times that fold onto two phases: the cleaner raises for that star only."""
    table = long_table(curves[:20])
    odd = pd.DataFrame({"id": 7, "mjd": [0.0, 1, 2, 3, 4.5, 5.5], "mag": 15.0, "err": 0.1,
                        "period": 1.0})
    pd.concat([table.iloc[:3000], odd, table.iloc[3000:]]).to_parquet(tmp_path / "o.parquet")
    summary = predict_catalog(model, tmp_path / "o.parquet", tmp_path / "out", period="period",
                              verbose=0)
    rows = read_predictions(tmp_path / "out").set_index("id")
    assert summary["n_unclassified"] == 1
    assert rows.loc[7, "reason"].startswith("could not be classified: star 0 (id=7) has only 2")
    np.testing.assert_array_equal(proba_of(rows.drop(7).reset_index(), curves[:20], model),
                                  model.predict_proba(curves[:20]))


def test_missing_periods_are_searched(model, curves, tmp_path):
    sub = curves[:6]
    table = long_table(sub)
    ids = sub.meta["id"].to_numpy()
    search = [0, 3, 5]  # curves whose periodogram peak is significant (FAP < 1e-10)
    table.loc[table["id"].isin(ids[search]), "period"] = np.nan
    rng = np.random.default_rng(0)
    noise = pd.DataFrame({"id": 99, "mjd": np.sort(rng.uniform(0, 3000, 60)),
                          "mag": 15 + rng.normal(0, 0.05, 60), "err": 0.05, "period": np.nan})
    pd.concat([table, noise]).to_parquet(tmp_path / "obs.parquet")
    predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", period="period",
                    max_fap=1e-3, verbose=0)
    rows = read_predictions(tmp_path / "out").set_index("id")
    searched = sub[search].with_points(meta=sub[search].meta.drop(columns="period"))
    found = PeriodFinder().transform(searched).meta
    np.testing.assert_array_equal(rows.loc[ids[search], "period"], found["period"])
    np.testing.assert_array_equal(rows.loc[ids[search], "period_fap"], found["period_fap"])
    assert (rows.loc[ids[search], "period_source"] == "search").all()
    assert (rows.loc[np.delete(ids, search), "period_source"] == "input").all()
    assert rows.loc[ids, "reason"].isna().all()
    assert rows.loc[99, "reason"] == "no significant period (false-alarm probability 0.11 > 0.001)"
    assert rows.loc[99, "period_source"] == "search" and pd.isna(rows.loc[99, "predicted_class"])


def test_catalog_defines_the_stars(model, curves, expected, tmp_path):
    long_table(curves, period=False).to_parquet(tmp_path / "obs.parquet")
    catalog = curves.meta[["id", "period"]].iloc[1:].copy()  # star 0 is not listed
    catalog = pd.concat([catalog, pd.DataFrame({"id": [5], "period": [1.0]})])  # no rows
    with pytest.warns(UserWarning, match=r"skipped \d+ observation row\(s\) of star ids the "
                                         r"catalogue does not list, e.g. \[1000\]"):
        summary = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out",
                                  catalog=catalog, period="period", chunk_stars=50)
    assert summary["n_stars"] == 90 and summary["rows_not_in_catalog"] == curves.lengths[0]
    rows = read_predictions(tmp_path / "out").set_index("id")
    assert rows.loc[5, "reason"] == "no observations" and rows.loc[5, "n_points"] == 0
    assert 1000 not in rows.index
    np.testing.assert_array_equal(proba_of(rows.drop(5).reset_index(), curves[1:], model),
                                  expected[1:])


# ------------------------------------------------------------- resumption
@pytest.mark.parametrize("scatter", [False, True])
def test_an_interrupted_run_resumes_without_repeating(model, curves, expected, tmp_path,
                                                      monkeypatch, scatter):
    table = long_table(curves)
    if scatter:
        table = table.sample(frac=1.0, random_state=2)
    table.to_parquet(tmp_path / "obs.parquet", row_group_size=1000)
    real = streaming._classify_chunk
    calls = []

    def dies_on_third(table, model, options):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(table, model, options)

    monkeypatch.setattr(streaming, "_classify_chunk", dies_on_third)
    kwargs = dict(period="period", chunk_stars=20, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", **kwargs)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest["chunks"]) == 2 and not manifest["complete"]

    seen = []
    monkeypatch.setattr(streaming, "_classify_chunk",
                        lambda t, m, o: seen.append(t.num_rows) or real(t, m, o))
    summary = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", **kwargs)
    assert summary["chunks_run"] == len(seen) == summary["n_chunks"] - 2 == 3
    rows = read_predictions(tmp_path / "out")
    assert rows["id"].is_unique and len(rows) == 90
    np.testing.assert_array_equal(proba_of(rows, curves, model), expected)
    # Once complete, running again does nothing.
    seen.clear()
    assert predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out",
                           **kwargs)["chunks_run"] == 0 and not seen


def test_resume_refuses_other_settings(model, curves, tmp_path):
    long_table(curves[:10]).to_parquet(tmp_path / "obs.parquet")
    predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", period="period",
                    chunk_stars=4, verbose=0)
    with pytest.raises(ValueError, match="holds a run with other input, model or settings"):
        predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", period="period",
                        chunk_stars=5, verbose=0)
    summary = predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out",
                              period="period", chunk_stars=5, resume=False, verbose=0)
    assert summary["n_chunks"] == 2
    assert sorted(p.name for p in (tmp_path / "out").glob("part-*")) == \
        ["part-00000.parquet", "part-00001.parquet"]


def test_progress_reports_stars(model, curves, tmp_path, capsys):
    long_table(curves[:30]).to_parquet(tmp_path / "obs.parquet")
    predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "out", period="period",
                    chunk_stars=10, verbose=1)
    assert "predict: 30/30 star in" in capsys.readouterr().err


def test_bad_arguments(model, curves, tmp_path):
    long_table(curves[:5]).to_parquet(tmp_path / "obs.parquet")
    with pytest.raises(ValueError, match="chunk_stars must be a positive integer"):
        predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "o", chunk_stars=0)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        predict_catalog(model, tmp_path / "nothing.parquet", tmp_path / "o")
    with pytest.raises(ValueError, match="the catalogue has no column 'period'"):
        predict_catalog(model, tmp_path / "obs.parquet", tmp_path / "o", period="period",
                        catalog=pd.DataFrame({"id": [1]}))


# ------------------------------------------------------------- the command
def test_vsaug_predict_streams_a_long_table(model, curves, expected, tmp_path):
    save(model, tmp_path / "m.vsaug")
    long_table(curves).to_parquet(tmp_path / "obs.parquet")
    args = ["predict", "--model", str(tmp_path / "m.vsaug"), "--data",
            str(tmp_path / "obs.parquet"), "--period", "period", "--chunk-stars", "40", "-q"]
    assert main(args + ["--out", str(tmp_path / "p.parquet")]) == 0
    single = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_array_equal(proba_of(single, curves, model), expected)
    assert not (tmp_path / "p.parquet.parts").exists()
    assert main(args + ["--out", str(tmp_path / "folder")]) == 0
    pd.testing.assert_frame_equal(read_predictions(tmp_path / "folder"), single)
    assert main(args + ["--time", "t", "--out", str(tmp_path / "x.csv")]) == 1
