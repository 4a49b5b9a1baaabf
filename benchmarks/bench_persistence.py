"""Size on disk and load time of the safe model file (vsaug.save/load) against joblib.

Two fitted models, side by side in one run:

- the fast model: ``make_model("fast", "fast", n_bags=3, samples_per_class=300)``
  (LightCurveCleaner, then 3 bags of PeriodicFeatures + HistGradientBoosting,
  300 iterations) fitted on 2,000 ``make_light_curves`` curves of the 11
  classes; its augmenter is switched to duplicates only to keep the fit short
  (the fitted model holds the same kind of members either way);
- one RNN member: ``MultiInputRNNClassifier`` with the fast profile's layers
  (GRU 64+32), 1 epoch on 600 curves.

For each: bytes on disk, the median of 5 loads (each from a fresh read of
the file) and one save, for ``vsaug.save``/``vsaug.load`` and for
``joblib.dump``/``joblib.load`` (uncompressed, and ``compress=3``), and the
ratios of the new format to joblib.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_persistence.py
"""

import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import joblib
import numpy as np

import vsaug
from vsaug import MultiInputRNNClassifier
from vsaug.datasets import make_light_curves
from vsaug.experiments import PROFILES, make_model

N_LOADS = 5


def fast_model():
    X, y = make_light_curves(2000, random_state=0)
    model = make_model("fast", "fast", n_bags=3, samples_per_class=300, n_jobs=1,
                       random_state=0)
    model.set_params(ensemble__augmenter="duplicate")
    return model.fit(X, y), X[:200]


def rnn_member():
    X, y = make_light_curves(600, random_state=1, n_points=(50, 150))
    fast = {k: v for k, v in PROFILES["fast"].rnn.items() if k != "epochs"}
    return MultiInputRNNClassifier(**fast, epochs=1, random_state=0).fit(X, y), X[:200]


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def measure(model, X, folder, name):
    """{format: (bytes, median load s, save s)}; checks every copy predicts the same."""
    expected = model.predict_proba(X)
    formats = {
        "vsaug.save": (lambda p: vsaug.save(model, p), vsaug.load, ".vsaug"),
        "joblib": (lambda p: joblib.dump(model, p), joblib.load, ".joblib"),
        "joblib compress=3": (lambda p: joblib.dump(model, p, compress=3), joblib.load,
                              ".joblib.z"),
    }
    out = {}
    for label, (save, load, suffix) in formats.items():
        path = folder / f"{name}{suffix}"
        _, save_s = timed(lambda: save(path))
        loads = []
        for _ in range(N_LOADS):
            loaded, seconds = timed(lambda: load(path))
            loads.append(seconds)
        np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6, atol=1e-7)
        out[label] = (path.stat().st_size, statistics.median(loads), save_s)
    return out


def main():
    warnings.simplefilter("ignore")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("fast model (3 bags)", fast_model), ("RNN member", rnn_member)):
            (model, X), fit_s = timed(build)
            print(f"{name}: fitted in {fit_s:.0f} s", flush=True)
            rows[name] = measure(model, X, Path(tmp), name.split()[0])
    print(f"\n| model | format | size (MB) | load (s, median of {N_LOADS}) | save (s) |")
    print("|---|---|---|---|---|")
    for name, formats in rows.items():
        for label, (size, load_s, save_s) in formats.items():
            print(f"| {name} | {label} | {size / 1e6:.2f} | {load_s:.3f} | {save_s:.3f} |")
    print("\n| model | size vsaug / joblib | size vsaug / joblib compress=3 | "
          "load vsaug / joblib | load vsaug / joblib compress=3 |")
    print("|---|---|---|---|---|")
    for name, f in rows.items():
        new, plain, packed = f["vsaug.save"], f["joblib"], f["joblib compress=3"]
        print(f"| {name} | {new[0] / plain[0]:.2f} | {new[0] / packed[0]:.2f} | "
              f"{new[1] / plain[1]:.2f} | {new[1] / packed[1]:.2f} |")


if __name__ == "__main__":
    main()
