"""On the competition files, when LG_AIMERS_DATA_DIR points at them (CI sets it)."""

import os
from pathlib import Path

import mlflow
import pytest

from helpers import run_in_process

DATA_DIR = os.environ.get("LG_AIMERS_DATA_DIR", "")
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not (Path(DATA_DIR) / "train.csv").is_file(), reason="competition files not available"),
]


def test_real_lightgbm_cross_validation(experiment):
    """One real LightGBM CV under the default (customer-grouped) scheme."""
    metrics = run_in_process(["model=lightgbm", "model.n_estimators=100", "save_models=false"], experiment)
    run = mlflow.get_run(metrics["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["dataset"] == "lg_aimers" and run.data.params["cv_scheme"] == "group"
    # the two giant customers stay in training: their rows are never validated
    assert int(run.data.params["cv_rows_never_validated"]) > 5000
    # unseen customers are much harder than random rows (stratified CV reports ~0.84 here),
    # yet far from chance: a broken pipeline lands near the positive rate
    assert metrics["roc_auc"] > 0.85 and 0.35 < metrics["cv_f1"] < 0.75
    assert 0 < metrics["test_positive_rate"] < 1
