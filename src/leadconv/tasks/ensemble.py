"""Stacking ensemble: pick the best finished runs, stack their out-of-fold predictions, log one run.

The stacker is cross-validated on the base runs' own folds (the `fold` column of their
out-of-fold files): for each fold it is fit on the other folds' rows and predicts this fold's
rows. The ensemble's out-of-fold file therefore has the same rows, repeats and folds as its
base runs, and its CV F1 is computed exactly as theirs (`score_run`), so the two compare.
"""

from __future__ import annotations

import inspect
import json
import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
from hydra.utils import instantiate
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from omegaconf import DictConfig, OmegaConf
from sklearn.base import clone

from leadconv import schema
from leadconv.components.dataset import Dataset
from leadconv.components.weighting import NoWeighting
from leadconv.engine.decision import decide
from leadconv.engine.metrics import OBJECTIVES, per_row, score_run
from leadconv.engine.run import build
from leadconv.errors import ConfigError, DataError
from leadconv.tracking import environment, persistence, plots
from leadconv.tracking import log as tracking
from leadconv.tracking import store as store
from leadconv.tracking.artifacts import log_figures, log_predictions, threshold_figures
from leadconv.tracking.shift import log_shift

log = logging.getLogger(__name__)


@dataclass
class BasePredictions:
    oof: pd.DataFrame  # index: training row; one column of probabilities per base run (mean over repeats)
    y: pd.Series  # index: training row
    folds: pd.DataFrame  # row, repeat, fold: the base runs' validation folds (rows every run predicted)
    test: pd.DataFrame  # index: test id; one column per base run


def base_run_filters(select: DictConfig) -> list[str]:
    filters = ["attributes.status = 'FINISHED'"]
    if select.dataset:
        filters.append(store.tag_filter("dataset", select.dataset))
    filters += [store.tag_filter(key, value) for key, value in (select.tags or {}).items()]
    filters += [store.tag_filter(key, select[key]) for key in ("folds_digest", "dataset_digest") if select[key]]
    if select.require_models:
        filters.append("params.save_models = 'True'")
    return filters


def candidate_runs(experiment: str, select: DictConfig) -> list[Run]:
    """Finished single runs that pass the filters, best first by `select.metric`."""
    found = [
        run
        for run in store.search(experiment, base_run_filters(select))
        if not store.is_ensemble(run)
        and "folds_digest" in run.data.tags
        and math.isfinite(run.data.metrics.get(select.metric, math.nan))
        and (not select.models or run.data.tags.get("model") in select.models)
    ]
    return sorted(found, key=lambda run: -run.data.metrics[select.metric])


def validation_key(run: Run) -> tuple[str | None, str]:
    return run.data.tags.get("dataset_digest"), run.data.tags["folds_digest"]


def select_base_runs(experiment: str, select: DictConfig) -> list[Run]:
    """The top `top_k` candidates validated like the best one (stacking needs the same data and
    folds), at most `max_per_model` of each model family."""
    chosen, per_model, skipped = [], {}, []
    for run in candidate_runs(experiment, select):
        if chosen and validation_key(run) != validation_key(chosen[0]):
            skipped.append(run)
            continue
        model = run.data.tags.get("model", "")
        if per_model.get(model, 0) < select.max_per_model:
            chosen.append(run)
            per_model[model] = per_model.get(model, 0) + 1
        if len(chosen) == select.top_k:
            break
    if not chosen:
        models = ", with logged fold pipelines" if select.require_models else ""
        raise DataError(
            f"no finished runs to stack in experiment {experiment!r} of {mlflow.get_tracking_uri()} "
            f"(dataset {select.dataset}{models}, other select.* filters); run some first, e.g. "
            "`python src/run.py -m +experiment=default_suite`, or loosen the select.* filters"
        )
    if skipped:
        data, folds = validation_key(skipped[0])
        log.warning(
            "left out %d run(s) validated on other data or folds than the best run %s, e.g. %s; "
            "to stack those instead: select.folds_digest=%s select.dataset_digest=%s",
            len(skipped),
            chosen[0].info.run_id,
            skipped[0].info.run_id,
            folds,
            data,
        )
    return chosen


