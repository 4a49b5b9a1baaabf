"""Combine the probabilities of several light-curve classifiers with a learnt combiner.

The feature model and the networks see different representations of a
curve (a table of features, the folded sequence, an image) and make
different mistakes. Averaging their probabilities treats them as equally
good for every class; :class:`HoldoutStackingClassifier` instead learns how
much to trust each member for each class from predictions on stars the
members did not see, as scikit-learn's ``StackingClassifier`` does, but with
one held-out part instead of k-fold refits (a network ensemble takes hours
to fit; fitting it k + 1 times is not an option).

Balanced bags train their members on equal class priors: good for recall
of the small classes, bad for their precision, because a rare class's
probability is inflated by the ratio of the priors. The combiner is fitted
on the held-out part's natural class mix, and ``prior_weight`` sets where
the final decision stands between the two (see
:class:`HoldoutStackingClassifier`, Notes).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import cross_val_predict
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import LightCurveInputMixin
from ._progress import progress_bar
from .ensemble import _seed_member
from ._random import child_seeds
from ._validation import check_labels
from .lightcurves import as_light_curves

__all__ = ["HoldoutStackingClassifier", "LogLinearPooling", "PRIOR_WEIGHTS"]

_FLOOR = 1e-6  # probabilities are clipped here before the log: a member's 0 is not -inf
#: Candidates of ``prior_weight="auto"``.
PRIOR_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


class HoldoutStackingClassifier(LightCurveInputMixin, ClassifierMixin, BaseEstimator):
    """Members fitted on part of the data, a combiner fitted on their held-out probabilities.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named light-curve classifiers with ``predict_proba`` (e.g. a
        :class:`~vsaug.BaggingAugmentedEnsemble` of the feature model and
        one of the RNN). Each is cloned and fitted on the same stars. A
        member wrapped in :class:`sklearn.frozen.FrozenEstimator` is used as
        it was fitted (neither refitted nor reseeded): the way to reuse a
        member that took hours, as long as it never saw the stars held out
        here (see ``holdout_index_``; the split depends only on ``y``,
        ``validation_fraction`` and ``random_state``).
    final_estimator : classifier, default=None
        Fitted on the members' log-probabilities of the held-out stars;
        ``None`` is :class:`LogLinearPooling` (one weight per member and one
        bias per class, ``n_members + n_classes`` parameters); a multinomial
        ``LogisticRegression`` learns a weight per member, class and output
        class instead, far more parameters for the same held-out stars.
    validation_fraction : float, default=1/7
        Share of the stars (stratified) held out from the members for the
        combiner: 1/7 is the validation share of the 6:1:3 split.
    prior_weight : float in [0, 1] or "auto", default="auto"
        How far the decision moves from the held-out part's natural class
        mix towards equal priors (see Notes). ``"auto"`` picks it from
        :data:`PRIOR_WEIGHTS` by out-of-fold predictions of the combiner on
        the held-out part (5-fold, fewer when a class has fewer held-out
        stars), maximising the mean of balanced accuracy and macro F1; with
        under two held-out stars in some class it is 0.5.
    random_state : int, RandomState instance or None, default=None
        The held-out split and the members' seeds: every ``random_state``
        parameter of a member (nested ones included) gets a seed drawn from
        it, as :class:`~vsaug.BaggingAugmentedEnsemble` seeds its members.
    verbose : int, default=0
        A progress line per member.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members, in the order of ``estimators``.
    final_estimator_ : classifier
        The fitted combiner.
    classes_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
        Class frequencies of the held-out part.
    prior_weight_ : float
        The prior weight in use (the chosen one for ``"auto"``).
    holdout_index_ : ndarray of int
        Positions (in the training ``X``) of the held-out stars.

    Notes
    -----
    With ``q(c | x)`` the combiner's probabilities (calibrated to the
    held-out class mix ``pi``), the output is
    ``p(c | x) ~ q(c | x) * pi_c ** -prior_weight``, normalised: 0 keeps the
    natural priors (the most accurate decision overall, the best precision
    of the rare classes), 1 divides them out (equal priors, what balanced
    accuracy rewards, the best recall of the rare classes). Members see
    ``1 - validation_fraction`` of the stars; they are not refitted on the
    held-out part, so the combiner's weights stay valid for them.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from vsaug import PeriodicFeatures
    >>> from vsaug.datasets import make_light_curves
    >>> from vsaug.stacking import HoldoutStackingClassifier
    >>> X, y = make_light_curves(400, random_state=0)
    >>> model = HoldoutStackingClassifier(
    ...     [("tree", make_pipeline(PeriodicFeatures(), DecisionTreeClassifier(max_depth=6))),
    ...      ("linear", make_pipeline(PeriodicFeatures(), StandardScaler(),
    ...                               LogisticRegression(max_iter=300)))],
    ...     random_state=0).fit(X, y)
    >>> model.predict_proba(X[:3]).shape == (3, len(model.classes_))
    True
    """

    _parameter_constraints = {
        "estimators": [list],
        "final_estimator": [HasMethods(["fit", "predict_proba"]), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "prior_weight": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, estimators, *, final_estimator=None, validation_fraction=1 / 7,
                 prior_weight="auto", random_state=None, verbose=0):
        self.estimators = estimators
        self.final_estimator = final_estimator
        self.validation_fraction = validation_fraction
        self.prior_weight = prior_weight
        self.random_state = random_state
        self.verbose = verbose

    def _check_members(self):
        if not self.estimators:
            raise ValueError("estimators is empty: give a list of (name, classifier) pairs")
        names = []
        for item in self.estimators:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise TypeError(f"estimators must be (name, classifier) pairs, got {item!r}")
            if not hasattr(item[1], "predict_proba"):
                raise TypeError(f"member {item[0]!r} ({type(item[1]).__name__}) has no "
                                "predict_proba; the combiner needs probabilities")
            names.append(item[0])
        if len(set(names)) != len(names):
            raise ValueError(f"member names must be unique, got {names}")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the members on the stars not held out, then the combiner on the held-out ones.

        Parameters
        ----------
        X : LightCurves or convertible
        y : array-like of shape (n_curves,)

        Returns
        -------
        self
        """
        self._check_members()
        X = as_light_curves(X)
        y = check_labels(y, len(X), min_classes=2, estimator="HoldoutStackingClassifier")
        classes = np.unique(y)
        seeds = child_seeds(self.random_state, len(self.estimators) + 1)
        # child_seeds' first draw does not depend on how many follow: holdout_split agrees.
        fit_index, hold_index = _stratified_holdout(y, self.validation_fraction, int(seeds[0]))
        self.classes_ = classes
        self.estimators_ = []
        bar = progress_bar(len(self.estimators), desc="stacked members", unit="member",
                           verbose=self.verbose)
        for (name, est), seed in zip(self.estimators, seeds[1:]):
            # A FrozenEstimator is used as fitted: its seeds are part of what was fitted.
            member = (est if isinstance(est, FrozenEstimator)
                      else _seed_member(clone(est), int(seed)))  # nested random_states too
            self.estimators_.append(member.fit(X.take(fit_index), y[fit_index]))
            bar.update(1)
        bar.close()
        Z = self._stack(X.take(hold_index))
        y_hold = y[hold_index]
        combiner = (LogLinearPooling() if self.final_estimator is None
                    else clone(self.final_estimator))
        self.class_prior_ = np.bincount(np.searchsorted(classes, y_hold),
                                        minlength=classes.size) / y_hold.size
        self.prior_weight_ = (self._choose_prior_weight(combiner, Z, y_hold)
                              if self.prior_weight == "auto" else float(self.prior_weight))
        self.final_estimator_ = combiner.fit(Z, y_hold)
        self.holdout_index_ = hold_index
        return self

    def holdout_split(self, y):
        """Positions of the stars the members are fitted on and of those held out.

        The split :meth:`fit` makes for these labels (with an int or ``None``
        ``random_state``: a ``RandomState`` instance moves on between calls).
        Use it to fit a slow member once on the first part and pass it
        wrapped in :class:`sklearn.frozen.FrozenEstimator`.

        Parameters
        ----------
        y : array-like of shape (n_curves,)
            The labels ``fit`` will get.

        Returns
        -------
        fit_index, holdout_index : ndarray of int
            Sorted positions into ``y``; every class is in both.

        Examples
        --------
        >>> from vsaug.stacking import HoldoutStackingClassifier
        >>> y = ["a"] * 14 + ["b"] * 7
        >>> fit_index, hold = HoldoutStackingClassifier([], random_state=0).holdout_split(y)
        >>> len(fit_index), [y[i] for i in hold]
        (18, ['a', 'a', 'b'])
        """
        y = check_labels(y, None, min_classes=2, estimator="HoldoutStackingClassifier")
        seed = child_seeds(self.random_state, 1)[0]
        return _stratified_holdout(y, self.validation_fraction, int(seed))

    def _stack(self, X):
        """The members' log-probabilities side by side, columns in ``classes_`` order."""
        blocks = []
        for member in self.estimators_:
            proba = np.asarray(member.predict_proba(X), dtype=np.float64)
            aligned = np.zeros((len(X), self.classes_.size))
            aligned[:, np.searchsorted(self.classes_, member.classes_)] = proba
            blocks.append(np.log(np.clip(aligned, _FLOOR, 1.0)))
        return np.hstack(blocks)

    def _adjust(self, proba, weight):
        """Move the decision from the natural priors towards equal ones, by ``weight``."""
        scaled = proba * self.class_prior_[None, :] ** -weight
        return scaled / scaled.sum(axis=1, keepdims=True)

    def _choose_prior_weight(self, combiner, Z, y_hold):
        """The candidate weight that serves balanced accuracy and macro F1 best out of fold."""
        folds = int(min(5, np.bincount(np.unique(y_hold, return_inverse=True)[1]).min()))
        if folds < 2:
            return 0.5  # too few held-out stars per class to judge: halfway
        oof = cross_val_predict(clone(combiner), Z, y_hold, cv=folds, method="predict_proba")
        best, best_score = PRIOR_WEIGHTS[0], -np.inf
        for weight in PRIOR_WEIGHTS:
            pred = self.classes_[np.argmax(self._adjust(oof, weight), axis=1)]
            score = (balanced_accuracy_score(y_hold, pred)
                     + f1_score(y_hold, pred, average="macro")) / 2
            if score > best_score:
                best, best_score = weight, score
        return float(best)

    def predict_proba(self, X):
        """Class probabilities of the combined members.

        Parameters
        ----------
        X : LightCurves or convertible

        Returns
        -------
        ndarray of shape (n_curves, n_classes)
            Columns in ``classes_`` order; rows sum to 1.
        """
        check_is_fitted(self, "final_estimator_")
        X = as_light_curves(X)
        if len(X) == 0:
            return np.zeros((0, self.classes_.size))
        raw = self.final_estimator_.predict_proba(self._stack(X))
        proba = np.zeros((len(X), self.classes_.size))
        proba[:, np.searchsorted(self.classes_, self.final_estimator_.classes_)] = raw
        return self._adjust(proba, self.prior_weight_)

    def predict(self, X):
        """The most probable class of every curve.

        Parameters
        ----------
        X : LightCurves or convertible

        Returns
        -------
        ndarray of shape (n_curves,)
        """
        check_is_fitted(self, "final_estimator_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _stratified_holdout(y, fraction, seed):
    """Positions of the stars kept for the members and of those held out, per class.

    Every class holds out ``round(fraction * count)`` stars but at least one
    and never all, so the combiner sees every class (``train_test_split``
    can round a rare class's share to zero).
    """
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        lonely = classes[counts < 2].tolist()
        raise ValueError(f"classes {lonely} have one star: the members and the combiner each "
                         "need at least one star of every class")
    n_hold = np.clip(np.rint(fraction * counts), 1, counts - 1).astype(int)
    order = np.lexsort((np.random.default_rng(seed).random(y.size), inverse))
    rank = np.empty(y.size, dtype=int)
    rank[order] = np.arange(y.size) - np.repeat(np.cumsum(counts) - counts, counts)
    held = rank < n_hold[inverse]
    return np.flatnonzero(~held), np.flatnonzero(held)


class LogLinearPooling(ClassifierMixin, BaseEstimator):
    """Weighted geometric mean of members' probabilities with a bias per class.

    For members ``m`` with log-probabilities ``L_m(c | x)`` (the columns of
    ``Z``, member after member, classes in sorted order), the combined
    probability is ``softmax_c(sum_m w_m L_m(c | x) + b_c)``. The weights
    ``w_m >= 0`` and biases ``b_c`` minimise the log loss on the data it is
    fitted on plus ``alpha * (|w|^2 + |b|^2)``: a member that is better on
    every class gets a larger weight, and the biases recalibrate the class
    priors (balanced bags inflate the rare classes).

    Parameters
    ----------
    alpha : float, default=1e-3
        L2 penalty.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    weights_ : ndarray of shape (n_members,)
    bias_ : ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from vsaug.stacking import LogLinearPooling
    >>> good = np.log([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    >>> noise = np.log(np.full((4, 2), 0.5))
    >>> pool = LogLinearPooling().fit(np.hstack([good, noise]), [0, 1, 0, 1])
    >>> bool(pool.weights_[0] > pool.weights_[1])
    True
    """

    _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=1e-3):
        self.alpha = alpha

    def _blocks(self, Z):
        Z = np.asarray(Z, dtype=np.float64)
        n_classes = self.classes_.size
        if Z.ndim != 2 or Z.shape[1] % n_classes:
            raise ValueError(f"Z has shape {Z.shape}: expected one block of {n_classes} "
                             "log-probability columns per member")
        return Z.reshape(Z.shape[0], -1, n_classes)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, Z, y):
        """Fit the weights and biases.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_members * n_classes)
            Members' log-probabilities.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        y = check_labels(y, len(Z), min_classes=2, estimator="LogLinearPooling")
        self.classes_, target = np.unique(y, return_inverse=True)
        L = self._blocks(Z)
        n, m, c = L.shape
        onehot = np.eye(c)[target]

        def loss(theta):
            w, b = theta[:m], theta[m:]
            logp = log_softmax(np.einsum("nmc,m->nc", L, w) + b, axis=1)
            grad_s = (np.exp(logp) - onehot) / n
            value = -np.sum(onehot * logp) / n + self.alpha * np.dot(theta, theta)
            grad = np.concatenate([np.einsum("nc,nmc->m", grad_s, L), grad_s.sum(axis=0)])
            return value, grad + 2 * self.alpha * theta

        start = np.concatenate([np.full(m, 1.0 / m), np.zeros(c)])
        bounds = [(0, None)] * m + [(None, None)] * c
        result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
        self.weights_, self.bias_ = result.x[:m], result.x[m:]
        return self

    def predict_proba(self, Z):
        """Combined probabilities.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_members * n_classes)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "weights_")
        scores = np.einsum("nmc,m->nc", self._blocks(Z), self.weights_) + self.bias_
        return np.exp(log_softmax(scores, axis=1))

    def predict(self, Z):
        """The most probable class.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_members * n_classes)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(Z), axis=1)]
