"""Estimates outside [0, 1] are never printed as rates, and an unbelievable decision says so."""

import math

import numpy as np
import pytest

from leadconv.components.priors import BBSE, PriorEstimate, as_rate
from leadconv.engine.decision import Decision


@pytest.mark.parametrize(
    "value, shown",
    [(0.25, "0.250"), (1.074, "above 1 (invalid)"), (-0.2, "below 0 (invalid)"), (math.nan, "undefined (invalid)")],
)
def test_as_rate(value, shown):
    assert as_rate(value) == shown


def decision(prior: float, rate: float, method: str = "em", warning: str | None = None) -> Decision:
    return Decision(0.01, PriorEstimate(prior, prior - 0.1, prior + 0.1, method, warning), 0.6, 0.01, rate)


def test_a_believable_decision_has_no_caveat():
    assert "caution" not in decision(0.4, 0.45).summary()


def test_far_more_predicted_converted_than_the_prior_is_called_out():
    summary = decision(0.453, 0.883).summary()
    assert summary.endswith(
        "caution: 88% predicted converted for an estimated 45%: the model barely separates the classes here, do not trust this decision"
    )


def test_a_shift_warning_or_a_fallback_is_named():
    assert "prior estimate is unstable" in decision(0.4, 0.42, warning="spread").summary()
    assert "fallback used" in decision(0.25, 0.3, method="fallback").summary()


def test_an_interval_bound_above_one_is_not_printed_as_a_rate():
    summary = Decision(0.01, PriorEstimate(0.95, 0.9, 1.07, "bbse"), 0.6, 0.01, 0.9).summary()
    assert "[0.900, above 1 (invalid)]" in summary and "1.070" not in summary


def test_bbse_stability_warning_prints_no_rate_above_one(caplog):
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.1).astype(int)
    oof = np.clip(rng.normal(0.2 + 0.4 * y, 0.1), 0.001, 0.999)
    scored = np.clip(rng.normal(0.75, 0.05, 1000), 0.001, 0.999)  # every row scores like a converted lead or higher
    estimate = BBSE().estimate(y, oof, scored)
    text = " ".join([estimate.warning or "", caplog.text])
    for number in __import__("re").findall(r"\d+\.\d{3}", text):
        assert float(number) <= 1, text
    assert "above 1 (invalid)" in text, text
