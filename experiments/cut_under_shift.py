"""Is the project's cut systematically too low or too high on a file of another mix of leads?
(shift_decisions.md, "Where the cut falls")

    python experiments/cut_under_shift.py [CANDIDATE] [--holdouts 3] [--draws 4]   # fits from the candidates cache

Per kind and file (drawn as make shift-decisions draws them), the project decides as make submit does (em +
shift, prior_shift). Then F1 is read with the cut moved so that a multiple (0.7 ... 1.3) of the decided
share of the file is predicted converted, and at the best cut in hindsight. If one multiple beat 1.0 on every
kind the diagnosis flags (the rate-only files are never flagged, so they would keep today's cut), the rule
could move; if the best multiple differs by kind, the cut's error is the file's own leads, not a bias.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from drawn_file_leads import arguments, drawn_files, print_by_kind
from sklearn.metrics import f1_score

from leadconv.components.priors import EM
from leadconv.components.thresholds import PriorShift, best_f1_threshold
from leadconv.engine.decision import decide
from leadconv.tasks.label_shift import CHECK
from leadconv.tasks.shifted_judge import Diagnosed, diagnose_draw

MULTIPLES = (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3)


def f1_of_top(y: np.ndarray, proba: np.ndarray, share: float) -> float:
    """F1 when the `share` of the file scored highest is predicted converted (ties kept together)."""
    kept = max(round(share * len(proba)), 1)
    cut = np.sort(proba)[::-1][min(kept, len(proba)) - 1]
    return f1_score(y, proba >= cut)


def judge_file(oof, train, rows, labelled, y, proba, scored) -> dict:
    report = diagnose_draw(rows, labelled, proba, scored)
    decision = decide(PriorShift(), EM(**CHECK), oof, proba, True, Diagnosed(report), train, scored)
    share = float((proba >= decision.threshold).mean())
    best = best_f1_threshold(y, proba)
    return {
        "true_prior": y.mean(),
        "prior_estimate": decision.prior.value,
        "share predicted": share,
        "best share in hindsight": float((proba >= best).mean()),
        "best F1 in hindsight": f1_score(y, proba >= best),
        **{f"F1 at {m:g} x the share": f1_of_top(y, proba, m * share) for m in MULTIPLES},
        "shifted": report.shifted,
    }


def main(candidate: str, holdouts: int, draws: int, cache: Path) -> None:
    out = []
    for offset, kind, subsets, h in drawn_files(candidate, holdouts, draws, cache):
        for draw, subset in enumerate(subsets):
            scored = h["held_rows"].iloc[subset].reset_index(drop=True)
            args = (h["oof"], h["train"], h["rows"], h["labelled"], h["held_y"][subset], h["proba"][subset], scored)
            out.append(judge_file(*args) | {"kind": kind, "holdout": offset, "draw": draw})
    frame = pd.DataFrame(out)
    frame.to_csv(cache / f"cut_under_shift-{candidate}.csv", index=False)  # every draw, to re-read
    print_by_kind(frame, candidate, holdouts, draws)


if __name__ == "__main__":
    args = arguments(__doc__)
    main(args.candidate, args.holdouts, args.draws, args.cache)
