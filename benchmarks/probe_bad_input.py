"""Feed every kind of bad input to every vsaug entry point and tabulate what happens.

Each probe is one call: the ``LightCurves`` constructor, ``fit``,
``transform``, ``predict_proba`` or ``fit_resample`` of a public estimator,
``vsaug.load`` or a ``vsaug`` command. The outcome is one of

- **clear error**: a ValueError/TypeError/OSError raised by vsaug's own code
  (or scikit-learn's parameter validation), or a command that exits with
  status 1 and one line on stderr;
- **finite output** (valid but extreme input: tiny or huge errors, constant
  magnitudes, all phases equal), possibly with a warning;
- **PROBLEM**: an invalid input accepted, a non-finite output, or an error
  raised deep in numpy/scikit-learn/TensorFlow or with a traceback.

The estimators are small (48 synthetic curves, 3 classes, 2 bags); the
networks 1 epoch of tiny layers. Bad data sit in star 2 (id 1002) of the set.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/probe_bad_input.py > benchmarks/notes/bad_input.md
"""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline

import vsaug
from vsaug import (BaggingAugmentedEnsemble, CompoundRNNCNNClassifier, DuplicateAugmenter,
                   GPLightCurveAugmenter, LightCurveCleaner, LightCurves,
                   MultiInputRNNClassifier, PeriodFinder, PeriodicFeatures)
from vsaug.cli import main as cli
from vsaug.datasets import make_light_curves
from vsaug.experiments import write_crts_folder

CLASSES = ["RRab", "Ecl", "LPV"]
BAD = 2  # the star made bad
VSAUG_DIR = str(Path(vsaug.__file__).parent)
CLEAR_TYPES = (ValueError, TypeError, IndexError, OSError)
#: Meta columns that may hold NaN in a valid set: a missing period is what
#: PeriodFinder fills in.
MAY_BE_MISSING = ("period",)
#: Entry points that do not use the period (PeriodFinder searches bad ones).
NO_PERIOD_NEEDED = ("LightCurves()", "PeriodFinder", "DuplicateAugmenter")
#: Entry points for which an empty set is a valid input (an empty result).
EMPTY_IS_FINE = ("LightCurves()", "LightCurveCleaner", "PeriodFinder", "PeriodicFeatures")
PREDICTING = (".predict_proba", ".predict", ".transform")


# -------------------------------------------------------------- outcomes
def _first_words(text, n=12):
    words = " ".join(str(text).split()).split(" ")
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def _raised_in(exc):
    """Who raised ``exc``: "vsaug", "library" (scikit-learn, imbalanced-learn) or "other"."""
    frames = traceback.extract_tb(exc.__traceback__)
    inner = frames[-1].filename if frames else ""
    if inner.startswith(VSAUG_DIR) or type(exc).__module__.startswith(
            ("vsaug", "sklearn.utils._param_validation")):
        return "vsaug"
    return "library" if any(f"{os.sep}{lib}{os.sep}" in inner for lib in ("sklearn", "imblearn")) \
        else "other"


def _finite(result):
    if isinstance(result, tuple):
        return all(_finite(r) for r in result if not isinstance(r, np.ndarray) or
                   r.dtype.kind in "fiub")
    if isinstance(result, LightCurves):
        numbers = result.meta.drop(columns=list(MAY_BE_MISSING), errors="ignore")
        numbers = numbers.select_dtypes("number").to_numpy(dtype=float)
        return all(np.isfinite(a).all() for a in (result.time, result.mag, result.err, numbers))
    if isinstance(result, np.ndarray) and result.dtype.kind in "fc":
        return bool(np.isfinite(result).all())
    return True


def _no_period_warned(result, warned):
    """PeriodFinder's documented answer for a curve without a period: NaN, and a warning naming it."""
    if not isinstance(result, LightCurves) or not any("1002" in str(w.message) for w in warned):
        return False
    rest = result.meta.drop(columns=["period", "period_power", "period_fap"], errors="ignore")
    return _finite(result.with_points(meta=rest))


