"""Vectorised operations on ragged arrays stored flat with offsets.

A ragged array of ``n`` segments is a flat array of values plus ``offsets``,
``n + 1`` non-decreasing integers, so that segment ``i`` is
``values[offsets[i]:offsets[i + 1]]``. Every function here works on all
segments at once; none loops over segments in Python.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "lengths_to_offsets",
    "segment_ids",
    "gather_segments",
    "segment_sum",
    "segment_mean",
    "segment_weighted_mean",
    "segment_min",
    "segment_max",
    "segment_std",
    "segment_median",
    "segment_sort",
    "segment_positions",
    "chunk_bounds",
    "worker_chunks",
]


def lengths_to_offsets(lengths):
    """Return ``offsets`` (length ``n + 1``, starting at 0) for segment lengths."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def segment_ids(offsets):
    """Return, for every flat element, the index of the segment it belongs to."""
    offsets = np.asarray(offsets, dtype=np.int64)
    return np.repeat(np.arange(offsets.size - 1), np.diff(offsets))


def segment_positions(offsets):
    """Return, for every flat element, its position inside its own segment."""
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    return np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)


def gather_segments(offsets, index):
    """Flat element indices and new offsets that pick segments ``index`` in order.

    Parameters
    ----------
    offsets : ndarray of shape (n_segments + 1,)
        Offsets of the source ragged array.
    index : ndarray of int
        Segments to take, in the order wanted; repeats are allowed.

    Returns
    -------
    flat_index : ndarray of int
        Indices into the source flat arrays.
    new_offsets : ndarray of shape (len(index) + 1,)
        Offsets of the gathered ragged array.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    starts = offsets[:-1][index]
    lengths = offsets[1:][index] - starts
    new_offsets = lengths_to_offsets(lengths)
    shift = np.repeat(starts - new_offsets[:-1], lengths)
    return np.arange(new_offsets[-1], dtype=np.int64) + shift, new_offsets


def _check_nonempty(offsets):
    if np.any(np.diff(offsets) <= 0):
        raise ValueError("segment reductions need every segment to be non-empty")


def segment_sum(values, offsets):
    """Sum of each segment (segments must be non-empty)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    _check_nonempty(offsets)
    return np.add.reduceat(np.asarray(values, dtype=np.float64), offsets[:-1])


def segment_mean(values, offsets):
    """Mean of each segment."""
    return segment_sum(values, offsets) / np.diff(offsets)


def segment_weighted_mean(values, weights, offsets):
    """Weighted mean of each segment."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    return segment_sum(values * weights, offsets) / segment_sum(weights, offsets)


def segment_min(values, offsets):
    """Minimum of each segment."""
    offsets = np.asarray(offsets, dtype=np.int64)
    _check_nonempty(offsets)
    return np.minimum.reduceat(np.asarray(values), offsets[:-1])


def segment_max(values, offsets):
    """Maximum of each segment."""
    offsets = np.asarray(offsets, dtype=np.int64)
    _check_nonempty(offsets)
    return np.maximum.reduceat(np.asarray(values), offsets[:-1])


def segment_std(values, offsets, ddof=0):
    """Standard deviation of each segment (two-pass, numerically stable)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    lengths = np.diff(offsets)
    mean = segment_mean(values, offsets)
    centred = values - np.repeat(mean, lengths)
    dof = np.maximum(lengths - ddof, 1)
    return np.sqrt(segment_sum(centred * centred, offsets) / dof)


def segment_median(values, offsets):
    """Median of each segment (the mean of the two middle values when even)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    _check_nonempty(offsets)
    values = np.asarray(values, dtype=np.float64)
    ordered = values[segment_sort(values, offsets)]
    lengths = np.diff(offsets)
    low = ordered[offsets[:-1] + (lengths - 1) // 2]
    high = ordered[offsets[:-1] + lengths // 2]
    return (low + high) / 2


def segment_sort(keys, offsets):
    """Permutation of flat elements that sorts ``keys`` within each segment.

    Segments keep their order; the sort inside a segment is stable.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    return np.lexsort((np.asarray(keys), segment_ids(offsets)))


def chunk_bounds(n, *, size=None, n_chunks=None):
    """Contiguous ``(start, stop)`` ranges that cover ``range(n)`` in order.

    Give exactly one of ``size`` (pieces of that many, the last shorter) or
    ``n_chunks`` (that many pieces of near-equal size, the longer first,
    as :func:`numpy.array_split` cuts). Empty ranges are never returned.

    Examples
    --------
    >>> from vsaug._ragged import chunk_bounds
    >>> chunk_bounds(7, size=3), chunk_bounds(7, n_chunks=3)
    ([(0, 3), (3, 6), (6, 7)], [(0, 3), (3, 5), (5, 7)])
    """
    n = int(n)
    if (size is None) == (n_chunks is None):
        raise ValueError("give exactly one of size and n_chunks")
    if size is not None:
        if int(size) < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")
        bounds = np.append(np.arange(0, n, int(size)), n)
    else:
        if int(n_chunks) < 1:
            raise ValueError(f"n_chunks must be a positive integer, got {n_chunks!r}")
        whole, extra = divmod(n, int(n_chunks))
        sizes = np.full(int(n_chunks), whole) + (np.arange(int(n_chunks)) < extra)
        bounds = lengths_to_offsets(sizes)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def worker_chunks(n, n_jobs, *, per_job=8, min_size=4):
    """Split ``range(n)`` into index arrays, several per joblib worker.

    Several chunks per worker keep the workers busy when chunks take unequal
    time; at least ``min_size`` items per chunk keep the dispatch overhead
    small. At least one (possibly empty) chunk is returned.

    Examples
    --------
    >>> from vsaug._ragged import worker_chunks
    >>> [c.tolist() for c in worker_chunks(10, 1, per_job=2)]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    """
    from joblib import effective_n_jobs

    k = max(1, min(int(n) // min_size, effective_n_jobs(n_jobs) * per_job))
    chunks = [np.arange(a, b) for a, b in chunk_bounds(n, n_chunks=k)]
    return chunks or [np.zeros(0, dtype=np.int64)]
