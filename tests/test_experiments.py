"""vsaug.experiments: the resumable runner behind ``vsaug reproduce``, end to end."""

import json
import shutil

import joblib
import numpy as np
import pandas as pd
import pytest

from sklearn.base import BaseEstimator, ClassifierMixin

from vsaug import load
from vsaug.datasets import load_crts, make_light_curves
from vsaug.experiments import (
    EXPERIMENTS,
    MODELS,
    PROFILES,
    DamagedFileWarning,
    ExperimentRun,
    Profile,
    make_model,
    run_experiments,
    write_crts_folder,
)
from vsaug.metrics import classification_summary

# Tiny networks and few trees: the machinery, not the accuracy, is under test.
TINY = Profile(
    name="tiny",
    n_bags=2,
    samples_per_class=14,
    rnn=dict(gru_units=(4, 4), dense_units=(8,), scalar_units=(8,), dropout=0.0,
             learning_rate=1e-2, epochs=1, batch_size=64, pad_multiple=512,
             predict_batch_size=1024),
    compound=dict(image_size=16, conv_blocks=(((2, 3),),), cnn_dense_units=(8,), epochs=1,
                  learning_rate=1e-2),
    features=dict(max_iter=15),
    augmenter=dict(wrap=False),
)


@pytest.fixture(scope="module")
def folder(crts_folder):
    return crts_folder(0)


