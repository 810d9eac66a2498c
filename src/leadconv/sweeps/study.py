"""Optuna searches over a run's CV F1: `python src/run.py -m hydra/sweeper=optuna model=lightgbm`.

The sweeper process (hydra_plugins/leadconv_sweeper) runs `run_study`: it asks Optuna for trials,
turns each into a Hydra job (one ordinary cross-validated run, nested under the study's MLflow
parent run) and tells Optuna the job's objective. Inside a job, `leadconv.sweeps.pruning` reports the
objective of the folds done so far so that the pruner can stop an unpromising trial early. The study lives in
persistent storage, so a killed search resumes and many workers can share one study."""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager, redirect_stderr

import optuna
from hydra.core.utils import JobStatus
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf
from optuna.samplers import BaseSampler
from optuna.trial import TrialState

from leadconv import settings
from leadconv.errors import ConfigError, LeadConvError
from leadconv.sweeps import parent as sweeps
from leadconv.sweeps.search_space import as_override, build_space, check_space, describe
from leadconv.sweeps.storage import default_storage, last_line, open_storage, reservation_lock
from leadconv.sweeps.study_log import log_study
from leadconv.tracking import log as tracking
from leadconv.tracking.log import redact

log = logging.getLogger(__name__)

JOB_FAILED = "job_failed"  # user attribute of a trial whose job failed (a killed trial has none)
OWNER = "worker"  # user attribute: host and pid of the sweeper process that runs the trial


def check_study_space(study: optuna.Study, space: dict, where: str) -> None:
    """A resumed study whose trials drew a parameter from a distribution this search cannot continue
    (another type or scale) would fail inside Optuna's ask: say so first, in one line."""
    for trial in reversed(study.get_trials(deepcopy=False)):
        for key, old in trial.distributions.items():
            if key in space:
                try:
                    optuna.distributions.check_distribution_compatibility(old, space[key])
                except ValueError:
                    raise ConfigError(
                        f"{where} already searched {key} as {old}, which this search space cannot continue "
                        f"({space[key]}); pick another hydra.sweeper.study_name or the same space"
                    ) from None


def count_towards_target(study: optuna.Study) -> int:
    """Trials that are done or in progress; a trial lost to a killed worker does not count."""
    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return sum(
        t.state in states or (t.state == TrialState.FAIL and JOB_FAILED in t.user_attrs)
        for t in study.get_trials(deepcopy=False)
    )


def storage_ids(storage, study: optuna.Study, trials) -> list[int]:
    """The storage's ids of `trials` (Optuna's storage API; a Trial keeps its id private)."""
    study_id = storage.get_study_id_from_name(study.study_name)
    return [storage.get_trial_id_from_study_id_trial_number(study_id, trial.number) for trial in trials]


@contextmanager
def heartbeat(storage, trial_ids: list[int], seconds: int):
    """Keep the batch's trials alive in the storage; a killed sweep's trials go stale and are failed on resume."""
    if getattr(storage, "get_heartbeat_interval", lambda: None)() is None:  # a journal file has no heartbeats
        yield
        return
    stop = threading.Event()

    def beat():
        while True:
            for trial_id in trial_ids:
                storage.record_heartbeat(trial_id)
            if stop.wait(seconds):
                return

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def reserve_trials(study: optuna.Study, space: dict, n_trials: int, n_jobs: int, storage_url: str, store) -> list:
    """The next batch of trials (none when the study holds n_trials), each tagged with its worker."""
    with reservation_lock(storage_url, store, study.study_name):
        missing = n_trials - count_towards_target(study)
        with warnings.catch_warnings():  # heartbeats are kept by `heartbeat` below, not by Study.optimize
            warnings.filterwarnings("ignore", "Heartbeat of storage")
            pending = [study.ask(space) for _ in range(min(n_jobs, max(missing, 0)))]
        for trial in pending:
            trial.set_user_attr(OWNER, tracking.process_tags())
    return pending


