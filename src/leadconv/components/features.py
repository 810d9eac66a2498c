"""Feature sets: scikit-learn transformers from the 28 raw columns to a model-ready frame.

Output contract shared by every feature set: a DataFrame on the input's index whose
categorical columns have the pandas `category` dtype with integer categories 0..k (0 = a level
unseen in the training fold) and whose other columns are finite floats. Samplers and model
factories find the categorical columns by that dtype, so a new feature set only has to honour it.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import TargetEncoder

from leadconv import schema
from leadconv.components.cleaning import OTHER, clean_distinct, frequent_levels
from leadconv.components.contributions import source_of
from leadconv.components.encoders import CustomerTargetEncoder, TabularEncoder, as_text
from leadconv.components.geography import SUBSIDIARY_CONTINENT, parse_country
from leadconv.components.spelling import spell_frame
from leadconv.errors import FeatureError


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]


class FeatureSet(TransformerMixin, BaseEstimator):
    """Base of every feature set: check the needed columns, derive features, then encode.

    A subclass overrides `derive` (row-wise, or using state learned in `fit_derive`) and
    declares which derived columns are categorical or numeric.
    """

    required: list[str] = schema.FEATURES
    name = "raw"  # the features= option, for messages
    derived_sources: ClassVar[dict[str, tuple[str, ...]]] = {}  # derived columns whose name does not say their input(s)

    def fit(self, X: pd.DataFrame, y=None, unlabeled: pd.DataFrame | None = None):
        """`unlabeled`: rows without labels (the run passes the scored file's and the fold's validation
        rows), a fit parameter (not a hyperparameter, so clones and saved pipelines never carry them);
        only `engineered` with transductive=true reads them."""
        self._check(X)
        derived = self._kept(self.fit_derive(X, y, unlabeled))
        categorical, numeric = self.column_types(derived)
        self.encoder_ = self._make_encoder(categorical, numeric).fit(derived)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        self._check(X)
        return self.encoder_.transform(self._kept(self.derive(X)))

    def fit_transform(self, X: pd.DataFrame, y=None, **fit_params) -> pd.DataFrame:
        """What the pipeline feeds the model while fitting: the fit rows as `derive_training` sees them."""
        self.fit(X, y, **fit_params)
        return self.encoder_.transform(self._kept(self.derive_training(X, y)))

    def derive_training(self, X: pd.DataFrame, y=None) -> pd.DataFrame:
        """The fit rows' features; statistics of the label are out-of-fold here (see EngineeredFeatures)."""
        return self.derive(X)

    def fit_derive(self, X: pd.DataFrame, y=None, unlabeled=None) -> pd.DataFrame:
        return self.derive(X)

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        return X

    def column_types(self, derived: pd.DataFrame) -> tuple[list[str], list[str]]:
        numeric = [
            c for c in derived.columns if pd.api.types.is_numeric_dtype(derived[c]) and c not in schema.CATEGORICAL
        ]
        return [c for c in derived.columns if c not in numeric], numeric

    def _kept(self, derived: pd.DataFrame) -> pd.DataFrame:
        """The derived columns less `drop` (e.g. customer_idx, which says nothing of a customer never seen)."""
        unknown = [c for c in self.drop if c not in derived.columns]
        if unknown:
            raise FeatureError(
                f"features.drop names {unknown}, which feature set {self.name!r} does not make; "
                f"drop some of {list(derived.columns)}"
            )
        return derived.drop(columns=list(self.drop))

    def _make_encoder(self, categorical, numeric) -> TabularEncoder:
        return TabularEncoder(categorical, numeric, self.max_categories, self.min_frequency)

    def _check(self, X: pd.DataFrame) -> None:
        missing = [c for c in self.required if c not in X.columns]
        if missing:
            raise FeatureError(
                f"feature set {self.name!r} ({type(self).__name__}) needs columns {missing} that the data lacks; "
                "load data with the competition's columns or choose another features= option"
            )

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(self.encoder_.categorical + self.encoder_.numeric_names_out(), dtype=object)

    def feature_sources(self) -> dict[str, tuple[str, ...]]:
        """Per output column, the input column(s) it is computed from: itself, its missing-value
        indicator, `n_`/`te_`/`_value` forms of it, or `derived_sources` (explanations map back with it)."""
        return {n: self.derived_sources.get(n) or source_of(n) for n in self.get_feature_names_out()}


