"""Post-hoc choices on a finished run: prior correction and an RNN + fast blend.

A finished ``vsaug reproduce`` folder keeps every bag's class probabilities
on the validation and the test part. This script re-scores two choices
made after training, without training anything:

- prior correction: the ensemble's probabilities times ``prior ** alpha``,
  the class frequencies of the real validation part raised to ``alpha``
  (0: none; 1: full Bayes correction from balanced bags to the survey's
  priors). Balanced accuracy rewards ``alpha = 0``, macro F1 a larger one
  (fewer false positives in the small classes).
- a blend: ``(1 - w) * rnn + w * fast``, the two bagged ensembles' mean
  probabilities.

Each row prints the balanced accuracy and macro F1 on the *real* curves of
the validation part (synthetics dropped: they are what the members were
partly trained on) and on the test part. Choose on validation, read on
test: the last lines give the test scores at the validation-best setting.
The small classes have 12-14 real validation curves, so validation choices
are noisy.

Usage::

    python benchmarks/bench_posthoc.py [--run runs/fast2] [--rnn rnn] [--other fast]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import joblib
import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score


def bag_mean(run, experiment):
    """Mean validation and test probabilities over an experiment's saved bags."""
    files = sorted((run / experiment).glob("bag*.npz"))
    if not files:
        raise SystemExit(f"no bag*.npz under {run / experiment}: run that experiment first")
    bags = [np.load(f) for f in files]
    return (np.mean([b["val_proba"] for b in bags], axis=0),
            np.mean([b["test_proba"] for b in bags], axis=0), len(files))


def scores(y, proba, classes):
    """Balanced accuracy and macro F1 of the argmax of ``proba``."""
    pred = classes[proba.argmax(axis=1)]
    return balanced_accuracy_score(y, pred), f1_score(y, pred, average="macro")


def sweep(name, values, combine, parts, classes):
    """Print val/test scores for every value; return the validation-best one."""
    print(f"\n{name:>6} | val BA  val F1 | test BA test F1")
    best = None
    for value in values:
        (val_ba, val_f1), (test_ba, test_f1) = (scores(y, combine(value, *p), classes)
                                                for y, p in parts)
        print(f"{value:6.2f} | {val_ba:.4f} {val_f1:.4f} | {test_ba:.4f} {test_f1:.4f}")
        if best is None or val_ba > best[1]:
            best = (value, val_ba, test_ba, test_f1)
    print(f"validation-best {name} = {best[0]:.2f}: test balanced accuracy {best[2]:.4f}, "
          f"macro F1 {best[3]:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("runs/fast2"))
    parser.add_argument("--rnn", default="rnn", help="the ensemble to correct and blend")
    parser.add_argument("--other", default="fast", help="the ensemble blended in")
    args = parser.parse_args()

    X_val, y_val = joblib.load(args.run / "validation.joblib")
    real = ~X_val.meta["synthetic"].to_numpy(bool)
    test = np.load(args.run / "test_predictions.npz", allow_pickle=True)
    classes, y_test = test["classes"], test["y_true"]
    rnn_val, rnn_test, n = bag_mean(args.run, args.rnn)
    other_val, other_test, m = bag_mean(args.run, args.other)
    print(f"{args.run}: {args.rnn} ({n} bags), {args.other} ({m} bags); "
          f"{real.sum()} real validation curves, {len(y_test)} test curves")
    prior = np.array([np.mean(y_val[real] == c) for c in classes])

    sweep("alpha", [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5],
          lambda a, p, _: p * prior ** a,
          [(y_val[real], (rnn_val[real], None)), (y_test, (rnn_test, None))], classes)
    sweep("w", np.round(np.arange(0, 1.01, 0.1), 2),
          lambda w, p, q: (1 - w) * p + w * q,
          [(y_val[real], (rnn_val[real], other_val[real])), (y_test, (rnn_test, other_test))],
          classes)


if __name__ == "__main__":
    main()
