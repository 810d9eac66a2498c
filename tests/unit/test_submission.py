"""`make submit` refuses an output that cannot hold the submission before it reads any run (the submissions
themselves: tests/integration/test_submission_integration.py)."""

import pytest

from helpers import submit_config
from leadconv.components.synthetic import write_synthetic
from leadconv.errors import ConfigError
from leadconv.tasks.submit import make_submission, suite_shortfall


@pytest.fixture(scope="module")
def competition_file(tmp_path_factory):
    directory = tmp_path_factory.mktemp("competition")
    write_synthetic(directory, n_rows=300, n_test=50, seed=42)
    return directory / "submission.csv"


@pytest.mark.parametrize(
    "output_name, message",
    [("out.json", "ends in .json"), ("a_dir", "is a directory"), ("a_file/out.csv", "is a file, not a directory")],
)
def test_an_output_that_cannot_hold_the_submission_is_refused_before_scoring(
    output_name, message, competition_file, tmp_path
):
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("keep me")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ConfigError, match=message):
        make_submission(*submit_config("test-never-created", competition_file, tmp_path / output_name))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before and (tmp_path / "a_file").read_text() == "keep me"


SUITE = ["catboost", "lightgbm", "xgboost"]
ARGS = ["-m", "+experiment=default_suite"]


def test_a_one_run_ensemble_is_named_with_the_way_to_the_suite():
    message = suite_shortfall(["lightgbm"], 3, SUITE, ARGS)
    assert message.startswith("this submission stacks 1 base run(s) (1 lightgbm): fewer than suite.min_runs=3")
    assert "no catboost/xgboost of the default suite" in message
    assert "python src/run.py -m +experiment=default_suite" in message and "rebuild=true" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "models, min_runs, expected",
    [
        (["catboost", "catboost", "lightgbm", "xgboost", "lightgbm"], 3, None),  # the suite's five
        (["catboost", "lightgbm", "xgboost"], 3, None),
        (["catboost", "lightgbm", "xgboost"], 4, "fewer than suite.min_runs=4"),
        (["lightgbm", "lightgbm", "logreg"], 3, "no catboost/xgboost of the default suite"),
        (["lightgbm", "catboost"], 2, "no xgboost of the default suite"),
    ],
)
def test_the_warning_follows_the_configured_minimum_and_models(models, min_runs, expected):
    message = suite_shortfall(models, min_runs, SUITE, ARGS)
    assert message is None if expected is None else expected in message
