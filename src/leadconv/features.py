"""Feature sets: scikit-learn transformers from the 28 raw columns to a model-ready frame.

Output contract shared by every feature set: a DataFrame on the input's index whose
categorical columns have the pandas `category` dtype with integer categories 0..k (0 = a level
unseen in the training fold) and whose other columns are finite floats. Samplers and model
factories find the categorical columns by that dtype, so a new feature set only has to honour it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OrdinalEncoder

from leadconv import schema
from leadconv.errors import FeatureError

MISSING = "__missing__"


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Integer category codes (rare levels pooled, unseen levels -> 0) and median-imputed numbers
    with missing-value indicators, so every model and sampler gets finite input."""

    def __init__(self, categorical: list[str], numeric: list[str], max_categories: int = 250, min_frequency: int = 1):
        self.categorical = categorical
        self.numeric = numeric
        self.max_categories = max_categories
        self.min_frequency = min_frequency

    def fit(self, X: pd.DataFrame, y=None):
        text = self._text(X)
        self.encoder_ = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1,
            max_categories=self.max_categories, min_frequency=self.min_frequency,
        ).fit(text)
        # codes are shifted by one in transform so that 0 means "unseen in this fold"
        self.n_levels_ = (self.encoder_.transform(text).max(axis=0).astype(int) + 2).tolist()
        self.imputer_ = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        self.imputer_.fit(X[self.numeric].astype(float))
        return self

    def _text(self, X: pd.DataFrame) -> pd.DataFrame:
        return X[self.categorical].astype(object).where(X[self.categorical].notna(), MISSING)

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        codes = self.encoder_.transform(self._text(X)).astype(np.int64) + 1
        frame = pd.DataFrame(index=X.index)
        for i, column in enumerate(self.categorical):
            frame[column] = pd.Categorical.from_codes(codes[:, i], categories=range(self.n_levels_[i]))
        numbers = self.imputer_.transform(X[self.numeric].astype(float))
        names = self.imputer_.get_feature_names_out(self.numeric)
        return pd.concat([frame, pd.DataFrame(numbers, index=X.index, columns=names)], axis=1)


class FeatureSet(TransformerMixin, BaseEstimator):
    """Base of every feature set: check the needed columns, derive features, then encode.

    A subclass overrides `derive` (row-wise, or using state learned in `fit_derive`) and
    declares which derived columns are categorical or numeric.
    """

    required: list[str] = schema.FEATURES

    def fit(self, X: pd.DataFrame, y=None):
        self._check(X)
        derived = self.fit_derive(X, y)
        categorical, numeric = self.column_types(derived)
        self.encoder_ = self._make_encoder(categorical, numeric).fit(derived)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        self._check(X)
        return self.encoder_.transform(self.derive(X))

    def fit_derive(self, X: pd.DataFrame, y=None) -> pd.DataFrame:
        return self.derive(X)

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        return X

    def column_types(self, derived: pd.DataFrame) -> tuple[list[str], list[str]]:
        numeric = [c for c in derived.columns if pd.api.types.is_numeric_dtype(derived[c]) and c not in schema.CATEGORICAL]
        return [c for c in derived.columns if c not in numeric], numeric

    def _make_encoder(self, categorical, numeric) -> TabularEncoder:
        return TabularEncoder(categorical, numeric, self.max_categories, self.min_frequency)

    def _check(self, X: pd.DataFrame) -> None:
        missing = [c for c in self.required if c not in X.columns]
        if missing:
            raise FeatureError(
                f"feature set {type(self).__name__} needs columns {missing} that the data lacks; "
                "load data with the competition's columns or choose another features= option"
            )

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        encoder = self.encoder_
        return np.array(encoder.categorical + list(encoder.imputer_.get_feature_names_out(encoder.numeric)), dtype=object)


class RawFeatures(FeatureSet):
    """The 28 columns as given: categories as codes (rare levels pooled), numbers imputed."""

    def __init__(self, max_categories: int = 250, min_frequency: int = 1):
        self.max_categories = max_categories
        self.min_frequency = min_frequency
