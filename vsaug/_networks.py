"""Keras graphs of the vsaug networks (DESIGN 1.4 and 1.5).

This module imports Keras at import time, so only functions of the
estimator modules import it. Layers are named by branch (``rnn_*``,
``scalar_*``, ``cnn_*``) so that weights can be copied between networks
layer by layer and a whole branch frozen by its prefix. Every random
initializer and dropout layer gets its own integer seed drawn from one
:class:`numpy.random.Generator`, so a network is repeatable without touching
any global random state (and two networks may be built in parallel threads).
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np
from keras import initializers, layers, regularizers

from ._random import child_seeds

__all__ = [
    "RNN_PREFIX",
    "SCALAR_PREFIX",
    "CNN_PREFIX",
    "build_rnn_model",
    "build_compound_model",
    "copy_weights",
    "set_trainable",
    "compile_model",
    "model_to_bytes",
    "model_from_bytes",
]

RNN_PREFIX, SCALAR_PREFIX, CNN_PREFIX = "rnn_", "scalar_", "cnn_"


class _Seeds:
    """Hands out distinct integer seeds for initializers and dropout."""

    def __init__(self, seed):
        self._rng = np.random.default_rng(seed)

    def __call__(self):
        return child_seeds(self._rng)

    def glorot(self):
        return initializers.GlorotUniform(seed=self())


def _gru(units, seeds, *, return_sequences, go_backwards, name):
    return layers.GRU(
        units,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        kernel_initializer=seeds.glorot(),
        recurrent_initializer=initializers.Orthogonal(seed=seeds()),
        name=name,
    )


def _bigru(units, seeds, *, return_sequences, name):
    # An explicit backward layer, so that it gets its own initial weights.
    forward = _gru(units, seeds, return_sequences=return_sequences,
                   go_backwards=False, name=f"{name}_forward")
    backward = _gru(units, seeds, return_sequences=return_sequences,
                    go_backwards=True, name=f"{name}_backward")
    return layers.Bidirectional(forward, backward_layer=backward, name=name)


def _dense(units, seeds, name, *, activation="relu", l1=0.0):
    reg = regularizers.L1(l1) if l1 else None
    return layers.Dense(units, activation=activation, kernel_initializer=seeds.glorot(),
                        kernel_regularizer=reg, name=name)


def _rnn_branch(seq_input, cfg, seeds):
    """Masking -> BiGRU(s) -> Dropout -> Dense -> Dropout -> Dense ..."""
    x = layers.Masking(mask_value=0.0, name=f"{RNN_PREFIX}masking")(seq_input)
    n_gru = len(cfg["gru_units"])
    for k, units in enumerate(cfg["gru_units"], start=1):
        x = _bigru(units, seeds, return_sequences=k < n_gru, name=f"{RNN_PREFIX}bigru_{k}")(x)
    for k, units in enumerate(cfg["dense_units"], start=1):
        x = layers.Dropout(cfg["dropout"], seed=seeds(), name=f"{RNN_PREFIX}dropout_{k}")(x)
        x = _dense(units, seeds, f"{RNN_PREFIX}dense_{k}")(x)
    return x


def _scalar_branch(scalar_input, cfg, seeds):
    x = scalar_input
    for k, units in enumerate(cfg["scalar_units"], start=1):
        x = _dense(units, seeds, f"{SCALAR_PREFIX}dense_{k}")(x)
    return x


def _cnn_branch(image_input, cfg, seeds):
    """Conv blocks (BN, dropout, max-pool each) -> GAP -> dense layers with L1."""
    x = layers.Rescaling(1.0 / 255.0, name=f"{CNN_PREFIX}rescaling")(image_input)
    for b, block in enumerate(cfg["conv_blocks"], start=1):
        for c, (filters, kernel) in enumerate(block, start=1):
            x = layers.Conv2D(filters, kernel, padding="same", activation="relu",
                              kernel_initializer=seeds.glorot(),
                              name=f"{CNN_PREFIX}conv_{b}_{c}")(x)
        x = layers.BatchNormalization(name=f"{CNN_PREFIX}bn_{b}")(x)
        x = layers.Dropout(cfg["cnn_dropout"], seed=seeds(), name=f"{CNN_PREFIX}dropout_{b}")(x)
        x = layers.MaxPooling2D(cfg["pool_size"], strides=cfg["pool_strides"], padding="same",
                                name=f"{CNN_PREFIX}pool_{b}")(x)
    x = layers.GlobalAveragePooling2D(name=f"{CNN_PREFIX}gap")(x)
    for k, units in enumerate(cfg["cnn_dense_units"], start=1):
        x = layers.Dropout(cfg["cnn_dropout"], seed=seeds(), name=f"{CNN_PREFIX}dense_dropout_{k}")(x)
        x = _dense(units, seeds, f"{CNN_PREFIX}dense_{k}", l1=cfg["cnn_l1"])(x)
    return x


def _inputs(n_scalars, image_size=None):
    seq = keras.Input(shape=(None, 3), name="sequence")
    found = [seq]
    if n_scalars:
        found.append(keras.Input(shape=(n_scalars,), name="scalars"))
    if image_size:
        found.append(keras.Input(shape=(image_size, image_size, 1), name="image"))
    return found


def _head(branches, n_classes, seeds, name):
    x = branches[0] if len(branches) == 1 else layers.Concatenate(name="concatenate")(branches)
    return _dense(n_classes, seeds, name, activation="softmax")(x)


def build_rnn_model(n_classes, n_scalars, cfg, seed):
    """The multi-input RNN (DESIGN 1.4).

    Parameters
    ----------
    n_classes : int
    n_scalars : int
        Number of scalar features; 0 leaves out the scalar input and branch.
    cfg : dict
        ``gru_units``, ``dense_units``, ``scalar_units``, ``dropout``.
    seed : int

    Returns
    -------
    keras.Model
        Inputs ``[sequence (batch, T, 3), scalars (batch, n_scalars)]``,
        output class probabilities ``(batch, n_classes)``.
    """
    seeds = _Seeds(seed)
    inputs = _inputs(n_scalars)
    branches = [_rnn_branch(inputs[0], cfg, seeds)]
    if n_scalars:
        branches.append(_scalar_branch(inputs[1], cfg, seeds))
    return keras.Model(inputs, _head(branches, n_classes, seeds, "output"), name="rnn")


def build_compound_model(n_classes, n_scalars, cfg, seed):
    """The compound RNN + CNN network (DESIGN 1.5).

    ``cfg`` holds the RNN keys of :func:`build_rnn_model` plus
    ``image_size``, ``conv_blocks``, ``pool_size``, ``pool_strides``,
    ``cnn_dropout``, ``cnn_dense_units`` and ``cnn_l1``. The inputs are
    ``[sequence, scalars, image]`` (``scalars`` absent when ``n_scalars`` is
    0); the image is uint8-valued, shape ``(batch, size, size, 1)``.
    """
    seeds = _Seeds(seed)
    inputs = _inputs(n_scalars, cfg["image_size"])
    branches = [_rnn_branch(inputs[0], cfg, seeds), _cnn_branch(inputs[-1], cfg, seeds)]
    if n_scalars:
        branches.insert(1, _scalar_branch(inputs[1], cfg, seeds))
    # Named differently from the RNN's output layer: its input width differs.
    return keras.Model(inputs, _head(branches, n_classes, seeds, "compound_output"),
                       name="compound")


def copy_weights(source, target, prefixes):
    """Copy the weights of every layer of ``source`` named with one of ``prefixes``.

    Returns
    -------
    list of str
        Names of the layers copied.
    """
    copied = []
    for layer in source.layers:
        if layer.name.startswith(tuple(prefixes)) and layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())
            copied.append(layer.name)
    return copied


def set_trainable(model, prefixes, trainable):
    """Set ``trainable`` on every layer whose name starts with one of ``prefixes``."""
    for layer in model.layers:
        if layer.name.startswith(tuple(prefixes)):
            layer.trainable = trainable


def compile_model(model, *, learning_rate, label_smoothing):
    """Adam and categorical cross-entropy with label smoothing; no XLA (slower on CPU)."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        jit_compile=False,
    )
    return model


def model_to_bytes(model):
    """The bytes of a native ``.keras`` archive of ``model``'s architecture and weights.

    The optimizer's state is left out: a fitted network only predicts (a new
    ``fit`` builds a new network), and Adam's two moments per weight were
    two thirds of the archive. The network read back is not compiled.
    """
    if getattr(model, "optimizer", None) is not None:
        # From its config: the same layers and names, not compiled (clone_model compiles).
        bare = model.__class__.from_config(model.get_config())
        bare.set_weights(model.get_weights())
        model = bare
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data):
    """Inverse of :func:`model_to_bytes`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path)
