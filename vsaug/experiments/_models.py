"""The member kinds of the library's models, one registry entry each, and :func:`make_model`."""

from __future__ import annotations

from ..augmentation import GPLightCurveAugmenter
from ._profiles import resolve_profile

__all__ = ["BEST_MEMBERS", "MODELS", "ModelRegistry", "STACKED_MODELS", "make_best_model",
           "make_model", "stacking_members", "BEST_RNN_BAGS"]


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
               cadence_subset=None, clean=True, memory=None, n_jobs=None, random_state=None,
               verbose=0):
    """The library's classifier of one kind, ready to fit on raw light curves.

    Parameters
    ----------
    model : str, default="fast"
        A key of :data:`MODELS`: ``"fast"`` (``PeriodicFeatures`` + gradient
        boosting), ``"rnn"`` (the multi-input RNN), ``"compound"`` (the
        RNN+CNN), or a kind registered with ``MODELS.register``: bagged
        members. A key of :data:`STACKED_MODELS` (``"best"``) builds that
        composite instead (see :func:`make_best_model`).
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
    memory : str or None, default=None
        Cache folder of the GP fits (``GPLightCurveAugmenter(memory=...)``):
        models fitted on the same stars then fit each prototype once.
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

    if model in STACKED_MODELS:
        if any(v is not None for v in (epochs, learning_rate_schedule, error_model,
                                       cadence_subset)):
            raise ValueError(f"model={model!r} is a stacked model: it takes n_bags, "
                             "samples_per_class, clean, memory, n_jobs, random_state and "
                             "verbose; set the other settings in the profile")
        return STACKED_MODELS[model](profile, n_bags=n_bags,
                                     samples_per_class=samples_per_class, clean=clean,
                                     memory=memory, n_jobs=n_jobs,
                                     random_state=random_state, verbose=verbose)
    profile = resolve_profile(profile).with_overrides(
        n_bags=n_bags, samples_per_class=samples_per_class, epochs=epochs,
        learning_rate_schedule=learning_rate_schedule, error_model=error_model,
        cadence_subset=cadence_subset,
    )
    member = MODELS.build(model, profile, verbose=max(0, verbose - 1))
    ensemble = BaggingAugmentedEnsemble(
        member,
        augmenter=GPLightCurveAugmenter(**profile.augmenter, memory=memory, n_jobs=n_jobs),
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


# ----------------------------------------------------------- stacked models
#: Members of the recommended model: of the 15 combinations of the four
#: :func:`stacking_members`, the best mean of balanced accuracy and macro F1
#: on the CRTS validation part, seed 0 (``benchmarks/bench_best_model.py``;
#: docs/results/best/README.md gives every combination's scores).
BEST_MEMBERS = ("periodic", "fold", "rnn")
#: Bags of the RNN member of the recommended model (each about 8 min on 2
#: CRTS cores with the ``fast`` profile).
BEST_RNN_BAGS = 3


def stacking_members(profile="fast", *, names=None, n_bags=None, rnn_bags=BEST_RNN_BAGS,
                     samples_per_class=None, memory=None, n_jobs=None, verbose=0):
    """The candidate members of a stacked model, unfitted, for cleaned curves.

    Parameters
    ----------
    profile : str or Profile, default="fast"
        Settings of the bagged members and of the gradient boosting.
    names : sequence of str, optional
        Which candidates, in this order (default: all four):

        - ``"fast"``: the fast model's bagging ensemble (GP-augmented bags of
          ``PeriodicFeatures`` + gradient boosting);
        - ``"periodic"``: ``PeriodicFeatures`` + gradient boosting with
          balanced class weights on the real curves only;
        - ``"fold"``: the same with :class:`~vsaug.FoldResidualFeatures`
          beside ``PeriodicFeatures`` (secondary period, season stability,
          odd/even minima);
        - ``"rnn"``: the multi-input RNN's bagging ensemble.
    n_bags : int, optional
        Bags of the ``"fast"`` ensemble (default: the profile's).
    rnn_bags : int, default=BEST_RNN_BAGS
        Bags of the ``"rnn"`` ensemble.
    samples_per_class : int, optional
        Curves per class in every bag of both ensembles.
    memory : str or None, default=None
        GP fit cache shared by both ensembles (see :func:`make_model`).
    n_jobs : int, optional
        Workers for GP fits and the secondary-period search.
    verbose : int, default=0

    Returns
    -------
    list of (str, estimator)
        Ready for :class:`~vsaug.HoldoutStackingClassifier`.

    Examples
    --------
    >>> from vsaug.experiments import stacking_members
    >>> [name for name, _ in stacking_members("demo")]
    ['fast', 'periodic', 'fold', 'rnn']
    """
    builders = {
        "fast": lambda: make_model("fast", profile, n_bags=n_bags,
                                   samples_per_class=samples_per_class, clean=False,
                                   memory=memory, n_jobs=n_jobs, verbose=verbose)[-1],
        "periodic": lambda: _balanced_features(profile, fold=False, n_jobs=n_jobs),
        "fold": lambda: _balanced_features(profile, fold=True, n_jobs=n_jobs),
        "rnn": lambda: make_model("rnn", profile, n_bags=rnn_bags,
                                  samples_per_class=samples_per_class, clean=False,
                                  memory=memory, n_jobs=n_jobs, verbose=verbose)[-1],
    }
    names = list(builders) if names is None else list(names)
    unknown = sorted(set(names) - set(builders))
    if unknown:
        raise ValueError(f"unknown stacking members {unknown}; choose from {sorted(builders)}")
    return [(name, builders[name]()) for name in names]


def _balanced_features(profile, *, fold, n_jobs):
    """Features (with the fold-residual ones when ``fold``) + class-weighted boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline, make_union

    from ..features import PeriodicFeatures
    from ..fold_residuals import FoldResidualFeatures

    features = (make_union(PeriodicFeatures(), FoldResidualFeatures(n_jobs=n_jobs))
                if fold else PeriodicFeatures())
    boosting = HistGradientBoostingClassifier(**resolve_profile(profile).features,
                                              class_weight="balanced")
    return make_pipeline(features, boosting)


def make_best_model(profile="fast", *, n_bags=None, samples_per_class=None, clean=True,
                    memory=None, n_jobs=None, random_state=None, verbose=0):
    """The recommended classifier: cleaning, then a stacked model of :data:`BEST_MEMBERS`.

    A :class:`~vsaug.HoldoutStackingClassifier` whose members (see
    :func:`stacking_members`) are fitted on 6/7 of the stars and combined by
    :class:`~vsaug.stacking.LogLinearPooling` fitted on the other 1/7, with
    the prior weight chosen there out of fold. ``vsaug fit --model best``
    builds it.

    Parameters
    ----------
    profile : str or Profile, default="fast"
    n_bags : int, optional
        Bags of every bagged member (default: :data:`BEST_RNN_BAGS` for the
        RNN ensemble, the profile's for the fast one).
    samples_per_class : int, optional
        Curves per class in every bag (default: the profile's).
    clean : bool, default=True
        Put a :class:`vsaug.LightCurveCleaner` in front.
    memory : str or None, default=None
        GP fit cache shared by the bagged members.
    n_jobs : int, optional
    random_state : int, RandomState instance or None
    verbose : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``[("clean", LightCurveCleaner), ("stack", HoldoutStackingClassifier)]``.

    Examples
    --------
    >>> from vsaug.experiments import BEST_MEMBERS, make_best_model
    >>> model = make_best_model("demo")
    >>> [name for name, _ in model[-1].estimators] == list(BEST_MEMBERS)
    True
    """
    from sklearn.pipeline import Pipeline

    from ..stacking import HoldoutStackingClassifier

    members = stacking_members(profile, names=BEST_MEMBERS, n_bags=n_bags,
                               rnn_bags=BEST_RNN_BAGS if n_bags is None else n_bags,
                               samples_per_class=samples_per_class, memory=memory,
                               n_jobs=n_jobs, verbose=max(0, verbose - 1))
    steps = [("stack", HoldoutStackingClassifier(members, random_state=random_state,
                                                 verbose=verbose))]
    if clean:
        from ..cleaning import LightCurveCleaner

        steps.insert(0, ("clean", LightCurveCleaner(n_jobs=n_jobs)))
    return Pipeline(steps)


#: Composite models by name (``make_model(name)``, ``vsaug fit --model name``):
#: ``name -> build(profile, *, n_bags, samples_per_class, clean, memory, n_jobs,
#: random_state, verbose)`` returning a pipeline.
STACKED_MODELS = {"best": make_best_model}
