"""The experiments of the method's paper as a resumable run (``vsaug reproduce``).

A run lives in one directory. Every stage (data split, cleaning, GP fits,
the augmented validation set, each bag of each experiment and each bag's
predictions) writes its result to its own file, atomically (a temporary file
renamed into place), and is skipped when that file already exists. An
interrupted run therefore resumes where it stopped when started again with
the same directory. ``manifest.json`` records the settings a run's files
depend on; a rerun with different settings is refused rather than mixed.
``progress.log`` has one timestamped line per stage started, finished or
skipped; ``timings.json`` the wall time of every stage.

The experiments (DESIGN 1.3-1.6; the split is a stratified 6:1:3 with a
fixed seed, the validation part GP-augmented to the largest class, the test
part never augmented):

========================  ====================================================
``rnn``                   multi-input RNN, bagging-like ensemble of GP-augmented
                          bags of ``samples_per_class`` per class
``rnn_equal``             one RNN, every class GP-augmented to the largest
``rnn_weighted``          one RNN, small classes GP-augmented to
                          ``samples_per_class``, balanced class weights
``compound``              compound RNN+CNN ensemble; bag ``k`` starts from the
                          RNN of bag ``k`` when ``rnn`` runs too
``fast``                  ensemble of ``PeriodicFeatures`` + gradient boosting
========================  ====================================================

Every ensemble uses the same bags: bag ``k`` of every experiment holds the
same real and synthetic curves, so the experiments differ only in the model.
When both ``rnn`` and ``fast`` run, the report adds their 50/50 blend.

Hyperparameters come from one table, :data:`PROFILES`: ``paper`` is DESIGN
1.4/1.5 exactly; ``fast`` the recommended CPU setting; ``demo`` the tiny one
behind ``vsaug demo`` and the tests.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import platform
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from ._ragged import segment_mean, segment_weighted_mean
from ._training import LEARNING_RATE_SCHEDULES
from .augmentation import CADENCE_SUBSETS, ERROR_MODELS, GPLightCurveAugmenter
from ._atomic import atomic_write
from .lightcurves import as_light_curves
from .metrics import bootstrap_scores, classification_summary, confusion_matrices

__all__ = [
    "Profile",
    "PROFILES",
    "EXPERIMENTS",
    "PAPER_RESULTS",
    "ExperimentRun",
    "run_experiments",
    "make_model",
    "write_crts_folder",
    "render_report",
    "publish_report",
]


# ----------------------------------------------------------------- settings
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
PROFILES = {
    "paper": Profile(
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
    ),
    "fast": Profile(
        name="fast",
        n_bags=10,
        samples_per_class=1875,
        rnn=dict(gru_units=(64, 32), dense_units=(128, 32), scalar_units=(64, 32),
                 dropout=0.4, label_smoothing=0.1, learning_rate=1e-3, batch_size=32,
                 epochs=6),
        compound=dict(image_size=128, cnn_dropout=0.2, cnn_dense_units=(256, 32),
                      label_smoothing=0.1, learning_rate=1e-3, batch_size=32, epochs=6),
        features=dict(max_iter=300, learning_rate=0.1),
        augmenter=dict(error_model="empirical"),
    ),
    "demo": Profile(
        name="demo",
        n_bags=3,
        samples_per_class=150,
        rnn=dict(gru_units=(8, 8), dense_units=(16, 16), scalar_units=(16, 16),
                 dropout=0.1, label_smoothing=0.1, learning_rate=1e-2, batch_size=32,
                 epochs=3),
        compound=dict(image_size=32, conv_blocks=(((4, 3),), ((8, 3),)), cnn_dropout=0.1,
                      cnn_dense_units=(16,), label_smoothing=0.1, learning_rate=1e-2,
                      batch_size=32, epochs=2),
        features=dict(max_iter=60, learning_rate=0.1),
    ),
}


@dataclass(frozen=True)
class _Experiment:
    name: str
    title: str
    model: str  # "rnn", "compound" or "fast"
    design: str  # "bagging", "equal" or "weighted"


#: The experiments a run can select, in the order they run.
EXPERIMENTS = {
    e.name: e
    for e in (
        _Experiment("rnn", "RNN, ensemble of {bags}", "rnn", "bagging"),
        _Experiment("rnn_equal", "RNN, equal augmentation", "rnn", "equal"),
        _Experiment("rnn_weighted", "RNN, moderate augmentation + class weights", "rnn",
                    "weighted"),
        _Experiment("compound", "compound RNN+CNN, ensemble of {bags}", "compound",
                    "bagging"),
        _Experiment("fast", "fast feature model, ensemble of {bags}", "fast", "bagging"),
    )
}

#: The paper's test-set figures (balanced accuracy, macro F1; None: not given).
PAPER_RESULTS = {
    "rnn": (0.857, 0.71),
    "rnn_equal": (None, 0.66),
    "rnn_weighted": (None, 0.67),
    "compound": (0.862, 0.75),
}

_BLEND = "rnn+fast"
_SPLIT = (0.6, 0.1, 0.3)
_MIN_PER_CLASS = 5  # so that a stratified 6:1:3 split puts every class in train and test
_SEED_KEYS = {"select": 1, "split": 2, "gp_train": 3, "gp_val": 4, "bag": 5, "member": 6,
              "resample": 7}


def _seed(seed, *key):
    """An int32 seed for one named stage, independent of every other stage's."""
    words = [_SEED_KEYS[key[0]], *(int(k) for k in key[1:])]
    state = np.random.SeedSequence(int(seed), spawn_key=tuple(words)).generate_state(1)
    return int(state[0] >> 1)


