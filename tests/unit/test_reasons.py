"""Reasons per lead: each model's contributions add up to its own raw score, map back to the 28 input
columns, and combined with the stacker's weights rank leads as the ensemble does (leadconv.components.reasons)."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.model_selection import StratifiedKFold

from helpers import TINY_MODEL, compose_config
from leadconv import schema
from leadconv.components.contributions import pipeline_contributions, raw_score, source_of
from leadconv.components.dataset import normalise_types
from leadconv.components.reasons import combine, member_contributions, reasons_table, top_reasons
from leadconv.components.stackers import LogisticStacker
from leadconv.components.synthetic import make_synthetic
from leadconv.engine.run import build
from leadconv.engine.training import build_pipeline

# (model, features): every model family with contributions, and every way a feature set derives columns
MEMBERS = [("lightgbm", "engineered"), ("xgboost", "clean"), ("catboost", "raw"), ("logreg", "raw")]


@pytest.fixture(scope="module")
def data():
    train, test = make_synthetic(n_rows=900, n_test=300, seed=7)
    X, y = normalise_types(train[schema.FEATURES]), train[schema.LABEL].astype(int).to_numpy()
    return X, y, normalise_types(test[schema.FEATURES]), test


def fitted(model: str, features: str, X, y, folds=2):
    """A base run's fold pipelines, fit as src/run.py fits them (tiny settings)."""
    cfg, _ = compose_config([f"model={model}", f"features={features}", *TINY_MODEL[model]])
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y)
    return [build_pipeline(build(cfg, "features"), None, build(cfg, "model")).fit(X.iloc[t], y[t]) for t, _ in splits]


@pytest.fixture(scope="module")
def members(data):
    X, y, _, _ = data
    return {f"{m}-{f}": fitted(m, f, X, y) for m, f in MEMBERS}


@pytest.mark.parametrize("method", ["path", "shap"])
@pytest.mark.parametrize("member", [f"{m}-{f}" for m, f in MEMBERS])
def test_a_member_s_contributions_plus_its_base_equal_its_raw_score(member, method, members, data):
    _, _, test, _ = data
    for pipeline in members[member]:
        found = pipeline_contributions(pipeline, test, method)
        assert list(found.values.columns) == schema.FEATURES and found.values.index.equals(test.index)
        raw = raw_score(pipeline.named_steps["model"], pipeline.named_steps["features"].transform(test))
        np.testing.assert_allclose(found.raw, raw, atol=1e-5)  # XGBoost sums in float32
        # the raw score is the model's own: its probability is the sigmoid of it
        np.testing.assert_allclose(1 / (1 + np.exp(-raw)), pipeline.predict_proba(test)[:, 1], atol=1e-6)
        assert found.values.abs().sum().gt(0).sum() >= 5  # the score is spread over several input columns


def test_derived_columns_map_back_to_their_inputs(members):
    features = members["lightgbm-engineered"][0].named_steps["features"]
    sources = features.feature_sources()
    assert set(sources) == set(features.get_feature_names_out())
    assert sources["te_lead_owner"] == ("lead_owner",) and sources["n_customer_idx"] == ("customer_idx",)
    assert sources["continent"] == ("response_corporate",)
    assert sources["country_matches_country_1"] == ("customer_country", "customer_country.1")
    assert {c for cs in sources.values() for c in cs} <= set(schema.FEATURES)
    assert source_of("missingindicator_bant_submit") == ("bant_submit",) and source_of("nonsense") == ()


def test_a_changed_value_moves_its_own_column_s_contribution(members, data):
    """Changing one input column of a lead changes the logreg member's contribution of that column only
    (besides the centring shared by all rows)."""
    _, _, test, _ = data
    pipeline = members["logreg-raw"][0]
    changed = test.copy()
    changed["lead_desc_length"] = changed["lead_desc_length"] * 10 + 1000
    before, after = pipeline_contributions(pipeline, test).values, pipeline_contributions(pipeline, changed).values
    moved = (after - before).abs().max()
    assert moved["lead_desc_length"] > 0.01
    assert moved.drop("lead_desc_length").max() < 1e-9


