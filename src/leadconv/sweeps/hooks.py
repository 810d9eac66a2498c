"""What a job of a sweep hands its run: tags placing it under the sweep, and a per-fold reporter.

The entry point (`src/run.py`) calls `job_hooks()` and passes both to the run explicitly; the run
itself never looks at the environment. Outside a sweep the tags are empty and there is no reporter.
"""

from __future__ import annotations

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from leadconv import settings


def job_tags(context: settings.SweepContext | None = None) -> dict[str, str]:
    """Tags that place a job's run under its sweep's parent run (empty outside a sweep)."""
    context = context or settings.sweep_context()
    tags = {}
    if context.parent_run_id:
        tags["mlflow.parentRunId"] = context.parent_run_id
    if context.sweep:
        tags["sweep"] = context.sweep
    if context.study:
        tags["optuna_study"] = context.study
    if context.trial:
        tags["optuna_trial"] = context.trial
    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        tags["sweep_job"] = str(HydraConfig.get().job.num)
    return tags


def job_hooks():
    """(tags, report_fold) for this job: report_fold is the Optuna trial's pruning hook, or None
    when the job is not a trial (Optuna then stays unimported)."""
    context = settings.sweep_context()
    report_fold = None
    if context.trial_id:
        from leadconv.sweeps.pruning import trial_reporter

        report_fold = trial_reporter(context)
    return job_tags(context), report_fold
