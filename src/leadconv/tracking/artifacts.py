"""What a run or an ensemble logs besides metrics: its input dataset, predictions, figures and models."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from leadconv import schema
from leadconv.components.dataset import Dataset
from leadconv.engine.training import CVResult
from leadconv.tracking import persistence, plots
from leadconv.tracking.log import log_frame


def log_dataset(dataset: Dataset) -> None:
    frame = dataset.train.assign(**{schema.LABEL: dataset.y})
    source = dataset.source if Path(dataset.source).exists() else None
    with warnings.catch_warnings():  # MLflow's hints on source resolution and integer schemas do not apply here
        warnings.simplefilter("ignore", UserWarning)
        logged = mlflow.data.from_pandas(
            frame, source=source, name=dataset.name, targets=schema.LABEL, digest=dataset.digest
        )
        logged.__dict__["schema"] = schema_of(frame)  # `schema` is a cached_property that scans every value
    log_input_once_stored(logged)


def log_input_once_stored(logged, attempts: int = 3) -> None:
    """mlflow.log_input, again when a parallel job stored the same dataset first: MLflow checks whether a
    dataset exists and then inserts it, so two jobs of one sweep can both insert it and one fails on the
    store's unique key; the retry finds the row the other job wrote."""
    for attempt in range(attempts):
        try:
            mlflow.log_input(logged, context="training")
            return
        except MlflowException as error:
            if "UNIQUE constraint failed: datasets" not in str(error) or attempt == attempts - 1:
                raise


def schema_of(frame: pd.DataFrame):
    """MLflow's schema of `frame` in milliseconds: column types are fixed by data.normalise_types, so a
    sample holding one missing value of every column that has any gives the same schema as all rows."""
    missing = frame.isna()
    sample = pd.concat([frame.head(100), frame.loc[missing.idxmax()[missing.any()]]])
    return infer_signature(sample).inputs


def log_outputs(dataset: Dataset, result: CVResult, threshold: float, prior: float, save_models: bool) -> None:
    log_predictions(result.oof, dataset.test_ids, result.test_proba, threshold)
    importance = result.importances.mean(axis=1).sort_values(ascending=False)
    log_frame(result.importances.assign(mean=importance), "feature_importance.csv")
    log_figures(
        {
            "plots/feature_importance.png": plots.importance_bar(importance.dropna(), result.importance_unit),
            **threshold_figures(result.oof_labels(), result.oof_proba(), threshold, prior),
        }
    )
    if result.contributions is not None:
        spread = result.contributions.describe(percentiles=[0.05, 0.5, 0.95]).T
        summary = spread.assign(mean_abs=result.contributions.abs().mean()).sort_values("mean_abs", ascending=False)
        log_frame(summary, "contributions.csv")
        log_figures({"plots/contributions.png": plots.contribution_spread(result.contributions)})
    if save_models:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fold_pipelines.skops"
            persistence.dump(result.models, path)
            mlflow.log_artifact(str(path), artifact_path="models")


def log_predictions(oof: pd.DataFrame, test_ids, test_proba, threshold: float) -> None:
    """The out-of-fold and test predictions every run (single or ensemble) logs."""
    log_frame(oof, "predictions/oof.parquet")
    test = pd.DataFrame({schema.ID: test_ids, "proba": test_proba, schema.LABEL: test_proba >= threshold})
    log_frame(test, "predictions/test.parquet")


def threshold_figures(y, proba, threshold: float, prior: float) -> dict:
    """The PR curve, the validation rows' confusion matrix at the threshold for their own rate, and F1
    against the threshold at that rate and at the scored file's estimated rate `prior` (written: `threshold`)."""
    own, _ = plots.peak(y, proba)
    return {
        "plots/pr_curve.png": plots.pr_curve(y, proba),
        "plots/confusion_matrix.png": plots.confusion(y, proba, own),
        "plots/f1_vs_threshold.png": plots.f1_vs_threshold(y, proba, threshold, prior),
    }


def log_figures(figures: dict) -> None:
    for path, figure in figures.items():
        mlflow.log_figure(figure, path, save_kwargs={"bbox_inches": "tight"})  # nothing clipped
        plots.close(figure)
