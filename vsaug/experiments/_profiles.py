"""Run settings: the hyperparameter profiles, the experiments, the paper's figures and the seeds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["Profile", "PROFILES", "EXPERIMENTS", "PAPER_RESULTS", "Experiment"]


@dataclass(frozen=True)
class Profile:
    """The hyperparameters of one run.

    Attributes
    ----------
    name : str
    n_bags : int
        Bags (members) of every ensemble.
    samples_per_class : int
        Curves per class in every bag; also the target of ``rnn_weighted``.
    rnn : dict
        Parameters of :class:`vsaug.MultiInputRNNClassifier`.
    compound : dict
        Parameters of :class:`vsaug.CompoundRNNCNNClassifier` (its CNN and
        stage two); its stage one is an RNN with the ``rnn`` parameters.
    features : dict
        Parameters of the fast model's ``HistGradientBoostingClassifier``.
    augmenter : dict
        Parameters of :class:`vsaug.GPLightCurveAugmenter`.

    Examples
    --------
    >>> from vsaug.experiments import PROFILES
    >>> small = PROFILES["fast"].with_overrides(n_bags=2, epochs=3)
    >>> small.n_bags, small.rnn["epochs"], PROFILES["fast"].rnn["epochs"]
    (2, 3, 6)
    """

    name: str
    n_bags: int
    samples_per_class: int
    rnn: dict = field(default_factory=dict)
    compound: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    augmenter: dict = field(default_factory=dict)

    def with_overrides(self, *, n_bags=None, samples_per_class=None, epochs=None,
                       learning_rate_schedule=None, error_model=None, cadence_subset=None):
        """A copy with the run-size, training and synthetic-curve settings replaced where given."""
        rnn, compound, augmenter = dict(self.rnn), dict(self.compound), dict(self.augmenter)
        if error_model is not None:
            augmenter["error_model"] = error_model
        if cadence_subset is not None:
            augmenter["cadence_subset"] = cadence_subset
        if epochs is not None:
            rnn["epochs"] = compound["epochs"] = int(epochs)
        if learning_rate_schedule is not None:
            rnn["learning_rate_schedule"] = compound["learning_rate_schedule"] = \
                learning_rate_schedule
        return replace(
            self,
            n_bags=self.n_bags if n_bags is None else int(n_bags),
            samples_per_class=(
                self.samples_per_class if samples_per_class is None else int(samples_per_class)
            ),
            rnn=rnn,
            compound=compound,
            augmenter=augmenter,
        )


#: The one table of run settings. ``paper``: DESIGN 1.4 and 1.5 exactly.
#: ``fast``: bidirectional GRUs of 64 and 32 units and 6 epochs instead of
#: 128/64 and 10, and GP synthetics with ``error_model="empirical"`` instead
#: of the paper's ``"gp"`` (the same bag scored 83.7% balanced accuracy on
#: the CRTS test part against 75.6%: ``benchmarks/notes/augment.md``);
#: everything else as the paper. Its GRUs train 1.5x faster
#: than the paper's on a shared 2-core machine
#: (``benchmarks/bench_rnn_profiles.py``), and with 6 epochs instead of 10
#: a bag of 1875 curves per class trained in 445-553 s with its per-epoch
#: validation on 2 cores in the CRTS run of ``docs/results``: 84 minutes
#: for the 10-bag RNN ensemble (85.4% balanced accuracy). Batches are
#: grouped by length in every profile: that changes the speed, not the
#: network. ``demo``: tiny networks for ``vsaug demo``.
_PAPER = Profile(
    name="paper",
    n_bags=10,
    samples_per_class=1875,
    rnn=dict(gru_units=(128, 64), dense_units=(128, 32), scalar_units=(64, 32),
             dropout=0.4, label_smoothing=0.1, learning_rate=1e-3, batch_size=32,
             epochs=10),
    compound=dict(image_size=128, cnn_dropout=0.2, cnn_dense_units=(256, 32),
                  label_smoothing=0.1, learning_rate=1e-3, batch_size=32, epochs=10),
    features=dict(max_iter=300, learning_rate=0.1),
    augmenter=dict(error_model="gp"),
)
PROFILES = {
    "paper": _PAPER,
    # The paper's profile but for what the comment above lists.
    "fast": replace(
        _PAPER.with_overrides(epochs=6, error_model="empirical"),
        name="fast",
        rnn={**_PAPER.rnn, "gru_units": (64, 32), "epochs": 6},
    ),
    # The paper's recipe with tiny networks and bags.
    "demo": replace(
        _PAPER, name="demo", n_bags=3, samples_per_class=150,
        rnn={**_PAPER.rnn, "gru_units": (8, 8), "dense_units": (16, 16),
             "scalar_units": (16, 16), "dropout": 0.1, "learning_rate": 1e-2, "epochs": 3},
        compound=dict(image_size=32, conv_blocks=(((4, 3),), ((8, 3),)), cnn_dropout=0.1,
                      cnn_dense_units=(16,), label_smoothing=0.1, learning_rate=1e-2,
                      batch_size=32, epochs=2),
        features={**_PAPER.features, "max_iter": 60},
        augmenter={},
    ),
}


@dataclass(frozen=True)
class Experiment:
    """One experiment of a run.

    Attributes
    ----------
    name : str
        Its key in :data:`EXPERIMENTS`; its seeds derive from it.
    title : str
        For the report (``{bags}`` is replaced by the number of bags).
    model : str
        A key of :data:`vsaug.experiments.MODELS`: the member kind.
    design : {"bagging", "equal", "weighted"}
        Bags of ``samples_per_class`` per class; one set with every class
        augmented to the largest; one set with small classes augmented to
        ``samples_per_class`` and balanced class weights.
    """

    name: str
    title: str
    model: str
    design: str


#: The experiments a run can select, in the order they run.
EXPERIMENTS = {
    e.name: e
    for e in (
        Experiment("rnn", "RNN, ensemble of {bags}", "rnn", "bagging"),
        Experiment("rnn_equal", "RNN, equal augmentation", "rnn", "equal"),
        Experiment("rnn_weighted", "RNN, moderate augmentation + class weights", "rnn",
                   "weighted"),
        Experiment("compound", "compound RNN+CNN, ensemble of {bags}", "compound", "bagging"),
        Experiment("fast", "fast feature model, ensemble of {bags}", "fast", "bagging"),
    )
}

#: The paper's test-set figures (balanced accuracy, macro F1; None: not given).
PAPER_RESULTS = {
    "rnn": (0.857, 0.71),
    "rnn_equal": (None, 0.66),
    "rnn_weighted": (None, 0.67),
    "compound": (0.862, 0.75),
}

_SEED_KEYS = {"select": 1, "split": 2, "gp_train": 3, "gp_val": 4, "bag": 5, "member": 6,
              "resample": 7}


def stage_seed(seed, *key):
    """An int32 seed for one named stage, independent of every other stage's."""
    words = [_SEED_KEYS[key[0]], *(int(k) for k in key[1:])]
    state = np.random.SeedSequence(int(seed), spawn_key=tuple(words)).generate_state(1)
    return int(state[0] >> 1)


def name_code(name):
    """A stable 32-bit code of an experiment's name (not of its place in the table)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def resolve_profile(profile):
    """A :class:`Profile` from itself or a key of :data:`PROFILES`."""
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)} or a Profile; got {profile!r}")
    return PROFILES[profile]
