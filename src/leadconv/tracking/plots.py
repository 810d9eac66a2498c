"""Diagnostic figures logged with every run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: runs, tests and CI have no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay

from leadconv.components.thresholds import f1_curve


def pr_curve(y, proba):
    fig, ax = plt.subplots(figsize=(5, 4))
    PrecisionRecallDisplay.from_predictions(y, proba, ax=ax, name="out-of-fold")
    ax.set_title("Precision-recall (out-of-fold)")
    return fig


def confusion(y, predicted):
    fig, ax = plt.subplots(figsize=(4, 4))
    ConfusionMatrixDisplay.from_predictions(
        y, predicted, ax=ax, colorbar=False, display_labels=["not converted", "converted"]
    )
    ax.set_title("Confusion matrix at the threshold")
    return fig


def f1_vs_threshold(y, proba, threshold: float):
    f1, precision, recall, thresholds = f1_curve(y, proba)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(thresholds, f1, label="F1")
    ax.plot(thresholds, precision, alpha=0.5, label="precision")
    ax.plot(thresholds, recall, alpha=0.5, label="recall")
    ax.axvline(threshold, color="k", linestyle="--", label=f"threshold {threshold:.3f}")
    ax.set_xlabel("threshold")
    ax.legend()
    ax.set_title("F1 versus threshold (out-of-fold)")
    return fig


def importance_bar(importance: pd.Series, top: int = 30):
    shown = importance.sort_values().tail(top)
    fig, ax = plt.subplots(figsize=(6, 0.25 * len(shown) + 1))
    ax.barh(shown.index.astype(str), shown.to_numpy())
    ax.set_title("Feature importance (mean over folds)")
    fig.tight_layout()
    return fig


def close(fig) -> None:
    plt.close(fig)


def cv_f1_by_model_and_sampler(runs: pd.DataFrame):
    """Leaderboard figure from one row per run (model, sampler, cv_f1, cv_f1_std): the best CV F1 of
    each model x sampler pair, and every run's CV F1 (± its fold std) by model."""
    best = runs.pivot_table(index="model", columns="sampler", values="cv_f1", aggfunc="max")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.45 * max(len(best), len(runs["model"].unique())) + 2.5))
    image = left.imshow(best.to_numpy(float), cmap="viridis", aspect="auto")
    left.set_xticks(range(best.shape[1]), best.columns, rotation=30, ha="right")
    left.set_yticks(range(best.shape[0]), best.index)
    for (i, j), value in np.ndenumerate(best.to_numpy(float)):
        if np.isfinite(value):
            left.text(
                j,
                i,
                f"{value:.3f}",
                ha="center",
                va="center",
                fontsize=8,
                color="k" if image.norm(value) > 0.6 else "w",
            )
    fig.colorbar(image, ax=left, shrink=0.8)
    left.set_title("Best CV F1 per model and sampler")
    order = runs.groupby("model")["cv_f1"].max().sort_values().index
    for sampler, part in runs.groupby("sampler"):
        y = order.get_indexer(part["model"])
        right.errorbar(part["cv_f1"], y, xerr=part["cv_f1_std"], fmt="o", alpha=0.7, capsize=2, label=sampler)
    right.set_yticks(range(len(order)), order)
    right.set_xlabel("CV F1 (± std over folds)")
    right.legend(title="sampler", fontsize=7, loc="best")
    right.set_title("Every run")
    fig.tight_layout()
    return fig
