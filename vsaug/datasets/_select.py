"""Per-class subsets of a labelled data set."""

from __future__ import annotations

from numbers import Integral

import numpy as np


def subsample_classes(y, max_per_class, random_state=None):
    """Positions of at most ``max_per_class`` random stars of every class.

    Smaller classes keep all their stars. Handy for a quick run on a big
    catalogue before the full one.

    Parameters
    ----------
    y : array-like of shape (n_stars,)
        Class labels.
    max_per_class : int
        Most stars kept per class (>= 1).
    random_state : int, numpy.random.Generator or None, default=None
        Seed of ``numpy.random.default_rng`` (or a Generator to draw from);
        classes are drawn in sorted order, so a seed fixes the subset.

    Returns
    -------
    keep : ndarray of int64
        Sorted positions into ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.datasets import subsample_classes
    >>> y = np.array(["Ecl"] * 6 + ["DSct"] * 2)
    >>> keep = subsample_classes(y, 3, random_state=0)
    >>> sorted(y[keep].tolist())
    ['DSct', 'DSct', 'Ecl', 'Ecl', 'Ecl']
    """
    if not isinstance(max_per_class, Integral) or isinstance(max_per_class, bool) \
            or max_per_class < 1:
        raise ValueError(f"max_per_class must be a positive integer; got {max_per_class!r}")
    y = np.asarray(y)
    rng = np.random.default_rng(random_state)
    keep = [rng.permutation(np.flatnonzero(y == c))[:max_per_class] for c in np.unique(y)]
    return np.sort(np.concatenate(keep)).astype(np.int64)
