"""Inside an Optuna trial's job: report the objective after every fold, stop when the pruner says so."""

from __future__ import annotations

import logging

import mlflow
import optuna
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate

from leadconv import settings
from leadconv.sweeps.storage import open_storage

log = logging.getLogger(__name__)


def trial_reporter(context: settings.SweepContext):
    """`report_fold(step, value)` for the trial `context` names (its study, storage and trial id)."""
    pruner = instantiate(HydraConfig.get().sweeper.pruner) if HydraConfig.initialized() else None
    storage = open_storage(context.storage)
    study = optuna.load_study(study_name=context.study, storage=storage, pruner=pruner)
    trial_id, number = int(context.trial_id), context.trial

    def report(step: int, value: float) -> None:
        # what Trial.report and Trial.should_prune do, through the public storage and pruner APIs
        storage.set_trial_intermediate_value(trial_id, step, float(value))
        mlflow.log_metric("objective_so_far", value, step=step)
        if study.pruner.prune(study, storage.get_trial(trial_id)):
            mlflow.set_tag("trial_state", "PRUNED")
            log.info("trial %s pruned after fold %d: objective so far %.4f", number, step, value)
            raise optuna.TrialPruned(f"trial {number} pruned after fold {step} (objective so far {value:.4f})")

    return report
