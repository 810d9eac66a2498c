"""Encoders: how a feature set's levels become the numbers a model reads.

`TabularEncoder` turns text levels into integer category codes (0 = a level unseen in the training
fold) and imputes numbers; `CustomerTargetEncoder` is a target encoding in which every customer counts
once. Both are fit inside a training fold only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import TargetEncoder

MISSING = "__missing__"


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text with missing values as the MISSING level, as encoders want it."""
    return frame.astype(object).where(frame.notna(), MISSING).astype(str)


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Integer category codes and median-imputed numbers with missing-value indicators, so every
    model and sampler gets finite input. Code 0 pools the levels seen fewer than `min_frequency`
    times or beyond the `max_categories` most frequent in the training fold, and unseen levels."""

    def __init__(self, categorical: list[str], numeric: list[str], max_categories: int = 250, min_frequency: int = 1):
        self.categorical = categorical
        self.numeric = numeric
        self.max_categories = max_categories
        self.min_frequency = min_frequency

    def fit(self, X: pd.DataFrame, y=None):
        self.levels_ = {column: self._frequent_levels(self._text(X[column])) for column in self.categorical}
        self.imputer_ = None  # no numeric column (features=native): nothing to impute
        if self.numeric:
            self.imputer_ = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
            self.imputer_.fit(X[self.numeric].astype(float))
        return self

    def numeric_names_out(self) -> list[str]:
        return [] if self.imputer_ is None else list(self.imputer_.get_feature_names_out(self.numeric))

    def _frequent_levels(self, values: pd.Series) -> list[str]:
        counts = values.value_counts()
        return counts[counts >= self.min_frequency].index[: self.max_categories].tolist()

    @staticmethod
    def _text(values: pd.Series) -> pd.Series:
        return values.astype("string").fillna(MISSING)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(index=X.index)
        for column, levels in self.levels_.items():
            # rare and unseen levels get code -1 here, shifted to 0: one shared "other" level
            codes = pd.Categorical(self._text(X[column]), categories=levels).codes.astype(np.int64) + 1
            frame[column] = pd.Categorical.from_codes(codes, categories=range(len(levels) + 1))
        if self.imputer_ is None:
            return frame
        numbers = self.imputer_.transform(X[self.numeric].astype(float))
        return pd.concat([frame, pd.DataFrame(numbers, index=X.index, columns=self.numeric_names_out())], axis=1)


class CustomerTargetEncoder(TransformerMixin, BaseEstimator):
    """Target encoding in which each customer counts once: a level's rate is the (smoothed) mean of
    its customers' conversion rates, not of its rows, so that one customer with thousands of rows
    does not set the rate of its sales rep or country for every customer never seen before.

    One scikit-learn TargetEncoder (continuous, the same smoothing) per column, fit on the distinct
    (level, customer) pairs with the customer's rate at that level as the target.
    """

    def __init__(self, smooth="auto"):
        self.smooth = smooth

    def fit(self, X: pd.DataFrame, y, groups):
        y, groups = np.asarray(y, dtype=float), np.asarray(groups)
        self.encoders_ = []
        for column in X.columns:
            pairs = pd.DataFrame({"level": X[column].to_numpy(), "customer": groups, "y": y})
            rates = pairs.groupby(["level", "customer"], sort=False)["y"].mean().reset_index()
            encoder = TargetEncoder(target_type="continuous", smooth=self.smooth)
            self.encoders_.append(encoder.fit(rates[["level"]], rates["y"]))
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack(
            [
                encoder.transform(X[[column]].set_axis(["level"], axis=1))
                for column, encoder in zip(X.columns, self.encoders_)
            ]
        )

    def cross_fit(self, X: pd.DataFrame, y, groups, folds) -> np.ndarray:
        """Out-of-fold encodings of X: each fold's rows encoded by the other folds' customers."""
        out, y, groups = np.empty(X.shape, dtype=float), np.asarray(y), np.asarray(groups)
        for fit_rows, encoded_rows in folds:
            fitted = clone(self).fit(X.iloc[fit_rows], y[fit_rows], groups[fit_rows])
            out[encoded_rows] = fitted.transform(X.iloc[encoded_rows])
        return out
