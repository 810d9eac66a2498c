"""Diagnostic figures logged with every run."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: runs, tests and CI have no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay

from leadconv.components.priors import prior_shift_weights
from leadconv.components.thresholds import f1_curve


def pr_curve(y, proba):
    fig, ax = plt.subplots(figsize=(5, 4))
    PrecisionRecallDisplay.from_predictions(y, proba, ax=ax, name="out-of-fold")
    ax.set_title("Precision-recall (out-of-fold)")
    ax.set_xlabel("recall (share of converted leads found)")
    ax.set_ylabel("precision (share of predicted that converted)")
    fig.tight_layout()
    return fig


def peak(y, proba, sample_weight=None) -> tuple[float, float]:
    """(threshold, F1) where the F1 curve of these rows peaks."""
    f1, _, _, thresholds = f1_curve(y, proba, sample_weight)
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])


def confusion(y, proba, threshold: float):
    """The validation rows (out-of-fold) at `threshold`, the threshold for their own rate."""
    y = np.asarray(y).astype(bool)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ConfusionMatrixDisplay.from_predictions(
        y, np.asarray(proba) >= threshold, ax=ax, colorbar=False, display_labels=["not converted", "converted"]
    )
    ax.set_xlabel("predicted (out-of-fold probability ≥ threshold)")
    ax.set_ylabel("actual label")
    ax.set_title(
        f"Validation rows (out-of-fold, {len(y):,} rows, {y.mean():.1%} converted)\n"
        f"at threshold {threshold:.3f}: the best F1 at their own rate",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def f1_vs_threshold(y, proba, written: float, prior: float):
    """Out-of-fold F1 at the validation rows' own rate and reweighted to the scored file's estimated
    rate `prior`, each with the threshold where it peaks; `written` is the threshold written for the file."""
    y = np.asarray(y).astype(bool)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    curves = [
        (f"validation rows' own rate {y.mean():.1%}", None, "tab:blue"),
        (f"reweighted to the scored file's rate {prior:.1%}", prior_shift_weights(y, prior), "tab:orange"),
    ]
    for label, weights, colour in curves:
        f1, _, _, thresholds = f1_curve(y, proba, weights)
        at, best = peak(y, proba, weights)
        ax.plot(thresholds, f1, color=colour, label=f"F1 at {label}")
        ax.axvline(at, color=colour, linestyle="--", label=f"its peak: threshold {at:.3f}, F1 {best:.3f}")
    if not np.isclose(written, peak(y, proba, curves[1][1])[0]):
        ax.axvline(written, color="k", linestyle=":", label=f"threshold written for the file {written:.3f}")
    ax.set_xlabel("threshold on the predicted probability")
    ax.set_ylabel("F1 of the converted class (out-of-fold)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("F1 versus threshold: validation rate and scored file's rate", fontsize=10)
    fig.tight_layout()
    return fig


def importance_bar(importance: pd.Series, unit: str = "importance", top: int = 30):
    shown = importance.sort_values().tail(top)
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(shown) + 1.6))
    ax.barh(shown.index.astype(str), shown.to_numpy())
    ax.set_xlabel(unit)
    ax.set_ylabel("feature-set column")
    ax.set_title(f"Feature importance (mean over folds, top {len(shown)})")
    fig.tight_layout()
    return fig


def contribution_spread(contributions: pd.DataFrame, top: int = 28):
    """Per input column, the spread of its contributions to the log-odds over out-of-fold rows (box: the
    middle half, whiskers: 5th to 95th percentile), columns ordered by mean |contribution|, largest on top."""
    order = contributions.abs().mean().sort_values().index[-top:]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(order) + 1.6))
    ax.boxplot([contributions[c].to_numpy() for c in order], vert=False, whis=(5, 95), showfliers=False)
    ax.set_yticks(range(1, len(order) + 1), order)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("contribution to the log-odds of converting (+: toward converting)")
    ax.set_ylabel("input column")
    ax.set_title(f"Contributions per input column ({len(contributions):,} out-of-fold rows)", fontsize=10)
    fig.tight_layout()
    return fig


def calibration(y, proba, bins: int = 10):
    """Predicted against observed conversion rate on the out-of-fold rows, in `bins` bins of equal row
    counts (quantiles of the prediction), with the diagonal a calibrated model follows."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "p": np.asarray(proba, float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), min(bins, len(frame)), labels=False)
    table = frame.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), rows=("y", "size"))
    fig, ax = plt.subplots(figsize=(5, 4.6))
    top = max(table["predicted"].max(), table["observed"].max()) * 1.05
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="calibrated")
    ax.plot(table["predicted"], table["observed"], marker="o", label="ensemble (out-of-fold)")
    ax.set_xlabel("predicted conversion rate (mean of the bin)")
    ax.set_ylabel("observed conversion rate (share converted)")
    ax.set_title(f"Calibration: {len(table)} bins of about {len(frame) // len(table):,} out-of-fold rows", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
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
