"""Step encoding of folded curves and length-grouped batches (no Keras)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from vsaug import LightCurves
from vsaug.sequences import (
    EncodedSequences,
    SequenceEncoder,
    length_grouped_batches,
    pad_batch,
    random_batches,
)


def _curves(lengths, seed=0):
    """Unsorted random curves with known periods."""
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths)
    n = lengths.sum()
    time = rng.uniform(0, 100, n)
    mag = 15 + rng.normal(0, 0.3, n)
    err = rng.uniform(0.01, 0.1, n)
    meta = pd.DataFrame({"period": rng.uniform(0.2, 3.0, lengths.size)})
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return LightCurves(time, mag, err, offsets, meta)


def _reference_steps(X, scale):
    """One curve at a time, the obvious way."""
    out = []
    for i in range(len(X)):
        c = X[i]
        ph = np.mod(c.time / c.meta["period"], 1.0)
        order = np.argsort(ph, kind="stable")
        ph, mag, err = ph[order], c.mag[order], c.err[order]
        d = np.concatenate([[0.0], np.diff(ph)]) / scale
        out.append(np.column_stack([d, (mag - mag.mean()) / mag.std(), err / mag.std()]))
    return np.concatenate(out)


def test_encoding_matches_per_curve_reference():
    X = _curves([7, 12, 5, 30])
    enc = SequenceEncoder().fit(X)
    seq = enc.transform(X)
    # The scale is the standard deviation of all delta-phases (first ones 0).
    unscaled = _reference_steps(X, 1.0)[:, 0]
    assert enc.delta_phase_scale_ == pytest.approx(unscaled.std(), rel=1e-12)
    np.testing.assert_allclose(seq.steps, _reference_steps(X, unscaled.std()), rtol=1e-5, atol=1e-6)
    assert seq.steps.dtype == np.float32
    np.testing.assert_array_equal(seq.lengths, [7, 12, 5, 30])
    # Phases are sorted within every curve and the first delta is 0.
    for lo, hi in zip(seq.offsets[:-1], seq.offsets[1:]):
        assert np.all(np.diff(seq.phase[lo:hi]) >= 0)
        assert seq.steps[lo, 0] == 0.0


def test_scale_learned_on_fit_data_only():
    X_train, X_new = _curves([20, 20], seed=1), _curves([6, 9], seed=2)
    enc = SequenceEncoder().fit(X_train)
    seq = enc.transform(X_new)
    np.testing.assert_allclose(
        seq.steps, _reference_steps(X_new, enc.delta_phase_scale_), rtol=1e-5, atol=1e-6
    )
    assert SequenceEncoder(scale_delta_phase=False).fit(X_train).delta_phase_scale_ == 1.0


def test_constant_curve_and_error_channel_never_zero():
    X = LightCurves(np.arange(6.0), np.full(6, 12.0), np.full(6, 1e-3), [0, 6],
                    pd.DataFrame({"period": [2.5]}))
    steps = SequenceEncoder().fit(X).transform(X).steps
    np.testing.assert_array_equal(steps[:, 1], 0.0)  # no division by a zero std
    # Delta-phase and magnitude can both be 0: the error keeps a step from
    # looking like padding to the Masking layer.
    assert np.all(steps[:, 2] > 0)
    assert np.all(np.any(steps != 0, axis=1))


def test_input_is_not_modified():
    X = _curves([8, 9])
    before = (X.time.copy(), X.mag.copy(), X.err.copy())
    SequenceEncoder().fit(X).transform(X)
    for a, b in zip(before, (X.time, X.mag, X.err)):
        np.testing.assert_array_equal(a, b)


def test_errors():
    X = LightCurves(np.arange(6.0), np.arange(6.0), np.ones(6), [0, 6])
    with pytest.raises(ValueError, match="no 'period' in meta"):
        SequenceEncoder().fit(X)
    with pytest.raises(NotFittedError):
        SequenceEncoder().transform(_curves([6]))
    with pytest.raises(ValueError, match="scale_delta_phase"):
        SequenceEncoder(scale_delta_phase="yes").fit(_curves([6]))


def test_length_grouped_batches_cover_everything_and_group_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(44, 368, 1000)
    batches = length_grouped_batches(lengths, 32, rng=np.random.default_rng(1), bucket_width=32)
    flat = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(flat), np.arange(1000))
    assert [b.size for b in batches].count(32) == 31
    # Padding each batch to its longest (rounded to 32) wastes far less than
    # padding everything to the global longest.
    padded = sum(b.size * -(-lengths[b].max() // 32) * 32 for b in batches)
    assert padded < 1.15 * lengths.sum()
    assert 1000 * lengths.max() > 1.4 * lengths.sum()
    # Batches are shuffled per epoch, reproducibly.
    again = length_grouped_batches(lengths, 32, rng=np.random.default_rng(1), bucket_width=32)
    other = length_grouped_batches(lengths, 32, rng=np.random.default_rng(2), bucket_width=32)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other))


def test_length_grouped_batches_sorted_for_prediction():
    lengths = np.array([50, 10, 40, 12, 33])
    batches = length_grouped_batches(lengths, 2)
    assert [b.tolist() for b in batches] == [[1, 3], [4, 2], [0]]


def test_random_batches():
    batches = random_batches(10, 4, rng=np.random.default_rng(0))
    assert [b.size for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        random_batches(10, 0)
    with pytest.raises(ValueError, match="bucket_width must be a positive integer"):
        length_grouped_batches([5, 6], 2, rng=np.random.default_rng(0), bucket_width=-1)


def test_pad_batch_matches_loop_reference():
    X = _curves([7, 12, 5, 30])
    seq = SequenceEncoder().fit(X).transform(X)
    index = np.array([2, 0, 3, 0])
    out = pad_batch(seq, index, multiple=8)
    assert out.shape == (4, 32, 3) and out.dtype == np.float32
    for k, i in enumerate(index):
        n = seq.lengths[i]
        np.testing.assert_array_equal(out[k, :n], seq.steps[seq.offsets[i]:seq.offsets[i + 1]])
        np.testing.assert_array_equal(out[k, n:], 0.0)
    assert pad_batch(seq, [2], multiple=8).shape == (1, 8, 3)
    assert pad_batch(seq, [2, 1], length=40).shape == (2, 40, 3)
    with pytest.raises(ValueError, match="length=10 is shorter than the longest curve \\(12\\)"):
        pad_batch(seq, [2, 1], length=10)
    with pytest.raises(ValueError, match="multiple must be a positive integer"):
        pad_batch(seq, [2], multiple=0)


def test_encoded_sequences_len():
    seq = EncodedSequences(np.ones((5, 3), np.float32), np.array([0, 2, 5]), np.zeros(5))
    assert len(seq) == 2 and seq.lengths.tolist() == [2, 3]
