"""Every environment variable that crosses a process boundary, in one place.

A sweep's own process exports its context (`set_sweep`) before it launches jobs; a job, in the
same process or in a joblib worker that inherited the environment, reads it back (`sweep_context`).
Nothing else in the package reads or writes `LEADCONV_*` variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

DATA_DIR_ENV = "LG_AIMERS_DATA_DIR"  # the competition files (conf/dataset/lg_aimers.yaml reads it too)


@dataclass(frozen=True)
class SweepContext:
    """What a job learns about the sweep that launched it (all None outside a sweep)."""

    parent_run_id: str | None = None  # LEADCONV_PARENT_RUN_ID: the sweep's MLflow parent run
    sweep: str | None = None  # LEADCONV_SWEEP: the sweep's name (an MLflow tag)
    study: str | None = None  # LEADCONV_OPTUNA_STUDY
    storage: str | None = None  # LEADCONV_OPTUNA_STORAGE: the study's storage URL
    trial: str | None = None  # LEADCONV_OPTUNA_TRIAL: the trial number (an MLflow tag)
    trial_id: str | None = None  # LEADCONV_OPTUNA_TRIAL_ID: the storage's trial id (to report fold scores)


ENV_NAMES = {
    "parent_run_id": "LEADCONV_PARENT_RUN_ID",
    "sweep": "LEADCONV_SWEEP",
    "study": "LEADCONV_OPTUNA_STUDY",
    "storage": "LEADCONV_OPTUNA_STORAGE",
    "trial": "LEADCONV_OPTUNA_TRIAL",
    "trial_id": "LEADCONV_OPTUNA_TRIAL_ID",
}


def sweep_context() -> SweepContext:
    return SweepContext(**{f.name: os.environ.get(ENV_NAMES[f.name]) or None for f in fields(SweepContext)})


def set_sweep(**values: str | None) -> None:
    """Export (or, for None, remove) fields of the sweep context for the jobs launched from here on;
    `set_sweep(**dict.fromkeys(names))` removes them again when the sweep ends."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(ENV_NAMES[name], None)
        else:
            os.environ[ENV_NAMES[name]] = value


def data_dir(default: Path) -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or default)


def quiet_mlflow_downloads() -> None:
    """No artifact progress bars in logs (MLflow reads this when it downloads)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
