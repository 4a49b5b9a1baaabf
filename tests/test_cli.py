"""The ``vsaug`` command, called in-process with tiny settings."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import vsaug.experiments as ex
from vsaug import load
from vsaug.cli import build_parser, main
from vsaug.metrics import classification_summary

SUBCOMMANDS = ("demo", "fit", "predict", "evaluate", "reproduce")


@pytest.fixture(scope="module")
def folder(crts_folder):
    return crts_folder(2)


@pytest.fixture(scope="module")
def model_file(folder, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "fast.vsaug"
    status = main(["fit", "--data", str(folder), "--model", "fast", "--profile", "demo",
                   "--n-bags", "2", "--samples-per-class", "20", "--seed", "1",
                   "--n-jobs", "1", "--out", str(path), "--quiet"])
    assert status == 0
    return path


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: vsaug {command}")
    assert "--out" in out


def test_top_level_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == "vsaug 0.1.0"


def test_console_script_runs():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "vsaug"]
    assert script.value == "vsaug.cli:main"
    out = subprocess.run([sys.executable, "-m", "vsaug.cli", "evaluate", "--help"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("usage: vsaug evaluate")


def test_fit_saves_a_pipeline_with_the_requested_settings(model_file):
    model = load(model_file)
    assert [name for name, _ in model.steps] == ["clean", "ensemble"]
    ensemble = model.named_steps["ensemble"]
    assert len(ensemble.estimators_) == 2 and ensemble.samples_per_class == 20
    assert ensemble.random_state == 1
    assert list(model.classes_) == ["DSct", "Ecl", "RRab"]


@pytest.fixture(scope="module")
def probabilities(folder, model_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("predict") / "sub" / "probs.csv"
    assert main(["predict", "--model", str(model_file), "--data", str(folder),
                 "--out", str(out)]) == 0
    return pd.read_csv(out)


def test_predict_writes_probabilities_per_star(folder, probabilities):
    catalog = pd.read_csv(folder / "catalog.csv")
    assert list(probabilities.columns[:5]) == ["id", "predicted_class", "DSct", "Ecl", "RRab"]
    np.testing.assert_array_equal(probabilities["id"], catalog["id"])
    classes = np.array(["DSct", "Ecl", "RRab"])
    np.testing.assert_array_equal(probabilities["predicted_class"],
                                  classes[probabilities[classes].to_numpy().argmax(axis=1)])
    assert probabilities["reason"].isna().all()
    np.testing.assert_allclose(probabilities[["DSct", "Ecl", "RRab"]].sum(axis=1), 1.0)
    assert probabilities[["DSct", "Ecl", "RRab"]].to_numpy().min() >= 0


def test_predict_needs_no_labels(folder, model_file, tmp_path):
    lean = tmp_path / "lean"
    lean.mkdir()
    catalog = pd.read_csv(folder / "catalog.csv")
    catalog[["id", "period"]].iloc[:7].to_csv(lean / "catalog.csv", index=False)
    (lean / "lightcurves.parquet").write_bytes((folder / "lightcurves.parquet").read_bytes())
    out = tmp_path / "lean.csv"
    assert main(["predict", "--model", str(model_file), "--data", str(lean),
                 "--out", str(out)]) == 0
    np.testing.assert_array_equal(pd.read_csv(out)["id"], catalog["id"].iloc[:7])
    # ... but evaluation does.
    assert main(["evaluate", "--model", str(model_file), "--data", str(lean),
                 "--out", str(tmp_path / "ev")]) == 1


def test_evaluate_prints_and_writes_metrics(folder, model_file, probabilities, tmp_path, capsys):
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", str(model_file), "--data", str(folder),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    columns = ["DSct", "Ecl", "RRab"]
    y_pred = np.array(columns)[probabilities[columns].to_numpy().argmax(axis=1)]
    y_true = pd.read_csv(folder / "catalog.csv")["class"].to_numpy()
    s = classification_summary(y_true, y_pred)
    assert metrics["balanced_accuracy"] == pytest.approx(s.balanced_accuracy)
    assert metrics["macro_f1"] == pytest.approx(s.macro_f1)
    assert f"balanced accuracy: {s.balanced_accuracy:.4f}" in printed
    np.testing.assert_allclose(np.sum(metrics["recall_view"], axis=1), 1.0)
    for view in ("recall", "precision"):
        assert (out / f"confusion_{view}.png").read_bytes()[:4] == b"\x89PNG"


def test_errors_return_status_and_message(tmp_path, capsys):
    assert main(["fit", "--data", str(tmp_path / "nowhere"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vsaug fit: error: no catalog.csv in")
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--experiments", "rnn,svm"])
    assert exit_info.value.code == 2
    assert "unknown experiment(s) ['svm']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fit", "--data", "x", "--n-bags", "0"])
    assert "expected a positive integer, got 0" in capsys.readouterr().err


def test_reproduce_runs_and_resumes(folder, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["reproduce", "--data", str(folder), "--profile", "demo", "--out", str(out),
            "--experiments", "fast", "--n-bags", "1", "--samples-per-class", "15",
            "--max-per-class", "30", "--n-jobs", "1", "--quiet",
            "--publish", str(tmp_path / "docs" / "results")]
    assert main(argv) == 0
    published = tmp_path / "docs" / "results"
    assert (published / "report.md").read_text() == (out / "report.md").read_text()
    assert (published / "figures" / "fast_recall.png").is_file()
    assert (published / "metrics.json").is_file()
    report = (out / "report.md").read_text()
    assert f"- command: `vsaug {' '.join(argv)}`" in report
    assert "fast feature model, ensemble of 1 bag (`fast`)" in report
    split = np.load(out / "split.npz")
    counts = pd.read_csv(folder / "catalog.csv")["class"].value_counts()
    assert counts["Ecl"] > 30 and counts["DSct"] < 30
    assert split["keep"].size == np.minimum(counts, 30).sum()
    assert main(argv) == 0
    log = (out / "progress.log").read_text()
    assert log.count("start fast bag 0: fit") == 1 and "skip fast bag 0: fit" in log
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["max_per_class"] == 30

def test_parser_defaults():
    args = build_parser().parse_args(["reproduce"])
    assert (args.data, args.profile, args.out) == ("../shared/crts", "fast", None)
    assert args.experiments == list(ex.EXPERIMENTS) and args.clean


@pytest.mark.parametrize("flags, verbose", [([], 1), (["-v"], 2), (["--quiet"], 0)])
def test_reproduce_verbosity_reaches_the_runner(monkeypatch, flags, verbose):
    seen = {}

    class Stop(Exception):
        pass

    def fake_run(data, out, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(ex, "run_experiments", fake_run)
    with pytest.raises(Stop):
        main(["reproduce", "--profile", "demo", *flags])
    assert seen["verbose"] == verbose and seen["profile"] == "demo"
    assert seen["learning_rate_schedule"] is None  # the profile's own
    assert seen["error_model"] is None and seen["cadence_subset"] is None


def test_learning_rate_schedule_reaches_the_runner(monkeypatch):
    seen = {}

    def fake_run(data, out, **kwargs):
        seen.update(kwargs)
        return {}

    monkeypatch.setattr(ex, "run_experiments", fake_run)
    monkeypatch.setattr("vsaug.cli._print_results", lambda args, results: None)
    main(["reproduce", "--profile", "demo", "--learning-rate-schedule", "cosine", "--quiet",
          "--error-model", "nightly", "--cadence-subset", "nights"])
    assert seen["learning_rate_schedule"] == "cosine"
    assert seen["error_model"] == "nightly" and seen["cadence_subset"] == "nights"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reproduce", "--learning-rate-schedule", "step"])


# ------------------------------------------------- failures: one line, exit 1
def test_fit_checks_the_output_folder_before_training(folder, tmp_path, monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("trained although --out cannot be written")

    monkeypatch.setattr(ex, "make_model", never)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["fit", "--data", str(folder), "--out", str(blocker / "m.vsaug"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("vsaug fit: error: ") and str(blocker) in err
    assert main(["fit", "--data", str(folder), "--out", str(tmp_path), "--quiet"]) == 1
    assert "is a folder; give a file name" in capsys.readouterr().err


def test_full_disk_while_saving_keeps_the_old_model(folder, tmp_path, monkeypatch, capsys):
    from sklearn.dummy import DummyClassifier

    import vsaug.persistence as persistence

    out = tmp_path / "m.vsaug"
    out.write_bytes(b"the old model")

    def full_disk(estimator, path, manifest):
        with open(path, "wb") as f:
            f.write(b"half a")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(ex, "make_model", lambda *a, **k: DummyClassifier())
    monkeypatch.setattr(persistence, "write_model", full_disk)
    assert main(["fit", "--data", str(folder), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device; free some disk space" in err and "Traceback" not in err
    assert out.read_bytes() == b"the old model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.vsaug"]


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated zip", b"\x80\x04not really"])
def test_damaged_or_unsafe_model_file_gives_one_line(folder, tmp_path, capsys, content):
    bad = tmp_path / "bad.vsaug"
    bad.write_bytes(content)
    assert main(["predict", "--model", str(bad), "--data", str(folder),
                 "--out", str(tmp_path / "p.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(bad) in err
    assert "not a vsaug model file" in err
    assert main(["-v", "evaluate", "--model", str(bad), "--data", str(folder)]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_fit_best_saves_the_stacked_model_and_refuses_network_settings(folder, tmp_path,
                                                                         capsys):
    path = tmp_path / "best.vsaug"
    assert main(["fit", "--data", str(folder), "--model", "best", "--profile", "demo",
                 "--n-bags", "1", "--samples-per-class", "20", "--seed", "0",
                 "--n-jobs", "1", "--out", str(path), "--quiet"]) == 0
    model = load(path)
    assert [name for name, _ in model.steps] == ["clean", "stack"]
    stack = model.named_steps["stack"]
    assert [name for name, _ in stack.estimators] == list(ex.BEST_MEMBERS)
    assert dict(stack.estimators)["rnn"].samples_per_class == 20
    from vsaug.datasets import read_survey

    X, _ = read_survey(folder, format="crts", labelled=True)
    assert model.predict_proba(X).shape == (len(X), 3)
    assert main(["fit", "--data", str(folder), "--model", "best", "--epochs", "2",
                 "--out", str(tmp_path / "x.vsaug"), "--quiet"]) != 0
    assert "stacked model" in capsys.readouterr().err
