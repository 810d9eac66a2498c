"""Multiruns in MLflow: one parent run per sweep, every job a nested run under it.

The sweep's own process opens the parent run (the Hydra callback below for grids, the Optuna
sweeper for studies) and exports its id through `leadconv.settings`: environment variables reach the
jobs wherever the launcher runs them, in this process (basic launcher) or in joblib's worker
processes, which inherit the environment. A job reads them back in `leadconv.sweeps.hooks`.
"""

from __future__ import annotations

import atexit
import logging
import math
import sys
from pathlib import Path

from hydra.experimental.callback import Callback
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig

from leadconv import settings
from leadconv.errors import LeadConvError
from leadconv.sweeps.hooks import job_tags
from leadconv.tracking import log as tracking

log = logging.getLogger(__name__)

OPTUNA_SWEEPER = "hydra_plugins.leadconv_sweeper.optuna_sweeper.OptunaSweeper"


def connect(config: DictConfig) -> tuple[MlflowClient, str]:
    """The MLflow client and experiment id a sweep's jobs log to."""
    experiment_id = tracking.setup_from(config)
    return MlflowClient(), experiment_id


def child_runs(client: MlflowClient, experiment_id: str, parent_id: str, extra_filter: str = "") -> list:
    query = f"tags.`mlflow.parentRunId` = '{parent_id}'" + (f" and {extra_filter}" if extra_filter else "")
    return client.search_runs([experiment_id], filter_string=query, max_results=10000)


def summarise_children(
    client: MlflowClient, experiment_id: str, parent_id: str, objective: str = "forecast_f1"
) -> dict[str, float]:
    """Counts by status and the best objective among the sweep's finished runs, logged on the parent."""
    runs = child_runs(client, experiment_id, parent_id)
    finished = [r for r in runs if r.info.status == "FINISHED" and objective in r.data.metrics]
    summary = {
        "n_runs": len(runs),
        "n_finished": len(finished),
        "n_failed": sum(r.info.status == "FAILED" for r in runs),
    }
    if finished:
        best = max(finished, key=lambda r: r.data.metrics[objective])
        summary[f"best_{objective}"] = best.data.metrics[objective]
        client.set_tag(parent_id, "best_run_id", best.info.run_id)
        client.set_tag(parent_id, "best_run_name", best.info.run_name)
    for key, value in summary.items():
        client.log_metric(parent_id, key, value)
    return summary


def sweep_overrides(config: DictConfig) -> list[str]:
    """The command-line overrides plus the sweep a preset defines in `hydra.sweeper.params`."""
    params = config.hydra.sweeper.get("params") or {}
    return list(config.hydra.overrides.task) + [f"{key}={value}" for key, value in params.items()]


class SweepParentRun(Callback):
    """Hydra callback (conf/config.yaml `hydra.callbacks`): a multirun's jobs nest under one parent run.

    A job that fails before it could start its own run (a config error, say) still gets a FAILED
    run under the parent, so every combination of the sweep shows up in `mlflow ui`.
    """

    def __init__(self) -> None:
        self.parent_id: str | None = None
        self.client: MlflowClient | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        if config.hydra.sweeper.get("_target_") == OPTUNA_SWEEPER:
            return  # the Optuna sweeper opens one parent per study itself (it outlives a single multirun)
        try:
            self.client, experiment_id = connect(config)
        except LeadConvError as error:  # e.g. a tracking server that does not answer: no job could log
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(1)
        swept = [o for o in sweep_overrides(config) if "," in o or "(" in o or o.startswith("+experiment=")]
        name = " ".join(["sweep", *swept])
        run = self.client.create_run(
            experiment_id,
            run_name=name[:250],
            tags={
                **tracking.process_tags(),
                "sweep": name[:5000],
                "sweep_overrides": " ".join(sweep_overrides(config))[:5000],
                "sweep_dir": str(Path(config.hydra.sweep.dir).resolve()),
                "git_commit": tracking.git_commit(),
            },
        )
        self.parent_id = run.info.run_id
        settings.set_sweep(parent_run_id=self.parent_id, sweep=name[:5000])
        atexit.register(self._close, "KILLED")  # Ctrl-C skips on_multirun_end: never leave the parent RUNNING
        log.info("sweep parent MLflow run %s (%s)", self.parent_id, name)

    def on_job_end(self, config: DictConfig, job_return, **kwargs) -> None:
        parent_id = settings.sweep_context().parent_run_id
        if not parent_id or not job_failed(job_return):
            return
        client, experiment_id = connect(config)
        job = str(config.hydra.job.num)
        if child_runs(client, experiment_id, parent_id, f"tags.sweep_job = '{job}'"):
            return  # the job's own run is already marked FAILED (or KILLED when pruned)
        choices = {k: str(v) for k, v in config.hydra.runtime.choices.items() if not k.startswith("hydra")}
        job_log = Path(config.hydra.runtime.output_dir) / f"{config.hydra.job.name}.log"
        run = client.create_run(
            experiment_id,
            run_name=" ".join(config.hydra.overrides.task)[:250],
            tags={
                **{k: v for k, v in choices.items() if k in ("model", "sampler", "features", "cv", "threshold")},
                **job_tags(),
                "sweep_job": job,
                "error": f"the job failed before its run started; see {job_log}",
            },
        )
        client.set_terminated(run.info.run_id, "FAILED")

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if self.parent_id is None:
            return
        _, experiment_id = connect(config)
        parent_id = self.parent_id
        objective = config.get("objective", "forecast_f1")
        summary = summarise_children(self.client, experiment_id, parent_id, objective)
        self._close("FAILED" if summary["n_runs"] and not summary["n_finished"] else "FINISHED")
        best = f", best {objective} {summary[f'best_{objective}']:.4f}" if f"best_{objective}" in summary else ""
        log.info(
            "sweep: %d/%d runs finished%s | MLflow parent run %s",
            summary["n_finished"],
            summary["n_runs"],
            best,
            parent_id,
        )
        if summary["n_runs"] and not summary["n_finished"]:  # a sweep that produced nothing is a failure
            print(
                f"error: every job of the sweep failed ({summary['n_runs']} runs); see the jobs' logs under "
                f"{config.hydra.sweep.dir}",
                file=sys.stderr,
                flush=True,
            )
            sys.exit(1)

    def _close(self, status: str) -> None:
        if self.parent_id is not None and settings.sweep_context().parent_run_id == self.parent_id:
            self.client.set_terminated(self.parent_id, status)
            self.parent_id = None
            settings.set_sweep(parent_run_id=None, sweep=None)


def discard_unused_parent() -> None:
    """The sweep stops before any job ran (a combination that does not compose): delete its parent
    run, which would otherwise stay behind as an empty KILLED run."""
    parent_id = settings.sweep_context().parent_run_id
    if not parent_id:
        return
    client = MlflowClient()
    if not child_runs(client, client.get_run(parent_id).info.experiment_id, parent_id):
        client.delete_run(parent_id)
    settings.set_sweep(parent_run_id=None, sweep=None)


def job_failed(job_return) -> bool:
    """task_wrapper turns a failed job into NaN so that the sweep goes on; a raised error also counts."""
    if job_return.status.name == "FAILED":
        return True
    value = job_return.return_value
    return isinstance(value, float) and math.isnan(value)
