"""Runs record the software that made their numbers; ensembles warn when their base runs' software differs
(the digest itself: tests/unit/test_environment.py)."""

import json
from importlib import metadata

import mlflow
import pytest

from helpers import compose_config, run_in_process, tiny
from leadconv.tasks.ensemble import build_ensemble
from leadconv.tracking import environment

EXPERIMENT = "test-environment"


@pytest.fixture(scope="module")
def two_runs(mlflow_store):
    return [run_in_process(tiny(model, "save_models=true"), EXPERIMENT)["run_id"] for model in ("logreg", "lightgbm")]


def logged_environment(run_id: str) -> dict:
    return json.loads(mlflow.artifacts.load_text(f"runs:/{run_id}/{environment.ARTIFACT}"))


def test_a_run_logs_the_installed_versions_and_their_digest(two_runs):
    logged = logged_environment(two_runs[0])
    assert set(environment.PACKAGES) <= set(logged) and logged["python"].count(".") == 2
    for package in environment.PACKAGES:
        assert logged[package] == metadata.version(package)
    assert mlflow.get_run(two_runs[0]).data.tags[environment.DIGEST_TAG] == environment.digest(logged)


def ensemble_of(*overrides):
    cfg, choices = compose_config(
        ["select.dataset=synthetic", f"tracking.experiment={EXPERIMENT}", *overrides], config_name="ensemble"
    )
    return mlflow.get_run(build_ensemble(cfg, choices)["run_id"])


def test_an_ensemble_of_one_environment_does_not_warn(two_runs, caplog):
    run = ensemble_of()
    assert "mixed_environment" not in run.data.tags and "different environments" not in caplog.text
    assert run.data.tags[environment.DIGEST_TAG] == environment.digest(environment.versions())


def test_an_ensemble_of_runs_from_different_environments_names_the_packages(two_runs, caplog, tmp_path):
    older = {**environment.versions(), "lightgbm": "4.3.0", "pandas": "2.2.3"}
    path = tmp_path / environment.ARTIFACT
    path.write_text(json.dumps(older))
    mlflow.MlflowClient().log_artifact(two_runs[1], str(path))  # as if that run had been made elsewhere
    run = ensemble_of()
    warning = run.data.tags["mixed_environment"]
    assert "lightgbm 4.3.0, " in warning and "pandas 2.2.3, " in warning and "numpy" not in warning
    assert "different environments" in caplog.text
