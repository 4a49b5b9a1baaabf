"""Shared machinery of the Keras light-curve classifiers (no Keras import here).

:class:`KerasLightCurveClassifier` holds what the multi-input RNN and the
compound RNN+CNN have in common: parameter checks, the training loop over
length-grouped batches with a seeded per-epoch shuffle, keeping the best
epoch's weights, batched prediction, pickling (the network travels as the
bytes of a native ``.keras`` archive) and ``save``/``load``. Subclasses say
how to encode light curves (``_encode``), how to build the network
(``_build_model``) and which arrays a batch feeds it (``_batch_inputs``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from ._base import LightCurveInputMixin
from ._random import child_seeds
from ._validation import check_labels
from .lightcurves import as_light_curves
from .persistence import SaveLoadMixin
from .sequences import EncodedSequences, length_grouped_batches, pad_batch, random_batches

__all__ = ["KerasLightCurveClassifier", "NetworkInputs", "balanced_accuracy"]

#: Values of the networks' ``learning_rate_schedule`` parameter.
LEARNING_RATE_SCHEDULES = ("constant", "cosine")


@dataclass
class NetworkInputs:
    """Everything a network reads about a set of curves, ready to batch.

    Attributes
    ----------
    seq : EncodedSequences
        Step sequences, flat.
    scalars : ndarray of shape (n_curves, n_scalars), float32
        Standardised scalar features.
    """

    seq: EncodedSequences
    scalars: np.ndarray

    def __len__(self):
        return len(self.seq)

    @property
    def lengths(self):
        return self.seq.lengths


def balanced_accuracy(y_true, y_pred, n_classes):
    """Mean recall over the classes present in ``y_true`` (integer labels)."""
    counts = np.bincount(y_true, minlength=n_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=n_classes)
    present = counts > 0
    return float(np.mean(hits[present] / counts[present]))


def _check_units(value, name, *, allow_empty=False):
    """A tuple of positive ints (layer widths)."""
    values = tuple(value) if isinstance(value, (tuple, list)) else None
    if (
        values is None
        or (not values and not allow_empty)
        or not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values)
    ):
        need = "a tuple of positive ints" + (" (may be empty)" if allow_empty else "")
        raise ValueError(f"{name} must be {need}, got {value!r}")
    return values


class KerasLightCurveClassifier(LightCurveInputMixin, SaveLoadMixin, ClassifierMixin, BaseEstimator):
    """Base class: training loop, prediction and persistence of the networks."""

    _parameter_constraints = {
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions(set(LEARNING_RATE_SCHEDULES))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "pad_multiple": [Interval(Integral, 1, None, closed="left")],
        "group_by_length": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "backup_dir": [str, os.PathLike, None],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------ subclass API
    def _encode(self, X, *, fit):
        """Return NetworkInputs for ``X`` (learning the scalings when ``fit``)."""
        raise NotImplementedError

    def _build_model(self, n_classes, seed):
        """Return the compiled Keras model."""
        raise NotImplementedError

    def _check_architecture(self):
        """Check parameters that ``_parameter_constraints`` cannot express."""

    def _batch_inputs(self, data, index, length):
        """Arrays fed to the network for the curves ``index`` of ``data``."""
        seq = pad_batch(data.seq, index, multiple=self.pad_multiple, length=length)
        inputs = [seq]
        if data.scalars.shape[1]:
            inputs.append(data.scalars[index])
        return inputs

    # ------------------------------------------------------------ validation
    def _check_y(self, X, y, *, fit, what="y"):
        who = type(self).__name__ + ("" if what == "y" else f" {what}")
        y = check_labels(y, len(X), estimator=who)
        if fit:
            self.classes_, y_idx = np.unique(y, return_inverse=True)
            if self.classes_.size < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in y, got "
                    f"{self.classes_.size} ({self.classes_.tolist()})"
                )
            return y_idx
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            label = y[i].item() if isinstance(y[i], np.generic) else y[i]
            raise ValueError(
                f"{what}: {X.star_name(i)} has label {label!r}, which is not in the training "
                f"classes {self.classes_.tolist()}"
            )
        return np.searchsorted(self.classes_, y)

    def _sample_weights(self, y_idx, sample_weight):
        weights = None
        if self.class_weight is not None:
            cw = self.class_weight
            if isinstance(cw, dict):
                unknown = set(cw) - set(self.classes_.tolist())
                if unknown:
                    raise ValueError(
                        f"class_weight names classes {sorted(map(str, unknown))} that are not "
                        f"in y (classes: {self.classes_.tolist()})"
                    )
                cw = {np.searchsorted(self.classes_, k): v for k, v in cw.items()}
            weights = compute_sample_weight(cw, y_idx)
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.shape != y_idx.shape or np.any(~np.isfinite(sw)) or np.any(sw < 0):
                raise ValueError(
                    f"sample_weight must be {y_idx.size} finite non-negative values, got "
                    f"shape {sw.shape}"
                )
            weights = sw if weights is None else weights * sw
        return None if weights is None else weights.astype(np.float32)

    # ---------------------------------------------------------------- training
    def _setup_fit(self, X, y, validation_data, sample_weight, *, random_state=None,
                   y_idx=None):
        """Check the labels, encode, and draw seeds; returns what the loop needs.

        Parameters are validated by ``fit``'s ``@_fit_context`` and
        ``_check_architecture`` before. ``random_state`` overrides
        ``self.random_state`` (a subclass that already drew from it passes
        its generator on); ``y_idx`` is given when ``fit`` checked ``y``.
        """
        X = as_light_curves(X)
        if y_idx is None:
            y_idx = self._check_y(X, y, fit=True)
        weights = self._sample_weights(y_idx, sample_weight)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        model_seed, shuffle_seed = (int(s) for s in child_seeds(rng, 2))
        data = self._encode(X, fit=True)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, y_val)")
            X_val = as_light_curves(validation_data[0])
            val = (self._encode(X_val, fit=False),
                   self._check_y(X_val, validation_data[1], fit=False, what="validation_data"))
        return data, y_idx, weights, val, model_seed, np.random.default_rng(shuffle_seed)

    def _epoch_batches(self, lengths, rng, batch_size):
        if self.group_by_length:
            return length_grouped_batches(lengths, batch_size, rng=rng, bucket_width=self.pad_multiple)
        return random_batches(lengths.size, batch_size, rng=rng)

    def _batch_length(self, data):
        """Padded length of every batch in the naive mode (None when grouping)."""
        if self.group_by_length:
            return None
        longest = int(data.lengths.max())
        return -(-longest // self.pad_multiple) * self.pad_multiple

    def _learning_rate_at(self, progress):
        """Learning rate at ``progress`` (0 to 1) through the training steps.

        ``"cosine"`` anneals from ``learning_rate`` towards zero along half a
        cosine, step by step, so that the last epochs settle instead of
        swinging (constant steps moved a CRTS bag's validation score by up
        to three points from epoch to epoch; cosine steadied them there but
        did not raise the best epoch: ``benchmarks/README.md``).
        """
        if self.learning_rate_schedule == "cosine":
            return 0.5 * self.learning_rate * (1.0 + np.cos(np.pi * progress))
        return float(self.learning_rate)

    def _callbacks(self, model, epochs):
        """A ``keras.callbacks.CallbackList`` of the progress bar and ``callbacks``, or None.

        The loop drives the hooks itself (no ``model.fit``): ``on_train_begin``,
        ``on_epoch_begin``, ``on_train_batch_end`` (with the batch's loss),
        ``on_epoch_end`` (with ``loss`` and, given validation data,
        ``val_loss`` and ``val_balanced_accuracy``) and ``on_train_end``.
        """
        hooks = list(self.callbacks or [])
        if self.verbose:
            from ._progress import epoch_progress

            hooks.insert(0, epoch_progress(epochs, verbose=self.verbose))
        if not hooks:
            return None
        import keras

        model.stop_training = False
        progress = keras.callbacks.CallbackList(hooks, model=model)
        progress.on_train_begin()
        return progress

    def _backup_arrays(self):
        """Further arrays the fit depends on (a subclass's fitted stage one)."""
        return []

    def _backup(self, data, y_idx, weights, val):
        """The fit's :class:`TrainingBackup`, or None without ``backup_dir``."""
        if self.backup_dir is None:
            return None
        from ._training_backup import TrainingBackup, fit_fingerprint

        # The shape of the data, not every value: a backup stays valid when the
        # inputs are recomputed on another machine and differ only by rounding
        # (a run's GP synthetics), and another bag or seed still differs.
        arrays = [data.seq.offsets, y_idx, weights]
        if val is not None:
            arrays += [val[0].seq.offsets, val[1]]
        arrays += self._backup_arrays()
        return TrainingBackup(self.backup_dir, fit_fingerprint(self, arrays), type(self).__name__)

    def _train(self, model, data, y_idx, weights, val, rng):
        """Run the epochs; keep the best validation epoch's weights.

        With ``backup_dir`` the state after every epoch is saved there and a
        fit that finds it continues after the last saved epoch.
        """
        epochs = self.epochs
        n_classes = self.classes_.size
        targets = np.eye(n_classes, dtype=np.float32)[y_idx]
        length = self._batch_length(data)
        history = {"loss": [], "epoch_seconds": [], "learning_rate": [], "val_loss": [],
                   "val_balanced_accuracy": []}
        best, best_weights, best_epoch, first = None, None, epochs, 0
        backup = self._backup(data, y_idx, weights, val)
        restored = backup.restore(model) if backup is not None else None
        if restored is not None:
            first, history = restored["epoch"], restored["history"]
            best, best_weights = restored["best"], restored["best_weights"]
            best_epoch = restored["best_epoch"]
            rng.bit_generator.state = restored["rng_state"]
        self.resumed_from_epoch_ = first
        progress = self._callbacks(model, epochs)
        for epoch in range(first, epochs):
            batches = self._epoch_batches(data.lengths, rng, self.batch_size)
            if progress is not None:
                progress.set_params({"epochs": epochs, "steps": len(batches)})
                progress.on_epoch_begin(epoch)
            total, start = 0.0, time.perf_counter()
            history["learning_rate"].append(self._learning_rate_at(epoch / epochs))
            for step, index in enumerate(batches):
                if self.learning_rate_schedule != "constant":
                    model.optimizer.learning_rate.assign(
                        self._learning_rate_at((epoch + step / len(batches)) / epochs))
                loss = model.train_on_batch(
                    self._batch_inputs(data, index, length), targets[index],
                    sample_weight=None if weights is None else weights[index])
                total += float(loss) * index.size
                if progress is not None:
                    progress.on_train_batch_end(step, {"loss": float(loss)})
            history["loss"].append(total / len(data))
            history["epoch_seconds"].append(time.perf_counter() - start)
            logs = {"loss": history["loss"][-1]}
            if val is not None:
                proba = self._predict_inputs(model, val[0])
                score = balanced_accuracy(val[1], proba.argmax(axis=1), n_classes)
                val_loss = float(-np.mean(np.log(np.clip(proba[np.arange(len(val[1])), val[1]],
                                                         1e-12, None))))
                history["val_balanced_accuracy"].append(score)
                history["val_loss"].append(val_loss)
                logs.update(val_loss=val_loss, val_balanced_accuracy=score)
                # Best balanced accuracy; ties go to the lower validation loss.
                if best is None or (score, -val_loss) > best:
                    best, best_weights, best_epoch = (score, -val_loss), model.get_weights(), epoch + 1
            if backup is not None:
                backup.save(epoch=epoch + 1, model=model, history=history, best=best,
                            best_epoch=best_epoch, best_weights=best_weights, rng=rng)
            if progress is not None:
                progress.on_epoch_end(epoch, logs)
                if getattr(model, "stop_training", False):  # set by e.g. EarlyStopping
                    break
        if progress is not None:
            progress.on_train_end()
        if best_weights is not None:
            model.set_weights(best_weights)
        self.history_ = {k: v for k, v in history.items() if v}
        self.best_epoch_ = best_epoch
        if backup is not None:
            backup.remove()
        return model

    # -------------------------------------------------------------- prediction
    def _predict_inputs(self, model, data):
        n = len(data)
        proba = np.empty((n, self.classes_.size), dtype=np.float64)
        if self.group_by_length:
            batches = length_grouped_batches(data.lengths, self.predict_batch_size)
        else:
            batches = random_batches(n, self.predict_batch_size)
        length = self._batch_length(data)
        for index in batches:
            proba[index] = np.asarray(model.predict_on_batch(self._batch_inputs(data, index, length)))
        return proba

    def predict_proba(self, X):
        """Class probabilities of every light curve.

        Parameters
        ----------
        X : LightCurves or convertible
            Curves with ``meta['period']`` and the scalar feature columns.

        Returns
        -------
        ndarray of shape (n_curves, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "model_")
        X = as_light_curves(X)
        return self._predict_inputs(self.model_, self._encode(X, fit=False))

    def predict(self, X):
        """Most probable class of every light curve.

        Returns
        -------
        ndarray of shape (n_curves,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # ------------------------------------------------------------- persistence
    def __getstate__(self):
        state = dict(super().__getstate__())  # may be self.__dict__ itself: never mutate it
        model = state.pop("model_", None)
        if model is not None:
            from ._networks import model_to_bytes

            state["_model_bytes"] = model_to_bytes(model)
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_model_bytes", None)
        super().__setstate__(state)
        if data is not None:
            from ._networks import model_from_bytes

            self.model_ = model_from_bytes(data)
