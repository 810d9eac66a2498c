"""Cross-validation of one imblearn Pipeline: every learned step is fit on the training fold only."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.inspection import permutation_importance
from sklearn.metrics import f1_score, roc_auc_score

from leadconv.components.contributions import has_contributions, pipeline_contributions
from leadconv.components.cv import Fold
from leadconv.engine.metrics import per_row

log = logging.getLogger(__name__)


def build_pipeline(features, sampler, model) -> Pipeline:
    return Pipeline([("features", features), ("sampler", sampler or "passthrough"), ("model", model)])


@dataclass
class CVResult:
    oof: pd.DataFrame  # one row per validation prediction: row, repeat, fold, y_true, proba
    test_proba: np.ndarray  # mean over the fold models
    importances: pd.DataFrame  # feature x fold
    fit_seconds: float
    folds: list[Fold]
    models: list = field(default_factory=list)
    importance_unit: str = "importance"  # what `importances` measures (importance_unit)
    # per out-of-fold row (a sample of at most CONTRIBUTION_ROWS per fold) and input column, the fold model's
    # contribution to its log-odds (leadconv.components.contributions); None for models without any
    contributions: pd.DataFrame | None = None

    def oof_proba(self) -> np.ndarray:
        """One probability per validated training row (mean over repeats), in row order."""
        return per_row(self.oof)["proba"].to_numpy()

    def oof_labels(self) -> np.ndarray:
        """The labels of the rows oof_proba covers (cv=group never validates a few rows)."""
        return per_row(self.oof)["y_true"].to_numpy()


IMPORTANCE_UNITS = {
    "LGBMClassifier": "number of splits on the column (LightGBM)",
    "XGBClassifier": "share of total gain (XGBoost, sums to 1)",
    "CatBoostClassifier": "prediction change (CatBoost PredictionValuesChange, sums to 100)",
    "RandomForestClassifier": "mean impurity decrease (sums to 1)",
    "ExtraTreesClassifier": "mean impurity decrease (sums to 1)",
}


CONTRIBUTION_ROWS = 1000  # per fold: enough for the spread of a column's contributions, cheap for any model


def fold_contributions(pipeline, X_valid: pd.DataFrame, seed: int) -> pd.DataFrame | None:
    """The fold model's contributions on (a seeded sample of) its validation rows, or None."""
    if not has_contributions(pipeline):
        return None
    rows = X_valid if len(X_valid) <= CONTRIBUTION_ROWS else X_valid.sample(CONTRIBUTION_ROWS, random_state=seed)
    try:
        return pipeline_contributions(pipeline, rows).values
    except (ValueError, TypeError) as error:  # a diagnostic: a feature set it cannot map must not stop the run
        log.warning("no contribution plot: %s", error)
        return None


def importance_unit(pipeline) -> str:
    """What the importance of `pipeline`'s model measures (leadconv.engine.training.feature_importance)."""
    model = pipeline.named_steps["model"]
    inner = getattr(model, "model_", model)
    if hasattr(model, "feature_importances_"):
        return IMPORTANCE_UNITS.get(type(inner).__name__, f"{type(inner).__name__}.feature_importances_")
    if hasattr(model, "named_steps") and hasattr(model[-1], "coef_"):
        return "|coefficient| summed over the column's one-hot levels (standardised inputs)"
    return "permutation importance: drop in PR AUC on the validation fold"


def feature_importance(pipeline: Pipeline, X_valid: pd.DataFrame, y_valid: np.ndarray) -> pd.Series:
    """Importance per feature-set column: the model's own, |coef| summed over a column's one-hot
    levels for linear models, else permutation importance (PR AUC) on the validation fold."""
    model = pipeline.named_steps["model"]
    features = pipeline.named_steps["features"]
    columns = features.get_feature_names_out()
    if hasattr(model, "feature_importances_"):
        return pd.Series(np.asarray(model.feature_importances_, dtype=float), index=columns)
    if hasattr(model, "named_steps") and hasattr(model[-1], "coef_"):
        names = [n.split("==")[0] for n in model[:-1].get_feature_names_out()]
        return (
            pd.Series(np.abs(model[-1].coef_[0]), index=names).groupby(level=0).sum().reindex(columns, fill_value=0.0)
        )
    permuted = permutation_importance(
        model, features.transform(X_valid), y_valid, scoring="average_precision", n_repeats=2, random_state=0
    )
    return pd.Series(permuted.importances_mean, index=columns)


def cross_validate(
    pipeline: Pipeline,
    X: pd.DataFrame,
    y: np.ndarray,
    X_test: pd.DataFrame,
    folds: list[Fold],
    keep_models: bool = False,
    on_fold=None,
    unlabeled: pd.DataFrame | None = None,
    sample_weight: np.ndarray | None = None,
) -> CVResult:
    """`on_fold(folds_done, oof_so_far, test_proba_so_far)`, if given, runs after every fold (an Optuna
    trial reports its score so far there, and may stop the run by raising optuna.TrialPruned).
    `unlabeled`: rows a transductive feature set may read without their labels (the scored file); each
    fold's feature set gets them together with its validation rows, so validation and scored rows are
    counted alike. `sample_weight`: per row of X, what its fold models fit it with (`weighting=`)."""
    y = np.asarray(y)
    oof_parts, test_sum, importances, models, contributions = [], np.zeros(len(X_test)), {}, [], []
    start = time.perf_counter()
    for i, fold in enumerate(folds, 1):
        fold_start = time.perf_counter()
        fit_params = {} if unlabeled is None else {"features__unlabeled": pd.concat([X.iloc[fold.valid], unlabeled])}
        if sample_weight is not None:
            fit_params["model__sample_weight"] = np.asarray(sample_weight)[fold.train]
        fitted = clone(pipeline).fit(X.iloc[fold.train], y[fold.train], **fit_params)
        proba = fitted.predict_proba(X.iloc[fold.valid])[:, 1]
        test_sum += fitted.predict_proba(X_test)[:, 1]
        oof_parts.append(
            pd.DataFrame(
                {"row": fold.valid, "repeat": fold.repeat, "fold": fold.fold, "y_true": y[fold.valid], "proba": proba}
            )
        )
        importances[f"r{fold.repeat}f{fold.fold}"] = feature_importance(fitted, X.iloc[fold.valid], y[fold.valid])
        contributions.append(fold_contributions(fitted, X.iloc[fold.valid], seed=i))
        if keep_models:
            models.append(fitted)
        log.info(
            "fold %d/%d: AUC %.4f, F1@0.5 %.4f, %d train / %d valid rows (%.1fs)",
            i,
            len(folds),
            roc_auc_score(y[fold.valid], proba),
            f1_score(y[fold.valid], proba >= 0.5),
            len(fold.train),
            len(fold.valid),
            time.perf_counter() - fold_start,
        )
        if on_fold is not None:
            on_fold(i, pd.concat(oof_parts, ignore_index=True), test_sum / i)
    return CVResult(
        oof=pd.concat(oof_parts, ignore_index=True),
        test_proba=test_sum / len(folds),
        importances=pd.DataFrame(importances),
        fit_seconds=time.perf_counter() - start,
        folds=folds,
        importance_unit=importance_unit(fitted),  # the last fold's fitted pipeline
        models=models,
        contributions=None if any(c is None for c in contributions) else pd.concat(contributions),
    )
