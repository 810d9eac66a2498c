"""The decision written for a scored file: its estimated prior, the threshold for that prior,
and the F1 to expect there. Runs, ensembles and `make submit` all decide through `decide`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadconv.components.priors import PriorEstimate, as_rate
from leadconv.engine.metrics import fold_f1, per_row


@dataclass(frozen=True)
class Decision:
    threshold: float
    prior: PriorEstimate
    forecast_f1: float  # mean over folds of the out-of-fold F1 reweighted to the prior, at `threshold`
    forecast_f1_std: float
    predicted_positive_rate: float  # share of the scored rows at or above `threshold`

    def metrics(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "test_prior_estimate": self.prior.value,
            "test_prior_low": self.prior.low,
            "test_prior_high": self.prior.high,
            "test_prior_spread": self.prior.spread,
            "forecast_f1": self.forecast_f1,
            "forecast_f1_std": self.forecast_f1_std,
            "test_positive_rate": self.predicted_positive_rate,
        }

    def tags(self) -> dict[str, str]:
        return {
            "prior_method": self.prior.method,
            **({"prior_warning": self.prior.warning[:5000]} if self.prior.warning else {}),
        }

    def summary(self) -> str:
        return (
            f"forecast F1 {self.forecast_f1:.4f} ± {self.forecast_f1_std:.4f} at test prior "
            f"{self.prior.value:.3f} [{as_rate(self.prior.low)}, {as_rate(self.prior.high)}] ({self.prior.method}) | "
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


def decide(rule, estimator, oof: pd.DataFrame, proba, bootstrap: bool = True) -> Decision:
    """Estimate the prior of the rows scored `proba`, choose `rule`'s threshold for it, forecast F1."""
    rows = per_row(oof)
    y, oof_proba, proba = rows["y_true"].to_numpy(), rows["proba"].to_numpy(), np.asarray(proba, float)
    prior = estimator.estimate(y, oof_proba, proba, bootstrap=bootstrap)
    threshold = float(rule.choose(y, oof_proba, proba, prior.value))
    folds = fold_f1(oof, threshold, prior.value)
    rate = float(np.mean(proba >= threshold)) if len(proba) else float("nan")
    return Decision(threshold, prior, float(folds.mean()), float(folds.std(ddof=0)), rate)
