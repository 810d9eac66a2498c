"""Print the shift diagnosis and decision `make submit` would make for a file: `python src/shift_report.py input=in.csv`."""

import hydra
from omegaconf import DictConfig

from leadconv.utils import choices, entry_point, task_wrapper


@entry_point("submit")  # a bad override or Ctrl-C: one line, no traceback
@hydra.main(version_base="1.3", config_path="../conf", config_name="submit")
@task_wrapper
def main(cfg: DictConfig) -> None:
    from leadconv.tasks.shift_report import shift_report  # here: --help and bad overrides answer at once

    shift_report(cfg, choices())


if __name__ == "__main__":
    main()