class RawFeatures(FeatureSet):
    """The 28 columns as given, in one spelling per level (`normalise_spelling`: case, separators,
    spacing, hyphens and "other"/"others" unified, see leadconv.components.spelling): categories as
    codes (rare levels pooled), numbers imputed."""

    def __init__(self, max_categories: int = 250, min_frequency: int = 1, drop=(), normalise_spelling: bool = True):
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.drop = drop
        self.normalise_spelling = normalise_spelling

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        return spell_frame(X) if self.normalise_spelling else X


class NativeFeatures(RawFeatures):
    """The 28 columns as given (in one spelling per level, as `raw`), every one a category, numbers
    included (their values as levels), each level kept whole: the published CatBoost recipe, for models whose target statistics
    handle many levels. `keep_numbers` also keeps the numeric columns as numbers (`<column>_value`)."""

    name = "native"

    def __init__(
        self,
        max_categories: int = 1_000_000,
        min_frequency: int = 1,
        keep_numbers: bool = False,
        drop=(),
        normalise_spelling: bool = True,
    ):
        super().__init__(max_categories, min_frequency, drop, normalise_spelling)
        self.keep_numbers = keep_numbers

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        X = super().derive(X)
        if not self.keep_numbers:
            return X
        numbers = [c for c in X.columns if c not in schema.CATEGORICAL and pd.api.types.is_numeric_dtype(X[c])]
        return X.assign(**{f"{c}_value": X[c] for c in numbers})

    def column_types(self, derived: pd.DataFrame) -> tuple[list[str], list[str]]:
        numeric = [c for c in derived.columns if c.endswith("_value")]
        return [c for c in derived.columns if c not in numeric], numeric


# --- clean and engineered feature sets --------------------------------------------------------


class CleanFeatures(FeatureSet):
    """`raw` after domain cleaning (leadconv.components.cleaning): canonical spellings and groups, the country
    parsed out of customer_country, the duplicate customer_country.1 dropped, and every categorical
    level seen fewer than `min_count` times in the training fold folded into "other"."""

    name = "clean"

    def __init__(self, min_count: int = 10, max_categories: int = 250, min_frequency: int = 1, drop=()):
        self.min_count = min_count
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.drop = drop

    def fit_derive(self, X: pd.DataFrame, y=None, unlabeled=None) -> pd.DataFrame:
        cleaned = self._clean(X)
        self._learn_levels(cleaned)
        return self._fold_rare(cleaned)

    def _learn_levels(self, cleaned: pd.DataFrame) -> None:
        self.levels_ = {c: frequent_levels(cleaned[c].dropna(), self.min_count) for c in self._categorical(cleaned)}

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        return self._fold_rare(self._clean(X))

    @staticmethod
    def _clean(X: pd.DataFrame) -> pd.DataFrame:
        return clean_distinct(X.drop(columns=["customer_country.1"]))

    @staticmethod
    def _categorical(frame: pd.DataFrame) -> list[str]:
        return [c for c in schema.CATEGORICAL if c in frame.columns]

    def _fold_rare(self, cleaned: pd.DataFrame) -> pd.DataFrame:
        out = cleaned.copy()
        for column, keep in self.levels_.items():
            values = out[column]
            out[column] = values.where(values.isna() | values.isin(list(keep)), OTHER).astype(object)
        return out

    def column_types(self, derived: pd.DataFrame) -> tuple[list[str], list[str]]:
        categorical = self._categorical(derived)
        return categorical, [c for c in derived.columns if c not in categorical]


