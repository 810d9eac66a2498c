"""Does reading train's "Sales Inquiry" as a blank help rank leads written the way the competition file
writes them, and what does it cost on train's own kind? (stronger_models.md, eighth round)

    python experiments/retired_inquiry_type.py [RUN] [--holdouts 3] [--mix-draws 4]   # default lightgbm_engineered_slow

The competition file has no "Sales Inquiry" (18 % of train's inquiry_type) and a blank inquiry_type in
25 % of rows (1.6 % in train, where a blank converts at 15 %, twice the base rate). In the AS business unit
train answers "Sales Inquiry" in 40 % of rows and the file leaves 34 % blank: the form seems to have
dropped the option, and the file's blank is not train's blank. A run fit as it is reads the file's blanks
as train's rare, well-converting blanks.

Fits RUN on each customer hold-out twice: as it is, and with train's "Sales Inquiry" read as a blank (the
fit rows and every scored row). Judges both on the rate-only draws (25 %), on files drawn toward the
competition file's mix as written (train's spellings), and on the same drawn files written as the
competition file writes them ("Sales Inquiry" left blank), each decided as `make submit` decides.
"""

import argparse
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import roc_auc_score

from leadconv import PROJECT_ROOT
from leadconv.components.spelling import normalise_text
from leadconv.tasks.candidates import CANDIDATES, fitted_runs, judge, read_candidates
from leadconv.tasks.label_shift import fit_member
from leadconv.tasks.shifted_judge import judge_shifted, kinds_table, render_kinds, shifted_draws

RETIRED = "sales inquiry"


def as_the_file_writes(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with "Sales Inquiry" (any spelling) left blank, as the competition file leaves it."""
    retired = normalise_text(rows["inquiry_type"]) == RETIRED
    return rows.assign(inquiry_type=rows["inquiry_type"].mask(retired.fillna(False)))


def fit_both(overrides, train, y, held):
    """(oof, held as written, held as the file writes it) for the run as it is and for it fit on train
    with "Sales Inquiry" blank (which reads every scored row that way too)."""
    scored = pd.concat([held, as_the_file_writes(held)], ignore_index=True)
    oof, proba = fit_member(overrides, train, y, scored)
    retired_oof, retired_proba = fit_member(overrides, as_the_file_writes(train), y, as_the_file_writes(held))
    n = len(held)
    return {
        "as it is": (oof, proba[:n], proba[n:]),
        "Sales Inquiry read as blank": (retired_oof, retired_proba, retired_proba),
    }


def main(run: str, holdouts: int, mix_draws: int, n_jobs: int, out: Path) -> None:
    runs, _ = read_candidates(CANDIDATES)
    cfg, dataset, splits, _ = fitted_runs([], runs, [], holdouts, n_jobs, None)  # the hold-outs, as the candidates'
    parts = [
        (
            dataset.train.iloc[kept].reset_index(drop=True),
            dataset.y[kept],
            dataset.train.iloc[held].reset_index(drop=True),
        )
        for kept, held in splits
    ]
    fitted = Parallel(n_jobs=n_jobs)(delayed(fit_both)(runs[run], *part) for part in parts)
    results = []
    for offset, ((train, _, held_rows), variants) in enumerate(zip(parts, fitted)):
        held_y = dataset.y[splits[offset][1]]
        drawn = shifted_draws(train, held_rows, held_y, dataset.test, mix_draws, cfg.seed + offset)
        written = as_the_file_writes(held_rows)
        reports, reports_written = {}, {}
        for variant, (oof, proba, proba_written) in variants.items():
            judged = [judge(oof, held_y, proba, 20, cfg.seed + offset)]
            judged.append(judge_shifted(oof, train, held_rows, held_y, proba, drawn, reports))
            as_file = judge_shifted(oof, train, written, held_y, proba_written, drawn, reports_written)
            judged.append(as_file.assign(kind=as_file["kind"] + " as the file writes"))
            results += [frame.assign(candidate=variant, holdout=offset) for frame in judged]
            print(f"hold-out {offset} {variant}: AUC {roc_auc_score(held_y, proba):.4f}", flush=True)
    draws = pd.concat(results, ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    draws.to_csv(out, index=False)  # every draw, to re-read
    names, kinds = list(dict.fromkeys(draws["candidate"])), list(dict.fromkeys(draws["kind"]))
    print(f"\n{run}, {holdouts} hold-outs\n")
    print(render_kinds(kinds_table(draws, names, kinds)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", nargs="?", default="lightgbm_engineered_slow")
    parser.add_argument("--holdouts", type=int, default=3)
    parser.add_argument("--mix-draws", type=int, default=4)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "outputs" / "retired_inquiry_type.csv")
    args = parser.parse_args()
    main(args.run, args.holdouts, args.mix_draws, args.n_jobs, args.output)
