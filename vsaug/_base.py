"""Mixins every vsaug estimator shares: its input tags and, for transformers of
light curves into light curves, scikit-learn's output API.

vsaug's estimators take :class:`~vsaug.LightCurves`, not 2-D arrays, and say
so in their tags (scikit-learn's :func:`~sklearn.utils.estimator_checks.check_estimator`
then skips its array checks). A transformer whose output is again
``LightCurves`` (:class:`~vsaug.LightCurveCleaner`, :class:`~vsaug.PeriodFinder`)
has no table to put in a DataFrame: it accepts ``set_output`` as a no-op and
passes feature names through, so that a :class:`~sklearn.pipeline.Pipeline`
that starts with it still configures and names the table its later steps make.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import TransformerMixin

__all__ = ["LightCurveInputMixin", "LightCurveTransformerMixin"]

#: What scikit-learn's ``set_output(transform=...)`` accepts.
_OUTPUT_CONTAINERS = ("default", "pandas", "polars")


class LightCurveInputMixin:
    """Input tags of an estimator that takes light curves, not a 2-D array.

    Put it first among the bases of your own member, transformer or sampler
    of :class:`~vsaug.LightCurves`.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator, ClassifierMixin
    >>> from sklearn.utils import get_tags
    >>> from vsaug._base import LightCurveInputMixin
    >>> class MyMember(LightCurveInputMixin, ClassifierMixin, BaseEstimator):
    ...     pass
    >>> get_tags(MyMember()).input_tags.two_d_array
    False
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # X is LightCurves: no 2-D, sparse or DataFrame input checks apply.
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        if hasattr(tags.input_tags, "dataframe"):  # imbalanced-learn's input tags
            tags.input_tags.dataframe = False
        return tags


class LightCurveTransformerMixin(LightCurveInputMixin, TransformerMixin):
    """A stateless transformer of light curves into light curves.

    ``fit`` only validates (the tags say ``requires_fit=False``). The output
    is ``LightCurves``, never wrapped in a DataFrame, whatever
    ``set_output`` or ``sklearn.set_config(transform_output=...)`` say:
    ``set_output`` is accepted so that ``Pipeline.set_output`` reaches the
    steps after this one, and ``get_feature_names_out`` passes the names it
    is given through, so that ``pipeline[:-1].get_feature_names_out()``
    names the columns of the first step that makes a table.

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from vsaug import LightCurveCleaner, PeriodicFeatures
    >>> from vsaug.datasets import make_light_curves
    >>> X, y = make_light_curves(60, classes=["RRab", "Ecl"], random_state=0)
    >>> pipe = make_pipeline(LightCurveCleaner(), PeriodicFeatures(),
    ...                      HistGradientBoostingClassifier(max_iter=5))
    >>> pipe = pipe.set_output(transform="pandas").fit(X, y)
    >>> type(pipe[:-1].transform(X)).__name__, pipe[:-1].get_feature_names_out()[:2].tolist()
    ('DataFrame', ['log_period', 'amplitude'])
    """

    def __init_subclass__(cls, auto_wrap_output_keys=None, **kwargs):
        # None: scikit-learn must never try to put LightCurves in a DataFrame.
        super().__init_subclass__(auto_wrap_output_keys=auto_wrap_output_keys, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def set_output(self, *, transform=None):
        """Accept an output container; the output stays ``LightCurves``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            Checked, then ignored: light curves are not a table.

        Returns
        -------
        self
        """
        if transform is not None and transform not in _OUTPUT_CONTAINERS:
            raise ValueError(
                f"{type(self).__name__}.set_output: transform must be one of "
                f"{list(_OUTPUT_CONTAINERS)} or None, got {transform!r}"
            )
        return self

    def get_feature_names_out(self, input_features=None):
        """The names given, unchanged (the output is light curves, not columns).

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        ndarray of str
            ``input_features`` as an object array; empty when None.
        """
        if input_features is None:
            return np.zeros(0, dtype=object)
        return np.asarray(input_features, dtype=object)
