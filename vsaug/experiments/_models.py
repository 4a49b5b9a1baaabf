"""The member kinds of the library's models, one registry entry each, and :func:`make_model`."""

from __future__ import annotations

from ..augmentation import GPLightCurveAugmenter
from ._profiles import resolve_profile

__all__ = ["MODELS", "ModelRegistry", "make_model"]


class ModelRegistry(dict):
    """Member kinds by name: ``name -> build(profile, *, random_state=None, verbose=0)``.

    A builder returns a fresh, unfitted classifier that takes
    :class:`~vsaug.LightCurves`, configured from a :class:`Profile`. The
    runner (``vsaug reproduce``), :func:`make_model` and the ``--model``
    choices of ``vsaug fit`` all read :data:`MODELS`, so a new member kind is
    one :meth:`register` call.

    Examples
    --------
    A logistic regression on the Fourier features, registered as a kind of
    its own and built into the library's cleaned, GP-bagged model:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from vsaug import PeriodicFeatures
    >>> from vsaug.experiments import MODELS, make_model
    >>> @MODELS.register("logistic")
    ... def logistic(profile, *, random_state=None, verbose=0):
    ...     return make_pipeline(PeriodicFeatures(),
    ...                          LogisticRegression(max_iter=500, random_state=random_state))
    >>> model = make_model("logistic", "demo", n_bags=2)
    >>> type(model[-1].estimator[-1]).__name__, model[-1].n_estimators
    ('LogisticRegression', 2)
    >>> del MODELS["logistic"]
    """

    def register(self, name, build=None):
        """Add a member kind; usable as ``@MODELS.register(name)``.

        Parameters
        ----------
        name : str
            The kind's name (``make_model(name)``, ``vsaug fit --model name``).
        build : callable, optional
            ``build(profile, *, random_state=None, verbose=0)`` returning an
            unfitted classifier. Omitted: return a decorator.

        Returns
        -------
        callable
            ``build`` (or the decorator).
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"a model kind needs a non-empty str name; got {name!r}")

        def add(func):
            if not callable(func):
                raise TypeError(f"the builder of model kind {name!r} must be callable")
            self[name] = func
            return func

        return add if build is None else add(build)

    def build(self, name, profile, *, random_state=None, verbose=0):
        """A fresh member of kind ``name`` with the profile's settings."""
        if name not in self:
            raise ValueError(
                f"model must be one of {', '.join(map(repr, self))}; got {name!r}"
            )
        return self[name](resolve_profile(profile), random_state=random_state, verbose=verbose)


#: The member kinds: ``fast`` (PeriodicFeatures + gradient boosting),
#: ``rnn`` (the multi-input RNN) and ``compound`` (the RNN+CNN network).
MODELS = ModelRegistry()


@MODELS.register("fast")
def _fast(profile, *, random_state=None, verbose=0):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from ..features import PeriodicFeatures

    return make_pipeline(
        PeriodicFeatures(),
        HistGradientBoostingClassifier(**profile.features, random_state=random_state),
    )


@MODELS.register("rnn")
def _rnn(profile, *, random_state=None, verbose=0):
    from ..rnn import MultiInputRNNClassifier

    return MultiInputRNNClassifier(**profile.rnn, random_state=random_state, verbose=verbose)


@MODELS.register("compound")
def _compound(profile, *, random_state=None, verbose=0):
    """Stage one trained inside, seeded by the compound's seed (unless given fitted later)."""
    from ..compound import CompoundRNNCNNClassifier
    from ..rnn import MultiInputRNNClassifier

    rnn = MultiInputRNNClassifier(**profile.rnn, verbose=verbose)
    return CompoundRNNCNNClassifier(rnn, **profile.compound, random_state=random_state,
                                    verbose=verbose)


def make_model(model="fast", profile="fast", *, n_bags=None, samples_per_class=None,
               epochs=None, learning_rate_schedule=None, error_model=None,
               cadence_subset=None, clean=True, n_jobs=None, random_state=None, verbose=0):
    """The library's classifier of one kind, ready to fit on raw light curves.

    Parameters
    ----------
    model : str, default="fast"
        A key of :data:`MODELS`: ``"fast"`` (``PeriodicFeatures`` + gradient
        boosting), ``"rnn"`` (the multi-input RNN), ``"compound"`` (the
        RNN+CNN), or a kind registered with ``MODELS.register``.
    profile : str or Profile, default="fast"
        A key of :data:`PROFILES` or a :class:`Profile`.
    n_bags, samples_per_class, epochs : int, optional
        Replace the profile's values.
    learning_rate_schedule : {"constant", "cosine"}, optional
        Replace the networks' learning-rate schedule.
    error_model : {"empirical", "nightly", "gp"}, optional
        Replace the GP synthetics' error model (see
        :class:`vsaug.GPLightCurveAugmenter`).
    cadence_subset : {"points", "nights"}, optional
        Replace how the synthetics' times are picked from a donor curve.
    clean : bool, default=True
        Put a :class:`vsaug.LightCurveCleaner` in front.
    n_jobs : int, optional
        Workers for cleaning and GP fits (bags train one after another).
    random_state : int, RandomState instance or None
    verbose : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``[("clean", LightCurveCleaner), ("ensemble", BaggingAugmentedEnsemble)]``
        (no ``clean`` step when ``clean=False``).

    Examples
    --------
    >>> from vsaug.experiments import make_model
    >>> pipe = make_model("fast", "demo", n_bags=2)
    >>> [name for name, _ in pipe.steps], pipe[-1].n_estimators
    (['clean', 'ensemble'], 2)
    """
    from sklearn.pipeline import Pipeline

    from ..ensemble import BaggingAugmentedEnsemble

    profile = resolve_profile(profile).with_overrides(
        n_bags=n_bags, samples_per_class=samples_per_class, epochs=epochs,
        learning_rate_schedule=learning_rate_schedule, error_model=error_model,
        cadence_subset=cadence_subset,
    )
    member = MODELS.build(model, profile, verbose=max(0, verbose - 1))
    ensemble = BaggingAugmentedEnsemble(
        member,
        augmenter=GPLightCurveAugmenter(**profile.augmenter, n_jobs=n_jobs),
        n_estimators=profile.n_bags,
        samples_per_class=profile.samples_per_class,
        random_state=random_state,
        verbose=verbose,
    )
    steps = [("ensemble", ensemble)]
    if clean:
        from ..cleaning import LightCurveCleaner

        steps.insert(0, ("clean", LightCurveCleaner(n_jobs=n_jobs)))
    return Pipeline(steps)