def judge(call, invalid):
    """Run ``call``; return (outcome text, verdict: "ok", "library" or "PROBLEM")."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - classifying every failure is the point
            text = f"{type(exc).__name__}: {_first_words(exc)}"
            where = _raised_in(exc) if isinstance(exc, CLEAR_TYPES) else "other"
            if where == "vsaug":
                return "clear error " + text, "ok"
            if where == "library":
                return "error from scikit-learn/imbalanced-learn " + text, "library"
            return "UNCLEAR error " + text, "PROBLEM"
    ours = [w for w in caught if not issubclass(w.category, (DeprecationWarning, RuntimeWarning))
            or str(w.filename).startswith(VSAUG_DIR)]
    note = f"; warning: {_first_words(ours[0].message, 10)}" if ours else ""
    if not _finite(result):
        if _no_period_warned(result, ours):
            return "NaN period, warning naming the star" + note, "ok"
        return "NON-FINITE output" + note, "PROBLEM"
    if invalid:
        return "ACCEPTED invalid input, finite output" + note, "PROBLEM"
    return "finite output" + note, "ok"


def judge_cli(argv):
    """Run a ``vsaug`` command in-process; (outcome, is it a problem)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = cli(argv)
        except SystemExit as exc:
            status = exc.code
        except Exception as exc:  # noqa: BLE001
            return f"TRACEBACK {type(exc).__name__}: {_first_words(exc)}", "PROBLEM"
    lines = [l for l in err.getvalue().splitlines() if l.strip() and "error" in l.lower()]
    if status == 0:
        return "ACCEPTED (exit 0)", "PROBLEM"
    text = _first_words(lines[-1] if lines else "(no message)", 16)
    clear = lines and "Traceback" not in err.getvalue()
    return f"exit {status}: {text}", "ok" if clear else "PROBLEM"


# ----------------------------------------------------------------- data
def base_data():
    X, y = make_light_curves(48, classes=CLASSES, weights={"RRab": 3, "Ecl": 2, "LPV": 1},
                             n_points=(30, 50), random_state=0)
    X.meta["id"] = np.arange(len(X)) + 1000
    return X, np.asarray(y)


def _edit(X, column, value, point=3):
    arrays = {name: getattr(X, name).copy() for name in ("time", "mag", "err")}
    lo, hi = X.offsets[BAD], X.offsets[BAD + 1]
    arrays[column][lo + point if point is not None else slice(lo, hi)] = value
    return LightCurves(arrays["time"], arrays["mag"], arrays["err"], X.offsets, X.meta,
                       validate=False)


def _resize(X, n):
    lengths = X.lengths.copy()
    keep = np.ones(X.n_points, dtype=bool)
    keep[X.offsets[BAD] + n:X.offsets[BAD + 1]] = False
    lengths[BAD] = n
    return LightCurves(X.time[keep], X.mag[keep], X.err[keep], np.r_[0, np.cumsum(lengths)],
                       X.meta, validate=False)


def _all_phases_equal(X):
    period = X.meta["period"].iloc[BAD]
    n = X.lengths[BAD]
    return _edit(X, "time", 55000.0 + period * np.arange(n) * 7, point=None)


def _period(X, value):
    meta = X.meta.copy()
    meta.loc[BAD, "period"] = value
    return X.with_points(meta=meta, validate=False)


#: kind -> (make X from the base set, is the input invalid)
DATA_KINDS = {
    "NaN in time": (lambda X: _edit(X, "time", np.nan), True),
    "NaN in mag": (lambda X: _edit(X, "mag", np.nan), True),
    "NaN in err": (lambda X: _edit(X, "err", np.nan), True),
    "inf in time": (lambda X: _edit(X, "time", np.inf), True),
    "inf in mag": (lambda X: _edit(X, "mag", -np.inf), True),
    "inf in err": (lambda X: _edit(X, "err", np.inf), True),
    "err = 0": (lambda X: _edit(X, "err", 0.0), True),
    "err < 0": (lambda X: _edit(X, "err", -0.1), True),
    "err 1e-300 (whole star)": (lambda X: _edit(X, "err", 1e-300, None), False),
    "err 1e154 (whole star)": (lambda X: _edit(X, "err", 1e154, None), False),
    "err 3e154 (whole star)": (lambda X: _edit(X, "err", 3e154, None), False),
    "0 points": (lambda X: _resize(X, 0), True),
    "3 points": (lambda X: _resize(X, 3), True),
    "all times equal": (lambda X: _edit(X, "time", 55000.0, None), False),
    "constant mag": (lambda X: _edit(X, "mag", 15.0, None), False),
    "all phases equal": (_all_phases_equal, False),
    "period 0": (lambda X: _period(X, 0.0), "period"),
    "period < 0": (lambda X: _period(X, -1.5), "period"),
    "period NaN": (lambda X: _period(X, np.nan), "period"),
    "empty LightCurves": (lambda X: X[[]], "empty"),
}


