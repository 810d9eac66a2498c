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
