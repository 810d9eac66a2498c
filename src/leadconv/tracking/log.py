"""MLflow: where runs go, and how a run's config, metrics and files are logged."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import mlflow
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from leadconv.errors import ConfigError
from leadconv.utils import STOPPED

log = logging.getLogger(__name__)


def artifact_location_for(uri: str, artifact_location: str | None) -> str | None:
    """A local SQLite store keeps artifacts beside its database file unless told otherwise."""
    if artifact_location:
        return str(Path(artifact_location).resolve())
    if uri.startswith("sqlite:///"):
        return str(Path(uri.removeprefix("sqlite:///")).resolve().parent / "artifacts")
    return None  # a tracking server decides


def redact(uri: str) -> str:
    """The URI without its password, for messages."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def check_server(uri: str, timeout: float = 10.0) -> None:
    """A tracking server must answer before a run starts: MLflow itself retries for minutes."""
    if not uri.startswith(("http://", "https://")):
        return
    import requests

    try:
        user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
        auth = (user, password or "") if user else None  # a server started with --app-name basic-auth
        requests.get(uri.rstrip("/") + "/health", timeout=timeout, auth=auth).raise_for_status()
    except requests.RequestException as error:
        reason = (
            type(error).__name__ if not isinstance(error, requests.HTTPError) else f"HTTP {error.response.status_code}"
        )
        raise ConfigError(
            f"the MLflow tracking server {redact(uri)} does not answer ({reason}); start it "
            "or point MLFLOW_TRACKING_URI at a running one"
        ) from None


def make_store_directory(directory: Path, uri: str) -> None:
    """Create a local store's directory, or say in one line why it cannot be (a file in the way, no permission)."""
    blocking = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(
            f"the MLflow store {redact(uri)} cannot be created: {blocking} is a file, not a directory; "
            "point tracking.uri (or MLFLOW_TRACKING_URI) at a path under a directory, e.g. sqlite:///mlruns/mlflow.db"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"the MLflow store {redact(uri)} cannot be created: {directory}: {error.strerror or error}; "
            "point tracking.uri (or MLFLOW_TRACKING_URI) at a directory you can write"
        ) from None


def setup(uri: str, experiment: str, artifact_location: str | None = None) -> str:
    """Point MLflow at `uri` and return the id of `experiment`, creating it when new. Runs that a
    killed process of this machine left RUNNING are marked KILLED on the way (`repair_dead_runs`)."""
    if uri.startswith("sqlite:///"):
        make_store_directory(Path(uri.removeprefix("sqlite:///")).parent, uri)
    check_server(uri)
    mlflow.set_tracking_uri(uri)
    try:
        found = mlflow.get_experiment_by_name(experiment)
    except mlflow.exceptions.MlflowException as error:  # e.g. MLflow 3 refuses a file store (file:./mlruns)
        reason = str(error).split(". ")[0].rstrip(".")[:300]
        raise ConfigError(
            f"the MLflow store {redact(uri)} cannot be opened ({reason}); point tracking.uri "
            "(or MLFLOW_TRACKING_URI) at a database such as sqlite:///mlruns/mlflow.db, or at a tracking server"
        ) from None
    if found is not None:
        experiment_id = found.experiment_id
        repair_dead_runs(experiment_id)
    else:
        try:
            experiment_id = mlflow.create_experiment(
                experiment, artifact_location=artifact_location_for(uri, artifact_location)
            )
        except mlflow.exceptions.MlflowException:
            found = mlflow.get_experiment_by_name(experiment)  # another worker created it a moment ago
            if found is None:
                raise
            experiment_id = found.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def setup_from(cfg) -> str:
    """`setup` for the store and experiment of a composed config's `tracking` group."""
    return setup(cfg.tracking.uri, cfg.tracking.experiment, cfg.tracking.artifact_location)


def process_tags() -> dict[str, str]:
    """Who runs this run: a later command on the same host can tell whether that process is gone."""
    return {"host": socket.gethostname(), "pid": str(os.getpid()), "pid_started": process_start(os.getpid())}


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken for it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def process_alive(pid: str, started: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True  # someone else's process, or no pid recorded: not ours to judge
    return not started or process_start(int(pid)) in ("", started)


def repair_dead_runs(experiment_id: str) -> list[str]:
    """Mark KILLED the RUNNING runs whose process, on this host, no longer exists (SIGKILL, a crash,
    a lost machine cannot mark their own runs); returns their ids."""
    client = mlflow.MlflowClient()
    host = socket.gethostname()
    running = client.search_runs(
        [experiment_id], filter_string=f"attributes.status = 'RUNNING' and tags.host = '{host}'", max_results=1000
    )
    dead = [
        run
        for run in running
        if "optuna_storage" not in run.data.tags  # a study's parent is shared by its workers: they close it
        and not process_alive(run.data.tags.get("pid", ""), run.data.tags.get("pid_started", ""))
    ]
    for run in dead:
        client.set_tag(run.info.run_id, "killed_by", "repair: its process was gone")
        client.set_terminated(run.info.run_id, "KILLED")
        log.warning(
            "marked run %s KILLED: its process %s on %s is gone", run.info.run_id, run.data.tags.get("pid"), host
        )
    return [run.info.run_id for run in dead]


@contextmanager
def tracked_run(run_name: str | None = None, tags: dict | None = None, nested: bool = False):
    """An MLflow run that ends FAILED on an error and KILLED on Ctrl-C, never left RUNNING."""
    run = mlflow.start_run(run_name=run_name, tags={**process_tags(), **(tags or {})}, nested=nested)
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.end_run("KILLED")
        STOPPED["runs"].append((run.info.run_id, run.info.run_name))  # the entry point names it
        raise
    except BaseException as error:
        from optuna import TrialPruned  # here, not at the top: most runs never import Optuna

        mlflow.end_run("KILLED" if isinstance(error, TrialPruned) else "FAILED")  # pruned: stopped on purpose
        raise
    mlflow.end_run("FINISHED")


def flatten_config(cfg: DictConfig) -> dict[str, str]:
    container = OmegaConf.to_container(cfg, resolve=True)
    flat = pd.json_normalize(container, sep=".").iloc[0].to_dict()
    return {key: str(value) for key, value in flat.items()}


def log_config(cfg: DictConfig) -> None:
    mlflow.log_params(flatten_config(cfg))
    mlflow.log_text(OmegaConf.to_yaml(cfg, resolve=True), "config.yaml")


def log_frame(frame: pd.DataFrame, artifact_file: str) -> None:
    """A DataFrame as a parquet or CSV artifact (by the file's suffix)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(artifact_file).name
        frame.to_parquet(path, index=False) if path.suffix == ".parquet" else frame.to_csv(path, index=True)
        mlflow.log_artifact(str(path), artifact_path=str(Path(artifact_file).parent) if "/" in artifact_file else None)


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
