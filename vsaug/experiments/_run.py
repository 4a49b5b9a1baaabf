""":class:`ExperimentRun`: the paper's experiments as resumable stages, one member file per bag."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
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


def _epoch_logger(store, label):
    """A Keras callback that writes one ``progress.log`` line per epoch as it ends."""
    import keras

    started = {}

    def begin(epoch, logs=None):
        started[epoch] = time.perf_counter()

    def end(epoch, logs=None):
        logs = logs or {}
        seconds = time.perf_counter() - started.get(epoch, time.perf_counter())
        line = f"{label}: epoch {epoch + 1}, loss {logs.get('loss', float('nan')):.4f}, " \
               f"{seconds:.0f} s"
        if "val_balanced_accuracy" in logs:
            line += f", validation balanced accuracy {logs['val_balanced_accuracy']:.4f}"
        store.log(line)

    return keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)


class ExperimentRun:
    """A resumable run of the paper's experiments in one directory.

    Every experiment is a :class:`~vsaug.BaggingAugmentedEnsemble` trained
    one bag at a time with :meth:`~vsaug.BaggingAugmentedEnsemble.fit_bag`:
    bag ``k``'s member is saved as ``<experiment>/bag<k>.vsaug`` and its
    predictions as ``<experiment>/bag<k>.npz``, and when every member is
    there the ensemble (:meth:`~vsaug.BaggingAugmentedEnsemble.assemble`)
    as ``<experiment>/ensemble.vsaug``. An interrupted run resumes at the
    first bag without predictions, and a network member interrupted during
    training resumes after its last finished epoch (its state is backed up
    in ``<experiment>/bag<k>.backup/`` after every epoch); a run with more
    bags adds only the new ones. A bag needs no other bag's files, so a
    run directory kept small (the shared stages, the predictions and the
    backup of the bag in training) still resumes and reports. The bagging
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
        self._names, self._store, self._data = [], None, None
        self._members, self._trained = {}, set()

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
        self._members, self._trained = {}, set()
        settings = run_settings(self, self.profile_, fingerprint(X, y))
        store.open_manifest(settings, {"command": self.command, "experiments": self._names,
                                       "n_bags": self.profile_.n_bags})
        started = time.perf_counter()
        bags = [self.profile_.n_bags if EXPERIMENTS[e].design == "bagging" else 1
                for e in self._names]
        store.progress(4 + 2 * sum(bags) + len(bags))  # + one ensemble per experiment
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
            self._data, self._members = None, {}  # free the curves and networks
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
            # Free finished bags' networks; a later stage reloads a member from its file.
            self._members = {k: m for k, m in self._members.items() if k[1] > bag}
        for name in self._names:
            if name not in bagging:
                predictions[name].append(self._bag(name, 0))
        for name in self._names:
            self._save_ensemble(name)
        return predictions

    def _bag(self, name, bag):
        label, store = _label(name, bag), self._store
        filename = f"{name}/bag{bag}.npz"
        done = store.read(f"{label}: predict", filename, load_npz)
        if done is not None:  # the member itself need not be loaded again
            store.skip(f"{label}: fit")
            store.skip(f"{label}: predict")
            return done
        member = self._fitted_member(name, bag, report_skip=True)

        def predict():
            return {f"{part}_proba": self._proba(member, data[0])
                    for part, data in (("val", self._data.val), ("test", self._data.test))}

        return store.compute(f"{label}: predict", filename, predict, save=save_npz)

    def _proba(self, member, X):
        """A member's probabilities in the columns of the run's classes (0 for unseen ones).

        Stored as float32, the precision the networks compute in: a bag's
        file is half the size, which matters for a run carried in git.
        """
        classes = self._data.classes
        proba = np.zeros((len(X), classes.size), dtype=np.float32)
        proba[:, np.searchsorted(classes, member.classes_)] = member.predict_proba(X)
        return proba

    def _fitted_member(self, name, bag, *, report_skip=False):
        """The member of bag ``bag``: held, loaded from ``<name>/bag<k>.vsaug``, or trained."""
        key = (name, bag)
        if key in self._members:
            return self._members[key]
        label, filename = _label(name, bag), f"{name}/bag{bag}.vsaug"
        member = self._store.read(f"{label}: fit", filename, load_model)
        if isinstance(member, BaggingAugmentedEnsemble):  # older runs saved the ensemble
            member = member.estimators_[bag]
        if member is not None and report_skip:
            self._store.skip(f"{label}: fit")
        if member is None:
            member = self._store.compute(f"{label}: fit", filename,
                                         lambda: self._train_member(name, bag), save=save_model)
            self._trained.add(name)
        self._members[key] = member
        return member

    def _ensemble(self, name, member):
        """The experiment's ensemble around ``member``'s settings, its GP fits frozen."""
        design, spc = EXPERIMENTS[name].design, self.profile_.samples_per_class
        bag_seed = stage_seed(self.seed, "bag")  # shared: bag k is the same in every experiment
        n_bags = self.profile_.n_bags
        if design != "bagging":
            bag_seed = stage_seed(self.seed, "resample", name_code(name))
            counts = dict(zip(*np.unique(self._data.train[1], return_counts=True)))
            spc = (int(max(counts.values())) if design == "equal"
                   else {c: max(int(n), spc) for c, n in counts.items()})
            n_bags = 1
        return BaggingAugmentedEnsemble(member, augmenter=FrozenEstimator(self._data.gp),
                                        n_estimators=n_bags, samples_per_class=spc,
                                        augment_validation=False, n_jobs=1,
                                        random_state=bag_seed, verbose=int(self.verbose > 1))

    def _member(self, name, bag):
        """The member template of bag ``bag``, its seed derived from the experiment's name."""
        exp = EXPERIMENTS[name]
        member = MODELS.build(exp.model, self.profile_, verbose=int(self.verbose > 1),
                              random_state=stage_seed(self.seed, "member", name_code(name)))
        if exp.model == "compound" and "rnn" in self._names:  # start from bag k's RNN
            member.set_params(rnn=FrozenEstimator(self._fitted_member("rnn", bag)))
        if exp.design == "weighted":
            if "class_weight" not in member.get_params():
                raise TypeError(f"{type(member).__name__} has no class_weight parameter")
            member.set_params(class_weight="balanced")
        return member

    def _train_member(self, name, bag):
        """Train bag ``bag``'s member with the run's GP fits; networks back up every epoch."""
        member, label = self._member(name, bag), _label(name, bag)
        backup = "backup_dir" in member.get_params(deep=False)
        if backup:  # a kill mid-bag costs at most one epoch; each epoch is logged as it ends
            member.set_params(backup_dir=str(self.out / name / f"bag{bag}.backup"),
                              callbacks=[_epoch_logger(self._store, label)])
        with warnings.catch_warnings():  # feature models take no validation set: expected
            warnings.filterwarnings("ignore", "[^ ]+ has no validation_data parameter")
            fitted = self._ensemble(name, member).fit_bag(
                *self._data.train, bag, validation_data=self._data.val)
        if backup:  # the folder is gone and the logger is this run's: not part of the model
            fitted.set_params(backup_dir=None, callbacks=None)
            resumed = getattr(fitted, "resumed_from_epoch_", 0)
            if resumed:  # the fit's timing covers this session; say what came before
                before = sum(fitted.history_["epoch_seconds"][:resumed])
                self._store.timings[f"{label}: restored epochs (training steps)"] = round(before, 3)
                self._store.log(f"{label}: resumed after epoch {resumed} from its backup "
                                f"(those epochs' training steps took {before:.0f} s)")
            self._store.log(f"{label}: kept epoch {fitted.best_epoch_}")
        return fitted

    def _save_ensemble(self, name):
        """``<name>/ensemble.vsaug`` from the member files, when they are all there.

        A run directory kept small (predictions only, as the paper run's
        committed copy is) has no member files: its report is complete, its
        ensemble is not written.
        """
        n_bags = self.profile_.n_bags if EXPERIMENTS[name].design == "bagging" else 1
        label, filename, store = f"{name}: ensemble", f"{name}/ensemble.vsaug", self._store
        if name not in self._trained and store.read(label, filename, load_model) is not None:
            store.skip(label)
            return
        missing = [k for k in range(n_bags) if (name, k) not in self._members
                   and not (self.out / name / f"bag{k}.vsaug").exists()]
        if missing:
            store.skip(label, f"no member file for bag(s) {', '.join(map(str, missing))}; "
                              "their predictions are kept")
            return
        members = [self._fitted_member(name, k) for k in range(n_bags)]

        def assemble():
            ensemble = self._ensemble(name, clone(members[-1])).assemble(
                *self._data.train, members)
            return ensemble.set_params(augmenter=None)  # the GP fits stay in gp_train.joblib

        store.compute(label, filename, assemble, save=save_model)
        self._members = {k: m for k, m in self._members.items() if k[0] != name}


def run_experiments(data, out, **kwargs):
    """Run (or resume) the paper's experiments; see :class:`ExperimentRun`.

    Returns
    -------
    dict
        The content of ``metrics.json``.
    """
    return ExperimentRun(data, out, **kwargs).run()
