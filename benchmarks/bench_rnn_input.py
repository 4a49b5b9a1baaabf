"""RNN input pipeline: length-grouped batches against padding to the longest curve.

Trains the same network (the paper's multi-input RNN by default) on the
same CRTS curves twice in one run: once with batches grouped by length and
padded to their own longest curve (rounded up to a multiple of 32), once
with shuffled batches all padded to the longest curve of the data set. It
prints training curves/s (steady-state epochs, after the first epoch that
also traces the graphs) and inference curves/s of both, and their ratios.
The two modes alternate ``--repeats`` times so that load from other
processes hits both alike.

Usage::

    python benchmarks/bench_rnn_input.py [--n-train 1600] [--n-predict 3000] \\
        [--epochs 3] [--gru 128 64] [--repeats 1] [--pad-multiple 32]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from vsaug import MultiInputRNNClassifier
from vsaug.datasets import load_crts

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
MODES = {"grouped by length": True, "padded to the longest": False}


def run_mode(group, X, y, X_pred, args):
    clf = MultiInputRNNClassifier(
        tuple(args.gru), epochs=args.epochs, group_by_length=group,
        pad_multiple=args.pad_multiple, random_state=0,
    ).fit(X, y)
    steady = clf.history_["epoch_seconds"][1:]
    train_rate = len(X) / np.median(steady)
    clf.predict_proba(X_pred[:600])  # trace the prediction graphs
    start = time.perf_counter()
    clf.predict_proba(X_pred)
    predict_rate = len(X_pred) / (time.perf_counter() - start)
    first = len(X) / clf.history_["epoch_seconds"][0]
    return train_rate, predict_rate, first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=1600)
    parser.add_argument("--n-predict", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--gru", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--pad-multiple", type=int, default=MultiInputRNNClassifier().pad_multiple)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch includes tracing)")

    X_all, y_all = load_crts(CRTS)
    rng = np.random.default_rng(args.seed)
    pick = rng.permutation(len(X_all))
    train, pred = pick[: args.n_train], pick[args.n_train : args.n_train + args.n_predict]
    X, y, X_pred = X_all[train], y_all[train], X_all[pred]
    lengths = X.lengths
    print(f"CRTS curves: {len(X)} to train on, {len(X_pred)} to predict; lengths "
          f"median {np.median(lengths):.0f}, max {lengths.max()}; GRU units {args.gru}, "
          f"{args.epochs} epochs, padding to multiples of {args.pad_multiple}")

    results = {name: [] for name in MODES}
    for _ in range(args.repeats):
        for name, group in MODES.items():
            results[name].append(run_mode(group, X, y, X_pred, args))
            tr, pr, first = results[name][-1]
            print(f"  {name}: train {tr:.1f} curves/s (first epoch {first:.1f}), "
                  f"predict {pr:.1f} curves/s", flush=True)

    med = {name: np.median(np.array(r), axis=0) for name, r in results.items()}
    (g_tr, g_pr, _), (p_tr, p_pr, _) = med["grouped by length"], med["padded to the longest"]
    print(f"training:  grouped {g_tr:.1f} curves/s, padded {p_tr:.1f} curves/s, "
          f"ratio {g_tr / p_tr:.2f}x")
    print(f"inference: grouped {g_pr:.1f} curves/s, padded {p_pr:.1f} curves/s, "
          f"ratio {g_pr / p_pr:.2f}x")


if __name__ == "__main__":
    main()
