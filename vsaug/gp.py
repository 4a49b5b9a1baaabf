"""Gaussian-process fits of folded light curves with george (DESIGN 1.2).

One curve is modelled in normalised phase ``[0, 1)`` after subtracting its
error-weighted mean magnitude, with the kernel ``a**2 * Matern52(l**2)`` and
white noise from the measured errors. The hyperparameters ``log(a**2)`` and
``log(l**2)`` are found by L-BFGS-B on the negative log likelihood and its
gradient.

Fits are stored as one small row of numbers per curve (see
:data:`PARAM_COLUMNS`), never as george objects: a GP is rebuilt from the row
when predictions are needed, which keeps fitted augmenters small to pickle
and lets every worker own its GP (george GPs must not be shared between
threads).

Fallback chain
--------------
Every fit ends with usable parameters; no point is ever deleted. The first
step that succeeds is recorded in the ``fallback`` column:

``"none"``
    L-BFGS-B from ``a**2 = var(y)``, ``l = length_scale`` converged.
``"restart"``
    It did not (line-search failure, non-finite likelihood, a matrix that is
    not positive definite); L-BFGS-B restarted from ``l = length_scale / 3``
    and ``l = 3 * length_scale`` converged.
``"jitter"``
    Those failed too; the three starts are repeated with a jitter ``j``
    added in quadrature to every error (``j`` = 0.1, then 1 times the median
    error), which makes the covariance matrix better conditioned.
``"default"``
    Nothing converged: the starting kernel is kept, with the smallest jitter
    of the sequence (0 first) for which the Cholesky factorisation succeeds.

Examples
--------
>>> import numpy as np
>>> from vsaug.gp import fit_curve, predict_curve
>>> ph = np.linspace(0, 1, 60, endpoint=False)
>>> mag = 15 + 0.3 * np.sin(2 * np.pi * ph)
>>> err = np.full(60, 0.02)
>>> params, fallback = fit_curve(ph, mag, err, wrap=False)
>>> fallback
'none'
>>> mu, var = predict_curve(params, ph, mag, err, [0.25], wrap=False)
>>> bool(abs(mu[0] - 15.3) < 0.02)
True
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

__all__ = [
    "PARAM_COLUMNS",
    "FALLBACKS",
    "fit_curve",
    "predict_curve",
    "fit_curves",
    "wrap_margin",
]

#: Columns of a fitted-parameter row: ``log(a**2)``, ``log(l**2)`` (george's
#: metric is a squared length scale), the jitter added to the errors, the
#: error-weighted mean magnitude subtracted before fitting, and the negative
#: log likelihood reached.
PARAM_COLUMNS = ("log_amp2", "log_metric", "jitter", "mean", "nll")

#: The steps of the fallback chain, in the order they are tried.
FALLBACKS = ("none", "restart", "jitter", "default")

# Length scales (in phase) the optimiser may explore: from features a fifth
# of a per cent of the period wide to an essentially flat curve.
_LOG_METRIC_BOUNDS = (2 * np.log(2e-3), 2 * np.log(10.0))
# The amplitude may move six orders of magnitude around var(y).
_LOG_AMP_HALF_RANGE = np.log(1e6)
_RESTART_FACTORS = (1 / 3, 3.0)
_JITTERS = (0.1, 1.0)  # times the median error
_PENALTY = 1e25  # returned where the likelihood cannot be computed
_PREDICT_BLOCK = 20_000  # new phases per cross-covariance block


def wrap_margin(wrap):
    """Fraction of a period copied to each side of the folded curve.

    ``True`` means a whole period (DESIGN 1.2), ``False`` none, a float in
    ``[0, 1]`` that fraction.

    Examples
    --------
    >>> wrap_margin(True), wrap_margin(False), wrap_margin(0.25)
    (1.0, 0.0, 0.25)
    """
    if isinstance(wrap, (bool, np.bool_)):
        return 1.0 if wrap else 0.0
    if isinstance(wrap, Real) and 0.0 <= wrap <= 1.0:
        return float(wrap)
    raise ValueError(f"wrap must be True, False or a float in [0, 1]; got {wrap!r}")


def _extend(phase, values, margin):
    """Copy the points within ``margin`` of either edge to the other side."""
    if margin <= 0:
        return phase, values
    left = phase >= 1.0 - margin  # these reappear before phase 0
    right = phase < margin  # and these after phase 1
    if margin >= 1.0:
        left = right = np.ones(phase.size, dtype=bool)
    phase_out = np.concatenate([phase[left] - 1.0, phase, phase[right] + 1.0])
    values_out = [np.concatenate([v[left], v, v[right]]) for v in values]
    return phase_out, values_out


def _prepare(phase, mag, err, wrap):
    phase = np.asarray(phase, dtype=np.float64)
    mag = np.asarray(mag, dtype=np.float64)
    err = np.asarray(err, dtype=np.float64)
    weight = 1.0 / err**2
    mean = float(np.sum(weight * mag) / np.sum(weight))
    x, (resid, e) = _extend(phase, (mag - mean, err), wrap_margin(wrap))
    return x, resid, e, mean


def _gp(log_amp2, log_metric):
    # Imported here so that ``import vsaug`` stays light.
    import george
    from george import kernels

    kernel = np.exp(log_amp2) * kernels.Matern52Kernel(metric=np.exp(log_metric))
    return george.GP(kernel)


def _compute(gp, x, err, jitter):
    """Factorise; False when the matrix is not positive definite."""
    try:
        gp.compute(x, np.sqrt(err**2 + jitter**2))
    except (np.linalg.LinAlgError, ValueError):
        return False
    return True


def _optimise(x, resid, err, start, jitter):
    """One L-BFGS-B run; return (params, nll) or None when it fails."""
    gp = _gp(*start)
    if not _compute(gp, x, err, jitter):
        return None

    def objective(vector):
        # Likelihood and gradient from one factorisation.
        gp.set_parameter_vector(vector)
        ll = gp.log_likelihood(resid, quiet=True)
        if not np.isfinite(ll):
            return _PENALTY, np.zeros_like(vector)
        grad = gp.grad_log_likelihood(resid, quiet=True)
        if not np.all(np.isfinite(grad)):
            return _PENALTY, np.zeros_like(vector)
        return -ll, -grad

    bounds = [
        (start[0] - _LOG_AMP_HALF_RANGE, start[0] + _LOG_AMP_HALF_RANGE),
        _LOG_METRIC_BOUNDS,
    ]
    try:
        result = minimize(objective, np.asarray(start), jac=True, method="L-BFGS-B", bounds=bounds)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None
    if not result.success or not np.isfinite(result.fun) or result.fun >= _PENALTY:
        return None
    return result.x, float(result.fun)


def _starts(resid, length_scale):
    log_amp2 = np.log(max(float(np.var(resid)), 1e-12))
    log_metric = 2 * np.log(length_scale)
    first = (log_amp2, log_metric)
    restarts = [(log_amp2, log_metric + 2 * np.log(f)) for f in _RESTART_FACTORS]
    return first, restarts


def fit_curve(phase, mag, err, *, length_scale=0.1, wrap=False):
    """Fit the GP of DESIGN 1.2 to one folded light curve.

    Parameters
    ----------
    phase : array-like of shape (n_points,)
        Phases in ``[0, 1)`` (any order).
    mag, err : array-like of shape (n_points,)
        Magnitudes and their one-sigma errors (> 0).
    length_scale : float, default=0.1
        Starting Matern length scale, in phase.
    wrap : bool or float, default=False
        Copy the folded curve to each side before fitting (see
        :func:`wrap_margin`), so that phase 0.99 meets phase 0.01.

    Returns
    -------
    params : ndarray of shape (5,)
        A row of :data:`PARAM_COLUMNS`.
    fallback : str
        The step of the fallback chain that produced it (:data:`FALLBACKS`).

    Examples
    --------
    >>> import numpy as np
    >>> ph = np.linspace(0, 1, 40, endpoint=False)
    >>> params, how = fit_curve(ph, 12 + np.cos(2 * np.pi * ph), np.full(40, 0.05))
    >>> params.shape, how
    ((5,), 'none')
    """
    x, resid, e, mean = _prepare(phase, mag, err, wrap)
    first, restarts = _starts(resid, length_scale)
    median_err = float(np.median(e))
    chain = [("none", first, 0.0)]
    chain += [("restart", s, 0.0) for s in restarts]
    chain += [("jitter", s, j * median_err) for j in _JITTERS for s in (first, *restarts)]
    for fallback, start, jitter in chain:
        found = _optimise(x, resid, e, start, jitter)
        if found is not None:
            (log_amp2, log_metric), nll = found
            return np.array([log_amp2, log_metric, jitter, mean, nll]), fallback
    return _default(x, resid, e, mean, first, median_err), "default"


def _default(x, resid, err, mean, start, median_err):
    """The starting kernel with the smallest jitter that factorises."""
    gp = _gp(*start)
    jitter = 0.0
    for factor in (0.0, *_JITTERS, 10.0, 100.0):
        jitter = factor * median_err
        if _compute(gp, x, err, jitter):
            break
    nll = -gp.log_likelihood(resid, quiet=True) if gp.computed else np.inf
    return np.array([start[0], start[1], jitter, mean, nll])


def predict_curve(params, phase, mag, err, new_phase, *, wrap=False, var_grid=None):
    """Predictive mean and variance of a fitted curve at new phases.

    Parameters
    ----------
    params : array-like of shape (5,)
        A row of :data:`PARAM_COLUMNS` from :func:`fit_curve`.
    phase, mag, err : array-like of shape (n_points,)
        The curve the parameters were fitted to.
    new_phase : array-like of shape (n_new,)
        Where to predict, in ``[0, 1)``.
    wrap : bool or float, default=False
        As used for the fit.
    var_grid : int, optional
        Compute the variance exactly on ``var_grid + 1`` evenly spaced phases
        of ``[0, 1]`` and interpolate it linearly to ``new_phase``. The exact
        variance costs ``n_points**2`` operations per new phase, the mean
        only ``n_points``; with thousands of new phases per prototype (many
        synthetics of one star) the grid makes the variance a fixed cost.
        The mean is always exact.

    Returns
    -------
    mean : ndarray of shape (n_new,)
        Predicted magnitudes (the weighted mean added back).
    var : ndarray of shape (n_new,)
        Variance of the latent curve there (without the white noise), >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> ph = np.linspace(0, 1, 40, endpoint=False)
    >>> mag, err = 12 + np.cos(2 * np.pi * ph), np.full(40, 0.05)
    >>> params, _ = fit_curve(ph, mag, err)
    >>> mu, var = predict_curve(params, ph, mag, err, [0.0, 0.5])
    >>> np.round(mu, 1).tolist()
    [13.0, 11.0]
    """
    log_amp2, log_metric, jitter, mean = np.asarray(params, dtype=np.float64)[:4]
    x, resid, e, _ = _prepare(phase, mag, err, wrap)
    gp = _gp(log_amp2, log_metric)
    gp.compute(x, np.sqrt(e**2 + jitter**2))
    new_phase = np.asarray(new_phase, dtype=np.float64)
    if var_grid is None:
        mu, var = gp.predict(resid, new_phase, return_var=True)
    else:
        # The mean in blocks, so the cross-covariance matrix stays small.
        blocks = np.array_split(new_phase, max(1, new_phase.size // _PREDICT_BLOCK))
        mu = np.concatenate([gp.predict(resid, b, return_cov=False) for b in blocks])
        grid = np.linspace(0.0, 1.0, int(var_grid) + 1)
        _, grid_var = gp.predict(resid, grid, return_var=True)
        var = np.interp(new_phase, grid, grid_var)
    return mu + mean, np.maximum(var, 0.0)


def _fit_chunk(phases, mags, errs, length_scale, wrap):
    rows, fallbacks = [], []
    # Threaded BLAS on matrices this small only fights the other workers:
    # one thread is several times faster on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        for ph, m, e in zip(phases, mags, errs):
            row, fallback = fit_curve(ph, m, e, length_scale=length_scale, wrap=wrap)
            rows.append(row)
            fallbacks.append(fallback)
    return np.array(rows).reshape(-1, len(PARAM_COLUMNS)), fallbacks


def _chunks(n, n_jobs, per_job=8, min_size=4):
    """Split ``range(n)`` into contiguous chunks, several per worker."""
    from joblib import effective_n_jobs

    n_chunks = max(1, min(n // min_size, effective_n_jobs(n_jobs) * per_job))
    return np.array_split(np.arange(n), n_chunks)


def fit_curves(X, indices=None, *, length_scale=0.1, wrap=False, n_jobs=None, verbose=0):
    """Fit one GP per curve of ``X`` (folded on ``meta['period']``).

    Parameters
    ----------
    X : LightCurves
        Curves with ``meta['period']``.
    indices : array-like of int, optional
        Which curves to fit (default all).
    length_scale, wrap
        See :func:`fit_curve`.
    n_jobs : int, default=None
        Parallel workers (joblib); the fits do not depend on it.
    verbose : int, default=0
        Show a progress bar over chunks of curves.

    Returns
    -------
    params : pandas.DataFrame
        One row per fitted curve, indexed by its position in ``X``, with the
        :data:`PARAM_COLUMNS` and ``fallback``.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug import LightCurves
    >>> t = np.linspace(0, 10, 50)
    >>> X = LightCurves(t, np.sin(2 * np.pi * t / 2.5), np.full(50, 0.1), [0, 50],
    ...                 meta=__import__("pandas").DataFrame({"period": [2.5]}))
    >>> fit_curves(X, wrap=False)["fallback"].tolist()
    ['none']
    """
    from .folding import phase as fold_phase
    from .lightcurves import as_light_curves

    X = as_light_curves(X)
    indices = np.arange(len(X)) if indices is None else np.asarray(indices, dtype=np.int64)
    wrap_margin(wrap)
    if indices.size == 0:
        return _empty_table()
    sub = X.take(indices)
    ph = fold_phase(sub)
    splits = sub.offsets[1:-1]
    phases, mags, errs = (np.split(a, splits) for a in (ph, sub.mag, sub.err))
    chunks = _chunks(indices.size, n_jobs)
    tasks = (
        delayed(_fit_chunk)(
            [phases[i] for i in c], [mags[i] for i in c], [errs[i] for i in c], length_scale, wrap
        )
        for c in chunks
    )
    results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    if verbose:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(chunks), desc="GP fits", unit="chunk")
    results = list(results)
    rows = np.vstack([r[0] for r in results])
    table = pd.DataFrame(rows, columns=list(PARAM_COLUMNS), index=indices)
    table["fallback"] = pd.Categorical(
        [f for r in results for f in r[1]], categories=list(FALLBACKS)
    )
    return table


def _empty_table():
    table = pd.DataFrame(np.zeros((0, len(PARAM_COLUMNS))), columns=list(PARAM_COLUMNS))
    table.index = pd.Index(np.zeros(0, dtype=np.int64))
    table["fallback"] = pd.Categorical([], categories=list(FALLBACKS))
    return table
