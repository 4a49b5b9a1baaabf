"""
Your own classifier in the ensemble
===================================

:class:`~vsaug.BaggingAugmentedEnsemble` wraps any classifier whose ``fit``
and ``predict_proba`` take :class:`vsaug.LightCurves`. This example writes
one, ``FoldedShapeClassifier``: it folds every curve on its period, averages
the magnitudes in phase bins (all curves at once, on the flat arrays),
aligns the bins so that maximum light comes first, and hands the binned
shape, the log-period and the log of the magnitude scatter to a logistic
regression. It follows the scikit-learn contract (parameters stored
unchanged, learned state ending in ``_``, ``classes_``), so ``clone``,
``GridSearchCV`` and the ensemble work with it.

Run it on a CRTS-layout folder with ``python examples/plot_custom_classifier.py ../shared/crts``.
"""

import sys
from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import vsaug
from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter
from vsaug.datasets import load_example_data
from vsaug.folding import phase
from vsaug.metrics import classification_summary


# %%
# The features: binned folded shapes
# ----------------------------------
# Vectorised over all points of all curves: one ``bincount`` per sum.


def binned_shapes(X, n_bins):
    """Mean standardised magnitude of every curve in ``n_bins`` phase bins.

    Vectorised over all points of all curves: one ``bincount`` per sum.
    Returns the shapes, an array of shape (n_curves, n_bins) rolled so that
    the brightest bin (smallest magnitude) is bin 0 (catalogue epochs are
    arbitrary, so only the shape relative to maximum light means anything),
    and the standard deviation of every curve's magnitudes.
    """
    curve = X.curve_index                      # the curve of every point
    cell = curve * n_bins + np.minimum((phase(X) * n_bins).astype(np.int64), n_bins - 1)
    size = len(X) * n_bins
    count = np.bincount(cell, minlength=size)
    mean = np.bincount(curve, weights=X.mag) / X.lengths
    dev = X.mag - mean[curve]
    std = np.sqrt(np.bincount(curve, weights=dev**2) / X.lengths)
    z = dev / np.where(std > 0, std, 1.0)[curve]
    shape = np.bincount(cell, weights=z, minlength=size) / np.maximum(count, 1)
    shape = shape.reshape(len(X), n_bins)     # empty bins stay 0, the curve's mean
    first = np.argmin(np.where(count.reshape(len(X), n_bins) > 0, shape, np.inf), axis=1)
    columns = (np.arange(n_bins) + first[:, None]) % n_bins
    return np.take_along_axis(shape, columns, axis=1), std


# %%
# The classifier
# --------------


class FoldedShapeClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on the binned folded shape, log-period and log-scatter.

    Parameters
    ----------
    n_bins : int, default=20
        Phase bins of the folded curve.
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.
    random_state : int or None, default=None
        Handed to the logistic regression. ``BaggingAugmentedEnsemble``
        gives every member its own seed through this parameter.
    """

    def __init__(self, n_bins=20, *, C=1.0, random_state=None):
        # Store parameters unchanged; validate them in fit (sklearn contract).
        self.n_bins = n_bins
        self.C = C
        self.random_state = random_state

    def _features(self, X):
        X = vsaug.as_light_curves(X)  # anything as_light_curves converts
        log_period = np.log10(X.require("period"))  # clear error if a period is missing
        shapes, std = binned_shapes(X, self.n_bins)
        return np.column_stack([shapes, log_period, np.log10(np.maximum(std, 1e-6))])

    def fit(self, X, y):
        if not isinstance(self.n_bins, Integral) or self.n_bins < 4:
            raise ValueError(f"n_bins must be an integer >= 4, got {self.n_bins!r}")
        y = np.asarray(y)
        F = self._features(X)
        if len(y) != len(F):
            raise ValueError(f"X has {len(F)} light curves but y has {len(y)} labels")
        self.model_ = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state),
        ).fit(F, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._features(X))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        # Tell scikit-learn the input is not a 2-D array.
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags


# %%
# The binned shapes of a few stars per class
# ------------------------------------------
# What the logistic regression sees: each class has its own mean shape.
path = sys.argv[1] if len(sys.argv) > 1 else None
X, y = load_example_data(path, n_samples=300, max_per_class=300 if path else None)
shapes, _ = binned_shapes(X, 20)
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for k, label in enumerate(["Ecl", "EA", "RRab", "RRc", "LPV"]):
    ax.plot(np.arange(20) / 20, shapes[y == label].mean(axis=0), marker="o", ms=3,
            color=f"C{k}", label=label)
ax.invert_yaxis()   # magnitudes: brighter up
ax.set(xlabel="phase from maximum light", ylabel="standardised magnitude",
       title="mean binned shape per class")
ax.legend(ncols=5, fontsize="small")

# %%
# Alone and in the ensemble
# -------------------------
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0)
print(f"data: {len(X_train)} training and {len(X_test)} test light curves")

clf = FoldedShapeClassifier(n_bins=20, random_state=0)
print(f"parameters: {clone(clf).get_params()}")

single = clone(clf).fit(X_train, y_train)
s = classification_summary(y_test, single.predict(X_test))
print(f"single classifier: balanced accuracy {s.balanced_accuracy:.3f}, "
      f"macro F1 {s.macro_f1:.3f}")

# The same classifier in the bagging-like ensemble: balanced bags, the
# small classes topped up with GP synthetics; one clone per bag.
ensemble = BaggingAugmentedEnsemble(
    clf,
    augmenter=GPLightCurveAugmenter(),
    n_estimators=5,
    samples_per_class=300 if path else 15,
    random_state=0,
).fit(X_train, y_train)
s = classification_summary(y_test, ensemble.predict(X_test))
print(f"ensemble of {len(ensemble.estimators_)}: balanced accuracy "
      f"{s.balanced_accuracy:.3f}, macro F1 {s.macro_f1:.3f}")
seeds = [m.random_state for m in ensemble.estimators_]
print(f"member seeds: {seeds}")
