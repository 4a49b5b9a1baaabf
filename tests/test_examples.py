"""The scripts in examples/ run as a user would run them and print what they promise.

Each example runs in a subprocess on small synthetic data (or a small
CRTS-layout folder written from synthetic data) with arguments smaller than
its defaults. The examples are independent, so the selected ones are
started together and each test waits for its own: the file takes as long as
the slowest example, not their sum. The RNN example imports TensorFlow and
trains networks (over a minute on a busy 2-core machine); it runs only when
``VSAUG_SLOW_EXAMPLES=1``.
"""

import math
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCORE = r"(0\.\d{3}|1\.000)"
TIMEOUT = 400


def _crts_folder(root):
    """A CRTS-layout folder (catalog.csv + lightcurves.parquet) of synthetic stars."""
    from vsaug.datasets import make_light_curves
    from vsaug.experiments import write_crts_folder

    X, y = make_light_curves(200, random_state=3)
    return write_crts_folder(X, y, root / "crts")


# example -> (modules it needs, its arguments given a scratch folder)
FAST = {
    "quickstart_fast_model.py": (
        ("vsaug.ensemble", "vsaug.augmentation", "vsaug.features", "vsaug.cleaning",
         "vsaug.metrics", "vsaug.experiments"),
        lambda root: [_crts_folder(root), "--max-per-class", 30, "--samples-per-class", 5,
                      "--n-estimators", 2],
    ),
    "gp_augmentation.py": (
        ("vsaug.augmentation", "vsaug.features", "vsaug.cleaning", "vsaug.plotting", "imblearn"),
        lambda root: ["--n-samples", 150, "--target", 6, "--cv", 2, "--plot", root / "gp.png"],
    ),
    "custom_classifier.py": (
        ("vsaug.ensemble", "vsaug.augmentation", "vsaug.metrics"),
        lambda root: ["--n-samples", 250, "--samples-per-class", 12],
    ),
}
TEST_OF = {
    "quickstart_fast_model.py": "test_quickstart_reads_a_crts_layout_folder",
    "gp_augmentation.py": "test_gp_augmentation_example",
    "custom_classifier.py": "test_custom_classifier_example",
}


def missing(modules):
    return [m for m in modules if find_spec(m) is None]


def needs(name):
    """Skip, with a reason, when a module the example imports is missing."""
    absent = missing(FAST[name][0])
    return pytest.mark.skipif(bool(absent), reason=f"{name} needs {absent}, not installed")


