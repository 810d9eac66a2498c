"""Per-lead contributions of one fitted pipeline (features -> sampler -> model), per input column.

Each model's own exact decomposition of its raw score (log-odds margin) is used, never a refit and
never an approximation of the model: LightGBM `pred_contrib`, XGBoost `pred_contribs` and CatBoost
`ShapValues` (TreeSHAP), and for logistic regression coefficient x (input - its mean over the rows
explained), which is exact for a linear model. Per lead, the contributions plus the base value
equal the model's raw score. Models without such an API (random and extra trees, HistGradientBoosting)
return None: `make submit` then explains the ensemble from its other members.

The model sees the feature set's output columns, not the 28 input columns; `input_matrix` maps each
output column to the input column(s) it comes from (`FeatureSet.feature_sources`), splitting a
column derived from several inputs equally among them, so the contributions per input column
still sum to the raw score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadconv import schema


@dataclass
class Contributions:
    """Per row and input column, a model's contribution to its raw score (log-odds); `base` per row."""

    values: pd.DataFrame  # rows x schema.FEATURES
    base: np.ndarray  # the model's expected raw score (the same for every row of a tree model)

    @property
    def raw(self) -> np.ndarray:
        """The raw score they add up to."""
        return self.base + self.values.to_numpy().sum(axis=1)


def source_of(name: str, inputs=schema.FEATURES) -> tuple[str, ...]:
    """The input column(s) a feature-set output column comes from, read from its name: the column
    itself, `missingindicator_<c>`, `<c>_value`, `n_<c>`, `te_<c>`; () when the name says nothing."""
    if name in inputs:
        return (name,)
    for prefix in ("missingindicator_", "te_", "n_"):
        if name.startswith(prefix) and name.removeprefix(prefix) in inputs:
            return (name.removeprefix(prefix),)
    if name.endswith("_value") and name.removesuffix("_value") in inputs:
        return (name.removesuffix("_value"),)
    return ()


def input_matrix(sources: dict[str, tuple[str, ...]], names) -> np.ndarray:
    """(len(names) x 28) matrix sending contributions of the feature-set columns `names` (repeats
    allowed: one-hot levels of one column) to the input columns, each split equally among its sources."""
    matrix = np.zeros((len(names), len(schema.FEATURES)))
    position = {c: i for i, c in enumerate(schema.FEATURES)}
    unmapped = sorted({n for n in names if not sources.get(n)})
    if unmapped:
        raise ValueError(f"feature-set columns {unmapped[:5]} name no input column; declare them in feature_sources")
    for i, name in enumerate(names):
        for column in sources[name]:
            matrix[i, position[column]] = 1.0 / len(sources[name])
    return matrix


def model_contributions(model, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(contributions rows x model inputs, base per row, the model inputs' names): the model's own
    decomposition of its raw score on the feature-set frame X; None for a model without one."""
    inner = getattr(model, "model_", model)
    kind = type(inner).__name__
    if kind == "LGBMClassifier":
        out = inner.predict(X, pred_contrib=True)
        return out[:, :-1], out[:, -1], list(X.columns)
    if kind == "XGBClassifier":
        from xgboost import DMatrix

        out = inner.get_booster().predict(DMatrix(X, enable_categorical=True), pred_contribs=True)
        return out[:, :-1], out[:, -1], list(X.columns)
    if kind == "CatBoostClassifier":
        from catboost import Pool

        data = model._inputs(X)
        pool = Pool(data, cat_features=inner.get_cat_feature_indices())
        out = inner.get_feature_importance(pool, type="ShapValues")
        return out[:, :-1], out[:, -1], list(X.columns)
    if hasattr(model, "named_steps") and type(model[-1]).__name__ == "LogisticRegression":
        encoded = model[:-1].transform(X)
        encoded = encoded.toarray() if hasattr(encoded, "toarray") else np.asarray(encoded, dtype=float)
        centre = encoded.mean(axis=0)
        coef = model[-1].coef_[0]
        names = [str(n).split("==")[0] for n in model[:-1].get_feature_names_out()]  # one-hot level -> column
        base = float(model[-1].intercept_[0] + centre @ coef)
        return (encoded - centre) * coef, np.full(len(X), base), names
    return None


def raw_score(model, X: pd.DataFrame) -> np.ndarray:
    """The model's raw score (log-odds margin) on the feature-set frame X, as its library computes it."""
    inner = getattr(model, "model_", model)
    kind = type(inner).__name__
    if kind == "LGBMClassifier":
        return inner.predict(X, raw_score=True)
    if kind == "XGBClassifier":
        return inner.predict(X, output_margin=True)
    if kind == "CatBoostClassifier":
        return inner.predict(model._inputs(X), prediction_type="RawFormulaVal")
    return model.decision_function(X)


def pipeline_contributions(pipeline, X: pd.DataFrame) -> Contributions | None:
    """Contributions per input column of one fitted pipeline on raw rows X (its sampler does not score)."""
    features, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    encoded = features.transform(X)
    found = model_contributions(model, encoded)
    if found is None:
        return None
    values, base, names = found
    # a model input (or a one-hot level of one) -> its feature-set column -> its input column(s)
    mapped = values @ input_matrix(features.feature_sources(), names)
    return Contributions(pd.DataFrame(mapped, index=X.index, columns=schema.FEATURES), np.asarray(base, float))


def has_contributions(pipeline) -> bool:
    model = pipeline.named_steps["model"]
    kind = type(getattr(model, "model_", model)).__name__
    linear = hasattr(model, "named_steps") and type(model[-1]).__name__ == "LogisticRegression"
    return linear or kind in ("LGBMClassifier", "XGBClassifier", "CatBoostClassifier")
