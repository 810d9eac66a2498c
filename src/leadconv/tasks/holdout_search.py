"""An Optuna search judged on held-out customers, not on `forecast_f1`.

    python -m leadconv.tasks.holdout_search MEMBER --ensemble ENSEMBLE [--trials 20] [--holdouts 3]
        [sweep overrides, e.g. 'model.num_leaves=int(interval(8,64))'] [overrides for every run]

Each trial replaces run MEMBER of `experiments/candidates.yaml` by the same run with settings drawn
from its model's `conf/search_space/<model>.yaml` (the first trial: the member as it is, where the
space holds its settings), and scores ENSEMBLE (a stack MEMBER belongs to) as `make
stronger-models` does, on both kinds of hold-out: F1 at the project's decision on held-out customers
resampled to 25 %, and on files drawn toward the competition file's mix (`--mix-draws` per kind and
hold-out; 0: the rate-only draws alone). The objective is the mean of the two (the rate-only F1, and the
mean over the drawn kinds), so that a gain on one kind that costs the other is not a gain. The sweeper's `forecast_f1` rewards a higher prior estimate as much as a better
ranking (experiments/stronger_models.md, second round); this objective does not.

A sweep override (choice/interval/range) replaces or adds a dimension; a plain override applies to
every run, as in `python -m leadconv.candidates`. The study lives in outputs/holdout-search.db, so
a rerun with more trials goes on from where it stopped; fits share the candidates' cache; each trial
is an MLflow run in the experiment `holdout-search`. The hold-outs chose the best trial, so it is
favoured by chance: judge it on hold-outs the search did not see (`python -m leadconv.candidates
--holdouts 7` after a search on 5) before it becomes a default. The last line prints the best trial
as a `runs:` entry for the candidates file.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import mlflow
import numpy as np
import optuna
import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution

from leadconv import PROJECT_ROOT
from leadconv.errors import ConfigError
from leadconv.sweeps.search_space import as_override, build_space, describe
from leadconv.sweeps.storage import last_line, open_storage
from leadconv.tasks.candidates import CANDIDATES, evaluate, read_candidates, summarise
from leadconv.tasks.label_shift import compose_job
from leadconv.tasks.shifted_judge import SHIFTED_KINDS
from leadconv.tracking.log import setup, tracked_run
from leadconv.utils import task_wrapper

METRICS = ["objective", "f1", "mix_f1", "auc", "mix_auc", "pr_auc", "prior_estimate", "f1_std_over_holdouts"]


def split_sweeps(overrides: list[str]) -> tuple[list[str], list[str]]:
    """(sweep overrides, plain overrides), as Hydra's grammar tells them apart."""
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as error:  # noqa: BLE001 - Hydra's grammar errors are long
        raise ConfigError(
            f"cannot parse the overrides ({str(error).strip().splitlines()[0]}); fix them as `python src/run.py` takes them"
        ) from None
    sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
    return sweeps, [o.input_line for o in parsed if not o.is_sweep_override()]


def member_space(common: list[str], member: list[str], sweeps: list[str]):
    """(Optuna distributions, the member's overrides without the keys the search sets, the member's own
    values of those keys where the space holds them). The space is the one `hydra/sweeper=optuna`
    gives the member (conf/search_space/<model>.yaml), with `sweeps` on top."""
    try:
        cfg = compose_job([*common, *member, "hydra/sweeper=optuna"])
    except Exception as error:  # noqa: BLE001 - e.g. no conf/search_space/ file for the member's model
        raise ConfigError(
            f"no search space for the member: {last_line(error)}; add conf/search_space/<model>.yaml"
        ) from None
    space, fixed = build_space(OmegaConf.to_container(cfg.hydra.sweeper.search_space), sweeps)
    if not space:
        raise ConfigError("the member's search space is empty; give sweep overrides such as 'model.x=interval(0,1)'")
    own = {key: OmegaConf.select(cfg, key) for key in space}
    own = {key: value for key, value in own.items() if value is not None and inside(space[key], value)}
    return space, [o for o in member if o.split("=", 1)[0].lstrip("+") not in space] + fixed, own


def inside(distribution, value) -> bool:
    if isinstance(distribution, CategoricalDistribution):
        return value in distribution.choices
    return distribution.low <= value <= distribution.high


def with_member(runs: dict, ensembles: dict, ensemble: str, member: str, name: str, overrides: list[str]):
    """The candidates with run `name` (`overrides`) in place of `member` in `ensemble`."""
    stacked = {**ensembles[ensemble], "members": [name if m == member else m for m in ensembles[ensemble]["members"]]}
    return {**runs, name: overrides}, {ensemble: stacked}


def run_trial(args, study: optuna.Study, runs, ensembles, common, space, base) -> None:
    trial = study.ask(space)
    name = f"{args.member}_t{trial.number}"
    overrides = base + [as_override(key, value) for key, value in trial.params.items()]
    trial_runs, trial_ensembles = with_member(runs, ensembles, args.ensemble, args.member, name, overrides)
    try:
        with tracked_run(run_name=name, tags={"study": args.study_name, "ensemble": args.ensemble}):
            mlflow.log_params({**trial.params, "member": args.member, "common": " ".join(common)})
            row = judge_ensemble(args, trial_runs, trial_ensembles, common)
            mlflow.log_metrics({f"holdout_{metric}": float(row[metric]) for metric in METRICS})
    except BaseException:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        raise
    for metric in METRICS:
        trial.set_user_attr(metric, float(row[metric]))
    study.tell(trial, float(row.objective))
    print(
        f"trial {trial.number}: objective {row.objective:.4f} (F1 {row.f1:.4f} at 25 %, {row.mix_f1:.4f} on drawn files), "
        f"AUC {row.auc:.4f}  {describe(trial.params)}",
        flush=True,
    )


