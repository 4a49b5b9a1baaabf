"""vsaug's own estimator checks, for estimators and samplers of light curves.

scikit-learn's :func:`~sklearn.utils.estimator_checks.check_estimator`
feeds 2-D arrays, which light-curve estimators do not take (their input
tags say so, and scikit-learn then skips its data checks).
:func:`check_light_curve_estimator` runs the same kind of contract on
:class:`~vsaug.LightCurves`: write your own member, transformer or sampler
and run it as scikit-learn users run ``check_estimator``.

Three kinds of estimator are recognised by their methods: samplers
(``fit_resample``), classifiers (``predict_proba``) and transformers
(``transform``). Every check works on a clone, never on the estimator
passed, and raises ``AssertionError`` saying what broke. Each
``check_*`` function takes ``(estimator, X, y)``; their ``run`` argument
lets :func:`check_light_curve_estimator` share one fit among them.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
from joblib import parallel_config
from sklearn.base import clone

from ..lightcurves import LightCurves, as_light_curves

__all__ = [
    "check_light_curve_estimator",
    "light_curve_checks",
    "check_clone_round_trip",
    "check_fit_returns_self",
    "check_input_not_mutated",
    "check_same_seed_same_result",
    "check_n_jobs_independence",
    "check_output",
    "check_pickle_round_trip",
    "check_nan_input",
    "check_empty_input",
]

_CLASSES = ("RRab", "Ecl", "DSct")


def default_data():
    """Small light curves of three classes (with periods and amplitudes).

    Returns
    -------
    X : LightCurves
        45 curves of 30 to 60 points.
    y : ndarray of str
    """
    from ..datasets import make_light_curves

    return make_light_curves(45, classes=_CLASSES, n_points=(30, 60), random_state=0)


def _kind(estimator):
    if hasattr(estimator, "fit_resample"):
        return "sampler"
    if hasattr(estimator, "predict_proba"):
        return "classifier"
    if hasattr(estimator, "transform"):
        return "transformer"
    raise TypeError(f"{type(estimator).__name__} has none of fit_resample, predict_proba "
                    "and transform; these checks are for light-curve samplers, classifiers "
                    "and transformers")


def _seeded(estimator, **params):
    """A clone with ``random_state=0`` (when it has one and none is set)."""
    est = clone(estimator)
    names = est.get_params(deep=False)
    if "random_state" in names and names["random_state"] is None:
        est.set_params(random_state=0)
    return est.set_params(**{k: v for k, v in params.items() if k in names})


def _fit_output(est, X, y):
    """Fit ``est`` and return what it makes of ``X``."""
    kind = _kind(est)
    if kind == "sampler":
        return est.fit_resample(X, y)
    est.fit(X, y)
    return est.predict_proba(X) if kind == "classifier" else est.transform(X)


def _output(est, X, y):
    """The output of an already fitted ``est`` (a sampler draws a fixed batch)."""
    kind = _kind(est)
    if kind == "sampler":
        prototypes = np.flatnonzero(est._fitted_mask)[:5]
        return est.sample(prototypes, random_state=0)
    return est.predict_proba(X) if kind == "classifier" else est.transform(X)


def _assert_same(a, b, what):
    if isinstance(a, LightCurves):
        assert isinstance(b, LightCurves), f"{what}: a LightCurves and a {type(b).__name__}"
        for name in ("offsets", "time", "mag", "err"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-7, atol=0,
                                       err_msg=f"{what}: {name} differ")
        pd.testing.assert_frame_equal(a.meta, b.meta, obj=f"{what}: meta")
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), f"{what}: outputs of different shape"
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{what} [{i}]")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=what)
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{what}: shapes {a.shape} and {b.shape}"
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=what)
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)


class _Run:
    """One seeded fit of an estimator, shared by the checks of one run.

    Networks take seconds to fit; :func:`check_light_curve_estimator` fits
    once for every check that only needs some fitted estimator, and again
    only where a check compares two fits.
    """

    def __init__(self, estimator, X, y):
        self.estimator, self.X, self.y = estimator, X, y
        self.before = _snapshot(X, y)  # taken before anything is fitted
        self._fit = None

    @property
    def fit(self):
        """``(fitted clone, what its fit returned, its output)``."""
        if self._fit is None:
            est = _seeded(self.estimator, n_jobs=1)
            returned = est.fit(self.X, self.y)
            if _kind(est) == "sampler":
                out = est.fit_resample(self.X, self.y)
            elif _kind(est) == "classifier":
                out = est.predict_proba(self.X)
            else:
                out = est.transform(self.X)
            self._fit = est, returned, out
        return self._fit


def _run(estimator, X, y, run):
    return _Run(estimator, X, y) if run is None else run


def check_clone_round_trip(estimator, X, y, *, run=None):
    """``clone`` keeps every parameter and forgets what ``fit`` learned."""
    est = _seeded(estimator)
    twin = clone(est)
    for name, value in est.get_params(deep=False).items():
        got = twin.get_params(deep=False)[name]
        if hasattr(value, "get_params"):
            assert type(got) is type(value), f"clone changed the type of {name}"
        else:
            assert got is value or repr(got) == repr(value), f"clone changed {name}"
    fitted = _run(estimator, X, y, run).fit[0]
    learned = [k for k in vars(clone(fitted)) if k.endswith("_") and not k.startswith("__")]
    assert not learned, f"clone of a fitted {type(est).__name__} keeps {learned}"


def check_fit_returns_self(estimator, X, y, *, run=None):
    """``fit`` returns the estimator itself."""
    est, returned, _ = _run(estimator, X, y, run).fit
    assert returned is est, f"{type(est).__name__}.fit does not return self"


def _snapshot(X, y):
    return (X.time.copy(), X.mag.copy(), X.err.copy(), X.offsets.copy(), X.meta.copy(deep=True),
            np.array(y, copy=True))


def check_input_not_mutated(estimator, X, y, *, run=None):
    """Fitting and predicting (or resampling) leave ``X`` and ``y`` unchanged."""
    run = _run(estimator, X, y, run)
    est = run.fit[0]
    _output(est, X, y)
    after = _snapshot(X, y)
    name = type(est).__name__
    for part, a, b in zip(("time", "mag", "err", "offsets"), run.before[:4], after[:4]):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} changed X.{part}")
    pd.testing.assert_frame_equal(run.before[4], after[4], obj=f"{name} changed X.meta")
    np.testing.assert_array_equal(run.before[5], after[5], err_msg=f"{name} changed y")


def check_same_seed_same_result(estimator, X, y, *, run=None):
    """Two fits with the same ``random_state`` give the same output."""
    first = _run(estimator, X, y, run).fit[2]
    second = _fit_output(_seeded(estimator, n_jobs=1), X, y)
    _assert_same(first, second, f"{type(estimator).__name__} with one seed, fitted twice")


def check_n_jobs_independence(estimator, X, y, *, run=None):
    """The output does not depend on ``n_jobs`` (skipped without the parameter).

    Two workers run in threads, which is enough to catch results that depend
    on how the work is cut into chunks, and starts no processes.
    """
    if "n_jobs" not in estimator.get_params(deep=False):
        return
    one = _run(estimator, X, y, run).fit[2]
    with parallel_config(backend="threading"):
        two = _fit_output(_seeded(estimator, n_jobs=2), X, y)
    _assert_same(one, two, f"{type(estimator).__name__} with n_jobs=1 and n_jobs=2")


def check_output(estimator, X, y, *, run=None):
    """What a fitted estimator returns is well formed.

    Classifiers: ``predict_proba`` has a column per ``classes_`` entry, rows
    that sum to 1, and ``predict`` is the class of the largest column.
    Samplers: ``fit_resample`` returns ``X`` followed by synthetics marked
    ``synthetic=True``, as many per class as ``sampling_strategy_`` says,
    each with its prototype's label and length. Transformers: one output
    row or curve per input curve.
    """
    est, _, out = _run(estimator, X, y, run).fit
    kind = _kind(est)
    name = type(est).__name__
    if kind == "classifier":
        proba = np.asarray(out)
        assert proba.shape == (len(X), len(est.classes_)), \
            f"{name}.predict_proba has shape {proba.shape}, expected ({len(X)}, n_classes)"
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5,
                                   err_msg=f"{name}: probability rows do not sum to 1")
        assert np.all(proba >= 0), f"{name}: negative probabilities"
        np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)],
                                      err_msg=f"{name}: predict is not classes_[argmax(proba)]")
    elif kind == "sampler":
        _check_resampled(est, X, y, *out)
    else:
        assert len(out) == len(X), f"{name}.transform returned {len(out)} rows for {len(X)} curves"


def _check_resampled(est, X, y, X_res, y_res):
    name = type(est).__name__
    X, y = as_light_curves(X), np.asarray(y)
    assert isinstance(X_res, LightCurves), f"{name}.fit_resample must return LightCurves"
    assert len(X_res) == len(y_res), f"{name}: {len(X_res)} curves but {len(y_res)} labels"
    n = len(X)
    np.testing.assert_array_equal(y_res[:n], y, err_msg=f"{name}: the originals come first")
    np.testing.assert_array_equal(X_res.lengths[:n], X.lengths)
    np.testing.assert_array_equal(X_res.mag[: X.offsets[-1]], X.mag)
    synthetic = X_res.meta["synthetic"].to_numpy(dtype=bool)
    assert not synthetic[:n].any() and synthetic[n:].all(), f"{name}: bad 'synthetic' column"
    added = {c: int(np.sum(y_res[n:] == c)) for c in np.unique(y)}
    wanted = {c: int(est.sampling_strategy_.get(c, 0)) for c in np.unique(y)}
    assert added == wanted, f"{name} added {added}, sampling_strategy_ says {wanted}"
    proto = X_res.meta["prototype"].to_numpy()[n:].astype(np.int64)
    np.testing.assert_array_equal(y_res[n:], y[proto], err_msg=f"{name}: labels of synthetics")
    np.testing.assert_array_equal(X_res.lengths[n:], X.lengths[proto],
                                  err_msg=f"{name}: synthetics have their prototype's length")


def check_pickle_round_trip(estimator, X, y, *, run=None):
    """A pickled and unpickled fitted estimator gives the same output."""
    est = _run(estimator, X, y, run).fit[0]
    twin = pickle.loads(pickle.dumps(est))
    _assert_same(_output(est, X, y), _output(twin, X, y),
                 f"{type(est).__name__} before and after pickling")


def _with_nan(X):
    """``X`` as a per-star DataFrame (what users load) with one NaN magnitude."""
    star = min(3, len(X) - 1)
    mags = [c.mag.copy() for c in X]
    mags[star][1] = np.nan
    frame = X.meta.copy()
    frame["time"] = [c.time for c in X]
    frame["mag"] = mags
    frame["err"] = [c.err for c in X]
    return frame, X.star_name(star)


def check_nan_input(estimator, X, y, *, run=None):
    """A NaN magnitude is refused with a ValueError that names the star."""
    frame, star = _with_nan(X)
    est = _seeded(estimator)
    try:
        _fit_output(est, frame, y)
    except ValueError as error:
        assert star in str(error), f"{type(est).__name__}: the NaN error does not name {star}: {error}"
    else:
        raise AssertionError(f"{type(est).__name__} accepted a NaN magnitude")


def check_empty_input(estimator, X, y, *, run=None):
    """No curves: a ValueError that says so (a transformer may return nothing)."""
    empty, y_empty = X[:0], np.asarray(y)[:0]
    est = _seeded(estimator)
    try:
        out = _fit_output(est, empty, y_empty)
    except ValueError as error:
        assert str(error), f"{type(est).__name__}: empty ValueError message"
        return
    assert _kind(est) == "transformer", f"{type(est).__name__} fitted on no curves without error"
    assert len(out) == 0, f"{type(est).__name__}.transform made {len(out)} rows of no curves"


def light_curve_checks(estimator):
    """The checks that apply to ``estimator``, in the order they run.

    Examples
    --------
    >>> from vsaug.augmentation import DuplicateAugmenter
    >>> from vsaug.utils.estimator_checks import light_curve_checks
    >>> [c.__name__ for c in light_curve_checks(DuplicateAugmenter())][:2]
    ['check_clone_round_trip', 'check_fit_returns_self']
    """
    _kind(estimator)
    checks = [check_clone_round_trip, check_fit_returns_self, check_input_not_mutated,
              check_same_seed_same_result, check_n_jobs_independence, check_output,
              check_pickle_round_trip, check_nan_input, check_empty_input]
    if "n_jobs" not in estimator.get_params(deep=False):
        checks.remove(check_n_jobs_independence)
    return checks


def check_light_curve_estimator(estimator, X=None, y=None):
    """Run every light-curve check on ``estimator``; raise on the first failure.

    The checks (see :func:`light_curve_checks`): clone round trip, ``fit``
    returns self, input not mutated, the same seed gives the same result,
    ``n_jobs`` does not change it, well-formed output (``predict_proba``
    rows summing to 1 in ``classes_`` order; ``fit_resample`` originals then
    synthetics as ``sampling_strategy_`` says; a row per curve from
    ``transform``), pickle round trip, and clear errors for NaN and empty
    input. An estimator whose ``random_state`` is None is checked with 0.

    Parameters
    ----------
    estimator : estimator
        Unfitted; it is cloned, never changed.
    X : LightCurves, optional
        Curves to check on (default: :func:`default_data`, 45 curves of
        three classes with ``period`` and ``amplitude``).
    y : array-like, optional
        Their labels.

    Raises
    ------
    AssertionError
        Naming the check and what broke.

    Examples
    --------
    >>> from vsaug.augmentation import DuplicateAugmenter
    >>> from vsaug.utils.estimator_checks import check_light_curve_estimator
    >>> check_light_curve_estimator(DuplicateAugmenter())
    """
    if X is None:
        X, y = default_data()
    X = as_light_curves(X)
    y = copy.copy(np.asarray(y))
    run = _Run(estimator, X, y)
    for check in light_curve_checks(estimator):
        try:
            check(estimator, X, y, run=run)
        except AssertionError as error:
            raise AssertionError(f"{check.__name__} failed for {type(estimator).__name__}: "
                                 f"{error}") from error
