"""
Quickstart: the fast model
==========================

The fast model is the method's bagging-like ensemble around a scikit-learn
pipeline: Fourier features of the folded light curve
(:class:`~vsaug.PeriodicFeatures`) fed to gradient boosting. Every bag holds
the same number of curves per class: big classes are undersampled, small
ones topped up with Gaussian-process synthetic light curves. It needs no GPU.

This page runs on 600 synthetic CRTS-like stars; give a folder in the CRTS
layout (``catalog.csv`` + ``lightcurves.parquet``) to run it on real data::

    python examples/plot_quickstart.py ../shared/crts
"""

import sys
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from vsaug import (BaggingAugmentedEnsemble, GPLightCurveAugmenter, LightCurveCleaner,
                   PeriodicFeatures)
from vsaug.datasets import load_example_data
from vsaug.metrics import classification_summary
from vsaug.plotting import plot_confusion_matrices, plot_light_curve

# A CRTS-layout folder as the first argument, else synthetic stars.
path = sys.argv[1] if len(sys.argv) > 1 else None
X, y = load_example_data(path, n_samples=600, max_per_class=300 if path else None)
classes, counts = np.unique(y, return_counts=True)
print(f"data: {len(X)} light curves, {X.n_points} points, {classes.size} classes")
print("stars per class: " + ", ".join(f"{c} {n}" for c, n in zip(classes, counts)))

# %%
# One star, folded on its catalogue period
# ----------------------------------------
# Each star is one sample: its points, and a row of ``X.meta`` with the
# period. Folding on the period shows the shape the features describe.
star = int(np.flatnonzero(y == "RRab")[0])
fig, (raw, folded) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
plot_light_curve(X, star, folded=False, ax=raw,
                 title=f"star {X.meta['id'].iloc[star]} ({y[star]}) in time")
plot_light_curve(X, star, n_cycles=2, ax=folded,
                 title=f"folded on P = {X.meta['period'].iloc[star]:.4f} d")

# %%
# Train the fast model
# --------------------
# ``LightCurves`` splits like an array, so ``train_test_split`` works on it.
# Cleaning (fold, SuperSmoother, clip outliers) is the pipeline's first step.
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0)
samples_per_class = 40   # the method's 1875 suits the full CRTS set
fast_model = make_pipeline(
    LightCurveCleaner(),
    BaggingAugmentedEnsemble(
        make_pipeline(PeriodicFeatures(), HistGradientBoostingClassifier(max_iter=100)),
        augmenter=GPLightCurveAugmenter(),
        n_estimators=3,
        samples_per_class=samples_per_class,
        random_state=0,
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

# %%
# Scores on the test part
# -----------------------
# Balanced accuracy (the mean recall over classes) and macro F1 weigh the
# 11-star classes as much as the big ones.
y_pred = fast_model.predict(X_test)
summary = classification_summary(y_test, y_pred)
print(f"test balanced accuracy: {summary.balanced_accuracy:.3f}")
print(f"test macro F1: {summary.macro_f1:.3f}")
print(summary.per_class.round(3).to_string())

# %%
# Both confusion views
# --------------------
# Rows normalised (recall: where the stars of a class went) and columns
# normalised (precision: what a predicted label is made of).
fig, axes = plt.subplots(1, 2, figsize=(12, 5.5), layout="constrained")
plot_confusion_matrices(y_test, y_pred, ensemble.classes_, axes=axes)

# %%
# Probabilities of new stars
# --------------------------
# One column per class, in ``ensemble.classes_``.
proba = fast_model.predict_proba(X_test[:5])
for i, row in enumerate(proba):
    best = int(np.argmax(row))
    print(f"star {X_test.meta['id'][i]}: {ensemble.classes_[best]} "
          f"(p={row[best]:.2f}), true {y_test[i]}")
