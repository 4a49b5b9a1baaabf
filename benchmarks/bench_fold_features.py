"""What the fold-residual features do, per class, on the CRTS validation part.

On ``../shared/crts``, cleaned, with the fast-model benchmark's stratified
6:1:3 split (seed 0), fits ``HistGradientBoostingClassifier(class_weight=
'balanced')`` on the training part's ``PeriodicFeatures`` alone and with each
group of :class:`~vsaug.fold_residuals.FoldResidualFeatures` added, and
prints per-class precision and recall on the VALIDATION part (the test part
is not scored: choices are made here), plus balanced accuracy and macro F1.

The features of the train and validation stars are cached in ``--cache``
(an ``.npz``), so a rerun only refits the classifiers.

    python benchmarks/bench_fold_features.py [--n-jobs 1] [--cache runs/fold_features.npz]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score, precision_recall_fscore_support

from vsaug import LightCurveCleaner, PeriodicFeatures
from vsaug._atomic import atomic_write
from vsaug.datasets import load_crts
from vsaug.fold_residuals import FoldResidualFeatures

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fast_model import CRTS, split  # noqa: E402  (the same split as the fast model)

GROUPS = {
    "secondary period": ["log_period2", "period_ratio", "power2", "resid_to_amp"],
    "seasons": ["season_amp_cv", "season_phase_std", "n_seasons"],
    "odd/even minima": ["odd_even_diff", "odd_even_sigma", "min2_depth_ratio"],
}


def features(X, n_jobs, cache):
    """PeriodicFeatures and FoldResidualFeatures of ``X``, from ``cache`` when it is there."""
    if cache.is_file():
        saved = np.load(cache, allow_pickle=False)
        if saved["ids"].shape == (len(X),):
            print(f"features from {cache}", flush=True)
            return saved["base"], saved["extra"], list(saved["base_names"])
    started = time.perf_counter()
    periodic = PeriodicFeatures().fit(X)
    base = periodic.transform(X)
    print(f"PeriodicFeatures: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    extra = FoldResidualFeatures(n_jobs=n_jobs, verbose=1).fit(X).transform(X)
    print(f"FoldResidualFeatures: {time.perf_counter() - started:.1f} s "
          f"({len(X) / (time.perf_counter() - started):.1f} curves/s)", flush=True)
    names = periodic.get_feature_names_out().astype(str)
    cache.parent.mkdir(parents=True, exist_ok=True)
    def write(path):
        with open(path, "wb") as f:  # a file object: np.savez would append .npz to a name
            np.savez(f, ids=np.arange(len(X)), base=base, extra=extra, base_names=names)

    atomic_write(cache, write)
    return base, extra, list(names)


def markdown(frame, fmt="{:.3f}"):
    """A Markdown table of ``frame`` (index as the first column), numbers formatted by ``fmt``."""
    head = [str(frame.index.name or "")] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, row in frame.iterrows():
        cells = [fmt.format(v) if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join([str(label)] + cells) + " |")
    return "\n".join(lines)


def per_class(y_true, y_pred, classes):
    precision, recall, _, _ = precision_recall_fscore_support(y_true, y_pred, labels=classes,
                                                              zero_division=0)
    return precision, recall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("runs/fold_features.npz"))
    args = parser.parse_args()
    if not CRTS.is_dir():
        sys.exit(f"needs the CRTS data in {CRTS}")

    X, y = load_crts(CRTS)
    y = np.asarray(y)
    train, val, _ = split(y)
    fit_part = np.concatenate([train, val])
    started = time.perf_counter()
    X_fit = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X.take(fit_part))
    print(f"cleaned {len(X_fit)} curves in {time.perf_counter() - started:.1f} s", flush=True)
    base, extra, base_names = features(X_fit, args.n_jobs, args.cache)
    y_fit = y[fit_part]
    n_train = train.size
    extra_names = list(FoldResidualFeatures().fit(X_fit[:1]).get_feature_names_out())

    variants = {"PeriodicFeatures": []}
    variants.update({f"+ {g}": cols for g, cols in GROUPS.items()})
    variants["+ all"] = [c for cols in GROUPS.values() for c in cols]
    classes = np.unique(y)
    rows, prec, rec = [], {}, {}
    for label, cols in variants.items():
        table = np.hstack([base, extra[:, [extra_names.index(c) for c in cols]]])
        model = HistGradientBoostingClassifier(class_weight="balanced", random_state=0)
        model.fit(table[:n_train], y_fit[:n_train])
        pred = model.predict(table[n_train:])
        truth = y_fit[n_train:]
        rows.append((label, balanced_accuracy_score(truth, pred),
                     f1_score(truth, pred, average="macro")))
        prec[label], rec[label] = per_class(truth, pred, classes)
    print("\nValidation part (%d stars), HistGradientBoosting(class_weight='balanced'):\n"
          % (len(X_fit) - n_train))
    print(markdown(pd.DataFrame(rows, columns=["features", "balanced accuracy", "macro F1"])
                   .set_index("features")))
    for what, table in (("precision", prec), ("recall", rec)):
        print(f"\nPer-class {what}:\n")
        print(markdown(pd.DataFrame(table, index=classes).T, "{:.2f}"))


if __name__ == "__main__":
    main()
