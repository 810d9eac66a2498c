"""`make bench`, Optuna part: LightGBM trials per minute with one worker and with two workers on one study.

Every setup runs the same trials: a fresh study with the same seed draws the same parameters for
trial n (TrialSeededTPE seeds each trial with seed + n, and all trials here are random start-up
trials), pruning is off, so the setups differ only in how the trials are run. Throughput is
completed trials per minute from the first trial's start to the last trial's end, read from the
study's storage: it leaves out the seconds each worker spends starting up (imports, opening
the stores), a fixed cost per worker rather than per trial, which the wall time includes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import optuna
import pandas as pd

from leadconv import PROJECT_ROOT, settings

# (label, worker processes, threads per trial)
SETUPS = [
    ("1 worker, 1 thread per trial", 1, 1),
    ("2 workers, 1 thread per trial", 2, 1),
    ("1 worker, all cores per trial", 1, -1),
]


def worker_command(study: str, storage: str, n_trials: int, threads: int, sweep_dir: Path, overrides: list[str]):
    return [
        sys.executable,
        "src/run.py",
        "-m",
        "hydra/sweeper=optuna",
        "model=lightgbm",
        f"model.n_jobs={threads}",
        "save_models=false",
        f"hydra.sweeper.n_trials={n_trials}",
        f"hydra.sweeper.study_name={study}",
        f"hydra.sweeper.storage={storage}",
        "hydra.sweeper.pruner._target_=optuna.pruners.NopPruner",
        "~hydra.sweeper.pruner.n_startup_trials",
        "~hydra.sweeper.pruner.n_warmup_steps",
        f"hydra.sweep.dir={sweep_dir}",
        *overrides,
    ]


def run_study(label: str, study: str, storage: str, env: dict, commands: list[list[str]]) -> dict:
    """Start one worker process per command on a fresh study, wait for all, and read the throughput
    off the study's storage (worker start-up is in `wall_s` only)."""
    optuna.create_study(study_name=study, storage=storage, direction="maximize")  # before the workers race to
    start = time.perf_counter()
    processes = [
        subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for command in commands
    ]
    for process in processes:
        _, stderr = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"optuna benchmark worker failed ({label}):\n{stderr[-2000:]}")
    wall = time.perf_counter() - start
    trials = optuna.load_study(study_name=study, storage=storage).get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    span = (max(t.datetime_complete for t in trials) - min(t.datetime_start for t in trials)).total_seconds()
    durations = [(t.datetime_complete - t.datetime_start).total_seconds() for t in trials]
    return {
        "setup": label,
        "workers": len(commands),
        "trials": len(trials),
        "trials_per_min": len(trials) / span * 60,
        "mean_trial_s": sum(durations) / len(durations),
        "wall_s": wall,
        "best_value": max(t.value for t in trials),
    }


def run_setup(
    label: str, workers: int, threads: int, n_trials: int, store: Path, env: dict, overrides: list[str]
) -> dict:
    storage, study = f"sqlite:///{store}/optuna.db", f"bench-{workers}w-{threads}t"
    load_before = os.getloadavg()[0]  # other work on the machine takes cores from the workers: report it
    commands = [
        worker_command(study, storage, n_trials, threads, store / f"{study}-{i}", overrides) for i in range(workers)
    ]
    row = run_study(label, study, storage, env, commands)
    return row | {"threads": threads, "load_before": load_before, "load_after": os.getloadavg()[0]}


def benchmark(n_trials: int, overrides: list[str], store: Path) -> pd.DataFrame:
    """One fresh study per setup in `store` (a throw-away directory that also holds the MLflow store)."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db"}
    rows = []
    for label, workers, threads in SETUPS:
        rows.append(run_setup(label, workers, threads, n_trials, store, env, overrides))
        row = rows[-1]
        print(
            f"{label:>32}: {row['trials_per_min']:.2f} trials/min ({row['trials']} trials, "
            f"{row['mean_trial_s']:.1f}s each, {row['wall_s']:.0f}s wall)",
            flush=True,
        )
    return pd.DataFrame(rows)


def report(frame: pd.DataFrame, overrides: list[str]) -> str:
    base = frame.iloc[0]["trials_per_min"]
    lines = [
        "## Optuna search throughput (LightGBM)",
        "",
        f"`hydra/sweeper=optuna model=lightgbm` on the competition data{' with ' + ' '.join(overrides) if overrides else ''}, "
        f"{int(frame.iloc[0]['trials'])} trials per setup, pruning off, the same trial parameters in every setup. Trials "
        "per minute count from the first trial's start to the last trial's end (worker start-up excluded; it is in "
        "the wall time). Two workers are two processes on one SQLite study, as two machines would share one database.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores. The load average "
        "columns show how busy the machine already was: on 2 cores, a load near 2 or above leaves no idle core "
        "for a second worker, and the speed-up then says more about the machine than about the sweeper.",
        "",
        "| setup | trials/min | speed-up | mean trial (s) | wall (s) | load avg before / after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in frame.itertuples():
        lines.append(
            f"| {row.setup} | {row.trials_per_min:.2f} | {row.trials_per_min / base:.2f}x | "
            f"{row.mean_trial_s:.1f} | {row.wall_s:.0f} | {row.load_before:.1f} / {row.load_after:.1f} |"
        )
    lines += [
        "",
        "Why one thread per trial: with `n_jobs=-1` a single LightGBM fit already uses every core, so a second "
        "worker would only oversubscribe the CPU. With one thread per trial, two workers on 2 cores can approach "
        "twice the throughput of one such worker. They fall short of 2x by what they share: memory bandwidth, "
        "the SQLite locks of the Optuna and MLflow stores, and any other load on the machine. The last row is the "
        "alternative of one worker whose trials use every core: its speed-up over the first row is how well "
        "LightGBM itself scales to 2 threads on this data, which is the figure two workers have to beat.",
    ]
    return "\n".join(lines) + "\n"


SECTION = "## Optuna search throughput (LightGBM)"


def run(n_trials: int, overrides: list[str]) -> str:
    """The section for experiments/benchmark.md, measured in a throw-away store."""
    import tempfile

    from leadconv.errors import DataError

    data_dir = settings.data_dir(PROJECT_ROOT / "data" / "raw")
    if not (data_dir / "train.csv").is_file():
        raise DataError(f"the Optuna benchmark needs the competition files in {data_dir}; set LG_AIMERS_DATA_DIR")
    with tempfile.TemporaryDirectory() as store:
        return report(benchmark(n_trials, overrides, Path(store)), overrides)


TEAM_SECTION = "<!-- bench_team:begin"  # leadconv.bench.team's block, which may follow this section


def section_of(document: str) -> str | None:
    """The Optuna section of `document` (up to the next generated block), or None."""
    _, found, rest = document.partition(SECTION)
    if not found:
        return None
    ends = [rest.index(marker) for marker in ("<!--", "\n## ") if marker in rest]
    return (SECTION + rest[: min(ends)] if ends else SECTION + rest).rstrip() + "\n"


def replace_section(document: str, section: str) -> str:
    """`document` with its Optuna section replaced by, or appended as, `section` (the team section,
    if it follows, is kept)."""
    head, found, rest = document.partition(SECTION)
    tail = rest[rest.index(TEAM_SECTION) :] if found and TEAM_SECTION in rest else ""
    head = head.rstrip("\n")
    body = f"{head}\n\n{section}" if head else section
    return f"{body.rstrip()}\n\n{tail}" if tail else body
