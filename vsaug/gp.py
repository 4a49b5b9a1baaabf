"""Gaussian-process fits of folded light curves with george (DESIGN 1.2).

One curve is modelled in normalised phase ``[0, 1)`` after subtracting its
error-weighted mean magnitude, with a kernel (by default
:class:`Matern52Kernel`, ``a**2 * Matern52(l**2)``) and white noise from the
measured errors. The kernel's hyperparameters (for the default ``log(a**2)``
and ``log(l**2)``) are found by L-BFGS-B on the negative log likelihood and
its gradient. Another kernel is one subclass of :class:`GPKernel`.

Fits are stored as one small row of numbers per curve (see
:func:`param_columns`), never as george objects: a GP is rebuilt from the row
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

from functools import partial
from numbers import Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from ._ragged import worker_chunks

__all__ = [
    "GPKernel",
    "Matern52Kernel",
    "param_columns",
    "predict_columns",
    "PARAM_COLUMNS",
    "FALLBACKS",
    "fit_curve",
    "predict_curve",
    "fit_curves",
    "wrap_margin",
]

#: The steps of the fallback chain, in the order they are tried.
FALLBACKS = ("none", "restart", "jitter", "default")

# Length scales (in phase) the optimiser may explore: from features a fifth
# of a per cent of the period wide to an essentially flat curve.
_LOG_METRIC_BOUNDS = (2 * np.log(2e-3), 2 * np.log(10.0))
# The amplitude may move six orders of magnitude around var(y).
_LOG_AMP_HALF_RANGE = np.log(1e6)
_RESTART_FACTORS = (1 / 3, 3.0)
# Columns every fitted row has after the kernel's own parameters.
_FIT_COLUMNS = ("jitter", "mean", "nll")
_JITTERS = (0.1, 1.0)  # times the median error
_PENALTY = 1e25  # returned where the likelihood cannot be computed
_PREDICT_BLOCK = 20_000  # new phases per cross-covariance block


class GPKernel:
    """Base class of the GP kernels fitted to folded curves.

    A kernel owns its parameter vector: the names of its entries
    (:attr:`param_names`, which become the first columns of every fitted
    row), where the optimiser starts, where it restarts after a failure,
    its bounds, and the george kernel that the vector describes. The
    vector's order must be george's ``get_parameter_vector`` order, since
    the likelihood's gradient comes from george in that order.

    Subclass it and pass an instance as ``GPLightCurveAugmenter(kernel=...)``
    (or to :func:`fit_curve`) to fit another kernel; nothing else changes.
    A kernel must be picklable and its ``repr`` must name every setting
    (fits are cached by it, see ``GPLightCurveAugmenter(memory=...)``).

    Attributes
    ----------
    param_names : tuple of str
        Names of the vector's entries.

    Examples
    --------
    A squared-exponential kernel in place of the Matern-5/2:

    >>> import numpy as np
    >>> from vsaug.gp import Matern52Kernel, fit_curve
    >>> class ExpSquaredKernel(Matern52Kernel):
    ...     def george_kernel(self, vector):
    ...         from george import kernels
    ...         return np.exp(vector[0]) * kernels.ExpSquaredKernel(metric=np.exp(vector[1]))
    >>> ph = np.linspace(0, 1, 40, endpoint=False)
    >>> params, how = fit_curve(ph, 12 + np.cos(2 * np.pi * ph), np.full(40, 0.05),
    ...                         kernel=ExpSquaredKernel())
    >>> params.shape, how
    ((5,), 'none')
    """

    param_names = ()

    def george_kernel(self, vector):
        """The george kernel with parameter ``vector`` (george's order)."""
        raise NotImplementedError(f"{type(self).__name__} must define george_kernel")

    def start(self, resid, length_scale):
        """First parameter vector tried, from the residuals and a length scale in phase."""
        raise NotImplementedError(f"{type(self).__name__} must define start")

    def restarts(self, start):
        """Further starting vectors tried when the first fails (default: none)."""
        return []

    def bounds(self, start):
        """L-BFGS-B bounds of every entry, given the first start (default: none)."""
        return [(None, None)] * len(self.param_names)

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()))
        return f"{type(self).__name__}({settings})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash(repr(self))


