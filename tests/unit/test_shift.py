"""The shift diagnosis (`shift=` group) and the decisions made on top of it (leadconv.engine.decision)."""

import json
import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict

from leadconv.components.dataset import SyntheticData
from leadconv.components.priors import EM
from leadconv.components.shift import IDENTIFIERS, AdversarialShift, NoShift, encoded, lead_columns
from leadconv.components.thresholds import ExpectedF1, PriorShift, best_f1_threshold
from leadconv.engine.decision import decide, file_forecast
from leadconv.engine.metrics import fold_f1, reweighted_f1
from leadconv.tasks.shift_draws import resample

PRIOR_TOLERANCE = 0.05  # the target on files drawn toward the competition file's mix


@pytest.fixture(scope="module")
def world():
    """Labelled rows with out-of-fold probabilities, and a pool of other rows from the same population
    scored by a model fit on the labelled rows (P(y | x) is the same in both)."""
    data = SyntheticData(n_rows=10000, n_test=10, seed=1).load()
    features = encoded(lead_columns(data.train), IDENTIFIERS)  # as written: the model is not the diagnosis's
    order = np.random.default_rng(0).permutation(len(data.y))
    labelled, pool = order[:5000], order[5000:]
    model = lgb.LGBMClassifier(n_estimators=100, learning_rate=0.05, num_leaves=15, verbose=-1, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oof_proba = cross_val_predict(model, features.iloc[labelled], data.y[labelled], cv=5, method="predict_proba")
        pool_proba = model.fit(features.iloc[labelled], data.y[labelled]).predict_proba(features.iloc[pool])[:, 1]
    oof = pd.DataFrame(
        {
            "row": np.arange(len(labelled)),
            "repeat": 0,
            "fold": np.arange(len(labelled)) % 5,
            "y_true": data.y[labelled],
            "proba": oof_proba[:, 1],
        }
    )
    return {
        "oof": oof,
        "train": data.train.iloc[labelled].reset_index(drop=True),
        "pool": data.train.iloc[pool].reset_index(drop=True),
        "pool_y": data.y[pool],
        "pool_proba": pool_proba,
    }


def draw(world, kind: str, seed: int = 0) -> np.ndarray:
    """Pool positions of a file that differs from train in rate only, or in its mix of leads only."""
    rng = np.random.default_rng(seed)
    if kind == "rate":
        return resample(world["pool_y"], 0.3, rng)
    # covariate shift: managers and directors 50 times as likely, whatever the label (P(y | x) unchanged)
    senior = world["pool"]["customer_position"].astype(str).str.lower().isin(["manager", "director"])
    chance = np.where(senior, 50.0, 1.0)
    return rng.choice(len(chance), 1000, replace=False, p=chance / chance.sum())


def decide_for(world, rows, shift=None, scored=True):
    """`scored=False`: the file's rows are not shown, so its repeated leads are not seen either."""
    features = world["pool"].iloc[rows].reset_index(drop=True) if scored else None
    proba = world["pool_proba"][rows]
    return decide(PriorShift(), EM(n_bootstrap=50), world["oof"], proba, True, shift, world["train"], features)


def test_diagnosis_tells_a_rate_change_from_another_mix_and_the_prior_holds_under_both(world):
    rate, mix = draw(world, "rate"), draw(world, "mix")
    by_rate, by_mix = decide_for(world, rate, AdversarialShift()), decide_for(world, mix, AdversarialShift())
    assert by_rate.shift.auc < 0.65 and not by_rate.shift.shifted
    assert by_mix.shift.auc >= 0.7 and by_mix.shift.shifted
    assert "customer_position" in by_mix.shift.top_columns(3)
    assert abs(by_rate.prior.value - world["pool_y"][rate].mean()) <= PRIOR_TOLERANCE
    assert abs(by_mix.prior.value - world["pool_y"][mix].mean()) <= PRIOR_TOLERANCE
    # a file of train's own mix keeps today's decision exactly
    assert by_rate.threshold == decide_for(world, rate).threshold


def test_weighted_forecast_equals_f1_on_a_physically_resampled_copy():
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.2
    proba = np.clip(y * 0.3 + rng.random(400) * 0.7, 0, 1)
    copies = rng.integers(0, 4, 400)  # integer weights: row i appears copies[i] times in the copy
    copies[:2] = 1  # keep both classes
    y_copy, proba_copy = np.repeat(y, copies), np.repeat(proba, copies)
    assert reweighted_f1(y, proba, 0.5, weights=copies) == pytest.approx(f1_score(y_copy, proba_copy >= 0.5))
    # with the rate moved on top: the copy's own prior-shift weighting gives the same F1
    assert reweighted_f1(y, proba, 0.5, prior=0.35, weights=copies) == pytest.approx(
        reweighted_f1(y_copy, proba_copy, 0.5, prior=0.35)
    )
    oof = pd.DataFrame({"row": np.arange(400), "repeat": 0, "fold": np.arange(400) % 2, "y_true": y, "proba": proba})
    weighted = fold_f1(oof, 0.5, 0.35, pd.Series(copies.astype(float)))
    copy = oof.loc[np.repeat(np.arange(400), copies)]
    assert weighted.to_numpy() == pytest.approx(fold_f1(copy, 0.5, 0.35).to_numpy())


def test_the_file_s_own_forecast_with_weights_equals_it_on_a_physically_resampled_copy():
    """forecast_f1 reads the file's scores through a map learned on the weighted labelled rows: integer
    weights must give exactly the forecast (and its spread over folds) of labelled rows copied that often."""
    rng = np.random.default_rng(8)
    y = (rng.random(600) < 0.2).astype(int)
    proba = np.clip(y * 0.3 + rng.random(600) * 0.7, 0, 1)
    copies = rng.integers(0, 4, 600)
    copies[:2], y[:2] = 1, [0, 1]  # both classes kept
    oof = pd.DataFrame({"row": np.arange(600), "repeat": 0, "fold": np.arange(600) % 3, "y_true": y, "proba": proba})
    copy = oof.loc[np.repeat(np.arange(600), copies)].assign(row=lambda c: np.arange(len(c)))
    scored = rng.random(300)
    weighted = file_forecast(oof, 0.5, 0.35, pd.Series(copies.astype(float)), scored)
    assert weighted == pytest.approx(file_forecast(copy, 0.5, 0.35, None, scored))
    assert weighted != pytest.approx(file_forecast(oof, 0.5, 0.35, None, scored))  # the weights do matter


def test_a_file_that_repeats_few_leads_gets_an_interval_as_wide_as_its_few_leads(world):
    """Files of 1,000 rows made of 40 leads (30 % converted) repeated 25 times: F1 there rests on 40 leads.
    The interval read from the file's repeats covers the F1 reached about as often as it says (90 %); the
    one that takes the rows for 1,000 distinct leads is far too narrow. A file of distinct leads is unchanged."""
    rng = np.random.default_rng(5)
    hashes = pd.util.hash_pandas_object(lead_columns(world["pool"]), index=False)
    alone = np.flatnonzero(~hashes.duplicated(keep=False).to_numpy())  # rows no other row repeats
    covered, covered_blind, widths = [], [], []
    for _ in range(12):
        leads = rng.choice(np.intersect1d(resample(world["pool_y"], 0.3, rng), alone), 40, replace=False)
        rows = np.repeat(leads, 25)
        repeated, blind = decide_for(world, rows), decide_for(world, rows, scored=False)
        f1 = f1_score(world["pool_y"][rows], world["pool_proba"][rows] >= repeated.threshold, zero_division=0.0)
        covered.append(repeated.forecast_low <= f1 <= repeated.forecast_high)
        covered_blind.append(blind.forecast_low <= f1 <= blind.forecast_high)
        widths.append((repeated.forecast_high - repeated.forecast_low, blind.forecast_high - blind.forecast_low))
        assert repeated.effective_leads == pytest.approx(40) and repeated.metrics()["test_effective_leads"] == 40
        assert "its F1 rests on 40 leads" in repeated.summary()
    assert np.mean(covered) >= 0.75 > np.mean(covered_blind)
    wide, narrow = np.mean(widths, axis=0)
    assert wide > 2 * narrow
    distinct = alone[:1000]
    assert decide_for(world, distinct).forecast_interval == decide_for(world, distinct, scored=False).forecast_interval
    assert decide_for(world, distinct).effective_leads == pytest.approx(1000)
    assert "rests on" not in decide_for(world, distinct).summary()


def test_a_file_too_small_to_diagnose_decides_as_before_with_a_warning(world, caplog):
    rows = np.arange(50)
    decision = decide_for(world, rows, AdversarialShift(min_rows=200))
    assert not decision.shift.shifted and "shift.min_rows" in decision.shift.warning
    assert decision.threshold == decide_for(world, rows).threshold
    assert "shift not diagnosed" in caplog.text


def test_weights_that_collapse_fall_back_with_a_warning_never_nan(world):
    decision = decide_for(world, draw(world, "mix"), AdversarialShift(min_effective_rows=10**6))
    assert not decision.shift.shifted and "shift.min_effective_rows" in decision.shift.warning
    assert np.isfinite([decision.prior.value, decision.threshold, decision.forecast_f1]).all()
    assert not decision.confident and "somewhere in" in decision.summary()
    json.dumps(decision.shift.sidecar(), allow_nan=False)  # a sidecar never holds NaN


def test_the_forecast_interval_brackets_its_point_and_the_shift_metrics_are_logged(world):
    decision = decide_for(world, draw(world, "mix"), AdversarialShift())
    assert decision.forecast_low <= decision.forecast_f1 <= decision.forecast_high
    metrics = decision.metrics()
    assert metrics["shift_auc"] == decision.shift.auc and metrics["shift_effective_rows"] > 0
    assert set(decision.shift.columns.columns) >= {
        "unseen_raw",
        "unseen_clean",
        "missing_change",
        "drift",
        "importance",
    }


def test_no_shift_and_bad_parameters():
    report = NoShift().diagnose(pd.DataFrame(index=range(3)), [0, 1, 0], pd.DataFrame(index=range(2)), 0.3)
    assert not report.shifted and (report.weights == 1).all()
    with pytest.raises(ValueError, match=r"shift\.min_auc"):
        AdversarialShift(min_auc=0.2).check_params()
    with pytest.raises(ValueError, match=r"shift\.temper"):
        AdversarialShift(temper=0).check_params()


@pytest.mark.parametrize("kind, tolerance", [("rate", 0.02), ("mix", 0.05)])
def test_expected_f1_cut_is_near_the_best_in_hindsight_at_the_true_prior(world, kind, tolerance):
    """threshold=expected_f1 (the plug-in cut on the file's own scores): at the file's true prior, with the
    diagnosis's weights, its F1 is near the best cut in hindsight on either kind of file, on average over
    four files (one file's F1 on its ~30 converted leads moves by a few hundredths from draw to draw)."""
    gaps = []
    for seed in range(4):
        rows = draw(world, kind, seed)
        y, proba = world["pool_y"][rows], world["pool_proba"][rows]
        scored = world["pool"].iloc[rows].reset_index(drop=True)
        report = AdversarialShift().diagnose(world["train"], world["oof"]["y_true"], scored, y.mean())
        cut = ExpectedF1().choose(world["oof"]["y_true"], world["oof"]["proba"], proba, y.mean(), report.weights)
        gaps.append(f1_score(y, proba >= best_f1_threshold(y, proba)) - f1_score(y, proba >= cut))
    assert np.mean(gaps) <= tolerance, gaps
    with pytest.raises(ValueError, match=r"threshold\.test_prior"):
        ExpectedF1(test_prior=1.5).choose(world["oof"]["y_true"], world["oof"]["proba"], proba)


def test_the_diagnosis_does_not_depend_on_the_file_s_row_order(world):
    """The same file shuffled gets the same AUC, weights and column report, so the same decision."""
    rows = draw(world, "mix")
    scored = world["pool"].iloc[rows].reset_index(drop=True)
    shuffled = scored.sample(frac=1.0, random_state=7).reset_index(drop=True)
    prior = world["pool_y"][rows].mean()
    first, second = (
        AdversarialShift().diagnose(world["train"], world["oof"]["y_true"], f, prior) for f in (scored, shuffled)
    )
    assert first.shifted and first.auc == second.auc
    np.testing.assert_array_equal(first.weights, second.weights)
    pd.testing.assert_frame_equal(first.columns, second.columns)