def record(study: optuna.Study, trial: optuna.Trial, job_return) -> str:
    """Tell Optuna how the trial's job ended; returns the state's name."""
    error = job_error(job_return)
    if isinstance(error, optuna.TrialPruned):
        study.tell(trial, state=TrialState.PRUNED)
        return "PRUNED"
    value = None if error is not None else job_return.return_value
    if value is None or value != value:  # NaN: task_wrapper's mark of a failed job
        trial.set_user_attr(JOB_FAILED, last_line(error) if error is not None else "see the job's log")
        study.tell(trial, state=TrialState.FAIL)
        return "FAIL"
    study.tell(trial, float(value))
    return "COMPLETE"


def job_error(job_return) -> BaseException | None:
    """The exception a failed Hydra job raised: JobReturn.return_value re-raises it (after writing a
    line to stderr that the trial's own log already explains)."""
    if job_return.status != JobStatus.FAILED:
        return None
    try:
        with redirect_stderr(io.StringIO()):
            job_return.return_value  # noqa: B018 - raises the job's exception
    except BaseException as error:  # noqa: BLE001 - whatever the job raised, e.g. optuna.TrialPruned
        return error
    return None


def study_parent(client: MlflowClient, experiment_id: str, study: optuna.Study, store, tags: dict) -> str:
    """The study's one MLflow parent run, shared by every worker and every resumption."""
    known = study.user_attrs.get("mlflow_parent_run_id")
    if known:
        try:
            run = client.get_run(known)
            if run.info.experiment_id == experiment_id and run.info.lifecycle_stage == "active":
                client.update_run(known, status="RUNNING")
                for key, value in tracking.process_tags().items():  # this worker keeps it alive now
                    client.set_tag(known, key, value)
                return known
        except Exception:  # noqa: BLE001 - gone from this tracking store: open a new one
            pass
    mine = client.create_run(
        experiment_id, run_name=f"optuna {study.study_name}", tags={**tracking.process_tags(), **tags}
    ).info.run_id
    study.set_user_attr("mlflow_parent_run_id", mine)
    time.sleep(1.0)  # workers starting together: the last writer wins, the others adopt its run
    winner = optuna.load_study(study_name=study.study_name, storage=store).user_attrs["mlflow_parent_run_id"]
    if winner != mine:
        client.delete_run(mine)
    return winner


def mark_lost_trials(client: MlflowClient, experiment_id: str, parent_id: str, study: optuna.Study) -> None:
    """Runs of trials that a killed worker left RUNNING are marked KILLED (their trials are FAIL)."""
    with warnings.catch_warnings():  # flagged experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):  # no need to wait for the grace
        owner = trial.user_attrs.get(OWNER)  # period when the worker that ran it is known to be gone
        if (
            owner
            and owner["host"] == socket.gethostname()
            and not tracking.process_alive(owner["pid"], owner["pid_started"])
        ):
            study.tell(trial.number, state=TrialState.FAIL)
            log.warning("trial %d failed: its worker (pid %s) is gone", trial.number, owner["pid"])
    lost = {
        str(t.number)
        for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
        if JOB_FAILED not in t.user_attrs
    }
    for run in sweeps.child_runs(client, experiment_id, parent_id, "attributes.status = 'RUNNING'"):
        if run.data.tags.get("optuna_trial") in lost:
            client.set_terminated(run.info.run_id, "KILLED")


def job_overrides(trial: optuna.Trial, trial_id: int, fixed: list[str]) -> list[str]:
    """The trial as a Hydra job: its parameters, a run name, and (via env_set) who it is for fold reports."""
    named = [] if any(o.startswith("run_name=") for o in fixed) else [f"run_name=trial-{trial.number}"]
    return (
        fixed
        + named
        + [as_override(k, v) for k, v in trial.params.items()]
        + [
            f"+hydra.job.env_set.{settings.ENV_NAMES['trial']}={trial.number}",
            f"+hydra.job.env_set.{settings.ENV_NAMES['trial_id']}={trial_id}",
        ]
    )