class Matern52Kernel(GPKernel):
    """``a**2 * Matern52(l**2)``: DESIGN 1.2's kernel, george's ``Matern52Kernel``.

    The vector is ``(log(a**2), log(l**2))`` (george's metric is a squared
    length scale). The first start is ``a**2 = var(resid)`` and the given
    length scale; the restarts a third and three times that length scale.
    The amplitude may move six orders of magnitude around ``var(resid)``,
    the length scale from a fifth of a per cent of the period to ten
    periods.

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.gp import Matern52Kernel
    >>> k = Matern52Kernel()
    >>> k.param_names
    ('log_amp2', 'log_metric')
    >>> np.round(k.start(np.array([-1.0, 1.0]), 0.1), 3).tolist()
    [0.0, -4.605]
    """

    param_names = ("log_amp2", "log_metric")

    def george_kernel(self, vector):
        from george import kernels

        log_amp2, log_metric = vector
        return np.exp(log_amp2) * kernels.Matern52Kernel(metric=np.exp(log_metric))

    def start(self, resid, length_scale):
        return np.array([np.log(max(float(np.var(resid)), 1e-12)), 2 * np.log(length_scale)])

    def restarts(self, start):
        return [np.array([start[0], start[1] + 2 * np.log(f)]) for f in _RESTART_FACTORS]

    def bounds(self, start):
        return [(start[0] - _LOG_AMP_HALF_RANGE, start[0] + _LOG_AMP_HALF_RANGE),
                _LOG_METRIC_BOUNDS]


_DEFAULT_KERNEL = Matern52Kernel()


def _kernel(kernel):
    if kernel is None:
        return _DEFAULT_KERNEL
    if not isinstance(kernel, GPKernel):
        raise TypeError(f"kernel must be a vsaug.gp.GPKernel instance or None, got "
                        f"{type(kernel).__name__}")
    return kernel


def param_columns(kernel=None):
    """Columns of a fitted row: the kernel's parameters, ``jitter``, ``mean``, ``nll``.

    ``jitter`` is the noise added in quadrature to the errors, ``mean`` the
    error-weighted mean magnitude subtracted before fitting, ``nll`` the
    negative log likelihood reached.

    Examples
    --------
    >>> param_columns()
    ('log_amp2', 'log_metric', 'jitter', 'mean', 'nll')
    """
    return (*_kernel(kernel).param_names, *_FIT_COLUMNS)


def predict_columns(kernel=None):
    """The columns of a fitted row that :func:`predict_curve` needs.

    Examples
    --------
    >>> predict_columns()
    ('log_amp2', 'log_metric', 'jitter', 'mean')
    """
    return param_columns(kernel)[:-1]


#: Columns of a fitted-parameter row of the default kernel (see
#: :func:`param_columns`): ``log_amp2``, ``log_metric``, ``jitter``, ``mean``,
#: ``nll``.
PARAM_COLUMNS = param_columns()


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


def _gp(vector, kernel=None):
    # Imported here so that ``import vsaug`` stays light.
    import george

    return george.GP(_kernel(kernel).george_kernel(vector))


def _compute(gp, x, err, jitter):
    """Factorise; False when the matrix is not positive definite."""
    try:
        gp.compute(x, np.sqrt(err**2 + jitter**2))
    except (np.linalg.LinAlgError, ValueError):
        return False
    return True


def _optimise(x, resid, err, start, jitter, kernel=None):
    """One L-BFGS-B run; return (params, nll) or None when it fails."""
    gp = _gp(start, kernel)
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

    bounds = _kernel(kernel).bounds(start)
    try:
        result = minimize(objective, np.asarray(start), jac=True, method="L-BFGS-B", bounds=bounds)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return None
    if not result.success or not np.isfinite(result.fun) or result.fun >= _PENALTY:
        return None
    return result.x, float(result.fun)


def fit_curve(phase, mag, err, *, length_scale=0.1, wrap=False, kernel=None):
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
    kernel : GPKernel, optional
        The kernel (default :class:`Matern52Kernel`).

    Returns
    -------
    params : ndarray of shape (len(param_columns(kernel)),)
        A row of :func:`param_columns` (:data:`PARAM_COLUMNS` for the
        default kernel).
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
    k = _kernel(kernel)
    first = k.start(resid, length_scale)
    restarts = k.restarts(first)
    median_err = float(np.median(e))
    chain = [("none", first, 0.0)]
    chain += [("restart", s, 0.0) for s in restarts]
    chain += [("jitter", s, j * median_err) for j in _JITTERS for s in (first, *restarts)]
    # The default kernel keeps the five-argument call (tests patch _optimise).
    optimise = _optimise if kernel is None else partial(_optimise, kernel=k)
    for fallback, start, jitter in chain:
        found = optimise(x, resid, e, start, jitter)
        if found is not None:
            vector, nll = found
            return np.array([*vector, jitter, mean, nll]), fallback
    return _default(x, resid, e, mean, first, median_err, k), "default"


