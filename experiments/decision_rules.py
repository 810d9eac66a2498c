"""Which decision turns a candidate's held-out probabilities into the best F1? (stronger_models.md, third round)

    python experiments/decision_rules.py [CANDIDATE]     # default strong_mix; fits what outputs/candidates-cache
                                                         # lacks, as python -m leadconv.candidates does

On the same 3 customer hold-outs x 20 draws at a 25 % prior as `make stronger-models` (its own
draws: leadconv.tasks.candidates.judge), compares:
- prior_shift at the em estimate (what the project does),
- prior_shift told the true prior,
- the plug-in expected-F1 rule: posteriors calibrated on the out-of-fold rows (isotonic), moved to
  the em prior (Saerens), and the top k rows predicted with k maximising 2 sum(top k) / (k + sum),
- predicting the top em-prior share of rows,
- the best threshold in hindsight (chosen on the draw's own labels: an optimistic bound).
"""

import sys

import numpy as np

from leadconv import PROJECT_ROOT
from leadconv.components.priors import isotonic_calibrator, shift_posteriors
from leadconv.tasks.candidates import CANDIDATES, evaluate, read_candidates

HOLDOUTS, DRAWS = 3, 20


def expected_f1(y_oof, p_oof, proba, prior):
    calibrated, source = isotonic_calibrator(y_oof, p_oof, proba)(slice(None), slice(None))
    moved = shift_posteriors(calibrated, source, prior)
    ranked = np.sort(moved)[::-1]
    k = np.argmax(2 * np.cumsum(ranked) / (np.arange(1, len(ranked) + 1) + ranked.sum()))
    return moved >= ranked[k]


def top_share(y_oof, p_oof, proba, prior):
    return proba >= np.quantile(proba, 1 - prior)


RULES = {"expected_f1": expected_f1, "top_share": top_share}
COLUMNS = {
    "f1": "prior_shift at the em prior (the project)",
    "f1_at_true_prior": "prior_shift at the true prior",
    "f1_expected_f1": "expected-F1 plug-in at the em prior",
    "f1_top_share": "top em-prior share of rows",
    "best_f1_in_hindsight": "best threshold in hindsight",
}


def main(name: str) -> None:
    runs, ensembles = read_candidates(CANDIDATES)
    cache = PROJECT_ROOT / "outputs" / "candidates-cache"
    draws = evaluate([name], runs, ensembles, [], HOLDOUTS, DRAWS, 2, cache, RULES)
    table = draws.groupby("holdout")[list(COLUMNS)].mean()
    print(f"{name}: F1 at a 25% prior, {HOLDOUTS} hold-outs x {DRAWS} draws\n")
    print("| decision | mean | per hold-out |\n| --- | --- | --- |")
    for column, rule in COLUMNS.items():
        print(f"| {rule} | {table[column].mean():.4f} | {' / '.join(f'{v:.4f}' for v in table[column])} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "strong_mix")
