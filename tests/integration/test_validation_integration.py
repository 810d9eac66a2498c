"""A cv=group run's logged metrics, and the results table regenerated from MLflow (the folds and threshold
rules themselves: tests/unit/test_validation.py)."""

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from helpers import run_in_process, run_main, tiny
from leadconv.components.dataset import SyntheticData
from leadconv.components.thresholds import best_f1_threshold


@pytest.fixture(scope="module")
def group_run(mlflow_store):
    metrics = run_in_process(
        tiny("lightgbm", "features=engineered", "cv=group", "threshold=prior_shift"), "test-group-run"
    )
    return mlflow.get_run(metrics["run_id"]), metrics


def test_group_run_logs_consistent_metrics_without_the_large_customers(group_run):
    run, metrics = group_run
    params = run.data.params
    assert run.data.tags["cv"] == "group" and params["cv_scheme"] == "group"
    assert params["threshold_rule"] == "prior_shift" and int(params["cv_rows_never_validated"]) > 0
    oof = pd.read_parquet(
        mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="predictions/oof.parquet")
    )
    assert len(oof) == 1200 - int(params["cv_rows_never_validated"]) and oof["row"].is_unique
    per_fold = [f1_score(g["y_true"], g["proba"] >= metrics["cv_threshold"]) for _, g in oof.groupby("fold")]
    assert metrics["cv_f1"] == pytest.approx(np.mean(per_fold))
    # prior_shift's threshold for the validation rows (their own prior) is the best-F1 one
    assert metrics["cv_threshold"] == pytest.approx(best_f1_threshold(oof["y_true"], oof["proba"]))
    y = SyntheticData(n_rows=1200, n_test=200, seed=42).load().y
    assert np.array_equal(oof["y_true"], y[oof["row"]])  # `row` is the training row's position


def _table_rows(markdown: str) -> dict:
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 9 and cells[0] in ("raw", "clean", "engineered"):
            rows[(cells[0], cells[1], cells[3])] = cells
    return rows


@pytest.mark.slow
def test_results_command_reproduces_the_logged_metrics(experiment, tmp_path):
    for extra in (["cv=stratified"], ["cv=group"], ["cv=group", "sampler=random_under"]):
        run_in_process(tiny("logreg", *extra), experiment)
    output = tmp_path / "results.md"
    output.write_text("# Results\n\nConclusion written by hand.\n")
    args = ["--experiment", experiment, "--output", str(output)]
    result = run_main(
        args, script="leadconv.tracking.results"
    )  # as `make results`: python -m leadconv.tracking.results
    assert result.returncode == 0, result.stderr[-2000:]
    text = output.read_text()
    assert text.startswith("# Results\n\nConclusion written by hand.\n")
    rows = _table_rows(text)
    runs = [
        r
        for r in mlflow.search_runs(experiment_names=[experiment], output_format="list")
        if r.data.tags["sampler"] == "none"
    ]
    assert len(rows) == len(runs) == 2  # the random_under run is not in the table
    for run in runs:
        cells = rows[("raw", "logreg", run.data.tags["cv"])]
        m = run.data.metrics
        assert cells[4] == f"{m['cv_f1']:.4f} ± {m['cv_f1_std']:.4f}"
        assert cells[5] == f"{m['test_positive_rate']:.4f}" and cells[6] == f"{m['threshold']:.4f}"
        assert cells[8] == run.info.run_id
    f1 = {run.data.tags["cv"]: run.data.metrics["cv_f1"] for run in runs}
    gap = [line for line in text.splitlines() if line.startswith("| raw | logreg | 0.")]
    assert gap == [
        f"| raw | logreg | {f1['stratified']:.4f} | {f1['group']:.4f} | {f1['stratified'] - f1['group']:+.4f} |"
    ]
    again = run_main(args, script="leadconv.tracking.results")
    assert again.returncode == 0 and output.read_text() == text  # regenerating replaces, never appends
