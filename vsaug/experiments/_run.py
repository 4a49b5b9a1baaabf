""":class:`ExperimentRun`: the paper's experiments as resumable stages over ensemble checkpoints."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator

from ..ensemble import BaggingAugmentedEnsemble
from ._data import (augmenter_for, clean_curves, data_label, draw_with_profile_settings,
                    fit_gps, load_data, resolve_settings, run_settings, split_stars)
from ._models import MODELS
from ._profiles import EXPERIMENTS, name_code, stage_seed
from ._results import RunData, collect_results, display_order, fingerprint, write_outputs
from ._stages import StageStore, load_model, load_npz, save_model, save_npz

__all__ = ["ExperimentRun", "run_experiments"]


def _label(name, bag):
    return f"{name} bag {bag}" if EXPERIMENTS[name].design == "bagging" else name


def _log_epochs(store, label, member):
    """One progress line per training epoch of a network member."""
    history = getattr(member, "history_", None) or {}
    for k, seconds in enumerate(history.get("epoch_seconds", [])):
        line = f"{label}: epoch {k + 1}, loss {history['loss'][k]:.4f}, {seconds:.0f} s"
        if "val_balanced_accuracy" in history:
            line += f", validation balanced accuracy {history['val_balanced_accuracy'][k]:.4f}"
        store.log(line)
    if history:
        store.log(f"{label}: kept epoch {member.best_epoch_}")


class ExperimentRun:
    """A resumable run of the paper's experiments in one directory.

    Every experiment is a :class:`~vsaug.BaggingAugmentedEnsemble` grown one
    bag at a time with ``warm_start``; the ensemble after bag ``k`` is saved
    as ``<experiment>/bag<k>.vsaug`` and that member's predictions as
    ``<experiment>/bag<k>.npz``, so an interrupted run resumes at the first
    missing bag and a run with more bags adds only the new ones. The bagging
    experiments share one bag seed, so bag ``k`` holds the same curves in
    each; member seeds derive from the experiment's name.

    Parameters
    ----------
    data : str, path-like or (X, y)
        A survey folder read with :func:`vsaug.datasets.read_survey`, or
        light curves with labels.
    out : str or path-like
        The run directory; files already there are reused (resume).
    profile : str or Profile, default="fast"
        Hyperparameters: a key of :data:`PROFILES` or a :class:`Profile`.
    experiments : sequence of str, optional
        Keys of :data:`EXPERIMENTS` (default all, in that order).
    seed : int, default=0
        Seeds the class limit, the split, the GP fits, the bags and members.
    max_per_class : int, optional
        Keep at most this many stars per class (drawn at random) before the
        split, for quick runs.
    n_bags, samples_per_class, epochs, learning_rate_schedule, error_model, cadence_subset
        Replace the profile's values where given (as in :func:`make_model`).
    clean : bool, default=True
        Clean the curves with :class:`vsaug.LightCurveCleaner` first.
    data_format : str, default="crts"
        The reader :func:`vsaug.datasets.read_survey` uses for a folder.
    n_jobs : int, optional
        Workers for cleaning and GP fits; members train one at a time.
    verbose : int, default=1
        0 silent; 1 a progress bar over stages; 2 also the members' progress.
    command : str, optional
        The command line to record in the report.

    Attributes
    ----------
    profile_ : Profile
        The resolved settings, overrides applied (set by :meth:`run`).
    split_ : dict
        Positions of the kept stars (``keep``) and of the train, val and
        test parts among them.
    augmenter_ : GPLightCurveAugmenter
        The GP fits of the training part, set to draw with this run's
        settings (every ensemble draws its synthetics from them).
    timings_ : dict
        Wall time of every stage, this session's and earlier ones'.
    skipped_ : list of str
        The stages this session found done.
    results_ : dict
        The content of ``metrics.json``.

    Examples
    --------
    >>> import tempfile
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.experiments import ExperimentRun
    >>> data = make_light_curves(400, random_state=0)
    >>> run = ExperimentRun(data, tempfile.mkdtemp(), profile="demo", experiments=["fast"],
    ...                     n_bags=2, verbose=0)  # doctest: +SKIP
    >>> sorted(run.run()["experiments"])  # doctest: +SKIP
    ['fast']
    """

    def __init__(self, data, out, *, profile="fast", experiments=None, seed=0,
                 max_per_class=None, n_bags=None, samples_per_class=None, epochs=None,
                 learning_rate_schedule=None, error_model=None, cadence_subset=None,
                 clean=True, data_format="crts", n_jobs=None, verbose=1, command=None):
        self.data, self.out, self.profile, self.experiments = data, Path(out), profile, experiments
        self.seed, self.max_per_class, self.n_bags = seed, max_per_class, n_bags
        self.samples_per_class, self.epochs = samples_per_class, epochs
        self.learning_rate_schedule, self.error_model = learning_rate_schedule, error_model
        self.cadence_subset, self.clean, self.data_format = cadence_subset, clean, data_format
        self.n_jobs, self.verbose, self.command = n_jobs, verbose, command
        self.profile_ = self.split_ = self.augmenter_ = None
        self.timings_ = self.skipped_ = self.results_ = None
        self._names, self._store, self._data, self._ensembles = [], None, None, {}

    def run(self):
        """Run (or resume) every selected experiment and write the report.

        Returns
        -------
        dict
            The content of ``metrics.json``: settings, data counts, and per
            experiment the test scores, per-bag scores and both confusion
            matrices.
        """
        self.profile_, self._names = resolve_settings(self)
        X, y = load_data(self.data, self.data_format)
        store = self._store = StageStore(self.out, verbose=self.verbose)
        self.timings_, self.skipped_ = store.timings, store.skipped
        settings = run_settings(self, self.profile_, fingerprint(X, y))
        store.open_manifest(settings, {"command": self.command, "experiments": self._names,
                                       "n_bags": self.profile_.n_bags})
        started = time.perf_counter()
        bags = [self.profile_.n_bags if EXPERIMENTS[e].design == "bagging" else 1
                for e in self._names]
        store.progress(4 + 2 * sum(bags))
        try:
            store.log(f"session: {self.command or 'ExperimentRun.run()'}")
            self._data = self._prepare(X, y)
            results, probas = collect_results(
                self._data, self._predictions(), settings=settings, profile=self.profile_,
                timings=self.timings_, command=self.command, seed=self.seed)
            results["session_seconds"] = round(time.perf_counter() - started, 1)
            write_outputs(self.out, self._data, results, probas, seed=self.seed,
                          data_label=data_label(self.data))
            store.log(f"finished in {results['session_seconds']:.1f} s")
        finally:
            store.close()
            self._data, self._ensembles = None, {}  # free the curves and networks
        self.results_ = results
        return results

    # ----------------------------------------------------------------- data
    def _prepare(self, X, y):
        """The shared stages: split, cleaning, GP fits, augmented validation set."""
        store, profile, seed, n_jobs = self._store, self.profile_, self.seed, self.n_jobs
        split = store.stage("split", "split.npz", lambda: split_stars(y, seed, self.max_per_class),
                            save=save_npz, load=load_npz)
        self.split_ = split
        X, y = X.take(split["keep"]), y[split["keep"]]
        X = store.stage("clean", "clean.joblib", lambda: clean_curves(
            X, clean=self.clean, n_jobs=n_jobs, verbose=self.verbose))
        train = (X.take(split["train"]), y[split["train"]])
        gp = store.stage("GP fits (training part)", "gp_train.joblib", lambda: fit_gps(
            *train, profile, seed, n_jobs=n_jobs, verbose=self.verbose))
        val = store.stage("augmented validation set", "validation.joblib", lambda: augmenter_for(
            profile, stage_seed(seed, "gp_val"), n_jobs=n_jobs, verbose=self.verbose
        ).fit_resample(X.take(split["val"]), y[split["val"]]))
        classes = np.unique(y)
        self.augmenter_ = draw_with_profile_settings(gp, profile)
        return RunData(y=y, ids=X.meta["id"].to_numpy() if "id" in X.meta else split["keep"],
                       split=split, classes=classes, labels=display_order(classes), train=train,
                       val=val, test=(X.take(split["test"]), y[split["test"]]),
                       gp=self.augmenter_)

    # ----------------------------------------------------------------- bags
    def _predictions(self):
        """Per experiment, every member's validation and test probabilities, bag by bag."""
        predictions = {name: [] for name in self._names}
        bagging = [n for n in self._names if EXPERIMENTS[n].design == "bagging"]
        for bag in range(self.profile_.n_bags):
            for name in bagging:
                predictions[name].append(self._bag(name, bag))
        for name in self._names:
            if name not in bagging:
                predictions[name].append(self._bag(name, 0))
        return predictions

    def _bag(self, name, bag):
        label, store = _label(name, bag), self._store
        filename = f"{name}/bag{bag}.npz"
        done = store.read(f"{label}: predict", filename, load_npz)
        if done is not None:  # the member itself need not be loaded again
            store.skip(f"{label}: fit")
            store.skip(f"{label}: predict")
            return done
        ensemble = self._ensemble(name, bag, report_skip=True)

        def predict():
            val, test = (ensemble.predict_member_proba(part[0], members=[bag])[0]
                         for part in (self._data.val, self._data.test))
            return {"val_proba": val, "test_proba": test}

        return store.compute(f"{label}: predict", filename, predict, save=save_npz)

    def _ensemble(self, name, bag, *, report_skip=False):
        """The experiment's ensemble after ``bag``: held, loaded from its checkpoint, or grown."""
        held = self._ensembles.get(name)
        if held is not None and len(held.estimators_) == bag + 1:
            return held
        label, filename = _label(name, bag), f"{name}/bag{bag}.vsaug"
        ensemble = self._store.read(f"{label}: fit", filename, load_model)
        if ensemble is not None and report_skip:
            self._store.skip(f"{label}: fit")
        if ensemble is None:
            previous = self._ensemble(name, bag - 1) if bag else self._new_ensemble(name)
            ensemble = self._store.compute(f"{label}: fit", filename,
                                           lambda: self._grow(previous, name, bag), save=save_model)
        self._ensembles[name] = ensemble
        return ensemble

    def _new_ensemble(self, name):
        design, spc = EXPERIMENTS[name].design, self.profile_.samples_per_class
        bag_seed = stage_seed(self.seed, "bag")  # shared: bag k is the same in every experiment
        if design != "bagging":
            bag_seed = stage_seed(self.seed, "resample", name_code(name))
            counts = dict(zip(*np.unique(self._data.train[1], return_counts=True)))
            spc = (int(max(counts.values())) if design == "equal"
                   else {c: max(int(n), spc) for c, n in counts.items()})
        # The member is set by _grow for every bag (the compound's changes with the bag).
        return BaggingAugmentedEnsemble(None, samples_per_class=spc,
                                        warm_start=True, augment_validation=False, n_jobs=1,
                                        random_state=bag_seed, verbose=int(self.verbose > 1))

    def _member(self, name, bag):
        """The member template of bag ``bag``, its seed derived from the experiment's name."""
        exp = EXPERIMENTS[name]
        member = MODELS.build(exp.model, self.profile_, verbose=int(self.verbose > 1),
                              random_state=stage_seed(self.seed, "member", name_code(name)))
        if exp.model == "compound" and "rnn" in self._names:  # start from bag k's RNN
            rnn = self._ensemble("rnn", bag).estimators_[bag]
            member.set_params(rnn=FrozenEstimator(rnn))
        if exp.design == "weighted":
            if "class_weight" not in member.get_params():
                raise TypeError(f"{type(member).__name__} has no class_weight parameter")
            member.set_params(class_weight="balanced")
        return member

    def _grow(self, ensemble, name, bag):
        """Add bag ``bag`` to the ensemble (warm start) with the run's GP fits."""
        ensemble.set_params(n_estimators=bag + 1, estimator=self._member(name, bag),
                            augmenter=FrozenEstimator(self._data.gp))
        with warnings.catch_warnings():  # feature models take no validation set: expected
            warnings.filterwarnings("ignore", "[^ ]+ has no validation_data parameter")
            ensemble.fit(*self._data.train, validation_data=self._data.val)
        _log_epochs(self._store, _label(name, bag), ensemble.estimators_[-1])
        return ensemble.set_params(augmenter=None)  # the GP fits stay in gp_train.joblib


def run_experiments(data, out, **kwargs):
    """Run (or resume) the paper's experiments; see :class:`ExperimentRun`.

    Returns
    -------
    dict
        The content of ``metrics.json``.
    """
    return ExperimentRun(data, out, **kwargs).run()
