"""Meta-models (`stacker=` group) that combine base runs' probabilities into one.

Each takes a DataFrame with one column of probabilities per base run and follows scikit-learn's
classifier API; `weights()` says how much each base run counts, for logging.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class _Stacker(ClassifierMixin, BaseEstimator):
    def fit(self, X: pd.DataFrame, y):
        self.columns_ = list(X.columns)
        self.classes_ = np.array([0, 1])
        self._fit(X.to_numpy(float), np.asarray(y))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        positive = self._score(X[self.columns_].to_numpy(float))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        pass

    def weights(self) -> pd.Series:
        return pd.Series(1.0 / len(self.columns_), index=self.columns_)


class MeanStacker(_Stacker):
    """The plain mean of the base probabilities: nothing is learned."""

    def _score(self, X):
        return X.mean(axis=1)


class RankMeanStacker(_Stacker):
    """The mean of each base probability's quantile among that run's out-of-fold probabilities.

    Quantiles against the fitted out-of-fold distribution (not ranks within the rows being
    scored) keep the scale the same for out-of-fold rows, the test file and any new file.
    """

    def _fit(self, X, y):
        self.reference_ = [np.sort(column) for column in X.T]

    def _score(self, X):
        quantiles = [
            (np.searchsorted(ref, x, side="left") + np.searchsorted(ref, x, side="right")) / (2 * len(ref))
            for ref, x in zip(self.reference_, X.T)
        ]
        return np.mean(quantiles, axis=0)


class LogisticStacker(_Stacker):
    """Logistic regression on the logits of the base probabilities (classic stacking)."""

    def __init__(self, C: float = 1.0, class_weight=None, max_iter: int = 1000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    @staticmethod
    def _logit(X):
        clipped = np.clip(X, 1e-6, 1 - 1e-6)
        return np.log(clipped / (1 - clipped))

    def _fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        self.model_.fit(self._logit(X), y)

    def _score(self, X):
        return self.model_.predict_proba(self._logit(X))[:, 1]

    def weights(self) -> pd.Series:
        return pd.Series(self.model_.coef_[0], index=self.columns_)

    @property
    def intercept(self) -> float:
        return float(self.model_.intercept_[0])


class LightGBMStacker(_Stacker):
    """A small LightGBM on the base probabilities: can learn interactions, easily overfits."""

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

    def _fit(self, X, y):
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
        self.model_.fit(X, y)

    def _score(self, X):
        return self.model_.predict_proba(X)[:, 1]

    def weights(self) -> pd.Series:
        """Share of the total split gain per base run."""
        gain = np.asarray(self.model_.feature_importances_, float)
        return pd.Series(gain / max(gain.sum(), 1e-12), index=self.columns_)
