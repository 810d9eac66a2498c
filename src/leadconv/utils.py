"""Entry-point plumbing: the one place failures are handled, and atomic file output."""

from __future__ import annotations

import functools
import logging
import math
import os
import sys
import tempfile
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode

from leadconv.errors import LeadConvError

log = logging.getLogger(__name__)

def choices() -> dict[str, str]:
    """The config-group options of this Hydra job, e.g. {"model": "catboost", ...}."""
    return {k: str(v) for k, v in HydraConfig.get().runtime.choices.items() if not k.startswith("hydra")}


def user_message(error: BaseException) -> str | None:
    """The one-line message for errors caused by input or config, None for bugs."""
    if isinstance(error, LeadConvError):
        return str(error)
    if isinstance(error, InstantiationException):
        cause = error.__cause__ or error
        if isinstance(cause, LeadConvError):
            return str(cause)
        first = str(cause).strip().splitlines()[-1] if str(cause).strip() else type(cause).__name__
        return f"invalid configuration: {first}; fix the override or the YAML in conf/"
    return None


def task_wrapper(task):
    """Run a Hydra task; a bad input ends with one line on stderr and exit code 1.

    In a multirun the failure is logged and the sweep goes on with the next job (the value is NaN,
    which Optuna records as a failed trial); the job's MLflow run is already marked FAILED.
    """

    @functools.wraps(task)
    def wrapped(cfg):
        try:
            return task(cfg)
        except Exception as error:  # noqa: BLE001 - the single place failures are reported
            from optuna import TrialPruned

            if isinstance(error, TrialPruned):
                raise  # not a failure: the Optuna sweeper records the trial as PRUNED
            message = user_message(error)
            if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
                log.error("job failed, sweep continues: %s", message or repr(error), exc_info=message is None)
                return math.nan
            if message is None:
                raise
            print(f"error: {message}", file=sys.stderr)
            sys.exit(1)

    return wrapped


def write_atomically(contents: dict[Path, str | bytes]) -> None:
    """Every file appears complete or not at all: write temporaries, then rename them into place."""
    temporaries = {}
    try:
        for path, data in contents.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporaries[path] = temporary
            with os.fdopen(handle, "wb") as file:
                file.write(data.encode() if isinstance(data, str) else data)
            os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; the result is an ordinary file
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
