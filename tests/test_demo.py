"""``vsaug demo`` (vsaug.demo.run_demo): three models compared, a clean summary, a report.

One tiny run through the command (a few hundred curves, one bag, one epoch
of a 4-unit network) shared by the tests; they check what is printed and
written, not the scores' values or the time.
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys

import pytest

from vsaug import demo
from vsaug.cli import main

MODELS = ("baseline", "fast", "rnn")
TINY_RNN = dict(gru_units=(4, 4), dense_units=(8,), scalar_units=(8,), epochs=1,
                batch_size=64, pad_multiple=512, predict_batch_size=1024)


@pytest.fixture(scope="module")
def quiet_run(tmp_path_factory):
    """``vsaug demo -q`` on 165 stars, its stdout and stderr, and its folder."""
    out = tmp_path_factory.mktemp("demo") / "vsaug-demo"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "RNN_PARAMS", TINY_RNN)
        # The demo quietens TensorFlow through the environment: undo it after.
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        # capsys is function-scoped: capture by hand for the module's one run.
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(["demo", "--out", str(out), "--n-samples", "165", "--n-bags", "1",
                           "--samples-per-class", "12", "--n-jobs", "1", "-q"])
    return status, stdout.getvalue(), stderr.getvalue(), out


def test_quiet_demo_prints_only_the_summary(quiet_run):
    status, stdout, stderr, out = quiet_run
    assert status == 0
    lines = stdout.splitlines()
    assert re.fullmatch(r"model +balanced accuracy +macro F1 +lowest class recall +fit", lines[0])
    for name, row in zip(MODELS, lines[1:4]):
        assert re.fullmatch(rf"{name} +[01]\.\d{{3}} +[01]\.\d{{3}} +[01]\.\d\d \(\w+\) +\d+ s", row)
    assert lines[5].startswith(f"report:  {out / 'report.md'} (ran in ")
    assert lines[6] == f"figures: {out / 'figures'}/" and len(lines) == 7
    # -q: no stage lines, no progress, no TensorFlow start-up lines.
    assert "training" not in stdout and "BaggingAugmentedEnsemble" not in stdout + stderr
    assert "oneDNN" not in stderr and "retracing" not in stderr


def test_report_compares_the_three_models_per_class(quiet_run):
    _, _, _, out = quiet_run
    report = (out / "report.md").read_text()
    assert "compare the models with each other, not with the paper" in report
    assert "paper's" not in report.replace("not with the paper", "")
    for name in MODELS:
        assert re.search(rf"^\| {name} \| [01]\.\d{{3}} \| [01]\.\d{{3}} \| ", report, re.MULTILINE)
        assert f"(figures/{name}_confusion.png)" in report
        assert (out / "figures" / f"{name}_confusion.png").read_bytes()[:4] == b"\x89PNG"
    recall_rows = re.findall(r"^\| (\w+) \| [01]\.\d\d \| [01]\.\d\d \| [01]\.\d\d \| \d+ \|$",
                             report, re.MULTILINE)
    assert len(recall_rows) == 11


def test_metrics_json_holds_every_score(quiet_run):
    _, _, _, out = quiet_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["models"]) == set(MODELS)
    assert metrics["data"]["classes"] == 11
    assert sum(metrics["data"][k] for k in ("train", "validation", "test")) == 165
    for scores in metrics["models"].values():
        recalls = [row["recall"] for row in scores["per_class"].values()]
        assert scores["lowest_recall"] == min(recalls)
        assert 0 <= scores["balanced_accuracy"] <= 1


def test_quiet_tensorflow_sets_the_log_level_unless_verbose(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    demo.quiet_tensorflow(2)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    demo.quiet_tensorflow(1)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_quiet_tensorflow_keeps_the_import_lines_off_stderr():
    # A fresh interpreter: TensorFlow's import-time absl lines (oneDNN, "All
    # log messages before absl::InitializeLog()") go straight to fd 2.
    code = ("from vsaug.demo import quiet_tensorflow; quiet_tensorflow(0); "
            "import keras; keras.ops.add(1, 1); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert done.stderr == ""
