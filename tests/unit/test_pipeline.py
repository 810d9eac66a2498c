"""Features, samplers and models in one fold-isolated pipeline."""

import numpy as np
import pytest
from hydra.utils import instantiate
from sklearn.base import BaseEstimator

from helpers import TINY_MODEL, compose_config, options
from leadconv.components.cv import StratifiedCV
from leadconv.components.dataset import SyntheticData
from leadconv.components.features import RawFeatures, categorical_columns
from leadconv.components.models import lightgbm_classifier
from leadconv.engine.training import build_pipeline, cross_validate

INTERPOLATING = ["smote", "adasyn", "borderline_smote", "smote_tomek", "smotenc"]


@pytest.fixture(scope="module")
def dataset():
    return SyntheticData(n_rows=900, n_test=150, seed=1).load()


@pytest.fixture(scope="module")
def encoded(dataset):
    return RawFeatures().fit(dataset.train).transform(dataset.train)


class RecordingFeatures(RawFeatures):
    """RawFeatures that remembers which rows each fit saw."""

    seen: list = []

    def fit(self, X, y=None):
        RecordingFeatures.seen.append(set(X.index))
        return super().fit(X, y)


class RecordingSampler(BaseEstimator):
    seen: list = []

    def fit_resample(self, X, y):
        RecordingSampler.seen.append(set(X.index))
        return X, y


def test_encoders_and_samplers_never_see_validation_rows(dataset):
    RecordingFeatures.seen.clear()
    RecordingSampler.seen.clear()
    folds = StratifiedCV(n_splits=3).split(dataset.train, dataset.y)
    pipeline = build_pipeline(RecordingFeatures(), RecordingSampler(), lightgbm_classifier(n_estimators=5, n_jobs=1))
    result = cross_validate(pipeline, dataset.train, dataset.y, dataset.test, folds)
    assert len(RecordingFeatures.seen) == len(RecordingSampler.seen) == 3
    for fold, features_rows, sampler_rows in zip(folds, RecordingFeatures.seen, RecordingSampler.seen):
        assert features_rows == set(fold.train) == sampler_rows
        assert not features_rows & set(fold.valid)
    assert sorted(result.oof["row"]) == list(range(len(dataset.train)))  # every row predicted once


def test_raw_features_are_finite_with_stable_categories(dataset, encoded):
    categorical = categorical_columns(encoded)
    assert len(categorical) == 17
    assert np.isfinite(encoded.drop(columns=categorical).to_numpy()).all()
    features = RawFeatures().fit(dataset.train)
    unseen = dataset.test.copy()
    unseen["customer_type"] = "a level never seen in training"
    unseen.loc[unseen.index[:3], "business_unit"] = np.nan
    out = features.transform(unseen)
    assert (out["customer_type"].cat.codes == 0).all()  # unseen -> 0
    assert list(out["customer_type"].cat.categories) == list(encoded["customer_type"].cat.categories)


def test_rare_levels_are_pooled_to_fit_max_categories(dataset):
    out = RawFeatures(max_categories=10).fit_transform(dataset.train)
    assert out["customer_idx"].cat.codes.max() <= 10


@pytest.mark.parametrize("sampler", INTERPOLATING)
def test_interpolating_samplers_keep_real_category_codes(sampler, encoded, dataset):
    cfg, _ = compose_config([f"sampler={sampler}"])
    X_res, y_res = instantiate(cfg.sampler).fit_resample(encoded, dataset.y)
    assert list(X_res.columns) == list(encoded.columns)
    assert (y_res == 1).sum() > (dataset.y == 1).sum()  # minority grew
    for column in categorical_columns(encoded):
        assert X_res[column].dtype == encoded[column].dtype
        assert set(X_res[column].cat.codes) <= set(encoded[column].cat.codes)  # no invented levels
    numeric = encoded.drop(columns=categorical_columns(encoded)).columns
    assert (X_res[numeric].min() >= encoded[numeric].min() - 1e-9).all()
    assert (X_res[numeric].max() <= encoded[numeric].max() + 1e-9).all()


@pytest.mark.parametrize("model", options("model"))  # every conf/model option (a new one needs TINY_MODEL settings)
def test_every_model_learns_and_handles_unseen_test_values(model, dataset):
    if model == "realmlp":
        pytest.importorskip("pytabkit")  # an optional extra (make install-neural)
    cfg, _ = compose_config([f"model={model}", *TINY_MODEL[model]])
    pipeline = build_pipeline(RawFeatures(), None, instantiate(cfg.model))
    folds = StratifiedCV(n_splits=3).split(dataset.train, dataset.y)
    test = dataset.test.copy()
    test.loc[test.index[:20], "customer_country"] = "/Atlantis/Atlantis"
    test.loc[test.index[20:40], "bant_submit"] = np.nan
    result = cross_validate(pipeline, dataset.train, dataset.y, test, folds)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(dataset.y, result.oof_proba()) > 0.6
    assert np.isfinite(result.test_proba).all() and len(result.test_proba) == len(test)
    assert result.importances.notna().all().all()


def test_customer_cap_keeps_at_most_max_rows_per_kept_customer_and_no_duplicates(dataset, encoded):
    cfg, _ = compose_config(["sampler=customer_cap", "sampler.max_rows=5"])
    X_res, y_res = instantiate(cfg.sampler).fit_resample(encoded, dataset.y)
    codes = X_res["customer_idx"].cat.codes
    assert codes[codes > 0].value_counts().max() == 5  # the largest customers are cut to 5 rows
    assert (codes == 0).sum() == (encoded["customer_idx"].cat.codes == 0).sum() - pooled_duplicates(encoded, dataset)
    assert not X_res.assign(y=y_res).duplicated().any()
    assert len(X_res) == len(y_res) and set(y_res) == {0, 1}


def pooled_duplicates(encoded, dataset) -> int:
    duplicated = encoded.assign(y=dataset.y).duplicated().to_numpy()
    return int((duplicated & (encoded["customer_idx"].cat.codes == 0).to_numpy()).sum())


def test_customer_cap_chains_another_sampler(dataset, encoded):
    cfg, _ = compose_config(
        ["sampler=customer_cap", "+sampler.then._target_=imblearn.under_sampling.RandomUnderSampler"]
    )
    X_res, y_res = instantiate(cfg.sampler).fit_resample(encoded, dataset.y)
    assert (y_res == 1).sum() == (y_res == 0).sum() > 0 and len(X_res) == len(y_res)


@pytest.mark.parametrize("complexity", [2, 3])
def test_catboost_combines_categorical_columns_as_configured(complexity, dataset):
    overrides = ["model=catboost", *TINY_MODEL["catboost"], f"model.max_ctr_complexity={complexity}"]
    cfg, _ = compose_config(overrides)
    pipeline = build_pipeline(RawFeatures(), None, instantiate(cfg.model)).fit(dataset.train, dataset.y)
    assert pipeline.named_steps["model"].model_.get_all_params()["max_ctr_complexity"] == complexity
