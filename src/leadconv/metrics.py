"""Scores of a cross-validated run, all computable again from the logged out-of-fold file."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score


def fold_f1(oof: pd.DataFrame, threshold: float) -> pd.Series:
    """F1 of each (repeat, fold) at the run's threshold."""
    return oof.groupby(["repeat", "fold"]).apply(
        lambda part: f1_score(part["y_true"], part["proba"] >= threshold, zero_division=0.0), include_groups=False
    )


def score_run(oof: pd.DataFrame, threshold: float, test_proba: np.ndarray) -> dict[str, float]:
    per_row = oof.groupby("row").agg(y_true=("y_true", "first"), proba=("proba", "mean"))
    y, proba = per_row["y_true"].to_numpy(), per_row["proba"].to_numpy()
    predicted = proba >= threshold
    folds = fold_f1(oof, threshold)
    metrics = {
        "cv_f1": float(folds.mean()),
        "cv_f1_std": float(folds.std(ddof=0)),
        "oof_f1_at_0.5": float(f1_score(y, proba >= 0.5, zero_division=0.0)),
        "oof_f1_at_threshold": float(f1_score(y, predicted, zero_division=0.0)),
        "threshold": float(threshold),
        "precision": float(precision_score(y, predicted, zero_division=0.0)),
        "recall": float(recall_score(y, predicted, zero_division=0.0)),
        "roc_auc": float(roc_auc_score(y, proba)),
        "pr_auc": float(average_precision_score(y, proba)),
        "test_positive_rate": float(np.mean(np.asarray(test_proba) >= threshold)),
    }
    metrics.update({f"f1_fold_r{r}_f{k}": float(v) for (r, k), v in folds.items()})
    return metrics