def _experiment_code(name):
    return list(EXPERIMENTS).index(name)


# ------------------------------------------------------------------ models
def _member(model, profile, seed, *, verbose=0, rnn=None):
    """A fresh member of one kind with the profile's settings."""
    if model == "fast":
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.pipeline import make_pipeline

        from .features import PeriodicFeatures

        return make_pipeline(
            PeriodicFeatures(),
            HistGradientBoostingClassifier(**profile.features, random_state=seed),
        )
    if model == "rnn":
        from .rnn import MultiInputRNNClassifier

        return MultiInputRNNClassifier(**profile.rnn, random_state=seed, verbose=verbose)
    if model == "compound":
        from .compound import CompoundRNNCNNClassifier
        from .rnn import MultiInputRNNClassifier

        if rnn is None:  # stage one trained inside, seeded by the compound's seed
            rnn = MultiInputRNNClassifier(**profile.rnn, verbose=verbose)
        return CompoundRNNCNNClassifier(rnn, **profile.compound, random_state=seed,
                                        verbose=verbose)
    raise ValueError(f"model must be one of 'fast', 'rnn', 'compound'; got {model!r}")


def make_model(model="fast", profile="fast", *, n_bags=None, samples_per_class=None,
               epochs=None, learning_rate_schedule=None, error_model=None,
               cadence_subset=None, clean=True, n_jobs=None, random_state=None, verbose=0):
    """The library's classifier of one kind, ready to fit on raw light curves.

    Parameters
    ----------
    model : {"fast", "rnn", "compound"}, default="fast"
        The member: ``PeriodicFeatures`` + gradient boosting, the multi-input
        RNN, or the compound RNN+CNN.
    profile : str or Profile, default="fast"
        A key of :data:`PROFILES` or a :class:`Profile`.
    n_bags, samples_per_class, epochs : int, optional
        Replace the profile's values.
    learning_rate_schedule : {"constant", "cosine"}, optional
        Replace the networks' learning-rate schedule.
    error_model : {"empirical", "nightly", "gp"}, optional
        Replace the GP synthetics' error model (see
        :class:`vsaug.GPLightCurveAugmenter`).
    cadence_subset : {"points", "nights"}, optional
        Replace how the synthetics' times are picked from a donor curve.
    clean : bool, default=True
        Put a :class:`vsaug.LightCurveCleaner` in front.
    n_jobs : int, optional
        Workers for cleaning and GP fits (bags train one after another).
    random_state : int, RandomState instance or None
    verbose : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``[("clean", LightCurveCleaner), ("ensemble", BaggingAugmentedEnsemble)]``
        (no ``clean`` step when ``clean=False``).

    Examples
    --------
    >>> from vsaug.experiments import make_model
    >>> pipe = make_model("fast", "demo", n_bags=2)
    >>> [name for name, _ in pipe.steps], pipe[-1].n_estimators
    (['clean', 'ensemble'], 2)
    """
    from sklearn.pipeline import Pipeline

    from .ensemble import BaggingAugmentedEnsemble

    profile = _profile(profile).with_overrides(
        n_bags=n_bags, samples_per_class=samples_per_class, epochs=epochs,
        learning_rate_schedule=learning_rate_schedule, error_model=error_model,
        cadence_subset=cadence_subset,
    )
    member = _member(model, profile, None, verbose=max(0, verbose - 1))
    ensemble = BaggingAugmentedEnsemble(
        member,
        augmenter=GPLightCurveAugmenter(**profile.augmenter, n_jobs=n_jobs),
        n_estimators=profile.n_bags,
        samples_per_class=profile.samples_per_class,
        random_state=random_state,
        verbose=verbose,
    )
    steps = [("ensemble", ensemble)]
    if clean:
        from .cleaning import LightCurveCleaner

        steps.insert(0, ("clean", LightCurveCleaner(n_jobs=n_jobs)))
    return Pipeline(steps)


def _profile(profile):
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)} or a Profile; got {profile!r}")
    return PROFILES[profile]


# ----------------------------------------------------------------- files
def _dump(obj, path):
    return atomic_write(path, lambda p: joblib.dump(obj, p, compress=3))


def _write_json(obj, path):
    def write(p):
        Path(p).write_text(json.dumps(obj, indent=2, default=_json_default) + "\n")

    return atomic_write(path, write)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _save_npz(arrays, path):
    def write(p):
        with open(p, "wb") as f:
            np.savez_compressed(f, **arrays)

    return atomic_write(path, write)


