"""The recommended stacked model on CRTS: members chosen on validation, scored on test.

For every seed, on ``../shared/crts`` cleaned once and split 6:1:3
(stratified, ``vsaug reproduce``'s split for that seed):

1. the candidate members of :func:`vsaug.experiments.stacking_members`
   (``fast``, ``periodic``, ``fold``, ``rnn``) are fitted on the training
   part less the stars :class:`~vsaug.HoldoutStackingClassifier` holds out
   for its combiner, one at a time, each saved in the safe model format (a
   rerun loads it: the run resumes member by member);
2. every non-empty subset of them is combined by a
   ``HoldoutStackingClassifier`` (members passed as fitted) on the
   training part and scored on the VALIDATION part; the subset with the
   best mean of balanced accuracy and macro F1 there is chosen (on the
   first seed; later seeds fit only the chosen members);
3. the chosen model and each member alone are scored on the TEST part,
   with 95% bootstrap intervals, per-class precision and recall and both
   confusion views.

Everything goes to ``--out`` (``progress.log``, ``results.json``,
``report.md``, figures); the test part is read only in step 3::

    nice -n 5 python benchmarks/bench_best_model.py --seeds 0 1 --n-jobs 2 \\
        --out runs/best > runs/best.log 2>&1 &

``--report-only`` rewrites ``report.md`` from ``results.json`` (with the
earlier models of ``docs/results/metrics.json`` and the paper's figures
beside it) and ``--publish DIR`` copies report and figures there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

import vsaug
from vsaug import HoldoutStackingClassifier, LightCurveCleaner
from vsaug._atomic import atomic_write
from vsaug._random import child_seeds
from vsaug.datasets import load_crts
from vsaug.ensemble import _seed_member
from vsaug.experiments import stacking_members
from vsaug.experiments._data import split_stars
from vsaug.metrics import bootstrap_scores, classification_summary

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
CANDIDATES = ("fast", "periodic", "fold", "rnn")


class CachedFrozen(FrozenEstimator):
    """A fitted member whose probabilities are computed once per set of curves.

    Step 2 combines the same members in 15 ways; the RNN ensemble's
    predictions take minutes, so they are kept by the curves' identity
    (number, points and a checksum of the times).
    """

    def __init__(self, estimator):
        super().__init__(estimator)
        self._cache = {}

    def predict_proba(self, X):
        key = (len(X), X.n_points, float(np.sum(X.time)), float(np.sum(X.mag)))
        if key not in self._cache:
            self._cache[key] = self.estimator.predict_proba(X)
        return self._cache[key]


class Log:
    """Timestamped lines to stdout and ``progress.log``."""

    def __init__(self, path):
        self.path = path
        self.start = time.perf_counter()

    def __call__(self, message):
        line = f"[{time.strftime('%H:%M:%S')} +{time.perf_counter() - self.start:7.0f} s] {message}"
        print(line, flush=True)
        with open(self.path, "a") as f:
            f.write(line + "\n")


def write_json(path, data):
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(data, indent=1)))


def fit_members(names, X, y, seed, folder, args, log):
    """Fit (or load) each member on ``X, y``; returns name -> fitted member, name -> seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    times_path = folder / "times.json"
    times = json.loads(times_path.read_text()) if times_path.is_file() else {}
    seeds = dict(zip(CANDIDATES, child_seeds(seed, len(CANDIDATES) + 1)[1:].tolist()))
    unfitted = dict(stacking_members(args.profile, names=names, rnn_bags=args.rnn_bags,
                                     memory=str(args.out / "gp_cache"), n_jobs=args.n_jobs,
                                     verbose=1))
    fitted = {}
    for name in names:
        path = folder / f"{name}.vsaug"
        if path.is_file():
            fitted[name] = vsaug.load(path)
            log(f"seed {seed}: member {name} loaded from {path} (fitted in {times[name]:.0f} s)")
            continue
        log(f"seed {seed}: fitting member {name} on {len(X)} stars")
        started = time.perf_counter()
        member = _seed_member(clone(unfitted[name]), seeds[name]).fit(X, y)
        times[name] = time.perf_counter() - started
        vsaug.save(member, path)
        write_json(times_path, times)
        fitted[name] = member
        log(f"seed {seed}: member {name} fitted in {times[name]:.0f} s")
    return fitted, times


