"""vsaug: imbalanced classification of periodic variable stars.

Light curves travel through every estimator as :class:`LightCurves`. Public
names are imported on first use (PEP 562), and the Keras networks import
TensorFlow only when they are built, so ``import vsaug`` stays fast.

Examples
--------
>>> import vsaug
>>> from vsaug.datasets import make_light_curves
>>> X, y = make_light_curves(100, random_state=0)
>>> X.shape, sorted(set(y))[:3]
((100,), ['ACEP', 'Blazhko', 'CepII'])
"""

from importlib import import_module

from .lightcurves import MIN_POINTS, LightCurve, LightCurves, as_light_curves

__version__ = "0.1.0"

# public name -> submodule that defines it
_LAZY = {
    "LightCurveCleaner": "cleaning",
    "PeriodFinder": "periods",
    "GPLightCurveAugmenter": "augmentation",
    "DuplicateAugmenter": "augmentation",
    "BaggingAugmentedEnsemble": "ensemble",
    "PeriodicFeatures": "features",
    "FoldResidualFeatures": "fold_residuals",
    "HoldoutStackingClassifier": "stacking",
    "MultiInputRNNClassifier": "rnn",
    "CompoundRNNCNNClassifier": "compound",
    "render_phase_images": "images",
    "save": "persistence",
    "load": "persistence",
}
_SUBMODULES = ("datasets", "metrics", "plotting", "folding", "images", "persistence")

__all__ = ["MIN_POINTS", "LightCurve", "LightCurves", "as_light_curves", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vsaug' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
