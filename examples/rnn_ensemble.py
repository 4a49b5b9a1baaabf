"""
An ensemble of multi-input RNNs
===============================

The method of the paper: every bag holds the same number of curves per class
(big classes undersampled, small ones topped up with Gaussian-process
synthetics); one :class:`~vsaug.MultiInputRNNClassifier` is trained per bag,
keeping the weights of its best epoch on a GP-augmented validation set; the
ensemble averages the members' probabilities.

The networks here are tiny (GRUs of 8 units, 2 epochs) so the script runs in
a minute or two on a laptop CPU; ``--profile fast`` or ``--profile paper``
uses the settings of :data:`vsaug.experiments.PROFILES` (hours on the full
CRTS set). This page is not run when the documentation is built (it trains
Keras networks); run it yourself::

    python examples/rnn_ensemble.py
    python examples/rnn_ensemble.py ../shared/crts --max-per-class 300
    python examples/rnn_ensemble.py ../shared/crts --profile fast
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow start-up

import numpy as np
from sklearn.model_selection import train_test_split

from vsaug import (
    BaggingAugmentedEnsemble,
    GPLightCurveAugmenter,
    LightCurveCleaner,
    MultiInputRNNClassifier,
    load,
    save,
)
from vsaug.datasets import load_example_data
from vsaug.experiments import PROFILES
from vsaug.metrics import classification_summary

parser = argparse.ArgumentParser(description="An ensemble of multi-input RNNs.")
parser.add_argument("data", nargs="?", help="CRTS-layout folder (default: synthetic stars)")
parser.add_argument("--n-samples", type=int, default=400, help="synthetic stars to make")
parser.add_argument("--max-per-class", type=int, help="keep at most this many stars per class")
parser.add_argument("--profile", choices=("tiny", "demo", "fast", "paper"), default="tiny",
                    help="network size: tiny (default) or a vsaug.experiments profile")
parser.add_argument("--n-bags", type=int, help="bags (default: 2 tiny, else the profile's)")
parser.add_argument("--samples-per-class", type=int,
                    help="curves per class in every bag (default: 40 tiny, else the profile's)")
args = parser.parse_args()
sizes = PROFILES.get(args.profile)
n_bags = args.n_bags or (sizes.n_bags if sizes else 2)
samples_per_class = args.samples_per_class or (sizes.samples_per_class if sizes else 40)

# %%
# Data: clean, then split 6:1:3
# -----------------------------
# The networks read ``meta["amplitude"]``: the cleaner measures it on the
# SuperSmoother fit after removing outliers. The validation part is
# GP-augmented by the ensemble to equal class sizes; the test part never is.
X, y = load_example_data(args.data, n_samples=args.n_samples, max_per_class=args.max_per_class)
X = LightCurveCleaner().fit_transform(X)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                  random_state=0)
X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=1 / 7,
                                                  stratify=y_rest, random_state=0)
print(f"data: {len(X_train)} train, {len(X_val)} validation, {len(X_test)} test curves")

# %%
# The ensemble
# ------------
if args.profile == "tiny":
    member = MultiInputRNNClassifier(
        (8, 8),                   # bidirectional GRUs of 8 and 8 units
        dense_units=(16,),
        scalar_units=(16,),       # the log-period + amplitude branch
        learning_rate=1e-2,       # a large rate, as the paper's bags use
        epochs=2,
    )
else:
    member = MultiInputRNNClassifier(**sizes.rnn)
ensemble = BaggingAugmentedEnsemble(
    member,
    augmenter=GPLightCurveAugmenter(),
    n_estimators=n_bags,
    samples_per_class=samples_per_class,
    n_jobs=1,             # one network at a time: TensorFlow uses every core
    random_state=0,       # seeds the bags and every member
)
started = time.perf_counter()
ensemble.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"fit: {time.perf_counter() - started:.1f} s for {n_bags} bags of "
      f"{samples_per_class} curves per class")
for k, m in enumerate(ensemble.estimators_):
    h = m.history_
    seen = len(ensemble.estimators_samples_[k]) + ensemble.n_synthetic_
    rate = seen * len(h["loss"]) / sum(h["epoch_seconds"])
    print(f"bag {k}: best epoch {m.best_epoch_} of {len(h['loss'])}, "
          f"validation balanced accuracy {max(h['val_balanced_accuracy']):.3f}, "
          f"{rate:.0f} curves/s in training")

proba = ensemble.predict_proba(X_test)
summary = classification_summary(y_test, ensemble.classes_[proba.argmax(axis=1)])
print(f"test balanced accuracy: {summary.balanced_accuracy:.3f}")
print(f"test macro F1: {summary.macro_f1:.3f}")

# %%
# One file holds the whole ensemble
# ---------------------------------
# Keras networks included.
with tempfile.TemporaryDirectory() as folder:
    path = save(ensemble, os.path.join(folder, "rnn_ensemble.vsaug"))
    size_kb = os.path.getsize(path) / 1024
    same = np.allclose(load(path).predict_proba(X_test), proba, atol=1e-6)
print(f"saved and reloaded ({size_kb:.0f} kB): same probabilities: {same}")
