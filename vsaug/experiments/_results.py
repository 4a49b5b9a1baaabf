"""Scores, ``metrics.json``, figures and the report of a run, from the members' predictions."""

from __future__ import annotations

import hashlib
import os
import platform
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from .._ragged import segment_mean
from ..gp import param_columns
from ..metrics import bootstrap_scores, classification_summary, confusion_matrices
from ._profiles import EXPERIMENTS, PAPER_RESULTS, stage_seed
from ._report import confusion_png, render_report, slug
from ._stages import save_npz, write_json

__all__ = ["RunData", "collect_results", "write_outputs", "fingerprint"]

BLEND = "rnn+fast"


@dataclass
class RunData:
    """What one session of a run works on, after the shared stages."""

    y: np.ndarray  # labels of the kept stars
    ids: np.ndarray  # their catalogue ids (or positions)
    split: dict
    classes: np.ndarray  # sorted, the column order of every probability
    labels: np.ndarray  # display order
    train: tuple
    val: tuple  # augmented
    test: tuple
    gp: object  # the fitted augmenter of the training part


def fingerprint(X, y):
    """A short hash of the curves and labels, to tell a run's data apart."""
    digest = hashlib.sha1()
    for array in (X.offsets, X.time, X.mag, X.err):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\x1f".join(map(str, y)).encode())
    return digest.hexdigest()[:16]


def display_order(classes):
    """CRTS classes largest first (as the paper lists them); others sorted."""
    from ..datasets import CRTS_CLASSES

    known = [c for c in CRTS_CLASSES if c in set(classes)]
    return np.asarray(known + sorted(c for c in classes if c not in CRTS_CLASSES), dtype=object)


def machine():
    """Where the run ran, for the report."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    packages = {}
    for name in ("vsaug", "numpy", "scikit-learn", "keras", "tensorflow-cpu", "tensorflow", "george"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            continue
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "packages": packages}


def _scores(data, y_true, proba):
    with warnings.catch_warnings():
        # A small class may be absent from the validation part.
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
        return classification_summary(y_true, data.classes[np.argmax(proba, axis=1)],
                                      data.labels)


def _experiment_result(data, title, members, seed):
    y_val, y_test = data.val[1], data.test[1]
    per_bag = []
    for bag, p in enumerate(members):
        val, test = _scores(data, y_val, p["val_proba"]), _scores(data, y_test, p["test_proba"])
        per_bag.append({"bag": bag, "val_balanced_accuracy": val.balanced_accuracy,
                        "test_balanced_accuracy": test.balanced_accuracy,
                        "test_macro_f1": test.macro_f1})
    proba = np.mean([p["test_proba"] for p in members], axis=0)
    val_proba = np.mean([p["val_proba"] for p in members], axis=0)
    y_pred = data.classes[np.argmax(proba, axis=1)]
    recall_view, precision_view = confusion_matrices(y_test, y_pred, data.labels)
    interval = bootstrap_scores(y_test, y_pred, labels=data.labels, random_state=seed)
    return {
        "title": title,
        "n_members": len(members),
        "test": _scores(data, y_test, proba).to_dict(),
        "test_interval": {score: [float(row["low"]), float(row["high"])]
                          for score, row in interval.iterrows()},
        "val_balanced_accuracy": _scores(data, y_val, val_proba).balanced_accuracy,
        "per_bag": per_bag,
        "recall_view": recall_view,
        "precision_view": precision_view,
    }, proba


def collect_results(data, predictions, *, settings, profile, timings, command, seed):
    """The content of ``metrics.json`` and the ensembles' test probabilities."""
    experiments, probas = {}, {}
    for name, members in predictions.items():
        bags = f"{len(members)} bag" + ("s" if len(members) != 1 else "")
        title = EXPERIMENTS[name].title.format(bags=bags)
        experiments[name], probas[name] = _experiment_result(data, title, members, seed)
    if "rnn" in predictions and "fast" in predictions:
        blended = [{k: 0.5 * (a[k] + b[k]) for k in a}
                   for a, b in zip(predictions["rnn"], predictions["fast"])]
        title = "blend: mean of the RNN and fast ensembles"
        experiments[BLEND], probas[BLEND] = _experiment_result(data, title, blended, seed)
        experiments[BLEND]["per_bag"] = []
    counts = {part: {str(c): int(np.sum(data.y[data.split[part]] == c)) for c in data.labels}
              for part in ("train", "val", "test")}
    counts["val_augmented"] = {str(c): int(np.sum(data.val[1] == c)) for c in data.labels}
    results = {
        "settings": settings,
        "profile": profile.name,
        "n_bags": profile.n_bags,
        "classes": [str(c) for c in data.labels],
        "counts": counts,
        "experiments": experiments,
        "paper": {k: {"balanced_accuracy": v[0], "macro_f1": v[1]}
                  for k, v in PAPER_RESULTS.items()},
        "timings": timings,
        "machine": machine(),
        "command": command,
    }
    return results, probas


def write_outputs(out, data, results, probas, *, seed, data_label):
    """Figures, ``test_predictions.npz``, ``metrics.json`` and ``report.md``, each atomically."""
    out = Path(out)
    figures = out / "figures"
    for name, result in results["experiments"].items():
        for view in ("recall", "precision"):
            confusion_png(result[f"{view}_view"], data.labels, view,
                          f"{result['title']}: {view} view", figures / f"{slug(name)}_{view}.png")
    results["gp_example"] = _gp_example(data, figures / "gp_example.png", seed)
    arrays = {f"proba_{slug(k)}": v for k, v in probas.items()}
    save_npz({"id": np.asarray(data.ids)[data.split["test"]],
              "y_true": data.test[1].astype(str), "classes": data.classes.astype(str),
              **arrays}, out / "test_predictions.npz")
    write_json(results, out / "metrics.json")
    report = render_report(results, data=data_label)
    atomic_write(out / "report.md", lambda p: Path(p).write_text(report))


def _gp_example(data, path, seed):
    """The method's figure for one prototype of the smallest fitted class."""
    from matplotlib.figure import Figure

    from ..plotting import plot_gp_augmentation

    params = data.gp.gp_params_
    if len(params) == 0:
        return None
    train_X, train_y = data.train
    fitted = np.asarray(params.index)
    classes, counts = np.unique(train_y[fitted], return_counts=True)
    members = fitted[train_y[fitted] == classes[np.argmin(counts)]]
    # The clearest curve of that class: largest GP amplitude over mean error.
    # A george kernel scaled by a constant (a**2 * k) lists log(a**2) first.
    log_amp2 = param_columns(data.gp.kernel_)[0]
    mean_err = segment_mean(train_X.err, train_X.offsets)[members]
    snr = params.loc[members, log_amp2].to_numpy() - 2 * np.log(mean_err)
    index = int(members[np.argmax(snr)])
    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    plot_gp_augmentation(data.gp, index, random_state=stage_seed(seed, "resample", 3),
                         ax=fig.add_subplot())
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    return {"figure": f"figures/{path.name}", "class": str(train_y[index])}
