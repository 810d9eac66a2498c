"""Settings a library refuses only inside its own fit (XGBoost's max_depth=-3, CatBoost's depth=40,
LightGBM's negative min_child_samples) end in one line naming the model and the key, through the entry
wrapper; a store path under a file ends in one line naming the path. Bugs keep their traceback."""

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier
from lightgbm import LGBMClassifier
from xgboost import XGBClassifier

from helpers import compose_config
from leadconv.errors import ConfigError, fit_error_message
from leadconv.tracking.log import make_store_directory, setup
from leadconv.utils import task_wrapper

X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3})
Y = np.arange(40) % 2


def raised_by(fit) -> BaseException:
    try:
        fit()
    except Exception as error:  # noqa: BLE001 - the error the library raises is what we test
        return error
    raise AssertionError("the library accepted the setting")


@pytest.mark.parametrize(
    "model, overrides, fit, expected",
    [
        (
            "xgboost",
            ["model.max_depth=-3"],
            lambda: XGBClassifier(max_depth=-3, n_estimators=2).fit(X, Y),
            "XGBClassifier says: value -3 for Parameter max_depth should be greater equal to 0",
        ),
        (
            "catboost",
            ["model.depth=40"],
            lambda: CatBoostClassifier(depth=40, iterations=2, verbose=0, allow_writing_files=False).fit(X, Y),
            "CatBoostClassifier says: Maximum tree depth is 16",
        ),
        (
            "lightgbm",
            ["model.min_child_samples=-5"],
            lambda: LGBMClassifier(min_child_samples=-5, n_estimators=2, verbose=-1).fit(X, Y),
            "LGBMClassifier says: Check failed: (min_data_in_leaf) >= (0)",
        ),
    ],
)
def test_a_setting_refused_inside_fit_is_named_in_one_line(model, overrides, fit, expected):
    cfg, choices = compose_config([f"model={model}", *overrides])
    message = fit_error_message(raised_by(fit), cfg, choices)
    assert message.startswith(f"model={model} cannot be fit with its settings: {expected}")
    key = overrides[0].split("=")[0]
    assert f"({overrides[0]})" in message and "fix the model.* override" in message, message
    assert "\n" not in message and ".cpp" not in message and len(message) < 500
    assert f"shift.{key.split('.')[1]}" not in message  # the model's key, not the shift classifier's namesake


def test_the_entry_wrapper_prints_the_line_and_exits_1(capsys):
    cfg, _ = compose_config(["model=xgboost", "model.max_depth=-3"])

    @task_wrapper
    def task(cfg):
        XGBClassifier(max_depth=cfg.model.max_depth, n_estimators=2).fit(X, Y)

    with pytest.raises(SystemExit) as stopped:
        task(cfg)
    assert stopped.value.code == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: ") and "max_depth" in line and "(model.max_depth=-3)" in line


def test_errors_of_our_own_code_or_outside_a_fit_are_left_alone():
    assert fit_error_message(raised_by(lambda: int("x")), None) is None  # our code: a bug keeps its traceback
    # a library error outside any fit (predicting with an unfitted model) is not a refused setting
    assert fit_error_message(raised_by(lambda: XGBClassifier().predict(X)), None) is None


def test_a_store_under_a_file_is_refused_in_one_line(tmp_path):
    (tmp_path / "a_file").write_text("keep")
    uri = f"sqlite:///{tmp_path}/a_file/mlflow.db"
    with pytest.raises(ConfigError, match=f"{tmp_path}/a_file is a file, not a directory"):
        setup(uri, "never")
    with pytest.raises(ConfigError, match="cannot be created"):
        make_store_directory(tmp_path / "a_file" / "deeper", uri)
    assert (tmp_path / "a_file").read_text() == "keep"