@pytest.fixture(scope="module")
def finished(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run = ExperimentRun(folder, out, profile=TINY, experiments=["fast", "rnn"], n_jobs=1,
                        verbose=0, command="test")
    return run, run.run()


def _reuse(run_dir, new_dir, extra=()):
    """Copy a finished run's shared stages so a new run skips them (as on resume)."""
    for name in ("split.npz", "clean.joblib", "gp_train.joblib", "validation.joblib", *extra):
        (new_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(run_dir / name, new_dir / name)


def _session_log(out):
    """The progress.log lines of the latest session."""
    log = (out / "progress.log").read_text().splitlines()
    starts = [i for i, line in enumerate(log) if "  session: " in line]
    return log[starts[-1]:]


def _fits(out):
    """The member fits the latest session made, e.g. ['fast bag 1']."""
    return [line.split("start ", 1)[1][:-len(": fit")] for line in _session_log(out)
            if "  start " in line and line.endswith(": fit")]


class Interrupted(ClassifierMixin, BaseEstimator):
    """A member whose training is cut short, as by a kill."""

    def fit(self, X, y):
        raise RuntimeError("simulated interruption")

    def predict_proba(self, X):
        raise AssertionError("never fitted")


def test_paper_profile_is_the_design_exactly():
    paper = PROFILES["paper"]
    assert (paper.n_bags, paper.samples_per_class) == (10, 1875)
    assert paper.rnn == dict(gru_units=(128, 64), dense_units=(128, 32), scalar_units=(64, 32),
                             dropout=0.4, label_smoothing=0.1, learning_rate=1e-3,
                             batch_size=32, epochs=10)
    assert paper.compound["image_size"] == 128 and paper.compound["epochs"] == 10
    assert paper.compound["cnn_dense_units"] == (256, 32) and paper.compound["cnn_dropout"] == 0.2
    assert PROFILES["fast"].rnn["gru_units"] == (64, 32)
    # the paper's GP error model; the library's own in the fast profile
    assert paper.augmenter == {"error_model": "gp"}
    assert PROFILES["fast"].augmenter == {"error_model": "empirical"}
    # Every profile's settings are accepted by the estimators they configure.
    for profile in PROFILES.values():
        rnn, compound, fast = (MODELS.build(kind, profile, random_state=0)
                               for kind in ("rnn", "compound", "fast"))
        for network in (rnn, compound):
            network._validate_params()
            network._check_architecture()
        fast[-1]._validate_params()
        assert rnn.random_state == compound.random_state == fast[-1].random_state == 0
        assert compound.rnn.get_params()["gru_units"] == profile.rnn["gru_units"]


def test_overrides_replace_sizes_and_epochs_only():
    p = PROFILES["paper"].with_overrides(n_bags=3, samples_per_class=50, epochs=2)
    assert (p.n_bags, p.samples_per_class, p.rnn["epochs"], p.compound["epochs"]) == (3, 50, 2, 2)
    assert p.rnn["gru_units"] == (128, 64)
    assert PROFILES["paper"].rnn["epochs"] == 10  # the table itself is untouched
    cosine = PROFILES["fast"].with_overrides(learning_rate_schedule="cosine")
    assert cosine.rnn["learning_rate_schedule"] == cosine.compound["learning_rate_schedule"]
    assert cosine.rnn["learning_rate_schedule"] == "cosine"
    assert "learning_rate_schedule" not in PROFILES["fast"].rnn
    with pytest.raises(ValueError,
                       match=r"learning_rate_schedule must be one of \['constant', 'cosine'\]"):
        ExperimentRun(([], []), "unused", learning_rate_schedule="linear").run()


def test_make_model_pipeline():
    pipe = make_model("rnn", "paper", n_bags=4, epochs=2, random_state=3)
    clean, ensemble = pipe.named_steps["clean"], pipe.named_steps["ensemble"]
    assert type(clean).__name__ == "LightCurveCleaner"
    assert (ensemble.n_estimators, ensemble.samples_per_class) == (4, 1875)
    assert ensemble.estimator.get_params()["gru_units"] == (128, 64)
    assert ensemble.estimator.epochs == 2 and ensemble.random_state == 3
    assert ensemble.augmenter.error_model == "gp"
    nightly = PROFILES["fast"].with_overrides(error_model="nightly", cadence_subset="nights")
    assert nightly.augmenter == {"error_model": "nightly", "cadence_subset": "nights"}
    assert PROFILES["fast"].augmenter == {"error_model": "empirical"}
    aug = make_model("rnn", "fast", cadence_subset="nights")[-1].augmenter
    assert (aug.error_model, aug.cadence_subset) == ("empirical", "nights")
    for name in ("error_model", "cadence_subset"):
        # The registered names, sorted: not a dict of classes.
        with pytest.raises(ValueError, match=rf"{name} must be one of \[('\w+', )+'\w+'\] or None"):
            ExperimentRun(([], []), "unused", **{name: "other"}).run()
    cosine = make_model("compound", "fast", learning_rate_schedule="cosine")[-1].estimator
    assert cosine.learning_rate_schedule == cosine.rnn.learning_rate_schedule == "cosine"
    assert [n for n, _ in make_model("fast", clean=False).steps] == ["ensemble"]
    with pytest.raises(ValueError, match="model must be one of 'fast', 'rnn', 'compound'; got 'svm'"):
        make_model("svm")
    with pytest.raises(ValueError, match=r"profile must be one of \['demo', 'fast', 'paper'\]"):
        make_model("fast", "huge")


def test_write_crts_folder_round_trip(folder, small_catalogue):
    X, y = load_crts(folder)
    X0, y0 = small_catalogue(0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(X.lengths, X0.lengths)
    np.testing.assert_allclose(X.meta["period"], X0.meta["period"])
    np.testing.assert_allclose(X.mag, X0.mag, rtol=1e-6)  # stored as float32, like CRTS
    catalog = pd.read_csv(folder / "catalog.csv")
    assert list(catalog.columns) == ["id", "name", "ra", "dec", "period", "mean_mag", "n_obs",
                                     "amplitude", "class"]
    with pytest.raises(ValueError, match=r"y has shape \(3,\) but X holds 100 light curves"):
        write_crts_folder(X, y[:3], folder / "bad")


def test_run_writes_every_output(finished):
    run, results = finished
    out = run.out
    for name in ("report.md", "metrics.json", "progress.log", "timings.json", "manifest.json",
                 "split.npz", "clean.joblib", "gp_train.joblib", "validation.joblib",
                 "test_predictions.npz", "figures/gp_example.png"):
        assert (out / name).is_file(), name
    log = (out / "progress.log").read_text()
    epochs = TINY.rnn["epochs"]
    for bag in range(2):  # every network epoch has its line, with its validation score
        for k in range(1, epochs + 1):
            assert f"rnn bag {bag}: epoch {k}, loss " in log
        assert f"rnn bag {bag}: epoch {epochs + 1}," not in log
        assert f"rnn bag {bag}: kept epoch " in log
    assert "fast bag 0: epoch" not in log
    assert "validation balanced accuracy" in log
    for exp in ("fast", "rnn", "rnn_plus_fast"):
        for view in ("recall", "precision"):
            assert (out / "figures" / f"{exp}_{view}.png").read_bytes()[:4] == b"\x89PNG"
    for exp in ("fast", "rnn"):
        assert sorted(p.name for p in (out / exp).iterdir()) == [
            "bag0.npz", "bag0.vsaug", "bag1.npz", "bag1.vsaug", "ensemble.vsaug"]
    assert not list(out.rglob("*.backup"))  # the networks' epoch backups end with their fits
    assert not list(out.rglob(".*.tmp*"))  # no half-written files
    assert json.loads((out / "metrics.json").read_text())["experiments"].keys() == {
        "rnn", "fast", "rnn+fast"}
    report = (out / "report.md").read_text()
    assert "| RNN, ensemble of 2 bags (`rnn`) |" in report and "| 85.7% | 0.71 |" in report
    rnn = results["experiments"]["rnn"]["test"]
    bacc_gap = f"{100 * (rnn['balanced_accuracy'] - 0.857):+.1f} pts"
    assert f"| 85.7% | 0.71 | {bacc_gap} | {rnn['macro_f1'] - 0.71:+.3f} |" in report
    assert "| fast bag 1: fit |" in report  # the wall time of every stage
    assert "- command: `test`" in report
    assert "![GP example](figures/gp_example.png)" in report


def test_split_is_stratified_6_1_3_and_disjoint(finished):
    run, results = finished
    split = run.split_
    parts = [split["train"], split["val"], split["test"]]
    every = np.sort(np.concatenate(parts))
    np.testing.assert_array_equal(every, np.arange(split["keep"].size))
    sizes = np.array([p.size for p in parts]) / every.size
    np.testing.assert_allclose(sizes, [0.6, 0.1, 0.3], atol=0.03)
    for c, n in results["counts"]["test"].items():
        total = sum(results["counts"][p][c] for p in ("train", "val", "test"))
        assert abs(n - 0.3 * total) <= 1
    # The augmented validation part gives every class the size of the largest.
    assert len(set(results["counts"]["val_augmented"].values())) == 1


def test_reported_scores_match_saved_predictions(finished):
    run, results = finished
    saved = np.load(run.out / "test_predictions.npz")
    classes = saved["classes"]
    bags = [np.load(run.out / "rnn" / f"bag{b}.npz")["test_proba"] for b in range(2)]
    np.testing.assert_allclose(saved["proba_rnn"], np.mean(bags, axis=0), rtol=1e-6)  # float32
    np.testing.assert_allclose(saved["proba_rnn_plus_fast"],
                               0.5 * (saved["proba_rnn"] + saved["proba_fast"]), rtol=1e-6)
    for name, key in (("rnn", "proba_rnn"), ("fast", "proba_fast")):
        y_pred = classes[np.argmax(saved[key], axis=1)]
        s = classification_summary(saved["y_true"], y_pred)
        assert results["experiments"][name]["test"]["balanced_accuracy"] == pytest.approx(
            s.balanced_accuracy)
        assert results["experiments"][name]["test"]["macro_f1"] == pytest.approx(s.macro_f1)
        low, high = results["experiments"][name]["test_interval"]["balanced_accuracy"]
        assert low <= s.balanced_accuracy <= high
    per_bag = results["experiments"]["rnn"]["per_bag"]
    y_pred0 = classes[np.argmax(bags[0], axis=1)]
    assert per_bag[0]["test_balanced_accuracy"] == pytest.approx(
        classification_summary(saved["y_true"], y_pred0).balanced_accuracy)
    # Labels in the CRTS order, largest class first.
    assert results["classes"] == ["Ecl", "RRab", "DSct"]


def _train_labels(folder, run):
    _, y = load_crts(folder)
    return y[run.split_["keep"]][run.split_["train"]]


def test_bags_balanced_shared_and_repeatable(folder, finished):
    run, _ = finished
    y_train = _train_labels(folder, run)
    train_counts = pd.Series(y_train).value_counts()
    fast, rnn = (load(run.out / name / "ensemble.vsaug") for name in ("fast", "rnn"))
    assert len(fast.estimators_) == len(rnn.estimators_) == 2
    X = load_crts(folder)[0][:20]
    for name, ensemble in (("fast", fast), ("rnn", rnn)):  # the member files, assembled
        for k in range(2):
            member = load(run.out / name / f"bag{k}.vsaug")
            np.testing.assert_allclose(ensemble.predict_member_proba(X, members=[k])[0],
                                       member.predict_proba(X), rtol=1e-6)
    for k in range(2):
        plan = fast.plan_bag(y_train, k)
        assert pd.Series(y_train[plan.rows]).value_counts().to_dict() == {
            "Ecl": 14, "RRab": 14, "DSct": 14}
        # Big classes undersampled without synthetics; small ones keep all real curves.
        assert "Ecl" not in plan.synthetic_counts
        assert plan.synthetic_counts["DSct"] == 14 - train_counts["DSct"]
        assert (y_train[plan.real] == "DSct").sum() == train_counts["DSct"]
        assert np.unique(plan.real).size == plan.real.size
        np.testing.assert_array_equal(plan.real, fast.estimators_samples_[k])
        # the same bag for every experiment
        np.testing.assert_array_equal(fast.estimators_samples_[k], rnn.estimators_samples_[k])
        np.testing.assert_array_equal(fast.estimators_prototypes_[k],
                                      rnn.estimators_prototypes_[k])
    assert not np.array_equal(fast.estimators_samples_[0], fast.estimators_samples_[1])
    # ... but members seeded by experiment name: bag 0's seeds differ between experiments.
    assert (fast.estimators_[0][-1].random_state != rnn.estimators_[0].random_state)
    assert fast.augmenter is None and fast.augmenter_ is None  # GP fits not copied per bag


def test_equal_and_weighted_designs(folder, finished, tmp_path):
    run, _ = finished
    _reuse(run.out, tmp_path)
    again = ExperimentRun(folder, tmp_path, profile=TINY, experiments=["rnn_equal", "rnn_weighted"],
                          n_jobs=1, verbose=0)
    again.run()
    y_train = _train_labels(folder, again)
    train_counts = pd.Series(y_train).value_counts()
    equal, weighted = (load(tmp_path / n / "ensemble.vsaug") for n in ("rnn_equal", "rnn_weighted"))
    # Equal augmentation: every class the size of the largest, nothing dropped.
    counts = pd.Series(y_train[equal.plan_bag(y_train, 0).rows]).value_counts()
    assert set(counts) == {train_counts.max()}
    # Moderate augmentation: small classes to samples_per_class, big ones whole.
    counts = pd.Series(y_train[weighted.plan_bag(y_train, 0).rows]).value_counts()
    assert counts["Ecl"] == train_counts["Ecl"] and counts["DSct"] == 14
    assert weighted.estimators_[0].class_weight == "balanced"
    assert equal.estimators_[0].class_weight is None


def test_rerun_skips_every_stage(finished):
    run, results = finished
    again = ExperimentRun(run.data, run.out, profile=TINY, experiments=["fast", "rnn"], n_jobs=1,
                          verbose=0)
    rerun = again.run()
    assert _fits(run.out) == []
    assert again.timings_ == json.loads((run.out / "timings.json").read_text())
    assert len(again.skipped_) == 4 + 2 * 2 * 2 + 2  # + the two ensembles
    for name in ("rnn", "fast"):
        assert rerun["experiments"][name]["test"] == results["experiments"][name]["test"]
    log = "\n".join(_session_log(run.out))
    assert "skip rnn bag 1: fit" in log and "skip GP fits (training part)" in log
    with pytest.raises(ValueError, match=r"different settings \(seed\)"):
        ExperimentRun(run.data, run.out, profile=TINY, seed=1, verbose=0).run()


def test_interrupted_run_resumes_where_it_stopped(folder, finished, tmp_path, monkeypatch):
    _, reference = finished
    _reuse(finished[0].out, tmp_path)
    kwargs = dict(profile=TINY, experiments=["fast"], n_jobs=1, verbose=0)
    build = MODELS["fast"]
    calls = []

    def interrupted_at_bag_1(profile, **kw):
        calls.append(1)
        return Interrupted() if len(calls) > 1 else build(profile, **kw)

    monkeypatch.setitem(MODELS, "fast", interrupted_at_bag_1)
    with pytest.raises(RuntimeError, match="simulated interruption"):
        run_experiments(folder, tmp_path, **kwargs)
    assert (tmp_path / "fast" / "bag0.npz").is_file()
    assert not (tmp_path / "fast" / "bag1.vsaug").exists()
    assert not list(tmp_path.rglob(".*.tmp*"))
    monkeypatch.setitem(MODELS, "fast", build)
    resumed = run_experiments(folder, tmp_path, **kwargs)
    assert _fits(tmp_path) == ["fast bag 1"]  # bag 1 only, from bag 0's checkpoint
    # The same result as the uninterrupted run: bags do not depend on the experiment list.
    assert resumed["experiments"]["fast"]["test"] == reference["experiments"]["fast"]["test"]
    np.testing.assert_array_equal(
        np.load(tmp_path / "fast" / "bag1.npz")["test_proba"],
        np.load(finished[0].out / "fast" / "bag1.npz")["test_proba"])
    # More bags later: only the new one trains.
    grown = run_experiments(folder, tmp_path, n_bags=3, **kwargs)
    assert _fits(tmp_path) == ["fast bag 2"]
    assert len(grown["experiments"]["fast"]["per_bag"]) == 3
    assert len(load(tmp_path / "fast" / "ensemble.vsaug").estimators_) == 3


def test_seeds_derive_from_names_not_table_positions(folder, finished, tmp_path):
    run, reference = finished
    _reuse(run.out, tmp_path)
    table = dict(EXPERIMENTS)
    try:
        EXPERIMENTS["rnn"] = EXPERIMENTS.pop("rnn")  # now last: every position moves
        assert list(EXPERIMENTS).index("fast") != 4
        moved = run_experiments(folder, tmp_path, profile=TINY, experiments=["fast"],
                                n_jobs=1, verbose=0)
    finally:
        EXPERIMENTS.clear()
        EXPERIMENTS.update(table)
    assert moved["experiments"]["fast"]["test"] == reference["experiments"]["fast"]["test"]


def test_damaged_stage_files_are_recomputed(folder, finished, tmp_path):
    run, reference = finished
    shutil.copytree(run.out, tmp_path, dirs_exist_ok=True)
    (tmp_path / "fast" / "bag1.npz").unlink()  # so bag 1's checkpoint must be read
    damaged = ["split.npz", "clean.joblib", "validation.joblib", "fast/bag0.npz",
               "fast/bag1.vsaug", "manifest.json", "timings.json"]
    for name in damaged:
        path = tmp_path / name
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated
    with pytest.warns(DamagedFileWarning) as caught:
        again = ExperimentRun(folder, tmp_path, profile=TINY, experiments=["fast", "rnn"],
                              n_jobs=1, verbose=0)
        rerun = again.run()
    messages = [str(w.message) for w in caught]
    for stage, name in (("split", "split.npz"), ("clean", "clean.joblib"),
                        ("augmented validation set", "validation.joblib"),
                        ("fast bag 0: predict", "fast/bag0.npz"),
                        ("fast bag 1: fit", "fast/bag1.vsaug"), ("manifest", "manifest.json")):
        assert any(m.startswith(f"stage {stage}: file {name} is damaged (")
                   and m.endswith("); recomputing") for m in messages), (stage, messages)
    log = "\n".join(_session_log(tmp_path))
    assert "stage fast bag 1: fit: file fast/bag1.vsaug is damaged" in log
    # Recomputed from the stages that were intact: nothing else retrained.
    assert _fits(tmp_path) == ["fast bag 1"]
    for name in ("fast", "rnn"):
        assert rerun["experiments"][name]["test"] == reference["experiments"][name]["test"]
    np.testing.assert_array_equal(np.load(tmp_path / "fast" / "bag0.npz")["test_proba"],
                                  np.load(run.out / "fast" / "bag0.npz")["test_proba"])
    readers = {".npz": np.load, ".joblib": joblib.load, ".vsaug": load,
               ".json": lambda p: json.loads(p.read_text())}
    for name in damaged:  # every damaged file is whole again
        path = tmp_path / name
        assert readers[path.suffix](path) is not None
    assert json.loads((tmp_path / "manifest.json").read_text())["settings"]["seed"] == 0


def test_equal_classes_below_samples_per_class_all_get_gps(tmp_path):
    X, y = make_light_curves(45, classes=["Ecl", "RRab", "RRc"], weights="balanced",
                             random_state=4)
    run = ExperimentRun((X, y), tmp_path, profile=TINY, experiments=["fast"], n_bags=1,
                        samples_per_class=14, n_jobs=1, verbose=0)
    results = run.run()
    gp = run.augmenter_
    fitted = set(gp.y_[gp.gp_params_.index])
    assert fitted == {"Ecl", "RRab", "RRc"}  # a tie for the largest class is no exemption
    assert max(results["counts"]["train"].values()) < 14  # every class needed topping up


def test_compound_starts_from_the_rnn_of_its_bag(folder, finished, tmp_path):
    _reuse(finished[0].out, tmp_path, extra=("rnn/bag0.vsaug", "rnn/bag0.npz"))
    run = ExperimentRun(folder, tmp_path, profile=TINY, experiments=["compound", "rnn"],
                        n_bags=1, n_jobs=1, verbose=0)
    results = run.run()
    assert results["experiments"].keys() == {"rnn", "compound"}
    assert "compound bag 0: fit" in run.timings_ and "rnn bag 0: fit" in run.skipped_
    rnn = load(tmp_path / "rnn" / "bag0.vsaug")
    compound = load(tmp_path / "compound" / "bag0.vsaug")
    frozen = [name for name in compound.copied_layers_ if name.startswith("rnn_")]
    assert frozen
    for layer in frozen:  # the frozen RNN branch is bag 0's RNN, unchanged by stage two
        for a, b in zip(rnn.model_.get_layer(layer).get_weights(),
                        compound.model_.get_layer(layer).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_errors(folder, tmp_path):
    with pytest.raises(ValueError, match=r"experiments must be a non-empty selection of \['rnn'"):
        ExperimentRun(folder, tmp_path, experiments=["svm"]).run()
    with pytest.raises(ValueError, match="max_per_class=3 is too small"):
        ExperimentRun(folder, tmp_path, max_per_class=3).run()
    with pytest.raises(ValueError, match="n_bags must be a positive integer or None; got 0"):
        ExperimentRun(folder, tmp_path, n_bags=0).run()
    with pytest.raises(TypeError, match="data must be a survey folder"):
        ExperimentRun(42, tmp_path, verbose=0).run()
    with pytest.raises(ValueError, match=r"format must be one of \['crts'"):
        ExperimentRun(folder, tmp_path, data_format="ogle", verbose=0).run()
    X, y = make_light_curves(60, classes=["Ecl", "DSct"], weights={"Ecl": 20, "DSct": 1},
                             random_state=0)
    keep = np.r_[np.flatnonzero(y == "Ecl"), np.flatnonzero(y == "DSct")[:4]]
    with pytest.raises(ValueError, match="every class needs at least 5 stars for a 6:1:3 split; 'DSct' has 4"):
        ExperimentRun((X[keep], y[keep]), tmp_path / "small", verbose=0).run()
    assert set(EXPERIMENTS) == {"rnn", "rnn_equal", "rnn_weighted", "compound", "fast"}
    assert all(e.model in MODELS for e in EXPERIMENTS.values())


def test_gp_fits_from_another_run_draw_with_this_runs_settings(folder, finished, tmp_path):
    _reuse(finished[0].out, tmp_path)
    # as saved by an older version: another error model, no cadence_subset
    old = joblib.load(tmp_path / "gp_train.joblib")
    old.error_model = "gp"
    del old.cadence_subset
    joblib.dump(old, tmp_path / "gp_train.joblib")
    run = ExperimentRun(folder, tmp_path, profile=TINY, experiments=["fast"], n_bags=1,
                        cadence_subset="nights", n_jobs=1, verbose=0)
    run.run()
    assert "GP fits (training part)" in run.skipped_
    assert (run.augmenter_.error_model, run.augmenter_.cadence_subset) == ("empirical", "nights")


def test_a_run_kept_small_resumes_and_reports_from_predictions(folder, finished, tmp_path):
    # What a committed copy of a long run holds: the predictions, no member files.
    run, reference = finished
    shutil.copytree(run.out, tmp_path, dirs_exist_ok=True)
    for path in tmp_path.rglob("*.vsaug"):
        path.unlink()
    grown = run_experiments(folder, tmp_path, profile=TINY, experiments=["fast", "rnn"],
                            n_bags=3, n_jobs=1, verbose=0)
    assert sorted(_fits(tmp_path)) == ["fast bag 2", "rnn bag 2"]  # no earlier bag retrained
    for name in ("fast", "rnn"):
        assert grown["experiments"][name]["per_bag"][:2] == \
            reference["experiments"][name]["per_bag"]
        assert not (tmp_path / name / "ensemble.vsaug").exists()
        assert (tmp_path / name / "bag2.vsaug").is_file()
    log = "\n".join(_session_log(tmp_path))
    assert "skip fast: ensemble (no member file for bag(s) 0, 1; their predictions are kept)" in log


def test_a_network_killed_mid_bag_resumes_after_its_last_epoch(folder, finished, tmp_path,
                                                              monkeypatch):
    from vsaug._training_backup import TrainingBackup

    kwargs = dict(profile=TINY, experiments=["rnn"], n_bags=1, epochs=3, n_jobs=1, verbose=0)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for out in (whole, killed):
        out.mkdir()
        _reuse(finished[0].out, out)
    run_experiments(folder, whole, **kwargs)
    save = TrainingBackup.save

    def killed_after_epoch_2(self, **state):
        save(self, **state)
        if state["epoch"] == 2:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(TrainingBackup, "save", killed_after_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        run_experiments(folder, killed, **kwargs)
    assert (killed / "rnn" / "bag0.backup" / "training_state.npz").is_file()
    # Epochs are logged as they end, so a killed session's log shows how far it came.
    assert "rnn bag 0: epoch 1, loss " in "\n".join(_session_log(killed))
    monkeypatch.setattr(TrainingBackup, "save", save)
    run_experiments(folder, killed, **kwargs)
    log = "\n".join(_session_log(killed))
    assert "rnn bag 0: resumed after epoch 2 from its backup (those epochs' training " in log
    timings = json.loads((killed / "timings.json").read_text())
    assert 0 < timings["rnn bag 0: restored epochs (training steps)"]
    assert not (killed / "rnn" / "bag0.backup").exists()
    member = load(killed / "rnn" / "bag0.vsaug")
    assert member.resumed_from_epoch_ == 2 and member.backup_dir is None
    assert len(member.history_["loss"]) == 3
    np.testing.assert_allclose(np.load(killed / "rnn" / "bag0.npz")["test_proba"],
                               np.load(whole / "rnn" / "bag0.npz")["test_proba"], atol=1e-4)


def test_a_carried_copy_resumes_without_retraining(folder, finished, tmp_path):
    from vsaug.experiments import carry_run

    run, reference = finished
    carried = carry_run(run.out, tmp_path / "carried")
    assert "rnn/bag1.npz" in carried and "progress.log" in carried
    # Neither the recomputable stages nor members that no bag needs any more.
    assert not [f for f in carried if f.endswith((".joblib", ".vsaug"))]
    resumed = run_experiments(folder, tmp_path / "carried", profile=TINY,
                              experiments=["fast", "rnn"], n_jobs=1, verbose=0)
    assert _fits(tmp_path / "carried") == []
    for name in ("fast", "rnn"):
        for key in ("test", "per_bag"):
            assert resumed["experiments"][name][key] == reference["experiments"][name][key]
    # A bag in flight keeps what its next stage needs: compound bag 1 needs RNN bag 1.
    partial = tmp_path / "partial"
    shutil.copytree(run.out, partial)
    manifest = json.loads((partial / "manifest.json").read_text())
    manifest["sessions"][-1]["experiments"] = ["rnn", "compound"]
    (partial / "manifest.json").write_text(json.dumps(manifest))
    (partial / "compound").mkdir()
    shutil.copy(partial / "rnn" / "bag0.npz", partial / "compound" / "bag0.npz")
    (partial / "rnn" / "bag1.backup").mkdir()
    (partial / "rnn" / "bag1.backup" / "training_state.npz").write_bytes(b"state")
    carried = carry_run(partial, tmp_path / "carried")  # replaces the earlier copy
    assert "rnn/bag1.vsaug" in carried and "rnn/bag0.vsaug" not in carried
    assert "rnn/bag1.backup/training_state.npz" in carried
    assert (tmp_path / "carried" / "rnn" / "bag1.vsaug").is_file()
    assert not (tmp_path / "carried" / "fast" / "ensemble.vsaug").exists()
    with pytest.raises(ValueError, match="is not a run directory"):
        carry_run(tmp_path / "nothing", tmp_path / "x")
    with pytest.raises(ValueError, match="dest must differ from run_dir"):
        carry_run(partial, partial)


def test_bag_files_of_older_runs_hold_the_ensemble_and_are_still_read(folder, finished, tmp_path):
    run, _ = finished
    shutil.copytree(run.out, tmp_path, dirs_exist_ok=True)
    # Runs before member files saved the ensemble after bag k as bag<k>.vsaug.
    shutil.copy(tmp_path / "fast" / "ensemble.vsaug", tmp_path / "fast" / "bag1.vsaug")
    (tmp_path / "fast" / "bag1.npz").unlink()
    run_experiments(folder, tmp_path, profile=TINY, experiments=["fast", "rnn"], n_jobs=1,
                    verbose=0)
    assert _fits(tmp_path) == []  # bag 1's member taken from the old file, not retrained
    np.testing.assert_array_equal(np.load(tmp_path / "fast" / "bag1.npz")["test_proba"],
                                  np.load(run.out / "fast" / "bag1.npz")["test_proba"])
