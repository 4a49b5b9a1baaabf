"""Scores for imbalanced variable-star classification (DESIGN 1.6).

Balanced accuracy (the mean of the per-class recalls), macro F1, per-class
recall and precision, and confusion matrices in two views: the *recall view*
(rows normalised: where the stars of a true class went) and the *precision
view* (columns normalised: what the stars given a label really were). Every
number comes from :mod:`sklearn.metrics`; this module only gathers them.

:func:`cross_test` refits an estimator on each of ``n_splits`` stratified
folds and summarises every confusion-matrix cell over the folds by its median
and a robust spread: the second-lowest and second-highest fold values.
:func:`bootstrap_scores` puts a percentile-bootstrap interval (from
:func:`scipy.stats.bootstrap`) on the balanced accuracy and macro F1 of one
test set: a few stars of a small class move both by a point.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.stats import bootstrap
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedKFold

from ._random import child_seeds
from .lightcurves import as_light_curves

__all__ = [
    "ClassificationSummary",
    "classification_summary",
    "bootstrap_scores",
    "confusion_matrices",
    "CrossTestResult",
    "cross_test",
    "fold_spread",
]


def _labels(y_true, y_pred, labels):
    """The label order: given, else the sorted union of true and predicted labels."""
    if labels is None:
        return np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D list of classes, got shape {labels.shape}")
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels must not repeat a class, got {labels.tolist()}")
    unknown = np.setdiff1d(np.unique(np.asarray(y_true)), labels)
    if unknown.size:
        raise ValueError(
            f"y_true holds classes {unknown.tolist()} that are not in labels {labels.tolist()}"
        )
    return labels


def _check_pair(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D label arrays, got shapes {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size != y_pred.size:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty")
    return y_true, y_pred


@dataclass
class ClassificationSummary:
    """The headline scores of a set of predictions.

    Attributes
    ----------
    balanced_accuracy : float
        Mean recall over the classes present in ``y_true``.
    macro_f1 : float
        Unweighted mean F1 over ``labels`` (0 for a class never predicted).
    accuracy : float
        Fraction of correct labels (dominated by the big classes; for reference).
    per_class : pandas.DataFrame
        Indexed by class in label order, columns ``recall``, ``precision``,
        ``f1`` and ``support`` (number of true members).
    """

    balanced_accuracy: float
    macro_f1: float
    accuracy: float
    per_class: pd.DataFrame

    def to_dict(self):
        """Plain-Python dict (JSON-serialisable) of every number."""
        return {
            "balanced_accuracy": self.balanced_accuracy,
            "macro_f1": self.macro_f1,
            "accuracy": self.accuracy,
            "per_class": {
                str(label): {k: (int(v) if k == "support" else float(v)) for k, v in row.items()}
                for label, row in self.per_class.iterrows()
            },
        }

    def to_markdown(self):
        """The scores as a Markdown paragraph and per-class table."""
        lines = [
            f"balanced accuracy {self.balanced_accuracy:.3f}, macro F1 {self.macro_f1:.3f}, "
            f"accuracy {self.accuracy:.3f}",
            "",
            "| class | recall | precision | F1 | support |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, row in self.per_class.iterrows():
            lines.append(
                f"| {label} | {row['recall']:.3f} | {row['precision']:.3f} | "
                f"{row['f1']:.3f} | {int(row['support'])} |"
            )
        return "\n".join(lines)

    def __str__(self):
        table = self.per_class.to_string(float_format=lambda v: f"{v:.3f}")
        return (
            f"balanced accuracy: {self.balanced_accuracy:.4f}\n"
            f"macro F1:          {self.macro_f1:.4f}\n"
            f"accuracy:          {self.accuracy:.4f}\n{table}"
        )


def classification_summary(y_true, y_pred, labels=None):
    """Balanced accuracy, macro F1 and per-class recall, precision and support.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels.
    labels : array-like of shape (n_classes,), optional
        Classes in the order wanted; default the sorted union of both arrays.
        Classes listed but absent from ``y_true`` get recall 0 and support 0
        and do not count in the balanced accuracy.

    Returns
    -------
    ClassificationSummary

    Examples
    --------
    >>> from vsaug.metrics import classification_summary
    >>> s = classification_summary(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> round(s.balanced_accuracy, 3), round(s.macro_f1, 3)
    (0.75, 0.733)
    >>> s.per_class["recall"].tolist()
    [0.5, 1.0]
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels = _labels(y_true, y_pred, labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame(
        {"recall": recall, "precision": precision, "f1": f1, "support": support},
        index=pd.Index(labels, name="class"),
    )
    return ClassificationSummary(
        balanced_accuracy=float(balanced_accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(y_true, y_pred)),
        per_class=per_class,
    )


def bootstrap_scores(y_true, y_pred, *, labels=None, n_resamples=1000, confidence_level=0.95,
                     random_state=None):
    """Balanced accuracy and macro F1 with percentile-bootstrap intervals.

    The stars are resampled with replacement (true and predicted label
    together) ``n_resamples`` times and both scores recomputed with
    :mod:`sklearn.metrics` on each resample; the interval is the central
    ``confidence_level`` of those values (:func:`scipy.stats.bootstrap`,
    ``method="percentile"``). It measures how much the scores depend on
    which stars happened to land in the test set, not on training.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels, resampled in pairs.
    labels : array-like of shape (n_classes,), optional
        Classes of the macro F1 (every predicted class must be one);
        default the sorted union of both arrays.
    n_resamples : int, default=1000
        Bootstrap resamples.
    confidence_level : float, default=0.95
        Central fraction of the resampled scores the interval holds.
    random_state : int, RandomState instance or None, default=None
        Seeds the resampling.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``"balanced_accuracy"`` and ``"macro_f1"``, columns
        ``estimate`` (the score of the data as given; equal to
        :func:`classification_summary`'s), ``low`` and ``high``.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.metrics import bootstrap_scores
    >>> rng = np.random.default_rng(0)
    >>> y = rng.choice(["a", "b", "c"], 300)
    >>> y_pred = np.where(rng.random(300) < 0.8, y, "a")
    >>> table = bootstrap_scores(y, y_pred, random_state=0)
    >>> bool(table.loc["balanced_accuracy", "low"] < table.loc["balanced_accuracy", "estimate"]
    ...      < table.loc["balanced_accuracy", "high"])
    True
    """
    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must lie between 0 and 1, got {confidence_level!r}")
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels = np.asarray(_labels(y_true, y_pred, labels))
    unknown = np.setdiff1d(y_pred, labels)
    if unknown.size:
        raise ValueError(
            f"y_pred holds classes {unknown.tolist()} that are not in labels {labels.tolist()}"
        )
    # Integer codes make each of the resamples' sklearn calls cheap.
    order = np.argsort(labels)
    true_codes = order[np.searchsorted(labels[order], y_true)]
    pred_codes = order[np.searchsorted(labels[order], y_pred)]
    codes = np.arange(labels.size)

    def scores(t, p):
        return np.array([balanced_accuracy_score(t, p),
                         f1_score(t, p, labels=codes, average="macro", zero_division=0)])

    seed = child_seeds(random_state)
    with warnings.catch_warnings():
        # A resample can miss every star of a small class that is still predicted.
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
        result = bootstrap((true_codes, pred_codes), scores, paired=True, vectorized=False,
                           n_resamples=n_resamples, confidence_level=confidence_level,
                           method="percentile", rng=np.random.default_rng(seed))
    return pd.DataFrame(
        {"estimate": scores(true_codes, pred_codes),
         "low": result.confidence_interval.low, "high": result.confidence_interval.high},
        index=pd.Index(["balanced_accuracy", "macro_f1"], name="score"),
    )


def confusion_matrices(y_true, y_pred, labels=None):
    """Confusion matrices normalised by rows (recall view) and by columns (precision view).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (n_classes,), optional
        Row and column order; default the sorted union of both arrays.

    Returns
    -------
    recall_view : ndarray of shape (n_classes, n_classes)
        ``[i, j]`` is the fraction of true class ``i`` predicted as ``j``; the
        diagonal holds the recalls. A class absent from ``y_true`` gets a row
        of zeros (scikit-learn's convention).
    precision_view : ndarray of shape (n_classes, n_classes)
        ``[i, j]`` is the fraction of stars predicted as ``j`` whose true class
        is ``i``; the diagonal holds the precisions. A class never predicted
        gets a column of zeros.

    Examples
    --------
    >>> from vsaug.metrics import confusion_matrices
    >>> rec, prec = confusion_matrices(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> rec.tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    >>> prec.round(3).tolist()
    [[1.0, 0.333], [0.0, 0.667]]
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    labels = _labels(y_true, y_pred, labels)
    recall_view = confusion_matrix(y_true, y_pred, labels=labels, normalize="true")
    precision_view = confusion_matrix(y_true, y_pred, labels=labels, normalize="pred")
    return recall_view, precision_view


def fold_spread(values, axis=0):
    """Median, second-lowest and second-highest of ``values`` along ``axis``.

    With the values of each cell sorted over the folds, the second-lowest is
    index 1 and the second-highest index -2: a spread that ignores the single
    most extreme fold at either end (with 10 folds, roughly the 10th and 90th
    percentiles).

    Parameters
    ----------
    values : array-like with at least two entries along ``axis``
    axis : int, default=0

    Returns
    -------
    median, second_lowest, second_highest : ndarray
        Each with ``axis`` removed.

    Examples
    --------
    >>> from vsaug.metrics import fold_spread
    >>> [float(v) for v in fold_spread([0.9, 0.5, 0.7, 0.8, 0.6])]
    [0.7, 0.6, 0.8]
    """
    values = np.sort(np.asarray(values, dtype=np.float64), axis=axis)
    if values.shape[axis] < 2:
        raise ValueError(f"need at least 2 values along axis {axis}, got {values.shape[axis]}")
    return (
        np.median(values, axis=axis),
        np.take(values, 1, axis=axis),
        np.take(values, -2, axis=axis),
    )


@dataclass
class CrossTestResult:
    """Per-fold confusion matrices and scores from :func:`cross_test`.

    Attributes
    ----------
    labels : ndarray of shape (n_classes,)
        Row/column order of every matrix.
    recall_folds, precision_folds : ndarray of shape (n_splits, n_classes, n_classes)
        The recall-view and precision-view matrix of every fold.
    scores : pandas.DataFrame
        One row per fold: ``balanced_accuracy``, ``macro_f1``, ``accuracy``.
    y_pred : ndarray of shape (n_samples,)
        Out-of-fold prediction of every sample.
    fold : ndarray of int, shape (n_samples,)
        The fold in which each sample was tested.
    """

    labels: np.ndarray
    recall_folds: np.ndarray
    precision_folds: np.ndarray
    scores: pd.DataFrame
    y_pred: np.ndarray = field(repr=False)
    fold: np.ndarray = field(repr=False)

    def _folds(self, view):
        if view == "recall":
            return self.recall_folds
        if view == "precision":
            return self.precision_folds
        raise ValueError(f"view must be 'recall' or 'precision', got {view!r}")

    def median(self, view="recall"):
        """Cell-wise median over folds, ndarray of shape (n_classes, n_classes)."""
        return fold_spread(self._folds(view))[0]

    def second_lowest(self, view="recall"):
        """Cell-wise second-lowest fold value (index 1 of the sorted folds)."""
        return fold_spread(self._folds(view))[1]

    def second_highest(self, view="recall"):
        """Cell-wise second-highest fold value (index -2 of the sorted folds)."""
        return fold_spread(self._folds(view))[2]

    def second_best(self, view="recall"):
        """Second-best fold value per cell: higher is better on the diagonal
        (a recall or precision), lower is better off it (a confusion)."""
        on_diagonal = np.eye(len(self.labels), dtype=bool)
        return np.where(on_diagonal, self.second_highest(view), self.second_lowest(view))

    def second_worst(self, view="recall"):
        """Second-worst fold value per cell (the mirror of :meth:`second_best`)."""
        on_diagonal = np.eye(len(self.labels), dtype=bool)
        return np.where(on_diagonal, self.second_lowest(view), self.second_highest(view))

    def score_summary(self):
        """Median, second-lowest and second-highest of each score over folds.

        Returns
        -------
        pandas.DataFrame
            Indexed by score name, columns ``median``, ``second_lowest``,
            ``second_highest``.
        """
        med, low, high = fold_spread(self.scores.to_numpy(dtype=np.float64))
        return pd.DataFrame(
            {"median": med, "second_lowest": low, "second_highest": high},
            index=self.scores.columns,
        )


def _take(X, index):
    return X.iloc[index] if hasattr(X, "iloc") else X[index]


def _fit_score_fold(estimator, X, y, train, test, fit_params):
    model = clone(estimator).fit(_take(X, train), y[train], **fit_params)
    return test, np.asarray(model.predict(_take(X, test)))


def cross_test(estimator, X, y, *, n_splits=10, labels=None, fit_params=None,
               random_state=None, n_jobs=None, verbose=0):
    """Refit ``estimator`` on stratified folds and summarise every matrix cell.

    Each of ``n_splits`` stratified folds is held out once while a clone of
    ``estimator`` is fitted on the rest; its predictions give one recall-view
    and one precision-view confusion matrix per fold. The paper's cross-test
    reports each cell as the median over folds with the second-best and
    second-worst values (:meth:`CrossTestResult.second_best`).

    Parameters
    ----------
    estimator : estimator
        Any classifier taking what ``X`` is (light curves or a 2-D table);
        cloned, never modified.
    X : LightCurves, array-like of shape (n_samples, n_features) or anything
        :func:`vsaug.as_light_curves` accepts
    y : array-like of shape (n_samples,)
    n_splits : int, default=10
        Number of folds (at least 2; every class needs that many members).
    labels : array-like of shape (n_classes,), optional
        Matrix order; default the sorted classes of ``y``.
    fit_params : dict, optional
        Passed to every ``fit``.
    random_state : int, RandomState instance or None
        Shuffles the folds. The clones are fitted as given: set the
        estimator's own ``random_state`` for repeatable members.
    n_jobs : int, optional
        Folds fitted in parallel with joblib (keep 1 for Keras members).
    verbose : int, default=0
        joblib verbosity.

    Returns
    -------
    CrossTestResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from vsaug.metrics import cross_test
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(3, 1, (30, 2))]
    >>> y = np.repeat(["a", "b"], 30)
    >>> res = cross_test(KNeighborsClassifier(), X, y, n_splits=5, random_state=0)
    >>> res.recall_folds.shape, res.median("recall").shape
    ((5, 2, 2), (2, 2))
    >>> bool(res.scores["balanced_accuracy"].min() > 0.8)
    True
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of labels, got shape {y.shape}")
    X = _as_samples(X)
    if len(X) != y.size:
        raise ValueError(f"X has {len(X)} samples but y has {y.size} labels")
    if not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2, got {n_splits!r}")
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < n_splits:
        small = classes[counts < n_splits].tolist()
        raise ValueError(
            f"n_splits={n_splits} needs at least {n_splits} members per class; "
            f"classes {small} have fewer ({counts[counts < n_splits].tolist()})"
        )
    labels = classes if labels is None else _labels(y, y, labels)
    seed = child_seeds(random_state)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    results = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(_fit_score_fold)(estimator, X, y, train, test, dict(fit_params or {}))
        for train, test in splitter.split(np.zeros((y.size, 1)), y)
    )
    tested = np.concatenate([test for test, _ in results])
    y_pred = np.concatenate([pred for _, pred in results])[np.argsort(tested)]
    fold = np.repeat(np.arange(len(results)), [test.size for test, _ in results])
    fold = fold[np.argsort(tested)]
    recall_folds, precision_folds, rows = [], [], []
    for test, pred in results:
        rec, prec = confusion_matrices(y[test], pred, labels)
        recall_folds.append(rec)
        precision_folds.append(prec)
        s = classification_summary(y[test], pred, labels)
        rows.append((s.balanced_accuracy, s.macro_f1, s.accuracy))
    scores = pd.DataFrame(rows, columns=["balanced_accuracy", "macro_f1", "accuracy"])
    scores.index.name = "fold"
    return CrossTestResult(
        labels=np.asarray(labels),
        recall_folds=np.stack(recall_folds),
        precision_folds=np.stack(precision_folds),
        scores=scores,
        y_pred=y_pred,
        fold=fold,
    )


def _as_samples(X):
    """Light curves become ``LightCurves``; a numeric table stays a table."""
    if isinstance(X, pd.DataFrame):
        return as_light_curves(X) if {"time", "mag", "err"} <= set(X.columns) else X
    if isinstance(X, (list, tuple)):
        try:
            table = np.asarray(X)
        except ValueError:  # ragged: a list of (time, mag, err) curves
            return as_light_curves(X)
        return table if table.ndim == 2 else as_light_curves(X)
    return as_light_curves(X) if not hasattr(X, "shape") or len(X.shape) < 2 else X
