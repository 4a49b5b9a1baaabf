"""Gaussian-process augmentation of light curves, on its own and in a pipeline.

``GPLightCurveAugmenter`` is an imbalanced-learn-style over-sampler for
light curves: it fits one Gaussian process per real curve of
the classes it tops up (in phase, Matern-5/2 kernel, measured errors as
white noise) and draws synthetic curves from those fits, each with the
cadence of a real curve, errors scaled to its prototype's and a random phase
shift. This script

1. tops the small classes up with ``fit_resample`` and checks the synthetics;
2. draws more synthetics from the cached fits with ``sample`` (no refit);
3. cross-validates an ``imblearn`` pipeline (clean -> augment -> features ->
   gradient boosting) against the same pipeline without augmentation.

Run it on synthetic stars, or on a CRTS-layout folder::

    python examples/gp_augmentation.py
    python examples/gp_augmentation.py ../shared/crts --max-per-class 300
    python examples/gp_augmentation.py --plot gp.png   # also draw one fit
"""

import argparse
import time

import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from vsaug import GPLightCurveAugmenter, LightCurveCleaner, PeriodicFeatures
from vsaug.datasets import load_crts, make_light_curves, subsample_classes


def load_data(path, n_samples, max_per_class, seed):
    """Light curves and labels: a CRTS-layout folder, else synthetic stars."""
    X, y = make_light_curves(n_samples, random_state=seed) if path is None else load_crts(path)
    if max_per_class:
        keep = subsample_classes(y, max_per_class, random_state=seed)
        X, y = X[keep], y[keep]
    return X, y


def counts(y):
    classes, n = np.unique(y, return_counts=True)
    return ", ".join(f"{c} {k}" for c, k in zip(classes, n))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="CRTS-layout folder (default: synthetic stars)")
    parser.add_argument("--n-samples", type=int, default=600, help="synthetic stars to make")
    parser.add_argument("--max-per-class", type=int, help="keep at most this many stars per class")
    parser.add_argument("--target", type=int,
                        help="top every smaller class up to this many curves "
                             "(default: the median class size)")
    parser.add_argument("--n-jobs", type=int,
                        help="workers for cleaning and GP fits (-1: all cores)")
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--plot", metavar="PNG",
                        help="draw one GP fit and a synthetic to this file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load_data(args.data, args.n_samples, args.max_per_class, args.seed)
    X = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X)  # outliers would bend the GPs
    print(f"data: {len(X)} light curves; {counts(y)}")

    # 1. fit_resample: the originals followed by the synthetics. A dict
    # sampling_strategy gives the wanted size of each class, as in imblearn.
    classes, sizes = np.unique(y, return_counts=True)
    target = args.target or int(np.median(sizes))
    strategy = {c: target for c, n in zip(classes, sizes) if n < target}
    if not strategy:
        print(f"no class has fewer than {target} curves: nothing to augment (raise --target)")
        return
    augmenter = GPLightCurveAugmenter(sampling_strategy=strategy, n_jobs=args.n_jobs,
                                      random_state=args.seed)
    started = time.perf_counter()
    X_res, y_res = augmenter.fit_resample(X, y)
    fit_seconds = time.perf_counter() - started
    n_fits = len(augmenter.gp_params_)
    print(f"resampled: {len(X_res)} light curves; {counts(y_res)}")
    print(f"GP fits: {n_fits} in {fit_seconds:.1f} s, fallbacks: {augmenter.n_fallbacks_}")

    # Every synthetic records its prototype; it has the prototype's number
    # of points and the same mean error.
    synthetic = X_res[X_res.meta["synthetic"].to_numpy(dtype=bool)]
    proto = synthetic.meta["prototype"].to_numpy()
    same_length = np.array_equal(synthetic.lengths, X.lengths[proto])
    mean_err = np.array([c.err.mean() for c in synthetic])
    proto_err = np.array([X[int(p)].err.mean() for p in proto])
    print(f"synthetics: {len(synthetic)}, same length as prototype: {same_length}, "
          f"largest mean-error mismatch: {np.max(np.abs(mean_err / proto_err - 1)):.1e}")

    # 2. sample: more synthetics of chosen prototypes from the cached fits.
    star = int(augmenter.gp_params_.index[0])
    started = time.perf_counter()
    more = augmenter.sample(np.full(100, star), random_state=1)
    print(f"sampled 100 more curves of {X.star_name(star)} ({y[star]}) in "
          f"{time.perf_counter() - started:.2f} s without refitting")
    print(f"their phase shifts span {more.meta['phase_shift'].min():.2f}-"
          f"{more.meta['phase_shift'].max():.2f} periods")

    # 3. In an imblearn Pipeline the sampler acts only while fitting: the
    # test folds of cross_validate are never augmented.
    def pipeline(augment):
        steps = [("features", PeriodicFeatures()),
                 ("classify", HistGradientBoostingClassifier(max_iter=60, random_state=0))]
        if augment:
            steps.insert(0, ("augment", GPLightCurveAugmenter(
                sampling_strategy=strategy, n_jobs=args.n_jobs, random_state=args.seed)))
        return Pipeline(steps)

    cv = StratifiedKFold(n_splits=args.cv, shuffle=True, random_state=args.seed)
    for name, augment in (("no augmentation", False), ("GP augmentation", True)):
        scores = cross_validate(pipeline(augment), X, y, cv=cv,
                                scoring=("balanced_accuracy", "f1_macro"))
        print(f"{name}: balanced accuracy {scores['test_balanced_accuracy'].mean():.3f}, "
              f"macro F1 {scores['test_f1_macro'].mean():.3f} ({args.cv}-fold mean)")

    if args.plot:
        # A pyplot-free figure: works in scripts without a display.
        from matplotlib.figure import Figure

        from vsaug.plotting import plot_gp_augmentation

        fig = Figure(figsize=(7, 4), layout="constrained")
        plot_gp_augmentation(augmenter, star, random_state=0, ax=fig.add_subplot())
        fig.savefig(args.plot, dpi=120)
        print(f"figure: {args.plot}")


if __name__ == "__main__":
    main()
