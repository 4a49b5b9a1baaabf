"""The stage/checkpoint engine of a run directory.

Every stage writes its result to its own file, atomically
(:func:`vsaug._atomic.atomic_write`), and is skipped when that file already
exists and loads. A file that exists but does not load (truncated by a full
disk, a kill outside vsaug, a copy cut short) is reported and its stage
recomputed. ``manifest.json`` records the settings the files depend on;
``progress.log`` has one timestamped line per stage started, finished,
skipped or found damaged; ``timings.json`` the wall time of every stage.
"""

from __future__ import annotations

import json
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np

from .._atomic import atomic_write
from .._progress import progress_bar

__all__ = ["StageStore", "DamagedFileWarning"]


class DamagedFileWarning(UserWarning):
    """A run file could not be read back; its stage is recomputed."""


# ------------------------------------------------------------------ formats
def json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_json(obj, path):
    def write(p):
        Path(p).write_text(json.dumps(obj, indent=2, default=json_default) + "\n")

    return atomic_write(path, write)


def read_json(path):
    return json.loads(Path(path).read_text())


def dump_joblib(obj, path):
    return atomic_write(path, lambda p: joblib.dump(obj, p, compress=3))


def save_npz(arrays, path):
    def write(p):
        with open(p, "wb") as f:
            np.savez_compressed(f, **arrays)

    return atomic_write(path, write)


def load_npz(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def save_model(model, path):
    from ..persistence import save

    return atomic_write(path, lambda p: save(model, p))


def load_model(path):
    from ..persistence import load

    return load(path)


# ------------------------------------------------------------------- engine
class StageStore:
    """The files of one run directory: stages, manifest, timings and log.

    Parameters
    ----------
    root : path-like
        The run directory (created if needed).
    verbose : int
        0: no progress bar.
    """

    def __init__(self, root, *, verbose=1):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.verbose = verbose
        self.skipped = []
        self.bar = None
        self.manifest = None
        self.timings = self.read("timings", "timings.json", read_json) or {}

    # ------------------------------------------------------------- logging
    def log(self, message):
        """One timestamped line in ``progress.log``."""
        stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
        with open(self.root / "progress.log", "a") as f:
            f.write(f"{stamp}  {message}\n")
        if self.bar is not None:
            self.bar.set_postfix_str(message[:60], refresh=True)

    def progress(self, total):
        """A progress bar over ``total`` stages (one line at the end off a terminal)."""
        self.bar = progress_bar(total, desc="vsaug reproduce", unit="stage",
                                verbose=self.verbose)
        return self.bar

    def close(self):
        if self.bar is not None:
            self.bar.close()
        self.bar = None

    def _advance(self):
        if self.bar is not None:
            self.bar.update(1)

    # ------------------------------------------------------------- stages
    def read(self, name, filename, load):
        """The stage's saved result, or None when absent or damaged (reported)."""
        path = self.root / filename
        if not path.exists():
            return None
        try:
            return load(path)
        except Exception as exc:  # any failure to read back means: recompute
            reason = f"{type(exc).__name__}: {exc}"[:200]
            message = f"stage {name}: file {filename} is damaged ({reason}); recomputing"
            warnings.warn(message, DamagedFileWarning, stacklevel=2)
            if self.root.exists():
                self.log(message)
            return None

    def skip(self, name, reason=None):
        """Log a stage left out (done before, or not possible: ``reason``)."""
        self.log(f"skip {name}" + ("" if reason is None else f" ({reason})"))
        if reason is None:
            self.skipped.append(name)
        self._advance()

    def compute(self, name, filename, compute, *, save=dump_joblib):
        """Compute a stage, save its result atomically and time it."""
        self.log(f"start {name}")
        started = time.perf_counter()
        result = compute()
        save(result, self.root / filename)
        seconds = time.perf_counter() - started
        self.timings[name] = round(seconds, 3)
        write_json(self.timings, self.root / "timings.json")
        self.log(f"done {name} in {seconds:.1f} s")
        self._advance()
        return result

    def stage(self, name, filename, compute, *, save=dump_joblib, load=joblib.load):
        """Load ``filename`` if present and readable, else compute and save it."""
        result = self.read(name, filename, load)
        if result is not None:
            self.skip(name)
            return result
        return self.compute(name, filename, compute, save=save)

    # ------------------------------------------------------------ manifest
    def open_manifest(self, settings, session):
        """Check the settings against the run's manifest (or start one) and add a session."""
        path = self.root / "manifest.json"
        manifest = self.read("manifest", "manifest.json", read_json)
        if manifest is None or not isinstance(manifest.get("settings"), dict):
            manifest = {"format": "vsaug-run", "settings": settings, "sessions": []}
        old = manifest["settings"]
        changed = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        if changed:
            raise ValueError(
                f"{self.root} holds a run with different settings ({', '.join(changed)}); "
                "resume with the same data and settings, or choose a new --out"
            )
        manifest.setdefault("sessions", []).append({
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), **session})
        write_json(manifest, path)
        self.manifest = manifest
        return manifest
