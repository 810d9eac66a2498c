"""Entry-point plumbing: the one place failures are handled, and atomic file output."""

from __future__ import annotations

import functools
import logging
import math
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.types import RunMode

from leadconv.errors import LeadConvError

log = logging.getLogger(__name__)


def choices() -> dict[str, str]:
    """The config-group options of this Hydra job, e.g. {"model": "catboost", ...}."""
    return {k: str(v) for k, v in HydraConfig.get().runtime.choices.items() if not k.startswith("hydra")}


def compose_config(overrides: list[str] = (), config_name: str = "config", return_hydra_config: bool = False):
    """The config `python src/<config_name>.py <overrides>` composes, for module mains outside @hydra.main."""
    from hydra import compose, initialize_config_dir

    from leadconv import PROJECT_ROOT

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        return compose(config_name, overrides=list(overrides), return_hydra_config=return_hydra_config)


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

    stop_on_sigterm()

    @functools.wraps(task)
    def wrapped(cfg):
        if not logging.getLogger().handlers:  # a module main (no Hydra logging): summaries on the terminal
            logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
        try:
            return task(cfg)
        except Exception as error:
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


def stop_on_sigterm() -> None:
    """SIGTERM (kill, timeout, Docker, Slurm) stops the process as Ctrl-C does: its MLflow run, and a
    sweep's parent run, are marked KILLED on the way out instead of staying RUNNING."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def write_atomically(contents: dict[Path, str | bytes]) -> None:
    """Every file appears complete or not at all, and a set of files is replaced together: temporaries
    are written first, then renamed into place; if a rename fails, the files already replaced get
    their previous content back (or are removed if they are new)."""
    paths = list(contents)
    if len({path.resolve() for path in paths}) != len(paths):
        raise ValueError(f"two of the files to write are the same path: {[str(p) for p in paths]}")
    temporaries, backups, replaced = {}, {}, []
    try:
        for path, data in contents.items():
            temporaries[path] = write_temporary(path, data)
            if path.is_file():  # a hard link keeps the old content reachable without copying it
                backups[path] = temporary_name(path, ".bak")
                os.link(path, backups[path])
        for path in paths:
            os.replace(temporaries[path], path)
            replaced.append(path)
    except BaseException:
        for path in replaced:  # put back what was there before this call
            if path in backups:
                os.replace(backups[path], path)
            else:
                path.unlink(missing_ok=True)
        raise
    finally:
        for leftover in [*temporaries.values(), *backups.values()]:
            Path(leftover).unlink(missing_ok=True)


def write_temporary(path: Path, data: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as file:
        file.write(data.encode() if isinstance(data, str) else data)
    os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes it private; the result is an ordinary file
    return temporary


def temporary_name(path: Path, suffix: str) -> str:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    os.unlink(name)  # os.link needs a free name
    return name


def replace_block(path: Path, block: str, begin: str, end: str, heading: str) -> None:
    """Put `block` (which starts with `begin` and ends with `end`) in place of the file's block between
    those markers, or append it (to a new file: after `heading`); the rest stays; written atomically."""
    write_atomically({path: with_block(path.read_text() if path.exists() else heading, block, begin, end)})


def with_block(text: str, block: str, begin: str, end: str) -> str:
    """`text` with its block between the markers replaced by `block`, or `block` appended."""
    if begin in text and end in text:
        return text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    return text.rstrip("\n") + "\n\n" + block + "\n"


def block_of(text: str, begin: str, end: str) -> str | None:
    """The block between (and including) the markers, if `text` has one."""
    if begin in text and end in text:
        return text[text.index(begin) : text.index(end) + len(end)]
    return None


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
