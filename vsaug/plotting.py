"""Figures: confusion matrices in both views, folded light curves, GP synthetics.

Every function draws on the ``ax`` it is given and returns it (or the
``Figure``). Without ``ax`` a new figure comes from :mod:`matplotlib.pyplot`,
so it shows in a notebook; nothing here calls ``plt.show()`` or picks a
backend. Scripts that only save files can build a pyplot-free
``matplotlib.figure.Figure`` and pass its axes, as :mod:`vsaug.experiments`
does.
"""

from __future__ import annotations

import numpy as np

from .folding import phase as _phase
from .lightcurves import LightCurve, as_light_curves
from .metrics import confusion_matrices

__all__ = [
    "plot_confusion_matrix",
    "plot_confusion_matrices",
    "plot_cross_test",
    "plot_light_curve",
    "plot_gp_augmentation",
]

_VIEWS = {
    "recall": "Recall view (rows normalised)",
    "precision": "Precision view (columns normalised)",
}


def _new_axes(figsize, ncols=1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=figsize, layout="constrained")
    return axes


def _check_view(view):
    if view not in _VIEWS:
        raise ValueError(f"view must be 'recall' or 'precision', got {view!r}")


def plot_confusion_matrix(matrix, labels, *, view="recall", low=None, high=None, ax=None,
                          cmap="Blues", title=None, colorbar=True, fontsize=None):
    """Draw a normalised confusion matrix with class names and every cell's value.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Rows are true classes, columns predicted classes, values in [0, 1]
        (e.g. one output of :func:`vsaug.metrics.confusion_matrices`).
    labels : array-like of shape (n_classes,)
        Class names in row/column order.
    view : {"recall", "precision"}, default="recall"
        Which normalisation the matrix holds; sets the default title.
    low, high : array-like of shape (n_classes, n_classes), optional
        A spread to print under each value as ``low-high`` (for example the
        second-worst and second-best fold values of a cross-test).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    cmap : str or Colormap, default="Blues"
    title : str, optional
    colorbar : bool, default=True
    fontsize : float, optional
        Cell text size; default shrinks with the number of classes.

    Returns
    -------
    ax : matplotlib Axes
        ``ax``, or the new figure's Axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from vsaug.plotting import plot_confusion_matrix
    >>> ax = Figure().add_subplot()
    >>> ax = plot_confusion_matrix([[0.9, 0.1], [0.2, 0.8]], ["RRab", "RRc"], ax=ax)
    >>> [t.get_text() for t in ax.texts]
    ['0.90', '0.10', '0.20', '0.80']
    """
    _check_view(view)
    matrix = np.asarray(matrix, dtype=np.float64)
    labels = [str(label) for label in labels]
    n = len(labels)
    if matrix.shape != (n, n):
        raise ValueError(f"matrix has shape {matrix.shape} but there are {n} labels")
    spread = low is not None or high is not None
    if spread:
        if low is None or high is None:
            raise ValueError("give both low and high, or neither")
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        if low.shape != matrix.shape or high.shape != matrix.shape:
            raise ValueError(
                f"low and high must have the matrix's shape {matrix.shape}, "
                f"got {low.shape} and {high.shape}"
            )
    if ax is None:
        ax = _new_axes((1.6 + 0.62 * n, 1.0 + 0.55 * n))
    image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0)
    if fontsize is None:
        fontsize = float(np.clip(100.0 / max(n, 1), 5.0, 11.0))
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}"
        if spread:
            text += f"\n{low[i, j]:.2f}-{high[i, j]:.2f}"
        # Dark cells get white text so every number stays legible.
        colour = "white" if value > 0.55 else "black"
        ax.text(j, i, text, ha="center", va="center", color=colour,
                fontsize=fontsize * (0.8 if spread else 1.0), linespacing=1.1)
    ax.set_xticks(np.arange(n), labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(np.arange(n), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(_VIEWS[view] if title is None else title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def plot_confusion_matrices(y_true, y_pred, labels=None, *, axes=None, title=None):
    """Draw the recall view and the precision view side by side.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (n_classes,), optional
        Class order; default the sorted union of both arrays.
    axes : sequence of two matplotlib Axes, optional
        Where to draw; a new figure if None.
    title : str, optional
        Figure title.

    Returns
    -------
    fig : matplotlib Figure
        The figure of ``axes`` (a new one when ``axes`` is None).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from vsaug.plotting import plot_confusion_matrices
    >>> axes = Figure(figsize=(8, 4)).subplots(1, 2)
    >>> fig = plot_confusion_matrices(["a", "a", "b"], ["a", "b", "b"], axes=axes)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['Recall view (rows normalised)', 'Precision view (columns normalised)']
    """
    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    recall_view, precision_view = confusion_matrices(y_true, y_pred, labels)
    if axes is None:
        n = len(labels)
        axes = _new_axes((2 * (1.6 + 0.62 * n), 1.0 + 0.55 * n), ncols=2)
    if len(axes) != 2:
        raise ValueError(f"axes must hold two Axes, got {len(axes)}")
    plot_confusion_matrix(recall_view, labels, view="recall", ax=axes[0])
    plot_confusion_matrix(precision_view, labels, view="precision", ax=axes[1])
    fig = axes[0].figure
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_cross_test(result, *, view="recall", ax=None, title=None):
    """Draw a cross-test's median matrix with the second-worst to second-best spread.

    Parameters
    ----------
    result : vsaug.metrics.CrossTestResult
    view : {"recall", "precision"}, default="recall"
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from vsaug.metrics import cross_test
    >>> from vsaug.plotting import plot_cross_test
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(2, 1, (30, 2))]
    >>> res = cross_test(KNeighborsClassifier(), X, np.repeat(["a", "b"], 30),
    ...                  n_splits=5, random_state=0)
    >>> ax = plot_cross_test(res, ax=Figure().add_subplot())
    >>> len(ax.texts)
    4
    """
    _check_view(view)
    worst, best = result.second_worst(view), result.second_best(view)
    # Print the spread low-high whichever end is "best" for the cell.
    low, high = np.minimum(worst, best), np.maximum(worst, best)
    if title is None:
        title = f"{_VIEWS[view]}: median over {len(result.recall_folds)} folds"
    return plot_confusion_matrix(result.median(view), result.labels, view=view, low=low,
                                 high=high, ax=ax, title=title)


def _one_curve(X, index):
    if isinstance(X, LightCurve):
        return X
    X = as_light_curves(X)
    if index is None:
        if len(X) != 1:
            raise ValueError(f"X holds {len(X)} light curves: say which with index=")
        index = 0
    return X[index]


def _curve_phase(curve, period):
    """Phase in [0, 1) of a single curve's points, with its period."""
    if period is None:
        period = curve.meta.get("period", None) if len(curve.meta) else None
    if period is None or not np.isfinite(float(period)) or float(period) <= 0:
        raise ValueError(
            f"cannot fold: the curve has period={period!r}; pass period= or set meta['period']"
        )
    single = as_light_curves([(curve.time, curve.mag, curve.err)])
    if "t0" in curve.meta.index:
        single.meta["t0"] = [curve.meta["t0"]]
    return _phase(single, [float(period)]), float(period)


def plot_light_curve(X, index=None, *, period=None, folded=True, n_cycles=1, ax=None,
                     label=None, color="k", title=None, **errorbar_kw):
    """Draw one light curve with error bars, folded on its period by default.

    Parameters
    ----------
    X : LightCurve, LightCurves or anything :func:`vsaug.as_light_curves` takes
    index : int, optional
        Which curve of ``X`` (needed when ``X`` holds more than one).
    period : float, optional
        Folding period; default ``meta['period']``.
    folded : bool, default=True
        Phase on x (True) or time on x (False).
    n_cycles : int, default=1
        Repeat the folded curve over this many cycles (2 shows the wrap).
    ax : matplotlib Axes, optional
    label, color, title : optional
        Legend label, marker colour and axes title.
    **errorbar_kw
        Passed to :meth:`matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    ax : matplotlib Axes
        Magnitudes increase downwards, as astronomers plot them.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from vsaug import LightCurves
    >>> from vsaug.plotting import plot_light_curve
    >>> t = np.linspace(0, 10, 40)
    >>> X = LightCurves(t, np.sin(t), np.full(40, 0.1), [0, 40])
    >>> ax = plot_light_curve(X, period=2 * np.pi, ax=Figure().add_subplot())
    >>> ax.get_xlabel(), bool(ax.yaxis_inverted())
    ('phase', True)
    """
    curve = _one_curve(X, index)
    if not isinstance(n_cycles, (int, np.integer)) or n_cycles < 1:
        raise ValueError(f"n_cycles must be a positive integer, got {n_cycles!r}")
    if ax is None:
        ax = _new_axes((6.0, 3.5))
    if folded:
        ph, period = _curve_phase(curve, period)
        x = np.concatenate([ph + k for k in range(n_cycles)])
        y, yerr = np.tile(curve.mag, n_cycles), np.tile(curve.err, n_cycles)
        ax.set_xlabel("phase")
    else:
        x, y, yerr = curve.time, curve.mag, curve.err
        ax.set_xlabel("time (d)")
    style = {"fmt": "o", "ms": 2.5, "elinewidth": 0.6, "capsize": 0, "color": color, "alpha": 0.8}
    style.update(errorbar_kw)
    ax.errorbar(x, y, yerr=yerr, label=label, **style)
    ax.set_ylabel("magnitude")
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    if title is None and len(curve.meta):
        parts = [f"{k} {curve.meta[k]}" for k in ("id", "class") if k in curve.meta.index]
        if folded:
            parts.append(f"P = {period:.6g} d")
        title = ", ".join(parts)
    if title:
        ax.set_title(title)
    return ax


def plot_gp_augmentation(augmenter, index, *, n_grid=400, n_sigma=2.0, random_state=None,
                         ax=None, title=None):
    """Draw a real folded curve, its GP fit and one synthetic curve drawn from it.

    The figure of the method: the prototype's points with error bars, the GP
    predictive mean with a band of ``n_sigma`` predictive deviations, and
    one synthetic curve with its error bars. The synthetic is drawn at its
    own random phase shift; it is shown shifted back so that it lies on the
    GP it came from.

    Parameters
    ----------
    augmenter : vsaug.GPLightCurveAugmenter
        Fitted; ``index`` must be one of its fitted prototypes.
    index : int
        Position of the prototype in ``augmenter.X_``.
    n_grid : int, default=400
        Phases at which the GP mean and band are drawn.
    n_sigma : float, default=2.0
        Half-width of the band, in predictive standard deviations.
    random_state : int, RandomState, Generator or None
        Seeds the synthetic curve. None draws from fresh entropy, never from
        the augmenter's own random stream, so plotting leaves the
        augmenter's later draws unchanged.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes
        The band, the GP mean, the real curve and the synthetic curve carry
        the labels ``"GP ±2σ"`` (for ``n_sigma=2``), ``"GP mean"``, ``"real"``
        and ``"synthetic"``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from vsaug import GPLightCurveAugmenter
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.plotting import plot_gp_augmentation
    >>> X, y = make_light_curves(30, classes=["RRab", "DSct"], random_state=0)
    >>> aug = GPLightCurveAugmenter(wrap=False).fit(X, y)  # fits the smaller class
    >>> first = int(aug.gp_params_.index[0])
    >>> ax = plot_gp_augmentation(aug, first, random_state=0, ax=Figure().add_subplot())
    >>> ax.get_legend_handles_labels()[1]
    ['GP ±2σ', 'GP mean', 'real', 'synthetic']
    """
    from ._random import as_generator
    from .gp import predict_columns, predict_curve

    if not hasattr(augmenter, "gp_params_"):
        raise ValueError("the augmenter is not fitted: call fit(X, y) first")
    index = int(index)
    if index not in augmenter.gp_params_.index:
        raise ValueError(
            f"{augmenter.X_.star_name(index) if 0 <= index < len(augmenter.X_) else index} "
            "has no GP fit; pass the index of a fitted prototype "
            f"(one of the {len(augmenter.gp_params_)} in gp_params_.index)"
        )
    curve = augmenter.X_[index]
    ph, _ = _curve_phase(curve, None)
    kernel = getattr(augmenter, "kernel_", None)
    params = augmenter.gp_params_.loc[index, list(predict_columns(kernel))]
    grid = np.linspace(0.0, 1.0, int(n_grid), endpoint=False)
    mu, var = predict_curve(params.to_numpy(dtype=np.float64), ph, curve.mag, curve.err, grid,
                            wrap=augmenter.wrap, kernel=kernel)
    # A generator of its own even for None: the sampler's stream is not consumed.
    synthetic = augmenter.sample([index], random_state=as_generator(random_state))[0]
    syn_ph, _ = _curve_phase(synthetic, None)
    syn_ph = (syn_ph - float(synthetic.meta["phase_shift"])) % 1.0
    if ax is None:
        ax = _new_axes((7.0, 4.0))
    sd = np.sqrt(var)
    ax.fill_between(grid, mu - n_sigma * sd, mu + n_sigma * sd, color="tab:blue", alpha=0.25,
                    lw=0, label=f"GP \u00b1{n_sigma:g}\u03c3")
    ax.plot(grid, mu, color="tab:blue", lw=1.5, label="GP mean")
    style = {"fmt": "o", "ms": 3, "elinewidth": 0.7, "capsize": 0, "alpha": 0.8}
    ax.errorbar(ph, curve.mag, yerr=curve.err, color="k", label="real", **style)
    ax.errorbar(syn_ph, synthetic.mag, yerr=synthetic.err, color="tab:red", label="synthetic",
                **dict(style, fmt="s", ms=2.5))
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("phase")
    ax.set_ylabel("magnitude")
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    if title is None:
        parts = [f"{k} {curve.meta[k]}" for k in ("id", "class") if k in curve.meta.index]
        parts.append(f"P = {float(curve.meta['period']):.6g} d")
        title = ", ".join(parts)
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return ax
