"""Which combiner and prior weight: on the members ``bench_best_model.py`` saved.

Loads the fitted members of one seed of a ``bench_best_model.py`` run,
computes their probabilities on the combiner's held-out stars and on the
VALIDATION part (never the test part), and prints, for a few member sets,
the validation balanced accuracy / macro F1 of :class:`LogLinearPooling`
and of multinomial ``LogisticRegression`` (three ``C``) on their
log-probabilities, at the out-of-fold ``"auto"`` prior weight and at every
fixed one, plus the plain mean of the members' probabilities::

    OMP_NUM_THREADS=1 python benchmarks/bench_stack_combiners.py --run runs/best --seed 0
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import cross_val_predict

import vsaug
from vsaug import HoldoutStackingClassifier, LightCurveCleaner
from vsaug.datasets import load_crts
from vsaug.experiments._data import split_stars
from vsaug.stacking import PRIOR_WEIGHTS, LogLinearPooling

CRTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "crts"
MEMBER_SETS = (("fast",), ("fast", "fold", "rnn"), ("periodic", "fold", "rnn"),
               ("fast", "periodic", "fold", "rnn"))


def member_probabilities(run, seed, names):
    """Probabilities of each saved member on the held-out and validation stars."""
    X, y = load_crts(CRTS)
    y = np.asarray(y).astype(str)
    Xc = LightCurveCleaner(n_jobs=1).fit_transform(X)
    parts = split_stars(y, seed, None)
    train, val = parts["train"], parts["val"]
    _, hold = HoldoutStackingClassifier([], random_state=seed).holdout_split(y[train])
    X_hold, X_val = Xc.take(train[hold]), Xc.take(val)
    proba = {}
    for name in names:
        member = vsaug.load(Path(run) / f"seed{seed}" / "members" / f"{name}.vsaug")
        proba[name] = (member.predict_proba(X_hold), member.predict_proba(X_val))
        classes = member.classes_.astype(str)
    return proba, y[train][hold], y[val], classes


def scores(y_true, y_pred):
    return balanced_accuracy_score(y_true, y_pred), f1_score(y_true, y_pred, average="macro")


def adjust(proba, prior, weight):
    scaled = proba * prior ** -weight
    return scaled / scaled.sum(axis=1, keepdims=True)


def evaluate(make, names, proba, y_hold, y_val, classes):
    """One line: the auto prior weight's and every fixed weight's validation scores."""
    def stack(part):
        return np.hstack([np.log(np.clip(proba[n][part], 1e-6, 1)) for n in names])

    prior = np.array([(y_hold == c).mean() for c in classes])
    oof = cross_val_predict(make(), stack(0), y_hold, cv=5, method="predict_proba")
    auto = max(PRIOR_WEIGHTS,
               key=lambda w: sum(scores(y_hold, classes[adjust(oof, prior, w).argmax(1)])))
    p_val = make().fit(stack(0), y_hold).predict_proba(stack(1))
    cells = []
    for weight in (auto, *PRIOR_WEIGHTS):
        ba, f1 = scores(y_val, classes[adjust(p_val, prior, weight).argmax(1)])
        cells.append(f"{weight:.2f}: {ba:.3f}/{f1:.3f}")
    return f"auto {cells[0]} | " + "  ".join(cells[1:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", default="runs/best")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    names = sorted({n for s in MEMBER_SETS for n in s})
    proba, y_hold, y_val, classes = member_probabilities(args.run, args.seed, names)
    combiners = {"LogLinearPooling": LogLinearPooling}
    for C in (0.01, 0.1, 1.0):
        combiners[f"LogisticRegression C={C}"] = (
            lambda C=C: LogisticRegression(C=C, max_iter=3000))
    print(f"validation balanced accuracy / macro F1, seed {args.seed}; "
          "prior weight: auto (out of fold on the held-out stars) | fixed")
    warnings.simplefilter("ignore", ConvergenceWarning)
    for members in MEMBER_SETS:
        for label, make in combiners.items():
            line = evaluate(make, members, proba, y_hold, y_val, classes)
            print(f"{'+'.join(members):24s} {label:26s} {line}", flush=True)
        mean = np.mean([proba[n][1] for n in members], axis=0)
        ba, f1 = scores(y_val, classes[mean.argmax(1)])
        print(f"{'+'.join(members):24s} {'mean of probabilities':26s} {ba:.3f}/{f1:.3f}")


if __name__ == "__main__":
    main()
