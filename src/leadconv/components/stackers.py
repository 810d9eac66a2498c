"""Meta-models (`stacker=` group) that combine base runs' probabilities into one.

Each takes one column of positive-class probabilities per base run (a DataFrame whose columns
name the runs, or an array) and follows scikit-learn's classifier API for a binary target;
`weights()` says how much each base run counts, for logging.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from leadconv.components.labels import binary_classes


class _Stacker(ClassifierMixin, BaseEstimator):
    _finite: bool | str = True  # check_array's ensure_all_finite: "allow-nan" where the meta-model handles NaN
    # True where it learns no decision from the inputs, which it reads as probabilities: scikit-learn's
    # accuracy check feeds arbitrary features (the poor_score tag)
    _reads_probabilities = False

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=self._finite)
        self.classes_, _ = binary_classes(self, y)
        self._fit(X, y)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Column 1 is the probability of `classes_[1]` (a converted lead)."""
        positive = self._score(self._inputs(X))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X) -> np.ndarray:
        positive = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[positive.astype(int)]

    def _inputs(self, X) -> np.ndarray:
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame) and names is not None and set(names) <= set(X.columns):
            X = X[list(names)]  # the base runs by name: callers may list them in another order, or more of them
        return validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=self._finite)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        pass

    def _names(self) -> list:
        """The base runs (the fitted DataFrame's columns), else x0, x1, … for an array."""
        names = getattr(self, "feature_names_in_", None)
        return list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    def weights(self) -> pd.Series:
        check_is_fitted(self)
        return pd.Series(1.0 / self.n_features_in_, index=self._names())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # it combines positive-class probabilities
        tags.classifier_tags.poor_score = self._reads_probabilities
        tags.input_tags.allow_nan = self._finite == "allow-nan"
        return tags

    def __setstate__(self, state):
        # stackers saved before n_features_in_ / feature_names_in_ named their columns `columns_`
        if "columns_" in state and "n_features_in_" not in state:
            state = dict(state)
            columns = state.pop("columns_")
            state["n_features_in_"] = len(columns)
            if columns and all(isinstance(c, str) for c in columns):
                state["feature_names_in_"] = np.asarray(columns, dtype=object)
        super().__setstate__(state)


class _WeightedStacker(_Stacker):
    """A stacker that learns from its rows, so each can count more or less (`sample_weight`: out-of-fold
    rows weighted toward the scored file)."""

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=self._finite)
        self.classes_, _ = binary_classes(self, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self._fit(X, y, sample_weight)
        return self


class MeanStacker(_Stacker):
    """The plain mean of the base probabilities: nothing is learned."""

    _reads_probabilities = True

    def _score(self, X):
        return X.mean(axis=1)


class RankMeanStacker(_Stacker):
    """The mean of each base probability's quantile among that run's out-of-fold probabilities.

    Quantiles against the fitted out-of-fold distribution (not ranks within the rows being
    scored) keep the scale the same for out-of-fold rows, the test file and any new file.
    """

    _reads_probabilities = True

    def _fit(self, X, y):
        self.reference_ = [np.sort(column) for column in X.T]

    def _score(self, X):
        quantiles = [
            (np.searchsorted(ref, x, side="left") + np.searchsorted(ref, x, side="right")) / (2 * len(ref))
            for ref, x in zip(self.reference_, X.T)
        ]
        return np.mean(quantiles, axis=0)


class LogisticStacker(_WeightedStacker):
    """Logistic regression on the logits of the base probabilities (classic stacking)."""

    def __init__(self, C: float = 1.0, class_weight=None, max_iter: int = 1000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    @staticmethod
    def _logit(X):
        clipped = np.clip(X, 1e-6, 1 - 1e-6)
        return np.log(clipped / (1 - clipped))

    def _fit(self, X, y, sample_weight=None):
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        self.model_.fit(self._logit(X), y, sample_weight=sample_weight)

    def _score(self, X):
        return self.model_.predict_proba(self._logit(X))[:, 1]

    def weights(self) -> pd.Series:
        check_is_fitted(self)
        return pd.Series(self.model_.coef_[0], index=self._names())

    @property
    def intercept_(self) -> float:
        """The fitted intercept on the logit scale."""
        return float(self.model_.intercept_[0])

    @property
    def n_iter_(self) -> np.ndarray:
        return self.model_.n_iter_


class LightGBMStacker(_WeightedStacker):
    """A small LightGBM on the base probabilities: can learn interactions, easily overfits."""

    _finite = "allow-nan"  # LightGBM routes missing values itself

    def __init__(
        self,
        n_estimators: int = 100,
        learning_rate: float = 0.05,
        num_leaves: int = 7,
        min_child_samples: int = 50,
        n_jobs: int = 1,
        random_state: int = 0,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X, y, sample_weight=None):
        self.model_ = LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            deterministic=True,
            importance_type="gain",
            verbose=-1,
        )
        self.model_.fit(X, y, sample_weight=sample_weight)

    def _score(self, X):
        return self.model_.predict_proba(X)[:, 1]

    def weights(self) -> pd.Series:
        """Share of the total split gain per base run."""
        check_is_fitted(self)
        gain = np.asarray(self.model_.feature_importances_, float)
        return pd.Series(gain / max(gain.sum(), 1e-12), index=self._names())
