"""A team's setup, end to end with real servers: PostgreSQL for the study and the MLflow backend, an
`mlflow server` serving artifacts, two Optuna workers (one killed with SIGKILL mid-trial), then an
ensemble and a submission through the server."""

import os
import signal
import subprocess
import sys
import time

import optuna
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from optuna.trial import TrialState

from helpers import ROOT, SYNTHETIC, TINY_MODEL, run_main
from leadconv.components.synthetic import write_synthetic
from leadconv.tracking.servers import MlflowServer, Postgres, postgres_bin

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        postgres_bin() is None, reason="PostgreSQL server binaries not installed (apt-get install postgresql)"
    ),
]

N_TRIALS = 4  # the survivor is still running trials when the first worker is killed, and finishes its trial
EXPERIMENT = "team"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    base = tmp_path_factory.mktemp("team")
    postgres = Postgres(base / "postgres").start()
    server = None
    try:
        server = MlflowServer(postgres.create_database("mlflow"), base / "artifacts", base / "mlflow.log").start()
        yield postgres, postgres.create_database("optuna"), server
    finally:
        if server is not None:
            server.stop()
        postgres.stop()


def study_command(storage: str, sweep_dir, *extra: str) -> list[str]:
    return [
        sys.executable,
        "src/run.py",
        "-m",
        "hydra/sweeper=optuna",
        *SYNTHETIC,
        "model=lightgbm",
        *TINY_MODEL["lightgbm"],  # 20 trees: a plain override fixes a dimension of the search space
        "save_models=true",
        f"tracking.experiment={EXPERIMENT}",
        f"hydra.sweeper.storage={storage}",
        "hydra.sweeper.study_name=team",
        f"hydra.sweeper.n_trials={N_TRIALS}",
        f"hydra.sweep.dir={sweep_dir}",
        *extra,
    ]


def trial_runs(client: MlflowClient, experiment_id: str):
    return [run for run in client.search_runs([experiment_id], max_results=1000) if "optuna_trial" in run.data.tags]


def test_two_workers_share_one_study_through_the_servers(servers, tmp_path):
    _, storage, server = servers
    env = {**os.environ, "MLFLOW_TRACKING_URI": server.uri}
    # the first worker's trials are slow (3000 trees), so that one is still running when it is killed
    slow = ["model.n_estimators=3000"]
    workers = [
        subprocess.Popen(
            study_command(storage, tmp_path / f"w{i}", *(slow if i == 0 else [])),
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    victim, survivor = workers
    client = MlflowClient(tracking_uri=server.uri)  # mlflow.set_tracking_uri would leak into later tests' env
    deadline = time.monotonic() + 300
    while True:  # SIGKILL the first worker while one of its trials runs
        experiment = client.get_experiment_by_name(EXPERIMENT)
        running = experiment and [
            r
            for r in trial_runs(client, experiment.experiment_id)
            if r.info.status == "RUNNING" and r.data.tags.get("pid") == str(victim.pid)
        ]
        if running:
            break
        assert victim.poll() is None and time.monotonic() < deadline, "the first worker never ran a trial"
        time.sleep(0.3)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    _, stderr = survivor.communicate(timeout=600)
    assert survivor.returncode == 0, stderr[-3000:]

    trials = optuna.load_study(study_name="team", storage=storage).get_trials()
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == N_TRIALS  # the study reaches n_trials ...
    assert states.count(TrialState.FAIL) == 1 and len(trials) == N_TRIALS + 1  # ... and the killed trial failed
    runs = trial_runs(client, experiment.experiment_id)
    by_trial = {}
    for run in runs:
        by_trial.setdefault(run.data.tags["optuna_trial"], []).append(run)
    assert all(len(found) == 1 for found in by_trial.values())  # every trial ran exactly once
    complete = {str(t.number) for t in trials if t.state == TrialState.COMPLETE}
    assert {n for n, (run,) in by_trial.items() if run.info.status == "FINISHED"} == complete
    failed = [str(t.number) for t in trials if t.state == TrialState.FAIL]
    assert [by_trial[n][0].info.status for n in failed] == ["KILLED"]
    parents = {run.data.tags["mlflow.parentRunId"] for run in runs}
    assert len(parents) == 1 and client.get_run(parents.pop()).info.status == "FINISHED"
    assert not client.search_runs([experiment.experiment_id], "attributes.status = 'RUNNING'")
    # artifacts travel through the server, not a shared disk
    assert experiment.artifact_location.startswith("mlflow-artifacts:")
    finished = next(run for run in runs if run.info.status == "FINISHED")
    oof = pd.read_parquet(client.download_artifacts(finished.info.run_id, "predictions/oof.parquet", str(tmp_path)))
    assert len(oof) > 0 and set(oof.columns) >= {"row", "fold", "proba"}

    # the ensemble and the submission, also through the server
    data = tmp_path / "data"
    write_synthetic(data, n_rows=1200, n_test=200, seed=42)
    common = [f"tracking.experiment={EXPERIMENT}", "select.dataset=synthetic"]
    ensemble = run_main(
        ["stacker=mean", *common], env_extra={"MLFLOW_TRACKING_URI": server.uri}, script="src/ensemble.py"
    )
    assert ensemble.returncode == 0, ensemble.stderr[-3000:]
    output = tmp_path / "submission.csv"
    submit = run_main(
        [f"input={data / 'submission.csv'}", f"output={output}", "suite.enabled=false", *common],
        env_extra={"MLFLOW_TRACKING_URI": server.uri},
        script="src/submit.py",
    )
    assert submit.returncode == 0, submit.stderr[-3000:]
    assert len(pd.read_csv(output)) == 200


def one_error_line(result, expected: str, seconds: float, limit: float = 30):
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and expected in last, last
    assert seconds < limit


def test_a_database_that_refuses_the_password_is_one_line_without_the_password(servers, tmp_path):
    postgres, _, server = servers
    started = time.monotonic()
    wrong = postgres.url("optuna", password="not-the-password")
    result = run_main(study_command(wrong, tmp_path)[2:], env_extra={"MLFLOW_TRACKING_URI": server.uri})
    one_error_line(result, "cannot open the Optuna storage", time.monotonic() - started)
    assert "not-the-password" not in result.stderr and ":***@" in result.stderr


def test_a_study_that_exists_with_the_other_direction_is_refused(servers, tmp_path):
    postgres, storage, server = servers
    optuna.create_study(study_name="minimising", storage=storage, direction="minimize")
    started = time.monotonic()
    result = run_main(
        study_command(storage, tmp_path, "hydra.sweeper.study_name=minimising")[2:],
        env_extra={"MLFLOW_TRACKING_URI": server.uri},
    )
    one_error_line(result, "exists with direction minimize", time.monotonic() - started)
    assert postgres.url("optuna").split(":")[2].split("@")[0] not in result.stderr  # no password in the message