def run_study(
    sweeper,
    arguments: list[str],
    *,
    n_trials: int,
    n_jobs: int,
    study_name: str | None,
    storage: str | None,
    sampler: BaseSampler,
    pruner,
    search_space: Mapping,
    heartbeat_seconds: int = 30,
) -> list:
    """The sweeper's loop: until the study holds n_trials trials, ask a batch, launch it as Hydra jobs, tell."""
    config = sweeper.config
    choices = config.hydra.runtime.choices
    configured = (
        OmegaConf.to_container(search_space, resolve=True)
        if OmegaConf.is_config(search_space)
        else dict(search_space or {})
    )
    space, fixed = build_space(configured, arguments)
    check_space(sweeper, space, fixed)
    if n_trials < 1 or n_jobs < 1:
        raise ConfigError("hydra.sweeper.n_trials and hydra.sweeper.n_jobs must be at least 1")
    storage_url = storage or default_storage(config.tracking.uri)
    store = open_storage(storage_url, heartbeat_seconds)
    name = study_name or "-".join(choices[g] for g in ("model", "sampler", "features", "cv", "dataset"))
    study = optuna.create_study(
        storage=store, study_name=name, sampler=sampler, pruner=pruner, direction="maximize", load_if_exists=True
    )
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise ConfigError(
            f"study {name} in {redact(storage_url)} exists with direction {study.direction.name.lower()}, "
            "but this search maximises; pick another hydra.sweeper.study_name"
        )
    check_study_space(study, space, f"study {name} in {redact(storage_url)}")
    client, experiment_id = sweeps.connect(config)
    parent_id = study_parent(
        client,
        experiment_id,
        study,
        store,
        tags={
            "optuna_study": name,
            "optuna_storage": redact(storage_url),
            "git_commit": tracking.git_commit(),
            **{g: choices[g] for g in ("model", "sampler", "features", "cv", "dataset") if g in choices},
        },
    )
    mark_lost_trials(client, experiment_id, parent_id, study)
    log.info(
        "study %s in %s: %d of %d trials exist | MLflow parent run %s",
        name,
        redact(storage_url),
        count_towards_target(study),
        n_trials,
        parent_id,
    )
    exported = {"parent_run_id": parent_id, "sweep": f"optuna {name}", "study": name, "storage": storage_url}
    returns, job_index, pending = [], 0, []
    try:
        settings.set_sweep(**exported)
        while pending := reserve_trials(study, space, n_trials, n_jobs, storage_url, store):
            trial_ids = storage_ids(store, study, pending)
            batch = [job_overrides(trial, trial_id, fixed) for trial, trial_id in zip(pending, trial_ids)]
            with heartbeat(store, trial_ids, heartbeat_seconds):
                results = sweeper.launcher.launch(batch, initial_job_idx=job_index)
            for trial, result in zip(pending, results):
                state = record(study, trial, result)
                shown = result.return_value if state == "COMPLETE" else state
                log.info("trial %d: %s | %s", trial.number, shown, describe(trial.params))
            pending, job_index = [], job_index + len(batch)
            returns.append(results)
            mark_lost_trials(client, experiment_id, parent_id, study)  # a killed worker's trial stops counting
    except BaseException:
        for trial in pending:  # interrupted mid-batch: these trials will not report
            study.tell(trial, state=TrialState.FAIL)
        client.set_terminated(parent_id, "KILLED")
        raise
    finally:
        settings.set_sweep(**dict.fromkeys(exported))
    summary = log_study(client, parent_id, study, space, config.get("objective", "cv_f1"))
    client.set_terminated(parent_id, "FINISHED")
    log.info("study %s: %d trials | %s | MLflow parent run %s", name, len(study.trials), summary, parent_id)
    if not any(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.get_trials(deepcopy=False)):
        fail(ConfigError(f"every trial of study {name} failed; see the jobs' logs under {config.hydra.sweep.dir}"))
    return returns


def fail(error: LeadConvError):
    """Bad sweep settings: one line, exit code 1, before any trial (as task_wrapper does for a run)."""
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
