"""Model factories: one per `model=` option, each with a `class_weight` option for imbalance.

`class_weight` is `balanced`, null, or a number: the weight of a converted lead relative to a
non-converted one. Categorical columns arrive with the category dtype (see features.py), which
LightGBM, XGBoost, CatBoost and HistGradientBoosting use natively; logistic regression one-hot
encodes them; the forests read the integer codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier
from lightgbm import LGBMClassifier
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from xgboost import XGBClassifier

from leadconv.components.features import categorical_columns
from leadconv.components.labels import binary_classes
from leadconv.errors import ConfigError

# Numeric settings every model factory shares, checked when the model is built (before any data is
# read): a bad value then fails in a second, not in the middle of the first fold.
PARAM_RULES = {
    "learning_rate": ("a number > 0", lambda v: v > 0),
    "C": ("a number > 0", lambda v: v > 0),
    "l2_leaf_reg": ("a number >= 0", lambda v: v >= 0),
    "reg_lambda": ("a number >= 0", lambda v: v >= 0),
    "subsample": ("a number in (0, 1]", lambda v: 0 < v <= 1),
    "colsample_bytree": ("a number in (0, 1]", lambda v: 0 < v <= 1),
    "n_estimators": ("an integer >= 1", lambda v: v >= 1 and float(v).is_integer()),
    "iterations": ("an integer >= 1", lambda v: v >= 1 and float(v).is_integer()),
    "max_iter": ("an integer >= 1", lambda v: v >= 1 and float(v).is_integer()),
    "depth": ("an integer >= 1", lambda v: v >= 1 and float(v).is_integer()),
    "num_leaves": ("an integer >= 2", lambda v: v >= 2 and float(v).is_integer()),
    "max_leaf_nodes": ("an integer >= 2", lambda v: v >= 2 and float(v).is_integer()),
}


def check_params(model) -> None:
    """Raise ValueError naming the first setting of `model` (its own or a pipeline step's) that is invalid."""
    for key, value in model.get_params(deep=True).items():
        name = key.rsplit("__", 1)[-1]
        if name not in PARAM_RULES or value is None:
            continue
        meaning, valid = PARAM_RULES[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not valid(value):
            raise ValueError(f"model.{name} must be {meaning}, got {value!r}")


def sklearn_class_weight(class_weight):
    """`balanced` | None | positive-class ratio -> scikit-learn's class_weight argument."""
    if class_weight is None or class_weight == "balanced":
        return class_weight
    try:
        ratio = float(class_weight)
    except (TypeError, ValueError):
        raise ConfigError(
            f"model.class_weight={class_weight!r} is not valid; use balanced, null or a positive number"
        ) from None
    if ratio <= 0:
        raise ConfigError(f"model.class_weight={class_weight!r} must be positive; use balanced, null or a number > 0")
    return {0: 1.0, 1: ratio}


def positive_weight(class_weight, y) -> float:
    """The positive-class weight that `class_weight` means for labels y."""
    weight = sklearn_class_weight(class_weight)
    if weight is None:
        return 1.0
    if weight == "balanced":
        y = np.asarray(y)
        return float((y == 0).sum() / max((y == 1).sum(), 1))
    return weight[1]


def _onehot_name(column, level) -> str:
    # "column==level" lets feature importance sum the levels back to their column
    return f"{column}=={level}"


def logreg(class_weight="balanced", C: float = 1.0, max_iter: int = 2000, min_frequency: int = 5):
    encode = ColumnTransformer(
        [
            (
                "onehot",
                OneHotEncoder(handle_unknown="ignore", min_frequency=min_frequency, feature_name_combiner=_onehot_name),
                make_column_selector(dtype_include="category"),
            ),
            ("scale", StandardScaler(), make_column_selector(dtype_exclude="category")),
        ],
        verbose_feature_names_out=False,
    )
    classifier = LogisticRegression(C=C, class_weight=sklearn_class_weight(class_weight), max_iter=max_iter)
    return Pipeline([("encode", encode), ("classifier", classifier)])


# random_forest's and extra_trees' settings (scikit-learn's names) where a config leaves them out
FOREST_DEFAULTS = {
    "n_estimators": 300,
    "max_depth": None,
    "min_samples_leaf": 2,
    "max_features": "sqrt",
    "n_jobs": -1,
    "random_state": 0,
}


def random_forest(class_weight="balanced", **params):
    return RandomForestClassifier(class_weight=sklearn_class_weight(class_weight), **{**FOREST_DEFAULTS, **params})


def extra_trees(class_weight="balanced", **params):
    """As random_forest, with randomised split points."""
    return ExtraTreesClassifier(class_weight=sklearn_class_weight(class_weight), **{**FOREST_DEFAULTS, **params})


def hist_gb(
    class_weight="balanced",
    max_iter: int = 300,
    learning_rate: float = 0.05,
    max_leaf_nodes: int = 31,
    l2_regularization: float = 0.0,
    random_state: int = 0,
):
    return HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        l2_regularization=l2_regularization,
        categorical_features="from_dtype",
        class_weight=sklearn_class_weight(class_weight),
        random_state=random_state,
    )


def lightgbm_classifier(
    class_weight="balanced",
    n_estimators: int = 400,
    learning_rate: float = 0.05,
    num_leaves: int = 31,
    min_child_samples: int = 20,
    subsample: float = 0.8,
    subsample_freq: int = 1,
    colsample_bytree: float = 0.8,
    reg_lambda: float = 1.0,
    cat_smooth: float = 10.0,
    n_jobs: int = -1,
    random_state: int = 0,
):
    return LGBMClassifier(
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        num_leaves=num_leaves,
        min_child_samples=min_child_samples,
        subsample=subsample,
        subsample_freq=subsample_freq,
        colsample_bytree=colsample_bytree,
        reg_lambda=reg_lambda,
        cat_smooth=cat_smooth,
        class_weight=sklearn_class_weight(class_weight),
        n_jobs=n_jobs,
        random_state=random_state,
        verbose=-1,
    )


class _BuiltAtFit(ClassifierMixin, BaseEstimator):
    """For libraries whose imbalance or categorical settings depend on the training fold.

    A binary classifier: `class_weight` weighs the second of `classes_` (a converted lead). A
    DataFrame reaches the library as it is (its category columns are native categoricals); an
    array is checked and converted by scikit-learn first.
    """

    def fit(self, X, y, sample_weight=None):
        if isinstance(X, pd.DataFrame):  # as it is: its category columns are the library's native categoricals
            X, y = validate_data(self, X, y, skip_check_array=True)
            y = column_or_1d(y, warn=True)
            check_consistent_length(X, y)
        else:
            X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        self.classes_, codes = binary_classes(self, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.model_ = self._build(X, codes)
        # sample_weight: the training rows weighted toward the scored file (leadconv.components.weighting)
        self.model_.fit(self._inputs(X), codes, sample_weight=sample_weight)
        return self

    def _checked(self, X):
        """X to predict on, checked against what fit saw (n_features_in_, feature_names_in_)."""
        check_is_fitted(self)
        if isinstance(X, pd.DataFrame):
            return validate_data(self, X, skip_check_array=True, reset=False)
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan")

    def _inputs(self, X):
        return X

    def predict_proba(self, X):
        """Columns follow `classes_`."""
        X = self._inputs(self._checked(X))  # NotFittedError before fit
        return self.model_.predict_proba(X)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    @property
    def feature_importances_(self):
        return self.model_.feature_importances_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # class_weight is the positive class's weight
        tags.input_tags.allow_nan = True  # the boosting libraries route missing values themselves
        tags.input_tags.categorical = True  # DataFrame columns of the category dtype
        return tags

    def __setstate__(self, state):
        # models saved before they recorded n_features_in_ / feature_names_in_: read the columns off the
        # library's model (XGBoost's feature_names_in_, CatBoost's feature_names_)
        model = state.get("model_")
        if model is not None and "n_features_in_" not in state:
            names = getattr(model, "feature_names_in_", None)
            if names is None:
                names = getattr(model, "feature_names_", None)
            if names is not None:
                state = {**state, "n_features_in_": len(names)}
                if list(names) != [str(i) for i in range(len(names))]:  # CatBoost's names for an array's columns
                    state["feature_names_in_"] = np.asarray(names, dtype=object)
        super().__setstate__(state)


class XGBoostModel(_BuiltAtFit):
    """XGBoost with native categoricals; `class_weight` becomes scale_pos_weight for the fold."""

    def __init__(
        self,
        class_weight="balanced",
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        max_depth: int = 6,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        max_cat_to_onehot: int = 4,
        n_jobs: int = -1,
        random_state: int = 0,
    ):
        self.class_weight = class_weight
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_cat_to_onehot = max_cat_to_onehot
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _build(self, X, y):
        return XGBClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            min_child_weight=self.min_child_weight,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            max_cat_to_onehot=self.max_cat_to_onehot,
            scale_pos_weight=positive_weight(self.class_weight, y),
            tree_method="hist",
            enable_categorical=True,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            verbosity=0,
        )


class CatBoostModel(_BuiltAtFit):
    """CatBoost told which columns are categorical (it cannot read that from the dtype)."""

    def __init__(
        self,
        class_weight="balanced",
        iterations: int = 500,
        learning_rate: float = 0.08,
        depth: int = 6,
        l2_leaf_reg: float = 3.0,
        thread_count: int = -1,
        random_state: int = 0,
        max_ctr_complexity: int | None = None,
    ):
        self.class_weight = class_weight
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.depth = depth
        self.l2_leaf_reg = l2_leaf_reg
        self.thread_count = thread_count
        self.random_state = random_state
        self.max_ctr_complexity = max_ctr_complexity

    def _build(self, X, y):
        return CatBoostClassifier(
            iterations=self.iterations,
            learning_rate=self.learning_rate,
            depth=self.depth,
            l2_leaf_reg=self.l2_leaf_reg,
            class_weights=[1.0, positive_weight(self.class_weight, y)],
            cat_features=categorical_columns(X) if isinstance(X, pd.DataFrame) else None,
            thread_count=self.thread_count,
            random_seed=self.random_state,
            max_ctr_complexity=self.max_ctr_complexity,  # None: CatBoost's own default
            verbose=0,
            allow_writing_files=False,
        )

    def _inputs(self, X):
        # integer codes: CatBoost accepts int or str categories, not the pandas category dtype
        if not isinstance(X, pd.DataFrame):
            return X
        categorical = categorical_columns(X)
        return X.assign(**{c: X[c].cat.codes for c in categorical})
