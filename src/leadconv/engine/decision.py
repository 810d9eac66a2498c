"""The decision written for a scored file: its estimated prior, the threshold for that prior,
and the F1 to expect there. Runs, ensembles and `make submit` all decide through `decide`.

When a shift diagnosis (`shift=` group) finds that the file is another mix of leads, the labelled
out-of-fold rows are weighted toward that mix before anything is read off them: the prior's
calibration, the threshold and the forecast all come from the rows that resemble the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadconv.components.priors import PriorEstimate, as_rate, prior_shift_weights
from leadconv.components.shift import ShiftReport, lead_columns
from leadconv.engine.metrics import fold_f1, per_row

FORECAST_BOOTSTRAP = 200
FORECAST_CONFIDENCE = 0.9
FEW_LEADS = 0.5  # a file whose effective leads are fewer than this share of its rows is said to repeat them


@dataclass(frozen=True)
class Decision:
    threshold: float
    prior: PriorEstimate
    forecast_f1: float  # out-of-fold F1 reweighted to the file's mix and prior, at `threshold` (mean over folds)
    forecast_f1_std: float
    predicted_positive_rate: float  # share of the scored rows at or above `threshold`
    forecast_low: float = float("nan")  # bootstrap interval of the F1 the file gets (rows, weights, prior)
    forecast_high: float = float("nan")
    shift: ShiftReport = field(default_factory=lambda: ShiftReport(float("nan"), np.ones(0), False))
    effective_leads: float = float("nan")  # Kish's effective size of the scored file, its identical rows one lead

    @property
    def forecast_interval(self) -> tuple[float, float]:
        return self.forecast_low, self.forecast_high

    def metrics(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "test_prior_estimate": self.prior.value,
            "test_prior_low": self.prior.low,
            "test_prior_high": self.prior.high,
            "test_prior_spread": self.prior.spread,
            "forecast_f1": self.forecast_f1,
            "forecast_f1_std": self.forecast_f1_std,
            "forecast_f1_low": self.forecast_low,
            "forecast_f1_high": self.forecast_high,
            "test_positive_rate": self.predicted_positive_rate,
            "test_effective_leads": self.effective_leads,
        } | ({} if np.isnan(self.shift.auc) else self.shift.metrics())

    def tags(self) -> dict[str, str]:
        warnings = [w for w in (self.prior.warning, self.shift.warning) if w]
        return {
            "prior_method": self.prior.method,
            **({"prior_warning": " | ".join(warnings)[:5000]} if warnings else {}),
            **({"shift_top_columns": ",".join(self.shift.top_columns())} if self.shift.shifted else {}),
        }

    @property
    def confident(self) -> bool:
        """False when too few labelled rows resemble the file for a point forecast to mean much."""
        return not self.shift.collapsed

    def summary(self) -> str:
        low, high = self.forecast_interval
        if self.confident:
            forecast = f"forecast F1 {self.forecast_f1:.4f} [{low:.3f}, {high:.3f}]"
        else:
            forecast = f"forecast F1 somewhere in [{low:.3f}, {high:.3f}] (few labelled rows resemble this file)"
        if self.effective_leads < FEW_LEADS * self.shift.rows:
            forecast += f" (the file repeats its rows: its F1 rests on {self.effective_leads:,.0f} leads)"
        shift = "" if np.isnan(self.shift.auc) else f" | {self.shift.summary()}"
        return (
            f"{forecast} at test prior "
            f"{self.prior.value:.3f} [{as_rate(self.prior.low)}, {as_rate(self.prior.high)}] ({self.prior.method}){shift} | "
            f"threshold {self.threshold:.4f} | {self.predicted_positive_rate:.1%} predicted converted"
            + (f" | {self.caveat()}" if self.caveat() else "")
        )

    def caveat(self) -> str | None:
        """Why a newcomer should not believe this decision, in a few words; None when nothing stands out."""
        if self.prior.method == "fallback":
            return "caution: prior not estimable, fallback used (see the warning above)"
        if self.predicted_positive_rate > self.prior.value + 0.25:
            return (
                f"caution: {self.predicted_positive_rate:.0%} predicted converted for an estimated "
                f"{self.prior.value:.0%}: the model barely separates the classes here, do not trust this decision"
            )
        if self.prior.warning:
            return "caution: the prior estimate is unstable (shift warning above)"
        return None


def decide(
    rule,
    estimator,
    oof: pd.DataFrame,
    proba,
    bootstrap: bool = True,
    shift=None,
    labelled: pd.DataFrame | None = None,
    scored: pd.DataFrame | None = None,
) -> Decision:
    """Estimate the prior of the rows scored `proba`, choose `rule`'s threshold for it, forecast F1.

    `shift` (a `shift=` component) with `labelled` (the training rows' features, indexed like
    `oof["row"]`) and `scored` (the scored rows' features) first diagnoses whether the file is
    another mix of leads; if it is, every step below reads the labelled rows weighted toward it."""
    rows = per_row(oof)
    y, oof_proba, proba = rows["y_true"].to_numpy(), rows["proba"].to_numpy(), np.asarray(proba, float)
    report = diagnose(shift, estimator, rows, labelled, scored, proba)
    weights = report.weights if report.shifted else None
    prior = estimator.estimate(y, oof_proba, proba, bootstrap=bootstrap, weights=weights)
    threshold = float(rule.choose(y, oof_proba, proba, prior.value, weights=weights))
    row_weights = None if weights is None else pd.Series(weights, index=rows.index)
    folds = fold_f1(oof, threshold, prior.value, row_weights)
    rate = float(np.mean(proba >= threshold)) if len(proba) else float("nan")
    counts = lead_counts(scored, len(proba))
    low, high = forecast_interval(y, oof_proba, threshold, prior, weights, counts) if bootstrap else (np.nan, np.nan)
    forecast, spread = float(folds.mean()), float(folds.std(ddof=0))
    return Decision(threshold, prior, forecast, spread, rate, low, high, report, kish_size(counts))


def lead_counts(scored: pd.DataFrame | None, n_scored: int) -> np.ndarray:
    """How many rows of the scored file each distinct lead fills (rows alike in every lead column are one
    lead); one row each when the file's columns are not known."""
    columns = None if scored is None or len(scored) != n_scored else lead_columns(scored)
    if columns is None or columns.shape[1] == 0:
        return np.ones(n_scored, dtype=int)
    return pd.util.hash_pandas_object(columns, index=False).value_counts().to_numpy()


def kish_size(counts: np.ndarray) -> float:
    """Kish's effective sample size of rows repeated `counts` times: what the file's F1 rests on."""
    return float(counts.sum() ** 2 / np.sum(counts**2)) if len(counts) else float("nan")


def diagnose(shift, estimator, rows: pd.DataFrame, labelled, scored, proba) -> ShiftReport:
    """The shift report for the scored file; rows of one weight when there is nothing to diagnose."""
    if shift is None or labelled is None or scored is None:
        return ShiftReport(float("nan"), np.ones(len(rows)), False, rows=len(proba))
    y = rows["y_true"].to_numpy()
    # the label-shift estimate sets the class balance, so that a change of rate alone reads as no shift
    first = estimator.estimate(y, rows["proba"].to_numpy(), proba, bootstrap=False)
    features = labelled.iloc[rows.index.to_numpy()].reset_index(drop=True)
    return shift.diagnose(features, y, scored, first.value)


def forecast_interval(y, proba, threshold: float, prior: PriorEstimate, weights, counts, seed: int = 0):
    """The F1 the scored file gets at `threshold`, as a bootstrap interval: the labelled rows are redrawn
    (and with them the weights), a prior is drawn from the estimate's interval, and a file of as many
    leads as the scored file is drawn from the rows weighted to that mix and prior, each lead filling as
    many rows as one of the file's (`counts`). Why the counts: a file that repeats a few leads hundreds
    of times rests on those few, and its F1 varies far more than that of as many distinct leads."""
    rng = np.random.default_rng(seed)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    spread = max(prior.high - prior.low, 0.0) / (2 * 1.645)  # the 90 % interval as a normal's sd
    predicted, f1s = proba >= threshold, []
    counts = np.asarray(counts, float) if len(counts) else np.ones(1)  # an empty file: one row, as a file of one
    for _ in range(FORECAST_BOOTSTRAP):
        i = rng.integers(0, len(y), len(y))
        if y[i].min() == y[i].max():
            continue
        drawn_prior = float(np.clip(rng.normal(prior.value, spread), 1e-3, 1 - 1e-3))
        chance = prior_shift_weights(y[i], drawn_prior, weights=weights[i])
        leads = i[rng.choice(len(i), len(counts), p=chance / chance.sum())]
        hit, positive = counts * predicted[leads], counts * (y[leads] == 1)
        f1s.append(2 * np.sum(hit * (y[leads] == 1)) / max(hit.sum() + positive.sum(), 1))
    if not f1s:
        return float("nan"), float("nan")
    tail = (1 - FORECAST_CONFIDENCE) / 2
    return float(np.quantile(f1s, tail)), float(np.quantile(f1s, 1 - tail))
