"""Shared test helpers (plain functions and constants; the fixtures are in conftest.py).

Imported as `from helpers import ...` from tests/unit/ and tests/integration/: tests/ is on sys.path
(pyproject.toml: [tool.pytest.ini_options] pythonpath).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import runpy
import signal
import subprocess
import sys
import traceback
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
    "realmlp": ["model.n_epochs=4"],  # optional (make install-neural): its tests skip without pytabkit
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


def run_main(args: list[str], env_extra: dict | None = None, script: str = "src/run.py", timeout: int | None = None):
    """`run_script` without the new interpreter: the entry script's main runs in this process with `sys.argv`
    set as the command line would set it, and the same result comes back (exit code, stdout, stderr).

    For what is not process-level: an `error:` line and an exit code, a run's or a sweep's MLflow records.
    A real process stays the way to test signals, parallel workers and Makefile wiring (`run_script`).
    `script` is a file (src/run.py) or, as for `python -m`, a module whose `main(argv)` is called.
    The environment, the working directory, the MLflow tracking URI, Hydra's global state, the root
    logger's handlers and the signal handlers an entry point installs are all put back afterwards.
    `timeout` is accepted for `run_script`'s signature and ignored.
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    environ, cwd, argv = dict(os.environ), os.getcwd(), sys.argv
    tracking_uri = mlflow.get_tracking_uri()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        os.environ.update(env_extra or {})
        os.chdir(ROOT)
        GlobalHydra.instance().clear()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                sys.argv = [script, *args]
                if script.endswith(".py"):
                    runpy.run_path(str(ROOT / script), run_name="__main__")
                else:
                    importlib.import_module(script).main(list(args))
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
                if exit.code is not None and not isinstance(exit.code, int):
                    print(exit.code, file=sys.stderr)
            except Exception:  # noqa: BLE001 - as the interpreter would: the traceback on stderr, exit code 1
                traceback.print_exc()
                code = 1
    finally:
        sys.argv = argv
        GlobalHydra.instance().clear()
        HydraConfig.instance().cfg = None
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for number, handler in signals.items():
            signal.signal(number, handler)
        os.chdir(cwd)
        mlflow.set_tracking_uri(tracking_uri)  # it also exports MLFLOW_TRACKING_URI: the environment comes after
        os.environ.clear()
        os.environ.update(environ)
    return subprocess.CompletedProcess([script, *args], code, stdout.getvalue(), stderr.getvalue())
