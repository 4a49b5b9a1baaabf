"""``vsaug demo``: the method at work on the embedded synthetic stars, in minutes.

:func:`run_demo` makes CRTS-like light curves with
:func:`vsaug.datasets.make_light_curves`, cleans them, splits them 6:1:3
(train, validation, test, stratified) and trains three models on the same
training part:

- a **baseline**: Fourier features (:class:`~vsaug.PeriodicFeatures`) and
  gradient boosting with ``class_weight="balanced"``, no augmentation;
- the **fast model**: the same pipeline in a
  :class:`~vsaug.BaggingAugmentedEnsemble` of class-balanced bags whose small
  classes are topped up with GP synthetics;
- an **RNN ensemble**: small :class:`~vsaug.MultiInputRNNClassifier`
  members in the same kind of bags, each keeping its best epoch on the
  GP-augmented validation part.

All three are scored on the never-augmented test part against each other
(balanced accuracy, macro F1 and the lowest recall of any class), not
against the paper's CRTS figures: the synthetic stars are easier and
smaller than CRTS. The demo writes ``report.md``, ``metrics.json`` and both
confusion views of every model to its output folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["run_demo", "demo_class_weights"]

#: The RNN members' settings, chosen on the demo's own validation part
#: (1,500 stars, seed 0, 3 bags of 100 curves per class). The former demo
#: profile (GRUs of 8 units, 3 epochs, batches of 32) left the largest
#: class, Ecl, at zero recall; batches of 16 (four times the optimiser
#: steps for the same work) with GRUs of 32 units reached a validation
#: balanced accuracy of 0.570 in 6 epochs (Ecl recall 0.06), 0.626 in 12
#: (lowest recall 0.38, Rot); batches of 32 at a learning rate of 1e-2 for
#: 10 epochs 0.612, Ecl at 0 (``benchmarks/README.md``, the demo section).
RNN_PARAMS = dict(gru_units=(32, 32), dense_units=(64, 32), scalar_units=(16, 16),
                  dropout=0.1, label_smoothing=0.1, learning_rate=3e-3, batch_size=16,
                  epochs=12)

#: Smallest share of a class in the demo's synthetic catalogue.
DEMO_CLASS_FLOOR = 0.03

MODEL_TITLES = {
    "baseline": "baseline: features + gradient boosting, balanced class weights, no augmentation",
    "fast": "fast model: features + gradient boosting, GP-augmented bags",
    "rnn": "RNN ensemble: multi-input RNNs, GP-augmented bags",
}


def quiet_tensorflow(verbose):
    """Keep TensorFlow's start-up lines and retracing warnings out of the output.

    Must run before TensorFlow is imported to silence its C++ logging; with
    ``verbose >= 2`` it changes nothing.
    """
    if verbose >= 2:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"   # C++ INFO/WARNING/ERROR lines (oneDNN, cuda)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)   # "tf.function retracing"
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(tensorflow|keras|absl)(\.|$)")
    if "tensorflow" not in sys.modules:
        # TensorFlow >= 2.20 logs through absl at import (the oneDNN line,
        # "All log messages before absl::InitializeLog()"), written straight
        # to file descriptor 2 whatever TF_CPP_MIN_LOG_LEVEL says.
        with _stderr_to_devnull():
            import tensorflow  # noqa: F401


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null (C and C++ writes too), then restore it."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def demo_class_weights(floor=DEMO_CLASS_FLOOR):
    """CRTS class proportions with every class raised to at least ``floor`` of the stars.

    On CRTS's own mix four classes are 0.7% of the stars: 1,500 demo curves
    would give them 3 test stars each, too few to score (one miss is a third
    of the recall). The floor keeps the imbalance (Ecl stays the largest
    class by far) while every class gets a score worth reading.

    Parameters
    ----------
    floor : float, default=DEMO_CLASS_FLOOR
        Smallest share of a class, before renormalising.

    Returns
    -------
    dict
        ``{class: weight}`` for :func:`vsaug.datasets.make_light_curves`.

    Examples
    --------
    >>> from vsaug.demo import demo_class_weights
    >>> w = demo_class_weights()
    >>> round(w["ACEP"] / sum(w.values()), 3), max(w, key=w.get)
    (0.027, 'Ecl')
    """
    from .datasets import CRTS_CLASS_COUNTS

    total = sum(CRTS_CLASS_COUNTS.values())
    return {c: max(n / total, floor) for c, n in CRTS_CLASS_COUNTS.items()}


def _split(X, y, random_state):
    """The 6:1:3 stratified split of the method: train, validation, test."""
    from sklearn.model_selection import train_test_split

    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=random_state)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=1 / 7, stratify=y_rest, random_state=random_state)
    return (X_train, y_train), (X_val, y_val), (X_test, y_test)


def _features_model(class_weight=None):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from .features import PeriodicFeatures

    return make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(
        max_iter=100, class_weight=class_weight, random_state=0))


def _models(n_bags, samples_per_class, rnn_params, memory, n_jobs, random_state, verbose):
    """The three models of the demo, untrained, by name."""
    from .augmentation import GPLightCurveAugmenter
    from .ensemble import BaggingAugmentedEnsemble
    from .rnn import MultiInputRNNClassifier

    def bags(member):
        # Both ensembles share the GP fits through one joblib cache.
        return BaggingAugmentedEnsemble(
            member, augmenter=GPLightCurveAugmenter(memory=memory, n_jobs=n_jobs),
            n_estimators=n_bags, samples_per_class=samples_per_class,
            random_state=random_state, verbose=verbose)

    return {
        "baseline": _features_model(class_weight="balanced"),
        "fast": bags(_features_model()),
        # verbose 2 shows every epoch of every member.
        "rnn": bags(MultiInputRNNClassifier(**rnn_params, verbose=int(verbose >= 2))),
    }


def _scores(y_true, y_pred, classes):
    from .metrics import classification_summary

    summary = classification_summary(y_true, y_pred, labels=classes)
    recall = summary.per_class["recall"]
    return {
        "balanced_accuracy": float(summary.balanced_accuracy),
        "macro_f1": float(summary.macro_f1),
        "lowest_recall": float(recall.min()),
        "lowest_recall_class": str(recall.idxmin()),
        "per_class": summary.to_dict()["per_class"],
    }


def _confusion_figure(y_true, y_pred, classes, title, path):
    from matplotlib.figure import Figure

    from .plotting import plot_confusion_matrices

    n = len(classes)
    fig = Figure(figsize=(2 * (1.6 + 0.62 * n), 1.4 + 0.55 * n), layout="constrained")
    plot_confusion_matrices(y_true, y_pred, classes, axes=fig.subplots(1, 2), title=title)
    fig.savefig(path, dpi=110)


def _say(verbose, message):
    if verbose:
        print(message, flush=True)


def run_demo(out="vsaug-demo", *, n_samples=1500, n_bags=3, samples_per_class=100,
             rnn_params=None, random_state=0, n_jobs=None, verbose=1):
    """Train the baseline, the fast model and an RNN ensemble on synthetic stars.

    Parameters
    ----------
    out : str or path, default="vsaug-demo"
        Folder for ``report.md``, ``metrics.json`` and the figures (made if
        needed; files of an earlier demo are overwritten).
    n_samples : int, default=1500
        Synthetic light curves to make (CRTS class proportions, the small
        classes kept at a few per cent so that every class has test stars).
    n_bags : int, default=3
        Bags of both ensembles.
    samples_per_class : int, default=100
        Curves per class in every bag.
    rnn_params : dict, optional
        Parameters of the RNN members; default :data:`RNN_PARAMS`.
    random_state : int, default=0
        Seeds the data, the split, the bags and the networks.
    n_jobs : int, optional
        Workers for cleaning and GP fits.
    verbose : int, default=1
        0: silent; 1: one line per stage and the progress of long stages on
        stderr; 2: also every epoch, and TensorFlow's own log lines.

    Returns
    -------
    results : dict
        ``"models"``: per model name its ``"title"``, test scores
        (``balanced_accuracy``, ``macro_f1``, ``lowest_recall`` and its
        class, ``per_class``), ``"fit_seconds"`` and ``"figure"``;
        ``"data"``: the sizes of the three parts; ``"report"``: the path
        of ``report.md``; ``"seconds"``: the whole run.

    See Also
    --------
    format_summary : the short text ``vsaug demo`` prints.

    Examples
    --------
    A tiny run (seconds; the default sizes take a few minutes):

    >>> import tempfile
    >>> from vsaug.demo import run_demo, format_summary
    >>> tiny = dict(gru_units=(4, 4), dense_units=(8,), scalar_units=(8,), epochs=1)
    >>> with tempfile.TemporaryDirectory() as out:   # doctest: +SKIP
    ...     results = run_demo(out, n_samples=300, n_bags=1, samples_per_class=15,
    ...                        rnn_params=tiny, verbose=0)
    ...     print(format_summary(results))
    """
    quiet_tensorflow(verbose)
    from .cleaning import LightCurveCleaner
    from .datasets import make_light_curves

    started = time.perf_counter()
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    _say(verbose, f"making and cleaning {n_samples} synthetic light curves")
    X, y = make_light_curves(n_samples, weights=demo_class_weights(), random_state=random_state)
    X = LightCurveCleaner(n_jobs=n_jobs, verbose=verbose).fit_transform(X)
    train, validation, test = _split(X, y, random_state)
    classes = np.unique(y)
    models = _models(n_bags, samples_per_class, {**RNN_PARAMS, **(rnn_params or {})},
                     str(out / "cache"), n_jobs, random_state, verbose)
    results = {"models": {}, "data": {"train": len(train[0]), "validation": len(validation[0]),
                                      "test": len(test[0]), "classes": len(classes)}}
    for name, model in models.items():
        results["models"][name] = _train_and_score(
            name, model, train, validation, test, classes, out, verbose)
    results["seconds"] = time.perf_counter() - started
    results["report"] = str(_write_report(out, results, n_bags, samples_per_class))
    return results


def _train_and_score(name, model, train, validation, test, classes, out, verbose):
    """Fit one model, score it on the test part and draw both confusion views."""
    _say(verbose, f"training the {MODEL_TITLES[name].split(':')[0]}")
    fit_params = {"validation_data": validation} if name == "rnn" else {}
    started = time.perf_counter()
    model.fit(*train, **fit_params)
    seconds = time.perf_counter() - started
    y_pred = model.predict(test[0])
    figure = out / "figures" / f"{name}_confusion.png"
    _confusion_figure(test[1], y_pred, classes, MODEL_TITLES[name].split(":")[0], figure)
    return {"title": MODEL_TITLES[name], **_scores(test[1], y_pred, classes),
            "fit_seconds": seconds, "figure": str(figure)}


def _score_rows(results):
    for name, r in results["models"].items():
        yield (name, f"{r['balanced_accuracy']:.3f}", f"{r['macro_f1']:.3f}",
               f"{r['lowest_recall']:.2f} ({r['lowest_recall_class']})", f"{r['fit_seconds']:.0f} s")


def _write_report(out, results, n_bags, samples_per_class):
    """report.md (scores, per-class recall, figures) and metrics.json."""
    data = results["data"]
    lines = [
        "# vsaug demo", "",
        f"Synthetic CRTS-like light curves ({data['classes']} classes), stratified 6:1:3 "
        f"split: {data['train']} training, {data['validation']} validation and "
        f"{data['test']} test stars. The ensembles have {n_bags} bags of "
        f"{samples_per_class} curves per class, the small classes topped up with GP "
        "synthetics; the baseline sees the training stars as they are. Scores on the "
        "test part, which is never augmented. Synthetic stars are easier than CRTS: "
        "compare the models with each other, not with the paper.", "",
        "| model | balanced accuracy | macro F1 | lowest class recall | fit |",
        "|---|---:|---:|---:|---:|",
        *(f"| {' | '.join(row)} |" for row in _score_rows(results)), "",
        "## Recall per class", "",
    ]
    names = list(results["models"])
    per_class = {n: results["models"][n]["per_class"] for n in names}
    lines += [f"| class | {' | '.join(names)} | test stars |", "|---|" + "---:|" * (len(names) + 1)]
    for label, row in per_class[names[0]].items():
        recalls = " | ".join(f"{per_class[n][label]['recall']:.2f}" for n in names)
        lines.append(f"| {label} | {recalls} | {row['support']} |")
    lines += ["", "## Confusion matrices (recall and precision views)", ""]
    lines += [f"![{n}](figures/{Path(r['figure']).name})" for n, r in results["models"].items()]
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    (out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    return report


def format_summary(results):
    """The short summary ``vsaug demo`` prints: scores per model, where the files are.

    Parameters
    ----------
    results : dict
        What :func:`run_demo` returned.

    Returns
    -------
    str

    Examples
    --------
    >>> from vsaug.demo import format_summary
    >>> scores = dict(title="t", balanced_accuracy=0.9, macro_f1=0.8, lowest_recall=0.5,
    ...               lowest_recall_class="DSct", fit_seconds=3.0, figure="f/x.png")
    >>> print(format_summary({"models": {"baseline": scores}, "seconds": 4.0,
    ...                       "report": "out/report.md"}))
    model     balanced accuracy  macro F1  lowest class recall  fit
    baseline  0.900              0.800     0.50 (DSct)          3 s
    <BLANKLINE>
    report:  out/report.md (ran in 4 s)
    figures: f/
    """
    header = ("model", "balanced accuracy", "macro F1", "lowest class recall", "fit")
    rows = [header, *_score_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    figures = {str(Path(r["figure"]).parent) + "/" for r in results["models"].values()}
    return "\n".join([*table, "", f"report:  {results['report']} (ran in "
                      f"{results['seconds']:.0f} s)", f"figures: {', '.join(sorted(figures))}"])
