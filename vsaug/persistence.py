"""Saving fitted vsaug estimators to disk and loading them back.

The on-disk format is one file written by :func:`joblib.dump` holding a dict
``{"format": "vsaug", "format_version": 1, "vsaug_version": ...,
"class": "module.QualName", "estimator": <the estimator>}``. Estimators that
hold Keras models make themselves picklable (the network is stored as the
bytes of a native ``.keras`` archive), so the same file holds a single
network, a feature pipeline, or a whole ensemble of networks.
"""

from __future__ import annotations

import joblib

__all__ = ["save", "load", "SaveLoadMixin", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def save(estimator, path, *, compress=3):
    """Write a fitted estimator to ``path``.

    Parameters
    ----------
    estimator : object
        Any picklable estimator (every vsaug estimator is).
    path : str or path-like
        File to write (by convention ending in ``.vsaug``).
    compress : int, default=3
        joblib compression level.

    Returns
    -------
    path : str or path-like
        The path written.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.dummy import DummyClassifier
    >>> from vsaug import save, load
    >>> clf = DummyClassifier().fit([[0], [1]], [0, 1])
    >>> p = save(clf, os.path.join(tempfile.mkdtemp(), "m.vsaug"))
    >>> type(load(p)).__name__
    'DummyClassifier'
    """
    from . import __version__

    cls = type(estimator)
    payload = {
        "format": "vsaug",
        "format_version": FORMAT_VERSION,
        "vsaug_version": __version__,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "estimator": estimator,
    }
    joblib.dump(payload, path, compress=compress)
    return path


def load(path):
    """Read an estimator written by :func:`save`.

    Raises
    ------
    ValueError
        If the file was not written by :func:`save` or by a newer format.
    """
    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("format") != "vsaug":
        raise ValueError(f"{path} is not a vsaug model file (write one with vsaug.save)")
    if payload["format_version"] > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {payload['format_version']}; this vsaug reads "
            f"up to {FORMAT_VERSION}: upgrade vsaug"
        )
    return payload["estimator"]


class SaveLoadMixin:
    """``save`` and ``load`` methods for a vsaug estimator class.

    ``Estimator.load(path)`` reads a file written by :func:`save` and checks
    that it holds an instance of ``Estimator``.
    """

    def save(self, path):
        """Write the fitted estimator to ``path`` with :func:`vsaug.save`.

        Estimators holding Keras networks store each network as the bytes of
        a native ``.keras`` archive inside the same file.

        Returns
        -------
        path : str or path-like
        """
        return save(self, path)

    @classmethod
    def load(cls, path):
        """Read an estimator written by :meth:`save`.

        Raises
        ------
        TypeError
            If the file holds another kind of estimator.
        """
        estimator = load(path)
        if not isinstance(estimator, cls):
            raise TypeError(f"{path} holds a {type(estimator).__name__}, not a {cls.__name__}")
        return estimator