def judge_ensemble(args, runs, ensembles, common: list[str]) -> pd.Series:
    """`args.ensemble` judged on both kinds of hold-out, as `score` sums it up."""
    draws = evaluate(
        [args.ensemble],
        runs,
        ensembles,
        common,
        args.holdouts,
        args.draws,
        args.n_jobs,
        args.cache,
        mix_draws=args.mix_draws,
    )
    return score(draws, args.ensemble)


def score(draws, ensemble: str) -> pd.Series:
    """The rate-only means (summarise), the drawn files' mean F1 and AUC over their kinds, and the objective."""
    row = summarise(draws, [ensemble]).iloc[0].copy()
    drawn = [summarise(draws, [ensemble], kind).iloc[0] for kind in SHIFTED_KINDS if (draws["kind"] == kind).any()]
    row["mix_f1"] = float(np.mean([r.f1 for r in drawn])) if drawn else float("nan")
    row["mix_auc"] = float(np.mean([r.auc for r in drawn])) if drawn else float("nan")
    row["objective"] = (row.f1 + row.mix_f1) / 2 if drawn else row.f1
    return row


def report(study: optuna.Study, reference, ensemble: str, member: str, base: list[str]) -> str:
    done = sorted((t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE), key=lambda t: -t.value)
    lines = [
        "| trial | objective | F1 at 25 % | F1 on drawn files | AUC at 25 % | AUC on drawn files | settings |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {ensemble} with {member} as it is | {reference.objective:.4f} | {reference.f1:.4f} | "
        f"{reference.mix_f1:.4f} | {reference.auc:.4f} | {reference.mix_auc:.4f} | |",
    ]
    for t in done:
        a = t.user_attrs
        lines.append(
            f"| {t.number} | {t.value:.4f} | {a['f1']:.4f} | {a.get('mix_f1', float('nan')):.4f} | {a['auc']:.4f} | "
            f"{a.get('mix_auc', float('nan')):.4f} | {describe(t.params)} |"
        )
    if done:
        best = base + [as_override(k, v) for k, v in done[0].params.items()]
        lines += ["", f"best trial as a candidate: {member}_t{done[0].number}: [{', '.join(best)}]"]
    return "\n".join(lines)


@task_wrapper
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m leadconv.tasks.holdout_search", description=__doc__.split("\n")[0])
    parser.add_argument("member", help="the run of the candidates file whose settings are searched")
    parser.add_argument("--ensemble", required=True, help="the stack of the candidates file judged with each trial")
    parser.add_argument("--trials", type=int, default=20, help="trials to add to the study")
    parser.add_argument("--holdouts", type=int, default=3, help="customer hold-outs (seed, seed+1, ...)")
    parser.add_argument("--draws", type=int, default=20, help="subsets resampled to 25 %% per hold-out")
    parser.add_argument(
        "--mix-draws", type=int, default=2, help="files per kind and hold-out drawn toward the competition file's mix"
    )
    parser.add_argument("--n-jobs", type=int, default=2, help="fits at once (one per hold-out; one thread each)")
    parser.add_argument("--candidates", type=Path, default=CANDIDATES)
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "outputs" / "candidates-cache")
    parser.add_argument("--storage", default=f"sqlite:///{PROJECT_ROOT / 'outputs' / 'holdout-search.db'}")
    parser.add_argument("--study-name", help="default: MEMBER-in-ENSEMBLE-<holdouts>h[-<overrides digest>]")
    parser.add_argument("--seed", type=int, default=0, help="the TPE sampler's seed")
    args, overrides = parser.parse_known_args(argv)
    runs, ensembles = read_candidates(args.candidates)
    if args.ensemble not in ensembles or args.member not in ensembles[args.ensemble]["members"]:
        raise ConfigError(f"--ensemble must name an ensemble of {args.candidates} that stacks {args.member}")
    sweeps, common = split_sweeps(overrides)
    space, base, own = member_space(common, runs[args.member], sweeps)
    # a study on other data or settings (`dataset=synthetic`) is another study
    settings = f"-{hashlib.sha256(' '.join(common).encode()).hexdigest()[:8]}" if common else ""
    args.study_name = args.study_name or f"{args.member}-in-{args.ensemble}-{args.holdouts}h{settings}"
    if args.storage.startswith("sqlite:///"):
        Path(args.storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=args.study_name,
        storage=open_storage(args.storage, heartbeat_seconds=None),
        direction="maximize",
        load_if_exists=True,
    )
    if not study.trials:  # the first trial is the member as it is: the search starts from the known point
        study.enqueue_trial(own)
    # seeded by the trials so far: a resumed study does not draw its first trials again
    study.sampler = optuna.samplers.TPESampler(seed=args.seed + len(study.trials), n_startup_trials=8)
    setup(compose_job(common).tracking.uri, "holdout-search")
    reference = judge_ensemble(args, runs, ensembles, common)
    print(f"{args.ensemble} as it is: objective {reference.objective:.4f}, F1 {reference.f1:.4f}", flush=True)
    for _ in range(args.trials):
        run_trial(args, study, runs, ensembles, common, space, base)
    print(report(study, reference, args.ensemble, args.member, base), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