def is_invalid(flag, entry):
    """Whether a kind's input is invalid for this entry point."""
    if flag == "period":
        return not entry.startswith(NO_PERIOD_NEEDED)
    if flag == "empty":
        # no curves to predict is an empty result everywhere; fitting on none is an error
        return not (entry.startswith(EMPTY_IS_FINE) or entry.endswith(PREDICTING))
    return flag


def _mixed(y):
    y = y.astype(object)
    y[BAD] = 7
    return y


#: kind -> labels from the base labels (all invalid)
LABEL_KINDS = {
    "mixed-type labels (str and int)": _mixed,
    "None label": lambda y: np.where(np.arange(y.size) == BAD, None, y.astype(object)),
    "single-class y": lambda y: np.full(y.size, "RRab"),
}


# ----------------------------------------------------------- estimators
def _ensemble():
    member = make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=10))
    return BaggingAugmentedEnsemble(member, augmenter="duplicate", n_estimators=2,
                                    samples_per_class=16, random_state=0)


def _rnn():
    return MultiInputRNNClassifier((4,), dense_units=(8,), scalar_units=(4,), epochs=1,
                                   random_state=0)


def _compound():
    return CompoundRNNCNNClassifier(_rnn(), image_size=16, conv_blocks=(((2, 3),),),
                                    cnn_dense_units=(4,), epochs=1, random_state=0)


#: estimator name -> (factory, needs y, how it is called: fit_transform or fit_resample)
ESTIMATORS = {
    "LightCurveCleaner": (LightCurveCleaner, False, "fit_transform"),
    "PeriodFinder": (lambda: PeriodFinder(overwrite=True), False, "fit_transform"),
    "PeriodicFeatures": (PeriodicFeatures, False, "fit_transform"),
    "GPLightCurveAugmenter": (lambda: GPLightCurveAugmenter(random_state=0), True,
                              "fit_resample"),
    "DuplicateAugmenter": (lambda: DuplicateAugmenter(random_state=0), True, "fit_resample"),
    "BaggingAugmentedEnsemble": (_ensemble, True, "fit"),
    "MultiInputRNNClassifier": (_rnn, True, "fit"),
    "CompoundRNNCNNClassifier": (_compound, True, "fit"),
}


def entry_points(X0, y0, networks):
    """name -> call(X, y) of every data entry point (classifiers fitted on the base set)."""
    calls = {"LightCurves()": lambda X, y: LightCurves(X.time, X.mag, X.err, X.offsets, X.meta)}
    for name, (make, needs_y, method) in ESTIMATORS.items():
        if not networks and "RNN" in name:
            continue
        if method == "fit":
            fitted = make().fit(X0, y0)
            calls[f"{name}.fit"] = lambda X, y, make=make: make().fit(X, y)
            calls[f"{name}.predict_proba"] = lambda X, y, m=fitted: m.predict_proba(X)
        elif needs_y:
            calls[f"{name}.{method}"] = lambda X, y, make=make, m=method: getattr(make(), m)(X, y)
        else:
            calls[f"{name}.{method}"] = lambda X, y, make=make, m=method: getattr(make(), m)(X)
    return calls


