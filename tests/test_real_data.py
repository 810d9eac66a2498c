"""On the competition files, when LG_AIMERS_DATA_DIR points at them (CI sets it)."""

import os
from pathlib import Path

import mlflow
import pytest

from conftest import run_in_process

DATA_DIR = os.environ.get("LG_AIMERS_DATA_DIR", "")
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not (Path(DATA_DIR) / "train.csv").is_file(), reason="competition files not available"),
]


def test_real_lightgbm_cross_validation(experiment):
    metrics = run_in_process(["model=lightgbm", "model.n_estimators=100", "save_models=false"], experiment)
    run = mlflow.get_run(metrics["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["dataset"] == "lg_aimers"
    # random-row CV on this data is strong (and optimistic); anything near chance means a broken pipeline
    assert metrics["roc_auc"] > 0.9 and metrics["cv_f1"] > 0.6
    assert 0 < metrics["test_positive_rate"] < 1