def test_lightgbm_path_contributions_credit_the_features_pred_contrib_credits(members, data):
    """The tree-path split of LightGBM's score (computed here from pred_leaf and the dumped trees) and
    TreeSHAP agree on which input columns matter: sums a constant apart, the same leading columns overall."""
    _, _, test, _ = data
    pipeline = members["lightgbm-engineered"][0]
    path, shap = (pipeline_contributions(pipeline, test, method).values for method in ("path", "shap"))
    gap = path.sum(axis=1) - shap.sum(axis=1)  # each sums to the raw score less its own base: a constant apart
    assert gap.max() - gap.min() < 1e-9
    assert spearmanr(path.abs().mean(), shap.abs().mean()).statistic > 0.8


@pytest.mark.parametrize("method", ["path", "shap"])
def test_combined_reasons_rank_leads_as_the_ensemble_does(method, members, data):
    X, y, test, _ = data
    oof = pd.DataFrame({name: np.mean([p.predict_proba(X)[:, 1] for p in ps], axis=0) for name, ps in members.items()})
    stacker = LogisticStacker().fit(oof, y)
    probabilities = pd.DataFrame(
        {name: np.mean([p.predict_proba(test)[:, 1] for p in ps], axis=0) for name, ps in members.items()}
    )
    ensemble = stacker.predict_proba(probabilities)[:, 1]
    combined = combine(
        {n: member_contributions(ps, test, method) for n, ps in members.items()}, stacker.weights(), stacker.intercept_
    )
    rho = spearmanr(combined.raw, ensemble).statistic
    assert rho >= 0.95, rho  # the bound the module's docstring states
    # exact for one member: its mean fold log-odds, scaled by its weight, plus the intercept
    name = "catboost-raw"
    alone = combine({name: member_contributions(members[name], test, method)}, stacker.weights(), stacker.intercept_)
    margins = np.mean(
        [raw_score(p.named_steps["model"], p.named_steps["features"].transform(test)) for p in members[name]], axis=0
    )
    np.testing.assert_allclose(alone.raw, stacker.intercept_ + stacker.weights()[name] * margins, atol=1e-6)


def test_top_reasons_are_the_largest_contributions_with_the_lead_s_values(members, data):
    _, _, test, raw = data
    found = member_contributions(members["lightgbm-engineered"], test)
    text = raw[schema.FEATURES].astype("string").fillna("")
    table = reasons_table(raw[schema.ID], np.full(len(test), 0.5), pd.Series(["True"] * len(test)), found, text)
    assert list(table.columns[:4]) == [schema.ID, "score", schema.LABEL, "log_odds_base"]
    for i in range(0, len(test), 37):
        row, values = table.iloc[i], found.values.iloc[i]
        ups = values[values > 0].sort_values(ascending=False).head(3)
        assert [row[f"up{k}_column"] for k in range(1, len(ups) + 1)] == list(ups.index)
        downs = values[values < 0].sort_values().head(3)
        assert [row[f"down{k}_column"] for k in range(1, len(downs) + 1)] == list(downs.index)
        assert row["up1_contribution"] == pytest.approx(round(ups.iloc[0], 4))
        assert row["up1_value"] == text.iloc[i][ups.index[0]]  # the value as written, missing as empty


def test_a_direction_with_fewer_than_three_columns_leaves_its_slots_empty():
    from leadconv.components.contributions import Contributions

    values = pd.DataFrame(np.zeros((1, 28)), columns=schema.FEATURES)
    values.loc[0, "bant_submit"], values.loc[0, "lead_owner"] = 0.7, -0.2
    text = pd.DataFrame([["x"] * 28], columns=schema.FEATURES)
    row = top_reasons(Contributions(values, np.zeros(1)), text).iloc[0]
    assert (row["up1_column"], row["up1_contribution"], row["up2_column"]) == ("bant_submit", 0.7, "")
    assert (row["down1_column"], row["down2_column"]) == ("lead_owner", "") and np.isnan(row["down2_contribution"])
