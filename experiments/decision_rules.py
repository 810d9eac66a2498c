"""Which decision turns a candidate's held-out probabilities into the best F1? (stronger_models.md, third round)

    python experiments/decision_rules.py [CANDIDATE]     # default strong_mix; needs its fits in outputs/candidates-cache
                                                         # (make stronger-models, or python -m leadconv.candidates)

On the same 3 customer hold-outs x 20 draws at a 25 % prior as `make stronger-models`, compares:
- prior_shift at the em estimate (what the project does),
- prior_shift told the true prior,
- the plug-in expected-F1 rule: posteriors calibrated on the out-of-fold rows (isotonic), moved to
  the em prior (Saerens), and the top k rows predicted with k maximising 2 sum(top k) / (k + sum),
- predicting the top em-prior share of rows,
- the best threshold in hindsight (chosen on the draw's own labels: an optimistic bound).
"""

import sys

import numpy as np
import pandas as pd
from hydra.utils import instantiate
from scipy.optimize import isotonic_regression
from sklearn.metrics import f1_score

from leadconv import PROJECT_ROOT
from leadconv.components.priors import EM
from leadconv.components.thresholds import PriorShift, best_f1_threshold
from leadconv.engine.metrics import per_row
from leadconv.tasks.candidates import CANDIDATES, read_candidates, run_key, stack_members
from leadconv.tasks.holdout import LARGE_CUSTOMER_SHARE, customer_holdout
from leadconv.tasks.label_shift import CHECK, cached, compose_job, resample

PRIOR, DRAWS, HOLDOUTS = 0.25, 20, 3


def not_cached():
    raise SystemExit("error: fit the candidate first: python -m leadconv.candidates --only NAME")


def expected_f1_mask(y_oof, p_oof, proba, prior):
    order = np.argsort(p_oof)
    calibrated = np.clip(isotonic_regression(y_oof[order].astype(float)).x, 1e-4, 1 - 1e-4)
    posterior = np.interp(proba, p_oof[order], calibrated)
    source = y_oof.mean()
    up, down = posterior * prior / source, (1 - posterior) * (1 - prior) / (1 - source)
    moved = np.sort(up / (up + down))[::-1]
    k = np.argmax(2 * np.cumsum(moved) / (np.arange(1, len(moved) + 1) + moved.sum()))
    return up / (up + down) >= moved[k]


def main(name: str) -> None:
    runs, ensembles = read_candidates(CANDIDATES)
    cfg = compose_job([])
    dataset = instantiate(cfg.dataset).load()
    cache, rows = PROJECT_ROOT / "outputs" / "candidates-cache", []
    for offset in range(HOLDOUTS):
        _, held = customer_holdout(dataset.groups, 0.2, LARGE_CUSTOMER_SHARE, cfg.seed + offset)
        members = ensembles[name]["members"] if name in ensembles else [name]
        fits = {m: cached(cache, run_key(m, runs[m], offset), not_cached) for m in members}
        oof, proba = stack_members(fits, ensembles[name].get("stacker", "logreg")) if name in ensembles else fits[name]
        labelled = per_row(oof)
        y_oof, p_oof = labelled["y_true"].to_numpy(), labelled["proba"].to_numpy()
        rng, held_y = np.random.default_rng(cfg.seed + offset), dataset.y[held]
        for _ in range(DRAWS):
            subset = resample(held_y, PRIOR, rng)
            y, p = held_y[subset], proba[subset]
            em = EM(**{**CHECK, "n_bootstrap": 0}).estimate(y_oof, p_oof, p, bootstrap=False).value
            rows.append(
                {
                    "holdout": offset,
                    "prior_shift at the em prior (the project)": f1_score(
                        y, p >= PriorShift().choose(y_oof, p_oof, p, em)
                    ),
                    "prior_shift at the true prior": f1_score(y, p >= PriorShift().choose(y_oof, p_oof, p, PRIOR)),
                    "expected-F1 plug-in at the em prior": f1_score(y, expected_f1_mask(y_oof, p_oof, p, em)),
                    "top em-prior share of rows": f1_score(y, p >= np.quantile(p, 1 - em)),
                    "best threshold in hindsight": f1_score(y, p >= best_f1_threshold(y, p)),
                }
            )
    table = pd.DataFrame(rows).groupby("holdout").mean()
    print(f"{name}: F1 at a {PRIOR:.0%} prior, {HOLDOUTS} hold-outs x {DRAWS} draws\n")
    print("| decision | mean | per hold-out |\n| --- | --- | --- |")
    for rule, values in table.items():
        print(f"| {rule} | {values.mean():.4f} | {' / '.join(f'{v:.4f}' for v in values)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "strong_mix")