def score(y_true, y_pred, labels, seed):
    """Summary and bootstrap intervals as a JSON-ready dict."""
    summary = classification_summary(y_true, y_pred, labels=labels).to_dict()
    boot = bootstrap_scores(y_true, y_pred, labels=labels, random_state=seed)
    summary["interval"] = {k: [float(boot.loc[k, "low"]), float(boot.loc[k, "high"])]
                           for k in ("balanced_accuracy", "macro_f1")}
    return summary


def combine(names, members, X, y, seed):
    """A HoldoutStackingClassifier of the fitted ``names`` (members not refitted)."""
    stack = HoldoutStackingClassifier([(n, members[n]) for n in names], random_state=seed)
    return stack.fit(X, y)


def run_seed(Xc, y, seed, names, args, log):
    """Steps 1-3 for one seed; returns its results dict."""
    parts = split_stars(y, seed, args.max_per_class)
    Xc, y = Xc.take(parts["keep"]), y[parts["keep"]]  # positions below are among these
    train, val, test = parts["train"], parts["val"], parts["test"]
    labels = np.unique(y)
    X_train, y_train = Xc.take(train), y[train]
    fit_pos, hold_pos = HoldoutStackingClassifier([], random_state=seed).holdout_split(y_train)
    log(f"seed {seed}: train {train.size} (members {fit_pos.size}, combiner {hold_pos.size}), "
        f"validation {val.size}, test {test.size}")
    fitted, times = fit_members(names, X_train.take(fit_pos), y_train[fit_pos], seed,
                                args.out / f"seed{seed}" / "members", args, log)
    members = {n: CachedFrozen(m) for n, m in fitted.items()}
    X_val, X_test = Xc.take(val), Xc.take(test)

    subsets = [c for k in range(1, len(names) + 1) for c in itertools.combinations(names, k)]
    validation = {}
    for subset in subsets:
        stack = combine(subset, members, X_train, y_train, seed)
        assert np.array_equal(stack.holdout_index_, hold_pos), "holdout split moved"
        pred = stack.predict(X_val)
        summary = classification_summary(y[val], pred, labels=labels)
        validation["+".join(subset)] = {
            "balanced_accuracy": summary.balanced_accuracy, "macro_f1": summary.macro_f1,
            "prior_weight": stack.prior_weight_,
            "member_weights": dict(zip(subset, stack.final_estimator_.weights_.tolist())),
            "per_class": summary.to_dict()["per_class"],
        }
        log(f"seed {seed}: validation {'+'.join(subset):26s} BA {summary.balanced_accuracy:.3f} "
            f"F1 {summary.macro_f1:.3f} prior_weight {stack.prior_weight_:.2f}")
    for name in names:  # each member's own probabilities, no combiner
        pred = fitted[name].predict(X_val)
        summary = classification_summary(y[val], pred, labels=labels)
        validation[f"{name} (raw)"] = {"balanced_accuracy": summary.balanced_accuracy,
                                       "macro_f1": summary.macro_f1,
                                       "per_class": summary.to_dict()["per_class"]}
    chosen = args.chosen or max(
        ("+".join(s) for s in subsets),
        key=lambda k: validation[k]["balanced_accuracy"] + validation[k]["macro_f1"])
    log(f"seed {seed}: chosen on validation: {chosen}")

    test_results = {}
    for key in [chosen] + [n for n in names if n != chosen]:
        stack = combine(key.split("+"), members, X_train, y_train, seed)
        pred = stack.predict(X_test)
        test_results[key] = score(y[test], pred, labels, seed)
        test_results[key]["prior_weight"] = stack.prior_weight_
        np.save(args.out / f"seed{seed}" / f"test_pred_{key}.npy", pred.astype(str))
        r = test_results[key]
        log(f"seed {seed}: TEST {key:26s} BA {r['balanced_accuracy']:.3f} "
            f"{r['interval']['balanced_accuracy']} F1 {r['macro_f1']:.3f} "
            f"{r['interval']['macro_f1']}")
    for name in names:
        pred = fitted[name].predict(X_test)
        test_results[f"{name} (raw)"] = score(y[test], pred, labels, seed)
    figure(y[test], np.load(args.out / f"seed{seed}" / f"test_pred_{chosen}.npy"), labels,
           args.out / f"seed{seed}" / "confusion_best.png",
           f"recommended model ({chosen}), CRTS test part, seed {seed}")
    return {"seed": seed, "sizes": {"train": int(train.size), "members": int(fit_pos.size),
                                    "combiner": int(hold_pos.size), "validation": int(val.size),
                                    "test": int(test.size)},
            "member_fit_seconds": times, "validation": validation, "chosen": chosen,
            "test": test_results}


