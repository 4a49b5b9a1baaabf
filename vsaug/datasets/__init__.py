"""Light-curve data sets: the CRTS reader and a synthetic CRTS-like generator.

Both return ``(X, y)``: ``X`` a :class:`~vsaug.LightCurves` with per-star
scalars (``period``, ``amplitude``, ...) in ``X.meta`` and every curve sorted
by time, ``y`` an object array of class labels.

Examples
--------
>>> from vsaug.datasets import make_light_curves, CRTS_CLASSES
>>> X, y = make_light_curves(200, random_state=0)
>>> len(X), len(set(y)) == len(CRTS_CLASSES)
(200, True)
"""

from ._crts import CRTS_CLASS_COUNTS, CRTS_CLASSES, load_crts
from ._select import subsample_classes
from ._synthetic import make_light_curves

__all__ = [
    "CRTS_CLASSES",
    "CRTS_CLASS_COUNTS",
    "load_crts",
    "make_light_curves",
    "subsample_classes",
]
