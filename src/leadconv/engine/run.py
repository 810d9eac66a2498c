"""One run without side effects: build the components, fit the pipeline per fold, score, decide.

It reads no environment variable and logs nothing to MLflow: what a sweep wants from a run (its
per-fold score, to prune) comes in as the `report_fold` callback; logging is the caller's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig

from leadconv.components.cv import Fold
from leadconv.components.dataset import Dataset
from leadconv.components.models import check_params
from leadconv.engine.decision import Decision, decide
from leadconv.engine.metrics import OBJECTIVES, per_row, score_run
from leadconv.engine.training import CVResult, build_pipeline, cross_validate
from leadconv.errors import ConfigError

GROUPS = ("features", "sampler", "model", "cv", "threshold", "prior", "shift", "weighting")

# report_fold(folds_done, objective_on_those_folds): a sweep's per-fold hook (it may raise to stop the run)
FoldReport = Callable[[int, float], None]


@dataclass
class Components:
    features: object
    sampler: object
    model: object
    cv: object
    threshold: object
    prior: object
    shift: object = None  # None: no diagnosis (decisions as for pure label shift)
    weighting: object = None  # None: every training row weighs 1 (leadconv.components.weighting)

    @property
    def pipeline(self):
        return build_pipeline(self.features, self.sampler, self.model)


@dataclass
class RunOutcome:
    result: CVResult
    decision: Decision
    metrics: dict[str, float]


def build(cfg: DictConfig, group: str):
    """The component of config group `group`, its parameters checked: a bad value fails here, in one
    line naming the group, before any data is read or fit."""
    try:
        built = instantiate(cfg[group], _convert_="all")  # plain lists and dicts: picklable, skops-safe
        if group == "model":
            check_params(built)
        elif hasattr(built, "check_params"):
            built.check_params()
    except Exception as error:  # noqa: BLE001 - any construction error becomes one line naming the group
        cause = error.__cause__ or error
        raise ConfigError(
            f"cannot build {group} from its config: {cause}; fix the {group}.* override or conf/{group}/"
        ) from None
    return built


def build_components(cfg: DictConfig) -> Components:
    """Every component of a run (`build` for each group)."""
    built = {group: build(cfg, group) for group in GROUPS}
    if hasattr(built["sampler"], "check_features"):
        built["sampler"].check_features(built["features"])
    check_weighting(built["weighting"], built["sampler"], built["model"])
    if cfg.get("save_models", False) and not getattr(built["model"], "savable", True):
        raise ConfigError(
            f"model={type(built['model']).__name__} cannot be saved as a skops file (its network is not a "
            "trusted type); add save_models=false (its runs then cannot be stacked by make submit)"
        )
    objective = cfg.get("objective", "forecast_f1")
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective={objective} is not a run metric; use one of {', '.join(OBJECTIVES)}")
    return Components(**built)


def check_weighting(weighting, sampler, model) -> None:
    """Weights belong to the training rows as they are: no sampler may change them, and the model's fit
    must take them."""
    if getattr(weighting, "name", "none") == "none":
        return
    if sampler is not None:
        raise ConfigError(
            f"weighting={weighting.name} needs sampler=none: a sampler changes the rows the weights belong to"
        )
    if "sample_weight" not in inspect.signature(model.fit).parameters:
        raise ConfigError(
            f"weighting={weighting.name}: {type(model).__name__}.fit takes no sample_weight; "
            "use a tree model (lightgbm, xgboost, catboost, ...) or weighting=none"
        )


def fit_weights(parts: Components, train: pd.DataFrame, scored: pd.DataFrame):
    """Per training row, the weight its fold models fit it with (toward `scored`), or None."""
    return None if parts.weighting is None else parts.weighting.weights(train, scored)


def unlabeled_rows(parts: Components, scored: pd.DataFrame) -> pd.DataFrame | None:
    """The scored rows, for a transductive feature set to read without labels (a fit parameter: clones
    and saved pipelines stay free of them); None for the others."""
    return scored if getattr(parts.features, "transductive", False) else None


def run(
    parts: Components,
    dataset: Dataset,
    folds: list[Fold],
    objective: str = "forecast_f1",
    keep_models: bool = False,
    report_fold: FoldReport | None = None,
) -> RunOutcome:
    """Cross-validate `parts` on `dataset` over `folds`, decide the test file's threshold, score."""
    on_fold = None
    if report_fold is not None:

        def on_fold(step: int, oof: pd.DataFrame, test_proba) -> None:
            report_fold(step, objective_so_far(parts, objective, oof, test_proba))

    unlabeled = unlabeled_rows(parts, dataset.test)
    weights = fit_weights(parts, dataset.train, dataset.test)
    result = cross_validate(
        parts.pipeline, dataset.train, dataset.y, dataset.test, folds, keep_models, on_fold, unlabeled, weights
    )
    decision = decide(
        parts.threshold, parts.prior, result.oof, result.test_proba, True, parts.shift, dataset.train, dataset.test
    )
    cv_threshold = parts.threshold.validation_threshold(result.oof_labels(), result.oof_proba())
    metrics = score_run(result.oof, cv_threshold, decision) | {"fit_seconds": result.fit_seconds}
    return RunOutcome(result, decision, metrics)


def objective_so_far(parts: Components, objective: str, oof: pd.DataFrame, test_proba) -> float:
    """The run's objective on the folds done so far (what an Optuna trial reports for pruning): no shift
    diagnosis, which is per file, not per fold, and would cost a pruned trial more than its folds."""
    decision = decide(parts.threshold, parts.prior, oof, test_proba, bootstrap=False)
    cv_threshold = parts.threshold.validation_threshold(*per_row(oof).to_numpy().T)
    return score_run(oof, cv_threshold, decision)[objective]
