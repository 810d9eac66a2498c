"""Where studies live: Optuna storages (SQLite next to the MLflow store by default, any RDB URL or a
journal file) and the lock that reserves trials in them."""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import optuna

from leadconv import PROJECT_ROOT
from leadconv.errors import ConfigError
from leadconv.tracking.log import redact

log = logging.getLogger(__name__)


def default_storage(tracking_uri: str) -> str:
    """Beside a local SQLite MLflow store (mlruns/optuna.db by default), else in the project's mlruns/."""
    folder = (
        Path(tracking_uri.removeprefix("sqlite:///")).parent
        if tracking_uri.startswith("sqlite:///")
        else PROJECT_ROOT / "mlruns"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder.resolve()}/optuna.db"


def open_storage(url: str, heartbeat_seconds: int | None = 30) -> optuna.storages.BaseStorage:
    """An Optuna RDB URL (sqlite:///..., postgresql://...) or `journal:/path/file.log`; no heartbeat
    with `heartbeat_seconds=None` (a study driven by ask and tell, not by `optimize`)."""
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
                        grace_period=3 * heartbeat_seconds if heartbeat_seconds else None,
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
