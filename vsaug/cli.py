"""The ``vsaug`` command: demo, fit, predict, evaluate, reproduce.

``vsaug demo``       trains the fast model and a small RNN ensemble on the
                     embedded synthetic data and writes a report.
``vsaug fit``        fits a model on a folder in the CRTS layout and saves it.
``vsaug predict``    writes class probabilities per star id as CSV.
``vsaug evaluate``   scores a saved model on a labelled folder.
``vsaug reproduce``  runs the paper's experiments, resumably.

A folder in the CRTS layout holds ``catalog.csv`` (one row per star: ``id``,
``period``, and for training or evaluation ``class``) and
``lightcurves.parquet`` (one row per observation: ``id``, ``mjd``, ``mag``,
``err``); see :func:`vsaug.datasets.load_crts`.

Examples
--------
>>> from vsaug.cli import main
>>> main(["--version"])  # doctest: +SKIP
vsaug 0.1.0
"""

from __future__ import annotations

import argparse
import errno
import os
import pickle
import shlex
import sys
import time
import traceback
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["main", "build_parser"]


# ------------------------------------------------------------------ parser
_EXAMPLES = """examples:
  vsaug demo --out vsaug-demo
  vsaug fit --data ../shared/crts --model fast --out fast.vsaug
  vsaug fit --data ../shared/crts --model best --out best.vsaug
  vsaug predict --model fast.vsaug --data my_stars --out probabilities.csv
  vsaug evaluate --model fast.vsaug --data labelled_stars
  vsaug reproduce --data ../shared/crts --profile fast --out runs/fast
  vsaug reproduce --experiments fast --max-per-class 200 --n-bags 2 --out runs/quick

Every command has its own --help."""

def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _experiment_list(text):
    from .experiments import EXPERIMENTS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown experiment(s) {unknown or [text]}; choose from {','.join(EXPERIMENTS)}"
        )
    return names


def _add_common(parser, *, seed=True):
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="workers for cleaning and GP fits (default: joblib's default)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _add_sizes(parser):
    from ._training import LEARNING_RATE_SCHEDULES
    from .augmentation import CADENCE_SUBSETS, ERROR_MODELS

    parser.add_argument("--n-bags", type=_positive_int, help="bags per ensemble (default: the profile's)")
    parser.add_argument("--samples-per-class", type=_positive_int,
                        help="curves per class in every bag (default: fit takes the mean class "
                             "size clipped to [100, the profile's]; reproduce the profile's)")
    parser.add_argument("--epochs", type=_positive_int, help="training epochs of the networks")
    parser.add_argument("--learning-rate-schedule", choices=LEARNING_RATE_SCHEDULES,
                        help="the networks' learning-rate schedule (default: the profile's)")
    parser.add_argument("--error-model", choices=ERROR_MODELS,
                        help="errors and noise of the GP synthetics (default: the profile's)")
    parser.add_argument("--cadence-subset", choices=CADENCE_SUBSETS,
                        help="take a synthetic's times from a donor curve's points or whole "
                             "nights (default: the profile's, points)")
    parser.add_argument("--no-clean", dest="clean", action="store_false",
                        help="skip the SuperSmoother outlier cleaning")


