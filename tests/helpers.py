"""Shared test helpers (plain functions and constants; the fixtures are in conftest.py).

Imported as `from helpers import ...` from tests/unit/ and tests/integration/: tests/ is on sys.path
(pyproject.toml: [tool.pytest.ini_options] pythonpath).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow
from hydra import compose, initialize_config_dir
from omegaconf import open_dict

import leadconv  # noqa: F401 - registers the resolvers the configs use (${project_root:})

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


def grid(experiment: str, sweep_dir, *overrides: str) -> list[str]:
    """`python src/run.py -m ...` arguments of a synthetic-data grid logged to `experiment`."""
    return ["-m", *SYNTHETIC, *overrides, f"tracking.experiment={experiment}", f"hydra.sweep.dir={sweep_dir}"]


def options(group: str) -> list[str]:
    """The options of a config group: the names of conf/<group>/*.yaml."""
    return sorted(path.stem for path in (CONF / group).glob("*.yaml"))


def compose_config(overrides: list[str], config_name: str = "config"):
    """The config `python src/run.py <overrides>` would get (src/ensemble.py's with config_name="ensemble"),
    plus the chosen group options."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
    choices = {k: str(v) for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra")}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices


def submit_config(experiment: str, input_path, output, *overrides: str):
    """The config of `src/submit.py` for one input and output file, without the default suite."""
    return compose_config(
        [
            "select.dataset=synthetic",
            f"tracking.experiment={experiment}",
            f"input={input_path}",
            f"output={output}",
            "suite.enabled=false",
            *overrides,
        ],
        config_name="submit",
    )


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