def figure(y_true, y_pred, labels, path, title):
    import matplotlib

    matplotlib.use("Agg")
    from vsaug.plotting import plot_confusion_matrices

    fig = plot_confusion_matrices(y_true, y_pred, labels, title=title)
    fig.savefig(path, dpi=110, bbox_inches="tight")


def _interval(r, key):
    low, high = r["interval"][key]
    return f"{r[key]:.3f} [{low:.3f}, {high:.3f}]"


def render_report(results, earlier):
    """``report.md``: choices on validation, scores on test, per-class figures."""
    from vsaug.experiments import PAPER_RESULTS

    seeds = sorted(results, key=int)
    first = results[seeds[0]]
    lines = ["# The recommended model on CRTS", "",
             f"- command: `{COMMAND}`",
             f"- chosen on the validation part of seed {first['seed']}: "
             f"**{first['chosen']}** (members of `vsaug.experiments.BEST_MEMBERS`)", ""]
    lines += ["## Targets (test part)", "",
              "| seed | model | balanced accuracy | macro F1 | lowest precision (class) |",
              "|---|---|---:|---:|---:|"]
    for seed in seeds:
        res = results[seed]
        r = res["test"][res["chosen"]]
        worst = min(r["per_class"].items(), key=lambda kv: kv[1]["precision"])
        lines.append(f"| {seed} | {res['chosen']} | {_interval(r, 'balanced_accuracy')} | "
                     f"{_interval(r, 'macro_f1')} | {worst[1]['precision']:.3f} ({worst[0]}) |")
    lines += ["", "Targets: balanced accuracy >= 0.88, macro F1 >= 0.80, precision >= 0.50 "
              "for every class. In brackets: 95% bootstrap intervals over the test stars.", ""]
    lines += ["## Beside the paper and the earlier models (seed 0 test part)", "",
              "| model | balanced accuracy | macro F1 |", "|---|---:|---:|"]
    for name, (ba, f1) in PAPER_RESULTS.items():
        if ba is not None:
            lines.append(f"| paper: {name} | {ba:.3f} | {f1:.3f} |")
    for name, entry in earlier.items():
        t = entry["test"]
        lines.append(f"| docs/results: {entry['title']} | {t['balanced_accuracy']:.3f} | "
                     f"{t['macro_f1']:.3f} |")
    r = first["test"][first["chosen"]]
    lines.append(f"| **recommended ({first['chosen']})** | {r['balanced_accuracy']:.3f} | "
                 f"{r['macro_f1']:.3f} |")
    for seed in seeds:
        lines += _seed_section(results[seed])
    return "\n".join(lines) + "\n"


