"""Score a competition-layout CSV with an ensemble run and write the submission atomically.

New rows are scored by the models already logged, not refit: each base run's fold pipelines
(models/fold_pipelines.skops) predict, their mean is that run's probability (as for its test
file), the ensemble's fitted stacker (models/stacker.skops) combines the runs, and the
ensemble's threshold decides. Nothing is random, so the same ensemble run and input file give
the same submission.

The threshold is chosen for the scored file itself: its prior (share of converted leads) is
estimated from the ensemble's out-of-fold predictions and the file's probabilities (`prior=`),
and `threshold=` (default prior_shift) picks the F1-optimal cut for that prior. So
`make submit INPUT=other.csv` decides for other.csv, not for the competition file.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from omegaconf import DictConfig, OmegaConf

from leadconv import PROJECT_ROOT, schema
from leadconv.components.contributions import METHODS
from leadconv.components.dataset import check_ids, check_scoring_columns, normalise_types, read_csv
from leadconv.components.reasons import reasons_table
from leadconv.engine.decision import Decision, decide
from leadconv.engine.run import build
from leadconv.errors import ConfigError, DataError
from leadconv.tasks import submit_report
from leadconv.tasks.ensemble import build_ensemble, candidate_runs, training_data
from leadconv.tasks.explain import load_members
from leadconv.tracking import environment
from leadconv.tracking import log as tracking
from leadconv.tracking import store as store
from leadconv.utils import write_atomically

log = logging.getLogger(__name__)

SCORING = "mean of each base run's logged fold pipelines (not refit), combined by the ensemble's fitted stacker"


def read_input(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the file's text exactly as written, its validated features). Columns beyond id and the 28 lead
    columns are kept in the text (and so in the output) and never reach a model; `is_converted` may be
    missing (a file of leads not labelled yet): the output adds it."""
    if not path.is_file():
        raise DataError(f"input file not found: {path}; pass input=path/to/file.csv (make submit INPUT=...)")
    frame = read_csv(path)
    check_scoring_columns(frame, str(path))
    check_ids(frame[schema.ID], str(path))
    features = normalise_types(frame[schema.FEATURES])
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    return text, features


def latest_ensemble(experiment: str, dataset: str | None) -> Run | None:
    filters = [store.tag_filter("run_type", store.ENSEMBLE), "attributes.status = 'FINISHED'"]
    if dataset:
        filters.append(store.tag_filter("dataset", dataset))
    found = store.search(experiment, filters, order_by=["attributes.start_time DESC"])
    return found[0] if found else None


def run_suite(cfg: DictConfig) -> None:
    """The default experiment suite, in a subprocess, logging to this store and experiment."""
    command = [
        sys.executable,
        str(PROJECT_ROOT / cfg.suite.script),
        *cfg.suite.args,
        f"tracking.uri='{cfg.tracking.uri}'",
        f"tracking.experiment='{cfg.tracking.experiment}'",
    ]
    log.info(
        "no finished runs to stack in experiment %r: running the default suite first (%s)",
        cfg.tracking.experiment,
        " ".join(command[1:]),
    )
    finished = subprocess.run(command, cwd=PROJECT_ROOT)
    if finished.returncode != 0:
        raise DataError(
            f"the default suite failed (exit code {finished.returncode}); see its output above, "
            f"fix it and rerun, or run some experiments with src/run.py first"
        )


def ensemble_run(cfg: DictConfig, choices: dict[str, str]) -> Run:
    """The pinned ensemble run, else the latest one (unless `rebuild`), else a new one (after the suite if
    the store has no runs to stack)."""
    tracking.setup_from(cfg)
    if cfg.ensemble_run_id:
        try:
            run = mlflow.get_run(str(cfg.ensemble_run_id))
        except MlflowException:
            raise ConfigError(
                f"ensemble_run_id={cfg.ensemble_run_id} is not a run of {tracking.redact(mlflow.get_tracking_uri())}; "
                "pass the ensemble_run_id of an earlier sidecar, or leave it unset"
            ) from None
        if not store.is_ensemble(run):
            raise ConfigError(
                f"run {cfg.ensemble_run_id} is not an ensemble run; pass the id of one "
                "(tag run_type=ensemble) or leave ensemble_run_id unset"
            )
        return run
    run = None if cfg.rebuild else latest_ensemble(cfg.tracking.experiment, cfg.select.dataset)
    if run is not None:
        return run
    if cfg.suite.enabled and not candidate_runs(cfg.tracking.experiment, cfg.select):
        run_suite(cfg)
    return mlflow.get_run(build_ensemble(cfg, choices)["run_id"])