class EngineeredFeatures(CleanFeatures):
    """`clean` plus features known to help on this data, all learned on the training fold:

    - `n_<column>`: log(1 + number of other known rows with the same value) for `count_columns`;
      known rows are the training fold, plus the unlabeled rows when `transductive`;
    - `continent` of the answering subsidiary (response_corporate);
    - `country_is_subsidiary_home`: the customer's country is the one its subsidiary mostly serves;
      `country_matches_country_1`: customer_country and customer_country.1 name the same country;
    - log(1 + x) of the skewed counts lead_desc_length and historical_existing_cnt;
    - `te_<column>`: smoothed target encodings (scikit-learn's TargetEncoder) of `target_columns`.
      The fit rows get out-of-fold values (cross-fitting inside the training fold, folds grouped by
      `encoding_groups` so a customer's own rows never encode it), other rows the full-fold value.
      `encoding_weight=customer` counts each customer once in a level's rate (CustomerTargetEncoder).

    `transductive=true` lets the count and home-country statistics also read unlabeled rows (the
    `unlabeled` fit parameter: the run passes the test rows and the fold's validation rows, so that
    both are counted alike); labels never come from them. Off by default.
    """

    name = "engineered"
    LOG_COLUMNS = ("lead_desc_length", "historical_existing_cnt")
    derived_sources: ClassVar[dict[str, tuple[str, ...]]] = {
        "continent": ("response_corporate",),
        "country_is_subsidiary_home": ("customer_country", "response_corporate"),
        "country_matches_country_1": ("customer_country", "customer_country.1"),
    }

    def __init__(
        self,
        min_count: int = 10,
        count_columns=("customer_idx", "lead_owner"),
        target_columns=(
            "lead_owner",
            "customer_country",
            "response_corporate",
            "product_category",
            "product_modelname",
            "business_subarea",
            "customer_job",
        ),
        encoding_groups: str | None = "customer_idx",
        encoding_splits: int = 5,
        smooth="auto",
        encoding_weight: str = "row",
        transductive: bool = False,
        seed: int = 0,
        max_categories: int = 250,
        min_frequency: int = 1,
        drop=(),
    ):
        self.min_count = min_count
        self.count_columns = count_columns
        self.target_columns = target_columns
        self.encoding_groups = encoding_groups
        self.encoding_splits = encoding_splits
        self.smooth = smooth
        self.encoding_weight = encoding_weight
        self.transductive = transductive
        self.seed = seed
        self.max_categories = max_categories
        self.min_frequency = min_frequency
        self.drop = drop

    def fit_derive(self, X: pd.DataFrame, y=None, unlabeled=None) -> pd.DataFrame:
        if y is None:
            raise FeatureError(
                "feature set 'engineered' needs the labels of the training rows for its target encodings"
            )
        if self.encoding_weight not in ("row", "customer"):
            raise FeatureError(
                f"features.encoding_weight must be 'row' or 'customer', not {self.encoding_weight!r}; fix the override"
            )
        cleaned = self._clean(X)
        self._learn_levels(cleaned)
        known = pd.concat([cleaned, self._unlabeled_cleaned(unlabeled)], ignore_index=True)
        self.counts_ = {c: known[c].value_counts().to_dict() for c in self.count_columns}  # plain dicts: skops-safe
        countries = known.dropna(subset=["response_corporate", "customer_country"])
        self.home_country_ = (
            countries.groupby("response_corporate")["customer_country"].agg(lambda s: s.mode().iloc[0]).to_dict()
        )
        text = as_text(cleaned[self._encoded])
        if self.encoding_weight == "customer":
            self.target_encoder_ = CustomerTargetEncoder(self.smooth).fit(text, y, cleaned["customer_idx"])
        else:
            self.target_encoder_ = self._target_encoder(self.encoding_splits).fit(text, y)
        return self._engineer(X, cleaned, self.target_encoder_.transform(as_text(cleaned[self._encoded])))

    def derive(self, X: pd.DataFrame) -> pd.DataFrame:
        cleaned = self._clean(X)
        encoded = self.target_encoder_.transform(as_text(cleaned[self._encoded]))
        return self._engineer(X, cleaned, encoded, among_known=self.transductive)  # transductive: the run passed them

    def derive_training(self, X: pd.DataFrame, y=None) -> pd.DataFrame:
        cleaned = self._clean(X)
        text = as_text(cleaned[self._encoded])
        folds = self._inner_folds(cleaned, y)
        if self.encoding_weight == "customer":
            encoded = CustomerTargetEncoder(self.smooth).cross_fit(text, y, cleaned["customer_idx"], folds)
        else:
            encoded = self._target_encoder(folds).fit_transform(text, y)
        return self._engineer(X, cleaned, encoded, among_known=True)

    @property
    def _encoded(self) -> list[str]:
        return list(self.target_columns)

    def _target_encoder(self, cv) -> TargetEncoder:
        return TargetEncoder(target_type="binary", smooth=self.smooth, cv=cv)

    def _inner_folds(self, cleaned: pd.DataFrame, y) -> list:
        """Cross-fitting folds of the training fold: grouped by customer, so fit rows see encodings
        learned on other customers, as validation and test rows of unseen customers do."""
        if self.encoding_groups is None:
            splitter = StratifiedKFold(self.encoding_splits, shuffle=True, random_state=self.seed)
            return list(splitter.split(cleaned, y))
        groups = pd.factorize(cleaned[self.encoding_groups], use_na_sentinel=False)[0]  # ints: fast to split
        n_splits = min(self.encoding_splits, len(np.unique(groups)))
        return list(GroupKFold(n_splits, shuffle=True, random_state=self.seed).split(cleaned, y, groups))

    def _unlabeled_cleaned(self, unlabeled: pd.DataFrame | None) -> pd.DataFrame:
        if not self.transductive:
            return pd.DataFrame()
        if unlabeled is None:
            raise FeatureError(
                "feature set 'engineered' with transductive=true needs the unlabeled test rows; "
                "run through src/run.py (it passes them) or set features.transductive=false"
            )
        self._check(unlabeled)
        return self._clean(unlabeled[schema.FEATURES])  # feature columns only: never a label

    def _engineer(self, X: pd.DataFrame, cleaned: pd.DataFrame, encoded: np.ndarray, among_known: bool = False):
        out = self._fold_rare(cleaned)
        for column in self.LOG_COLUMNS:
            out[column] = np.log1p(out[column].clip(lower=0))
        for column in self.count_columns:
            counts = cleaned[column].map(self.counts_[column]).astype(float).fillna(0.0)
            # a row among the known ones (a fit row, or a scored row read transductively) counts the others
            out[f"n_{column}"] = np.log1p((counts - 1).clip(lower=0) if among_known else counts)
        code = X["response_corporate"].astype("str").str.strip().str.upper()
        out["continent"] = code.map(SUBSIDIARY_CONTINENT).fillna(OTHER).where(code.notna()).astype(object)
        home = cleaned["response_corporate"].map(self.home_country_)
        out["country_is_subsidiary_home"] = (cleaned["customer_country"] == home).astype(float)
        country_1 = parse_country(X["customer_country.1"])
        out["country_matches_country_1"] = (cleaned["customer_country"] == country_1).astype(float)
        for i, column in enumerate(self._encoded):
            out[f"te_{column}"] = encoded[:, i]
        return out

    def column_types(self, derived: pd.DataFrame) -> tuple[list[str], list[str]]:
        categorical = self._categorical(derived) + ["continent"]
        return categorical, [c for c in derived.columns if c not in categorical]
