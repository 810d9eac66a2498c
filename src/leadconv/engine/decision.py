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
from leadconv.components.thresholds import conversion_chances, expected_f1
from leadconv.engine.metrics import fold_f1, per_row

FORECAST_BOOTSTRAP = 200
FORECAST_CONFIDENCE = 0.9
FEW_LEADS = 0.5  # a file whose effective leads are fewer than this share of its rows is said to repeat them


@dataclass(frozen=True)
class Decision:
    threshold: float
    prior: PriorEstimate
    forecast_f1: float  # the F1 the file's own scores are expected to reach at `threshold` (file_forecast)
    forecast_f1_std: float  # its spread over folds
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
    forecast, spread = file_forecast(oof, threshold, prior.value, row_weights, proba)
    rate = float(np.mean(proba >= threshold)) if len(proba) else float("nan")
    leads = lead_codes(scored, len(proba))
    low, high = (np.nan, np.nan)
    if bootstrap:
        low, high = forecast_interval(y, oof_proba, proba, threshold, prior, weights, leads)
    return Decision(threshold, prior, forecast, spread, rate, low, high, report, kish_size(np.bincount(leads)))


def file_forecast(oof: pd.DataFrame, threshold: float, prior: float, row_weights, proba) -> tuple[float, float]:
    """(the F1 the scored file's own scores `proba` are expected to reach at `threshold`, its spread over
    folds). Each scored lead's chance of converting is read off the out-of-fold rows weighted to the file's
    mix (`row_weights`, a Series indexed by `row`) and prior (`conversion_chances`).

    Why the file's own scores and not the weighted out-of-fold F1 at the cut: on a file of another mix the
    out-of-fold rows that resemble it are ranked better than the file's leads are (weighted AUC 0.90-0.92
    against 0.84-0.90 on files drawn toward the competition file's mix), and that F1 was 0.07-0.13 too high
    there (experiments/shift_decisions.md, "A forecast read off the file's own scores")."""
    if len(proba) == 0:  # nothing scored: the labelled rows' F1 at the cut, weighted as the file would be
        folds = fold_f1(oof, threshold, prior, row_weights)
        return float(folds.mean()), float(folds.std(ddof=0))
    predicted = np.asarray(proba) >= threshold

    def forecast(part: pd.DataFrame) -> float:
        weights = None if row_weights is None else row_weights.loc[part.index].to_numpy()
        chance = conversion_chances(part["y_true"].to_numpy(), part["proba"].to_numpy(), proba, prior, weights)
        return expected_f1(chance, predicted)

    rows = per_row(oof)
    folds = [forecast(part.set_index("row")) for _, part in oof.groupby(["repeat", "fold"])]
    return forecast(rows), float(np.std(folds))


def lead_codes(scored: pd.DataFrame | None, n_scored: int) -> np.ndarray:
    """Per scored row, the code of its distinct lead (rows alike in every lead column are one lead); every
    row a lead of its own when the file's columns are not known."""
    columns = None if scored is None or len(scored) != n_scored else lead_columns(scored)
    if columns is None or columns.shape[1] == 0:
        return np.arange(n_scored)
    return pd.util.hash_pandas_object(columns, index=False).factorize()[0]


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


def forecast_interval(y, oof_proba, proba, threshold: float, prior: PriorEstimate, weights, leads, seed: int = 0):
    """The F1 the scored file gets at `threshold`, as a 90 % interval: the hull of what its own leads
    allow (`own_leads_interval`) and what labelled rows drawn as such a file reach (`drawn_file_interval`).
    Each alone held the F1 reached too rarely on one kind of held-out file: the first on files of train's
    mix, the second on files drawn toward the competition file's mix (experiments/shift_decisions.md)."""
    own = own_leads_interval(y, oof_proba, proba, threshold, prior, weights, leads, seed)
    drawn = drawn_file_interval(y, oof_proba, threshold, prior, weights, np.bincount(leads), seed)
    return float(np.fmin(own[0], drawn[0])), float(np.fmax(own[1], drawn[1]))


def replicates(y, weights, prior: PriorEstimate, seed: int):
    """FORECAST_BOOTSTRAP bootstrap replicates (fewer when one holds a single class): positions of the labelled
    rows redrawn, their weights (`weights`, or 1 each) and a prior drawn from the estimate's interval."""
    rng = np.random.default_rng(seed)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    spread = max(prior.high - prior.low, 0.0) / (2 * 1.645)  # the 90 % interval as a normal's sd
    for _ in range(FORECAST_BOOTSTRAP):
        i = rng.integers(0, len(y), len(y))
        drawn_prior = float(np.clip(rng.normal(prior.value, spread), 1e-3, 1 - 1e-3))
        if y[i].min() != y[i].max():
            yield rng, i, weights[i], drawn_prior


def own_leads_interval(y, oof_proba, proba, threshold, prior: PriorEstimate, weights, leads, seed: int = 0):
    """Each replicate refits the map from score to conversion (`conversion_chances`) on redrawn labelled
    rows, then each distinct lead of the file (`leads`: its code per row) converts with its chance, every
    row of a repeated lead alike."""
    predicted, f1s = np.asarray(proba) >= threshold, []
    for rng, i, drawn_weights, drawn_prior in replicates(y, weights, prior, seed) if len(proba) else ():
        chance = conversion_chances(y[i], oof_proba[i], proba, drawn_prior, drawn_weights)
        converted = rng.random(leads.max() + 1)[leads] < chance
        f1s.append(2 * np.sum(predicted & converted) / max(predicted.sum() + converted.sum(), 1))
    return quantiles(f1s)


def drawn_file_interval(y, proba, threshold: float, prior: PriorEstimate, weights, counts, seed: int = 0):
    """Each replicate draws a file of as many leads as the scored file holds from redrawn labelled rows
    weighted to the file's mix and prior, each lead filling as many rows as one of the file's (`counts`).
    Why the counts: a file that repeats a few leads hundreds of times rests on those few, and its F1 varies
    far more than that of as many distinct leads."""
    predicted, f1s = proba >= threshold, []
    counts = np.asarray(counts, float) if len(counts) else np.ones(1)  # an empty file: one row, as a file of one
    for rng, i, drawn_weights, drawn_prior in replicates(y, weights, prior, seed):
        chance = prior_shift_weights(y[i], drawn_prior, weights=drawn_weights)
        drawn = i[rng.choice(len(i), len(counts), p=chance / chance.sum())]
        hit, positive = counts * predicted[drawn], counts * (y[drawn] == 1)
        f1s.append(2 * np.sum(hit * (y[drawn] == 1)) / max(hit.sum() + positive.sum(), 1))
    return quantiles(f1s)


def quantiles(f1s: list[float]) -> tuple[float, float]:
    if not f1s:
        return float("nan"), float("nan")
    tail = (1 - FORECAST_CONFIDENCE) / 2
    return float(np.quantile(f1s, tail)), float(np.quantile(f1s, 1 - tail))
