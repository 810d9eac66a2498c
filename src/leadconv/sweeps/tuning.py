"""Optuna searches over a run's CV F1: `python src/run.py -m hydra/sweeper=optuna model=lightgbm`.

The sweeper process (hydra_plugins/leadconv_sweeper) runs `run_study`: it asks Optuna for trials,
turns each into a Hydra job (one ordinary cross-validated run, nested under the study's MLflow
parent run) and tells Optuna the job's objective. Inside a job, `leadconv.sweeps.pruning` reports the
objective of the folds done so far so that the pruner can stop an unpromising trial early. The study lives in
persistent storage, so a killed search resumes and many workers can share one study.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import optuna
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep, Override, RangeSweep
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import TrialState

from leadconv import PROJECT_ROOT, settings
from leadconv.errors import ConfigError, LeadConvError
from leadconv.sweeps import parent as sweeps
from leadconv.tracking import log as tracking
from leadconv.tracking.log import redact

log = logging.getLogger(__name__)

JOB_FAILED = "job_failed"  # user attribute of a trial whose job failed (a killed trial has none)
OWNER = "worker"  # user attribute: host and pid of the sweeper process that runs the trial


# ---------------------------------------------------------------- storage and sampler


def default_storage(tracking_uri: str) -> str:
    """Beside a local SQLite MLflow store (mlruns/optuna.db by default), else in the project's mlruns/."""
    folder = (
        Path(tracking_uri.removeprefix("sqlite:///")).parent
        if tracking_uri.startswith("sqlite:///")
        else PROJECT_ROOT / "mlruns"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder.resolve()}/optuna.db"


def open_storage(url: str, heartbeat_seconds: int = 30) -> optuna.storages.BaseStorage:
    """An Optuna RDB URL (sqlite:///..., postgresql://...) or `journal:/path/file.log`."""
    try:
        if url.startswith("journal:"):
            from optuna.storages.journal import JournalFileBackend

            path = Path(url.removeprefix("journal:").removeprefix("//"))
            if not path.parent.is_dir():
                raise FileNotFoundError(f"no directory {path.parent}")
            return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
        engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}  # workers wait for the lock
        for attempt in range(2):  # workers starting together on a new database race to create its tables
            try:
                with warnings.catch_warnings():  # heartbeats are flagged experimental
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    return optuna.storages.RDBStorage(
                        url,
                        engine_kwargs=engine,
                        heartbeat_interval=heartbeat_seconds,
                        grace_period=3 * heartbeat_seconds,
                    )
            except Exception:
                if attempt:
                    raise
                time.sleep(2.0)
    except Exception as error:  # noqa: BLE001 - any driver, any reason: one message
        raise ConfigError(
            f"cannot open the Optuna storage {redact(url)!r}: {last_line(error)}; fix "
            "hydra.sweeper.storage (an Optuna RDB URL, or journal:/path/file.log)"
        ) from None


