"""Quickstart: classify periodic variable stars with vsaug's fast model.

The fast model is the paper's bagging-like ensemble around a scikit-learn
pipeline: Fourier features of the folded light curve (``PeriodicFeatures``)
fed to gradient boosting. Every bag holds the same number of curves per
class: big classes are undersampled, small ones topped up with Gaussian-
process synthetic light curves. It needs no GPU and trains in seconds.

Run it on the embedded synthetic CRTS-like stars, or on a folder in the CRTS
layout (``catalog.csv`` + ``lightcurves.parquet``)::

    python examples/quickstart_fast_model.py
    python examples/quickstart_fast_model.py ../shared/crts
    python examples/quickstart_fast_model.py ../shared/crts --max-per-class 300
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from vsaug import (
    BaggingAugmentedEnsemble,
    GPLightCurveAugmenter,
    LightCurveCleaner,
    PeriodicFeatures,
)
from vsaug.datasets import load_crts, make_light_curves, subsample_classes
from vsaug.metrics import classification_summary


def load_data(path, n_samples, max_per_class, seed):
    """Light curves and labels: a CRTS-layout folder, else synthetic stars."""
    if path is None:
        X, y = make_light_curves(n_samples, random_state=seed)
    else:
        X, y = load_crts(path)
    if max_per_class:
        keep = subsample_classes(y, max_per_class, random_state=seed)
        X, y = X[keep], y[keep]
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="CRTS-layout folder (default: synthetic stars)")
    parser.add_argument("--n-samples", type=int, default=1000, help="synthetic stars to make")
    parser.add_argument("--max-per-class", type=int, help="keep at most this many stars per class")
    parser.add_argument("--samples-per-class", type=int,
                        help="curves per class in every bag (default: 1875 on CRTS, 60 synthetic)")
    parser.add_argument("--n-estimators", type=int, default=5, help="bags in the ensemble")
    parser.add_argument("--n-jobs", type=int,
                        help="workers for cleaning and GP fits (-1: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    samples_per_class = args.samples_per_class or (1875 if args.data else 60)

    X, y = load_data(args.data, args.n_samples, args.max_per_class, args.seed)
    classes, counts = np.unique(y, return_counts=True)
    print(f"data: {len(X)} light curves, {X.n_points} points, {classes.size} classes")
    print("stars per class: " + ", ".join(f"{c} {n}" for c, n in zip(classes, counts)))

    # LightCurves splits like an array: train_test_split, cross_validate and
    # GridSearchCV all index it by star.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.seed)

    # Cleaning (fold + SuperSmoother outlier clipping) is the
    # first step; the ensemble then bags the cleaned curves.
    fast_model = make_pipeline(
        LightCurveCleaner(n_jobs=args.n_jobs),
        BaggingAugmentedEnsemble(
            make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier()),
            augmenter=GPLightCurveAugmenter(n_jobs=args.n_jobs),
            n_estimators=args.n_estimators,
            samples_per_class=samples_per_class,
            random_state=args.seed,
        ),
    )
    started = time.perf_counter()
    fast_model.fit(X_train, y_train)
    print(f"fit: {time.perf_counter() - started:.1f} s on {len(X_train)} training stars")

    ensemble = fast_model[-1]
    print(f"bags: {len(ensemble.estimators_)} of {samples_per_class} curves per class, "
          f"{ensemble.n_synthetic_} GP synthetics in each")
    if ensemble.augmenter_ is not None:  # None when no class needed topping up
        # One GP per prototype, fitted once and shared by every bag.
        print(f"GP fits: {len(ensemble.augmenter_.gp_params_)}, "
              f"fallbacks: {ensemble.augmenter_.n_fallbacks_}")

    summary = classification_summary(y_test, fast_model.predict(X_test))
    print(f"test balanced accuracy: {summary.balanced_accuracy:.3f}")
    print(f"test macro F1: {summary.macro_f1:.3f}")
    print(summary.per_class.round(3).to_string())

    # Probabilities of new stars: one column per class, in ensemble.classes_.
    proba = fast_model.predict_proba(X_test[:5])
    for i, row in enumerate(proba):
        best = int(np.argmax(row))
        print(f"star {X_test.meta['id'][i]}: {ensemble.classes_[best]} "
              f"(p={row[best]:.2f}), true {y_test[i]}")


if __name__ == "__main__":
    main()