def align_oof(oofs: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """One column per run over the rows every run predicted (a grouped CV may leave rows out)."""
    rows = {run_id: per_row(oof) for run_id, oof in oofs.items()}
    common = sorted(set.intersection(*(set(frame.index) for frame in rows.values())))
    if not common:
        raise DataError(f"runs {', '.join(oofs)} have no out-of-fold row in common; stack runs on the same data")
    first_id, first = next(iter(rows.items()))
    y = first.loc[common, "y_true"]
    for run_id, frame in rows.items():
        if not frame.loc[common, "y_true"].equals(y):
            raise DataError(
                f"runs {first_id} and {run_id} disagree on the labels of the same rows; stack runs on the same data"
            )
    X = pd.DataFrame({run_id: frame.loc[common, "proba"] for run_id, frame in rows.items()})
    folds = oofs[first_id].loc[lambda f: f["row"].isin(common), ["row", "repeat", "fold"]].reset_index(drop=True)
    return X, y, folds


def align_test(tests: dict[str, pd.DataFrame]) -> pd.DataFrame:
    first_id, first = next(iter(tests.items()))
    for run_id, test in tests.items():
        if set(test[schema.ID]) != set(first[schema.ID]):
            raise DataError(f"runs {first_id} and {run_id} predicted different test files; stack runs on the same data")
    return pd.DataFrame(
        {run_id: test.set_index(schema.ID).loc[first[schema.ID], "proba"] for run_id, test in tests.items()}
    )


def load_predictions(runs: list[Run]) -> BasePredictions:
    ids = [run.info.run_id for run in runs]
    X, y, folds = align_oof({run_id: store.read_frame(run_id, "predictions/oof.parquet") for run_id in ids})
    test = align_test({run_id: store.read_frame(run_id, "predictions/test.parquet") for run_id in ids})
    return BasePredictions(X, y, folds, test)


def check_environments(runs: list[Run]) -> str | None:
    """A warning naming the packages whose versions differ between the base runs, if any do."""
    found = {}
    for run in runs:
        try:
            found[run.info.run_id] = json.loads(store.artifact(run.info.run_id, environment.ARTIFACT).read_text())
        except DataError:
            found[run.info.run_id] = {}  # logged before versions were recorded: every package "unknown"
    differing = environment.differences(found)
    if not differing:
        return None
    message = (
        f"the base runs come from different environments ({environment.describe_differences(differing)}); "
        "their numbers may differ for that reason alone: rerun them in one environment (make install)"
    )
    log.warning(message)
    return message


def weighted(weights, rows) -> dict:
    """The fit's sample_weight for `rows`, when there are weights (stackers that learn nothing take none)."""
    return {} if weights is None else {"sample_weight": weights.loc[rows].to_numpy()}


def stack_out_of_fold(stacker, X: pd.DataFrame, y: pd.Series, folds: pd.DataFrame, weights=None) -> pd.DataFrame:
    """The stacker cross-validated on the base runs' folds: same layout as a run's oof file. `weights`: per
    row of X (a Series on its index), what each counts in the stacker's fit."""
    parts = []
    for (repeat, fold), valid in folds.groupby(["repeat", "fold"])["row"]:
        train = X.index.difference(valid)
        fitted = clone(stacker).fit(X.loc[train], y.loc[train], **weighted(weights, train))
        parts.append(
            pd.DataFrame(
                {
                    "row": valid.to_numpy(),
                    "repeat": repeat,
                    "fold": fold,
                    "y_true": y.loc[valid].to_numpy(),
                    "proba": fitted.predict_proba(X.loc[valid])[:, 1],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def stack(stacker, X: pd.DataFrame, y: pd.Series, folds: pd.DataFrame, test: pd.DataFrame, weights=None):
    """(out-of-fold frame, stacker fit on every row, its probability on `test`): what an ensemble,
    `leadconv.tasks.label_shift` and `leadconv.tasks.candidates` all need from base predictions.
    `weights`: as stack_out_of_fold's."""
    oof = stack_out_of_fold(stacker, X, y, folds, weights)
    final = clone(stacker).fit(X, y, **weighted(weights, X.index))
    return oof, final, final.predict_proba(test[X.columns])[:, 1]


def base_table(runs: list[Run], weights: pd.Series) -> pd.DataFrame:
    rows = {
        run.info.run_id: {
            "run_name": run.info.run_name,
            **{k: run.data.tags.get(k, "") for k in ("model", "sampler", "features", "cv")},
            "cv_f1": run.data.metrics.get("cv_f1"),
            "forecast_f1": run.data.metrics.get("forecast_f1"),
            "weight": weights[run.info.run_id],
        }
        for run in runs
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("run_id")


def ensemble_tags(runs: list[Run], choices: dict[str, str]) -> dict[str, str]:
    first = runs[0].data.tags
    joined = {key: "+".join(sorted({run.data.tags.get(key, "") for run in runs})) for key in ("sampler", "features")}
    return {
        "run_type": store.ENSEMBLE,
        "model": store.ENSEMBLE,
        "stacker": choices.get("stacker", ""),
        "threshold": choices.get("threshold", ""),
        "prior": choices.get("prior", ""),
        "weighting": choices.get("weighting", ""),
        "shift": choices.get("shift", ""),
        "cv": first.get("cv", ""),
        **joined,
        **{key: first.get(key, "") for key in ("dataset", "dataset_digest", "folds_digest")},
        "base_run_ids": ",".join(run.info.run_id for run in runs),
        "git_commit": tracking.git_commit(),
    }


def training_data(runs: list[Run]) -> Dataset | None:
    """The base runs' data as they read it (the first run's logged `dataset` config, its digest checked):
    the training rows their out-of-fold `row` numbers point to, and their test file. None, with a
    warning, when it cannot be read back as it was; the decision then skips the shift diagnosis."""
    run = runs[0]
    try:
        config = OmegaConf.create(store.artifact(run.info.run_id, "config.yaml").read_text())
        data = instantiate(config.dataset).load() if "dataset" in config else None
    except (OSError, DataError, MlflowException) as error:
        data, reason = None, str(error)
    else:
        reason = "its config names no dataset"
    if data is not None and data.digest != run.data.tags.get("dataset_digest"):
        data, reason = None, f"the data at its dataset config's path changed (digest {data.digest})"
    if data is None:
        log.warning(
            "shift not diagnosed: cannot read back base run %s's training data (%s); deciding as if only the rate changed",
            run.info.run_id,
            reason,
        )
    return data


def stacking_weights(weighting, data: Dataset | None, rows: pd.Index) -> pd.Series | None:
    """Per out-of-fold row, what it counts in the stacker's fit: `weighting=`'s weights of the training rows
    toward the base runs' test file (features only), or None."""
    if weighting.name == "none":
        return None
    if data is None:
        log.warning("weighting=%s skipped: the base runs' training data cannot be read back", weighting.name)
        return None
    weights = weighting.weights(data.train, data.test)
    return None if weights is None else pd.Series(weights, index=range(len(data.train))).loc[rows]


def build_ensemble(cfg: DictConfig, choices: dict[str, str]) -> dict:
    """Select, stack, decide for the test file's prior, score and log; returns the metrics and the run id."""
    groups = ("stacker", "threshold", "prior", "shift", "weighting")
    stacker, rule, prior, shift, weighting = (build(cfg, group) for group in groups)
    if weighting.name != "none" and "sample_weight" not in inspect.signature(stacker.fit).parameters:
        log.warning(
            "weighting=%s has no effect: %s learns nothing from its rows", weighting.name, type(stacker).__name__
        )
        weighting = NoWeighting()
    if cfg.select.metric not in OBJECTIVES:
        raise ConfigError(f"select.metric={cfg.select.metric} is not a run metric; use one of {', '.join(OBJECTIVES)}")
    tracking.setup_from(cfg)
    runs = select_base_runs(cfg.tracking.experiment, cfg.select)
    mixed = check_environments(runs)
    base = load_predictions(runs)
    data = training_data(runs)
    weights = stacking_weights(weighting, data, base.oof.index)
    oof, final, test_proba = stack(stacker, base.oof, base.y, base.folds, base.test, weights)
    stacked = per_row(oof)["proba"].loc[base.y.index]
    decision = decide(rule, prior, oof, test_proba, True, shift, *((data.train, data.test) if data else (None, None)))
    metrics = score_run(oof, rule.validation_threshold(base.y.to_numpy(), stacked.to_numpy()), decision)
    metrics |= {"n_base_runs": len(runs), "n_oof_rows": len(base.y)}
    for name in ("cv_f1", "forecast_f1"):
        best_base = max(run.data.metrics.get(name, -math.inf) for run in runs)
        metrics |= {f"best_base_{name}": best_base, f"{name}_gain": metrics[name] - best_base}
    weights = final.weights()
    tags = ensemble_tags(runs, choices)
    with tracking.tracked_run(cfg.get("run_name") or f"ensemble-{tags['stacker'] or 'stack'}", tags) as run:
        tracking.log_config(cfg)
        mlflow.log_params({"base_run_ids": tags["base_run_ids"], "threshold_rule": rule.name})
        mlflow.set_tags(decision.tags() | ({"mixed_environment": mixed[:5000]} if mixed else {}))
        environment.log_environment()
        mlflow.log_metrics(metrics | {f"stacker_weight.{run_id}": float(w) for run_id, w in weights.items()})
        if hasattr(final, "intercept_"):
            mlflow.log_metric("stacker_intercept", final.intercept_)
        log_predictions(oof, base.test.index, test_proba, decision.threshold)
        tracking.log_frame(base.oof.assign(y_true=base.y).reset_index(names="row"), "predictions/base_oof.parquet")
        tracking.log_frame(base_table(runs, weights), "stacker_weights.csv")
        figures = threshold_figures(base.y.to_numpy(), stacked.to_numpy(), decision.threshold, decision.prior.value)
        log_figures(figures | {"plots/calibration.png": plots.calibration(base.y.to_numpy(), stacked.to_numpy())})
        log_shift(decision.shift)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "stacker.skops"
            persistence.dump(final, path)
            mlflow.log_artifact(str(path), artifact_path="models")
    log.info(
        "Ensemble CV F1 %.4f ± %.4f (%+.4f vs the best base run) | %s | %d base runs | MLflow run %s",
        metrics["cv_f1"],
        metrics["cv_f1_std"],
        metrics["cv_f1_gain"],
        decision.summary(),
        len(runs),
        run.info.run_id,
    )
    return metrics | {"run_id": run.info.run_id}
