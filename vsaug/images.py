"""Phase-folded light curves drawn as small images, all curves at once.

Each image is a ``size x size`` uint8 array, black (0) with the curve's
points in white (255): phase on the x axis (0 at the left, 1 at the right),
magnitude on the y axis with the brightest point at the top (the way
astronomers plot magnitudes) and the faintest at the bottom, each curve
scaled to its own magnitude range. There are no axes. Drawing is a handful
of numpy operations over the flat arrays of all curves: no loop over stars
and no plotting library.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._ragged import segment_max, segment_min
from .folding import phase as _phase
from .lightcurves import as_light_curves

__all__ = ["render_phase_images", "render_flat"]


def _check_int(value, name, low):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def render_flat(phase, mag, offsets, size=128, *, point_size=2):
    """Draw curves given as flat phase and magnitude arrays.

    Parameters
    ----------
    phase : ndarray of shape (n_points,)
        Phase in [0, 1) of every point.
    mag : ndarray of shape (n_points,)
        Magnitude of every point (any affine scaling gives the same image).
    offsets : ndarray of shape (n_curves + 1,)
        Curve ``i`` is ``[offsets[i]:offsets[i + 1]]`` (each non-empty).
    size : int, default=128
        Image width and height in pixels.
    point_size : int, default=2
        Side of the square drawn for every point, in pixels.

    Returns
    -------
    ndarray of shape (n_curves, size, size), uint8
    """
    _check_int(size, "size", 2)
    _check_int(point_size, "point_size", 1)
    offsets = np.asarray(offsets, dtype=np.int64)
    n = offsets.size - 1
    images = np.zeros((n, size, size), dtype=np.uint8)
    if n == 0 or offsets[-1] == 0:
        return images
    lengths = np.diff(offsets)
    lo = segment_min(mag, offsets)
    span = segment_max(mag, offsets) - lo
    # A flat curve is drawn along the middle row.
    scale = np.where(span > 0, (size - 1) / np.where(span > 0, span, 1.0), 0.0)
    base = np.where(span > 0, 0.0, (size - 1) / 2.0)
    rows = np.rint(base.repeat(lengths) + (mag - lo.repeat(lengths)) * scale.repeat(lengths))
    cols = np.floor(np.asarray(phase) * size)
    # The top-left pixel of each point's square, kept inside the image.
    rows = np.clip(rows.astype(np.int64) - (point_size - 1) // 2, 0, size - point_size)
    cols = np.clip(cols.astype(np.int64) - (point_size - 1) // 2, 0, size - point_size)
    first = np.arange(n, dtype=np.int64).repeat(lengths) * (size * size) + rows * size + cols
    flat = images.reshape(-1)
    for dy in range(point_size):
        for dx in range(point_size):
            flat[first + (dy * size + dx)] = 255
    return images


def render_phase_images(X, size=128, *, point_size=2, period=None):
    """Draw every light curve folded on its period as a white-on-black image.

    Parameters
    ----------
    X : LightCurves or convertible
        Curves with ``meta['period']`` (unless ``period`` is given).
    size : int, default=128
        Image width and height in pixels.
    point_size : int, default=2
        Side of the square drawn for every point, in pixels.
    period : array-like of shape (n_curves,), optional
        Periods to fold on instead of ``meta['period']``.

    Returns
    -------
    ndarray of shape (n_curves, size, size), uint8
        0 (black) background, 255 (white) points; phase along axis 2 (x),
        magnitude along axis 1 (y), brightest at row 0.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from vsaug import LightCurves
    >>> from vsaug.images import render_phase_images
    >>> t = np.arange(200) / 20
    >>> X = LightCurves(t, np.sin(2 * np.pi * t), np.full(200, 0.05), [0, 200],
    ...                 pd.DataFrame({"period": [1.0]}))
    >>> img = render_phase_images(X, size=32, point_size=1)
    >>> img.shape, img.dtype.name, sorted(np.unique(img).tolist())
    ((1, 32, 32), 'uint8', [0, 255])
    >>> int(img[0, 0].argmax()), int(img[0, -1].argmax())  # brightest near phase 0.75
    (24, 8)
    """
    X = as_light_curves(X)
    return render_flat(_phase(X, period), X.mag, X.offsets, size, point_size=point_size)
