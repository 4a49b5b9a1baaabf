"""Prediction of the fast model: features once for all bags against once per bag.

Every bag of the fast model is ``make_pipeline(PeriodicFeatures(),
HistGradientBoostingClassifier())``, and ``PeriodicFeatures`` learns nothing,
so ``BaggingAugmentedEnsemble.predict_proba`` computes it once and passes the
table to every bag's classifier (``_shared_transform``). This script fits
the fast model (``make_model("fast")``, 10 bags, without its cleaner; bags
topped up by duplicates instead of GP synthetics, which changes nothing in
how prediction runs) on CRTS curves, then times, side by side in one
process, the per-bag way (every member's whole pipeline) and the shared
way on the same cleaned curves, and checks that the probabilities are equal.

    python benchmarks/bench_ensemble_predict.py --fit 3000 --predict 5000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from vsaug import LightCurveCleaner
from vsaug.datasets import load_crts
from vsaug.experiments import make_model

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", type=int, default=3000, help="training curves")
    parser.add_argument("--predict", type=int, default=5000, help="curves to predict")
    parser.add_argument("--n-bags", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    X, y = load_crts(CRTS)
    X_fit, X_rest, y_fit, _ = train_test_split(X, y, train_size=args.fit, stratify=y,
                                               random_state=0)
    cleaner = LightCurveCleaner(n_jobs=2)
    X_fit, X_new = cleaner.fit_transform(X_fit), cleaner.fit_transform(X_rest[:args.predict])
    model = make_model("fast", n_bags=args.n_bags, samples_per_class=200, clean=False,
                       random_state=0)
    model.set_params(ensemble__augmenter="duplicate").fit(X_fit, y_fit)
    ensemble = model[-1]

    def per_bag():
        return np.mean([m.predict_proba(X_new) for m in ensemble.estimators_], axis=0)

    timings, results = {"per bag": [], "shared": []}, {}
    for _ in range(args.repeats):  # alternate, so that load changes hit both alike
        for name, run in (("per bag", per_bag), ("shared", lambda: ensemble.predict_proba(X_new))):
            started = time.perf_counter()
            proba = run()
            timings[name].append(time.perf_counter() - started)
            results[name] = proba
    same = np.array_equal(results["per bag"], results["shared"])
    best = {name: min(t) for name, t in timings.items()}
    print(f"fast model, {args.n_bags} bags, {len(X_new)} CRTS curves, best of {args.repeats}:")
    for name, seconds in best.items():
        print(f"  {name:8s} {seconds:7.2f} s  {len(X_new) / seconds:8.1f} curves/s")
    print(f"  ratio shared / per bag: x {best['per bag'] / best['shared']:.2f}; "
          f"probabilities equal: {same}")


if __name__ == "__main__":
    main()
