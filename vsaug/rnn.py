"""The multi-input recurrent network classifier (DESIGN 1.4).

Importing this module does not import Keras; the network is built in
:meth:`MultiInputRNNClassifier.fit`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import _fit_context

from ._training import KerasLightCurveClassifier, NetworkInputs, _check_units
from .sequences import SequenceEncoder

__all__ = ["MultiInputRNNClassifier", "scalar_feature_matrix"]


def scalar_feature_matrix(X, names):
    """Per-curve scalar features from ``X.meta``.

    Parameters
    ----------
    X : LightCurves
    names : sequence of str
        Meta columns; ``"log_<column>"`` is the base-10 logarithm of a
        positive column (``"log_period"``).

    Returns
    -------
    ndarray of shape (n_curves, len(names)), float64

    Raises
    ------
    ValueError
        Naming the missing column or the first star with a bad value.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.rnn import scalar_feature_matrix
    >>> X = LightCurves(np.arange(5.0), np.zeros(5), np.ones(5), [0, 5],
    ...                 pd.DataFrame({"period": [100.0], "amplitude": [0.5]}))
    >>> scalar_feature_matrix(X, ("log_period", "amplitude")).tolist()
    [[2.0, 0.5]]
    """
    columns = []
    for name in names:
        if name in X.meta.columns:
            values = X.meta[name].to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                i = int(bad[0])
                raise ValueError(
                    f"{X.star_name(i)} has {name}={float(values[i])!r}; it must be finite"
                )
        elif name.startswith("log_") and name[4:] in X.meta.columns:
            values = np.log10(X.require(name[4:]))
        else:
            hint = " (LightCurveCleaner fills it)" if name.endswith("amplitude") else ""
            raise ValueError(
                f"scalar feature {name!r} needs a meta column {name.removeprefix('log_')!r}"
                f"{hint}; meta has {list(X.meta.columns)}"
            )
        columns.append(values)
    return np.column_stack(columns) if columns else np.zeros((len(X), 0))


class MultiInputRNNClassifier(KerasLightCurveClassifier):
    """Bidirectional-GRU classifier of folded light curves plus scalar features.

    The sequence input is every curve folded on its period as steps of
    (delta-phase, magnitude, error) (see :mod:`vsaug.sequences`), read by
    stacked bidirectional GRUs and dense layers; the scalar input (by
    default log-period and amplitude, standardised) goes through its own
    dense layers; the two branches are concatenated into a softmax layer.
    Batches are grouped by length and padded only to their own longest curve
    (rounded up to ``pad_multiple``), with masking, so padding never changes
    a prediction. The defaults are the paper's network (DESIGN 1.4).

    Parameters
    ----------
    gru_units : tuple of int, default=(128, 64)
        Units of each bidirectional GRU layer (per direction).
    dense_units : tuple of int, default=(128, 32)
        Widths of the dense layers after the GRUs, each preceded by dropout.
    scalar_units : tuple of int, default=(64, 32)
        Widths of the scalar branch's dense layers.
    dropout : float, default=0.4
        Dropout rate before each dense layer of the RNN branch.
    scalar_features : tuple of str, default=("log_period", "amplitude")
        Meta columns fed to the scalar branch; ``"log_<column>"`` is a
        base-10 logarithm. Empty: no scalar branch.
    label_smoothing : float, default=0.1
        Label smoothing of the categorical cross-entropy.
    learning_rate : float, default=1e-3
        Adam learning rate (the initial one under a schedule).
    learning_rate_schedule : {"constant", "cosine"}, default="constant"
        ``"cosine"`` anneals the learning rate step by step from
        ``learning_rate`` towards zero over the epochs (half a cosine);
        ``"constant"`` keeps it, as the paper does.
    batch_size : int, default=32
        Training batch size.
    epochs : int, default=10
        Training epochs.
    pad_multiple : int, default=8
        Batches are padded to a multiple of this many steps; curves are
        shuffled within length buckets of this width every epoch. (Keras
        retraces the training step for a variable time axis after two or
        three shapes, so small multiples cost no extra compilation; 8 wastes
        fewer padded steps than 32, see ``benchmarks/README.md``.)
    group_by_length : bool, default=True
        Group batches by curve length. False pads every batch to the longest
        curve of the data set (the naive way, for comparison).
    predict_batch_size : int, default=256
        Batch size in prediction.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss.
    backup_dir : str, path-like or None, default=None
        Save the training state (weights, optimizer, shuffling generator,
        history) there after every epoch; a fit interrupted by a kill or a
        session's end and started again with the same parameters and data
        continues after the last finished epoch, with the result of an
        uninterrupted fit. The backup is deleted when ``fit`` finishes; a
        backup of another fit there (other parameters, labels, weights or
        curve lengths) raises ``ValueError``.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Called by the training loop as ``model.fit`` would call them
        (``on_train_begin``, ``on_epoch_begin``, ``on_train_batch_end``,
        ``on_epoch_end`` with ``loss``, ``val_loss`` and
        ``val_balanced_accuracy``, ``on_train_end``); a callback that sets
        ``model.stop_training`` (``keras.callbacks.EarlyStopping``) ends the
        training after that epoch. Set it to None before pickling a fitted
        network if the callbacks cannot be pickled.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout and the batch shuffles: the same
        seed gives the same weights and probabilities on one machine.
    verbose : int, default=0
        Show a progress bar per epoch (and validation scores).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    model_ : keras.Model
        The trained network; inputs ``sequence`` (batch, T, 3) and
        ``scalars`` (batch, n_scalars).
    encoder_ : SequenceEncoder
        The fitted sequence encoding (delta-phase scale).
    scalar_features_ : tuple of str
        The scalar features the network was trained on.
    scalar_mean_, scalar_scale_ : ndarray of shape (n_scalars,)
        Standardisation of the scalar features.
    history_ : dict of lists
        Per-epoch training ``loss``, ``epoch_seconds`` (wall time of the
        training steps) and ``learning_rate`` (at the epoch's start) and,
        with validation data, ``val_loss`` and ``val_balanced_accuracy``.
    best_epoch_ : int
        The epoch (1-based) whose weights were kept: the best validation
        balanced accuracy (ties: lower validation loss), or the last epoch.
    resumed_from_epoch_ : int
        Epochs restored from ``backup_dir`` when the fit started (0 for a
        fit from scratch).

    See Also
    --------
    CompoundRNNCNNClassifier : adds a CNN over phase-folded images.
    BaggingAugmentedEnsemble : trains several on GP-augmented bags.

    Examples
    --------
    >>> from vsaug import MultiInputRNNClassifier
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(200, classes=["RRab", "RRc", "Ecl", "EA"],
    ...                          random_state=0)  # doctest: +SKIP
    >>> clf = MultiInputRNNClassifier((8, 8), dense_units=(16,), epochs=3,
    ...                               random_state=0)
    >>> clf.fit(X, y).predict_proba(X[:2]).shape  # doctest: +SKIP
    (2, 4)
    >>> clf.get_params()["gru_units"]
    (8, 8)
    """

    _parameter_constraints = {
        **KerasLightCurveClassifier._parameter_constraints,
        "gru_units": [tuple, list],
        "dense_units": [tuple, list],
        "scalar_units": [tuple, list],
        "scalar_features": [tuple, list],
    }

    def __init__(
        self,
        gru_units=(128, 64),
        *,
        dense_units=(128, 32),
        scalar_units=(64, 32),
        dropout=0.4,
        scalar_features=("log_period", "amplitude"),
        label_smoothing=0.1,
        learning_rate=1e-3,
        learning_rate_schedule="constant",
        batch_size=32,
        epochs=10,
        pad_multiple=8,
        group_by_length=True,
        predict_batch_size=256,
        class_weight=None,
        backup_dir=None,
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.gru_units = gru_units
        self.dense_units = dense_units
        self.scalar_units = scalar_units
        self.dropout = dropout
        self.scalar_features = scalar_features
        self.label_smoothing = label_smoothing
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.pad_multiple = pad_multiple
        self.group_by_length = group_by_length
        self.predict_batch_size = predict_batch_size
        self.class_weight = class_weight
        self.backup_dir = backup_dir
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- internals
    def _check_architecture(self):
        _check_units(self.gru_units, "gru_units")
        _check_units(self.dense_units, "dense_units")
        names = tuple(self.scalar_features)
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(
                f"scalar_features must be distinct meta column names, got {self.scalar_features!r}"
            )
        # Without scalar features the scalar branch does not exist.
        _check_units(self.scalar_units, "scalar_units", allow_empty=not names)

    def _network_config(self):
        return {
            "gru_units": tuple(self.gru_units),
            "dense_units": tuple(self.dense_units),
            "scalar_units": tuple(self.scalar_units),
            "dropout": float(self.dropout),
        }

    def _encode(self, X, *, fit):
        if fit:
            self.scalar_features_ = tuple(self.scalar_features)
        scalars = scalar_feature_matrix(X, self.scalar_features_)
        if fit:
            self.encoder_ = SequenceEncoder().fit(X)
            self.scalar_mean_ = scalars.mean(axis=0)
            std = scalars.std(axis=0)
            self.scalar_scale_ = np.where(std > 0, std, 1.0)
        scalars = ((scalars - self.scalar_mean_) / self.scalar_scale_).astype(np.float32)
        return NetworkInputs(seq=self.encoder_.transform(X), scalars=scalars)

    def _build_model(self, n_classes, seed):
        from ._networks import build_rnn_model, compile_model

        model = build_rnn_model(n_classes, len(self.scalar_features_), self._network_config(), seed)
        return compile_model(model, learning_rate=self.learning_rate,
                             label_smoothing=self.label_smoothing)

    # -------------------------------------------------------------- public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, validation_data=None, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            Curves with ``meta['period']`` and the ``scalar_features`` columns.
        y : array-like of shape (n_curves,)
            Class labels.
        validation_data : (X_val, y_val), optional
            Scored after every epoch; the weights of the epoch with the best
            balanced accuracy (ties: lowest validation loss) are kept.
        sample_weight : array-like of shape (n_curves,), optional
            Per-curve loss weights (multiplied by ``class_weight``).

        Returns
        -------
        self : MultiInputRNNClassifier
        """
        self._check_architecture()
        data, y_idx, weights, val, seed, rng = self._setup_fit(X, y, validation_data, sample_weight)
        model = self._build_model(self.classes_.size, seed)
        self.model_ = self._train(model, data, y_idx, weights, val, rng)
        return self