def _load_npz(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _save_model(model, path):
    from .persistence import save

    return atomic_write(path, lambda p: save(model, p))


def _load_model(path):
    from .persistence import load

    return load(path)


def write_crts_folder(X, y, path):
    """Write light curves in the layout of the CRTS data (``catalog.csv`` + ``lightcurves.parquet``).

    Parameters
    ----------
    X : LightCurves or anything :func:`vsaug.as_light_curves` takes
        ``meta`` should hold ``period``; missing catalogue columns (id, name,
        ra, dec, mean_mag, n_obs, amplitude) are filled in.
    y : array-like of shape (n_curves,)
        Class labels (the ``class`` column).
    path : str or path-like
        Folder to create or fill.

    Returns
    -------
    pathlib.Path
        The folder; :func:`vsaug.datasets.load_crts` reads it back.

    Examples
    --------
    >>> import tempfile
    >>> from vsaug.datasets import make_light_curves, load_crts
    >>> from vsaug.experiments import write_crts_folder
    >>> X, y = make_light_curves(60, random_state=0)
    >>> folder = write_crts_folder(X, y, tempfile.mkdtemp())
    >>> X2, y2 = load_crts(folder)
    >>> len(X2), bool((y2 == y).all())
    (60, True)
    """
    X = as_light_curves(X)
    y = np.asarray(y, dtype=object)
    if y.shape != (len(X),):
        raise ValueError(f"y has shape {y.shape} but X holds {len(X)} light curves")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    meta = X.meta
    n = len(X)
    ids = meta["id"].to_numpy(dtype=np.int64) if "id" in meta else np.arange(n, dtype=np.int64)
    catalog = pd.DataFrame({
        "id": ids,
        "name": meta["name"] if "name" in meta else [f"VSAUG_{i}" for i in ids],
        "ra": meta["ra"] if "ra" in meta else np.zeros(n),
        "dec": meta["dec"] if "dec" in meta else np.zeros(n),
        "period": X.require("period"),
        "mean_mag": (meta["mean_mag"] if "mean_mag" in meta
                     else segment_weighted_mean(X.mag, X.err**-2, X.offsets)),
        "n_obs": X.lengths,
        "amplitude": meta["amplitude"] if "amplitude" in meta else np.full(n, np.nan),
        "class": y,
    })
    observations = pd.DataFrame({
        "id": np.repeat(ids, X.lengths),
        "mjd": X.time,
        "mag": X.mag.astype(np.float32),
        "err": X.err.astype(np.float32),
    })
    atomic_write(folder / "catalog.csv", lambda p: catalog.to_csv(p, index=False))
    atomic_write(folder / "lightcurves.parquet", lambda p: observations.to_parquet(p, index=False))
    return folder


def _fingerprint(X, y):
    """A short hash of the curves and labels, to tell a run's data apart."""
    digest = hashlib.sha1()
    for array in (X.offsets, X.time, X.mag, X.err):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\x1f".join(map(str, y)).encode())
    return digest.hexdigest()[:16]


def _machine():
    """Where the run ran, for the report."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    packages = {}
    for name in ("vsaug", "numpy", "scikit-learn", "keras", "tensorflow-cpu", "tensorflow", "george"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            continue
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "packages": packages,
    }


def _fit_member(member, X, y, *, validation_data=None):
    """Fit, passing the validation set to members whose ``fit`` takes one."""
    if "validation_data" in inspect.signature(member.fit).parameters:
        return member.fit(X, y, validation_data=validation_data)
    return member.fit(X, y)


def _aligned_proba(member, X, classes):
    """``predict_proba`` in the column order of ``classes`` (zeros for unseen classes)."""
    proba = np.asarray(member.predict_proba(X), dtype=np.float64)
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, member.classes_)] = proba
    return out


# ------------------------------------------------------------------ runner
class ExperimentRun:
    """A resumable run of the paper's experiments in one directory.

    Parameters
    ----------
    data : str, path-like or (X, y)
        A folder in the CRTS layout (read with :func:`vsaug.datasets.load_crts`)
        or light curves with labels.
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
    n_bags, samples_per_class, epochs : int, optional
        Replace the profile's values.
    learning_rate_schedule : {"constant", "cosine"}, optional
        Replace the networks' learning-rate schedule.
    error_model : {"empirical", "nightly", "gp"}, optional
        Replace the GP synthetics' error model (see
        :class:`vsaug.GPLightCurveAugmenter`).
    cadence_subset : {"points", "nights"}, optional
        Replace how the synthetics' times are picked from a donor curve.
    clean : bool, default=True
        Clean the curves with :class:`vsaug.LightCurveCleaner` first.
    n_jobs : int, optional
        Workers for cleaning, GP fits and the feature model; networks train
        one at a time.
    verbose : int, default=1
        0 silent; 1 a progress bar over stages; 2 also the members' own
        progress.
    command : str, optional
        The command line to record in the report.

    Attributes
    ----------
    profile_ : Profile
        The resolved settings, overrides applied.
    results_ : dict
        Set by :meth:`run`: per experiment, the test scores, per-bag scores
        and confusion matrices (the content of ``metrics.json``).

    Examples
    --------
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.experiments import ExperimentRun
    >>> data = make_light_curves(400, random_state=0)
    >>> run = ExperimentRun(data, "runs/doc", profile="demo", experiments=["fast"],
    ...                     n_bags=2, verbose=0)  # doctest: +SKIP
    >>> results = run.run()  # doctest: +SKIP
    >>> sorted(results["experiments"])  # doctest: +SKIP
    ['fast']
    """

    def __init__(self, data, out, *, profile="fast", experiments=None, seed=0,
                 max_per_class=None, n_bags=None, samples_per_class=None, epochs=None,
                 learning_rate_schedule=None, error_model=None, cadence_subset=None,
                 clean=True, n_jobs=None, verbose=1, command=None):
        self.data = data
        self.out = Path(out)
        self.profile = profile
        self.experiments = experiments
        self.seed = seed
        self.max_per_class = max_per_class
        self.n_bags = n_bags
        self.samples_per_class = samples_per_class
        self.epochs = epochs
        self.learning_rate_schedule = learning_rate_schedule
        self.error_model = error_model
        self.cadence_subset = cadence_subset
        self.clean = clean
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.command = command

    # -------------------------------------------------------------- checks
    def _validate(self):
        names = list(EXPERIMENTS) if self.experiments is None else list(self.experiments)
        unknown = [e for e in names if e not in EXPERIMENTS]
        if unknown or not names:
            raise ValueError(
                f"experiments must be a non-empty selection of {list(EXPERIMENTS)}; got {names}"
            )
        self.experiments_ = [e for e in EXPERIMENTS if e in names]
        for name in ("max_per_class", "n_bags", "samples_per_class", "epochs"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None; got {value!r}")
        if self.max_per_class is not None and self.max_per_class < _MIN_PER_CLASS:
            raise ValueError(
                f"max_per_class={self.max_per_class} is too small to split 6:1:3 "
                f"with every class in the training and test parts; use {_MIN_PER_CLASS} or more"
            )
        # Checked here, not first when a network or augmenter is fitted later.
        for name, choices in (("learning_rate_schedule", LEARNING_RATE_SCHEDULES),
                              ("error_model", ERROR_MODELS),
                              ("cadence_subset", CADENCE_SUBSETS)):
            if getattr(self, name) not in (None, *choices):
                raise ValueError(f"{name} must be one of {choices} or None; "
                                 f"got {getattr(self, name)!r}")
        self.profile_ = _profile(self.profile).with_overrides(
            n_bags=self.n_bags, samples_per_class=self.samples_per_class, epochs=self.epochs,
            learning_rate_schedule=self.learning_rate_schedule, error_model=self.error_model,
            cadence_subset=self.cadence_subset,
        )

    def _settings(self, fingerprint):
        """What the run's files depend on (n_bags may grow between runs)."""
        profile = asdict(self.profile_)
        profile.pop("n_bags")
        settings = {
            "data": fingerprint,
            "seed": int(self.seed),
            "max_per_class": self.max_per_class,
            "clean": bool(self.clean),
            "profile": profile,
        }
        return json.loads(json.dumps(settings, default=_json_default))

    def _open_manifest(self, fingerprint):
        path = self.out / "manifest.json"
        settings = self._settings(fingerprint)
        manifest = {"format": "vsaug-run", "settings": settings, "sessions": []}
        if path.exists():
            manifest = json.loads(path.read_text())
            old = manifest.get("settings", {})
            changed = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
            if changed:
                raise ValueError(
                    f"{self.out} holds a run with different settings ({', '.join(changed)}); "
                    "resume with the same data and settings, or choose a new --out"
                )
        manifest["sessions"].append({
            "command": self.command,
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "experiments": self.experiments_,
            "n_bags": self.profile_.n_bags,
        })
        _write_json(manifest, path)
        self._manifest = manifest

    # --------------------------------------------------------------- stages
    def _log(self, message):
        stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
        with open(self.out / "progress.log", "a") as f:
            f.write(f"{stamp}  {message}\n")
        if self._bar is not None:
            self._bar.set_postfix_str(message[:60], refresh=True)

    def _stage(self, name, filename, compute, *, save=_dump, load=joblib.load):
        """Load ``filename`` if present, else compute, save atomically and time it."""
        path = self.out / filename
        if path.exists():
            self._skip(name)
            return load(path)
        self._log(f"start {name}")
        started = time.perf_counter()
        result = compute()
        save(result, path)
        seconds = time.perf_counter() - started
        self.timings_[name] = round(seconds, 3)
        _write_json(self.timings_, self.out / "timings.json")
        self._log(f"done {name} in {seconds:.1f} s")
        self._advance()
        return result

    def _log_epochs(self, label, member):
        """One progress line per training epoch of a network member."""
        history = getattr(member, "history_", None) or {}
        for k, seconds in enumerate(history.get("epoch_seconds", [])):
            line = f"{label}: epoch {k + 1}, loss {history['loss'][k]:.4f}, {seconds:.0f} s"
            if "val_balanced_accuracy" in history:
                line += f", validation balanced accuracy {history['val_balanced_accuracy'][k]:.4f}"
            self._log(line)
        if history:
            self._log(f"{label}: kept epoch {member.best_epoch_}")

    def _skip(self, name):
        self._log(f"skip {name}")
        self.skipped_.append(name)
        self._advance()

    def _advance(self):
        if self._bar is not None:
            self._bar.update(1)

    def _planned_stages(self):
        n = 4  # split, clean, GP fits, augmented validation set
        for name in self.experiments_:
            bags = self.profile_.n_bags if EXPERIMENTS[name].design == "bagging" else 1
            n += 2 * bags
        return n

    # ----------------------------------------------------------------- data
    def _load(self):
        if isinstance(self.data, (str, os.PathLike)):
            from .datasets import load_crts

            X, y = load_crts(self.data)
        else:
            try:
                X, y = self.data
            except (TypeError, ValueError):
                raise TypeError(
                    "data must be a folder in the CRTS layout or an (X, y) pair; "
                    f"got {type(self.data).__name__}"
                ) from None
            X = as_light_curves(X)
        y = np.asarray(y, dtype=object)
        if y.shape != (len(X),):
            raise ValueError(f"X holds {len(X)} light curves but y has shape {y.shape}")
        return X, y

    def _split(self, y):
        """Positions of the kept stars and the train/validation/test parts among them."""
        from sklearn.model_selection import train_test_split

        from .datasets import subsample_classes

        keep = np.arange(y.size)
        if self.max_per_class is not None:
            keep = subsample_classes(y, self.max_per_class, _seed(self.seed, "select"))
        classes, counts = np.unique(y[keep], return_counts=True)
        if counts.min() < _MIN_PER_CLASS:
            raise ValueError(
                f"every class needs at least {_MIN_PER_CLASS} stars for a 6:1:3 split; "
                f"{classes[counts.argmin()]!r} has {counts.min()}"
            )
        position = np.arange(keep.size)
        seed = _seed(self.seed, "split")
        rest, test = train_test_split(position, test_size=_SPLIT[2], stratify=y[keep],
                                      random_state=seed)
        val_share = _SPLIT[1] / (_SPLIT[0] + _SPLIT[1])
        train, val = train_test_split(rest, test_size=val_share, stratify=y[keep][rest],
                                      random_state=seed)
        return {"keep": keep, "train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}

    def _clean(self, X):
        if not self.clean:
            return X
        from .cleaning import LightCurveCleaner

        return LightCurveCleaner(n_jobs=self.n_jobs, verbose=self.verbose > 1).fit_transform(X)

    def _augmenter(self, seed, strategy="not majority"):
        params = dict(self.profile_.augmenter, sampling_strategy=strategy,
                      n_jobs=self.n_jobs, random_state=seed, verbose=int(self.verbose > 1))
        return GPLightCurveAugmenter(**params)

    def _draw_with_profile_settings(self, augmenter):
        """Make fitted GPs draw synthetics with this run's settings.

        The fits do not depend on how synthetics are drawn from them, so GP
        fits copied in from another run (or saved by an older version) are
        reused.
        """
        defaults = GPLightCurveAugmenter().get_params()
        augmenter.set_params(**{name: self.profile_.augmenter.get(name, defaults[name])
                                for name in ("error_model", "cadence_subset")})

    def _fit_gps(self):
        """One GP per training curve of every class some experiment may top up.

        That is every class smaller than ``samples_per_class`` or than the
        largest class (equal augmentation), whichever experiments run now, so
        that a resumed run may add experiments without refitting.
        """
        classes, counts = np.unique(self._train_y, return_counts=True)
        needed = max(self.profile_.samples_per_class, counts.max())
        # imbalanced-learn's dict strategy: a target above a class's size marks
        # it for over-sampling; fit() fits every marked class.
        strategy = {c: int(n) + 1 for c, n in zip(classes, counts) if n < needed}
        augmenter = self._augmenter(_seed(self.seed, "gp_train"), strategy or "not majority")
        return augmenter.fit(self._train_X, self._train_y)

    # ----------------------------------------------------------------- bags
    def _resampled(self, targets, seed):
        """Training curves brought to ``targets`` (class -> count) for one member.

        Classes above their target are undersampled at random; classes below
        keep every real curve and are topped up with GP synthetics, prototypes
        spread evenly over the class (as :class:`vsaug.BaggingAugmentedEnsemble`
        builds its bags).
        """
        from .augmentation import plan_resample
        from .lightcurves import LightCurves

        X, y, aug = self._train_X, self._train_y, self._gp
        rng = np.random.default_rng(seed)
        real, prototypes = plan_resample(y, {c: targets[c] for c in self.classes_}, rng)
        X_out, y_out = X.take(real), y[real]
        X_out.meta["synthetic"] = False  # the synthetics' meta says True
        if prototypes.size:
            synthetic = aug.sample(prototypes, random_state=int(rng.integers(2**31 - 1)))
            X_out = LightCurves.concatenate([X_out, synthetic])
            y_out = np.concatenate([y_out, y[prototypes]])
        return X_out, y_out

    def _training_set(self, design, bag):
        """Cached per bag: the bag's curves are shared by every experiment."""
        key = (design, bag)
        if self._cache_key != key:
            counts = {c: int(np.sum(self._train_y == c)) for c in self.classes_}
            spc = self.profile_.samples_per_class
            if design == "bagging":
                targets, seed = dict.fromkeys(self.classes_, spc), _seed(self.seed, "bag", bag)
            elif design == "equal":
                largest = max(counts.values())
                targets, seed = dict.fromkeys(self.classes_, largest), _seed(self.seed, "resample", 1)
            else:  # weighted: only small classes grow; nothing is undersampled
                targets = {c: max(n, spc) for c, n in counts.items()}
                seed = _seed(self.seed, "resample", 2)
            self._cache = self._resampled(targets, seed)
            self._cache_key = key
        return self._cache

    def _new_member(self, name, bag):
        exp = EXPERIMENTS[name]
        seed = _seed(self.seed, "member", _experiment_code(name), bag)
        rnn = None
        if exp.model == "compound" and "rnn" in self.experiments_:
            rnn = _load_model(self.out / "rnn" / f"bag{bag}.vsaug")
        member = _member(exp.model, self.profile_, seed, verbose=int(self.verbose > 1), rnn=rnn)
        if exp.design == "weighted":
            if "class_weight" not in member.get_params():
                raise TypeError(f"{type(member).__name__} has no class_weight parameter")
            member.set_params(class_weight="balanced")
        return member

    def _run_member(self, name, bag):
        """Fit (or load) one member and predict the validation and test parts."""
        folder = self.out / name
        model_path, pred_path = folder / f"bag{bag}.vsaug", folder / f"bag{bag}.npz"
        label = f"{name} bag {bag}" if EXPERIMENTS[name].design == "bagging" else name

        def fit():
            X_bag, y_bag = self._training_set(EXPERIMENTS[name].design, bag)
            member = self._new_member(name, bag)
            member = _fit_member(member, X_bag, y_bag, validation_data=self._val)
            self._log_epochs(label, member)
            return member

        fitted = None

        def predict():
            member = fitted if fitted is not None else _load_model(model_path)
            return {
                "val_proba": _aligned_proba(member, self._val[0], self.classes_),
                "test_proba": _aligned_proba(member, self._test[0], self.classes_),
            }

        if pred_path.exists():
            # Predictions done: the member itself need not be loaded again.
            self._skip(f"{label}: fit")
        else:  # a member saved by an interrupted session is loaded only to predict
            fitted = self._stage(f"{label}: fit", model_path.relative_to(self.out), fit,
                                 save=_save_model, load=lambda p: None)
        return self._stage(f"{label}: predict", pred_path.relative_to(self.out), predict,
                           save=_save_npz, load=_load_npz)

    # ------------------------------------------------------------------ run
    def run(self):
        """Run (or resume) every selected experiment and write the report.

        Returns
        -------
        dict
            The content of ``metrics.json``: settings, data counts, and per
            experiment the test scores, per-bag scores and both confusion
            matrices.
        """
        from tqdm.auto import tqdm

        self._validate()
        self.out.mkdir(parents=True, exist_ok=True)
        timings = self.out / "timings.json"
        self.timings_ = json.loads(timings.read_text()) if timings.exists() else {}
        self.skipped_, self._bar, self._cache_key = [], None, None
        started = time.perf_counter()
        X, y = self._load()
        self._open_manifest(_fingerprint(X, y))
        self._bar = tqdm(total=self._planned_stages(), desc="vsaug reproduce", unit="stage",
                         disable=not self.verbose)
        try:
            self._log(f"session: {self.command or 'ExperimentRun.run()'}")
            predictions = self._run_stages(X, y)
            results = self._results(predictions)
            results["session_seconds"] = round(time.perf_counter() - started, 1)
            self._write_outputs(results, predictions)
            self._log(f"finished in {results['session_seconds']:.1f} s")
        finally:
            self._bar.close()
            self._bar, self._cache, self._cache_key = None, None, None
        self.results_ = results
        return results

    def _run_stages(self, X, y):
        split = self._stage("split", "split.npz", lambda: self._split(y), save=_save_npz,
                            load=_load_npz)
        X, y = X.take(split["keep"]), y[split["keep"]]
        X = self._stage("clean", "clean.joblib", lambda: self._clean(X))
        self.classes_ = np.unique(y)
        self.labels_ = _display_order(self.classes_)
        self.split_ = split
        self._ids = X.meta["id"].to_numpy() if "id" in X.meta else split["keep"]
        self._y = y
        self._train_X, self._train_y = X.take(split["train"]), y[split["train"]]
        val = (X.take(split["val"]), y[split["val"]])
        self._test = (X.take(split["test"]), y[split["test"]])
        self._gp = self._stage("GP fits (training part)", "gp_train.joblib", self._fit_gps)
        self._draw_with_profile_settings(self._gp)
        self._val = self._stage("augmented validation set", "validation.joblib",
                                lambda: self._augmenter(_seed(self.seed, "gp_val")).fit_resample(*val))
        predictions = {name: [] for name in self.experiments_}
        for bag in range(self.profile_.n_bags):
            for name in self.experiments_:
                if EXPERIMENTS[name].design == "bagging":
                    predictions[name].append(self._run_member(name, bag))
        for name in self.experiments_:
            if EXPERIMENTS[name].design != "bagging":
                predictions[name].append(self._run_member(name, 0))
        return predictions

    # -------------------------------------------------------------- results
    def _scores(self, y_true, proba):
        with warnings.catch_warnings():
            # A small class may be absent from the validation part.
            warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
            return classification_summary(y_true, self.classes_[np.argmax(proba, axis=1)],
                                          self.labels_)

    def _experiment_result(self, title, members):
        y_val, y_test = self._val[1], self._test[1]
        per_bag = []
        for bag, p in enumerate(members):
            val, test = self._scores(y_val, p["val_proba"]), self._scores(y_test, p["test_proba"])
            per_bag.append({
                "bag": bag,
                "val_balanced_accuracy": val.balanced_accuracy,
                "test_balanced_accuracy": test.balanced_accuracy,
                "test_macro_f1": test.macro_f1,
            })
        proba = np.mean([p["test_proba"] for p in members], axis=0)
        val_proba = np.mean([p["val_proba"] for p in members], axis=0)
        y_pred = self.classes_[np.argmax(proba, axis=1)]
        recall_view, precision_view = confusion_matrices(y_test, y_pred, self.labels_)
        interval = bootstrap_scores(y_test, y_pred, labels=self.labels_, random_state=self.seed)
        return {
            "title": title,
            "n_members": len(members),
            "test": self._scores(y_test, proba).to_dict(),
            "test_interval": {score: [float(row["low"]), float(row["high"])]
                              for score, row in interval.iterrows()},
            "val_balanced_accuracy": self._scores(y_val, val_proba).balanced_accuracy,
            "per_bag": per_bag,
            "recall_view": recall_view,
            "precision_view": precision_view,
        }, proba

    def _results(self, predictions):
        experiments, probas = {}, {}
        for name, members in predictions.items():
            bags = f"{len(members)} bag" + ("s" if len(members) != 1 else "")
            title = EXPERIMENTS[name].title.format(bags=bags)
            experiments[name], probas[name] = self._experiment_result(title, members)
        if "rnn" in predictions and "fast" in predictions:
            blended = [{k: 0.5 * (a[k] + b[k]) for k in a}
                       for a, b in zip(predictions["rnn"], predictions["fast"])]
            title = "blend: mean of the RNN and fast ensembles"
            experiments[_BLEND], probas[_BLEND] = self._experiment_result(title, blended)
            experiments[_BLEND]["per_bag"] = []
        self._probas = probas
        counts = {
            part: {str(c): int(np.sum(self._y[self.split_[part]] == c)) for c in self.labels_}
            for part in ("train", "val", "test")
        }
        counts["val_augmented"] = {str(c): int(np.sum(self._val[1] == c)) for c in self.labels_}
        return {
            "settings": self._manifest["settings"],
            "profile": self.profile_.name,
            "n_bags": self.profile_.n_bags,
            "classes": [str(c) for c in self.labels_],
            "counts": counts,
            "experiments": experiments,
            "paper": {k: {"balanced_accuracy": v[0], "macro_f1": v[1]}
                      for k, v in PAPER_RESULTS.items()},
            "timings": self.timings_,
            "machine": _machine(),
            "command": self.command,
        }

    def _write_outputs(self, results, predictions):
        figures = self.out / "figures"
        figures.mkdir(exist_ok=True)
        for name, result in results["experiments"].items():
            for view in ("recall", "precision"):
                _confusion_png(result[f"{view}_view"], self.labels_, view,
                               f"{result['title']}: {view} view",
                               figures / f"{_slug(name)}_{view}.png")
        results["gp_example"] = self._gp_example(figures / "gp_example.png")
        arrays = {f"proba_{_slug(k)}": v for k, v in self._probas.items()}
        _save_npz({"id": np.asarray(self._ids)[self.split_["test"]],
                   "y_true": self._test[1].astype(str), "classes": self.classes_.astype(str),
                   **arrays}, self.out / "test_predictions.npz")
        _write_json(results, self.out / "metrics.json")
        report = render_report(results, data=self._data_label())
        atomic_write(self.out / "report.md", lambda p: Path(p).write_text(report))

    def _gp_example(self, path):
        """The method's figure for one prototype of the smallest fitted class."""
        from matplotlib.figure import Figure

        from .plotting import plot_gp_augmentation

        params = self._gp.gp_params_
        if len(params) == 0:
            return None
        fitted = np.asarray(params.index)
        classes, counts = np.unique(self._train_y[fitted], return_counts=True)
        members = fitted[self._train_y[fitted] == classes[np.argmin(counts)]]
        # The clearest curve of that class: largest GP amplitude over mean error.
        mean_err = segment_mean(self._train_X.err, self._train_X.offsets)[members]
        snr = params.loc[members, "log_amp2"].to_numpy() - 2 * np.log(mean_err)
        index = int(members[np.argmax(snr)])
        fig = Figure(figsize=(7.0, 4.0), layout="constrained")
        plot_gp_augmentation(self._gp, index, random_state=_seed(self.seed, "resample", 3),
                             ax=fig.add_subplot())
        atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
        return {"figure": f"figures/{path.name}", "class": str(self._train_y[index])}

    def _data_label(self):
        if isinstance(self.data, (str, os.PathLike)):
            return str(Path(self.data).resolve())
        return "light curves passed in memory"


def _display_order(classes):
    """CRTS classes largest first (as the paper lists them); others sorted."""
    from .datasets import CRTS_CLASSES

    known = [c for c in CRTS_CLASSES if c in set(classes)]
    return np.asarray(known + sorted(c for c in classes if c not in CRTS_CLASSES), dtype=object)


def _slug(name):
    return name.replace("+", "_plus_")


def _confusion_png(matrix, labels, view, title, path):
    """One confusion view as a PNG, drawn on a pyplot-free Figure."""
    from matplotlib.figure import Figure

    from .plotting import plot_confusion_matrix

    n = len(labels)
    fig = Figure(figsize=(1.8 + 0.62 * n, 1.3 + 0.55 * n), layout="constrained")
    plot_confusion_matrix(np.asarray(matrix), labels, view=view, title=title, ax=fig.add_subplot())
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))


