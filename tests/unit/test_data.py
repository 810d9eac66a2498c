"""Loading and validating the competition layout."""

import numpy as np
import pandas as pd
import pytest

from leadconv import schema
from leadconv.components.dataset import CompetitionData, normalise_types, parse_label
from leadconv.components.synthetic import write_synthetic
from leadconv.errors import DataError


@pytest.fixture
def data_dir(tmp_path):
    write_synthetic(tmp_path, n_rows=400, n_test=50, seed=3)
    return tmp_path


def test_loads_competition_layout(data_dir):
    dataset = CompetitionData(str(data_dir)).load()
    assert list(dataset.train.columns) == schema.FEATURES
    assert len(dataset.train) == len(dataset.y) == 400
    assert set(np.unique(dataset.y)) == {0, 1}
    assert len(dataset.test) == len(dataset.test_ids) == 50
    assert dataset.digest == CompetitionData(str(data_dir)).load().digest


def test_digest_changes_with_labels(data_dir):
    before = CompetitionData(str(data_dir)).load().digest
    train = pd.read_csv(data_dir / "train.csv")
    train.loc[0, schema.LABEL] = not train.loc[0, schema.LABEL]
    train.to_csv(data_dir / "train.csv", index=False)
    assert CompetitionData(str(data_dir)).load().digest != before


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["True", "False"], [1, 0]),
        (["true", "FALSE"], [1, 0]),
        (["1", "0"], [1, 0]),
        (["yes", "no"], [1, 0]),
    ],
)
def test_parse_label_accepts_boolean_like(raw, expected):
    assert parse_label(pd.Series(raw)).tolist() == expected


@pytest.mark.parametrize("raw", [["True", "maybe"], ["True", None], ["2", "0"]])
def test_parse_label_rejects_other_values(raw):
    with pytest.raises(DataError, match="not boolean-like"):
        parse_label(pd.Series(raw, dtype=object))


def test_missing_text_stays_missing_never_the_string_nan():
    frame = pd.DataFrame({c: [np.nan, np.nan] for c in schema.FEATURES})
    frame["customer_type"] = ["End Customer", np.nan]
    frame["customer_job"] = ["  ", "engineering"]
    out = normalise_types(frame)
    assert out["customer_type"].isna().tolist() == [False, True]
    assert out["customer_job"].isna().tolist() == [True, False]  # blank cells are missing too
    assert not out[schema.CATEGORICAL].isin(["nan", "None", "<NA>"]).any().any()


def test_non_numeric_value_in_numeric_column_is_named(data_dir):
    train = pd.read_csv(data_dir / "train.csv")
    train["lead_desc_length"] = train["lead_desc_length"].astype(object)
    train.loc[5, "lead_desc_length"] = "long"
    train.to_csv(data_dir / "train.csv", index=False)
    with pytest.raises(DataError, match="lead_desc_length"):
        CompetitionData(str(data_dir)).load()