def launch(name, args, cwd):
    env = dict(os.environ)
    # HistGradientBoosting's OpenMP threads spin-wait on a busy machine: one
    # thread fitted the same model in 2 s instead of 25 s under load 5.
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.Popen(
        [sys.executable, str(EXAMPLES / name), *map(str, args)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(name, process, timeout=TIMEOUT):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"{name} ran past {timeout} s:\n{out}\n{err[-3000:]}")
    assert process.returncode == 0, f"{name} failed:\n{out}\n{err[-3000:]}"
    return out


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """The fast examples whose tests are selected, all started at once."""
    selected = {item.name for item in request.session.items}
    started = {}
    for name, (modules, make_args) in FAST.items():
        if TEST_OF[name] in selected and not missing(modules):
            root = tmp_path_factory.mktemp(name.removesuffix(".py"))
            started[name] = (launch(name, make_args(root), root), root)
    yield started
    for process, _ in started.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


def output_of(runs, name):
    process, root = runs[name]
    return finish(name, process), root


def line(output, pattern):
    """The match of the first output line matching ``pattern`` (which must exist)."""
    found = re.search(pattern, output, flags=re.MULTILINE)
    assert found, f"no line matching {pattern!r} in:\n{output}"
    return found


def counts(text):
    return {c: int(k) for c, k in re.findall(r"(\w+) (\d+)", text)}


@needs("quickstart_fast_model.py")
def test_quickstart_reads_a_crts_layout_folder(runs):
    out, _ = output_of(runs, "quickstart_fast_model.py")

    # --max-per-class caps the big classes; the small ones keep every star.
    n = int(line(out, r"^data: (\d+) light curves, \d+ points, 11 classes$")[1])
    per_class = counts(line(out, r"^stars per class: (.*)$")[1])
    assert max(per_class.values()) == 30 and sum(per_class.values()) == n
    line(out, rf"^fit: [\d.]+ s on {n - math.ceil(0.3 * n)} training stars$")
    n_synthetic = int(line(out, r"^bags: 2 of 5 curves per class, (\d+) GP synthetics in each$")[1])
    assert n_synthetic > 0
    assert int(line(out, r"^GP fits: (\d+), fallbacks: \d+$")[1]) > 0
    # Eleven classes: chance is 0.09; even bags of 5 curves per class do far better.
    assert float(line(out, rf"^test balanced accuracy: {SCORE}$")[1]) > 0.3
    assert float(line(out, rf"^test macro F1: {SCORE}$")[1]) > 0.3
    predictions = re.findall(r"^star \d+: (\w+) \(p=[01]\.\d\d\), true (\w+)$", out, re.MULTILINE)
    assert len(predictions) == 5 and all(p in per_class for pair in predictions for p in pair)


@needs("gp_augmentation.py")
def test_gp_augmentation_example(runs):
    out, root = output_of(runs, "gp_augmentation.py")

    before = counts(line(out, r"^data: 150 light curves; (.*)$")[1])
    after = counts(line(out, r"^resampled: \d+ light curves; (.*)$")[1])
    assert after == {c: max(k, 6) for c, k in before.items()}  # only small classes grow
    n_topped = sum(6 - k for k in before.values() if k < 6)
    line(out, rf"^synthetics: {n_topped}, same length as prototype: True, ")
    assert float(line(out, r"largest mean-error mismatch: (\S+)$")[1]) < 1e-9
    line(out, r"^GP fits: \d+ in [\d.]+ s, fallbacks: \d+$")
    line(out, r"^sampled 100 more curves of star \d+ .* without refitting$")
    for name in ("no augmentation", "GP augmentation"):
        score = line(out, rf"^{name}: balanced accuracy {SCORE}, macro F1 {SCORE} \(2-fold mean\)$")
        assert float(score[1]) > 0.3
    assert (root / "gp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs("custom_classifier.py")
def test_custom_classifier_example(runs):
    out, _ = output_of(runs, "custom_classifier.py")

    line(out, r"^data: 175 training and 75 test light curves$")
    line(out, r"^parameters: \{'C': 1\.0, 'n_bins': 20, 'random_state': 0\}$")
    single = float(line(out, rf"^single classifier: balanced accuracy {SCORE}, ")[1])
    bagged = float(line(out, rf"^ensemble of 5: balanced accuracy {SCORE}, ")[1])
    assert single > 0.2 and bagged > 0.2
    # The ensemble hands every member its own seed through random_state.
    seeds = [int(s) for s in re.findall(r"\d+", line(out, r"^member seeds: \[(.*)\]$")[1])]
    assert len(seeds) == 5 and len(set(seeds)) == 5


@pytest.mark.skipif(os.environ.get("VSAUG_SLOW_EXAMPLES") != "1",
                    reason="trains Keras networks for over a minute; set VSAUG_SLOW_EXAMPLES=1")
@pytest.mark.skipif(bool(missing(("vsaug.rnn", "vsaug.ensemble", "keras"))),
                    reason="rnn_ensemble.py needs vsaug.rnn, vsaug.ensemble and keras")
def test_rnn_ensemble_example(tmp_path):
    out = finish("rnn_ensemble.py", launch("rnn_ensemble.py", ["--n-samples", 250], tmp_path),
                 timeout=900)

    line(out, r"^data: \d+ train, \d+ validation, \d+ test curves$")
    line(out, r"^fit: [\d.]+ s for 2 bags of 40 curves per class$")
    bags = re.findall(r"^bag \d: best epoch ([12]) of 2, validation balanced accuracy "
                      rf"{SCORE}, \d+ curves/s in training$", out, re.MULTILINE)
    assert len(bags) == 2
    line(out, rf"^test balanced accuracy: {SCORE}$")
    line(out, r"^saved and reloaded \(\d+ kB\): same probabilities: True$")
