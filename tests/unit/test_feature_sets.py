"""Feature sets raw, native, clean and engineered: fold-safe statistics, bad input, unseen values."""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin

from leadconv import schema
from leadconv.components.cleaning import clean_distinct, clean_frame
from leadconv.components.cv import GroupCV, StratifiedCV
from leadconv.components.dataset import SyntheticData
from leadconv.components.features import (
    CleanFeatures,
    EngineeredFeatures,
    NativeFeatures,
    RawFeatures,
    categorical_columns,
)
from leadconv.components.models import lightgbm_classifier
from leadconv.engine.training import build_pipeline, cross_validate
from leadconv.errors import FeatureError

FEATURE_SETS = {"raw": RawFeatures, "native": NativeFeatures, "clean": CleanFeatures, "engineered": EngineeredFeatures}


@pytest.fixture(scope="module")
def dataset():
    return SyntheticData(n_rows=900, n_test=150, seed=3).load()


def test_clean_distinct_equals_clean_frame(dataset):
    frame = dataset.train.copy()
    frame.loc[frame.index[:5], "customer_job"] = ""
    frame.loc[frame.index[5:10], "inquiry_type"] = np.nan
    pd.testing.assert_frame_equal(clean_distinct(frame), clean_frame(frame))


# The competition file's conventions for levels train spells otherwise (issue 21, "one spelling per level").
LATER_SPELLINGS = {
    "customer_type": ("End-Customer", "End Customer"),
    "customer_position": ("other", "Others"),
    "customer_country": ("/Kolkata/India", "/ Kolkata / India"),
    "business_unit": ("ID", "id "),
}


@pytest.mark.parametrize("name", ["raw", "native"])
def test_raw_and_native_encode_a_later_file_s_spelling_as_the_level_train_knows(name, dataset):
    """A level written in the scored file's conventions gets train's code, not the unseen code 0;
    with normalise_spelling=false it is unseen, as before."""
    train = dataset.train[schema.FEATURES].copy()
    later = train.iloc[:4].copy()
    for row, (column, (as_in_train, as_in_file)) in enumerate(LATER_SPELLINGS.items()):
        train[column] = train[column].where(train.index % 2 == 0, as_in_train)  # half the rows: no other spelling
        train[column] = train[column].where(train[column] == as_in_train, "something else")
        later.loc[later.index[row], column] = as_in_file
    for spelled in (True, False):
        features = FEATURE_SETS[name](normalise_spelling=spelled).fit(train, dataset.y)
        codes, train_codes = features.transform(later), features.transform(train)
        for row, (column, (as_in_train, _)) in enumerate(LATER_SPELLINGS.items()):
            code = codes[column].iloc[row]
            if spelled:
                assert code == train_codes[column][train[column] == as_in_train].iloc[0] != 0, column
            else:
                assert code == 0, column


@pytest.mark.parametrize("name", ["clean", "engineered"])
def test_output_contract_and_clean_levels(name, dataset):
    features = FEATURE_SETS[name]()
    out = features.fit_transform(dataset.train, dataset.y)
    test = features.transform(dataset.test)
    assert list(out.columns) == list(test.columns) and out.index.equals(dataset.train.index)
    categorical = categorical_columns(out)
    for column in categorical:
        assert list(out[column].cat.categories) == list(range(len(out[column].cat.categories)))
        assert out[column].dtype == test[column].dtype
    assert np.isfinite(out.drop(columns=categorical).to_numpy(dtype=float)).all()
    assert "customer_country.1" not in out.columns
    # 'End-Customer' and 'End Customer' are one level after cleaning, 'India' parsed out of '/Kolkata /India'
    derived = features.derive(dataset.train)
    assert "end customer" in set(derived["customer_type"]) and "End Customer" not in set(derived["customer_type"])
    assert "india" in set(derived["customer_country"])


def test_rare_levels_fold_into_other_with_the_training_fold_threshold(dataset):
    features = CleanFeatures(min_count=30).fit(dataset.train, dataset.y)
    counts = features.derive(dataset.train)["customer_idx"].value_counts()
    assert "other" in counts.index and (counts.drop("other") >= 30).all()
    assert features.levels_["customer_idx"] == set(counts.drop("other").index)


@pytest.mark.parametrize("name", ["raw", "native", "clean", "engineered"])
def test_unseen_empty_and_missing_categories_never_raise(name, dataset):
    features = FEATURE_SETS[name]().fit(dataset.train, dataset.y)
    odd = dataset.test.copy()
    for i, column in enumerate(schema.CATEGORICAL):
        odd[column] = odd[column].astype(object)
        odd.loc[odd.index[0::4], column] = f"never seen {i} / Atlantis"
        odd.loc[odd.index[1::4], column] = ""
        odd.loc[odd.index[2::4], column] = np.nan
        odd.loc[odd.index[3::4], column] = "   "
    out = features.transform(odd)
    assert len(out) == len(odd)
    assert np.isfinite(out.drop(columns=categorical_columns(out)).to_numpy(dtype=float)).all()
    assert (out["customer_job"].cat.codes >= 0).all()


