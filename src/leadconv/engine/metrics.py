"""Scores of a cross-validated run, all computable again from the logged out-of-fold file.

Two F1s, for two populations. `cv_f1` is F1 on the validation folds as they are (train's
prior, about 4 % converted) at the rule's threshold for them. `forecast_f1` is the F1 to
expect on the scored file: the out-of-fold rows reweighted to that file's estimated prior
(`leadconv.components.priors`), at the threshold actually written for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from leadconv.components.priors import prior_shift_weights

OBJECTIVES = ("forecast_f1", "cv_f1", "roc_auc", "pr_auc")  # what a sweep or select.metric may rank by


def per_row(oof: pd.DataFrame) -> pd.DataFrame:
    """One row per validated training row: its label and its probability (mean over repeats)."""
    return oof.groupby("row").agg(y_true=("y_true", "first"), proba=("proba", "mean")).sort_index()


def reweighted_f1(y_true, proba, threshold: float, prior: float | None = None, weights=None) -> float:
    """F1 at `threshold`; with `prior`, as if positives were that share of the rows; `weights`: the
    rows' covariate-shift weights toward the scored file."""
    if prior is not None:
        weights = prior_shift_weights(y_true, prior, weights=weights)
    return float(f1_score(y_true, np.asarray(proba) >= threshold, sample_weight=weights, zero_division=0.0))


def fold_f1(oof: pd.DataFrame, threshold: float, prior: float | None = None, row_weights=None) -> pd.Series:
    """F1 of each (repeat, fold) at `threshold`, each fold reweighted to `prior` when given;
    `row_weights` (a Series indexed by `row`) weighs the rows toward the scored file's mix."""
    if row_weights is not None:
        oof = oof.assign(weight=oof["row"].map(row_weights).to_numpy())

    def f1(part: pd.DataFrame) -> float:
        weights = part["weight"].to_numpy() if row_weights is not None else None
        return reweighted_f1(part["y_true"], part["proba"], threshold, prior, weights)

    return oof.groupby(["repeat", "fold"]).apply(f1, include_groups=False)


def score_run(oof: pd.DataFrame, cv_threshold: float, decision) -> dict[str, float]:
    """Every metric of a run or ensemble: `cv_threshold` scores the validation folds, `decision`
    (leadconv.engine.decision.Decision) is what was written for the test file."""
    rows = per_row(oof)
    y, proba = rows["y_true"].to_numpy(), rows["proba"].to_numpy()
    predicted = proba >= cv_threshold
    folds = fold_f1(oof, cv_threshold)
    metrics = {
        "cv_f1": float(folds.mean()),
        "cv_f1_std": float(folds.std(ddof=0)),
        "cv_threshold": float(cv_threshold),
        "oof_f1_at_0.5": float(f1_score(y, proba >= 0.5, zero_division=0.0)),
        "oof_f1_at_threshold": float(f1_score(y, predicted, zero_division=0.0)),
        "precision": float(precision_score(y, predicted, zero_division=0.0)),
        "recall": float(recall_score(y, predicted, zero_division=0.0)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        **decision.metrics(),
    }
    metrics.update({f"f1_fold_r{r}_f{k}": float(v) for (r, k), v in folds.items()})
    return metrics
