"""Entry-point plumbing: the one place failures are handled, and atomic file output."""

from __future__ import annotations

import difflib
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

from leadconv.errors import LeadConvError, fit_error_message

log = logging.getLogger(__name__)


def choices() -> dict[str, str]:
    """The config-group options of this Hydra job, e.g. {"model": "catboost", ...}."""
    return {k: str(v) for k, v in HydraConfig.get().runtime.choices.items() if not k.startswith("hydra")}


def job_choices() -> dict[str, str]:
    """`choices()` inside a Hydra job, {} outside one."""
    return choices() if HydraConfig.initialized() else {}


def compose_config(overrides: list[str] = (), config_name: str = "config", return_hydra_config: bool = False):
    """The config `python src/<config_name>.py <overrides>` composes, for module mains outside @hydra.main."""
    from hydra import compose, initialize_config_dir

    from leadconv import PROJECT_ROOT

    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        return compose(config_name, overrides=list(overrides), return_hydra_config=return_hydra_config)


def entry_point(config_name: str):
    """The outermost decorator of an entry script's main (above `@hydra.main`), for any script whose
    config is `conf/<config_name>.yaml`: a bad override ends with one `error:` line before Hydra
    composes anything, and Ctrl-C or SIGTERM with one line naming the runs marked KILLED."""

    def decorate(main):
        @functools.wraps(main)
        def wrapped(*args, **kwargs):
            problem = command_line_problem(config_name, sys.argv[1:])
            if problem:
                print(f"error: {problem}", file=sys.stderr)
                sys.exit(1)
            stop_on_sigterm()
            try:
                return main(*args, **kwargs)
            except KeyboardInterrupt:
                print(stopped_message(), file=sys.stderr, flush=True)
                sys.exit(130 if STOPPED["signal"] == "Ctrl-C" else 143)

        return wrapped

    return decorate


# what stopped the process and the MLflow runs marked KILLED on the way out (tracking.log adds them)
STOPPED: dict = {"signal": "Ctrl-C", "runs": []}


def stopped_message() -> str:
    runs = STOPPED["runs"]
    named = ", ".join(f"{name} ({run_id})" if name else run_id for run_id, name in runs)
    what = f"MLflow run {named} marked KILLED" if len(runs) == 1 else f"MLflow runs {named} marked KILLED"
    return f"stopped by {STOPPED['signal']}: " + (what if runs else "no MLflow run was open")


def command_line_problem(config_name: str, argv: list[str]) -> str | None:
    """What is wrong with the overrides of `argv` for conf/<config_name>.yaml, or None (see overrides_problem)."""
    from hydra._internal.utils import get_args_parser

    try:
        args = get_args_parser().parse_args(argv)
    except SystemExit:
        return None  # Hydra's own parser reports its flags' mistakes
    if args.help or args.hydra_help or args.info or args.shell_completion or args.config_dir:
        return None
    return overrides_problem(args.config_name or config_name, args.overrides, multirun=args.multirun)


def config_groups() -> dict[str, set[str]]:
    """Every config group of conf/ and of the experiments/ search path, with its options."""
    from leadconv import PROJECT_ROOT

    groups: dict[str, set[str]] = {}
    for root in (PROJECT_ROOT / "conf", PROJECT_ROOT / "experiments"):
        for path in root.rglob("*.yaml"):
            if path.parent != root:
                groups.setdefault(path.parent.relative_to(root).as_posix(), set()).add(path.stem)
    return groups


def nearest(word: str, candidates, prefix: str = "") -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"{prefix}{c}" for c in close) + "?"
    return "valid: " + ", ".join(sorted(candidates))[:200]


def overrides_problem(config_name: str, overrides: list[str], multirun: bool = False) -> str | None:
    """The first override that names a config group option, or a key, that does not exist, with the
    nearest valid ones; None when every one does. `+key=...` may add a key only under an existing
    top-level key or group (`+sampler.then._target_=...`, `+experiment=NAME`), never a new top-level
    one (`+modle=catboost`). Hydra's own keys (`hydra.*`, `hydra/...`) are left to Hydra."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf import DictConfig

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as error:
        first = str(error).strip().splitlines()[0]
        return f"cannot read the override: {first}; write key=value, e.g. model=catboost"
    groups = config_groups()
    ours = [o for o in parsed if not o.key_or_group.startswith("hydra") and not o.is_delete()]
    for override in ours:
        key = override.key_or_group
        if key in groups and override.value_type is not None:
            try:
                values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
            except Exception:  # noqa: BLE001 - interval sweeps and the like: Hydra judges them
                continue
            for value in values:
                if value is not None and str(value) not in groups[key]:
                    return f"{key}={value}: no such option of `{key}`; {nearest(str(value), groups[key], f'{key}=')}"
    group_choices = [o.input_line for o in ours if o.key_or_group in groups]
    if any(o.is_sweep_override() for o in ours if o.key_or_group in groups):
        return None  # which keys exist depends on the combination: the checked grid sweeper tries each
    try:
        cfg = compose_config(group_choices, config_name, return_hydra_config=True)
    except Exception:  # noqa: BLE001 - let Hydra report what composing the whole command line says
        return None
    chosen = {k: v for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra")}
    top = set(cfg) - {"hydra"} | {g.split("/")[0] for g in groups}
    for override in ours:
        key = override.key_or_group
        if key in groups:
            continue
        parts = key.split(".")
        if parts[0] not in top:
            sign = "+" if override.is_add() else "++" if override.is_force_add() else ""
            return (
                f"{sign}{key}: `{parts[0]}` is not a config key or group of {config_name}.yaml; "
                f"{nearest(parts[0], top)} (`--cfg job` lists the keys)"
            )
        if override.is_add() or override.is_force_add():
            continue
        node = cfg
        for depth, part in enumerate(parts):
            if not isinstance(node, DictConfig) or part not in node:
                if not isinstance(node, DictConfig):
                    break
                where = ".".join(parts[:depth])
                context = f" with {parts[0]}={chosen[parts[0]]}" if parts[0] in chosen else ""
                return (
                    f"{key}: no such key{context}; "
                    f"{nearest(part, [str(k) for k in node.keys()], where + '.' if where else '')}"
                )
            node = node[part]
    return None


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
            message = user_message(error) or fit_error_message(error, cfg, job_choices())
            if message is not None:
                log.debug("the full error behind the one-line message", exc_info=error)
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
        signal.signal(signal.SIGTERM, on_sigterm)


def on_sigterm(signum, frame) -> None:
    STOPPED["signal"] = "SIGTERM"
    raise KeyboardInterrupt


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
