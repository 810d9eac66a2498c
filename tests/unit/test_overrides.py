"""Config mistakes on the command line are named with the nearest valid names, before Hydra composes."""

import pytest

from leadconv.utils import STOPPED, command_line_problem, overrides_problem, stopped_message


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["model=lightgmb"], "model=lightgmb: no such option of `model`; did you mean model=lightgbm?"),
        (["modle=catboost"], "`modle` is not a config key or group of config.yaml; did you mean model?"),
        (["+modle=catboost"], "+modle: `modle` is not a config key or group"),
        (["++modle=catboost"], "++modle:"),
        (["model.num_leafs=64"], "model.num_leafs: no such key with model=lightgbm; did you mean model.num_leaves?"),
        (
            ["model=catboost", "model.num_leaves=8"],
            "no such key with model=catboost; valid: _target_, class_weight, depth",
        ),
        (["cv.n_split=3"], "did you mean cv.n_splits?"),
        (["sampler=smotee"], "did you mean sampler=smote"),
        (["model=logreg,lightgmb"], "model=lightgmb: no such option"),
        (["+experiment=smok"], "did you mean experiment=smoke?"),
        (["model.x=("], "cannot read the override"),
    ],
)
def test_a_mistake_is_named_with_the_nearest_valid_names(overrides, expected):
    problem = overrides_problem("config", overrides)
    assert problem is not None and expected in problem, problem
    assert "\n" not in problem and len(problem) < 400


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["model=catboost", "sampler=smote", "model.iterations=10"],
        ["+sampler.then._target_=imblearn.under_sampling.RandomUnderSampler"],  # adds under an existing key
        ["+experiment=smoke"],
        ["hydra/sweeper=optuna", "hydra.sweeper.n_trials=3"],  # Hydra's own: left to Hydra
        ["model=lightgbm,logreg", "model.n_jobs=1"],  # a grid: the checked sweeper judges each combination
        ["~model.class_weight"],
        ["seed=3", "run_name=x"],
    ],
)
def test_valid_overrides_pass(overrides):
    assert overrides_problem("config", overrides) is None


def test_other_scripts_are_checked_against_their_own_config():
    assert "did you mean stacker=mean?" in overrides_problem("ensemble", ["stacker=meen"])
    assert "did you mean input?" in overrides_problem("submit", ["inptu=x.csv"])
    assert overrides_problem("submit", ["input=x.csv"]) is None


def test_the_command_line_is_read_as_hydra_reads_it():
    assert "model=lightgbm?" in command_line_problem("config", ["-m", "model=lightgmb"])
    assert command_line_problem("config", ["--help"]) is None
    assert "stacker" in command_line_problem("config", ["-cn", "ensemble", "stacker=meen"])


def test_the_stop_line_names_the_killed_run(monkeypatch):
    monkeypatch.setitem(STOPPED, "runs", [("abc123", "slow")])
    monkeypatch.setitem(STOPPED, "signal", "SIGTERM")
    assert stopped_message() == "stopped by SIGTERM: MLflow run slow (abc123) marked KILLED"
    monkeypatch.setitem(STOPPED, "runs", [])
    assert "no MLflow run was open" in stopped_message()


@pytest.mark.parametrize("config_name", ["config", "ensemble", "submit", "leaderboard"])
def test_hydra_output_folders_are_anchored_to_the_repository(config_name, tmp_path, monkeypatch):
    from leadconv import PROJECT_ROOT
    from leadconv.utils import compose_config

    monkeypatch.chdir(tmp_path)  # e.g. run from src/: still the repository's outputs/
    hydra = compose_config([], config_name, return_hydra_config=True).hydra
    assert hydra.run.dir.startswith(f"{PROJECT_ROOT}/outputs/")
    assert hydra.sweep.dir.startswith(f"{PROJECT_ROOT}/multirun/")
