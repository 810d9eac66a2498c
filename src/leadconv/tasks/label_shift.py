"""How well are the test file's prior and F1 forecast on customers never seen in training?

    python -m leadconv.tasks.label_shift [--system single|default_suite] [--draws 20] [--holdouts 1] [Hydra overrides]
    make label-shift      # both systems, writes experiments/label_shift.md

A fifth of the training customers (never the few large ones) is held out, as in
`python -m leadconv.holdout`. The system (one run as composed from the overrides, or the
default suite's members stacked by the logreg stacker) is cross-validated on the rest with
`cv=group`; its fold models score the held-out rows and the competition's test file. The held-out
rows are then resampled, without replacement, to priors 0.05, 0.10, 0.25 and 0.35 (`--draws`
random subsets each). On every subset each prior estimator estimates the prior from the
out-of-fold rows and the subset's probabilities, `threshold=prior_shift` picks the threshold for
that estimate, and the forecast F1 (the subset's own scores read at the estimate) is compared with
the F1 the subset actually gets. Nothing is logged to MLflow; the tables are printed, and with
--output they replace this system's block in that Markdown file.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from hydra.utils import instantiate
from joblib import Parallel, delayed
from sklearn.metrics import f1_score, roc_auc_score

from leadconv.components.priors import BBSE, EM, FixedPrior
from leadconv.components.stackers import LogisticStacker
from leadconv.components.thresholds import PriorShift, best_f1_threshold
from leadconv.engine.decision import decide
from leadconv.engine.metrics import per_row
from leadconv.engine.run import build_components, fit_weights, unlabeled_rows
from leadconv.engine.training import cross_validate
from leadconv.tasks.ensemble import align_oof, stack
from leadconv.tasks.holdout import LARGE_CUSTOMER_SHARE, customer_holdout
from leadconv.tasks.shift_draws import resample
from leadconv.utils import compose_config, replace_block, task_wrapper

PRIORS = (0.05, 0.10, 0.25, 0.35)
CHECK = {"check_cuts": [0.25, 0.5], "max_spread": 0.1, "n_bootstrap": 100}  # as conf/prior/*.yaml
ESTIMATORS = {  # BBSE cuts are quantiles of the out-of-fold converted leads' scores
    "bbse cut 0.25": lambda: BBSE(cuts=[0.25], **CHECK),
    "bbse cut 0.5": lambda: BBSE(cuts=[0.5], **CHECK),
    "bbse cut 0.75": lambda: BBSE(cuts=[0.75], **CHECK),
    "bbse cuts 0.1..0.9 (prior=bbse)": lambda: BBSE(cuts=[c / 10 for c in range(1, 10)], **CHECK),
    "em (prior=em, default)": lambda: EM(**CHECK),
}


def compose_job(overrides: list[str]):
    return compose_config([*overrides, "cv=group"], return_hydra_config=True)


def suite_members(overrides: list[str]) -> list[list[str]]:
    """The default suite's jobs: its sweeper params expanded into one override list per job."""
    params = compose_job([*overrides, "+experiment=default_suite"]).hydra.sweeper.params
    axes = [[f"{key}={value}" for value in str(values).split(",")] for key, values in params.items()]
    return [[*overrides, "+experiment=default_suite", *job] for job in itertools.product(*axes)]


def fit_member(overrides: list[str], train, y, scored, toward=None):
    """One run's out-of-fold frame and its fold models' mean probability on `scored`. A `weighting=` run
    weighs its training rows toward `toward` (default: `scored`)."""
    cfg = compose_job(overrides)
    parts = build_components(cfg)
    folds = parts.cv.split(train, y, train["customer_idx"])
    weights = fit_weights(parts, train, scored if toward is None else toward)
    result = cross_validate(
        parts.pipeline, train, y, scored, folds, unlabeled=unlabeled_rows(parts, scored), sample_weight=weights
    )
    return result.oof, result.test_proba


def fit_system(system: str, overrides: list[str], train, y, scored, n_jobs: int):
    """(out-of-fold frame, probability on `scored`) of one run, or of the stacked default suite."""
    if system == "single":
        return fit_member(overrides, train, y, scored)
    members = suite_members(overrides)
    fitted = Parallel(n_jobs=n_jobs)(delayed(fit_member)(m, train, y, scored) for m in members)
    names = [" ".join(m[len(overrides) + 1 :]) for m in members]
    X, labels, folds = align_oof({name: oof for name, (oof, _) in zip(names, fitted)})
    test = pd.DataFrame({name: p for name, (_, p) in zip(names, fitted)})
    oof, _, proba = stack(LogisticStacker(), X, labels, folds, test)
    return oof, proba


