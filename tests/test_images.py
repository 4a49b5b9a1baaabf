"""Vectorised phase-folded images."""

import numpy as np
import pandas as pd
import pytest

from vsaug import LightCurves
from vsaug.images import render_flat, render_phase_images


def _one_curve(phases, mags, period=1.0):
    phases = np.asarray(phases, dtype=float)
    n = phases.size
    return LightCurves(phases * period, mags, np.full(n, 0.05), [0, n],
                       pd.DataFrame({"period": [period]}))


def test_points_land_where_phase_and_magnitude_say():
    # Brightest (smallest magnitude) at the top row, faintest at the bottom.
    X = _one_curve([0.0, 0.25, 0.5, 0.999, 0.5], [10.0, 11.0, 12.0, 11.0, 12.0], period=3.0)
    img = render_phase_images(X, size=16, point_size=1)[0]
    lit = set(zip(*np.nonzero(img)))
    assert lit == {(0, 0), (8, 4), (15, 8), (8, 15)}
    assert img.dtype == np.uint8 and img.max() == 255


def test_point_size_draws_squares_inside_the_image():
    X = _one_curve([0.0, 0.5, 0.75, 0.9, 0.95], [10.0, 11.0, 12.0, 12.0, 12.0])
    img = render_phase_images(X, size=32, point_size=3)[0]
    # The middle point is a full 3x3 square around (16, 16).
    np.testing.assert_array_equal(img[15:18, 15:18], 255)
    assert img[14, 16] == 0 and img[18, 16] == 0
    # Points at the edges are clipped into the image, not wrapped to another row.
    np.testing.assert_array_equal(img[0:3, 0:3], 255)
    np.testing.assert_array_equal(img[29:32, 29:32], 255)  # phase 0.95, faintest
    assert img[0:3, 29:32].sum() == 0 and img[29:32, 0:3].sum() == 0


def test_flat_curve_is_drawn_on_the_middle_row():
    X = _one_curve([0.1, 0.3, 0.6, 0.7, 0.8], [14.0] * 5)
    img = render_phase_images(X, size=9, point_size=1)[0]
    assert set(np.nonzero(img)[0]) == {4}


def test_many_curves_at_once_equal_one_by_one():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 60, 25)
    n = lengths.sum()
    X = LightCurves(rng.uniform(0, 50, n), rng.normal(15, 0.4, n), np.full(n, 0.05),
                    np.concatenate([[0], np.cumsum(lengths)]),
                    pd.DataFrame({"period": rng.uniform(0.3, 5, lengths.size)}))
    mag_before = X.mag.copy()
    images = render_phase_images(X, size=24)
    assert images.shape == (25, 24, 24)
    for i in range(len(X)):
        np.testing.assert_array_equal(images[i], render_phase_images(X[[i]], size=24)[0])
    np.testing.assert_array_equal(X.mag, mag_before)
    # Any affine rescaling of magnitudes draws the same image.
    ph = np.mod(X.time / np.repeat(X.meta["period"].to_numpy(), lengths), 1.0)
    np.testing.assert_array_equal(render_flat(ph, 3 * X.mag - 7, X.offsets, 24), images)


def test_period_argument_overrides_meta():
    X = _one_curve([0.0, 0.2, 0.4, 0.6, 0.8], [1.0, 2.0, 3.0, 4.0, 5.0])
    a = render_phase_images(X, size=10, point_size=1, period=[0.5])
    b = render_phase_images(X.with_points(time=X.time * 2), size=10, point_size=1)
    np.testing.assert_array_equal(a, b)


def test_bad_arguments():
    X = _one_curve([0.0, 0.2, 0.4, 0.6, 0.8], [1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="size must be an integer >= 2, got 1"):
        render_phase_images(X, size=1)
    with pytest.raises(ValueError, match="point_size must be an integer >= 1, got 0"):
        render_phase_images(X, point_size=0)
    with pytest.raises(ValueError, match="no 'period' in meta"):
        render_phase_images(LightCurves(np.arange(5.0), np.ones(5), np.ones(5), [0, 5]))
