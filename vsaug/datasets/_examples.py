"""The data of the examples and the guide: synthetic stars, or a survey folder cut down."""

from __future__ import annotations

from ._select import subsample_classes
from ._survey import read_survey
from ._synthetic import make_light_curves


def load_example_data(path=None, *, n_samples=600, max_per_class=None, format="crts",
                      random_state=0):
    """Light curves and labels for a quick run: synthetic stars, or a survey folder.

    One call for what every example starts with: without ``path``, the
    embedded synthetic CRTS-like stars of :func:`make_light_curves`; with
    it, the labelled survey folder read by :func:`read_survey`. Either way
    ``max_per_class`` can cap the big classes (the small ones keep every
    star) so that a first run on a large catalogue takes minutes.

    Parameters
    ----------
    path : str or path-like, optional
        A labelled survey folder (for ``"crts"``: ``catalog.csv`` and
        ``lightcurves.parquet``). Default: synthetic stars.
    n_samples : int, default=600
        Synthetic stars to make when ``path`` is None.
    max_per_class : int, optional
        Keep at most this many random stars per class.
    format : str, default="crts"
        Survey reader of ``path`` (a key of :data:`SURVEY_READERS`).
    random_state : int, default=0
        Seeds the synthetic stars and the per-class subset.

    Returns
    -------
    X : LightCurves
    y : ndarray of object
        Class labels.

    Examples
    --------
    >>> from vsaug.datasets import load_example_data
    >>> X, y = load_example_data(n_samples=300, max_per_class=20)
    >>> len(X) == len(y), max(list(y).count(c) for c in set(y))
    (True, 20)
    """
    if path is None:
        X, y = make_light_curves(n_samples, random_state=random_state)
    else:
        X, y = read_survey(path, format=format)
    if max_per_class:
        keep = subsample_classes(y, max_per_class, random_state=random_state)
        X, y = X[keep], y[keep]
    return X, y
