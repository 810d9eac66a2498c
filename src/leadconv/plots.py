"""Diagnostic figures logged with every run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: runs, tests and CI have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, precision_recall_curve  # noqa: E402


def pr_curve(y, proba):
    fig, ax = plt.subplots(figsize=(5, 4))
    PrecisionRecallDisplay.from_predictions(y, proba, ax=ax, name="out-of-fold")
    ax.set_title("Precision-recall (out-of-fold)")
    return fig


def confusion(y, predicted):
    fig, ax = plt.subplots(figsize=(4, 4))
    ConfusionMatrixDisplay.from_predictions(y, predicted, ax=ax, colorbar=False,
                                            display_labels=["not converted", "converted"])
    ax.set_title("Confusion matrix at the threshold")
    return fig


def f1_vs_threshold(y, proba, threshold: float):
    precision, recall, thresholds = precision_recall_curve(y, proba)
    f1 = 2 * precision * recall / np.clip(precision + recall, 1e-12, None)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(thresholds, f1[:-1], label="F1")
    ax.plot(thresholds, precision[:-1], alpha=0.5, label="precision")
    ax.plot(thresholds, recall[:-1], alpha=0.5, label="recall")
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
