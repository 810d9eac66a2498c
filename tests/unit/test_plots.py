"""The run's figures show the decision where it belongs, and label what every axis measures."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from leadconv.components.priors import prior_shift_weights
from leadconv.tracking import plots


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    y = rng.random(1500) < 0.06
    proba = np.clip(rng.normal(0.1 + 0.25 * y, 0.12, size=1500), 0.001, 0.999)
    return y, proba


def best_threshold(y, proba, weights=None):
    """Brute force over the distinct probabilities: where F1 peaks."""
    candidates = np.unique(proba)
    scores = [f1_score(y, proba >= t, sample_weight=weights) for t in candidates]
    return candidates[int(np.argmax(scores))], max(scores)


def test_f1_figure_draws_both_rates_each_with_its_own_peak(rows):
    y, proba = rows
    own, _ = best_threshold(y, proba)
    shifted, shifted_f1 = best_threshold(y, proba, prior_shift_weights(y, 0.4))
    fig = plots.f1_vs_threshold(y, proba, written=shifted, prior=0.4)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    curves = [label for label in lines if label.startswith("F1 at")]
    assert len(curves) == 2 and "5.0%" not in curves[1] and "40.0%" in curves[1]
    peaks = [line.get_xdata()[0] for label, line in lines.items() if label.startswith("its peak")]
    assert peaks == pytest.approx([own, shifted])
    assert own > shifted  # a higher rate peaks at a lower threshold: the reason both are drawn
    assert f"F1 {shifted_f1:.3f}" in " ".join(lines)
    assert not any("written" in label for label in lines)  # it is the orange peak itself
    assert ax.get_xlabel() and ax.get_ylabel()
    plots.close(fig)


def test_another_written_threshold_is_marked_apart(rows):
    y, proba = rows
    fig = plots.f1_vs_threshold(y, proba, written=0.5, prior=0.4)
    assert any("written for the file 0.500" in line.get_label() for line in fig.axes[0].get_lines())
    plots.close(fig)


def test_confusion_matrix_names_its_rows_and_threshold(rows):
    y, proba = rows
    fig = plots.confusion(y, proba, 0.2)
    ax = fig.axes[0]
    assert f"{len(y):,} rows" in ax.get_title() and "threshold 0.200" in ax.get_title()
    counts = sorted(int(text.get_text()) for text in ax.texts)
    predicted = proba >= 0.2
    assert counts == sorted(
        [(y & predicted).sum(), (~y & predicted).sum(), (y & ~predicted).sum(), (~y & ~predicted).sum()]
    )
    assert ax.get_xlabel() and ax.get_ylabel()
    plots.close(fig)


def test_importance_axis_names_its_unit():
    import pandas as pd

    fig = plots.importance_bar(pd.Series([3.0, 1.0], index=["a", "b"]), "number of splits on the column (LightGBM)")
    assert fig.axes[0].get_xlabel() == "number of splits on the column (LightGBM)" and fig.axes[0].get_ylabel()
    plots.close(fig)


def test_calibration_plots_each_bin_s_mean_prediction_against_its_observed_rate(rows):
    y, proba = rows
    line = next(
        c for c in plots.calibration(y, proba, bins=5).axes[0].get_lines() if c.get_label().startswith("ensemble")
    )
    order = np.argsort(proba, kind="stable")
    bins = np.array_split(order, 5)  # equal row counts, by predicted probability
    assert line.get_xdata() == pytest.approx([proba[b].mean() for b in bins])
    assert line.get_ydata() == pytest.approx([y[b].mean() for b in bins])


def test_contribution_spread_puts_the_largest_column_on_top():
    import pandas as pd

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"small": rng.normal(0, 0.1, 300), "large": rng.normal(0, 2, 300), "mid": rng.normal(1, 0.5, 300)}
    )
    ax = plots.contribution_spread(frame).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["small", "mid", "large"]  # bottom to top
    assert "300 out-of-fold rows" in ax.get_title() and ax.get_xlabel()