def _default(x, resid, err, mean, start, median_err, kernel):
    """The starting kernel with the smallest jitter that factorises."""
    gp = _gp(start, kernel)
    jitter = 0.0
    for factor in (0.0, *_JITTERS, 10.0, 100.0):
        jitter = factor * median_err
        if _compute(gp, x, err, jitter):
            break
    nll = -gp.log_likelihood(resid, quiet=True) if gp.computed else np.inf
    return np.array([*start, jitter, mean, nll])


def predict_curve(params, phase, mag, err, new_phase, *, wrap=False, var_grid=None,
                  kernel=None):
    """Predictive mean and variance of a fitted curve at new phases.

    Parameters
    ----------
    params : array-like
        A row of :func:`param_columns` from :func:`fit_curve` (the trailing
        ``nll`` may be left off).
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
    kernel : GPKernel, optional
        The kernel of the fit (default :class:`Matern52Kernel`).

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
    k = _kernel(kernel)
    n = len(k.param_names)
    params = np.asarray(params, dtype=np.float64)
    vector, (jitter, mean) = params[:n], params[n : n + 2]
    x, resid, e, _ = _prepare(phase, mag, err, wrap)
    gp = _gp(vector, k)
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


def _fit_row(phase, mag, err, length_scale, wrap, kernel):
    """One curve's fit; what ``memory`` caches, keyed by these arguments."""
    return fit_curve(phase, mag, err, length_scale=length_scale, wrap=wrap, kernel=kernel)


def _fit_chunk(phases, mags, errs, length_scale, wrap, kernel, memory):
    from sklearn.utils.validation import check_memory

    fit = check_memory(memory).cache(_fit_row)
    rows, fallbacks = [], []
    # Threaded BLAS on matrices this small only fights the other workers:
    # one thread is several times faster on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        for ph, m, e in zip(phases, mags, errs):
            row, fallback = fit(ph, m, e, length_scale, wrap, kernel)
            rows.append(row)
            fallbacks.append(fallback)
    return np.array(rows).reshape(-1, len(param_columns(kernel))), fallbacks


def fit_curves(X, indices=None, *, length_scale=0.1, wrap=False, kernel=None, memory=None,
               n_jobs=None, verbose=0):
    """Fit one GP per curve of ``X`` (folded on ``meta['period']``).

    Parameters
    ----------
    X : LightCurves
        Curves with ``meta['period']``.
    indices : array-like of int, optional
        Which curves to fit (default all).
    length_scale, wrap, kernel
        See :func:`fit_curve`.
    memory : str, joblib.Memory or None, default=None
        Cache of the fits: every curve's fit is stored under the content of
        its folded curve (phases, magnitudes, errors) and the kernel
        settings, so a curve fitted once, by any call with the same
        settings, is read back instead of refitted. A str is a cache folder.
    n_jobs : int, default=None
        Parallel workers (joblib); the fits do not depend on it.
    verbose : int, default=0
        Report progress over chunks of curves.

    Returns
    -------
    params : pandas.DataFrame
        One row per fitted curve, indexed by its position in ``X``, with the
        :func:`param_columns` of the kernel and ``fallback``.

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
    from ._progress import progress_bar
    from .folding import phase as fold_phase
    from .lightcurves import as_light_curves

    X = as_light_curves(X)
    indices = np.arange(len(X)) if indices is None else np.asarray(indices, dtype=np.int64)
    wrap_margin(wrap)
    columns = list(param_columns(kernel))
    if indices.size == 0:
        return _empty_table(columns)
    sub = X.take(indices)
    ph = fold_phase(sub)
    splits = sub.offsets[1:-1]
    phases, mags, errs = (np.split(a, splits) for a in (ph, sub.mag, sub.err))
    chunks = worker_chunks(indices.size, n_jobs)
    tasks = (
        delayed(_fit_chunk)([phases[i] for i in c], [mags[i] for i in c], [errs[i] for i in c],
                            length_scale, wrap, kernel, memory)
        for c in chunks
    )
    bar = progress_bar(indices.size, desc="GP fits", unit="curve", verbose=verbose)
    results = []
    for chunk, result in zip(chunks, Parallel(n_jobs=n_jobs, return_as="generator")(tasks)):
        results.append(result)
        bar.update(chunk.size)
    bar.close()
    rows = np.vstack([r[0] for r in results])
    table = pd.DataFrame(rows, columns=columns, index=indices)
    table["fallback"] = pd.Categorical(
        [f for r in results for f in r[1]], categories=list(FALLBACKS)
    )
    return table


def _empty_table(columns):
    table = pd.DataFrame(np.zeros((0, len(columns))), columns=columns)
    table.index = pd.Index(np.zeros(0, dtype=np.int64))
    table["fallback"] = pd.Categorical([], categories=list(FALLBACKS))
    return table
