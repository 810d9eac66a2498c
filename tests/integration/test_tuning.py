"""Optuna searches: nested MLflow runs, persistent and shared studies, resumption, pruning, bad input."""

import subprocess
import sys
import time

import mlflow
import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState

from helpers import ROOT, SYNTHETIC, TINY_MODEL, run_main, runs_of
from leadconv.sweeps.sampler import TrialSeededTPE
from leadconv.sweeps.storage import open_storage
from leadconv.sweeps.study import storage_ids

SPACE = {"model.learning_rate": FloatDistribution(0.01, 0.3, log=True), "model.num_leaves": IntDistribution(4, 64)}


def study_args(experiment, storage, *extra):
    """A tiny LightGBM study on synthetic data: a trial takes about a second."""
    return [
        "-m",
        "hydra/sweeper=optuna",
        *SYNTHETIC,
        "model=lightgbm",
        *TINY_MODEL["lightgbm"],
        f"hydra.sweeper.storage={storage}",
        "hydra.sweeper.study_name=tiny",
        f"tracking.experiment={experiment}",
        "~hydra.sweeper.search_space.model",
        "model.learning_rate=tag(log, interval(0.01, 0.3))",
        "model.num_leaves=int(interval(4, 64))",
        *extra,
    ]


def trials_of(storage):
    return optuna.load_study(study_name="tiny", storage=storage).get_trials()


def test_same_seed_replays_the_same_trials(tmp_path):
    def proposals(seed, storage):
        study = optuna.create_study(
            storage=storage, sampler=TrialSeededTPE(seed, n_startup_trials=4), direction="maximize"
        )
        for _ in range(8):  # 4 random, then 4 from TPE's model of the results
            trial = study.ask(SPACE)
            study.tell(trial, -abs(trial.params["model.num_leaves"] - 20) - trial.params["model.learning_rate"])
        return [t.params for t in study.trials]

    first = proposals(7, f"sqlite:///{tmp_path}/a.db")
    assert proposals(7, f"sqlite:///{tmp_path}/b.db") == first
    assert proposals(8, f"sqlite:///{tmp_path}/c.db") != first


@pytest.mark.slow
def test_study_nests_trials_logs_the_best_and_resumes(experiment, tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    result = run_main(study_args(experiment, storage, "hydra.sweeper.n_trials=2", f"hydra.sweep.dir={tmp_path}/a"))
    assert result.returncode == 0, result.stderr[-2000:]
    trials = trials_of(storage)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2

    # a worker killed mid-trial leaves a RUNNING trial whose heartbeat stops (simulated here)
    beating = open_storage(storage, heartbeat_seconds=1)
    study = optuna.load_study(study_name="tiny", storage=beating)
    beating.record_heartbeat(*storage_ids(beating, study, [study.ask()]))
    time.sleep(3.5)
    result = run_main(
        study_args(
            experiment,
            storage,
            "hydra.sweeper.n_trials=3",
            "hydra.sweeper.heartbeat_seconds=1",
            f"hydra.sweep.dir={tmp_path}/b",
        )
    )
    assert result.returncode == 0, result.stderr[-2000:]
    trials = trials_of(storage)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL, TrialState.COMPLETE]
    assert len({tuple(sorted(t.params.items())) for t in trials if t.params}) == 3  # no random start repeated

    runs = runs_of(experiment)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1, "a resumed study keeps its parent run"
    parent = parents[0]
    children = {int(r.data.tags["optuna_trial"]): r for r in runs if r is not parent}
    done = {t.number: t for t in trials if t.state == TrialState.COMPLETE}
    assert set(children) == set(done)
    for number, run in children.items():
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.data.metrics["forecast_f1"] == pytest.approx(done[number].value)
        assert int(run.data.params["model.num_leaves"]) == done[number].params["model.num_leaves"]
    best = max(done.values(), key=lambda t: t.value)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["best_forecast_f1"] == pytest.approx(best.value)
    assert parent.data.tags["best_trial"] == str(best.number)
    assert parent.data.tags["best.model.num_leaves"] == str(best.params["model.num_leaves"])
    plots = {a.path for a in mlflow.artifacts.list_artifacts(run_id=parent.info.run_id, artifact_path="plots")}
    assert plots == {"plots/optimization_history.png", "plots/param_importances.png"}


