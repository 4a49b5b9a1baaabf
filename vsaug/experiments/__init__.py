"""The experiments of the method's paper as a resumable run (``vsaug reproduce``).

A run lives in one directory. Every stage (data split, cleaning, GP fits,
the augmented validation set, each bag of each experiment and each bag's
predictions) writes its result to its own file, atomically (a temporary file
renamed into place), and is skipped when that file already exists and loads;
a file that does not load (damaged outside vsaug) is reported and its stage
recomputed. An interrupted run therefore resumes where it stopped when
started again with the same directory. Each experiment is a
:class:`~vsaug.BaggingAugmentedEnsemble` trained bag by bag
(``fit_bag``), one member file per bag, its networks backed up after every
epoch; :func:`carry_run` copies what a run needs to resume on another
machine or in a later session. ``manifest.json`` records the
settings a run's files depend on; a rerun with different settings is refused
rather than mixed. ``progress.log`` has one timestamped line per stage
started, finished, skipped or found damaged; ``timings.json`` the wall time
of every stage.

The experiments (DESIGN 1.3-1.6; the split is a stratified 6:1:3 with a
fixed seed, the validation part GP-augmented to the largest class, the test
part never augmented):

========================  ====================================================
``rnn``                   multi-input RNN, bagging-like ensemble of GP-augmented
                          bags of ``samples_per_class`` per class
``rnn_equal``             one RNN, every class GP-augmented to the largest
``rnn_weighted``          one RNN, small classes GP-augmented to
                          ``samples_per_class``, balanced class weights
``compound``              compound RNN+CNN ensemble; bag ``k`` starts from the
                          RNN of bag ``k`` when ``rnn`` runs too
``fast``                  ensemble of ``PeriodicFeatures`` + gradient boosting
========================  ====================================================

Every ensemble uses the same bags: bag ``k`` of every experiment holds the
same real and synthetic curves, so the experiments differ only in the model.
Members' seeds derive from the experiment's name, so adding an experiment
changes no other experiment's results. When both ``rnn`` and ``fast`` run,
the report adds their 50/50 blend.

Hyperparameters come from one table, :data:`PROFILES`: ``paper`` is DESIGN
1.4/1.5 exactly; ``fast`` the recommended CPU setting; ``demo`` the tiny one
behind ``vsaug demo`` and the tests. Member kinds come from one registry,
:data:`MODELS`; the recommended stacked model is :func:`make_best_model`
(``make_model("best")``).

Examples
--------
>>> from vsaug.experiments import EXPERIMENTS, MODELS
>>> list(MODELS), EXPERIMENTS["compound"].model
(['fast', 'rnn', 'compound'], 'compound')
"""

from ..datasets import write_crts_folder  # its old home; kept importable from here
from ._models import (BEST_MEMBERS, BEST_RNN_BAGS, MODELS, STACKED_MODELS, ModelRegistry, make_best_model,
                      make_model, stacking_members)
from ._profiles import EXPERIMENTS, PAPER_RESULTS, PROFILES, Experiment, Profile
from ._report import publish_report, render_report
from ._carry import carry_run
from ._run import ExperimentRun, run_experiments
from ._stages import DamagedFileWarning

__all__ = [
    "Profile",
    "PROFILES",
    "Experiment",
    "EXPERIMENTS",
    "PAPER_RESULTS",
    "MODELS",
    "ModelRegistry",
    "ExperimentRun",
    "DamagedFileWarning",
    "run_experiments",
    "carry_run",
    "make_model",
    "STACKED_MODELS",
    "BEST_MEMBERS",
    "BEST_RNN_BAGS",
    "make_best_model",
    "stacking_members",
    "write_crts_folder",
    "render_report",
    "publish_report",
]
