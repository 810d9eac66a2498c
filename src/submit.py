"""Write submissions/submission.csv from the latest ensemble: `python src/submit.py input=in.csv output=out.csv`."""

import hydra
from omegaconf import DictConfig

from leadconv.utils import choices, entry_point, task_wrapper


@entry_point("submit")  # a bad override or Ctrl-C: one line, no traceback
@hydra.main(version_base="1.3", config_path="../conf", config_name="submit")
@task_wrapper
def main(cfg: DictConfig) -> None:
    from leadconv.tasks.submit import make_submission  # here: --help and bad overrides answer at once

    make_submission(cfg, choices())


if __name__ == "__main__":
    main()
