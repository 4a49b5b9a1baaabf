"""Checks shared by every estimator's entry points (labels; the light curves
themselves are checked by :func:`vsaug.as_light_curves`)."""

from __future__ import annotations

import numpy as np

__all__ = ["check_labels"]


def check_labels(y, n_samples=None, *, min_classes=1, estimator=None):
    """Return ``y`` as a 1-D array of class labels, refusing what cannot be sorted.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels: all strings, or all numbers (bools count as numbers).
    n_samples : int, optional
        The number of light curves ``y`` must match.
    min_classes : int, default=1
        Refuse ``y`` with fewer distinct classes (a classifier needs 2).
    estimator : str, optional
        Name used in messages.

    Returns
    -------
    y : ndarray of shape (n_samples,)

    Raises
    ------
    TypeError
        For ``None`` labels or labels that mix strings and numbers.
    ValueError
        For a length mismatch, a non-1-D ``y``, NaN labels or too few classes.

    Examples
    --------
    >>> check_labels(["RRab", "Ecl", "RRab"], min_classes=2).tolist()
    ['RRab', 'Ecl', 'RRab']
    >>> check_labels(["RRab", 3])
    Traceback (most recent call last):
    ...
    TypeError: y mixes label types (int, str) at position 1; use one type for every label, e.g. y.astype(str)
    """
    who = f"{estimator}: " if estimator else ""
    if y is None:
        raise TypeError(f"{who}y is None; pass one class label per light curve")
    # A list mixing str and int becomes an all-str array under np.asarray, so
    # the types are checked on the original objects first.
    arr = y if isinstance(y, np.ndarray) else np.asarray(y, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{who}y must be one-dimensional, got shape {arr.shape}")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{who}y has {arr.shape[0]} labels but there are {n_samples} light curves")
    if arr.dtype == object:
        _check_object_labels(arr, who)
        if not isinstance(y, np.ndarray):
            arr = np.asarray(y).reshape(arr.shape)
    elif arr.dtype.kind == "f" and np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise ValueError(f"{who}y has a NaN label at position {i}; every curve needs a class")
    if min_classes > 1:
        n_classes = np.unique(arr).size
        if n_classes < min_classes:
            raise ValueError(
                f"{who}y has {n_classes} class(es) ({np.unique(arr).tolist()}); at least "
                f"{min_classes} are needed to train a classifier"
            )
    return arr


def _label_kind(value):
    if isinstance(value, (str, np.str_)):
        return "str"
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return type(value).__name__ if not isinstance(value, np.generic) else "number"
    return type(value).__name__


def _check_object_labels(arr, who):
    for i, value in enumerate(arr):
        if value is None:
            raise TypeError(f"{who}y has a None label at position {i}; every curve needs a class")
        if isinstance(value, float) and np.isnan(value):
            raise ValueError(f"{who}y has a NaN label at position {i}; every curve needs a class")
    is_str = np.fromiter((isinstance(v, (str, np.str_)) for v in arr), bool, arr.size)
    if is_str.any() and not is_str.all():
        i = int(np.flatnonzero(is_str != is_str[0])[0])
        kinds = sorted({_label_kind(arr[0]), _label_kind(arr[i])})
        raise TypeError(
            f"{who}y mixes label types ({', '.join(kinds)}) at position {i}; use one type for "
            "every label, e.g. y.astype(str)"
        )
