import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

from leadconv.components.synthetic import _generate, make_synthetic, write_synthetic
from leadconv.schema import GROUP, ID, LABEL, NUMERIC, TEST_COLUMNS, TRAIN_COLUMNS


@pytest.fixture(scope="module")
def frames():
    return make_synthetic(n_rows=3000, n_test=600, seed=0)


def test_columns_and_sizes(frames):
    train, test = frames
    assert list(train.columns) == TRAIN_COLUMNS
    assert list(test.columns) == TEST_COLUMNS
    assert (len(train), len(test)) == (3000, 600)
    assert make_synthetic(n_rows=500, n_test=50)[0].shape == (500, len(TRAIN_COLUMNS))


def test_types_labels_and_ids(frames):
    train, test = frames
    assert train[LABEL].dtype == bool
    assert test[LABEL].isna().all()
    assert pd.api.types.is_integer_dtype(test[ID]) and test[ID].is_unique
    for column in [GROUP, "lead_owner"]:
        assert pd.api.types.is_integer_dtype(train[column])
    assert all(train[c].dtype == float for c in NUMERIC)
    assert set(train["bant_submit"]) <= {0.0, 0.25, 0.5, 0.75, 1.0}
    assert set(train["idit_strategic_ver"].dropna()) == {1.0}
    assert (train["lead_desc_length"] >= 1).all()
    assert (train["lead_desc_length"] % 1 == 0).all()
    assert train["ver_win_rate_x"].dropna().between(0, 1).all()


def test_deterministic_and_seed_sensitive():
    first, again, other = (make_synthetic(n_rows=800, n_test=100, seed=s) for s in (1, 1, 2))
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    assert not first[0].equals(other[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("rate", [0.03, 0.08])
def test_positive_rate(seed, rate):
    train, _ = make_synthetic(n_rows=2000, n_test=100, seed=seed, positive_rate=rate)
    assert abs(train[LABEL].mean() - rate) <= 0.015


def test_missing_rates_near_targets(frames):
    train, _ = frames
    targets = {
        "com_reg_ver_win_rate": 0.75,
        "customer_type": 0.75,
        "customer_job": 0.3,
        "product_modelname": 0.85,
        "expected_timeline": 0.5,
        "idit_strategic_ver": 0.93,
        "customer_country": 0.02,
        "bant_submit": 0.0,
        "lead_owner": 0.0,
    }
    for column, target in targets.items():
        assert abs(train[column].isna().mean() - target) < 0.05, column


def test_messy_spellings_present(frames):
    train, _ = frames
    assert {"End Customer", "End-Customer", "Specifier/ Influencer"} <= set(train["customer_type"])
    assert {"Quotation or purchase consultation", "Quotation or Purchase Consultation"} <= set(train["inquiry_type"])
    assert {"less than 3 months", "less_than_3_months"} <= set(train["expected_timeline"])
    countries = train["customer_country"].dropna()
    assert countries.str.startswith("//").any() and countries.str.startswith("/  / ").any()
    assert countries.str.match(r"^/[^/]+/[^/]+$").any()  # '/city/country'
    same = train["customer_country"].fillna("") == train["customer_country.1"].fillna("")
    assert 0.95 < same.mean() < 1.0


def test_customer_structure(frames):
    train, test = frames
    rows_per_customer = train[GROUP].value_counts()
    assert rows_per_customer.iloc[:2].sum() > 0.1 * len(train)  # two whales
    whale_rates = train.groupby(GROUP)[LABEL].mean()[rows_per_customer.index[:2]]
    assert whale_rates.max() == 1.0 and whale_rates.min() < 0.05
    assert 0.02 < train.duplicated().mean() < 0.08
    assert 0.7 < (~test[GROUP].isin(train[GROUP])).mean() < 0.9


def test_test_rows_convert_more_often():
    rates = [(_generate(3000, 600, seed, 0.08)[2].mean()) for seed in range(3)]
    assert np.mean(rates) > 0.08


def test_signal_is_learnable_on_unseen_customers(frames):
    train, _ = frames
    columns = ["bant_submit", "lead_desc_length", "customer_type", "business_unit", "enterprise"]
    X = train[columns].apply(lambda c: c.astype("category").cat.codes if c.dtype != float else c)
    fit_rows, held_rows = next(
        GroupShuffleSplit(n_splits=1, test_size=0.3, random_state=0).split(X, train[LABEL], train[GROUP])
    )
    model = HistGradientBoostingClassifier(max_iter=100, max_depth=3, random_state=0)
    model.fit(X.iloc[fit_rows], train[LABEL].iloc[fit_rows])
    scores = model.predict_proba(X.iloc[held_rows])[:, 1]
    assert roc_auc_score(train[LABEL].iloc[held_rows], scores) > 0.6


def test_write_round_trips(tmp_path):
    write_synthetic(tmp_path / "data", n_rows=400, n_test=80, seed=3)
    train = pd.read_csv(tmp_path / "data" / "train.csv")
    test = pd.read_csv(tmp_path / "data" / "submission.csv")
    assert list(train.columns) == TRAIN_COLUMNS and len(train) == 400
    assert list(test.columns) == TEST_COLUMNS and len(test) == 80
    assert train[LABEL].dtype == bool and test[LABEL].isna().all()
    expected, _ = make_synthetic(n_rows=400, n_test=80, seed=3)
    pd.testing.assert_series_equal(train["customer_country"], expected["customer_country"])
    assert (train["lead_desc_length"] == expected["lead_desc_length"]).all()