def build_parser():
    """The argument parser of the ``vsaug`` command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> from vsaug.cli import build_parser
    >>> args = build_parser().parse_args(["predict", "--model", "m.vsaug", "--data", "d"])
    >>> args.command, args.out
    ('predict', 'probabilities.csv')
    """
    from . import __version__
    from .experiments import EXPERIMENTS, MODELS, PROFILES, STACKED_MODELS

    parser = argparse.ArgumentParser(
        prog="vsaug",
        description="Classify periodic variable stars from their light curves "
                    "(GP augmentation, bagging ensembles, RNN and RNN+CNN networks).",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vsaug {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="train and compare small models on synthetic data",
                          description="Train a baseline (features + gradient boosting with "
                                      "balanced class weights), the fast model and a small RNN "
                                      "ensemble on the embedded synthetic light curves, score "
                                      "them on a held-out test part and write a report.")
    demo.add_argument("--out", default="vsaug-demo", help="output folder (default: vsaug-demo)")
    demo.add_argument("--n-samples", type=_positive_int, default=1500,
                      help="synthetic light curves to generate (default: 1500)")
    demo.add_argument("--n-bags", type=_positive_int, default=3,
                      help="bags of both ensembles (default: 3)")
    demo.add_argument("--samples-per-class", type=_positive_int, default=100,
                      help="curves per class in every bag (default: 100)")
    demo.add_argument("--epochs", type=_positive_int,
                      help="training epochs of the RNN members (default: vsaug.demo.RNN_PARAMS)")
    demo.add_argument("-v", "--verbose", action="count", default=0,
                      help="show every epoch and TensorFlow's own log lines")
    _add_common(demo)

    fit = sub.add_parser("fit", help="fit a model on a labelled folder and save it",
                         description="Fit a cleaning + bagging-ensemble model on a folder in "
                                     "the CRTS layout and save it.")
    fit.add_argument("--data", required=True, help="folder with catalog.csv and lightcurves.parquet")
    fit.add_argument("--model", choices=list(MODELS) + list(STACKED_MODELS), default="fast",
                     help="a bagged member kind (a key of vsaug.experiments.MODELS) or 'best', "
                          "the recommended stacked model (vsaug.experiments.BEST_MEMBERS: "
                          "feature models and an RNN ensemble) (default: fast)")
    fit.add_argument("--profile", choices=sorted(PROFILES), default="fast",
                     help="hyperparameter profile (default: fast)")
    fit.add_argument("--out", default="model.vsaug", help="model file (default: model.vsaug)")
    _add_sizes(fit)
    _add_common(fit)

    predict = sub.add_parser(
        "predict", help="classify every star of a catalogue, streamed chunk by chunk",
        description="Classify every star of a long observation table (one row per "
                    "observation: a Parquet file, a folder of Parquet files, or CSV) or of a "
                    "folder in the CRTS layout, chunk by chunk with bounded memory. Periods "
                    "come from --catalog / --period or are searched. Writes one row per star: "
                    "id, predicted_class, one probability column per class, period, "
                    "period_source, period_fap, n_points, n_valid and reason (why a star "
                    "could not be classified). An interrupted run resumes where it stopped.")
    predict.add_argument("--model", required=True, help="a file written by vsaug fit")
    predict.add_argument("--data", required=True,
                         help="folder with catalog.csv and lightcurves.parquet, or the "
                              "observations: a .parquet/.csv file or a folder of them")
    predict.add_argument("--catalog", help="per-star table (CSV or Parquet) with the id and "
                                           "period columns; when given, it lists the stars")
    predict.add_argument("--out", default="probabilities.csv",
                         help="a .csv or .parquet file, or a folder of Parquet part files "
                              "(default: probabilities.csv)")
    for name, default in (("id", "id"), ("time", "mjd"), ("mag", "mag"), ("err", "err")):
        predict.add_argument(f"--{name}", default=default,
                             help=f"column of the {name} (default: {default})")
    predict.add_argument("--period", help="column of the period in days (default: 'period' "
                                          "of the catalogue; none: every period is searched)")
    predict.add_argument("--chunk-stars", type=_positive_int, default=5000,
                         help="stars per chunk: the unit of memory and resumption (default: 5000)")
    predict.add_argument("--max-fap", type=float,
                         help="leave stars whose searched period has a higher false-alarm "
                              "probability unclassified")
    predict.add_argument("--min-time", type=float,
                         help="drop observations at or before this time (default: 0 for a "
                              "CRTS-layout folder, whose missing dates are negative MJDs)")
    predict.add_argument("--scheduler", metavar="ADDRESS",
                         help="classify the chunks on this Dask scheduler (tcp://host:8786)")
    predict.add_argument("--restart", action="store_true",
                         help="start again instead of resuming an unfinished run")
    _add_common(predict, seed=False)

    evaluate = sub.add_parser("evaluate", help="score a saved model on a labelled folder",
                              description="Score a saved model on a labelled folder: print the "
                                          "metrics, write metrics.json and both confusion views.")
    evaluate.add_argument("--model", required=True, help="a file written by vsaug fit")
    evaluate.add_argument("--data", required=True, help="labelled folder in the CRTS layout")
    evaluate.add_argument("--out", default="vsaug-evaluation",
                          help="folder for metrics.json and the PNGs (default: vsaug-evaluation)")

    reproduce = sub.add_parser("reproduce", help="run the paper's experiments (resumable)",
                               description="Run the paper's experiments on a CRTS-layout folder "
                                           "with a stratified 6:1:3 split. Rerunning with the "
                                           "same --out resumes from the files already saved.")
    reproduce.add_argument("--data", default="../shared/crts",
                           help="CRTS-layout folder (default: ../shared/crts)")
    reproduce.add_argument("--profile", choices=sorted(PROFILES), default="fast",
                           help="paper: the paper's hyperparameters; fast: the recommended CPU "
                                "setting; demo: tiny networks (default: fast)")
    reproduce.add_argument("--out", default=None,
                           help="run folder (default: runs/<profile>)")
    reproduce.add_argument("--experiments", type=_experiment_list, default=list(EXPERIMENTS),
                           help=f"comma-separated subset of {','.join(EXPERIMENTS)} (default: all)")
    reproduce.add_argument("--max-per-class", type=_positive_int,
                           help="keep at most this many stars per class, for a quick run")
    reproduce.add_argument("--publish", metavar="DIR",
                           help="also copy report.md, metrics.json and the figures to DIR "
                                "(e.g. docs/results)")
    reproduce.add_argument("-v", "--verbose", action="store_true",
                           help="also show every GP fit batch and training epoch as it runs "
                                "(progress.log gets one line per epoch either way)")
    _add_sizes(reproduce)
    _add_common(reproduce)
    return parser


# ------------------------------------------------------------------ folders
def _read_folder(path, *, labelled):
    """Light curves (and labels) of a CRTS-layout folder, full or lean catalogue."""
    from .datasets import read_survey

    return read_survey(path, format="crts", labelled=labelled)


# ----------------------------------------------------------------- commands
def _say(args, message):
    if not args.quiet:
        print(message, flush=True)


def _cmd_demo(args, command):
    from .demo import format_summary, run_demo

    rnn_params = {} if args.epochs is None else {"epochs": args.epochs}
    # -q hides the stage lines and progress bars, never the scores.
    results = run_demo(args.out, n_samples=args.n_samples, n_bags=args.n_bags,
                       samples_per_class=args.samples_per_class, rnn_params=rnn_params,
                       random_state=args.seed, n_jobs=args.n_jobs,
                       verbose=0 if args.quiet else 1 + min(args.verbose, 1))
    print(format_summary(results), flush=True)
    return 0


def _print_results(args, results):
    for name, result in results["experiments"].items():
        test = result["test"]
        _say(args, f"{result['title']}: balanced accuracy {test['balanced_accuracy']:.3f}, "
                   f"macro F1 {test['macro_f1']:.3f}")


def _check_writable(path):
    """Fail now, not after hours of training, if ``path`` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    probe = path.with_name(f".{path.name}.probe{os.getpid()}")
    try:
        probe.write_bytes(b"")  # os.access says yes to root on read-only mounts: really try
        probe.unlink()
    except OSError as exc:  # name the user's file, not the probe
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


#: The smallest bag size ``vsaug fit`` chooses by itself (curves per class):
#: fewer leave the member too little to learn from.
MIN_AUTO_BAG = 100


def _bag_size(y, default, minimum=MIN_AUTO_BAG):
    """Curves per class in every bag, scaled to the data: mean class size, clipped.

    A bag then holds about as many curves as the training set (``n_classes``
    times the mean class size), so a small catalogue does not train on bags
    that are mostly synthetic. The result is clipped to
    ``[min(minimum, default), default]``: never above the profile's size
    (which is tuned for CRTS, whose ~30,000 stars over 11 classes give a
    mean of ~2,700, above its 1,875), never so small that a member cannot learn.

    Parameters
    ----------
    y : array-like of shape (n_stars,)
        The class labels.
    default : int
        The profile's ``samples_per_class``.
    minimum : int, default=MIN_AUTO_BAG

    Returns
    -------
    int

    Examples
    --------
    >>> _bag_size(["a"] * 2400 + ["b"] * 500 + ["c"] * 100, 1875)
    1000
    >>> _bag_size(["a"] * 20000 + ["b"] * 10000, 1875)
    1875
    >>> _bag_size(["a"] * 60 + ["b"] * 30, 1875)
    100
    """
    _, counts = np.unique(np.asarray(y), return_counts=True)
    mean = int(round(counts.mean()))
    return int(np.clip(mean, min(minimum, default), default))


def _fit_bag_size(args, y):
    """``--samples-per-class`` if given, else :func:`_bag_size`; says which."""
    from .experiments._profiles import resolve_profile

    if args.samples_per_class is not None:
        return args.samples_per_class
    default = resolve_profile(args.profile).samples_per_class
    chosen = _bag_size(y, default)
    _say(args, f"bags of {chosen} curves per class (the mean class size of the data, clipped "
               f"to [{min(MIN_AUTO_BAG, default)}, {default}], the {args.profile} profile's "
               "size); set --samples-per-class to choose")
    return chosen


def _cmd_fit(args, command):
    from .experiments import make_model
    from .persistence import save

    _check_writable(args.out)
    X, y = _read_folder(args.data, labelled=True)
    _say(args, f"fitting a {args.model} model ({args.profile} profile) on {len(X)} stars")
    model = make_model(args.model, args.profile, n_bags=args.n_bags,
                       samples_per_class=_fit_bag_size(args, y), epochs=args.epochs,
                       learning_rate_schedule=args.learning_rate_schedule,
                       error_model=args.error_model, cadence_subset=args.cadence_subset,
                       clean=args.clean, n_jobs=args.n_jobs, random_state=args.seed,
                       verbose=0 if args.quiet else 1)
    started = time.perf_counter()
    model.fit(X, y)
    save(model, args.out)  # atomic: a failed write leaves any old model file intact
    _say(args, f"saved {args.out} after {time.perf_counter() - started:.1f} s; "
               f"classes: {', '.join(map(str, model.classes_))}")
    return 0


def _cmd_predict(args, command):
    import shutil

    from ._atomic import atomic_write
    from .persistence import load
    from .streaming import predict_catalog, read_predictions

    model = load(args.model)
    source, catalog, period, min_time = _predict_inputs(args)
    out = Path(args.out)
    single = out.suffix.lower() in (".csv", ".parquet")
    parts = out.with_name(out.name + ".parts") if single else out
    summary = predict_catalog(
        model, source, parts, id=args.id, time=args.time, mag=args.mag, err=args.err,
        period=period, catalog=catalog, chunk_stars=args.chunk_stars, max_fap=args.max_fap,
        min_time=min_time, n_jobs=args.n_jobs, client=args.scheduler,
        resume=not args.restart, verbose=0 if args.quiet else 1)
    if single:
        table = read_predictions(parts)
        if catalog is not None:  # the catalogue's order, as the stars were listed
            listed = (pd.read_csv(catalog) if str(catalog).lower().endswith(".csv")
                      else pd.read_parquet(catalog))[args.id]
            order = pd.Index(table["id"]).get_indexer(listed)
            table = table.iloc[order[order >= 0]]
        if out.suffix.lower() == ".csv":
            atomic_write(out, lambda p: table.to_csv(p, index=False))
        else:
            atomic_write(out, lambda p: table.to_parquet(p, index=False))
        shutil.rmtree(parts)  # finished: the single file is the result
    _say(args, f"wrote {summary['n_stars']} stars to {out}: {summary['n_classified']} "
               f"classified, {summary['n_unclassified']} with a reason")
    return 0


def _predict_inputs(args):
    """Observations, catalogue, period column and time floor of ``vsaug predict``."""
    data = Path(args.data)
    crts_layout = (data / "catalog.csv").is_file() and (data / "lightcurves.parquet").is_file()
    if crts_layout and args.catalog is None:
        return (data / "lightcurves.parquet", data / "catalog.csv", args.period or "period",
                0.0 if args.min_time is None else args.min_time)
    if data.is_dir() and (data / "catalog.csv").is_file():
        raise FileNotFoundError(f"no lightcurves.parquet in {data}: a data folder needs "
                                "catalog.csv and lightcurves.parquet")
    period = args.period or ("period" if args.catalog else None)
    return data, args.catalog, period, args.min_time


def _cmd_evaluate(args, command):
    from .experiments._report import confusion_png
    from .experiments._stages import write_json
    from .metrics import classification_summary, confusion_matrices
    from .persistence import load

    model = load(args.model)
    X, y = _read_folder(args.data, labelled=True)
    labels = np.asarray(model.classes_)
    y_pred = model.predict(X)
    summary = classification_summary(y, y_pred, labels)
    recall_view, precision_view = confusion_matrices(y, y_pred, labels)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json({"command": command, "model": str(args.model), "data": str(args.data),
                 **summary.to_dict(), "labels": [str(c) for c in labels],
                 "recall_view": recall_view, "precision_view": precision_view},
                out / "metrics.json")
    for view, matrix in (("recall", recall_view), ("precision", precision_view)):
        confusion_png(matrix, labels, view, f"{Path(args.model).name}: {view} view",
                       out / f"confusion_{view}.png")
    print(summary)
    _say(args, f"wrote {out / 'metrics.json'} and the confusion matrices in {out}")
    return 0


def _cmd_reproduce(args, command):
    from .experiments import publish_report, run_experiments

    out = args.out or f"runs/{args.profile}"
    results = run_experiments(
        args.data, out, profile=args.profile, experiments=args.experiments, seed=args.seed,
        max_per_class=args.max_per_class, n_bags=args.n_bags,
        samples_per_class=args.samples_per_class, epochs=args.epochs,
        learning_rate_schedule=args.learning_rate_schedule, error_model=args.error_model,
        cadence_subset=args.cadence_subset, clean=args.clean,
        n_jobs=args.n_jobs, verbose=0 if args.quiet else 1 + int(args.verbose),
        command=command,
    )
    _print_results(args, results)
    _say(args, f"report: {Path(out) / 'report.md'}")
    if args.publish:
        written = publish_report(out, args.publish)
        _say(args, f"published {len(written)} files to {args.publish}")
    return 0


_COMMANDS = {
    "demo": _cmd_demo,
    "fit": _cmd_fit,
    "predict": _cmd_predict,
    "evaluate": _cmd_evaluate,
    "reproduce": _cmd_reproduce,
}


_OS_HINTS = {
    errno.ENOSPC: "free some disk space or write somewhere else",
    errno.EDQUOT: "free some disk space or write somewhere else",
    errno.EACCES: "choose a folder you may write to, or fix its permissions",
    errno.EPERM: "choose a folder you may write to, or fix its permissions",
    errno.EROFS: "the file system is read-only: write somewhere else",
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    errno.EISDIR: "give a file name (such as model.vsaug), not a folder",
}


def _error_line(exc):
    """One line that names the file and says what to do."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        hint = _OS_HINTS.get(exc.errno, "check the path and try again")
        text = f"{where}{exc.strerror}; {hint}"
    else:
        text = str(exc) or type(exc).__name__
        if isinstance(exc, (EOFError, pickle.UnpicklingError, zipfile.BadZipFile)):
            text = f"a file is damaged ({text}); delete it and run again"
    return " ".join(text.split())


def main(argv=None):
    """Run the ``vsaug`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 1 when the work failed on bad input,
        a damaged or unsafe file, or a failed read or write (full disk,
        read-only folder, missing permission): one line naming the file and
        what to do goes to stderr, and ``vsaug -v COMMAND`` adds the
        traceback. Usage errors exit with status 2.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    # TensorFlow's C++ start-up chatter would bury the command's own output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    parser.add_argument("-v", "--verbose", dest="traceback", action="store_true",
                        help="show the full traceback when a command fails")
    args = parser.parse_args(argv)
    args.quiet = getattr(args, "quiet", False)
    command = "vsaug " + shlex.join(argv)
    try:
        return _COMMANDS[args.command](args, command)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as exc:
        if args.traceback or getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"vsaug {args.command}: error: {_error_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
