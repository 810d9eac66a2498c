"""Per-lead contributions of one fitted pipeline (features -> sampler -> model), per input column.

Each model's own decomposition of its raw score (log-odds margin) is used, never a refit: per lead, the
contributions plus the base value equal the model's raw score exactly. Two methods (`method=`):

- `path` (default, fast): each tree's prediction is split along the lead's path from the root to its
  leaf, every split crediting its feature with the change in the node's value (Saabas; XGBoost
  `pred_contribs` with `approx_contribs`, CatBoost `ShapValues` with `shap_calc_type=Approximate`,
  LightGBM the same computed from `pred_leaf` and the dumped trees, which LightGBM offers no switch for).
  On the competition file it explains 5,271 leads with the default suite in seconds.
- `shap`: TreeSHAP, the Shapley values (LightGBM `pred_contrib`, XGBoost `pred_contribs`, CatBoost
  `ShapValues`): consistent attributions, but 828 s for the same file on 2 cores (the slow LightGBM's
  1,000 trees dominate).

Logistic regression gets coefficient x (input - its mean over the rows explained) under both: exact for
a linear model. Models without a decomposition (random and extra trees, HistGradientBoosting) return
None: `make submit` then explains the ensemble from its other members.

The model sees the feature set's output columns, not the 28 input columns; `input_matrix` maps each
output column to the input column(s) it comes from (`FeatureSet.feature_sources`), splitting a column
derived from several inputs equally among them, so the contributions per input column still sum to
the raw score.
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


METHODS = ("path", "shap")


def model_contributions(model, X: pd.DataFrame, method: str = "path") -> tuple[np.ndarray, np.ndarray, list] | None:
    """(contributions rows x model inputs, base per row, the model inputs' names): the model's own
    decomposition of its raw score on the feature-set frame X; None for a model without one."""
    if method not in METHODS:
        raise ValueError(f"contribution method {method!r}: use one of {', '.join(METHODS)}")
    inner = getattr(model, "model_", model)
    kind = type(inner).__name__
    if kind == "LGBMClassifier":
        out = inner.predict(X, pred_contrib=True) if method == "shap" else lightgbm_paths(inner.booster_, X)
        return out[:, :-1], out[:, -1], list(X.columns)
    if kind == "XGBClassifier":
        from xgboost import DMatrix

        data = DMatrix(X, enable_categorical=True)
        out = inner.get_booster().predict(data, pred_contribs=True, approx_contribs=method == "path")
        return out[:, :-1], out[:, -1], list(X.columns)
    if kind == "CatBoostClassifier":
        from catboost import Pool

        pool = Pool(model._inputs(X), cat_features=inner.get_cat_feature_indices())
        calc = "Approximate" if method == "path" else "Regular"
        out = inner.get_feature_importance(pool, type="ShapValues", shap_calc_type=calc)
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


def lightgbm_paths(booster, X: pd.DataFrame) -> np.ndarray:
    """Saabas path contributions of a LightGBM booster, as pred_contrib lays them out (last column: the
    base, the sum of the trees' root values): per tree, each leaf's per-feature changes along its path
    are tabulated once, then every row adds the table row of the leaf it lands in (`pred_leaf`)."""
    leaves = booster.predict(X, pred_leaf=True)
    out = np.zeros((len(X), X.shape[1] + 1))
    for t, tree in enumerate(booster.dump_model()["tree_info"]):
        table = np.zeros((tree["num_leaves"], X.shape[1] + 1))
        root = tree["tree_structure"]
        stack = [(root, np.zeros(X.shape[1] + 1))]
        while stack:
            node, path = stack.pop()
            if "leaf_value" in node and "split_feature" not in node:
                table[node.get("leaf_index", 0)] = path
                continue
            for side in ("left_child", "right_child"):
                child = node[side]
                step = path.copy()
                step[node["split_feature"]] += (
                    child.get("internal_value", child.get("leaf_value")) - node["internal_value"]
                )
                stack.append((child, step))
        table[:, -1] = root.get("internal_value", root.get("leaf_value", 0.0))
        out += table[leaves[:, t] if leaves.ndim == 2 else leaves]
    return out


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


def pipeline_contributions(
    pipeline, X: pd.DataFrame, method: str = "path", encoded: pd.DataFrame | None = None
) -> Contributions | None:
    """Contributions per input column of one fitted pipeline on raw rows X (its sampler does not score);
    `encoded`: X already through the pipeline's feature set, when the caller has it."""
    features, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    encoded = features.transform(X) if encoded is None else encoded
    found = model_contributions(model, encoded, method)
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
