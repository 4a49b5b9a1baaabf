"""Per-epoch backups of a network's training, so that an interrupted ``fit`` resumes.

The networks train with their own loop (``train_on_batch``), so Keras's
``BackupAndRestore`` callback does not apply; :class:`TrainingBackup` plays
its part. After every epoch it writes one ``.npz`` file (atomically) with
everything the loop needs to continue as if it had never stopped: the
model's variables (weights, and the dropout layers' seed states), the
optimizer's variables (Adam's moments and step count), the shuffling
generator's state, the history so far and the best epoch's weights. The
file holds arrays and one JSON string only and is read with
``allow_pickle=False``: loading a backup never runs code from it.

A backup belongs to one fit: it records a fingerprint of the estimator's
parameters, the labels and sample weights, and the curves' lengths of the
training and validation data (not every value, so that inputs recomputed
elsewhere that differ only by rounding still match), and a fit that finds
a backup of a different fit in its ``backup_dir`` refuses to use or
overwrite it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ._atomic import atomic_write

__all__ = ["TrainingBackup", "fit_fingerprint"]

#: The file a backup directory holds.
BACKUP_FILE = "training_state.npz"

#: Parameters that do not change what a fit learns.
_NEUTRAL_PARAMETERS = ("verbose", "backup_dir", "callbacks", "predict_batch_size")


def fit_fingerprint(estimator, arrays):
    """A hex digest of the estimator's learning parameters and the fit's arrays.

    Parameters
    ----------
    estimator : BaseEstimator
        Its ``get_params(deep=False)`` minus the parameters that do not
        change the result.
    arrays : iterable of ndarray or None
        The encoded training data, labels, weights and validation data.

    Returns
    -------
    str
    """
    params = {k: v for k, v in estimator.get_params(deep=False).items()
              if k not in _NEUTRAL_PARAMETERS}
    digest = hashlib.sha256(type(estimator).__qualname__.encode())
    digest.update(repr(sorted((k, repr(v)) for k, v in params.items())).encode())
    for array in arrays:
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _stack(prefix, values):
    return {f"{prefix}{i}": np.asarray(v) for i, v in enumerate(values)}


def _unstack(data, prefix):
    values, i = [], 0
    while f"{prefix}{i}" in data:
        values.append(data[f"{prefix}{i}"])
        i += 1
    return values


class TrainingBackup:
    """The backup file of one fit in ``backup_dir``.

    Parameters
    ----------
    backup_dir : str or path-like
        The folder (created on the first save).
    fingerprint : str
        :func:`fit_fingerprint` of the fit.
    owner : str
        Who trains (for error messages), such as ``"MultiInputRNNClassifier"``.
    """

    def __init__(self, backup_dir, fingerprint, owner):
        self.dir = Path(backup_dir)
        self.path = self.dir / BACKUP_FILE
        self.fingerprint = fingerprint
        self.owner = owner

    def restore(self, model):
        """Load the saved state into ``model``; None when there is no backup.

        Returns
        -------
        dict or None
            ``epoch`` (epochs done), ``history``, ``best`` (the best
            score pair or None), ``best_epoch``, ``best_weights`` (list or
            None) and ``rng_state`` (the shuffling generator's state).

        Raises
        ------
        ValueError
            When the backup belongs to another fit (other parameters or data).
        """
        if not self.path.exists():
            return None
        with np.load(self.path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(str(arrays.pop("meta")))
        if meta["fingerprint"] != self.fingerprint:
            raise ValueError(
                f"{self.owner}: {self.path} is the backup of another fit (other parameters or "
                "training data); delete it, or give this fit its own backup_dir"
            )
        variables = _unstack(arrays, "model")
        if len(variables) != len(model.variables):
            raise ValueError(f"{self.owner}: {self.path} holds {len(variables)} model variables, "
                             f"the network has {len(model.variables)}; delete the backup")
        for variable, value in zip(model.variables, variables):
            variable.assign(value)
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        for variable, value in zip(optimizer.variables, _unstack(arrays, "optimizer")):
            variable.assign(value)
        best_weights = _unstack(arrays, "best") if meta["best"] is not None else None
        return {"epoch": meta["epoch"], "history": meta["history"],
                "best": None if meta["best"] is None else tuple(meta["best"]),
                "best_epoch": meta["best_epoch"], "best_weights": best_weights,
                "rng_state": meta["rng_state"]}

    def save(self, *, epoch, model, history, best, best_epoch, best_weights, rng):
        """Write the state after ``epoch`` epochs (atomically: old file or new, never half)."""
        meta = {"fingerprint": self.fingerprint, "epoch": int(epoch), "history": history,
                "best": None if best is None else [float(b) for b in best],
                "best_epoch": int(best_epoch), "rng_state": rng.bit_generator.state}
        arrays = {"meta": np.array(json.dumps(meta))}
        arrays.update(_stack("model", [v.numpy() for v in model.variables]))
        arrays.update(_stack("optimizer", [v.numpy() for v in model.optimizer.variables]))
        if best_weights is not None:
            arrays.update(_stack("best", best_weights))

        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

        atomic_write(self.path, write)

    def remove(self):
        """Delete the backup (the fit finished); the folder too when it is left empty."""
        if self.path.exists():
            self.path.unlink()
        if self.dir.exists() and not any(self.dir.iterdir()):
            self.dir.rmdir()
