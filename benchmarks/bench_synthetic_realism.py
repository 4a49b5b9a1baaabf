"""Can a classifier tell GP synthetics from the real curves they copy?

For every curve of the small CRTS classes in the training part (those the
bagging ensemble tops up), one synthetic is drawn from its own GP fit under
each ``error_model`` of :class:`vsaug.GPLightCurveAugmenter` (and, for the
empirical one, each ``cadence_subset``). Seven summary
statistics per curve (mean error, spread of the errors, their correlation
with magnitude, the magnitude scatter, the point-to-point scatter in time
and in phase order, the number of points) feed a gradient-boosting
classifier that must say real or synthetic; its 5-fold cross-validated
accuracy is printed for every error model, with all statistics and with
each alone. 0.5 means indistinguishable. A network that sees each point's
magnitude and error can learn any such tell, and with the small classes
the only ones carrying synthetics, the tell stands in for the class.

Usage::

    python benchmarks/bench_synthetic_realism.py [--fits runs/fast/gp_train.joblib]

``--fits`` reuses a fitted augmenter saved by ``vsaug reproduce`` (its
``gp_train.joblib``); without it the small classes' training curves are
cleaned, split 6:1:3 like the runner's and GP-fitted here (minutes).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score, train_test_split

from vsaug import GPLightCurveAugmenter
from scipy.special import ndtri

from vsaug._ragged import (
    lengths_to_offsets,
    segment_mean,
    segment_median,
    segment_positions,
    segment_sort,
    segment_std,
)
from vsaug.augmentation import noise_to_error_ratio
from vsaug.cleaning import LightCurveCleaner
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
SMALL = ["LPV", "RRd", "Blazhko", "CepII", "ACEP", "DSct"]
STATISTICS = ["mean error", "error spread (std/mean)", "corr(magnitude, error)",
              "magnitude std", "time-order scatter / error", "phase-order scatter / error",
              "points"]
# (error_model, cadence_subset) of every variant compared
VARIANTS = [("gp", "points"), ("empirical", "points"), ("empirical", "nights"),
            ("nightly", "nights")]


def summary(X):
    """The STATISTICS of every curve, one row each (vectorised)."""
    o = X.offsets
    mag, err = X.mag.astype(float), X.err.astype(float)
    mean_err, std_err = segment_mean(err, o), segment_std(err, o)
    mean_mag, std_mag = segment_mean(mag, o), segment_std(mag, o)
    n = np.diff(o)
    cov = segment_mean((mag - np.repeat(mean_mag, n)) * (err - np.repeat(mean_err, n)), o)
    corr = np.divide(cov, std_mag * std_err, out=np.zeros_like(cov), where=std_err > 0)
    # median step between time neighbours, as a Gaussian scatter
    by_time = mag[segment_sort(X.time, o)]
    step = np.abs(np.diff(by_time))[segment_positions(o)[1:] > 0]
    time_scatter = segment_median(step, lengths_to_offsets(n - 1)) / (np.sqrt(2) * ndtri(0.75))
    return np.column_stack([mean_err, std_err / mean_err, corr, std_mag,
                            time_scatter / mean_err, noise_to_error_ratio(X), n])


def fitted_augmenter(args):
    if args.fits:
        aug = joblib.load(args.fits)
        print(f"GP fits loaded from {args.fits}: {len(aug.gp_params_)} curves")
        return aug
    X, y = load_crts(CRTS)
    X = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X)
    train, _ = train_test_split(np.arange(len(X)), train_size=0.6, stratify=y, random_state=0)
    keep = train[np.isin(y[train], SMALL)]
    t0 = time.perf_counter()
    # A target above a class's size marks it for fitting; "all" would skip
    # the largest of these classes.
    classes, counts = np.unique(y[keep], return_counts=True)
    strategy = {c: int(n) + 1 for c, n in zip(classes, counts)}
    aug = GPLightCurveAugmenter(sampling_strategy=strategy, n_jobs=args.n_jobs)
    aug.fit(X.take(keep), y[keep])
    print(f"GP-fitted {keep.size} curves in {time.perf_counter() - t0:.0f} s")
    return aug


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", help="a saved fitted GPLightCurveAugmenter (joblib)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    aug = fitted_augmenter(args)
    prototypes = np.flatnonzero(np.isin(aug.y_, SMALL))
    prototypes = prototypes[np.isin(prototypes, aug.gp_params_.index)]
    real = summary(aug.X_.take(prototypes))
    print(f"{prototypes.size} real curves of {', '.join(SMALL)}; one synthetic of each\n")
    rows = []
    for model, cadence in VARIANTS:
        # A saved augmenter may predate these parameters: set them directly.
        aug.error_model, aug.cadence_subset = model, cadence
        model = model if cadence == "points" else f"{model}+{cadence}"
        synthetic = summary(aug.sample(prototypes, random_state=args.seed))
        Z = np.vstack([real, synthetic])
        label = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
        clf = HistGradientBoostingClassifier(random_state=0)
        every = cross_val_score(clf, Z, label, cv=5).mean()
        alone = [cross_val_score(clf, Z[:, [j]], label, cv=5).mean() for j in range(Z.shape[1])]
        medians = np.median(synthetic, axis=0)
        rows.append((model, every, alone, medians))
    print(f"{'statistic':30s} {'real median':>12s}" + "".join(
        f" {m + ' median':>16s} {m + ' acc.':>10s}" for m, *_ in rows))
    for j, name in enumerate(STATISTICS):
        print(f"{name:30s} {np.median(real[:, j]):12.3f}" + "".join(
            f" {r[3][j]:16.3f} {r[2][j]:10.3f}" for r in rows))
    print(f"{'all seven':30s} {'':12s}" + "".join(f" {'':16s} {r[1]:10.3f}" for r in rows))


if __name__ == "__main__":
    main()