def evaluate(oof: pd.DataFrame, held_y: np.ndarray, held_proba: np.ndarray, draws: int, seed: int) -> pd.DataFrame:
    """One row per (prior, draw, method): the estimate, its interval, the forecast and the F1 reached."""
    rows, rng = [], np.random.default_rng(seed)
    rule = PriorShift(test_prior="auto")
    labelled = per_row(oof)
    train_threshold = best_f1_threshold(labelled["y_true"], labelled["proba"])
    methods = {name: make() for name, make in ESTIMATORS.items()}
    for prior, draw in itertools.product(PRIORS, range(draws)):
        subset = resample(held_y, prior, rng)
        y, proba = held_y[subset], held_proba[subset]
        truth = y.mean()
        hindsight = f1_score(y, proba >= best_f1_threshold(y, proba))
        common = {
            "prior": prior,
            "draw": draw,
            "true_prior": truth,
            "rows": len(y),
            "auc": roc_auc_score(y, proba),
            "best_f1_in_hindsight": hindsight,
            "f1_at_train_threshold": f1_score(y, proba >= train_threshold),
        }
        for name, estimator in {**methods, "true prior (oracle)": FixedPrior(truth)}.items():
            decision = decide(rule, estimator, oof, proba)
            rows.append(
                {
                    **common,
                    "method": name,
                    "estimate": decision.prior.value,
                    "low": decision.prior.low,
                    "high": decision.prior.high,
                    "forecast_f1": decision.forecast_f1,
                    "f1": f1_score(y, proba >= decision.threshold),
                    "warned": decision.prior.warning is not None,
                }
            )
    return pd.DataFrame(rows)


def summarise(draws: pd.DataFrame) -> pd.DataFrame:
    frame = draws.assign(
        error=draws["estimate"] - draws["true_prior"],
        covered=(draws["low"] <= draws["true_prior"]) & (draws["true_prior"] <= draws["high"]),
        forecast_error=draws["forecast_f1"] - draws["f1"],
    )
    return (
        frame.groupby(["prior", "method"], sort=False)
        .agg(
            estimate=("estimate", "mean"),
            mean_abs_error=("error", lambda e: e.abs().mean()),
            max_abs_error=("error", lambda e: e.abs().max()),
            interval_coverage=("covered", "mean"),
            forecast_f1=("forecast_f1", "mean"),
            f1=("f1", "mean"),
            mean_abs_forecast_error=("forecast_error", lambda e: e.abs().mean()),
            max_abs_forecast_error=("forecast_error", lambda e: e.abs().max()),
            f1_at_train_threshold=("f1_at_train_threshold", "mean"),
            best_f1_in_hindsight=("best_f1_in_hindsight", "mean"),
            auc=("auc", "mean"),
            rows=("rows", "mean"),
            warned=("warned", "mean"),
        )
        .reset_index()
    )


def competition_estimates(oof: pd.DataFrame, test_proba: np.ndarray) -> pd.DataFrame:
    """Each method's estimate on the competition's own (unlabelled) test file: a stability check."""
    rule, rows = PriorShift(test_prior="auto"), []
    for name, make in ESTIMATORS.items():
        decision = decide(rule, make(), oof, test_proba)
        rows.append(
            {
                "method": name,
                "estimate": decision.prior.value,
                "low": decision.prior.low,
                "high": decision.prior.high,
                "spread": decision.prior.spread,
                "threshold": decision.threshold,
                "predicted_positive_rate": decision.predicted_positive_rate,
                "forecast_f1": decision.forecast_f1,
            }
        )
    return pd.DataFrame(rows)


def cached(directory: Path | None, key: str, fit):
    """(oof, proba) from `fit()`, kept in `directory` so that a rerun of the tables skips the fitting."""
    if directory is None:
        return fit()
    found = load_cached(directory, key)
    if found is not None:
        return found
    oof, proba = fit()
    oof_path, proba_path = directory / f"{key}-oof.parquet", directory / f"{key}-proba.npy"
    directory.mkdir(parents=True, exist_ok=True)
    oof.to_parquet(oof_path)
    np.save(proba_path, proba)
    return oof, proba


def load_cached(directory: Path | None, key: str):
    """(oof, proba) kept by `cached` under `key`, or None."""
    if directory is None:
        return None
    oof_path, proba_path = directory / f"{key}-oof.parquet", directory / f"{key}-proba.npy"
    if oof_path.exists() and proba_path.exists():
        return pd.read_parquet(oof_path), np.load(proba_path)
    return None


