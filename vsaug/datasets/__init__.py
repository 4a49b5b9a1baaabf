"""Light-curve data sets: survey readers, the CRTS writer and a synthetic CRTS-like generator.

:func:`read_survey` reads a survey folder by format name (``"crts"`` first;
:func:`register_survey_reader` adds others); :func:`load_crts` is the CRTS
reader itself and :func:`write_crts_folder` its inverse. Readers return
``(X, y)``: ``X`` a :class:`~vsaug.LightCurves` with per-star scalars
(``period``, ``amplitude``, ...) in ``X.meta`` and every curve sorted by
time, ``y`` an object array of class labels.

Examples
--------
>>> from vsaug.datasets import make_light_curves, CRTS_CLASSES
>>> X, y = make_light_curves(200, random_state=0)
>>> len(X), len(set(y)) == len(CRTS_CLASSES)
(200, True)
"""

from ._crts import CRTS_CLASS_COUNTS, CRTS_CLASSES, load_crts
from ._examples import load_example_data
from ._select import subsample_classes
from ._survey import SURVEY_READERS, read_survey, register_survey_reader, write_crts_folder
from ._synthetic import make_light_curves

__all__ = [
    "CRTS_CLASSES",
    "CRTS_CLASS_COUNTS",
    "load_crts",
    "load_example_data",
    "make_light_curves",
    "read_survey",
    "register_survey_reader",
    "SURVEY_READERS",
    "subsample_classes",
    "write_crts_folder",
]
