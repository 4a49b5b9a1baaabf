"""Folded light curves as step sequences for recurrent networks, and their batches.

A light curve becomes a sequence of steps ``(delta-phase, magnitude, error)``
in phase order (DESIGN 1.4). Everything is computed on the flat arrays of
:class:`~vsaug.LightCurves`; a batch is padded with one fancy-index
assignment, never a loop over stars.

Encoding, per curve:

- fold on ``meta['period']`` and sort by phase;
- delta-phase: the phase difference to the previous point, 0 for the first
  point (catalogue epochs are arbitrary, so the absolute phase of the first
  point carries no information), divided by one global scale learned in
  :meth:`SequenceEncoder.fit` (the standard deviation of all delta-phases);
- magnitude: standardised per curve (mean 0, standard deviation 1);
- error: divided by the same per-curve magnitude standard deviation, so it is
  on the scale of the standardised magnitudes. Errors are positive, so the
  error channel of a real step is never 0 and an all-zero step can only be
  padding: ``keras.layers.Masking(mask_value=0.0)`` is exact.

Batches are grouped by length (:func:`length_grouped_batches`) and padded
only to their own longest curve, rounded up to a small multiple, see
:func:`pad_batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils.validation import check_is_fitted

from ._ragged import chunk_bounds, gather_segments, segment_mean, segment_positions, segment_std
from .folding import fold
from .lightcurves import as_light_curves

__all__ = [
    "EncodedSequences",
    "SequenceEncoder",
    "length_grouped_batches",
    "random_batches",
    "pad_batch",
]

#: Smallest value of the error channel: keeps a real step distinct from padding.
_MIN_ERR = float(np.finfo(np.float32).tiny)
#: A curve whose magnitudes vary less than this is treated as constant.
_MIN_STD = 1e-12


@dataclass
class EncodedSequences:
    """Step sequences of many curves, stored flat.

    Attributes
    ----------
    steps : ndarray of shape (n_points, 3), float32
        ``(delta-phase, magnitude, error)`` of every point, curve after curve,
        each curve in phase order.
    offsets : ndarray of shape (n_curves + 1,)
        Curve ``i`` is ``steps[offsets[i]:offsets[i + 1]]``.
    phase : ndarray of shape (n_points,)
        The phase in [0, 1) of every step (for images and diagnostics).
    """

    steps: np.ndarray
    offsets: np.ndarray
    phase: np.ndarray

    def __len__(self):
        return self.offsets.size - 1

    @property
    def lengths(self):
        """Number of steps of every curve, ndarray of shape (n_curves,)."""
        return np.diff(self.offsets)


def _delta_phase(ph, offsets):
    """Phase difference to the previous point of the same curve; 0 at each start."""
    delta = np.empty_like(ph)
    delta[0:1] = 0.0
    np.subtract(ph[1:], ph[:-1], out=delta[1:])
    delta[offsets[:-1][np.diff(offsets) > 0]] = 0.0
    return delta


class SequenceEncoder(BaseEstimator):
    """Encode light curves as ``(delta-phase, mag, err)`` step sequences.

    Parameters
    ----------
    scale_delta_phase : bool, default=True
        Divide delta-phases by their standard deviation over the training
        curves (learned in :meth:`fit`). If False the scale is 1.

    Attributes
    ----------
    delta_phase_scale_ : float
        The divisor applied to every delta-phase.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.sequences import SequenceEncoder
    >>> t = np.array([0.0, 0.3, 0.6, 1.1, 1.45, 0.2, 0.4, 0.7, 0.9, 1.3])
    >>> X = LightCurves(t, np.sin(3 * t), np.full(10, 0.1), [0, 5, 10],
    ...                 pd.DataFrame({"period": [1.0, 1.0]}))
    >>> seq = SequenceEncoder().fit(X).transform(X)
    >>> seq.steps.shape, seq.lengths.tolist()
    ((10, 3), [5, 5])
    >>> float(seq.steps[0, 0]), bool(np.all(seq.steps[:, 2] > 0))
    (0.0, True)
    """

    _parameter_constraints = {"scale_delta_phase": ["boolean"]}

    def __init__(self, scale_delta_phase=True):
        self.scale_delta_phase = scale_delta_phase

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the delta-phase scale from ``X``.

        Parameters
        ----------
        X : LightCurves or convertible
            Curves with ``meta['period']``.
        y : ignored

        Returns
        -------
        self : SequenceEncoder
        """
        X = as_light_curves(X)
        scale = 1.0
        if self.scale_delta_phase:
            folded, ph = fold(X)
            scale = float(np.std(_delta_phase(ph, folded.offsets)))
            if not np.isfinite(scale) or scale <= 0:
                scale = 1.0
        self.delta_phase_scale_ = scale
        return self

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : LightCurves or convertible
            Curves with ``meta['period']``.

        Returns
        -------
        EncodedSequences
            ``steps`` of shape (n_points, 3) in phase order and ``offsets``.
        """
        check_is_fitted(self, "delta_phase_scale_")
        X = as_light_curves(X)
        folded, ph = fold(X)
        offsets, lengths = folded.offsets, folded.lengths
        mean = segment_mean(folded.mag, offsets)
        std = segment_std(folded.mag, offsets)
        std = np.where(std > _MIN_STD, std, 1.0)
        mean_pt, std_pt = np.repeat(mean, lengths), np.repeat(std, lengths)
        steps = np.empty((folded.n_points, 3), dtype=np.float32)
        steps[:, 0] = _delta_phase(ph, offsets) / self.delta_phase_scale_
        steps[:, 1] = (folded.mag - mean_pt) / std_pt
        steps[:, 2] = np.maximum(folded.err / std_pt, _MIN_ERR)
        return EncodedSequences(steps=steps, offsets=offsets.copy(), phase=ph)


def length_grouped_batches(lengths, batch_size, *, rng=None, bucket_width=8):
    """Split curves into batches of similar length.

    Parameters
    ----------
    lengths : array-like of int, shape (n_curves,)
        Length of every curve.
    batch_size : int
        Curves per batch (the last batch may be smaller).
    rng : numpy.random.Generator, optional
        If given, curves are shuffled within length buckets of
        ``bucket_width`` and the batches are returned in random order (one
        call per training epoch). If None, curves are sorted by length and
        batches come shortest first (for prediction).
    bucket_width : int, default=8
        Width of the length buckets within which curves are shuffled; match
        it to the padding multiple of :func:`pad_batch` so shuffling costs no
        extra padding.

    Returns
    -------
    list of ndarray of int
        Indices of the curves of every batch.

    Examples
    --------
    >>> from vsaug.sequences import length_grouped_batches
    >>> [b.tolist() for b in length_grouped_batches([50, 10, 40, 12], 2)]
    [[1, 3], [2, 0]]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    _check_batch_size(batch_size)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
    else:
        _check_positive_int(bucket_width, "bucket_width")
        order = np.lexsort((rng.random(lengths.size), lengths // bucket_width))
    batches = _chunks(order, batch_size)
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def random_batches(n_curves, batch_size, *, rng=None):
    """Split ``n_curves`` curves into batches regardless of length.

    The naive baseline of :func:`length_grouped_batches`: with ``rng`` the
    curves are shuffled, else kept in order.

    Returns
    -------
    list of ndarray of int

    Examples
    --------
    >>> from vsaug.sequences import random_batches
    >>> [b.tolist() for b in random_batches(5, 2)]
    [[0, 1], [2, 3], [4]]
    """
    _check_batch_size(batch_size)
    order = np.arange(n_curves) if rng is None else rng.permutation(n_curves)
    return _chunks(order, batch_size)


def _chunks(order, size):
    return [order[a:b] for a, b in chunk_bounds(order.size, size=size)]


def _check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_batch_size(batch_size):
    _check_positive_int(batch_size, "batch_size")


def pad_batch(seq, index, *, multiple=1, length=None):
    """Zero-padded array of the step sequences of curves ``index``.

    Parameters
    ----------
    seq : EncodedSequences
    index : array-like of int, shape (batch,)
        Curves to put in the batch, in order.
    multiple : int, default=1
        Round the padded length up to a multiple of this.
    length : int, optional
        Pad to exactly this length instead (at least the longest curve).

    Returns
    -------
    ndarray of shape (batch, T, 3), float32
        Curve ``k`` occupies ``[k, :len_k]``; the rest is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.sequences import EncodedSequences, pad_batch
    >>> seq = EncodedSequences(np.ones((5, 3), np.float32), np.array([0, 2, 5]),
    ...                        np.zeros(5))
    >>> pad_batch(seq, [1, 0], multiple=4)[:, :, 2]
    array([[1., 1., 1., 0.],
           [1., 1., 0., 0.]], dtype=float32)
    """
    index = np.asarray(index, dtype=np.int64)
    flat, offsets = gather_segments(seq.offsets, index)
    lengths = np.diff(offsets)
    longest = int(lengths.max()) if lengths.size else 0
    if length is None:
        _check_positive_int(multiple, "multiple")
        length = -(-max(longest, 1) // multiple) * multiple
    elif length < longest:
        raise ValueError(f"length={length} is shorter than the longest curve ({longest})")
    out = np.zeros((index.size, length, seq.steps.shape[1]), dtype=np.float32)
    rows = np.repeat(np.arange(index.size), lengths)
    out[rows, segment_positions(offsets)] = seq.steps[flat]
    return out

