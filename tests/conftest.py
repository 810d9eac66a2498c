"""Shared fixtures: every test writes to a temporary MLflow store, never to the user's mlruns/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

# Small, fast settings per model: tests check behaviour, not accuracy.
TINY_MODEL = {
    "logreg": ["model.max_iter=300"],
    "random_forest": ["model.n_estimators=20", "model.n_jobs=1"],
    "extra_trees": ["model.n_estimators=20", "model.n_jobs=1"],
    "hist_gb": ["model.max_iter=20"],
    "lightgbm": ["model.n_estimators=20", "model.n_jobs=1"],
    "xgboost": ["model.n_estimators=20", "model.n_jobs=1"],
    "catboost": ["model.iterations=20", "model.thread_count=1"],
}
SYNTHETIC = ["dataset=synthetic", "dataset.n_rows=1200", "dataset.n_test=200", "cv.n_splits=3", "save_models=false"]


def tiny(model: str = "lightgbm", *extra: str) -> list[str]:
    return SYNTHETIC + [f"model={model}", *TINY_MODEL[model], *extra]


@pytest.fixture(scope="session", autouse=True)
def mlflow_store(tmp_path_factory):
    """One temporary SQLite store for the session (creating its tables costs seconds)."""
    store = tmp_path_factory.mktemp("mlruns")
    uri = f"sqlite:///{store}/mlflow.db"
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    yield uri
    if previous is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = previous


@pytest.fixture(autouse=True)
def keep_session_store(mlflow_store):
    """mlflow.set_tracking_uri also sets MLFLOW_TRACKING_URI, which every later subprocess inherits:
    a test that points MLflow elsewhere must not send the tests after it there."""
    yield
    if os.environ.get("MLFLOW_TRACKING_URI") != mlflow_store or mlflow.get_tracking_uri() != mlflow_store:
        mlflow.set_tracking_uri(mlflow_store)


@pytest.fixture
def experiment(request, mlflow_store):
    """A fresh experiment name per test, so run counts are the test's own."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"test-{request.node.name}")[:200]  # safe in a Hydra override


def compose_config(overrides: list[str], config_name: str = "config"):
    """The config `python src/run.py <overrides>` would get (src/ensemble.py's with config_name="ensemble"),
    plus the chosen group options."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
    choices = {k: str(v) for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra")}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices


def run_in_process(overrides: list[str], experiment: str) -> dict:
    from leadconv.tasks.run import run_experiment

    cfg, choices = compose_config(overrides + [f"tracking.experiment={experiment}"])
    return run_experiment(cfg, choices)


def runs_of(experiment: str):
    found = mlflow.get_experiment_by_name(experiment)
    if found is None:
        return []
    return mlflow.search_runs([found.experiment_id], output_format="list")


def run_script(args: list[str], env_extra: dict | None = None, script: str = "src/run.py", timeout: int = 300):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
