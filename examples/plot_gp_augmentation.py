"""
Gaussian-process augmentation
=============================

:class:`~vsaug.GPLightCurveAugmenter` is an imbalanced-learn-style
over-sampler for light curves: it fits one Gaussian process per real curve
of the classes it tops up (in phase, Matern-5/2 kernel, the measured errors
as white noise) and draws synthetic curves from those fits, each with the
cadence of a real curve, errors scaled to its prototype's and a random phase
shift. This example

1. tops the small classes up with ``fit_resample`` and checks the synthetics;
2. draws one fit and a synthetic curve from it;
3. draws more synthetics from the cached fits with ``sample`` (no refit);
4. cross-validates an ``imblearn`` pipeline (augment -> features -> gradient
   boosting) against the same pipeline without augmentation.

Run it on a CRTS-layout folder with ``python examples/plot_gp_augmentation.py ../shared/crts``.
"""

import sys
import time

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from vsaug import GPLightCurveAugmenter, LightCurveCleaner, PeriodicFeatures
from vsaug.datasets import load_example_data
from vsaug.plotting import plot_gp_augmentation


def counts(y):
    classes, n = np.unique(y, return_counts=True)
    return ", ".join(f"{c} {k}" for c, k in zip(classes, n))


path = sys.argv[1] if len(sys.argv) > 1 else None
X, y = load_example_data(path, n_samples=300, max_per_class=300 if path else None)
X = LightCurveCleaner().fit_transform(X)  # outliers would bend the GPs
print(f"data: {len(X)} light curves; {counts(y)}")

# %%
# Top the small classes up
# ------------------------
# ``fit_resample`` returns the originals followed by the synthetics. A dict
# ``sampling_strategy`` gives the wanted size of each class, as in imblearn.
target = 20
strategy = {c: target for c, n in zip(*np.unique(y, return_counts=True)) if n < target}
augmenter = GPLightCurveAugmenter(sampling_strategy=strategy, random_state=0)
started = time.perf_counter()
X_res, y_res = augmenter.fit_resample(X, y)
print(f"resampled: {len(X_res)} light curves; {counts(y_res)}")
print(f"GP fits: {len(augmenter.gp_params_)} in {time.perf_counter() - started:.1f} s, "
      f"fallbacks: {augmenter.n_fallbacks_}")

# Every synthetic records its prototype; it has the prototype's number of
# points and the same mean error.
synthetic = X_res[X_res.meta["synthetic"].to_numpy(dtype=bool)]
proto = synthetic.meta["prototype"].to_numpy()
same_length = np.array_equal(synthetic.lengths, X.lengths[proto])
mean_err = np.array([c.err.mean() for c in synthetic])
proto_err = np.array([X[int(p)].err.mean() for p in proto])
print(f"synthetics: {len(synthetic)}, same length as prototype: {same_length}, "
      f"largest mean-error mismatch: {np.max(np.abs(mean_err / proto_err - 1)):.1e}")

# %%
# One fit and one synthetic curve
# -------------------------------
# The prototype's points, the GP mean with a band of two predictive
# deviations, and a synthetic drawn from it (shown at the prototype's phase).
star = int(augmenter.gp_params_.index[0])
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
plot_gp_augmentation(augmenter, star, random_state=0, ax=ax,
                     title=f"a {y[star]} star, its GP fit and a synthetic curve")

# %%
# More synthetics without refitting
# ---------------------------------
# The fits are cached in ``gp_params_``: drawing is cheap.
started = time.perf_counter()
more = augmenter.sample(np.full(100, star), random_state=1)
print(f"sampled 100 more curves of star {X.meta['id'].iloc[star]} ({y[star]}) in "
      f"{time.perf_counter() - started:.2f} s without refitting")
print(f"their phase shifts span {more.meta['phase_shift'].min():.2f}-"
      f"{more.meta['phase_shift'].max():.2f} periods")

# %%
# Augmentation inside cross-validation
# ------------------------------------
# In an imblearn ``Pipeline`` the sampler acts only while fitting: the test
# folds of ``cross_validate`` are never augmented.


def pipeline(augment):
    steps = [("features", PeriodicFeatures()),
             ("classify", HistGradientBoostingClassifier(max_iter=60, random_state=0))]
    if augment:
        steps.insert(0, ("augment", GPLightCurveAugmenter(sampling_strategy=strategy,
                                                          random_state=0)))
    return Pipeline(steps)


cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
for name, augment in (("no augmentation", False), ("GP augmentation", True)):
    scores = cross_validate(pipeline(augment), X, y, cv=cv,
                            scoring=("balanced_accuracy", "f1_macro"))
    print(f"{name}: balanced accuracy {scores['test_balanced_accuracy'].mean():.3f}, "
          f"macro F1 {scores['test_f1_macro'].mean():.3f} (2-fold mean)")