def suite_shortfall(models: list[str], min_runs: int, suite_models: list[str], args: list[str]) -> str | None:
    """One line when the base runs' model families (`models`, one per base run) are fewer than
    `min_runs` or lack one of the default suite's families; None when the ensemble looks like the suite."""
    missing = sorted(set(suite_models) - set(models))
    if len(models) >= min_runs and not missing:
        return None
    counts = ", ".join(f"{models.count(m)} {m}" for m in sorted(set(models)))
    reasons = [f"fewer than suite.min_runs={min_runs}"] if len(models) < min_runs else []
    reasons += [f"no {'/'.join(missing)} of the default suite"] if missing else []
    return (
        f"this submission stacks {len(models)} base run(s) ({counts}): {' and '.join(reasons)}, so expect less than "
        f"the documented suite; for it run `python src/run.py {' '.join(args)}`, then `make submit SUBMIT_ARGS=rebuild=true`"
    )


def warn_if_not_the_suite(cfg: DictConfig, run: Run) -> str | None:
    ids = [i for i in run.data.tags.get("base_run_ids", "").split(",") if i]
    models = [mlflow.get_run(i).data.tags.get("model", "?") for i in ids]
    message = suite_shortfall(models, int(cfg.suite.min_runs), list(cfg.suite.models), list(cfg.suite.args))
    if message:
        log.warning(message)
    return message


def score(run: Run, features: pd.DataFrame) -> np.ndarray:
    """The ensemble's probability for each row of `features`, from logged models only."""
    return load_members(run).score(features)


def fill_predictions(text: pd.DataFrame, proba: np.ndarray, threshold: float) -> pd.DataFrame:
    """The input as written with is_converted filled, checked before anything is written."""
    if len(proba) != len(text) or not np.isfinite(proba).all():
        raise DataError(
            f"the ensemble returned {len(proba)} predictions ({int((~np.isfinite(proba)).sum())} "
            f"missing) for {len(text)} rows; nothing was written"
        )
    out = text.assign(**{schema.LABEL: np.where(proba >= threshold, "True", "False")})
    if not out[schema.ID].equals(text[schema.ID]) or not out[schema.LABEL].isin(["True", "False"]).all():
        raise DataError("the submission would not keep the input's ids or has missing predictions; nothing was written")
    return out


def decide_for_file(cfg: DictConfig, run: Run, features: pd.DataFrame, proba: np.ndarray) -> Decision:
    """The threshold for this file's own estimated prior and mix of leads, from the ensemble's out-of-fold
    predictions (the submit config's threshold=, prior= and shift= groups decide; the ensemble's logged
    test threshold does not)."""
    rule, prior, shift = (build(cfg, group) for group in ("threshold", "prior", "shift"))
    data = training_data([mlflow.get_run(run.data.tags["base_run_ids"].split(",")[0])])
    oof = store.read_frame(run.info.run_id, "predictions/oof.parquet")
    return decide(rule, prior, oof, proba, True, shift, data.train if data else None, features)


