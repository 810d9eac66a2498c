"""make bench's memory figures: the suite's jobs run in worker processes, so the whole tree counts."""

import subprocess
import sys

import mlflow

from helpers import ROOT, tiny
from leadconv.bench.report import latest_run, run_command, run_summary
from leadconv.bench.submit import measure_tree

ALLOCATE = "import time; block = bytearray({mib} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(2)"


def test_memory_of_a_grandchild_is_measured(tmp_path):
    parent = (
        "import subprocess, sys, time; "
        f"child = subprocess.Popen([sys.executable, '-c', {ALLOCATE.format(mib=300)!r}]); "
        f"exec({ALLOCATE.format(mib=50)!r}); child.wait()"
    )
    measured = measure_tree([sys.executable, "-c", parent], env={})
    assert 0.28 < measured["largest_gib"] < 0.45  # the child's 300 MiB, not the parent's 50
    assert measured["total_gib"] >= measured["largest_gib"] + 0.04  # both at once
    assert measured["seconds"] >= 2


def test_a_benchmarked_run_is_read_from_the_store_not_from_its_output(mlflow_store, experiment):
    """make bench times the run's CV loop and shows its summary: both come from the run it logged,
    whatever the run prints (its summary line is a log record with Hydra's prefix)."""
    command = run_command("lightgbm", [*tiny("lightgbm"), f"tracking.experiment={experiment}"])
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    mlflow.set_tracking_uri(mlflow_store)
    run = latest_run()
    assert run.info.run_name == "bench" and run.data.tags["model"] == "lightgbm"
    assert run.data.metrics["fit_seconds"] > 0
    summary = run_summary(run)
    assert summary.startswith(f"CV F1 {run.data.metrics['cv_f1']:.4f}") and summary.endswith(run.info.run_id)
    assert run.info.run_id in result.stdout + result.stderr  # the same run the process reported


def test_the_submit_section_states_the_default_suite_s_last_both_kinds_figures(tmp_path):
    """The latest stronger-models run of the default candidate that judged the drawn files is the one shown;
    a later run without drawn files, or another candidate's, is not; an empty store says how to measure."""
    import mlflow

    from leadconv.bench.submit import both_kinds, render
    from leadconv.tasks.shifted_judge import DEFAULT_CANDIDATE, last_measured

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert last_measured(uri) is None and "--only default_stack" in both_kinds(None)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("stronger-models")
    logged = [
        (DEFAULT_CANDIDATE, {"rate25_f1": 0.84, "rate25_auc": 0.97, "mix_f1": 0.52, "mix_auc": 0.88}),
        ("other", {"rate25_f1": 0.99, "mix_f1": 0.99}),
        (DEFAULT_CANDIDATE, {"rate25_f1": 0.85}),  # judged on rate-only draws only
    ]
    for candidate, metrics in logged:
        with mlflow.start_run(tags={"candidate": candidate, "holdouts": "3", "mix_draws": "8"}):
            mlflow.log_metrics(metrics)
    measured = last_measured(uri)
    assert measured["kinds"]["rate 25%"]["f1"] == 0.84 and measured["kinds"]["mix"]["auc"] == 0.88
    suite = {"seconds": 600.0, "largest_gib": 1.6, "total_gib": 3.0}
    sidecar = {"test_prior_estimate": 0.22, "prior_method": "em", "threshold": 0.1, "predicted_positive_rate": 0.28}
    sidecar |= {"forecast_f1": 0.68, "forecast_f1_interval": [0.64, 0.71], "effective_leads": 3012.4}
    text = render(suite, {**suite, "seconds": 30.0}, sidecar, [], measured)
    assert "forecast F1 0.680 [0.640, 0.710], the file's F1 resting on 3,012 effective leads." in text
    assert "rate 25% 0.840 (AUC 0.970); mix 0.520 (AUC 0.880)" in text
    assert "3 hold-outs, 8 drawn files per kind and hold-out" in text
    assert "mix^0.5" not in text  # not measured: not shown