# ------------------------------------------------------------ container
def container_probes(X0):
    """(kind, entry, call, invalid) of indexing and with_points misuse."""
    n = X0.n_points
    return [
        ("X[True]", "LightCurves.__getitem__", lambda: X0[True], True),
        ("X[False]", "LightCurves.__getitem__", lambda: X0[False], True),
        ("float index", "LightCurves.__getitem__", lambda: X0[[0.5]], True),
        ("mask of wrong length", "LightCurves.__getitem__", lambda: X0[np.ones(3, bool)], True),
        ("index out of range", "LightCurves.__getitem__", lambda: X0[len(X0)], True),
        ("with_points: wrong length", "LightCurves.with_points",
         lambda: X0.with_points(mag=np.zeros(n - 1)), True),
        ("with_points: strings", "LightCurves.with_points",
         lambda: X0.with_points(mag=np.full(n, "bright")), True),
        ("with_points: NaN mag", "LightCurves.with_points",
         lambda: X0.with_points(mag=np.full(n, np.nan)), True),
        ("with_points: 2-d err", "LightCurves.with_points",
         lambda: X0.with_points(err=np.ones((n, 1))), True),
        ("offsets not ending at n_points", "LightCurves()",
         lambda: LightCurves(X0.time, X0.mag, X0.err, X0.offsets[:-1]), True),
        ("decreasing offsets", "LightCurves()",
         lambda: LightCurves(X0.time, X0.mag, X0.err, X0.offsets[::-1]), True),
        ("not light curves (ndarray)", "PeriodicFeatures.fit",
         lambda: PeriodicFeatures().fit(np.ones((5, 3))), True),
    ]


# ---------------------------------------------------------- model files
class _Payload:
    """Unpickling this would create ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def _rewrite_zip(good, bad, edit):
    """Copy the zip ``good`` to ``bad``; ``edit(name, data)`` returns new data or None to drop."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            data = edit(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)
    return bad


def _manifest_edit(change):
    def edit(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest)
    return edit


def _object_npy(name, data):
    if not (name.startswith("m") and name.endswith(".npy")):
        return data
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def model_files(folder, good):
    """kind -> path of a bad model file; the marker file appears if any code ran."""
    marker = folder / "CODE-RAN"
    import joblib

    pickled = folder / "pickle.vsaug"
    joblib.dump(_Payload(marker), pickled)
    truncated = folder / "truncated.vsaug"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = folder / "text.vsaug"
    text.write_text("id,period\n1,0.5\n")
    unknown = _rewrite_zip(good, folder / "unknown.vsaug", _manifest_edit(
        lambda m: m.update({"classes": m["classes"] + ["subprocess.Popen"]})))
    future = _rewrite_zip(good, folder / "future.vsaug", _manifest_edit(
        lambda m: m.update({"format_version": 99})))
    no_manifest = _rewrite_zip(good, folder / "nomanifest.vsaug",
                               lambda n, d: None if n == "manifest.json" else d)
    object_array = _rewrite_zip(good, folder / "objectnpy.vsaug", _object_npy)
    return marker, {
        "pickle payload in a .vsaug": pickled, "truncated .vsaug": truncated,
        "text file as model": text, "unknown class in manifest": unknown,
        "format_version 99": future, "zip without manifest": no_manifest,
        "object array member (needs pickle)": object_array,
        "missing model file": folder / "absent.vsaug", "folder as model file": folder,
    }


# ------------------------------------------------------------- commands
def cli_probes(folder, good, bad_models):
    """(kind, argv) of ``vsaug`` command misuse."""
    data, readonly = str(folder / "crts"), "/sys/vsaug-probe"  # EACCES even for root
    nan_data = folder / "crts-nan"
    shutil.copytree(folder / "crts", nan_data)
    table = pd.read_parquet(nan_data / "lightcurves.parquet")
    table.loc[5, "mag"] = np.nan
    table.to_parquet(nan_data / "lightcurves.parquet")
    fit = ["fit", "--profile", "demo", "--n-bags", "1", "--samples-per-class", "10", "-q"]
    probes = [
        ("read-only --out", ["fit", "--data", data, "--out", f"{readonly}.vsaug", "-q"]),
        ("--out is a folder", ["fit", "--data", data, "--out", str(folder), "-q"]),
        ("missing data folder", fit + ["--data", str(folder / "nowhere"),
                                       "--out", str(folder / "m.vsaug")]),
        ("NaN mag in lightcurves.parquet", fit + ["--data", str(nan_data),
                                                  "--out", str(folder / "m2.vsaug")]),
        ("--samples-per-class 0", ["fit", "--data", data, "--samples-per-class", "0"]),
        ("read-only --out", ["predict", "--model", str(good), "--data", data,
                             "--out", f"{readonly}.csv", "-q"]),
        ("read-only --out", ["evaluate", "--model", str(good), "--data", data,
                             "--out", readonly]),
        ("unknown --time column", ["predict", "--model", str(good), "--data", data,
                                   "--time", "t", "--out", str(folder / "p.csv"), "-q"]),
    ]
    for kind in ("pickle payload in a .vsaug", "truncated .vsaug", "unknown class in manifest",
                 "missing model file"):
        probes.append((kind, ["predict", "--model", str(bad_models[kind]), "--data", data,
                              "--out", str(folder / "p2.csv"), "-q"]))
    return probes


