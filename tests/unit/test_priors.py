"""Prior estimation under label shift, the decision for the estimated prior, and forecast_f1."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from leadconv.components.priors import BBSE, EM, FixedPrior, prior_shift_weights
from leadconv.components.thresholds import BestF1, Fixed, PriorShift, expected_f1
from leadconv.engine.decision import decide
from leadconv.engine.metrics import fold_f1, reweighted_f1

TRAIN_PRIOR = 0.04  # about the out-of-fold rate of cv=group on the competition data


def leads(n: int, prior: float, rng, negative_shift: float = 0.0):
    """Labels and probabilities from fixed class-conditional score distributions: only the class
    shares move between files (label shift), unless `negative_shift` also moves the negatives."""
    y = (rng.random(n) < prior).astype(int)
    logit = np.where(y == 1, rng.normal(1.0, 1.2, n), rng.normal(-2.5, 1.2, n) + negative_shift)
    return y, 1 / (1 + np.exp(-logit))


def oof_frame(y, proba, n_folds: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {"row": np.arange(len(y)), "repeat": 0, "fold": np.arange(len(y)) % n_folds, "y_true": y, "proba": proba}
    )


ESTIMATORS = {
    "bbse": lambda: BBSE(cuts=[0.5], n_bootstrap=100),
    "bbse_bins": lambda: BBSE(cuts=[0.1, 0.3, 0.5, 0.7, 0.9], n_bootstrap=100),
    "em": lambda: EM(n_bootstrap=100),
}


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("true_prior", [0.10, 0.25, 0.35])
def test_estimator_recovers_an_injected_prior_within_0_02(name, true_prior):
    rng = np.random.default_rng(7)
    y, proba = leads(40_000, TRAIN_PRIOR, rng)
    y_file, proba_file = leads(4_000, true_prior, rng)
    estimate = ESTIMATORS[name]().estimate(y, proba, proba_file)
    realised = y_file.mean()
    assert estimate.method == ESTIMATORS[name]().name
    assert estimate.value == pytest.approx(realised, abs=0.02)
    assert estimate.low <= estimate.value <= estimate.high
    assert estimate.low - 0.01 <= realised <= estimate.high + 0.01  # the 90% interval, give or take


def test_the_training_prior_itself_is_recovered():
    rng = np.random.default_rng(3)
    y, proba = leads(40_000, TRAIN_PRIOR, rng)
    y_file, proba_file = leads(10_000, TRAIN_PRIOR, rng)
    assert BBSE(n_bootstrap=0).estimate(y, proba, proba_file).value == pytest.approx(y_file.mean(), abs=0.01)


UNUSABLE = {
    "fewer than prior.min_rows": np.array([0.9, 0.1, 0.5]),
    "same probability": np.full(500, 0.3),
    "outside (0, 1)": np.full(500, 0.001) + np.linspace(0, 1e-4, 500),  # fewer high scores than negatives give
}


@pytest.mark.parametrize(
    "name, reason",
    [(name, reason) for name in ESTIMATORS for reason in UNUSABLE if not (name == "em" and reason == "outside (0, 1)")],
)  # EM: a mean
def test_a_file_that_cannot_be_estimated_falls_back_with_a_warning(name, reason, caplog):
    proba_file = UNUSABLE[reason]
    rng = np.random.default_rng(1)
    y, proba = leads(20_000, TRAIN_PRIOR, rng)
    estimator = ESTIMATORS[name]()
    estimator.fallback = 0.3
    estimate = estimator.estimate(y, proba, proba_file)
    assert (estimate.value, estimate.low, estimate.high, estimate.method) == (0.3, 0.3, 0.3, "fallback")
    assert reason in estimate.warning and "prior.fallback=0.3" in estimate.warning
    assert reason in caplog.text


@pytest.mark.parametrize(
    "estimator",
    [
        BBSE(cuts=[0.5], check_cuts=[0.1, 0.25], max_spread=0.05, n_bootstrap=0),
        EM(check_cuts=[0.1, 0.25], max_spread=0.05, n_bootstrap=0),
    ],
    ids=["bbse", "em"],
)
def test_cuts_that_disagree_raise_a_stability_warning(estimator, caplog):
    rng = np.random.default_rng(5)
    y, proba = leads(40_000, TRAIN_PRIOR, rng)
    _, pure = leads(5_000, 0.25, rng)
    _, drifted = leads(5_000, 0.25, rng, negative_shift=1.5)  # negatives score higher: not label shift alone
    steady = estimator.estimate(y, proba, pure)
    assert steady.warning is None and steady.spread < 0.05
    drifted_estimate = estimator.estimate(y, proba, drifted)
    assert drifted_estimate.spread > 0.05 and drifted_estimate.method == estimator.name  # warned, not replaced
    assert "disagrees with BBSE at other score cuts" in drifted_estimate.warning
    assert "disagrees with BBSE" in caplog.text


def test_fixed_prior_is_returned_as_given():
    assert FixedPrior(0.3).estimate().interval == (0.3, 0.3)


@pytest.mark.parametrize(
    "build",
    [
        lambda: FixedPrior(1.5),
        lambda: FixedPrior("abc"),
        lambda: BBSE(cuts=[0.5, 2]),
        lambda: BBSE(fallback=0),
        lambda: PriorShift(test_prior=1.0),
        lambda: PriorShift(test_prior="often"),
        lambda: Fixed(2),
        lambda: Fixed("abc"),
    ],
)
def test_a_prior_or_threshold_outside_0_1_is_refused(build):
    with pytest.raises(ValueError, match=r"must be .*\(0, 1\)"):
        build().check_params()


def test_reweighted_f1_equals_f1_on_a_physically_resampled_copy():
    """Weights for a new prior are the same as repeating rows: 10 % positives reweighted to 40 %
    gives positives weight 4 and negatives weight 2/3, i.e. 12 copies of each positive and 2 of
    each negative (times 3). F1 is a ratio of weighted counts, so the two must agree exactly."""
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(30, int), np.zeros(270, int)]
    proba = np.clip(np.where(y == 1, 0.6, 0.3) + rng.normal(0, 0.2, len(y)), 0, 1)
    weights = prior_shift_weights(y, 0.4)
    assert set(np.round(weights, 12)) == {4.0, round(2 / 3, 12)}
    copies = np.where(y == 1, 12, 2)
    y_copy, proba_copy = np.repeat(y, copies), np.repeat(proba, copies)
    assert y_copy.mean() == pytest.approx(0.4)
    for threshold in (0.2, 0.45, 0.6):
        assert reweighted_f1(y, proba, threshold, prior=0.4) == pytest.approx(
            f1_score(y_copy, proba_copy >= threshold), abs=1e-12
        )


def test_forecast_f1_predicts_the_f1_on_a_file_at_another_prior():
    rng = np.random.default_rng(11)
    y, proba = leads(60_000, TRAIN_PRIOR, rng)
    y_file, proba_file = leads(20_000, 0.3, rng)
    decision = decide(PriorShift("auto"), BBSE(n_bootstrap=0), oof_frame(y, proba), proba_file)
    reached = f1_score(y_file, proba_file >= decision.threshold)
    assert decision.forecast_f1 == pytest.approx(reached, abs=0.02)
    # when only the rate changed, the file's own scores and the labelled rows reweighted to its prior agree
    assert decision.forecast_f1 == pytest.approx(
        fold_f1(oof_frame(y, proba), decision.threshold, decision.prior.value).mean(), abs=0.005
    )
    assert decision.predicted_positive_rate == pytest.approx(np.mean(proba_file >= decision.threshold))


def test_expected_f1_is_what_files_drawn_from_the_chances_reach_on_average():
    rng = np.random.default_rng(4)
    chance = rng.beta(1, 3, 4_000)
    predicted = chance >= 0.35
    reached = [f1_score(rng.random(len(chance)) < chance, predicted) for _ in range(400)]
    assert expected_f1(chance, predicted) == pytest.approx(np.mean(reached), abs=0.003)


def test_forecast_reads_the_file_s_own_scores_when_its_leads_are_harder_to_rank():
    """Calibrated scores (a lead with score s converts with chance s). The labelled rows spread over the
    whole range; the file holds only middling scores (0.2-0.6): its leads are harder to tell apart, at the
    same P(y | score). The labelled rows' F1 at the cut says nothing about that; the file's scores do."""
    rng = np.random.default_rng(9)
    proba = rng.random(60_000) ** 2
    y = (rng.random(len(proba)) < proba).astype(int)
    proba_file = rng.uniform(0.2, 0.6, 20_000)
    y_file = rng.random(len(proba_file)) < proba_file
    oof = oof_frame(y, proba)
    decision = decide(PriorShift("auto"), FixedPrior(y.mean()), oof, proba_file, bootstrap=True)
    reached = f1_score(y_file, proba_file >= decision.threshold)
    labelled_rows_f1 = fold_f1(oof, decision.threshold).mean()
    assert decision.forecast_f1 == pytest.approx(reached, abs=0.01)
    assert labelled_rows_f1 - reached > 0.05  # the forecast before: the labelled rows' F1 at the cut
    assert decision.forecast_low <= reached <= decision.forecast_high


def test_the_threshold_follows_the_prior_of_the_scored_file():
    rng = np.random.default_rng(2)
    y, proba = leads(40_000, TRAIN_PRIOR, rng)
    oof = oof_frame(y, proba)
    low = decide(PriorShift("auto"), BBSE(n_bootstrap=0), oof, leads(5_000, 0.05, rng)[1])
    high = decide(PriorShift("auto"), BBSE(n_bootstrap=0), oof, leads(5_000, 0.35, rng)[1])
    assert high.prior.value > low.prior.value + 0.2
    assert high.threshold < low.threshold  # a file that converts more often is worth a lower cut
    assert high.threshold == PriorShift(high.prior.value).choose(y, proba)
    train_rule = decide(BestF1(), BBSE(n_bootstrap=0), oof, leads(5_000, 0.35, rng)[1])
    assert train_rule.forecast_f1 < high.forecast_f1  # train's threshold is the wrong decision for the file