def last_line(error: BaseException) -> str:
    """The informative line of an error (for a database error, the driver's own message)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[-1].rstrip(".") if text else type(error).__name__


class TrialSeededTPE(BaseSampler):
    """TPE whose random draws are seeded by `seed + trial number`.

    The same seed replays a study trial for trial, a resumed study does not repeat its first
    random trials, and workers sharing a study never draw the same starting points.
    """

    def __init__(self, seed: int = 0, **tpe_options):
        self.seed = seed
        self.tpe_options = tpe_options
        self._per_trial: dict[int, TPESampler] = {}

    def _tpe(self, trial) -> TPESampler:
        if trial.number not in self._per_trial:
            with warnings.catch_warnings():  # constant_liar is flagged experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                self._per_trial[trial.number] = TPESampler(seed=self.seed + trial.number, **self.tpe_options)
        return self._per_trial[trial.number]

    def infer_relative_search_space(self, study, trial):
        return self._tpe(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._tpe(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._tpe(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial) -> None:
        self._tpe(trial).before_trial(study, trial)

    def after_trial(self, study, trial, state, values) -> None:
        self._tpe(trial).after_trial(study, trial, state, values)
        self._per_trial.pop(trial.number, None)


# ---------------------------------------------------------------- search space


def flatten(node: Mapping, prefix: str = "") -> dict[str, str]:
    """{"model": {"num_leaves": "int(interval(8, 256))"}} -> {"model.num_leaves": "int(interval(8, 256))"}."""
    flat = {}
    for key, value in node.items():
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = "null" if value is None else str(value)
    return flat


def to_distribution(override: Override) -> BaseDistribution:
    """Hydra's sweep syntax as an Optuna distribution: choice(a, b) | range(lo, stop, step) (stop
    excluded, as in Python) | interval(lo, hi) (floats; int(interval(...)) for integers) | tag(log, ...)."""
    key, value = override.get_key_element(), override.value()
    if override.is_choice_sweep():
        choices = list(override.sweep_string_iterator())
        if not choices:
            raise ConfigError(f"search space {key}: choice() is empty; give at least one option")
        return CategoricalDistribution(choices)
    if isinstance(value, RangeSweep):
        values = list(override.sweep_iterator())
        if not values:
            raise ConfigError(f"search space: {override.input_line} is an empty range; make stop larger than start")
        if all(isinstance(v, int) for v in (value.start, value.stop, value.step)):
            return IntDistribution(values[0], values[-1], step=value.step)
        return FloatDistribution(values[0], values[-1], step=value.step)
    if isinstance(value, IntervalSweep):
        if not value.start <= value.end:
            raise ConfigError(
                f"search space: {override.input_line} is an empty interval; the low end must not exceed the high end"
            )
        log_scale = "log" in value.tags
        if log_scale and value.start <= 0:
            raise ConfigError(f"search space {key}: a log-scaled interval must start above 0")
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log_scale)
        return FloatDistribution(float(value.start), float(value.end), log=log_scale)
    raise ConfigError(f"search space: {override.input_line} is not a choice, range or interval")


def build_space(configured: Mapping, arguments: list[str]) -> tuple[dict[str, BaseDistribution], list[str]]:
    """The configured search space plus the command line: a sweep override (`model.num_leaves=
    int(interval(8,64))`) replaces or adds a dimension, a plain one (`model.num_leaves=31`) fixes it."""
    parser = OverridesParser.create()
    try:
        overrides = parser.parse_overrides([f"{k}={v}" for k, v in flatten(configured).items()] + list(arguments))
    except Exception as error:  # noqa: BLE001 - Hydra's grammar errors are long
        raise ConfigError(f"search space: cannot parse {last_line(error)}; fix hydra.sweeper.search_space") from None
    space, fixed = {}, {}
    for override in overrides:
        key = override.get_key_element()
        space.pop(key, None)
        fixed.pop(key, None)
        if override.is_sweep_override():
            space[key] = to_distribution(override)
        else:
            fixed[key] = override.input_line
    return space, list(fixed.values())


def as_override(key: str, value) -> str:
    return f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}"


def describe(params: dict) -> str:
    """Parameters for people: floats to 4 significant digits (the overrides themselves keep every digit)."""
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def probe_batch(space: dict[str, BaseDistribution], fixed: list[str]) -> list[list[str]]:
    """Jobs that compose every key of the space and every categorical option, without running anything."""
    low = {k: (d.choices[0] if isinstance(d, CategoricalDistribution) else d.low) for k, d in space.items()}
    batch = [fixed + [as_override(k, v) for k, v in low.items()]]
    for key, dist in space.items():
        for choice in getattr(dist, "choices", ())[1:]:
            batch.append(fixed + [as_override(k, choice if k == key else v) for k, v in low.items()])
    return batch


def check_space(sweeper, space: dict[str, BaseDistribution], fixed: list[str]) -> None:
    if not space:
        raise ConfigError(
            "the search space is empty; add options under hydra.sweeper.search_space "
            "(conf/search_space/<model>.yaml) or sweep overrides such as 'model.num_leaves=int(interval(8,64))'"
        )
    for overrides in probe_batch(space, fixed):
        try:
            sweeper.validate_batch_is_legal([overrides])
        except Exception as error:  # noqa: BLE001 - Hydra composition errors span lines
            text = str(error).strip().splitlines()
            raise ConfigError(
                f"search space: {text[0].rstrip('.') if text else error}; fix hydra.sweeper.search_space "
                "or the sweep override (a key must exist in the config)"
            ) from None


# ---------------------------------------------------------------- the study


def count_towards_target(study: optuna.Study) -> int:
    """Trials that are done or in progress; a trial lost to a killed worker does not count."""
    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return sum(
        t.state in states or (t.state == TrialState.FAIL and JOB_FAILED in t.user_attrs)
        for t in study.get_trials(deepcopy=False)
    )


@contextmanager
def heartbeat(storage, trials, seconds: int):
    """Keep the batch's trials alive in the storage; a killed sweep's trials go stale and are failed on resume."""
    if getattr(storage, "get_heartbeat_interval", lambda: None)() is None:  # a journal file has no heartbeats
        yield
        return
    stop = threading.Event()

    def beat():
        while True:
            for trial in trials:
                storage.record_heartbeat(trial._trial_id)
            if stop.wait(seconds):
                return

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def reservation_lock(storage_url: str, store, study_name: str):
    """Held while a worker counts the study's trials and asks for new ones, so that workers sharing a
    study never start more than n_trials between them: a file lock beside a SQLite or journal
    storage, a PostgreSQL advisory lock (per study) for a database server. Other databases are
    not serialised: their workers may start one trial too many."""
    if storage_url.startswith("postgresql"):
        from sqlalchemy import text

        key = int.from_bytes(hashlib.sha256(study_name.encode()).digest()[:8], "big", signed=True)
        with store.engine.connect() as connection:  # the lock belongs to this connection's session
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    if storage_url.startswith("sqlite:///"):
        path = storage_url.removeprefix("sqlite:///")
    elif storage_url.startswith("journal:"):
        path = storage_url.removeprefix("journal:").removeprefix("//")
    else:
        yield
        return
    import fcntl

    with open(f"{path}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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
    error = job_return._return_value if job_return.status.name == "FAILED" else None
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


def log_study(client: MlflowClient, parent_id: str, study: optuna.Study, space: dict, objective: str) -> str:
    """Best value and parameters, trial counts, the trials table and Optuna's plots on the parent run."""
    trials = study.get_trials(deepcopy=False)
    counts = {
        state.name.lower(): sum(t.state == state for t in trials)
        for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    }
    for name, count in counts.items():
        client.log_metric(parent_id, f"n_trials_{name}", count)
    client.log_text(parent_id, json.dumps({k: str(d) for k, d in space.items()}, indent=2), "search_space.json")
    if not counts["complete"]:
        return "no trial completed"
    best = study.best_trial
    client.log_metric(parent_id, f"best_{objective}", best.value, step=len(trials))
    client.set_tag(parent_id, "objective", objective)
    client.set_tag(parent_id, "best_trial", str(best.number))
    client.set_tag(parent_id, "best_params", " ".join(as_override(k, v) for k, v in best.params.items())[:5000])
    for key, value in best.params.items():
        client.set_tag(parent_id, f"best.{key}", str(value))
    client.log_text(
        parent_id,
        json.dumps({"trial": best.number, objective: best.value, "params": best.params}, indent=2, default=str),
        "best_params.json",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trials.csv"
        study.trials_dataframe().to_csv(path, index=False)
        client.log_artifact(parent_id, str(path))
    log_plots(client, parent_id, study)
    return f"best {objective} {best.value:.4f} (trial {best.number}): {describe(best.params)}"


def log_plots(client: MlflowClient, parent_id: str, study: optuna.Study) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from optuna.visualization import matplotlib as optuna_plots

    from leadconv.tracking import plots

    for name, draw in {
        "optimization_history": optuna_plots.plot_optimization_history,
        "param_importances": optuna_plots.plot_param_importances,
    }.items():
        try:
            with warnings.catch_warnings(), matplotlib.rc_context():  # Optuna sets a global plot style
                warnings.simplefilter("ignore")  # and flags its matplotlib plots experimental
                figure = draw(study).figure
        except Exception as error:  # noqa: BLE001 - e.g. importances need two finished trials
            log.warning("no %s plot: %s", name, last_line(error))
            continue
        figure.set_size_inches(8, 5)
        figure.tight_layout()
        client.log_figure(parent_id, figure, f"plots/{name}.png")
        plots.close(figure)


def job_overrides(trial: optuna.Trial, fixed: list[str]) -> list[str]:
    """The trial as a Hydra job: its parameters, a run name, and (via env_set) who it is for fold reports."""
    named = [] if any(o.startswith("run_name=") for o in fixed) else [f"run_name=trial-{trial.number}"]
    return (
        fixed
        + named
        + [as_override(k, v) for k, v in trial.params.items()]
        + [
            f"+hydra.job.env_set.{settings.ENV_NAMES['trial']}={trial.number}",
            f"+hydra.job.env_set.{settings.ENV_NAMES['trial_id']}={trial._trial_id}",
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
    print(
        f"study {name} in {redact(storage_url)}: {count_towards_target(study)} of {n_trials} trials exist | "
        f"MLflow parent run {parent_id}",
        flush=True,
    )
    exported = {"parent_run_id": parent_id, "sweep": f"optuna {name}", "study": name, "storage": storage_url}
    returns, job_index, pending = [], 0, []
    try:
        settings.set_sweep(**exported)
        while pending := reserve_trials(study, space, n_trials, n_jobs, storage_url, store):
            batch = [job_overrides(trial, fixed) for trial in pending]
            with heartbeat(store, pending, heartbeat_seconds):
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
    print(f"study {name}: {len(study.trials)} trials | {summary} | MLflow parent run {parent_id}", flush=True)
    if not any(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.get_trials(deepcopy=False)):
        fail(ConfigError(f"every trial of study {name} failed; see the jobs' logs under {config.hydra.sweep.dir}"))
    return returns


def fail(error: LeadConvError):
    """Bad sweep settings: one line, exit code 1, before any trial (as task_wrapper does for a run)."""
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