@pytest.mark.slow
def test_two_workers_share_one_study(experiment, tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "src/run.py",
                *study_args(experiment, storage, "hydra.sweeper.n_trials=4", f"hydra.sweep.dir={tmp_path}/w{i}"),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr[-2000:]
    trials = trials_of(storage)
    assert len(trials) == 4  # the workers reserve trials under a lock: never one too many
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    runs = runs_of(experiment)
    children = [r for r in runs if "optuna_trial" in r.data.tags]
    assert sorted(int(r.data.tags["optuna_trial"]) for r in children) == [t.number for t in trials]  # once each
    assert len({r.data.tags["mlflow.parentRunId"] for r in children}) == 1
    assert len(runs) == len(children) + 1


@pytest.mark.slow
def test_unpromising_trials_are_pruned_on_fold_scores(experiment, tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    prune_all = [
        "hydra.sweeper.pruner._target_=optuna.pruners.ThresholdPruner",
        "+hydra.sweeper.pruner.lower=0.99",
        "~hydra.sweeper.pruner.n_startup_trials",
        "hydra.sweeper.pruner.n_warmup_steps=2",
    ]
    result = run_main(
        study_args(experiment, storage, "hydra.sweeper.n_trials=2", *prune_all, f"hydra.sweep.dir={tmp_path}")
    )
    assert result.returncode == 0, result.stderr[-2000:]
    trials = trials_of(storage)
    assert [t.state for t in trials] == [TrialState.PRUNED] * 2
    assert all(set(t.intermediate_values) == {1, 2} for t in trials)  # stopped after fold 2 of 3
    runs = [r for r in runs_of(experiment) if "optuna_trial" in r.data.tags]
    assert [r.info.status for r in runs] == ["KILLED"] * 2
    assert all(r.data.tags["trial_state"] == "PRUNED" and "cv_f1" not in r.data.metrics for r in runs)
    history = mlflow.MlflowClient().get_metric_history(runs[0].info.run_id, "objective_so_far")
    assert [m.step for m in history] == [1, 2]


@pytest.mark.slow
@pytest.mark.parametrize(
    "override, message",
    [
        (
            "model.num_leafs=int(interval(4,64))",
            "model.num_leafs: no such key with model=lightgbm; did you mean model.num_leaves",
        ),
        ("model.num_leaves=range(8,8)", "empty range"),
        ("hydra.sweeper.storage=sqlite:////nonexistent-dir/optuna.db", "cannot open the Optuna storage"),
    ],
)
def test_bad_search_settings_fail_before_any_trial(override, message, experiment, tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    result = run_main(study_args(experiment, storage, override, f"hydra.sweep.dir={tmp_path}/s"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "optuna.db").exists() or not trials_of(storage)
    assert not runs_of(experiment)


@pytest.mark.slow
def test_a_study_resumed_with_an_incompatible_space_fails_in_one_line(experiment, tmp_path):
    """The README's second example after `make tune`: the same study name, num_leaves no longer on a log scale."""
    storage = f"sqlite:///{tmp_path}/optuna.db"
    first = run_main(study_args(experiment, storage, "hydra.sweeper.n_trials=1", f"hydra.sweep.dir={tmp_path}/a"))
    assert first.returncode == 0, first.stderr[-2000:]
    parents_before = len(runs_of(experiment))
    args = [*study_args(experiment, storage, "hydra.sweeper.n_trials=2", f"hydra.sweep.dir={tmp_path}/b")]
    args[args.index("model.learning_rate=tag(log, interval(0.01, 0.3))")] = "model.learning_rate=interval(0.01, 0.3)"
    result = run_main(args)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: study tiny") and "model.learning_rate" in last and "study_name" in last
    assert "Traceback" not in result.stderr
    assert len(trials_of(storage)) == 1 and len(runs_of(experiment)) == parents_before  # nothing new started


@pytest.mark.slow
def test_a_search_resumed_right_after_sigkill_reaches_n_trials_and_leaves_nothing_running(experiment, tmp_path):
    storage = f"sqlite:///{tmp_path}/optuna.db"
    slow = subprocess.Popen(
        [
            sys.executable,
            "src/run.py",
            *study_args(
                experiment,
                storage,
                "hydra.sweeper.n_trials=3",
                "model.n_estimators=4000",
                f"hydra.sweep.dir={tmp_path}/a",
            ),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not any(r.info.status == "RUNNING" and "optuna_trial" in r.data.tags for r in runs_of(experiment)):
        assert slow.poll() is None and time.monotonic() < deadline, "no trial started"
        time.sleep(0.5)
    slow.kill()  # SIGKILL mid-trial: nothing of the worker's own clean-up runs
    slow.wait(timeout=30)
    started = time.monotonic()
    result = run_main(study_args(experiment, storage, "hydra.sweeper.n_trials=3", f"hydra.sweep.dir={tmp_path}/b"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 90, "resumed without waiting out the heartbeat grace period"
    trials = trials_of(storage)
    assert sorted(t.state.name for t in trials) == ["COMPLETE"] * 3 + ["FAIL"]
    runs = runs_of(experiment)
    assert not [r for r in runs if r.info.status == "RUNNING"]
    killed = [r for r in runs if r.info.status == "KILLED"]
    assert [r.data.tags["optuna_trial"] for r in killed] == [str(t.number) for t in trials if t.state.name == "FAIL"]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
