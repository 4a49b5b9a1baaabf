"""The fast model on CRTS: GP bagging around Fourier features + gradient boosting.

On ``../shared/crts`` with a stratified 6:1:3 train/validation/test split
(seed 0), fits and scores on the test part:

(a) ``BaggingAugmentedEnsemble(make_pipeline(PeriodicFeatures(),
    HistGradientBoostingClassifier()))``: 10 bags of 1875 curves per class,
    small classes topped up with GP synthetics;
(b) the same pipeline, one model, no augmentation,
    ``class_weight='balanced'``;
(c) the same pipeline, one model, every class GP-augmented to the largest.

All three see the curves cleaned by ``LightCurveCleaner`` (DESIGN 1.1:
GP fits of cleaned prototypes, features of cleaned curves), unless
``--raw``. It prints balanced accuracy and macro F1 (validation and test)
and the wall time of each on this machine (``--n-jobs`` workers; the
cleaning time is printed apart). Choices were made on the validation part.

    python benchmarks/bench_fast_model.py                   # a, b, c
    python benchmarks/bench_fast_model.py --configs b --raw
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, PeriodicFeatures
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def split(y, seed=0):
    """Stratified 6:1:3 split into index arrays (train, validation, test)."""
    idx = np.arange(y.size)
    train, rest = train_test_split(idx, train_size=0.6, stratify=y, random_state=seed)
    val, test = train_test_split(rest, train_size=0.25, stratify=y[rest], random_state=seed)
    return train, val, test


def pipeline(**hgb):
    return make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(random_state=0, **hgb))


def scores(model, X, y):
    pred = model.predict(X)
    return balanced_accuracy_score(y, pred), f1_score(y, pred, average="macro")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="a,b,c", help="which of a,b,c to run")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-estimators", type=int, default=10)
    parser.add_argument("--samples-per-class", type=int, default=1875)
    parser.add_argument("--wrap", type=float, default=None, help="GP wrap (default: the library's)")
    parser.add_argument("--raw", action="store_true", help="skip LightCurveCleaner")
    parser.add_argument("--augmenter", default="gp", choices=["gp", "duplicate"])
    args = parser.parse_args()

    warnings.simplefilter("ignore", UserWarning)  # 3 placeholder dates in CRTS
    X, y = load_crts(CRTS)
    if not args.raw:
        from vsaug.cleaning import LightCurveCleaner

        start = time.perf_counter()
        X = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X)
        print(f"cleaning: {time.perf_counter() - start:.1f} s")
    train, val, test = split(y)
    print(f"train {train.size}, validation {val.size}, test {test.size}; n_jobs={args.n_jobs}")
    gp_kw = {} if args.wrap is None else {"wrap": args.wrap}
    results = {}

    def report(name, model, seconds):
        v, t = scores(model, X[val], y[val]), scores(model, X[test], y[test])
        results[name] = dict(val_bacc=v[0], val_f1=v[1], test_bacc=t[0], test_f1=t[1], wall_s=seconds)
        print(
            f"({name}) validation: bacc {v[0]:.4f} F1 {v[1]:.4f} | test: bacc {t[0]:.4f} "
            f"F1 {t[1]:.4f} | fit {seconds:.0f} s",
            flush=True,
        )

    configs = args.configs.split(",")
    if "b" in configs:
        start = time.perf_counter()
        model = pipeline(class_weight="balanced").fit(X[train], y[train])
        report("b", model, time.perf_counter() - start)
    if "a" in configs:
        augmenter = "duplicate" if args.augmenter == "duplicate" else GPLightCurveAugmenter(
            n_jobs=args.n_jobs, **gp_kw
        )
        model = BaggingAugmentedEnsemble(
            pipeline(),
            augmenter=augmenter,
            n_estimators=args.n_estimators,
            samples_per_class=args.samples_per_class,
            n_jobs=args.n_jobs,
            random_state=0,
            verbose=1,
        )
        start = time.perf_counter()
        model.fit(X[train], y[train])
        seconds = time.perf_counter() - start
        report("a", model, seconds)
        if model.augmenter_ is not None and hasattr(model.augmenter_, "n_fallbacks_"):
            print(f"    GP fits: {len(model.augmenter_.gp_params_)}, fallbacks: "
                  f"{model.augmenter_.fallbacks_.value_counts().to_dict()}")
        members = [scores(m, X[test], y[test]) for m in model.estimators_]
        print("    single bags, test bacc: " + " ".join(f"{m[0]:.3f}" for m in members))
    if "c" in configs:
        start = time.perf_counter()
        augmenter = GPLightCurveAugmenter(sampling_strategy="not majority", n_jobs=args.n_jobs,
                                          random_state=0, **gp_kw)
        X_res, y_res = augmenter.fit_resample(X[train], y[train])
        model = pipeline().fit(X_res, y_res)
        report("c", model, time.perf_counter() - start)
    print(json.dumps({"args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
