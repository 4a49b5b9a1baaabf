"""Saving fitted vsaug estimators to disk and loading them back, without pickle.

A model file (by convention ``*.vsaug``) is a zip archive:

``manifest.json``
    ``format`` (``"vsaug-model"``), ``format_version``, ``vsaug_version``,
    the estimator's ``class`` and ``params`` (JSON), and ``classes``: every
    class the file uses, by import path.
``state.json``
    The fitted state as a tree of JSON nodes (numbers, strings, lists,
    dicts, objects of allowed classes).
``m<N>.npy``, ``m<N>.keras``
    Arrays, read as ``numpy.load(allow_pickle=False)`` reads them, and Keras
    networks, read with ``keras.saving.load_model(safe_mode=True)``.

:func:`load` refuses a class it does not know before it builds anything,
so loading a file never runs code from it. See :mod:`vsaug._model_format`.
Format version 1 (a joblib pickle) is refused; :func:`load_legacy` reads it
for files you trust.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from ._atomic import atomic_write
from ._model_format import FORMAT_VERSION, ModelFileError, UntrustedTypesError, read_model, write_model

__all__ = ["save", "load", "load_legacy", "SaveLoadMixin", "FORMAT_VERSION", "ModelFileError",
           "UntrustedTypesError", "InconsistentVersionWarning"]


class InconsistentVersionWarning(UserWarning):
    """A model file written by another vsaug version than the one loading it.

    Attributes
    ----------
    saved_version, current_version : str
    """

    def __init__(self, path, saved_version, current_version):
        self.saved_version, self.current_version = saved_version, current_version
        super().__init__(
            f"{path} was saved with vsaug {saved_version} and is loaded with vsaug "
            f"{current_version}; predictions may differ or the model may fail: refit and "
            "save it again with this version if you can")


def _params(estimator):
    """The estimator's parameters as JSON (nested estimators as class + params)."""
    if not hasattr(estimator, "get_params"):
        return None
    out = {}
    for name, value in estimator.get_params(deep=False).items():
        if value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif hasattr(value, "get_params") and not isinstance(value, type):
            out[name] = {"class": _class_path(value), "params": _params(value)}
        else:
            out[name] = repr(value)
    return out


def _class_path(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def save(estimator, path):
    """Write a fitted estimator to ``path`` in the safe model format.

    The file is written to a temporary file in the same folder and renamed
    into place, so a failed write (full disk, a kill) leaves any old file
    at ``path`` intact.

    Parameters
    ----------
    estimator : object
        A vsaug, scikit-learn or imbalanced-learn estimator, fitted or not.
    path : str or path-like
        File to write (by convention ending in ``.vsaug``).

    Returns
    -------
    path : pathlib.Path
        The path written.

    Raises
    ------
    vsaug.persistence.ModelFileError
        If the estimator holds a value the format cannot store.

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

    manifest = {"vsaug_version": __version__, "class": _class_path(estimator),
                "params": _params(estimator)}
    return atomic_write(path, lambda tmp: write_model(estimator, tmp, manifest))


def load(path, *, trusted=None):
    """Read an estimator written by :func:`save`; nothing in the file is executed.

    Every class the file names must be vsaug's own, a scikit-learn or
    imbalanced-learn estimator (or an internal part of one), or listed in
    ``trusted``; the check runs on the manifest before any object is built.
    Arrays are read with ``allow_pickle=False`` and Keras networks with
    ``safe_mode=True``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trusted : list of str, optional
        Import paths (``"module.ClassName"``) of further classes or functions
        to allow. Only name classes from a source you trust: their
        ``__setstate__`` runs with the file's data.

    Returns
    -------
    estimator : object

    Raises
    ------
    vsaug.persistence.UntrustedTypesError
        Naming every class that is neither allowed nor in ``trusted``.
    vsaug.persistence.ModelFileError
        If the file is damaged, is not a vsaug model file, holds an array
        that needs pickle, or is an old joblib (pickle) model file.

    Warns
    -----
    InconsistentVersionWarning
        When the file was saved by another vsaug version (both are named).

    Notes
    -----
    Estimators also pickle (``pickle.dumps(estimator)``, joblib), and that is
    fine for files you wrote yourself; but unpickling a file runs whatever
    code its author put in it. Use :func:`save` and :func:`load` for model
    files that travel.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.linear_model import LogisticRegression
    >>> from vsaug import save, load
    >>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> p = save(clf, os.path.join(tempfile.mkdtemp(), "m.vsaug"))
    >>> load(p).predict([[2.5]]).tolist()
    [1]
    """
    from . import __version__

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(_not_zip_message(path))
    estimator, manifest = read_model(path, trusted or ())
    saved = manifest.get("vsaug_version")
    if saved != __version__:
        warnings.warn(InconsistentVersionWarning(path, saved, __version__), stacklevel=2)
    return estimator


def _not_zip_message(path):
    with open(path, "rb") as f:
        head = f.read(2)
    # joblib files start with a pickle opcode (0x80) or a zlib header (0x78).
    if head[:1] in (b"\x80", b"\x78"):
        return (f"{path} is not a vsaug model file of the safe format: it is a pickle (an old "
                "format 1 vsaug file or a joblib dump), which can run code when loaded, so "
                "vsaug.load refuses it. If you trust its author, convert it once: "
                "vsaug.save(vsaug.persistence.load_legacy(path), path)")
    return f"{path} is not a vsaug model file or is damaged (write one with vsaug.save)"


def load_legacy(path):
    """Read an old (format 1, joblib pickle) model file. It RUNS CODE from the file.

    Only for files you wrote yourself or whose author you trust; convert them
    with ``vsaug.save(load_legacy(path), path)``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator : object

    Raises
    ------
    ModelFileError
        If the unpickled content is not a format 1 vsaug payload.

    Examples
    --------
    >>> import tempfile, os, joblib
    >>> p = os.path.join(tempfile.mkdtemp(), "old.vsaug")
    >>> _ = joblib.dump({"format": "vsaug", "format_version": 1, "estimator": [1, 2]}, p)
    >>> load_legacy(p)
    [1, 2]
    """
    import joblib

    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("format") != "vsaug":
        raise ModelFileError(f"{path} is not an old vsaug model file")
    return payload["estimator"]


class SaveLoadMixin:
    """``save`` and ``load`` methods for a vsaug estimator class.

    ``Estimator.load(path)`` reads a file written by :func:`save` and checks
    that it holds an instance of ``Estimator``.
    """

    def save(self, path):
        """Write the estimator to ``path`` with :func:`vsaug.save`.

        Estimators holding Keras networks store each network as a native
        ``.keras`` member of the same file.

        Returns
        -------
        path : pathlib.Path
        """
        return save(self, path)

    @classmethod
    def load(cls, path, *, trusted=None):
        """Read an estimator written by :meth:`save` (see :func:`vsaug.load`).

        Raises
        ------
        TypeError
            If the file holds another kind of estimator.
        """
        estimator = load(path, trusted=trusted)
        if not isinstance(estimator, cls):
            raise TypeError(f"{path} holds a {type(estimator).__name__}, not a {cls.__name__}")
        return estimator
