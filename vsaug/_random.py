"""Seeding: one bound for integer seeds and one way to derive them.

Every estimator takes ``random_state`` as scikit-learn does (``None``, an
int, a ``RandomState``) and, where noted, a ``numpy.random.Generator``.
Child seeds are drawn from :func:`sklearn.utils.check_random_state` with
:func:`child_seeds`, always below :data:`MAX_SEED`, so every part of
vsaug that hands a seed on (to a Keras initializer, a bag, a stage) draws
the same numbers for the same ``random_state``.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["MAX_SEED", "child_seeds", "as_generator"]

#: Exclusive upper bound of every integer seed vsaug draws (``2**31 - 1``,
#: what ``RandomState``, Keras and TensorFlow all accept).
MAX_SEED = int(np.iinfo(np.int32).max)


def child_seeds(random_state, size=None):
    """Integer seeds in ``[0, MAX_SEED)`` drawn from ``random_state``.

    Parameters
    ----------
    random_state : None, int, RandomState or Generator
        A ``Generator`` is drawn from with ``integers``, anything else
        through :func:`sklearn.utils.check_random_state`.
    size : int, optional
        How many; ``None`` gives one plain int.

    Returns
    -------
    int or ndarray of int64

    Examples
    --------
    >>> from vsaug._random import child_seeds
    >>> child_seeds(0) == child_seeds(0), child_seeds(0, 3).shape
    (True, (3,))
    """
    if isinstance(random_state, np.random.Generator):
        seeds = random_state.integers(MAX_SEED, size=size)
    else:
        seeds = check_random_state(random_state).randint(MAX_SEED, size=size)
    return int(seeds) if size is None else np.asarray(seeds, dtype=np.int64)


def as_generator(random_state):
    """A ``numpy.random.Generator`` from anything ``random_state`` may be.

    ``None`` gives fresh OS entropy (never numpy's global generator); a
    ``Generator`` is returned as it is; an int or a ``RandomState`` seed a
    new generator with one :func:`child_seeds` draw, so draws repeat.

    Examples
    --------
    >>> from vsaug._random import as_generator
    >>> float(as_generator(3).random()) == float(as_generator(3).random())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    return np.random.default_rng(child_seeds(random_state))