def sidecar(run: Run, input_path: Path, out: pd.DataFrame, decision: Decision, choices: dict[str, str]) -> dict:
    tags = run.data.tags
    return {
        "ensemble_run_id": run.info.run_id,
        "base_run_ids": tags["base_run_ids"].split(","),
        "stacker": tags.get("stacker"),
        "threshold_rule": choices.get("threshold"),
        "threshold": decision.threshold,
        "prior_method": decision.prior.method,
        "test_prior_estimate": decision.prior.value,
        "test_prior_interval": list(decision.prior.interval),
        "prior_warning": decision.prior.warning,
        "forecast_f1": decision.forecast_f1,
        "forecast_f1_std": decision.forecast_f1_std,
        "forecast_f1_interval": [v if np.isfinite(v) else None for v in decision.forecast_interval],
        "effective_leads": decision.effective_leads if np.isfinite(decision.effective_leads) else None,
        **decision.shift.sidecar(),
        "predicted_positive_rate": float((out[schema.LABEL] == "True").mean()),
        "ensemble_cv_f1": run.data.metrics.get("cv_f1"),
        "dataset": tags.get("dataset"),
        "dataset_digest": tags.get("dataset_digest"),
        "folds_digest": tags.get("folds_digest"),
        "ensemble_git_commit": tags.get("git_commit"),
        "git_commit": tracking.git_commit(),
        "tracking_uri": mlflow.get_tracking_uri(),
        "input": str(input_path.resolve()),
        "rows": len(out),
        "scoring": SCORING,
        "environment": environment.versions(),
        "environment_digest": environment.digest(environment.versions()),
        "ensemble_environment_digest": tags.get(environment.DIGEST_TAG),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def companion_paths(output: Path) -> dict[str, Path]:
    """The files written beside the scored file: its JSON sidecar, its one-page report, its reasons."""
    return {
        "sidecar": output.with_suffix(".json"),
        "report": output.with_suffix(".report.md"),
        "reasons": output.with_suffix(".reasons.csv"),
    }


def check_output(output: Path) -> dict[str, Path]:
    """The companion files' paths; refuses outputs that would overwrite each other or cannot be written."""
    if output.suffix.lower() == ".json":
        raise ConfigError(
            f"output={output} ends in .json, the name of its own sidecar; pass a .csv path, e.g. "
            f"output={output.with_suffix('.csv')}"
        )
    if output.is_dir():
        raise ConfigError(f"output={output} is a directory; pass a file path, e.g. output={output / 'submission.csv'}")
    blocking = next((parent for parent in output.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise ConfigError(
            f"output={output} cannot be written: {blocking} is a file, not a directory; pick another path"
        )
    paths = companion_paths(output)
    for kind, path in paths.items():
        if path.is_dir():
            raise ConfigError(f"the {kind} path {path} is a directory; remove it or pick another output")
    if output in paths.values():
        raise ConfigError(f"output={output} is the name of one of its own companion files; pick another name")
    return paths


def explain_rows(explain_all: bool, proba: np.ndarray) -> np.ndarray:
    """Positions of the rows to explain: every one with reasons=true, else the ten highest-scored (the report's)."""
    return np.arange(len(proba)) if explain_all else np.argsort(-proba, kind="stable")[: submit_report.TEN]


def log_report(run: Run, page: str, path: Path) -> None:
    """The page also goes to the ensemble run that scored the file (submissions/<name>), to find in MLflow;
    the files are written already, so a store that refuses it costs a warning, not the submission."""
    try:
        mlflow.MlflowClient().log_text(run.info.run_id, page, f"submissions/{path.name}")
    except (MlflowException, OSError) as error:
        log.warning("the report was written to %s but not logged to run %s: %s", path, run.info.run_id, error)


def make_submission(cfg: DictConfig, choices: dict[str, str]) -> dict:
    input_value = OmegaConf.select(cfg, "input", throw_on_resolution_failure=False)
    if not input_value:
        raise ConfigError("no input file for this dataset; pass input=path/to/file.csv")
    if not isinstance(cfg.get("reasons"), bool):
        raise ConfigError(f"reasons={cfg.get('reasons')!r} must be true or false (make submit REASONS=1)")
    if cfg.get("reasons_method") not in METHODS:
        raise ConfigError(f"reasons_method={cfg.get('reasons_method')!r} must be one of {', '.join(METHODS)}")
    input_path, output = Path(input_value), Path(cfg.output)
    paths = check_output(output)
    text, features = read_input(input_path)
    run = ensemble_run(cfg, choices)
    shortfall = warn_if_not_the_suite(cfg, run)
    members = load_members(run, cfg.reasons_method)
    proba = members.score(features)
    decision = decide_for_file(cfg, run, features, proba)
    out = fill_predictions(text, proba, decision.threshold)
    info = sidecar(run, input_path, out, decision, choices) | ({"suite_warning": shortfall} if shortfall else {})
    rows, started = explain_rows(cfg.reasons, proba), time.perf_counter()
    contributions = members.explain(features if cfg.reasons else features.iloc[rows])  # all rows: transforms reused
    picked = out.iloc[rows]
    reasons = reasons_table(picked[schema.ID], proba[rows], picked[schema.LABEL], contributions, text.iloc[rows])
    seconds = time.perf_counter() - started
    files = {"output": str(output), "sidecar": str(paths["sidecar"]), "report": str(paths["report"])}
    if cfg.reasons:
        files["reasons"] = str(paths["reasons"])
        info |= {"reasons_rows": len(reasons), "reasons_seconds": round(seconds, 2)}
    contents = {
        output: out.to_csv(index=False),
        paths["sidecar"]: json.dumps(info, indent=2) + "\n",
        paths["report"]: submit_report.page(info, decision, reasons, files),
    }
    if cfg.reasons:
        contents[paths["reasons"]] = reasons.to_csv(index=False)
    write_atomically(contents)
    log_report(run, contents[paths["report"]], paths["report"])
    log.info(
        "%s: %d rows, %.2f%% predicted converted | %s | ensemble run %s (CV F1 %.4f)",
        output,
        len(out),
        100 * info["predicted_positive_rate"],
        decision.summary(),
        run.info.run_id,
        info["ensemble_cv_f1"],
    )
    log.info(
        "report: %s%s",
        paths["report"],
        f" | reasons for {len(reasons):,} leads in {seconds:.1f}s: {paths['reasons']}" if cfg.reasons else "",
    )
    return info