@pytest.mark.parametrize("name", ["clean", "engineered"])
def test_missing_column_names_the_column_and_the_feature_set(name, dataset):
    with pytest.raises(FeatureError, match=rf"'{name}'.*\['lead_owner'\]"):
        FEATURE_SETS[name]().fit(dataset.train.drop(columns=["lead_owner"]), dataset.y)
    fitted = FEATURE_SETS[name]().fit(dataset.train, dataset.y)
    with pytest.raises(FeatureError, match=rf"'{name}'.*\['customer_country.1'\]"):
        fitted.transform(dataset.test.drop(columns=["customer_country.1"]))


@pytest.mark.parametrize("keep_numbers", [False, True])
def test_native_makes_every_column_a_whole_category(keep_numbers, dataset):
    features = NativeFeatures(keep_numbers=keep_numbers).fit(dataset.train, dataset.y)
    out = features.transform(dataset.train)
    numbers = [c for c in schema.FEATURES if c not in schema.CATEGORICAL]
    assert categorical_columns(out) == schema.FEATURES  # numbers too: their values are levels
    for column in ["customer_idx", "lead_owner", numbers[0]]:  # every level its own code, none pooled
        assert out[column].cat.codes.nunique() == dataset.train[column].nunique(dropna=False)
    assert [c for c in out.columns if c not in schema.FEATURES] == (
        [c for c in features.get_feature_names_out() if c not in schema.FEATURES] if keep_numbers else []
    )
    if keep_numbers:  # the numbers kept as numbers as well, median-imputed
        assert np.allclose(
            out[f"{numbers[0]}_value"], dataset.train[numbers[0]].fillna(dataset.train[numbers[0]].median())
        )


class RecordingModel(ClassifierMixin, BaseEstimator):
    """Remembers the features it was fit on."""

    def fit(self, X, y):
        self.seen_ = X.copy()
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


def test_fit_rows_get_out_of_fold_target_encodings_inside_the_pipeline(dataset):
    """A level unique to one row is unseen by every other cross-fitting fold: its encoding for the fit
    rows cannot reflect its own label, although the full-fold encoding (for new rows) does."""
    X = dataset.train.assign(lead_owner=[f"owner {i}" for i in range(len(dataset.train))])
    features = EngineeredFeatures(target_columns=["lead_owner"], encoding_groups=None)
    model = Pipeline([("features", features), ("model", RecordingModel())]).fit(X, dataset.y)
    fit_rows = model.named_steps["model"].seen_["te_lead_owner"]
    new_rows = model.named_steps["features"].transform(X)["te_lead_owner"]
    assert abs(np.corrcoef(new_rows, dataset.y)[0, 1]) > 0.5  # full-fold values know the row's label
    assert fit_rows.std() < 0.02 and abs(np.corrcoef(fit_rows, dataset.y)[0, 1]) < 0.2  # out-of-fold ones do not


@pytest.mark.parametrize("cv", [StratifiedCV(n_splits=3), GroupCV(n_splits=3)], ids=["stratified", "group"])
def test_no_fold_reads_its_validation_labels(cv, dataset):
    """Poison fold 0's validation labels: fold 0's predictions must not move, the other folds' must."""
    folds = cv.split(dataset.train, dataset.y, dataset.groups)
    poisoned = dataset.y.copy()
    poisoned[folds[0].valid] = 1 - poisoned[folds[0].valid]
    pipeline = build_pipeline(
        EngineeredFeatures(encoding_splits=3), None, lightgbm_classifier(n_estimators=20, n_jobs=1)
    )
    clean_run = cross_validate(pipeline, dataset.train, dataset.y, dataset.test, folds, keep_models=True)
    poisoned_run = cross_validate(pipeline, dataset.train, poisoned, dataset.test, folds, keep_models=True)
    fold_0 = clean_run.oof["fold"] == 0
    assert np.array_equal(clean_run.oof.loc[fold_0, "proba"], poisoned_run.oof.loc[fold_0, "proba"])
    features_0 = [run.models[0].named_steps["features"].transform(dataset.test) for run in (clean_run, poisoned_run)]
    pd.testing.assert_frame_equal(*features_0)
    assert not np.allclose(clean_run.oof.loc[~fold_0, "proba"], poisoned_run.oof.loc[~fold_0, "proba"])


def test_transductive_counts_read_test_features_but_never_labels(dataset):
    plain = EngineeredFeatures().fit(dataset.train, dataset.y)
    transductive = EngineeredFeatures(transductive=True).fit(dataset.train, dataset.y, unlabeled=dataset.test)
    both = pd.concat([dataset.train, dataset.test])["customer_idx"]
    assert sum(transductive.counts_["customer_idx"].values()) == both.notna().sum()
    assert sum(plain.counts_["customer_idx"].values()) == dataset.train["customer_idx"].notna().sum()
    # a scored row counts the other known rows with its value, as a fit row does
    others = both.map(both.value_counts()).iloc[len(dataset.train) :] - 1
    assert np.allclose(transductive.transform(dataset.test)["n_customer_idx"], np.log1p(others.fillna(0)))
    # a label column on the unlabeled rows changes nothing
    labelled = dataset.test.assign(**{schema.LABEL: 1})
    with_labels = EngineeredFeatures(transductive=True).fit(dataset.train, dataset.y, unlabeled=labelled)
    pd.testing.assert_frame_equal(with_labels.transform(dataset.test), transductive.transform(dataset.test))
    with pytest.raises(FeatureError, match="transductive"):
        EngineeredFeatures(transductive=True).fit(dataset.train, dataset.y)


