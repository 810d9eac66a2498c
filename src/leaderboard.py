"""The top runs in the terminal and in reports/leaderboard.md (git-ignored): `python src/leaderboard.py top=10`."""

import hydra
from omegaconf import DictConfig

from leadconv.tracking.leaderboard import write_leaderboard
from leadconv.utils import entry_point, task_wrapper


@entry_point("leaderboard")  # a bad override or Ctrl-C: one line, no traceback
@hydra.main(version_base="1.3", config_path="../conf", config_name="leaderboard")
@task_wrapper
def main(cfg: DictConfig) -> None:
    write_leaderboard(cfg)


if __name__ == "__main__":
    main()
