"""Grids: a multirun's jobs nest under one parent run, run in parallel with joblib, and survive a failing job."""

import pytest

from helpers import TINY_MODEL, grid, run_script, runs_of


@pytest.mark.slow
def test_parallel_grid_nests_every_job_and_records_failures(experiment, tmp_path):
    # 2 x 2 jobs in two joblib worker processes: class_weight=heavy fails while building the model
    # (before the job's run starts), k_neighbors=0 fails inside SMOTE-NC while fitting
    args = grid(
        experiment,
        tmp_path,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "model=lightgbm",
        *TINY_MODEL["lightgbm"],
        "sampler=smotenc",
        "sampler.k_neighbors=3,0",
        "model.class_weight=balanced,heavy",
    )
    result = run_script(args, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = runs_of(experiment)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    parent = parents[0]
    children = {r.data.tags["sweep_job"]: r for r in runs if r is not parent}
    assert {r.data.tags["mlflow.parentRunId"] for r in children.values()} == {parent.info.run_id}
    assert {job: r.info.status for job, r in children.items()} == {
        "0": "FINISHED",
        "1": "FAILED",
        "2": "FAILED",
        "3": "FAILED",
    }
    assert "failed before its run started" in children["1"].data.tags["error"]
    assert "error" not in children["2"].data.tags  # this one started its run: the run itself is FAILED
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["n_runs"] == 4 and parent.data.metrics["n_failed"] == 3
    assert parent.data.metrics["best_forecast_f1"] == children["0"].data.metrics["forecast_f1"]
    assert parent.data.tags["best_run_id"] == children["0"].info.run_id
    assert "sampler.k_neighbors=3,0" in parent.info.run_name