def test_a_transductive_run_gives_each_fold_its_validation_and_test_rows_without_storing_them(dataset, tmp_path):
    """engine.run passes the test rows as a fit parameter: every fold's counts read them and the fold's
    validation rows (so both are counted alike, never their labels), and neither
    the configured pipeline nor a fitted one holds the rows themselves (clones and saved models stay small)."""
    from leadconv.components.priors import FixedPrior
    from leadconv.components.thresholds import BestF1
    from leadconv.engine.run import Components, run
    from leadconv.tracking.persistence import dump, load

    parts = Components(
        EngineeredFeatures(transductive=True, encoding_splits=3),
        None,
        lightgbm_classifier(n_estimators=10, n_jobs=1),
        GroupCV(n_splits=3),
        BestF1(),
        FixedPrior(0.3),
    )
    folds = parts.cv.split(dataset.train, dataset.y, dataset.groups)
    outcome = run(parts, dataset, folds, keep_models=True)
    test_customers = dataset.test["customer_idx"].notna().sum()
    known = dataset.train["customer_idx"].notna().to_numpy()
    for fold, fitted in zip(folds, outcome.result.models):
        features = fitted.named_steps["features"]
        counted = known[fold.train].sum() + known[fold.valid].sum() + test_customers
        assert sum(features.counts_["customer_idx"].values()) == counted
        assert not any(isinstance(v, pd.DataFrame) for v in vars(features).values())
    assert "unlabeled" not in parts.features.get_params()
    dump(outcome.result.models, tmp_path / "fold_pipelines.skops")  # what save_models=true logs
    assert len(load(tmp_path / "fold_pipelines.skops", "the fold pipelines")) == len(folds)


@pytest.mark.parametrize("name", FEATURE_SETS)
def test_drop_leaves_the_named_columns_out_of_fit_and_transform(name, dataset):
    X, y = dataset.train, dataset.y
    kept = FEATURE_SETS[name]().fit(X, y)
    dropped = FEATURE_SETS[name](drop=["customer_idx", "lead_owner"])
    fitted = dropped.fit_transform(X, y)
    for out in (fitted, dropped.transform(dataset.test)):
        assert "customer_idx" not in out.columns and "lead_owner" not in out.columns
        assert list(out.columns) == [c for c in kept.get_feature_names_out() if c not in ("customer_idx", "lead_owner")]


def test_dropping_a_column_the_feature_set_does_not_make_names_it(dataset):
    with pytest.raises(FeatureError, match=r"features.drop names \['customer_country.1'\].*drop some of"):
        CleanFeatures(drop=["customer_country.1"]).fit(dataset.train, dataset.y)


def test_customer_weighted_encoding_counts_each_customer_once(dataset):
    """A sales rep with one large converted customer and many small unconverted ones: by rows its rate is
    high, by customers low. Fit rows still get encodings learned on other customers only."""
    X = dataset.train.copy()
    y = np.zeros(len(X), dtype=int)
    rep = np.arange(len(X)) < 300
    large = np.arange(len(X)) < 200  # one customer, 200 converted rows
    X["lead_owner"] = np.where(rep, "rep A", "rep B")
    X["customer_idx"] = np.where(large, "big", [f"c{i}" for i in range(len(X))])
    y[large] = 1
    y[~rep] = np.arange((~rep).sum()) % 2  # rep B: half its customers convert
    by_rows = EngineeredFeatures(target_columns=["lead_owner"], smooth=1.0).fit(X, y).transform(X)
    by_customers = EngineeredFeatures(target_columns=["lead_owner"], smooth=1.0, encoding_weight="customer")
    encoded = by_customers.fit(X, y).transform(X)["te_lead_owner"]
    assert by_rows["te_lead_owner"][rep].iloc[0] > 0.6  # 200 of rep A's 300 rows converted
    assert encoded[rep].iloc[0] < 0.05  # 1 of its 101 customers did (smoothed towards the customers' mean)
    assert encoded[~rep].iloc[0] == pytest.approx(0.5, abs=0.02)
    # cross-fitting inside a pipeline: the large customer's own rows are encoded without it
    model = Pipeline([("features", by_customers), ("model", RecordingModel())]).fit(X, y)
    fit_rows = model.named_steps["model"].seen_["te_lead_owner"][large]
    assert fit_rows.max() < 0.05
    with pytest.raises(FeatureError, match="encoding_weight"):
        EngineeredFeatures(encoding_weight="rows").fit(X, y)
