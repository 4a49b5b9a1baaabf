"""Training speed of the multi-input RNN of each ``vsaug reproduce`` profile.

Trains the RNN of the ``paper`` and ``fast`` profiles (``vsaug.experiments.
PROFILES``) side by side on the same random CRTS curves for two epochs each
and prints the steady-state training rate (second epoch, after the first
also traced the graphs) in curves/s, the ratio of each to the paper's
network, and the training time it projects for one profile's whole RNN
ensemble (bags x classes x samples per class x epochs / rate; validation and
prediction not included). ``--batch-sizes`` adds variants of the fast
network with other batch sizes. ``--compound`` also times stage two of each
profile's compound RNN+CNN network (128x128 images drawn batch by batch,
RNN branch frozen; stage one a one-epoch RNN, untimed) the same way and
projects its ensemble on top of the RNN ensemble it starts from.

Usage::

    python benchmarks/bench_rnn_profiles.py [--n-train 2400] [--batch-sizes 64 128] [--compound]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from vsaug import CompoundRNNCNNClassifier, MultiInputRNNClassifier
from vsaug.datasets import load_crts
from vsaug.experiments import PROFILES

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"


def training_rate(params, X, y):
    """Curves/s of the second epoch of a two-epoch fit."""
    params = dict(params, epochs=2)
    clf = MultiInputRNNClassifier(random_state=0, **params).fit(X, y)
    return len(X) / clf.history_["epoch_seconds"][1]


def compound_rate(profile, X, y):
    """Curves/s of the second epoch of stage two, after a one-epoch stage one."""
    rnn = MultiInputRNNClassifier(random_state=0, **dict(profile.rnn, epochs=1)).fit(X, y)
    params = dict(profile.compound, epochs=2)
    clf = CompoundRNNCNNClassifier(rnn, random_state=0, **params).fit(X, y)
    return len(X) / clf.history_["epoch_seconds"][1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2400)
    parser.add_argument("--batch-sizes", type=int, nargs="*", default=[],
                        help="extra batch sizes of the fast network")
    parser.add_argument("--compound", action="store_true",
                        help="also time stage two of the compound network of each profile")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    warnings.simplefilter("ignore", UserWarning)  # 3 placeholder dates in CRTS
    X_all, y_all = load_crts(CRTS)
    pick = np.random.default_rng(args.seed).permutation(len(X_all))[: args.n_train]
    X, y = X_all[pick], y_all[pick]
    n_classes = np.unique(y_all).size
    print(f"{len(X)} random CRTS curves, median {np.median(X.lengths):.0f} points; "
          f"2 epochs each, rate of the second")

    variants = [(name, PROFILES[name], PROFILES[name].rnn) for name in ("paper", "fast")]
    for bs in args.batch_sizes:
        variants.append((f"fast, batch {bs}", PROFILES["fast"],
                         dict(PROFILES["fast"].rnn, batch_size=bs)))
    paper_rate = None
    for label, profile, params in variants:
        rate = training_rate(params, X, y)
        paper_rate = paper_rate or rate
        curves = profile.n_bags * n_classes * profile.samples_per_class * params["epochs"]
        print(f"{label:>16}: GRU {params['gru_units']}, batch {params['batch_size']}, "
              f"{params['epochs']} epochs: {rate:.0f} curves/s ({rate / paper_rate:.2f}x paper); "
              f"{profile.n_bags}-bag ensemble trains in ~{curves / rate / 60:.0f} min", flush=True)
    if args.compound:
        for name in ("paper", "fast"):
            profile = PROFILES[name]
            rate = compound_rate(profile, X, y)
            curves = (profile.n_bags * n_classes * profile.samples_per_class
                      * profile.compound["epochs"])
            print(f"{name:>16} compound, stage two: image {profile.compound['image_size']}, "
                  f"{profile.compound['epochs']} epochs: {rate:.0f} curves/s; "
                  f"{profile.n_bags} bags train in ~{curves / rate / 60:.0f} min "
                  f"after the RNN ensemble", flush=True)


if __name__ == "__main__":
    main()
