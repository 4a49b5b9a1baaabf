"""How a GP synthetic gets its times, errors and noise: small objects by name.

:class:`~vsaug.GPLightCurveAugmenter` takes its ``error_model`` and
``cadence_subset`` as a name looked up in :data:`ERROR_MODELS` and
:data:`CADENCE_SUBSETS` (the way astropy's ``LombScargle`` picks an
implementation by ``method=``) or as an instance of :class:`ErrorModel` or
:class:`CadenceSubset`. A new model is one subclass, registered with
:func:`register_error_model` or :func:`register_cadence_subset` to be usable
by name (also from the command line's ``--error-model`` choices once
registered before the parser is built).

Every random draw is made by the sampler in a fixed order: donors, then the
cadence subset's sort keys (:meth:`CadenceSubset.keys`), then the phase
shifts and one truncated-normal deviate ``z`` per point, then whatever
:meth:`ErrorModel.draw` asks for. An error model that draws nothing extra
leaves every other model's draws unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from ._ragged import lengths_to_offsets, segment_mean, segment_sort
from .survey_noise import (
    _night_noise_ratios,
    _nights_per_curve,
    night_ids,
    night_keys,
    noise_to_error_ratio,
)

__all__ = [
    "ErrorModel",
    "GPErrorModel",
    "EmpiricalErrorModel",
    "NightlyErrorModel",
    "CadenceSubset",
    "PointsSubset",
    "NightsSubset",
    "ERROR_MODELS",
    "CADENCE_SUBSETS",
    "register_error_model",
    "register_cadence_subset",
    "get_error_model",
    "get_cadence_subset",
    "truncated_normal",
]

TRUNCATE = 3.0  # noise is truncated at this many sigma


def truncated_normal(rng, size):
    """Standard normal draws truncated at +-3 sigma (by inverse CDF).

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.synthesis import truncated_normal
    >>> z = truncated_normal(np.random.default_rng(0), 10_000)
    >>> bool(np.abs(z).max() <= 3.0), round(float(z.std()), 1)
    (True, 1.0)
    """
    uniform = rng.random(size)
    return ndtri(ndtr(-TRUNCATE) + uniform * (ndtr(TRUNCATE) - ndtr(-TRUNCATE)))


class ErrorModel:
    """Base class: the errors and noise of a batch of synthetic curves.

    Subclasses define :meth:`synthesize`, and :meth:`draw` when they need
    random numbers beyond the per-point deviates ``plan["z"]``. An instance
    must be picklable and hold only settings (it is a parameter value of
    the augmenter, cloned with it).

    Examples
    --------
    Errors equal to the prototypes' median error, noise of those errors:

    >>> import numpy as np
    >>> from vsaug import GPLightCurveAugmenter
    >>> from vsaug._ragged import segment_median
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.synthesis import ErrorModel
    >>> class MedianErrors(ErrorModel):
    ...     def synthesize(self, prototypes, mu, var, plan, *, night_gap):
    ...         median = segment_median(prototypes.err, prototypes.offsets)
    ...         err = np.repeat(median, prototypes.lengths)
    ...         return mu + plan["z"] * err, err
    >>> X, y = make_light_curves(20, classes=["RRab", "DSct"], random_state=0)
    >>> aug = GPLightCurveAugmenter(error_model=MedianErrors(), random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> S = X_res[y_res.size - 1]
    >>> bool(np.all(S.err == S.err[0]))
    True
    """

    def draw(self, plan, rng, *, night_gap):
        """Extra random draws of one batch, made after all common draws.

        Parameters
        ----------
        plan : dict
            The batch so far: ``prototypes``, ``donors``, ``offsets`` (of the
            synthetic curves), ``time`` (flat, sorted within each curve),
            ``shift`` and ``z`` (one truncated-normal deviate per point).
        rng : numpy.random.Generator
        night_gap : float
            The augmenter's gap between nights, in days.

        Returns
        -------
        dict
            Added to ``plan`` (default: nothing).
        """
        return {}

    def synthesize(self, prototypes, mu, var, plan, *, night_gap):
        """Magnitudes and errors of the synthetic curves.

        Parameters
        ----------
        prototypes : LightCurves
            The prototype of every synthetic, in order (as many points each
            as its synthetic).
        mu, var : ndarray of shape (n_points,)
            GP predictive mean (magnitude) and latent variance at the new
            phases, flat like ``plan["time"]``.
        plan : dict
            See :meth:`draw`, plus what it returned.
        night_gap : float

        Returns
        -------
        mag, err : ndarray of shape (n_points,)
        """
        raise NotImplementedError(f"{type(self).__name__} must define synthesize")

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()))
        return f"{type(self).__name__}({settings})"


class GPErrorModel(ErrorModel):
    """The paper's model: GP predictive deviations as errors and noise.

    The deviations, scaled so their mean equals the prototype's mean error,
    are the errors; Gaussian noise of those deviations (truncated at 3
    sigma) is added to the GP mean.
    """

    def synthesize(self, prototypes, mu, var, plan, *, night_gap):
        offsets = plan["offsets"]
        proto_err = segment_mean(prototypes.err, prototypes.offsets)
        err = _scaled_deviations(var, offsets, proto_err)
        return mu + plan["z"] * err, err


class EmpiricalErrorModel(ErrorModel):
    """The prototype's own errors by magnitude rank; noise at its measured ratio.

    The brightest synthetic point gets the error of the brightest real
    point, and so on; the noise is those errors times the prototype's
    noise-to-error ratio (:func:`vsaug.survey_noise.noise_to_error_ratio`).
    """

    def synthesize(self, prototypes, mu, var, plan, *, night_gap):
        err = _rank_matched_errors(prototypes, mu, plan["offsets"])
        noise = err * np.repeat(noise_to_error_ratio(prototypes), prototypes.lengths)
        return mu + plan["z"] * noise, err


class NightlyErrorModel(EmpiricalErrorModel):
    """Empirical errors; noise split into within-night scatter and night offsets.

    Both parts are the prototype's own
    (:func:`vsaug.survey_noise.within_night_ratio` and what the steps
    between phase neighbours of different nights add to it); every night
    of the synthetic shares one offset draw.
    """

    def draw(self, plan, rng, *, night_gap):
        time, offsets = plan["time"], plan["offsets"]
        night = night_ids(time, offsets, night_gap)
        first = lengths_to_offsets(_nights_per_curve(night, offsets))
        return {"night": np.repeat(first[:-1], np.diff(offsets)) + night,
                "z_night": truncated_normal(rng, int(first[-1]))}

    def synthesize(self, prototypes, mu, var, plan, *, night_gap):
        err = _rank_matched_errors(prototypes, mu, plan["offsets"])
        within, night_offset = _night_noise_ratios(prototypes, night_gap)
        lengths = prototypes.lengths
        noise = (plan["z"] * np.repeat(within, lengths)
                 + plan["z_night"][plan["night"]] * np.repeat(night_offset, lengths))
        return mu + err * noise, err


class CadenceSubset:
    """Base class: which of a donor's observation times a synthetic takes.

    :meth:`keys` gives every point of every donor a sort key; the sampler
    keeps, per donor, the points with the smallest keys (as many as the
    prototype has).

    Examples
    --------
    The donor's first observations in time, no randomness:

    >>> import numpy as np
    >>> from vsaug import GPLightCurveAugmenter
    >>> from vsaug.synthesis import CadenceSubset
    >>> class Earliest(CadenceSubset):
    ...     def keys(self, time, offsets, rng, *, night_gap):
    ...         return time
    >>> aug = GPLightCurveAugmenter(cadence_subset=Earliest())
    """

    def keys(self, time, offsets, rng, *, night_gap):
        """Sort keys of the donors' points.

        Parameters
        ----------
        time : ndarray of shape (n_points,)
            The donors' times, flat, one donor per synthetic.
        offsets : ndarray of shape (n_synthetic + 1,)
        rng : numpy.random.Generator
        night_gap : float

        Returns
        -------
        ndarray of shape (n_points,)
        """
        raise NotImplementedError(f"{type(self).__name__} must define keys")

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()))
        return f"{type(self).__name__}({settings})"


class PointsSubset(CadenceSubset):
    """A uniformly random subset of the donor's observations."""

    def keys(self, time, offsets, rng, *, night_gap):
        return rng.random(time.size)


class NightsSubset(CadenceSubset):
    """Whole nights of the donor in random order, the last one cut short."""

    def keys(self, time, offsets, rng, *, night_gap):
        return night_keys(time, offsets, rng, night_gap)


#: Error models by name: what ``GPLightCurveAugmenter(error_model=name)`` uses.
ERROR_MODELS = {"empirical": EmpiricalErrorModel, "nightly": NightlyErrorModel,
                "gp": GPErrorModel}
#: Cadence subsets by name: what ``GPLightCurveAugmenter(cadence_subset=name)`` uses.
CADENCE_SUBSETS = {"points": PointsSubset, "nights": NightsSubset}


def _register(registry, base, what, name, cls, overwrite):
    if not isinstance(name, str) or not name:
        raise TypeError(f"a {what} name must be a non-empty str, got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise TypeError(f"a {what} must be a subclass of vsaug.synthesis.{base.__name__}, "
                        f"got {cls!r}")
    if name in registry and registry[name] is not cls and not overwrite:
        raise ValueError(f"{what} {name!r} is already registered ({registry[name].__name__}); "
                         "pass overwrite=True to replace it")
    registry[name] = cls
    return cls


def register_error_model(name, cls, *, overwrite=False):
    """Make ``GPLightCurveAugmenter(error_model=name)`` use ``cls()``.

    Parameters
    ----------
    name : str
    cls : subclass of ErrorModel
        Constructed without arguments when the name is used.
    overwrite : bool, default=False
        Replace a model already registered under ``name``.

    Returns
    -------
    cls

    Examples
    --------
    >>> from vsaug.synthesis import ERROR_MODELS, GPErrorModel, register_error_model
    >>> class PaperErrors(GPErrorModel):
    ...     pass
    >>> _ = register_error_model("paper", PaperErrors)
    >>> "paper" in ERROR_MODELS
    True
    >>> del ERROR_MODELS["paper"]
    """
    return _register(ERROR_MODELS, ErrorModel, "error model", name, cls, overwrite)


def register_cadence_subset(name, cls, *, overwrite=False):
    """Make ``GPLightCurveAugmenter(cadence_subset=name)`` use ``cls()``.

    See :func:`register_error_model`.

    Examples
    --------
    >>> from vsaug.synthesis import CADENCE_SUBSETS, PointsSubset, register_cadence_subset
    >>> _ = register_cadence_subset("uniform", PointsSubset)
    >>> sorted(CADENCE_SUBSETS)
    ['nights', 'points', 'uniform']
    >>> del CADENCE_SUBSETS["uniform"]
    """
    return _register(CADENCE_SUBSETS, CadenceSubset, "cadence subset", name, cls, overwrite)


def _lookup(registry, base, parameter, value):
    if isinstance(value, base):
        return value
    if isinstance(value, str) and value in registry:
        return registry[value]()
    raise ValueError(f"{parameter} must be one of {sorted(registry)} or a "
                     f"vsaug.synthesis.{base.__name__} instance; got {value!r}")


def get_error_model(value):
    """The :class:`ErrorModel` that ``error_model=value`` means.

    Examples
    --------
    >>> from vsaug.synthesis import get_error_model
    >>> get_error_model("gp")
    GPErrorModel()
    """
    return _lookup(ERROR_MODELS, ErrorModel, "error_model", value)


def get_cadence_subset(value):
    """The :class:`CadenceSubset` that ``cadence_subset=value`` means.

    Examples
    --------
    >>> from vsaug.synthesis import get_cadence_subset
    >>> get_cadence_subset("nights")
    NightsSubset()
    """
    return _lookup(CADENCE_SUBSETS, CadenceSubset, "cadence_subset", value)


def _scaled_deviations(var, offsets, mean_err):
    """GP predictive deviations scaled so each curve's mean is ``mean_err``."""
    lengths = np.diff(offsets)
    sd = np.sqrt(var)
    # Keep every error positive even where the GP is (numerically) certain.
    floor = 1e-6 * np.maximum(np.maximum.reduceat(sd, offsets[:-1]), 1e-300)
    sd = np.maximum(sd, np.repeat(floor, lengths))
    return sd * np.repeat(mean_err / segment_mean(sd, offsets), lengths)


def _rank_matched_errors(prototypes, mu, offsets):
    """The prototypes' own errors matched by magnitude rank to the GP means.

    Every synthetic has as many points as its prototype, so sorting both
    within each curve pairs them one to one.
    """
    real = prototypes.mag.astype(np.float64)
    err_by_mag = prototypes.err.astype(np.float64)[segment_sort(real, offsets)]
    err = np.empty_like(err_by_mag)
    err[segment_sort(mu, offsets)] = err_by_mag
    return err
