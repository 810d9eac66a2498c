"""Real signals sent to real runs: no run or sweep parent is left RUNNING."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from helpers import ROOT, run_script

SLOW_RUN = [
    "dataset=synthetic",
    "dataset.n_rows=3000",
    "model=catboost",
    "model.iterations=3000",
    "model.thread_count=1",
    "save_models=false",
]


def statuses(store) -> dict[str, str]:
    """run name -> status, read straight from the SQLite store (empty while MLflow is still creating it)."""
    if not store.exists():
        return {}
    try:
        with sqlite3.connect(store, timeout=30) as db:
            return dict(db.execute("select name, status from runs"))
    except sqlite3.OperationalError as error:  # the file exists before its tables do
        if "no such table" in str(error):
            return {}
        raise


def start(args, store):
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
    # SIGINT as a terminal would deliver it: a shell that runs the tests in the background starts them
    # with SIGINT ignored, and an ignored SIGINT stays ignored in every child
    return subprocess.Popen(
        [sys.executable, "src/run.py", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for(condition, process, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"the process ended first: {process.stderr.read()[-2000:]}")
        time.sleep(0.5)
    raise AssertionError("timed out")


def running(store, count: int = 1):
    return lambda: sum(status == "RUNNING" for status in statuses(store).values()) >= count


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signalled_run_is_marked_killed(sig, tmp_path):
    store = tmp_path / "mlflow.db"
    process = start(SLOW_RUN + ["run_name=slow"], store)
    wait_for(running(store), process)
    time.sleep(2)  # inside the first fold
    process.send_signal(sig)
    process.wait(timeout=60)
    assert process.returncode != 0
    assert statuses(store) == {"slow": "KILLED"}
    stderr = process.stderr.read()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-2000:]
    name = "Ctrl-C" if sig == signal.SIGINT else "SIGTERM"
    assert stderr.strip().splitlines()[-1].startswith(f"stopped by {name}: MLflow run slow ("), stderr[-2000:]
    assert stderr.strip().splitlines()[-1].endswith(") marked KILLED")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signalled_grid_marks_its_parent_and_its_running_job_killed(sig, tmp_path):
    store = tmp_path / "mlflow.db"
    process = start(["-m", *SLOW_RUN, "model.depth=4,5", f"hydra.sweep.dir={tmp_path / 'sweep'}"], store)
    wait_for(running(store, 2), process)  # the parent and the first job
    time.sleep(2)
    process.send_signal(sig)
    process.wait(timeout=60)
    found = statuses(store)
    assert process.returncode != 0 and len(found) == 2, found
    assert set(found.values()) == {"KILLED"}


@pytest.mark.slow
def test_a_run_killed_with_sigkill_is_repaired_by_the_next_command(tmp_path):
    store = tmp_path / "mlflow.db"
    process = start(SLOW_RUN + ["run_name=slow"], store)
    wait_for(running(store), process)
    process.kill()
    process.wait(timeout=30)
    assert statuses(store) == {"slow": "RUNNING"}  # SIGKILL cannot be caught
    result = run_script(
        [
            "dataset=synthetic",
            "dataset.n_rows=400",
            "model=logreg",
            "save_models=false",
            "run_name=next",
            f"tracking.uri=sqlite:///{store}",
        ]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert statuses(store) == {"slow": "KILLED", "next": "FINISHED"}
    assert "marked run" in result.stdout + result.stderr and "is gone" in result.stdout + result.stderr
