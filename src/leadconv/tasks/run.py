"""One cross-validated run: load -> split -> fit the pipeline per fold -> score -> log."""

from __future__ import annotations

import functools
import logging
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from hydra.utils import instantiate
from mlflow.models import infer_signature
from omegaconf import DictConfig

from leadconv import schema
from leadconv.components.cv import folds_digest
from leadconv.components.dataset import Dataset
from leadconv.components.models import check_params
from leadconv.components.samplers import categorical_handling
from leadconv.engine.decision import decide
from leadconv.engine.metrics import OBJECTIVES, per_row, score_run
from leadconv.engine.training import CVResult, build_pipeline, cross_validate
from leadconv.errors import ConfigError
from leadconv.sweeps import parent as sweeps
from leadconv.tracking import environment, persistence, plots
from leadconv.tracking import log as tracking

log = logging.getLogger(__name__)


GROUPS = ("features", "sampler", "model", "cv", "threshold", "prior")


@dataclass
class Components:
    features: object
    sampler: object
    model: object
    cv: object
    threshold: object
    prior: object

    @property
    def pipeline(self):
        return build_pipeline(self.features, self.sampler, self.model)


def build_components(cfg: DictConfig) -> Components:
    """Instantiate every `_target_`; a bad value fails here, before any fitting or logging."""
    built = {}
    for group in GROUPS:
        try:
            built[group] = instantiate(cfg[group], _convert_="all")  # plain lists and dicts: picklable, skops-safe
            if group == "model":
                check_params(built[group])
        except Exception as error:  # noqa: BLE001 - any construction error becomes one line naming the group
            cause = error.__cause__ or error
            raise ConfigError(
                f"cannot build {group} from its config: {cause}; fix the {group}.* override or conf/{group}/"
            ) from None
    if hasattr(built["sampler"], "check_features"):
        built["sampler"].check_features(built["features"])
    objective = cfg.get("objective", "forecast_f1")
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective={objective} is not a run metric; use one of {', '.join(OBJECTIVES)}")
    return Components(**built)


def run_experiment(cfg: DictConfig, choices: dict[str, str]) -> dict[str, float]:
    parts = build_components(cfg)  # every config value is checked before any data is read
    dataset: Dataset = instantiate(cfg.dataset).load()
    if getattr(parts.features, "transductive", False):  # statistics may read the test rows' features
        parts.features.set_params(unlabeled=dataset.test)
    folds = parts.cv.split(dataset.train, dataset.y, dataset.groups)
    tracking.setup(cfg.tracking.uri, cfg.tracking.experiment, cfg.tracking.artifact_location)
    tags = {
        **{name: choices.get(name, "") for name in GROUPS},
        "dataset": dataset.name,
        "dataset_digest": dataset.digest,
        "folds_digest": folds_digest(folds),
        "git_commit": tracking.git_commit(),
        **sweeps.job_tags(),
    }
    run_name = cfg.get("run_name") or f"{tags['model']}-{tags['sampler']}-{tags['features']}"
    started = time.perf_counter()
    with tracking.tracked_run(run_name, tags) as run:
        tracking.log_config(cfg)
        mlflow.log_params(
            {
                "sampler_categorical_handling": categorical_handling(parts.sampler),
                **parts.cv.describe(),
                "threshold_rule": parts.threshold.name,
            }
        )
        log_dataset(dataset)
        so_far = functools.partial(objective_so_far, parts, cfg.get("objective", "forecast_f1"))
        result = cross_validate(
            parts.pipeline,
            dataset.train,
            dataset.y,
            dataset.test,
            folds,
            keep_models=cfg.save_models,
            on_fold=sweeps.fold_reporter(so_far),
        )
        decision = decide(parts.threshold, parts.prior, result.oof, result.test_proba)
        cv_threshold = parts.threshold.validation_threshold(result.oof_labels(), result.oof_proba())
        metrics = score_run(result.oof, cv_threshold, decision) | {"fit_seconds": result.fit_seconds}
        mlflow.log_metrics(metrics)
        mlflow.set_tags(decision.tags())
        environment.log_environment()
        log_outputs(dataset, result, decision.threshold, save_models=cfg.save_models)
    print(
        f"CV F1 {metrics['cv_f1']:.4f} ± {metrics['cv_f1_std']:.4f} | {decision.summary()} | "
        f"{time.perf_counter() - started:.1f}s | MLflow run {run.info.run_id}",
        flush=True,
    )
    return metrics | {"run_id": run.info.run_id}


def objective_so_far(parts: Components, objective: str, oof: pd.DataFrame, test_proba) -> float:
    """The run's objective on the folds done so far (what an Optuna trial reports for pruning)."""
    decision = decide(parts.threshold, parts.prior, oof, test_proba, bootstrap=False)
    cv_threshold = parts.threshold.validation_threshold(*per_row(oof).to_numpy().T)
    return score_run(oof, cv_threshold, decision)[objective]


def log_dataset(dataset: Dataset) -> None:
    frame = dataset.train.assign(**{schema.LABEL: dataset.y})
    source = dataset.source if Path(dataset.source).exists() else None
    with warnings.catch_warnings():  # MLflow's hints on source resolution and integer schemas do not apply here
        warnings.simplefilter("ignore", UserWarning)
        logged = mlflow.data.from_pandas(
            frame, source=source, name=dataset.name, targets=schema.LABEL, digest=dataset.digest
        )
        logged.__dict__["schema"] = schema_of(frame)  # `schema` is a cached_property that scans every value
    mlflow.log_input(logged, context="training")


def schema_of(frame: pd.DataFrame):
    """MLflow's schema of `frame` in milliseconds: column types are fixed by data.normalise_types, so a
    sample holding one missing value of every column that has any gives the same schema as all rows."""
    missing = frame.isna()
    sample = pd.concat([frame.head(100), frame.loc[missing.idxmax()[missing.any()]]])
    return infer_signature(sample).inputs


def log_outputs(dataset: Dataset, result: CVResult, threshold: float, save_models: bool) -> None:
    log_predictions(result.oof, dataset.test_ids, result.test_proba, threshold)
    importance = result.importances.mean(axis=1).sort_values(ascending=False)
    tracking.log_frame(result.importances.assign(mean=importance), "feature_importance.csv")
    log_figures(
        {
            "plots/feature_importance.png": plots.importance_bar(importance.dropna()),
            **threshold_figures(result.oof_labels(), result.oof_proba(), threshold),
        }
    )
    if save_models:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fold_pipelines.skops"
            persistence.dump(result.models, path)
            mlflow.log_artifact(str(path), artifact_path="models")


def log_predictions(oof: pd.DataFrame, test_ids, test_proba, threshold: float) -> None:
    """The out-of-fold and test predictions every run (single or ensemble) logs."""
    tracking.log_frame(oof, "predictions/oof.parquet")
    test = pd.DataFrame({schema.ID: test_ids, "proba": test_proba, schema.LABEL: test_proba >= threshold})
    tracking.log_frame(test, "predictions/test.parquet")


def threshold_figures(y, proba, threshold: float) -> dict:
    return {
        "plots/pr_curve.png": plots.pr_curve(y, proba),
        "plots/confusion_matrix.png": plots.confusion(y, proba >= threshold),
        "plots/f1_vs_threshold.png": plots.f1_vs_threshold(y, proba, threshold),
    }


def log_figures(figures: dict) -> None:
    for path, figure in figures.items():
        mlflow.log_figure(figure, path)
        plots.close(figure)
