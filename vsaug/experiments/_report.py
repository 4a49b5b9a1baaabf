"""The Markdown report of a run, its figures, and publishing it (``vsaug reproduce --publish``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from .._atomic import atomic_write

__all__ = ["render_report", "publish_report", "confusion_png", "slug"]


def slug(name):
    return name.replace("+", "_plus_")


def confusion_png(matrix, labels, view, title, path):
    """One confusion view as a PNG, drawn on a pyplot-free Figure."""
    from matplotlib.figure import Figure

    from ..plotting import plot_confusion_matrix

    n = len(labels)
    fig = Figure(figsize=(1.8 + 0.62 * n, 1.3 + 0.55 * n), layout="constrained")
    plot_confusion_matrix(np.asarray(matrix), labels, view=view, title=title, ax=fig.add_subplot())
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))


def publish_report(run_dir, dest):
    """Copy a finished run's ``report.md``, ``metrics.json`` and figures to ``dest``.

    Parameters
    ----------
    run_dir : str or path-like
        A run directory written by :class:`ExperimentRun`.
    dest : str or path-like
        Where the results are published (e.g. ``docs/results``); the
        figures go to ``dest/figures`` so the report's links still work.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    run_dir, dest = Path(run_dir), Path(dest)
    if not (run_dir / "report.md").is_file():
        raise FileNotFoundError(f"no report.md in {run_dir}: finish the run first")
    sources = [run_dir / "report.md", run_dir / "metrics.json",
               *sorted((run_dir / "figures").glob("*.png"))]
    written = []
    for source in sources:
        target = dest / source.relative_to(run_dir)
        written.append(atomic_write(target, lambda p, source=source: shutil.copyfile(source, p)))
    return written


def _pct(value):
    return "" if value is None else f"{100 * value:.1f}%"


def _f2(value):
    return "" if value is None else f"{value:.2f}"


def _difference(ours, paper, *, points):
    """``ours - paper`` as signed percentage points or a signed F1 difference."""
    if paper is None:
        return ""
    return f"{100 * (ours - paper):+.1f} pts" if points else f"{ours - paper:+.3f}"


