"""Run one cross-validated experiment: `python src/run.py model=catboost sampler=smote`."""

import hydra
from omegaconf import DictConfig

from leadconv.sweeps.hooks import job_hooks
from leadconv.utils import choices, entry_point, task_wrapper


@entry_point("config")  # a bad override or Ctrl-C: one line, no traceback
@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
@task_wrapper
def main(cfg: DictConfig) -> float:
    """Returns the run's `objective` (default forecast_f1) so that Hydra sweepers (Optuna) can optimise it."""
    from leadconv.tasks.run import run_experiment  # here: --help, --cfg and bad overrides skip MLflow and the models

    tags, report_fold = job_hooks()  # a sweep's job: its parent run, trial tags and pruning hook
    return run_experiment(cfg, choices(), tags=tags, report_fold=report_fold)[cfg.objective]


if __name__ == "__main__":
    main()
