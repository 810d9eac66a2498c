"""The shift diagnosis as MLflow artifacts (a table and a figure) and as text for a terminal."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd

from leadconv.components.shift import ShiftReport
from leadconv.tracking.log import log_frame

TABLE = "shift/columns.csv"
FIGURE = "plots/shift_columns.png"


def log_shift(report: ShiftReport) -> None:
    """Per-column table and figure of the diagnosis (nothing when the file was not diagnosed)."""
    if report.columns.empty:
        return
    log_frame(report.columns.round(4), TABLE)
    figure = shift_figure(report)
    mlflow.log_figure(figure, FIGURE)
    plt.close(figure)


def shift_figure(report: ShiftReport, top: int = 12):
    """For the columns that separate the file from train most: their share of the classifier's split
    gain, the share of the file's values train never holds (after cleaning), and the change in missing share."""
    columns = report.columns.sort_values("importance", ascending=False).head(top).iloc[::-1]
    fig, axes = plt.subplots(1, 3, figsize=(12, 0.35 * len(columns) + 1.6), sharey=True)
    panels = [
        ("importance", "share of the classifier's split gain"),
        ("unseen_clean", "share of the file's values unseen in train"),
        ("missing_change", "missing share: file minus train"),
    ]
    for ax, (column, label) in zip(axes, panels, strict=True):
        ax.barh(columns.index.astype(str), np.nan_to_num(columns[column].to_numpy()))
        ax.set_xlabel(label)
    axes[0].set_ylabel("lead column")
    fig.suptitle(f"What sets the scored file apart from train (shift AUC {report.auc:.2f})")
    fig.tight_layout()
    return fig


def shift_table(report: ShiftReport, top: int = 10) -> str:
    """The columns that separate most, as aligned text."""
    if report.columns.empty:
        return "(no per-column report: the file was not diagnosed)"
    shown = report.columns.sort_values("importance", ascending=False).head(top)
    keep = ["importance", "drift", "unseen_raw", "unseen_clean", "missing_train", "missing_scored"]
    return pd.DataFrame(shown[keep]).to_string(float_format=lambda value: f"{value:.3f}", na_rep="-")
