"""The gallery's scripts in examples/ run as a user would run them and print what they promise.

The ``plot_*.py`` examples are what the documentation build executes for its
gallery; CI builds the docs without running them (``-D plot_gallery=0``)
because this file already does. Each example runs in a subprocess, as
``python examples/plot_x.py`` would, with pyplot on the Agg backend; the
wrapper prints how many figures the script left open (the gallery shows
those). The examples are independent, so the selected ones are started
together and each test waits for its own: the file takes as long as the
slowest example, not their sum. ``rnn_ensemble.py`` imports TensorFlow and
trains networks (over a minute on a busy 2-core machine); it runs only when
``VSAUG_SLOW_EXAMPLES=1``.
"""

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
# Runs a script as __main__ with its arguments, then reports its open figures.
RUNNER = (
    "import runpy, sys, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
    "path = sys.argv[1]; sys.argv = sys.argv[1:]; runpy.run_path(path, run_name='__main__'); "
    "print(f'open figures: {len(plt.get_fignums())}')"
)


def _crts_folder(root):
    """A CRTS-layout folder (catalog.csv + lightcurves.parquet) of synthetic stars."""
    from vsaug.datasets import make_light_curves, write_crts_folder

    X, y = make_light_curves(200, random_state=3)
    return write_crts_folder(X, y, root / "crts")


# example -> (modules it needs, its arguments given a scratch folder)
FAST = {
    "plot_quickstart.py": (("vsaug.ensemble", "vsaug.augmentation", "vsaug.features",
                            "vsaug.cleaning", "vsaug.metrics", "vsaug.plotting"),
                           lambda root: [_crts_folder(root)]),
    "plot_gp_augmentation.py": (("vsaug.augmentation", "vsaug.features", "vsaug.plotting",
                                 "imblearn"), lambda root: []),
    "plot_period_search.py": (("vsaug.periods", "vsaug.plotting", "astropy"), lambda root: []),
    "plot_custom_classifier.py": (("vsaug.ensemble", "vsaug.augmentation", "vsaug.metrics"),
                                  lambda root: []),
}
TEST_OF = {
    "plot_quickstart.py": "test_quickstart_reads_a_crts_layout_folder",
    "plot_gp_augmentation.py": "test_gp_augmentation_example",
    "plot_period_search.py": "test_period_search_example",
    "plot_custom_classifier.py": "test_custom_classifier_example",
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
        [sys.executable, "-c", RUNNER, str(EXAMPLES / name), *map(str, args)],
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
            started[name] = launch(name, make_args(root), root)
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


def output_of(runs, name):
    return finish(name, runs[name])


def line(output, pattern):
    """The match of the first output line matching ``pattern`` (which must exist)."""
    found = re.search(pattern, output, flags=re.MULTILINE)
    assert found, f"no line matching {pattern!r} in:\n{output}"
    return found


def counts(text):
    return {c: int(k) for c, k in re.findall(r"(\w+) (\d+)", text)}


def figures(output):
    return int(line(output, r"^open figures: (\d+)$")[1])


@needs("plot_quickstart.py")
def test_quickstart_reads_a_crts_layout_folder(runs):
    out = output_of(runs, "plot_quickstart.py")

    n = int(line(out, r"^data: (\d+) light curves, \d+ points, 11 classes$")[1])
    per_class = counts(line(out, r"^stars per class: (.*)$")[1])
    assert n == 200 and sum(per_class.values()) == n   # the whole folder, under the cap
    line(out, rf"^fit: [\d.]+ s on {n - 60} training stars$")
    n_synthetic = int(line(out, r"^bags: 3 of 40 curves per class, (\d+) GP synthetics in each$")[1])
    assert n_synthetic > 0
    assert int(line(out, r"^GP fits: (\d+), fallbacks: \d+$")[1]) > 0
    # Eleven classes: chance is 0.09; even bags of 40 curves per class do far better.
    assert float(line(out, rf"^test balanced accuracy: {SCORE}$")[1]) > 0.3
    assert float(line(out, rf"^test macro F1: {SCORE}$")[1]) > 0.3
    predictions = re.findall(r"^star \d+: (\w+) \(p=[01]\.\d\d\), true (\w+)$", out, re.MULTILINE)
    assert len(predictions) == 5 and all(p in per_class for pair in predictions for p in pair)
    assert figures(out) == 2   # the folded curve and both confusion views


@needs("plot_gp_augmentation.py")
def test_gp_augmentation_example(runs):
    out = output_of(runs, "plot_gp_augmentation.py")

    before = counts(line(out, r"^data: 300 light curves; (.*)$")[1])
    after = counts(line(out, r"^resampled: \d+ light curves; (.*)$")[1])
    assert after == {c: max(k, 20) for c, k in before.items()}  # only small classes grow
    n_topped = sum(20 - k for k in before.values() if k < 20)
    line(out, rf"^synthetics: {n_topped}, same length as prototype: True, ")
    assert float(line(out, r"largest mean-error mismatch: (\S+)$")[1]) < 1e-9
    line(out, r"^GP fits: \d+ in [\d.]+ s, fallbacks: \d+$")
    line(out, r"^sampled 100 more curves of star \d+ \(\w+\) in [\d.]+ s without refitting$")
    for name in ("no augmentation", "GP augmentation"):
        score = line(out, rf"^{name}: balanced accuracy {SCORE}, macro F1 {SCORE} \(2-fold mean\)$")
        assert float(score[1]) > 0.3
    assert figures(out) == 1   # the GP figure


@needs("plot_period_search.py")
def test_period_search_example(runs):
    out = output_of(runs, "plot_period_search.py")

    n = int(line(out, r"^(\d+) curves, periods known: 0$")[1])
    assert n == 44   # 4 stars of each of the 11 classes
    hits = int(line(out, rf"^period within 1% \(or half/double\): (\d+) of {n}$")[1])
    assert hits >= n // 2   # most periods found again from the points alone
    assert len(re.findall(r"^  \w+: \d/4$", out, re.MULTILINE)) == 11
    assert figures(out) == 1   # periodogram and fold


@needs("plot_custom_classifier.py")
def test_custom_classifier_example(runs):
    out = output_of(runs, "plot_custom_classifier.py")

    line(out, r"^data: 210 training and 90 test light curves$")
    line(out, r"^parameters: \{'C': 1\.0, 'n_bins': 20, 'random_state': 0\}$")
    single = float(line(out, rf"^single classifier: balanced accuracy {SCORE}, ")[1])
    bagged = float(line(out, rf"^ensemble of 5: balanced accuracy {SCORE}, ")[1])
    assert single > 0.2 and bagged > 0.2
    # The ensemble hands every member its own seed through random_state.
    seeds = [int(s) for s in re.findall(r"\d+", line(out, r"^member seeds: \[(.*)\]$")[1])]
    assert len(seeds) == 5 and len(set(seeds)) == 5
    assert figures(out) == 1   # the mean binned shapes


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
