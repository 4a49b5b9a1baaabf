"""Vectorised segment operations agree with a plain per-segment loop."""

import numpy as np
import pytest

from vsaug import _ragged as rg


@pytest.fixture
def ragged():
    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 12, 50)
    offsets = rg.lengths_to_offsets(lengths)
    return rng.normal(size=offsets[-1]), rng.uniform(0.5, 2, offsets[-1]), offsets


def segments(values, offsets):
    return [values[a:b] for a, b in zip(offsets[:-1], offsets[1:])]


def test_reductions_match_loop(ragged):
    v, w, off = ragged
    segs, wsegs = segments(v, off), segments(w, off)
    np.testing.assert_allclose(rg.segment_sum(v, off), [s.sum() for s in segs])
    np.testing.assert_allclose(rg.segment_mean(v, off), [s.mean() for s in segs])
    np.testing.assert_allclose(rg.segment_std(v, off), [s.std() for s in segs])
    np.testing.assert_allclose(rg.segment_min(v, off), [s.min() for s in segs])
    np.testing.assert_allclose(rg.segment_max(v, off), [s.max() for s in segs])
    np.testing.assert_allclose(
        rg.segment_weighted_mean(v, w, off), [np.average(s, weights=q) for s, q in zip(segs, wsegs)]
    )


def test_ids_positions_sort_gather(ragged):
    v, _, off = ragged
    ids = rg.segment_ids(off)
    pos = rg.segment_positions(off)
    for i, (a, b) in enumerate(zip(off[:-1], off[1:])):
        assert np.all(ids[a:b] == i)
        np.testing.assert_array_equal(pos[a:b], np.arange(b - a))
    order = rg.segment_sort(v, off)
    sorted_v = v[order]
    for s, orig in zip(segments(sorted_v, off), segments(v, off)):
        np.testing.assert_array_equal(s, np.sort(orig))
    flat, new_off = rg.gather_segments(off, [7, 2, 7])
    got = segments(v[flat], new_off)
    for g, i in zip(got, [7, 2, 7]):
        np.testing.assert_array_equal(g, v[off[i]:off[i + 1]])


def test_empty_segment_is_refused():
    with pytest.raises(ValueError, match="non-empty"):
        rg.segment_sum(np.ones(3), np.array([0, 0, 3]))


def test_segment_median_matches_numpy(ragged):
    v, _, off = ragged
    medians = [np.median(s) for s in segments(v, off)]
    np.testing.assert_allclose(rg.segment_median(v, off), medians)
    with pytest.raises(ValueError, match="non-empty"):
        rg.segment_median([1.0], [0, 0, 1])