# ----------------------------------------------------------------- main
def probe_all(networks):
    X0, y0 = base_data()
    rows = []
    entries = entry_points(X0, y0, networks)
    for kind, (make_x, invalid) in DATA_KINDS.items():
        X = make_x(X0)
        y = y0[: len(X)]  # the empty set gets no labels
        for entry, call in entries.items():
            rows.append((kind, entry, *judge(lambda c=call: c(X, y), is_invalid(invalid, entry))))
    for kind, make_y in LABEL_KINDS.items():
        for entry, call in entries.items():
            if entry.endswith((".fit", "fit_resample")) and "PeriodicFeatures" not in entry:
                rows.append((kind, entry, *judge(lambda c=call: c(X0, make_y(y0)), True)))
    rows += [(kind, entry, *judge(call, invalid)) for kind, entry, call, invalid
             in container_probes(X0)]
    with tempfile.TemporaryDirectory() as tmp:
        rows += file_and_command_probes(Path(tmp), X0, y0)
    return rows


def file_and_command_probes(folder, X0, y0):
    write_crts_folder(X0, y0, folder / "crts")
    good = vsaug.save(make_pipeline(LightCurveCleaner(), _ensemble()).fit(X0, y0),
                      folder / "good.vsaug")
    marker, bad_models = model_files(folder, good)
    rows = []
    for kind, path in bad_models.items():
        outcome, problem = judge(lambda p=path: vsaug.load(p), True)
        if marker.exists():
            outcome, problem = "CODE RAN: " + outcome, "PROBLEM"
        rows.append((kind, "vsaug.load", outcome, problem))
    for kind, argv in cli_probes(folder, good, bad_models):
        outcome, problem = judge_cli(argv)
        if marker.exists():
            outcome, problem = "CODE RAN: " + outcome, "PROBLEM"
        rows.append((kind, f"vsaug {argv[0]}", outcome, problem))
    return rows


def _table(rows):
    print("| kind | entry point | outcome |\n|---|---|---|")
    for kind, entry, outcome, _ in rows:
        print(f"| {kind} | `{entry}` | {outcome.replace('|', '/')} |")
    print()


def report(rows, seconds, command):
    by = {v: [r for r in rows if r[3] == v] for v in ("ok", "library", "PROBLEM")}
    print("# Bad input: what every vsaug entry point does with it\n")
    print(f"Printed by `{command}` ({seconds:.0f} s; see the script's docstring for the "
          "categories).\n")
    print(f"**{len(rows)} probes over {len({r[0] for r in rows})} kinds of bad input and "
          f"{len({r[1] for r in rows})} entry points: {len(by['ok'])} refused clearly by vsaug "
          f"(or, for valid but extreme input, finite output); {len(by['library'])} refused by "
          f"scikit-learn's or imbalanced-learn's own check; {len(by['PROBLEM'])} problems "
          "(garbage accepted, non-finite output, or a numpy/other error).**\n")
    for title, verdict in (("Problems", "PROBLEM"), ("Refused by scikit-learn or "
                                                     "imbalanced-learn", "library")):
        if by[verdict]:
            print(f"## {title}\n")
            _table(by[verdict])
    print("## Every probe\n")
    _table(rows)


def main(argv):
    networks = "--no-networks" not in argv
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # progress bars, TensorFlow's logs
        rows = probe_all(networks)
    command = "OMP_NUM_THREADS=1 nice -n 10 python benchmarks/probe_bad_input.py" + \
        ("" if networks else " --no-networks")
    report(rows, time.perf_counter() - started, command)


if __name__ == "__main__":
    main(sys.argv[1:])