def _duration(seconds):
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def _table(header, rows, *, numeric=True):
    """Markdown table; columns after the first right-aligned when ``numeric``."""
    align = "---:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else align for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render_report(results, *, data=""):
    """The Markdown report of a run from its ``metrics.json`` content.

    Parameters
    ----------
    results : dict
        What :meth:`ExperimentRun.run` returns.
    data : str, optional
        Where the light curves came from.

    Returns
    -------
    str
    """
    machine = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    stage_total = sum(results["timings"].values())
    lines = [
        f"# vsaug experiments: `{results['profile']}` profile",
        "",
        f"- command: `{results['command'] or 'vsaug.experiments.run_experiments(...)'}`",
        f"- data: {data} ({sum(sum(c.values()) for k, c in results['counts'].items() if k != 'val_augmented')}"
        f" stars, data fingerprint `{results['settings']['data']}`, seed {results['settings']['seed']})",
        f"- machine: {machine['cpu']}, {machine['cpu_count']} cores, {machine['platform']}, "
        f"Python {machine['python']}; {packages}",
        f"- wall time: {_duration(stage_total)} over all stages; "
        f"{_duration(results['session_seconds'])} in the session that wrote this report",
        "",
        "## Results on the test part",
        "",
        "The test part is never augmented. Ensembles average their members' probabilities. "
        "In brackets: the 95% percentile-bootstrap interval over the test stars "
        "(`vsaug.metrics.bootstrap_scores`, 1000 resamples), how far the scores move with "
        "which stars are in the test part.",
        "",
    ]
    rows = []
    for name, result in results["experiments"].items():
        paper = results["paper"].get(name, {"balanced_accuracy": None, "macro_f1": None})
        bacc, f1 = result["test"]["balanced_accuracy"], result["test"]["macro_f1"]
        interval = result.get("test_interval", {})  # absent from older metrics.json
        bacc_cell, f1_cell = _pct(bacc), f"{f1:.3f}"
        if interval:
            (bacc_low, bacc_high), (f1_low, f1_high) = (interval["balanced_accuracy"],
                                                        interval["macro_f1"])
            bacc_cell += f" [{100 * bacc_low:.1f}, {100 * bacc_high:.1f}]"
            f1_cell += f" [{f1_low:.3f}, {f1_high:.3f}]"
        rows.append((f"{result['title']} (`{name}`)", bacc_cell, f1_cell,
                     _pct(paper["balanced_accuracy"]), _f2(paper["macro_f1"]),
                     _difference(bacc, paper["balanced_accuracy"], points=True),
                     _difference(f1, paper["macro_f1"], points=False)))
    lines += _table(("model", "balanced accuracy", "macro F1", "paper: balanced accuracy",
                     "paper: macro F1", "difference: balanced accuracy",
                     "difference: macro F1"), rows)
    lines += ["", *_per_bag_section(results), *_counts_section(results)]
    lines += ["## Per-class scores", ""]
    for name, result in results["experiments"].items():
        lines += [f"### {result['title']}", "", *_per_class_lines(result["test"]), "",
                  f"![recall view](figures/{slug(name)}_recall.png) "
                  f"![precision view](figures/{slug(name)}_precision.png)", ""]
    if results.get("gp_example"):
        example = results["gp_example"]
        lines += ["## GP augmentation", "",
                  f"A real folded {example['class']} curve of the training part, its GP mean "
                  "with a band of two predictive deviations, and one synthetic curve drawn "
                  "from it (shown without its random phase shift):", "",
                  f"![GP example]({example['figure']})", ""]
    settings = dict(results["settings"])
    profile = settings.pop("profile")
    rows = [(k, f"`{json.dumps(v)}`") for k, v in settings.items()]
    rows += [(f"profile.{k}", f"`{json.dumps(v)}`") for k, v in profile.items()]
    rows.insert(0, ("n_bags", results["n_bags"]))
    lines += ["## Settings", "", *_table(("setting", "value"), rows, numeric=False), "",
              "## Wall time of every stage", "",
              "Stages resumed from an earlier session keep the time they took then.", ""]
    lines += _table(("stage", "wall time"),
                    [(name, _duration(sec)) for name, sec in results["timings"].items()])
    return "\n".join(lines) + "\n"


def _per_bag_section(results):
    bagged = {k: r for k, r in results["experiments"].items() if len(r["per_bag"]) > 1}
    if not bagged:
        return []
    n = max(len(r["per_bag"]) for r in bagged.values())
    header = ["bag"]
    for name in bagged:
        header += [f"{name}: validation", f"{name}: test"]
    rows = []
    for bag in range(n):
        row = [str(bag)]
        for r in bagged.values():
            scores = r["per_bag"][bag] if bag < len(r["per_bag"]) else None
            row += ([_pct(scores["val_balanced_accuracy"]), _pct(scores["test_balanced_accuracy"])]
                    if scores else ["", ""])
        rows.append(row)
    ensemble = ["ensemble"]
    for r in bagged.values():
        ensemble += [_pct(r["val_balanced_accuracy"]), _pct(r["test"]["balanced_accuracy"])]
    rows.append(ensemble)
    return ["## Balanced accuracy of every bag (the paper's Table 2)", "",
            "Validation: the GP-augmented validation part (every class the size of the "
            "largest); test: the test part.", "", *_table(header, rows), ""]


def _counts_section(results):
    counts = results["counts"]
    rows = [(c, *(counts[p][c] for p in ("train", "val", "val_augmented", "test")))
            for c in results["classes"]]
    return ["## Data", "",
            *_table(("class", "train", "validation", "validation (augmented)", "test"), rows), ""]


def _per_class_lines(test):
    rows = [(label, f"{s['recall']:.3f}", f"{s['precision']:.3f}", f"{s['f1']:.3f}", s["support"])
            for label, s in test["per_class"].items()]
    return [f"balanced accuracy {test['balanced_accuracy']:.3f}, macro F1 {test['macro_f1']:.3f}, "
            f"accuracy {test['accuracy']:.3f}", "",
            *_table(("class", "recall", "precision", "F1", "support"), rows)]
