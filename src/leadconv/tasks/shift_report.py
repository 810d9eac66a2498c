"""What `make submit` would decide for a file, and why: the shift diagnosis, without writing anything.

make shift-report INPUT=path/to/leads.csv     # default: the competition's submission.csv
python src/shift_report.py input=path/to/leads.csv
"""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from leadconv.engine.decision import Decision
from leadconv.errors import ConfigError
from leadconv.tasks.submit import decide_for_file, ensemble_run, read_input, score
from leadconv.tracking.shift import shift_table

log = logging.getLogger(__name__)


def report_text(path: Path, decision: Decision) -> str:
    columns = decision.shift.columns
    unseen = (
        ""
        if columns.empty
        else (
            f"\nvalues unseen in train: {columns['unseen_raw'].mean():.1%} as written, "
            f"{columns['unseen_clean'].mean():.1%} after cleaning (mean over text columns)"
        )
    )
    return (
        f"{path}: {decision.shift.rows} rows | {decision.shift.summary()}"
        + (f"\nwarning: {decision.shift.warning}" if decision.shift.warning else "")
        + unseen
        + f"\n{shift_table(decision.shift)}\n{decision.summary()}"
    )


def shift_report(cfg: DictConfig, choices: dict[str, str]) -> Decision:
    input_value = OmegaConf.select(cfg, "input", throw_on_resolution_failure=False)
    if not input_value:
        raise ConfigError("no input file for this dataset; pass input=path/to/file.csv")
    path = Path(input_value)
    _, features = read_input(path)
    run = ensemble_run(cfg, choices)
    decision = decide_for_file(cfg, run, features, score(run, features))
    print(report_text(path, decision))
    log.info("shift report for %s by ensemble run %s", path, run.info.run_id)
    return decision
