"""One RNN ensemble member on one CRTS bag: wall time, curves/s, test balanced accuracy.

The paper's single-bag setting (DESIGN 1.3/1.4): CRTS cleaned
(LightCurveCleaner), split 6:1:3 (train/validation/test, stratified),
one bag of ``samples_per_class`` (1875) curves per class from the train part
(large classes undersampled, small ones topped up with GP synthetics), the
validation part GP-augmented to the largest class, one
MultiInputRNNClassifier trained on the bag for 10 epochs keeping the best
validation epoch, scored on the (never augmented) test part. The paper's
single bags reach 78.6-85.3% balanced accuracy.

Usage::

    python benchmarks/bench_rnn_bag.py [--epochs 10] [--gru 128 64] \\
        [--augmenter gp|duplicate] [--error-model empirical|gp] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from sklearn.model_selection import train_test_split

from vsaug import BaggingAugmentedEnsemble, GPLightCurveAugmenter, MultiInputRNNClassifier
from vsaug.cleaning import LightCurveCleaner
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def split_6_1_3(X, y, seed):
    """Stratified train / validation / test parts of 60%, 10%, 30%."""
    idx = np.arange(len(X))
    train, rest = train_test_split(idx, train_size=0.6, stratify=y, random_state=seed)
    val, test = train_test_split(rest, train_size=0.25, stratify=y[rest], random_state=seed)
    return train, val, test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--gru", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--samples-per-class", type=int, default=1875)
    parser.add_argument("--augmenter", choices=["gp", "duplicate"], default="gp")
    parser.add_argument("--error-model", choices=["empirical", "gp"], default="empirical",
                        help="GPLightCurveAugmenter's error_model (bag and validation set)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    X, y = load_crts(CRTS)
    X = LightCurveCleaner(n_jobs=args.n_jobs).fit_transform(X)
    train, val, test = split_6_1_3(X, y, args.seed)
    print(f"loaded and cleaned {len(X)} CRTS curves in {time.perf_counter() - t0:.0f} s; "
          f"train {train.size}, validation {val.size}, test {test.size}", flush=True)

    augmenter = (GPLightCurveAugmenter(error_model=args.error_model, n_jobs=args.n_jobs)
                 if args.augmenter == "gp" else "duplicate")
    member = MultiInputRNNClassifier(tuple(args.gru), epochs=args.epochs, verbose=args.verbose)
    bag = BaggingAugmentedEnsemble(member, augmenter=augmenter, n_estimators=1,
                                   samples_per_class=args.samples_per_class,
                                   random_state=args.seed, verbose=args.verbose)
    t0 = time.perf_counter()
    bag.fit(X[train], y[train], validation_data=(X[val], y[val]))
    wall = time.perf_counter() - t0
    net = bag.estimators_[0]
    n_bag = args.samples_per_class * bag.classes_.size
    train_s = float(np.sum(net.history_["epoch_seconds"]))

    t0 = time.perf_counter()
    pred = bag.predict(X[test])
    t_pred = time.perf_counter() - t0
    bacc = balanced_accuracy_score(y[test], pred)
    f1 = f1_score(y[test], pred, average="macro")

    print(f"augmenter {args.augmenter} (error model {args.error_model}); network GRU {args.gru}, {args.epochs} epochs, "
          f"bag of {n_bag} curves")
    print(f"fit wall time (augmentation + training + validation): {wall:.0f} s")
    print(f"training steps: {train_s:.0f} s = {n_bag * args.epochs / train_s:.1f} curves/s")
    print(f"validation balanced accuracy per epoch: "
          f"{np.round(net.history_['val_balanced_accuracy'], 3).tolist()}; kept epoch "
          f"{net.best_epoch_}")
    print(f"test: {test.size} curves predicted in {t_pred:.1f} s "
          f"({test.size / t_pred:.0f} curves/s); balanced accuracy {bacc:.3f}, macro F1 {f1:.3f}")
    recall = recall_score(y[test], pred, labels=bag.classes_, average=None)
    print("test recall per class: " + ", ".join(
        f"{c} {r:.2f}" for c, r in zip(bag.classes_, recall)))


if __name__ == "__main__":
    main()