def _seed_section(res):
    seed, chosen = res["seed"], res["chosen"]
    sizes = ", ".join(f"{k} {v}" for k, v in res["sizes"].items())
    times = ", ".join(f"{k} {v / 60:.1f} min" for k, v in res["member_fit_seconds"].items())
    lines = ["", f"## Seed {seed}", "", f"Stars: {sizes}. Member fits (2 cores, shared): "
             f"{times}.", "", "### Validation: every combination (the choice is made here)", "",
             "| members | balanced accuracy | macro F1 | prior weight | member weights |",
             "|---|---:|---:|---:|---|"]
    for key, v in res["validation"].items():
        weights = ", ".join(f"{n} {w:.2f}" for n, w in v.get("member_weights", {}).items())
        prior = f"{v['prior_weight']:.2f}" if "prior_weight" in v else "(no combiner)"
        mark = "**" if key == chosen else ""
        lines.append(f"| {mark}{key}{mark} | {v['balanced_accuracy']:.3f} | "
                     f"{v['macro_f1']:.3f} | {prior} | {weights} |")
    lines += ["", "### Test part", "", "| model | balanced accuracy | macro F1 |", "|---|---:|---:|"]
    for key, r in res["test"].items():
        lines.append(f"| {key} | {_interval(r, 'balanced_accuracy')} | "
                     f"{_interval(r, 'macro_f1')} |")
    lines += ["", f"Per class, recommended model ({chosen}):", "",
              "| class | recall | precision | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, row in res["test"][chosen]["per_class"].items():
        lines.append(f"| {label} | {row['recall']:.3f} | {row['precision']:.3f} | "
                     f"{row['f1']:.3f} | {row['support']} |")
    lines += ["", f"![confusion, seed {seed}](figures/confusion_best_seed{seed}.png)"]
    return lines


def publish(out, folder):
    """Copy report.md, results.json and the confusion figures to ``folder``."""
    import shutil

    figures = Path(folder) / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    for name in ("report.md", "results.json"):
        shutil.copyfile(out / name, Path(folder) / name)
    for png in sorted(out.glob("seed*/confusion_best.png")):
        shutil.copyfile(png, figures / f"confusion_best_{png.parent.name}.png")


COMMAND = ("nice -n 5 python benchmarks/bench_best_model.py --seeds 0 1 --n-jobs 2 "
           "--out runs/best --publish docs/results/best")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=CRTS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--rnn-bags", type=int, default=3)
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES))
    parser.add_argument("--chosen", help="skip the choice: use this subset (a+b) on every seed")
    parser.add_argument("--max-per-class", type=int,
                        help="keep at most this many stars per class (a smoke run)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("runs/best"))
    parser.add_argument("--report-only", action="store_true",
                        help="only rewrite report.md from results.json")
    parser.add_argument("--publish", type=Path, help="copy the report and figures here")
    args = parser.parse_args(argv)
    if args.report_only:
        return finish(args)
    args.out.mkdir(parents=True, exist_ok=True)
    log = Log(args.out / "progress.log")
    X, y = load_crts(args.data)
    y = np.asarray(y)
    started = time.perf_counter()
    Xc = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X)
    log(f"cleaned {len(X)} curves in {time.perf_counter() - started:.0f} s")
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for i, seed in enumerate(args.seeds):
        if str(seed) in results:
            log(f"seed {seed}: done earlier (results.json)")
            continue
        names = list(args.candidates)
        if i > 0 or args.chosen:
            chosen = args.chosen or results[str(args.seeds[0])]["chosen"]
            args.chosen = chosen
            names = chosen.split("+")
        results[str(seed)] = run_seed(Xc, y, seed, names, args, log)
        write_json(results_path, results)
    log("all seeds done")
    finish(args)


def finish(args):
    """Write report.md from results.json; publish it when asked."""
    results = json.loads((args.out / "results.json").read_text())
    earlier_path = Path(__file__).resolve().parents[1] / "docs" / "results" / "metrics.json"
    earlier = (json.loads(earlier_path.read_text())["experiments"]
               if earlier_path.is_file() else {})
    report = render_report(results, earlier)
    atomic_write(args.out / "report.md", lambda tmp: Path(tmp).write_text(report))
    if args.publish:
        publish(args.out, args.publish)
    print(report)


if __name__ == "__main__":
    main()
