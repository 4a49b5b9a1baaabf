"""The shared stages of a run: settings checks, the split, cleaning, GP fits, the validation set."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .._training import LEARNING_RATE_SCHEDULES
from ..augmentation import CADENCE_SUBSETS, ERROR_MODELS, GPLightCurveAugmenter
from ._profiles import EXPERIMENTS, resolve_profile, stage_seed
from ._stages import json_default

__all__ = ["load_data", "data_label", "resolve_settings", "run_settings", "split_stars", "clean_curves", "fit_gps",
           "augmenter_for", "draw_with_profile_settings", "MIN_PER_CLASS"]

SPLIT = (0.6, 0.1, 0.3)
MIN_PER_CLASS = 5  # so that a stratified 6:1:3 split puts every class in train and test
#: Bumped when the files of a run change meaning; older run folders are refused.
#: 2: bags come from BaggingAugmentedEnsemble checkpoints, member seeds from names.
#: (Format 2 still: bag<k>.vsaug now holds bag k's member alone, the same member as
#: before; a file that holds the ensemble after bag k, as earlier runs wrote, is read
#: as its member k.)
RUN_FORMAT = 2


def resolve_settings(run):
    """Check an :class:`ExperimentRun`'s parameters; return its profile and experiments."""
    names = list(EXPERIMENTS) if run.experiments is None else list(run.experiments)
    unknown = [e for e in names if e not in EXPERIMENTS]
    if unknown or not names:
        raise ValueError(
            f"experiments must be a non-empty selection of {list(EXPERIMENTS)}; got {names}"
        )
    for name in ("max_per_class", "n_bags", "samples_per_class", "epochs"):
        value = getattr(run, name)
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None; got {value!r}")
    if run.max_per_class is not None and run.max_per_class < MIN_PER_CLASS:
        raise ValueError(
            f"max_per_class={run.max_per_class} is too small to split 6:1:3 "
            f"with every class in the training and test parts; use {MIN_PER_CLASS} or more"
        )
    # Checked here, not first when a network or augmenter is fitted later.
    for name, choices in (("learning_rate_schedule", LEARNING_RATE_SCHEDULES),
                          ("error_model", ERROR_MODELS),
                          ("cadence_subset", CADENCE_SUBSETS)):
        if getattr(run, name) not in (None, *choices):
            raise ValueError(f"{name} must be one of {sorted(choices)} or None; "
                             f"got {getattr(run, name)!r}")
    profile = resolve_profile(run.profile).with_overrides(
        n_bags=run.n_bags, samples_per_class=run.samples_per_class, epochs=run.epochs,
        learning_rate_schedule=run.learning_rate_schedule, error_model=run.error_model,
        cadence_subset=run.cadence_subset,
    )
    return profile, [e for e in EXPERIMENTS if e in names]


def run_settings(run, profile, data_fingerprint):
    """What the run's files depend on (n_bags may grow between sessions)."""
    profile = asdict(profile)
    profile.pop("n_bags")
    settings = {"data": data_fingerprint, "seed": int(run.seed),
                "max_per_class": run.max_per_class, "clean": bool(run.clean),
                "run_format": RUN_FORMAT, "profile": profile}
    return json.loads(json.dumps(settings, default=json_default))


def split_stars(y, seed, max_per_class):
    """Positions of the kept stars and the train/validation/test parts among them."""
    from sklearn.model_selection import train_test_split

    from ..datasets import subsample_classes

    keep = np.arange(y.size)
    if max_per_class is not None:
        keep = subsample_classes(y, max_per_class, stage_seed(seed, "select"))
    classes, counts = np.unique(y[keep], return_counts=True)
    if counts.min() < MIN_PER_CLASS:
        raise ValueError(
            f"every class needs at least {MIN_PER_CLASS} stars for a 6:1:3 split; "
            f"{classes[counts.argmin()]!r} has {counts.min()}"
        )
    position = np.arange(keep.size)
    split_seed = stage_seed(seed, "split")
    rest, test = train_test_split(position, test_size=SPLIT[2], stratify=y[keep],
                                  random_state=split_seed)
    val_share = SPLIT[1] / (SPLIT[0] + SPLIT[1])
    train, val = train_test_split(rest, test_size=val_share, stratify=y[keep][rest],
                                  random_state=split_seed)
    return {"keep": keep, "train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def clean_curves(X, *, clean, n_jobs, verbose):
    if not clean:
        return X
    from ..cleaning import LightCurveCleaner

    return LightCurveCleaner(n_jobs=n_jobs, verbose=verbose > 1).fit_transform(X)


def augmenter_for(profile, seed, *, strategy="not majority", n_jobs=None, verbose=0):
    params = dict(profile.augmenter, sampling_strategy=strategy, n_jobs=n_jobs,
                  random_state=seed, verbose=int(verbose > 1))
    return GPLightCurveAugmenter(**params)


def draw_with_profile_settings(augmenter, profile):
    """Make fitted GPs draw synthetics with this run's settings.

    The fits do not depend on how synthetics are drawn from them, so GP
    fits copied in from another run (or saved by an older version) are
    reused.
    """
    defaults = GPLightCurveAugmenter().get_params()
    augmenter.set_params(**{name: profile.augmenter.get(name, defaults[name])
                            for name in ("error_model", "cadence_subset")})
    return augmenter


def fit_gps(X, y, profile, seed, *, n_jobs=None, verbose=0):
    """One GP per training curve of every class some experiment may top up.

    That is every class smaller than ``samples_per_class`` or than the
    largest class (equal augmentation), whichever experiments run now, so
    that a resumed run may add experiments without refitting.
    """
    classes, counts = np.unique(y, return_counts=True)
    needed = max(profile.samples_per_class, counts.max())
    # imbalanced-learn's dict strategy: a target above a class's size marks
    # it for over-sampling; fit() fits every marked class.
    strategy = {c: int(n) + 1 for c, n in zip(classes, counts) if n < needed}
    augmenter = augmenter_for(profile, stage_seed(seed, "gp_train"),
                              strategy=strategy or "not majority", n_jobs=n_jobs, verbose=verbose)
    return augmenter.fit(X, y)


def load_data(data, data_format):
    """``(X, y)`` from a survey folder or an in-memory pair."""
    from ..datasets import read_survey
    from ..lightcurves import as_light_curves

    if isinstance(data, (str, os.PathLike)):
        return read_survey(data, format=data_format, labelled=True)
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError("data must be a survey folder (see vsaug.datasets.read_survey) or "
                        f"an (X, y) pair; got {type(data).__name__}") from None
    X, y = as_light_curves(X), np.asarray(y, dtype=object)
    if y.shape != (len(X),):
        raise ValueError(f"X holds {len(X)} light curves but y has shape {y.shape}")
    return X, y


def data_label(data):
    """Where the light curves came from, for the report."""
    if isinstance(data, (str, os.PathLike)):
        return str(Path(data).resolve())
    return "light curves passed in memory"
