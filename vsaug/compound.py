"""The compound RNN + CNN classifier, trained in two stages (DESIGN 1.5).

Importing this module does not import Keras; the network is built in
:meth:`CompoundRNNCNNClassifier.fit`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._ragged import gather_segments
from ._random import child_seeds
from ._training import KerasLightCurveClassifier, _check_units
from .images import render_flat
from .lightcurves import as_light_curves
from .rnn import MultiInputRNNClassifier

__all__ = ["CompoundRNNCNNClassifier"]

#: The paper's CNN: blocks of (filters, kernel size) convolutions, each block
#: followed by batch normalisation, dropout and max-pooling.
PAPER_CONV_BLOCKS = (
    ((4, 7), (4, 5)),
    ((8, 3), (8, 3), (8, 3)),
    ((16, 3), (16, 3), (16, 3)),
    ((32, 3), (32, 3)),
)
_BRANCH_PREFIXES = {"rnn": "rnn_", "scalar": "scalar_"}


def _check_conv_blocks(blocks):
    ok = isinstance(blocks, (tuple, list)) and len(blocks) > 0
    for block in blocks if ok else ():
        ok = ok and isinstance(block, (tuple, list)) and len(block) > 0 and all(
            isinstance(layer, (tuple, list)) and len(layer) == 2
            and all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in layer)
            for layer in block
        )
    if not ok:
        raise ValueError(
            "conv_blocks must be a non-empty tuple of blocks, each a non-empty tuple of "
            f"(filters, kernel_size) pairs of positive ints; got {blocks!r}"
        )


def _unwrap_rnn(rnn):
    """The stage-one estimator and whether it is already fitted."""
    from sklearn.frozen import FrozenEstimator

    if rnn is None:
        return MultiInputRNNClassifier(), False
    frozen = isinstance(rnn, FrozenEstimator)
    inner = rnn.estimator if frozen else rnn
    if not isinstance(inner, MultiInputRNNClassifier):
        raise TypeError(
            "rnn must be a MultiInputRNNClassifier (fitted, unfitted, or fitted and wrapped "
            f"in sklearn.frozen.FrozenEstimator) or None, got {type(inner).__name__}"
        )
    fitted = hasattr(inner, "model_")
    if frozen and not fitted:
        raise ValueError("rnn is a FrozenEstimator around an unfitted MultiInputRNNClassifier")
    return inner, fitted


class CompoundRNNCNNClassifier(KerasLightCurveClassifier):
    """Multi-input RNN plus a CNN over phase-folded images, trained in two stages.

    Stage one trains a :class:`MultiInputRNNClassifier` (or takes a fitted
    one). Stage two builds the compound network: the same RNN and scalar
    branches, a third input, the curve folded and drawn as a
    ``image_size x image_size`` image (:func:`vsaug.images.render_phase_images`,
    scaled by 1/255 inside the model) read by a CNN branch, and one softmax
    layer over the concatenated branch outputs. The RNN's weights are copied
    layer by layer, the branches in ``frozen_branches`` are frozen, and the
    rest is trained. Inputs are encoded with the stage-one network's
    fitted scalings. Images are drawn batch by batch.

    Parameters
    ----------
    rnn : MultiInputRNNClassifier, FrozenEstimator or None, default=None
        Stage one. An unfitted estimator is cloned and trained on the same
        data (None: the paper's defaults); a fitted one is used as it is.
        ``clone`` forgets fitted state, so to keep a fitted network through
        ``GridSearchCV`` or an ensemble, wrap it in
        :class:`sklearn.frozen.FrozenEstimator`.
    image_size : int, default=128
        Image width and height (pixels).
    point_size : int, default=2
        Side in pixels of the square drawn for every point.
    conv_blocks : tuple of tuples of (filters, kernel_size), default=PAPER_CONV_BLOCKS
        Convolutions (``'same'`` padding, ReLU) of each CNN block; every
        block ends with batch normalisation, dropout and max-pooling. The
        default is the paper's ``Conv(4,7x7) Conv(4,5x5) | 3x Conv(8,3x3) |
        3x Conv(16,3x3) | 2x Conv(32,3x3)``.
    pool_size, pool_strides : int, default=3, 2
        Max-pooling window and stride (``'same'`` padding).
    cnn_dropout : float, default=0.2
        Dropout rate after every block and before each dense layer of the CNN.
    cnn_dense_units : tuple of int, default=(256, 32)
        Dense layers after global average pooling (ReLU, L1 on the kernels).
    cnn_l1 : float, default=1e-4
        L1 penalty of those dense kernels (the paper does not give its value).
    frozen_branches : tuple of {"rnn", "scalar"}, default=("rnn",)
        Branches copied from stage one and kept fixed in stage two. A branch
        not listed is copied too but keeps training.
    label_smoothing, learning_rate, learning_rate_schedule, batch_size, epochs, \
pad_multiple, group_by_length, predict_batch_size, class_weight
        Stage two's training, as in :class:`MultiInputRNNClassifier`
        (defaults 0.1, 1e-3, "constant", 32, 10, 8, True, 256, None).
    backup_dir : str, path-like or None, default=None
        Back up stage two's training after every epoch and resume from it,
        as :class:`MultiInputRNNClassifier` does (give stage one's RNN its
        own ``backup_dir`` when it is trained here too).
    callbacks : list of keras.callbacks.Callback or None, default=None
        Stage two's callbacks, as in :class:`MultiInputRNNClassifier`.
    random_state : int, RandomState instance or None, default=None
        Seeds stage two (and stage one when its own ``random_state`` is None).
    verbose : int, default=0
        Progress bar per epoch.

    Attributes
    ----------
    rnn_ : MultiInputRNNClassifier
        The fitted stage-one network.
    model_ : keras.Model
        The compound network; inputs ``sequence``, ``scalars`` and ``image``.
    classes_ : ndarray of shape (n_classes,)
    copied_layers_ : list of str
        Layers whose weights came from ``rnn_``.
    history_, best_epoch_, resumed_from_epoch_
        Stage two's training history, kept epoch and epochs restored from a backup (see
        :class:`MultiInputRNNClassifier`).

    See Also
    --------
    MultiInputRNNClassifier : stage one, the RNN alone.
    vsaug.images.render_phase_images : the images the CNN reads.

    Examples
    --------
    >>> from vsaug import CompoundRNNCNNClassifier, MultiInputRNNClassifier
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(200, classes=["RRab", "RRc", "Ecl", "EA"],
    ...                          random_state=0)  # doctest: +SKIP
    >>> clf = CompoundRNNCNNClassifier(
    ...     MultiInputRNNClassifier((8, 8), dense_units=(16,), epochs=2),
    ...     image_size=32, conv_blocks=(((4, 3),), ((8, 3),)), cnn_dense_units=(16,),
    ...     epochs=2, random_state=0)
    >>> clf.fit(X, y).predict_proba(X).shape  # doctest: +SKIP
    (200, 4)
    >>> clf.get_params()["rnn__gru_units"]
    (8, 8)
    """

    _parameter_constraints = {
        **{k: v for k, v in KerasLightCurveClassifier._parameter_constraints.items()
           if k != "dropout"},
        "rnn": [HasMethods(["fit", "predict_proba"]), None],
        "image_size": [Interval(Integral, 8, None, closed="left")],
        "point_size": [Interval(Integral, 1, None, closed="left")],
        "conv_blocks": [tuple, list],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "pool_strides": [Interval(Integral, 1, None, closed="left")],
        "cnn_dropout": [Interval(Real, 0, 1, closed="left")],
        "cnn_dense_units": [tuple, list],
        "cnn_l1": [Interval(Real, 0, None, closed="left")],
        "frozen_branches": [tuple, list],
    }

    def __init__(
        self,
        rnn=None,
        *,
        image_size=128,
        point_size=2,
        conv_blocks=PAPER_CONV_BLOCKS,
        pool_size=3,
        pool_strides=2,
        cnn_dropout=0.2,
        cnn_dense_units=(256, 32),
        cnn_l1=1e-4,
        frozen_branches=("rnn",),
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
        self.rnn = rnn
        self.image_size = image_size
        self.point_size = point_size
        self.conv_blocks = conv_blocks
        self.pool_size = pool_size
        self.pool_strides = pool_strides
        self.cnn_dropout = cnn_dropout
        self.cnn_dense_units = cnn_dense_units
        self.cnn_l1 = cnn_l1
        self.frozen_branches = frozen_branches
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
        _check_conv_blocks(self.conv_blocks)
        _check_units(self.cnn_dense_units, "cnn_dense_units")
        unknown = [b for b in self.frozen_branches if b not in _BRANCH_PREFIXES]
        if unknown:
            raise ValueError(
                f"frozen_branches may hold {sorted(_BRANCH_PREFIXES)}, got {list(self.frozen_branches)}"
            )

    def _encode(self, X, *, fit):
        # Stage one's scalings, so the copied branches see what they learned on.
        return self.rnn_._encode(X, fit=False)

    def _batch_inputs(self, data, index, length):
        inputs = super()._batch_inputs(data, index, length)
        flat, offsets = gather_segments(data.seq.offsets, np.asarray(index, dtype=np.int64))
        images = render_flat(data.seq.phase[flat], data.seq.steps[flat, 1], offsets,
                             self.image_size, point_size=self.point_size)
        return [*inputs, images[..., None]]

    def _build_model(self, n_classes, seed):
        from ._networks import (
            build_compound_model,
            compile_model,
            copy_weights,
            set_trainable,
        )

        cfg = {
            **self.rnn_._network_config(),
            "image_size": self.image_size,
            "conv_blocks": tuple(tuple(tuple(layer) for layer in b) for b in self.conv_blocks),
            "pool_size": self.pool_size,
            "pool_strides": self.pool_strides,
            "cnn_dropout": float(self.cnn_dropout),
            "cnn_dense_units": tuple(self.cnn_dense_units),
            "cnn_l1": float(self.cnn_l1),
        }
        model = build_compound_model(n_classes, len(self.rnn_.scalar_features_), cfg, seed)
        self.copied_layers_ = copy_weights(self.rnn_.model_, model, tuple(_BRANCH_PREFIXES.values()))
        set_trainable(model, tuple(_BRANCH_PREFIXES[b] for b in self.frozen_branches), False)
        return compile_model(model, learning_rate=self.learning_rate,
                             label_smoothing=self.label_smoothing)

    def _backup_arrays(self):
        return self.rnn_.model_.get_weights()  # stage two's backup belongs to this stage one

    def _stage_one(self, X, y, validation_data, sample_weight, seed):
        rnn, fitted = _unwrap_rnn(self.rnn)
        if fitted:
            check_is_fitted(rnn, "model_")
            if not np.array_equal(rnn.classes_, self.classes_):
                raise ValueError(
                    f"the fitted rnn knows classes {rnn.classes_.tolist()} but y has "
                    f"{self.classes_.tolist()}"
                )
            return rnn
        rnn = clone(rnn)
        if rnn.random_state is None:
            rnn.set_params(random_state=seed)
        return rnn.fit(X, y, validation_data=validation_data, sample_weight=sample_weight)

    # -------------------------------------------------------------- public API
    # Not skipping nested validation: stage one's fit validates its own.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, validation_data=None, sample_weight=None):
        """Train stage one (unless given fitted), then the compound network.

        Parameters
        ----------
        X : LightCurves or convertible, n_curves curves
            Curves with ``meta['period']`` and the RNN's scalar feature columns.
        y : array-like of shape (n_curves,)
        validation_data : (X_val, y_val), optional
            Used by both stages to keep their best epoch's weights.
        sample_weight : array-like of shape (n_curves,), optional

        Returns
        -------
        self : CompoundRNNCNNClassifier
        """
        self._check_architecture()
        X = as_light_curves(X)
        y_idx = self._check_y(X, y, fit=True)
        rng = check_random_state(self.random_state)
        rnn_seed = child_seeds(rng)
        self.rnn_ = self._stage_one(X, y, validation_data, sample_weight, rnn_seed)
        data, y_idx, weights, val, seed, shuffle_rng = self._setup_fit(
            X, y, validation_data, sample_weight, random_state=rng, y_idx=y_idx)
        model = self._build_model(self.classes_.size, seed)
        self.model_ = self._train(model, data, y_idx, weights, val, shuffle_rng)
        return self