def publish_report(run_dir, dest):
    """Copy a finished run's ``report.md``, ``metrics.json`` and figures to ``dest``.

    Parameters
    ----------
    run_dir : str or path-like
        A run directory written by :class:`ExperimentRun`.
    dest : str or path-like
        Where the results are published (e.g. ``docs/results``); the
        figures go to ``dest/figures`` so the report's links still work.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import shutil

    run_dir, dest = Path(run_dir), Path(dest)
    if not (run_dir / "report.md").is_file():
        raise FileNotFoundError(f"no report.md in {run_dir}: finish the run first")
    sources = [run_dir / "report.md", run_dir / "metrics.json",
               *sorted((run_dir / "figures").glob("*.png"))]
    written = []
    for source in sources:
        target = dest / source.relative_to(run_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copyfile(source, target)))
    return written


def run_experiments(data, out, **kwargs):
    """Run (or resume) the paper's experiments; see :class:`ExperimentRun`.

    Returns
    -------
    dict
        The content of ``metrics.json``.
    """
    return ExperimentRun(data, out, **kwargs).run()


# ------------------------------------------------------------------ report
def _pct(value):
    return "" if value is None else f"{100 * value:.1f}%"


def _f2(value):
    return "" if value is None else f"{value:.2f}"


def _difference(ours, paper, *, points):
    """``ours - paper`` as signed percentage points or a signed F1 difference."""
    if paper is None:
        return ""
    return f"{100 * (ours - paper):+.1f} pts" if points else f"{ours - paper:+.3f}"


def _duration(seconds):
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def _table(header, rows, *, numeric=True):
    """Markdown table; columns after the first right-aligned when ``numeric``."""
    align = "---:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else align for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render_report(results, *, data=""):
    """The Markdown report of a run from its ``metrics.json`` content.

    Parameters
    ----------
    results : dict
        What :meth:`ExperimentRun.run` returns.
    data : str, optional
        Where the light curves came from.

    Returns
    -------
    str
    """
    machine = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    stage_total = sum(results["timings"].values())
    lines = [
        f"# vsaug experiments: `{results['profile']}` profile",
        "",
        f"- command: `{results['command'] or 'vsaug.experiments.run_experiments(...)'}`",
        f"- data: {data} ({sum(sum(c.values()) for k, c in results['counts'].items() if k != 'val_augmented')}"
        f" stars, data fingerprint `{results['settings']['data']}`, seed {results['settings']['seed']})",
        f"- machine: {machine['cpu']}, {machine['cpu_count']} cores, {machine['platform']}, "
        f"Python {machine['python']}; {packages}",
        f"- wall time: {_duration(stage_total)} over all stages; "
        f"{_duration(results['session_seconds'])} in the session that wrote this report",
        "",
        "## Results on the test part",
        "",
        "The test part is never augmented. Ensembles average their members' probabilities. "
        "In brackets: the 95% percentile-bootstrap interval over the test stars "
        "(`vsaug.metrics.bootstrap_scores`, 1000 resamples), how far the scores move with "
        "which stars are in the test part.",
        "",
    ]
    rows = []
    for name, result in results["experiments"].items():
        paper = results["paper"].get(name, {"balanced_accuracy": None, "macro_f1": None})
        bacc, f1 = result["test"]["balanced_accuracy"], result["test"]["macro_f1"]
        interval = result.get("test_interval", {})  # absent from older metrics.json
        bacc_cell, f1_cell = _pct(bacc), f"{f1:.3f}"
        if interval:
            (bacc_low, bacc_high), (f1_low, f1_high) = (interval["balanced_accuracy"],
                                                        interval["macro_f1"])
            bacc_cell += f" [{100 * bacc_low:.1f}, {100 * bacc_high:.1f}]"
            f1_cell += f" [{f1_low:.3f}, {f1_high:.3f}]"
        rows.append((f"{result['title']} (`{name}`)", bacc_cell, f1_cell,
                     _pct(paper["balanced_accuracy"]), _f2(paper["macro_f1"]),
                     _difference(bacc, paper["balanced_accuracy"], points=True),
                     _difference(f1, paper["macro_f1"], points=False)))
    lines += _table(("model", "balanced accuracy", "macro F1", "paper: balanced accuracy",
                     "paper: macro F1", "difference: balanced accuracy",
                     "difference: macro F1"), rows)
    lines += ["", *_per_bag_section(results), *_counts_section(results)]
    lines += ["## Per-class scores", ""]
    for name, result in results["experiments"].items():
        lines += [f"### {result['title']}", "", *_per_class_lines(result["test"]), "",
                  f"![recall view](figures/{_slug(name)}_recall.png) "
                  f"![precision view](figures/{_slug(name)}_precision.png)", ""]
    if results.get("gp_example"):
        example = results["gp_example"]
        lines += ["## GP augmentation", "",
                  f"A real folded {example['class']} curve of the training part, its GP mean "
                  "with a band of two predictive deviations, and one synthetic curve drawn "
                  "from it (shown without its random phase shift):", "",
                  f"![GP example]({example['figure']})", ""]
    settings = dict(results["settings"])
    profile = settings.pop("profile")
    rows = [(k, f"`{json.dumps(v)}`") for k, v in settings.items()]
    rows += [(f"profile.{k}", f"`{json.dumps(v)}`") for k, v in profile.items()]
    rows.insert(0, ("n_bags", results["n_bags"]))
    lines += ["## Settings", "", *_table(("setting", "value"), rows, numeric=False), "",
              "## Wall time of every stage", "",
              "Stages resumed from an earlier session keep the time they took then.", ""]
    lines += _table(("stage", "wall time"),
                    [(name, _duration(sec)) for name, sec in results["timings"].items()])
    return "\n".join(lines) + "\n"


def _per_bag_section(results):
    bagged = {k: r for k, r in results["experiments"].items() if len(r["per_bag"]) > 1}
    if not bagged:
        return []
    n = max(len(r["per_bag"]) for r in bagged.values())
    header = ["bag"]
    for name in bagged:
        header += [f"{name}: validation", f"{name}: test"]
    rows = []
    for bag in range(n):
        row = [str(bag)]
        for r in bagged.values():
            scores = r["per_bag"][bag] if bag < len(r["per_bag"]) else None
            row += ([_pct(scores["val_balanced_accuracy"]), _pct(scores["test_balanced_accuracy"])]
                    if scores else ["", ""])
        rows.append(row)
    ensemble = ["ensemble"]
    for r in bagged.values():
        ensemble += [_pct(r["val_balanced_accuracy"]), _pct(r["test"]["balanced_accuracy"])]
    rows.append(ensemble)
    return ["## Balanced accuracy of every bag (the paper's Table 2)", "",
            "Validation: the GP-augmented validation part (every class the size of the "
            "largest); test: the test part.", "", *_table(header, rows), ""]


def _counts_section(results):
    counts = results["counts"]
    rows = [(c, *(counts[p][c] for p in ("train", "val", "val_augmented", "test")))
            for c in results["classes"]]
    return ["## Data", "",
            *_table(("class", "train", "validation", "validation (augmented)", "test"), rows), ""]


def _per_class_lines(test):
    rows = [(label, f"{s['recall']:.3f}", f"{s['precision']:.3f}", f"{s['f1']:.3f}", s["support"])
            for label, s in test["per_class"].items()]
    return [f"balanced accuracy {test['balanced_accuracy']:.3f}, macro F1 {test['macro_f1']:.3f}, "
            f"accuracy {test['accuracy']:.3f}", "",
            *_table(("class", "recall", "precision", "F1", "support"), rows)]