def run(system: str, overrides: list[str], draws: int, holdouts: int, n_jobs: int, cache: Path | None = None):
    """Summary over `holdouts` customer hold-outs (seeds seed, seed+1, ...); the competition-file
    estimates of the first."""
    cfg = compose_job(overrides)
    dataset = instantiate(cfg.dataset).load()
    results, competition, held = [], None, []
    for offset in range(holdouts):
        kept, held_out = customer_holdout(dataset.groups, 0.2, LARGE_CUSTOMER_SHARE, cfg.seed + offset)
        train, y = dataset.train.iloc[kept].reset_index(drop=True), dataset.y[kept]
        scored = pd.concat([dataset.train.iloc[held_out], dataset.test], ignore_index=True)
        fit = functools.partial(fit_system, system, overrides, train, y, scored, n_jobs)
        oof, proba = cached(cache, f"{system}-{offset}", fit)
        held_proba, test_proba = proba[: len(held_out)], proba[len(held_out) :]
        results.append(evaluate(oof, dataset.y[held_out], held_proba, draws, cfg.seed + offset).assign(holdout=offset))
        if competition is None:
            competition = competition_estimates(oof, test_proba)
        held.append((len(held_out), float(dataset.y[held_out].mean())))
    return summarise(pd.concat(results, ignore_index=True)), competition, held


def render(
    system: str,
    overrides: list[str],
    draws: int,
    table: pd.DataFrame,
    competition: pd.DataFrame,
    held: list[tuple[int, float]],
) -> str:
    command = " ".join(
        [
            "python -m leadconv.tasks.label_shift",
            f"--system {system}",
            f"--draws {draws}",
            f"--holdouts {len(held)}",
            *overrides,
        ]
    )
    sets = ", ".join(f"{rows} rows at prior {prior:.3f}" for rows, prior in held)
    lines = [
        f"### {system}",
        "",
        f"`{command}`: {len(held)} hold-out(s) of unseen customers ({sets}), each "
        f"resampled {draws} times to each prior; means and maxima over all draws.",
        "",
        "| prior | method | mean estimate | mean / max abs. error | 90% interval covers | forecast F1 | F1 reached "
        "| mean / max abs. forecast error | F1 at train's threshold | best F1 in hindsight | stability warnings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.prior:.2f} | {r.method} | {r.estimate:.3f} | {r.mean_abs_error:.3f} / {r.max_abs_error:.3f} | "
            f"{r.interval_coverage:.0%} | {r.forecast_f1:.3f} | {r.f1:.3f} | {r.mean_abs_forecast_error:.3f} / "
            f"{r.max_abs_forecast_error:.3f} | {r.f1_at_train_threshold:.3f} | {r.best_f1_in_hindsight:.3f} | "
            f"{r.warned:.0%} |"
        )
    lines += [
        "",
        "On the competition's test file (unlabelled, 5,271 rows):",
        "",
        "| method | estimate [90% interval] | spread over cuts 0.25, 0.5 | threshold | predicted converted | forecast F1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in competition.itertuples():
        lines.append(
            f"| {r.method} | {r.estimate:.3f} [{r.low:.3f}, {r.high:.3f}] | {r.spread:.3f} | {r.threshold:.4f} | "
            f"{r.predicted_positive_rate:.1%} | {r.forecast_f1:.3f} |"
        )
    return "\n".join(lines) + "\n"


def markers(system: str) -> tuple[str, str]:
    return (
        f"<!-- label_shift:{system}:begin (generated by `make label-shift`; edits inside are overwritten) -->",
        f"<!-- label_shift:{system}:end -->",
    )


@task_wrapper
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m leadconv.tasks.label_shift", description=__doc__.split("\n")[0])
    parser.add_argument("--system", choices=["single", "default_suite"], default="single")
    parser.add_argument("--draws", type=int, default=20, help="random subsets per prior and hold-out")
    parser.add_argument("--holdouts", type=int, default=1, help="customer hold-outs (seed, seed+1, ...)")
    parser.add_argument("--n-jobs", type=int, default=2, help="suite members fitted at once")
    parser.add_argument(
        "--output",
        type=Path,
        help="update this system's tables in this Markdown file "
        "(e.g. experiments/label_shift.md); the rest of the file stays",
    )
    parser.add_argument("--cache", type=Path, help="keep the fitted predictions here (same overrides only)")
    args, overrides = parser.parse_known_args(argv)
    table, competition, held = run(args.system, overrides, args.draws, args.holdouts, args.n_jobs, args.cache)
    text = render(args.system, overrides, args.draws, table, competition, held)
    print(text, flush=True)
    if args.output:
        begin, end = markers(args.system)
        replace_block(
            args.output, f"{begin}\n{text}{end}", begin, end, "# Label shift: prior estimates and forecast F1\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
