"""Finding runs in the MLflow store and reading their artifacts back."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
from mlflow.entities import Run
from mlflow.exceptions import MlflowException

from leadconv import settings
from leadconv.errors import DataError
from leadconv.tracking import persistence

# An ensemble downloads a few small files per base run: a progress bar for each drowns the output.

ENSEMBLE = "ensemble"  # tag run_type of ensemble runs: never a base run of another ensemble


def search(experiment: str, filters: list[str], order_by: list[str] | None = None) -> list[Run]:
    """Runs of `experiment` matching every filter (MLflow search syntax); none if it does not exist."""
    found = mlflow.get_experiment_by_name(experiment)
    if found is None:
        return []
    return mlflow.search_runs(
        [found.experiment_id], filter_string=" and ".join(filters), order_by=order_by, output_format="list"
    )


def tag_filter(key: str, value) -> str:
    return f"tags.`{key}` = '{value}'"


def is_ensemble(run: Run) -> bool:
    return run.data.tags.get("run_type") == ENSEMBLE


def artifact(run_id: str, path: str) -> Path:
    """A local copy of one artifact; a deleted or never-logged artifact is a user-facing error."""
    settings.quiet_mlflow_downloads()
    try:
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path))
    except (OSError, MlflowException):
        raise DataError(
            f"run {run_id} has no artifact {path} (deleted, or never logged); "
            "delete the run or exclude it (select.* filters), and rerun it if needed"
        ) from None


def read_frame(run_id: str, path: str) -> pd.DataFrame:
    return pd.read_parquet(artifact(run_id, path))


def load_object(run_id: str, path: str):
    """A logged skops model, rebuilt only from trusted types (leadconv.tracking.persistence)."""
    return persistence.load(artifact(run_id, path), f"run {run_id}'s {path}")
