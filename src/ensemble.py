"""Stack the best finished runs into one ensemble run: `python src/ensemble.py stacker=rank_mean`."""

import hydra
from omegaconf import DictConfig

from leadconv.utils import choices, entry_point, task_wrapper


@entry_point("ensemble")  # a bad override or Ctrl-C: one line, no traceback
@hydra.main(version_base="1.3", config_path="../conf", config_name="ensemble")
@task_wrapper
def main(cfg: DictConfig) -> float:
    from leadconv.tasks.ensemble import build_ensemble  # here: --help and bad overrides answer at once

    return build_ensemble(cfg, choices())["cv_f1"]


if __name__ == "__main__":
    main()
