"""The top finished runs (single and ensemble) as a terminal table, a Markdown page and a figure."""

from __future__ import annotations

import io
import logging
import math
import os
from datetime import UTC, datetime
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.entities import Run
from omegaconf import DictConfig

from leadconv.errors import DataError
from leadconv.tracking import log as tracking
from leadconv.tracking import plots
from leadconv.tracking import store as store
from leadconv.utils import write_atomically

log = logging.getLogger(__name__)

COLUMNS = {
    "model": "model",
    "features": "features",
    "sampler": "sampler",
    "cv": "cv",
    "cv_f1_text": "CV F1",
    "forecast_f1_text": "forecast F1",
    "test_prior_text": "test prior",
    "threshold_text": "threshold",
    "run_id": "run id",
}


def run_row(run: Run, metric: str) -> dict:
    tags, metrics = run.data.tags, run.data.metrics
    ensemble = store.is_ensemble(run)
    return {
        "model": f"ensemble ({tags.get('stacker', '')})" if ensemble else tags.get("model", ""),
        "features": tags.get("features", ""),
        "sampler": "stack" if ensemble else tags.get("sampler", ""),  # an ensemble's samplers are its base runs'
        "cv": tags.get("cv", ""),
        "metric": metrics[metric],
        "cv_f1": metrics.get("cv_f1", math.nan),
        "cv_f1_std": metrics.get("cv_f1_std", math.nan),
        "forecast_f1": metrics.get("forecast_f1", math.nan),
        "forecast_f1_std": metrics.get("forecast_f1_std", math.nan),
        "test_prior": metrics.get("test_prior_estimate", math.nan),
        "threshold": metrics.get("threshold", math.nan),
        "run_id": run.info.run_id,
    }


def finished_runs(experiment: str, dataset: str | None, metric: str) -> pd.DataFrame:
    """One row per finished run that scored `metric`, best first (sweep parent runs have no folds)."""
    filters = ["attributes.status = 'FINISHED'"] + ([store.tag_filter("dataset", dataset)] if dataset else [])
    rows = [
        run_row(run, metric)
        for run in store.search(experiment, filters)
        if "folds_digest" in run.data.tags and math.isfinite(run.data.metrics.get(metric, math.nan))
    ]
    if not rows:
        raise DataError(
            f"no finished runs with {metric} in experiment {experiment!r} (dataset {dataset}) of "
            f"{mlflow.get_tracking_uri()}; run some first, e.g. `python src/run.py`"
        )
    frame = pd.DataFrame(rows).sort_values("metric", ascending=False, kind="stable").reset_index(drop=True)
    frame.index = frame.index + 1

    def with_std(name):
        return frame[name].map("{:.4f}".format) + " ± " + frame[f"{name}_std"].map("{:.4f}".format)

    return frame.assign(
        cv_f1_text=with_std("cv_f1"),
        forecast_f1_text=with_std("forecast_f1"),
        test_prior_text=frame["test_prior"].map("{:.3f}".format),
        threshold_text=frame["threshold"].map("{:.4f}".format),
    )


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| rank | " + " | ".join(COLUMNS.values()) + " |", "|" + " --- |" * (len(COLUMNS) + 1)]
    lines += [f"| {rank} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for rank, row in frame.iterrows()]
    return "\n".join(lines)


def markdown_page(top: pd.DataFrame, n_runs: int, cfg: DictConfig, figure_name: str) -> str:
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# Leaderboard\n\n"
        f"The top {len(top)} of {n_runs} finished runs of experiment `{cfg.tracking.experiment}` "
        f"(dataset `{cfg.select.dataset}`) by `{cfg.select.metric}`. CV F1 is the mean ± std over validation folds of F1 "
        "at train's prior; forecast F1 is the F1 the test file's own scores are expected to reach at its estimated prior "
        "(test prior) and the threshold written for it (± over folds). Ensembles (`make ensemble`) are scored on the same folds as their base runs. "
        f"Generated {created} at commit {tracking.git_commit()[:10]} by `make leaderboard`.\n\n"
        f"{markdown_table(top)}\n\n"
        f"![CV F1 by model and sampler]({figure_name})\n\n"
        "Left: the best CV F1 of each model and sampler pair (ensembles show as sampler `stack`). Right: every "
        "run's CV F1 with its standard deviation over folds, by model.\n"
    )


def figure_png(runs: pd.DataFrame) -> bytes:
    figure = plots.cv_f1_by_model_and_sampler(runs)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plots.close(figure)
    return buffer.getvalue()


def write_leaderboard(cfg: DictConfig) -> pd.DataFrame:
    """Print the table and write the Markdown page and its figure; returns the top rows."""
    tracking.setup_from(cfg)
    runs = finished_runs(cfg.tracking.experiment, cfg.select.dataset, cfg.select.metric)
    top = runs.head(cfg.top)
    print(top[list(COLUMNS)].rename(columns=COLUMNS).to_string(), flush=True)
    markdown, figure = Path(cfg.markdown), Path(cfg.figure)
    page = markdown_page(top, len(runs), cfg, os.path.relpath(figure, markdown.parent))
    write_atomically({markdown: page, figure: figure_png(runs)})
    log.info("wrote %s and %s", markdown, figure)
    return top
