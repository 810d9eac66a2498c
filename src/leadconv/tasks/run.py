"""One tracked run: load -> split -> fit the pipeline per fold -> score (leadconv.engine.run) -> log."""

from __future__ import annotations

import logging
import time

import mlflow
from hydra.utils import instantiate
from omegaconf import DictConfig

from leadconv.components.cv import folds_digest
from leadconv.components.dataset import Dataset
from leadconv.components.samplers import categorical_handling
from leadconv.engine import run as engine
from leadconv.tracking import artifacts, environment
from leadconv.tracking import log as tracking
from leadconv.tracking.shift import log_shift

log = logging.getLogger(__name__)


def run_experiment(
    cfg: DictConfig, choices: dict[str, str], tags: dict | None = None, report_fold: engine.FoldReport | None = None
) -> dict[str, float]:
    """`tags` join the run's own (a sweep's job passes its parent run and trial); `report_fold` is
    called after every fold with the objective so far (an Optuna trial's pruning hook)."""
    parts = engine.build_components(cfg)  # every config value is checked before any data is read
    dataset: Dataset = instantiate(cfg.dataset).load()
    folds = parts.cv.split(dataset.train, dataset.y, dataset.groups)
    tracking.setup_from(cfg)
    tags = {
        **{name: choices.get(name, "") for name in engine.GROUPS},
        "dataset": dataset.name,
        "dataset_digest": dataset.digest,
        "folds_digest": folds_digest(folds),
        "git_commit": tracking.git_commit(),
        **(tags or {}),
    }
    run_name = cfg.get("run_name") or f"{tags['model']}-{tags['sampler']}-{tags['features']}"
    started = time.perf_counter()
    with tracking.tracked_run(run_name, tags) as run:
        tracking.log_config(cfg)
        mlflow.log_params(
            {
                "sampler_categorical_handling": categorical_handling(parts.sampler),
                **parts.cv.describe(dataset.groups),
                "threshold_rule": parts.threshold.name,
            }
        )
        artifacts.log_dataset(dataset)
        objective = cfg.get("objective", "forecast_f1")
        outcome = engine.run(parts, dataset, folds, objective, cfg.save_models, report_fold)
        mlflow.log_metrics(outcome.metrics)
        mlflow.set_tags(outcome.decision.tags())
        environment.log_environment()
        artifacts.log_outputs(
            dataset,
            outcome.result,
            outcome.decision.threshold,
            outcome.decision.prior.value,
            save_models=cfg.save_models,
        )
        log_shift(outcome.decision.shift)
    metrics = outcome.metrics
    log.info(
        "CV F1 %.4f ± %.4f | %s | %.1fs | MLflow run %s",
        metrics["cv_f1"],
        metrics["cv_f1_std"],
        outcome.decision.summary(),
        time.perf_counter() - started,
        run.info.run_id,
    )
    return metrics | {"run_id": run.info.run_id}
