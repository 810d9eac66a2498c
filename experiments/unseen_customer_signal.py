"""Is there signal about an unseen customer that the default suite leaves unused? (stronger_models.md, sixth round)

    python experiments/unseen_customer_signal.py [--holdouts 7] [--draws 20] [--no-mlflow]   # fits what
                         # outputs/candidates-cache lacks, as python -m leadconv.candidates does; the means are
                         # logged to the MLflow experiment stronger-models (run unseen-customer-signal)

On the default suite's (`strong_mix_slow`) held-out predictions, the same customer hold-outs and draws at
a 25 % prior as `python -m leadconv.candidates`, three ideas that need no new fit:

1. If a customer's leads share one label, its other rows in the scored file say something about each
   of them. Mix each row's probability with the mean over its customer's rows in the scored draw (and
   the out-of-fold rows with their customer's in the fold, so that the threshold reads the same kind
   of scores): alpha 0 is the suite as it is.
2. Fit the logreg stacker with each customer counting less (row weights 1/sqrt(n) or 1/n, n the
   customer's out-of-fold rows), so that mid-sized customers do not set the members' weights; and
   with stronger regularisation (C=0.1, 0.01; the default is 1) or balanced classes.
3. How far is the F1 reached from the best reachable with one threshold? The threshold that is best on
   one half of the hold-out's customers (labels known, resampled to 25 %) is scored on the other half,
   against the project's rule (prior_shift at the em estimate) on the same half.
"""

import argparse
import re

import mlflow
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from leadconv import PROJECT_ROOT
from leadconv.components.stackers import LogisticStacker
from leadconv.components.thresholds import best_f1_threshold
from leadconv.tasks.candidates import (
    CANDIDATES,
    PRIOR,
    candidate_predictions,
    draw_subsets,
    em_decision,
    fitted_runs,
    read_candidates,
)
from leadconv.tasks.ensemble import align_oof, stack
from leadconv.tasks.label_shift import resample
from leadconv.tracking.log import setup, tracked_run

SUITE = "strong_mix_slow"


def f1_at_em(oof: pd.DataFrame, y, proba) -> float:
    return f1_score(y, proba >= em_decision(oof, proba).threshold)


def customer_mean(proba, customers) -> np.ndarray:
    return pd.Series(proba).groupby(np.asarray(customers)).transform("mean").to_numpy()


def smoothing(oof, held_y, proba, held_customers, oof_customers, subsets, alphas=(0.0, 0.25, 0.5, 1.0)) -> dict:
    fold_customer = oof["fold"].astype(str).to_numpy() + "|" + oof_customers.astype(str)
    scores = {}
    for alpha in alphas:
        mixed_oof = oof.assign(proba=(1 - alpha) * oof["proba"] + alpha * customer_mean(oof["proba"], fold_customer))
        f1s = []
        for subset in subsets:
            p = proba[subset]
            mixed = (1 - alpha) * p + alpha * customer_mean(p, held_customers[subset])
            f1s.append(f1_at_em(mixed_oof, held_y[subset], mixed))
        scores[f"mix alpha {alpha}"] = np.mean(f1s)
    return scores


class WeightedStacker(LogisticStacker):
    """The logreg stacker with each training row weighted by `row_weight` (indexed by training row)."""

    def __init__(self, row_weight=None, C: float = 1.0, class_weight=None, max_iter: int = 1000):
        super().__init__(C, class_weight, max_iter)
        self.row_weight = row_weight

    def fit(self, X, y):
        self.fit_weights_ = self.row_weight.loc[X.index].to_numpy()  # `stack` passes frames indexed by row
        return super().fit(X, y)

    def _fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        self.model_.fit(self._logit(X), y, sample_weight=self.fit_weights_)


def stacker_variants(members: dict, train_customers, held_y, subsets) -> dict:
    X, y, folds = align_oof({name: oof for name, (oof, _) in members.items()})
    held = pd.DataFrame({name: proba for name, (_, proba) in members.items()})[X.columns]
    customers = pd.Series(train_customers[X.index.to_numpy()], index=X.index)
    n = customers.map(customers.value_counts()).astype(float)
    stackers = {
        "rows weighted 1": LogisticStacker(),
        "1/sqrt(n)": WeightedStacker(1 / np.sqrt(n)),
        "1/n": WeightedStacker(1 / n),
        "C=0.1": LogisticStacker(C=0.1),
        "C=0.01": LogisticStacker(C=0.01),
        "balanced classes": LogisticStacker(class_weight="balanced"),
    }
    scores = {}
    for name, stacker in stackers.items():
        oof, _, proba = stack(stacker, X, y, folds, held)
        scores[f"stacker, {name}"] = np.mean([f1_at_em(oof, held_y[s], proba[s]) for s in subsets])
    return scores


def other_half(oof, held_y, proba, held_customers, rng, repeats=10) -> dict:
    reached, rule, distinct = [], [], np.unique(held_customers)
    for _ in range(repeats):
        first = np.isin(held_customers, rng.choice(distinct, len(distinct) // 2, replace=False))
        a, b = np.flatnonzero(first), np.flatnonzero(~first)
        a, b = a[resample(held_y[a], PRIOR, rng)], b[resample(held_y[b], PRIOR, rng)]
        reached.append(f1_score(held_y[b], proba[b] >= best_f1_threshold(held_y[a], proba[a])))
        rule.append(f1_at_em(oof, held_y[b], proba[b]))
    return {
        "half: prior_shift at the em estimate": np.mean(rule),
        "half: best threshold of the other half": np.mean(reached),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holdouts", type=int, default=7)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--no-mlflow", action="store_true", help="print the table only")
    args = parser.parse_args()
    runs, ensembles = read_candidates(CANDIDATES)
    members = ensembles[SUITE]["members"]
    cache = PROJECT_ROOT / "outputs" / "candidates-cache"
    cfg, dataset, splits, fitted = fitted_runs(members, runs, [], args.holdouts, 2, cache)
    customers = dataset.train["customer_idx"].astype(str).to_numpy()
    rows, purity = [], []
    for offset, (kept, held_out) in enumerate(splits):
        oof, proba = candidate_predictions(SUITE, ensembles, fitted, offset)
        held_y, held_customers = dataset.y[held_out], customers[held_out]
        rng = np.random.default_rng(cfg.seed + offset)  # the draws python -m leadconv.candidates judges
        subsets = draw_subsets(held_y, args.draws, rng)
        by_customer = pd.Series(held_y).groupby(held_customers).agg(["size", "mean"])
        converting = by_customer[(by_customer["size"] > 1) & (by_customer["mean"] > 0)]
        purity.append((converting["mean"] < 1).mean())

        train_customers = customers[kept]
        scores = smoothing(oof, held_y, proba, held_customers, train_customers[oof["row"].to_numpy()], subsets)
        scores |= stacker_variants({m: fitted[offset, m] for m in members}, train_customers, held_y, subsets)
        scores |= other_half(oof, held_y, proba, held_customers, rng)
        rows.append(pd.Series(scores, name=offset))
    table = pd.DataFrame(rows)
    print(
        f"{SUITE}: F1 at a 25% prior, {args.holdouts} hold-outs x {args.draws} draws; "
        f"held-out customers with several rows and a conversion whose labels are mixed: {np.mean(purity):.0%}\n"
    )
    print("| variant | mean | per hold-out |\n| --- | --- | --- |")
    for column in table.columns:
        print(f"| {column} | {table[column].mean():.4f} | {' / '.join(f'{v:.4f}' for v in table[column])} |")
    if not args.no_mlflow:  # one run beside the candidates', metrics named after the variants
        setup(cfg.tracking.uri, "stronger-models")
        with tracked_run("unseen-customer-signal", {"holdouts": str(args.holdouts), "draws": str(args.draws)}):
            mlflow.log_metrics({re.sub(r"[^\w. /-]", "", name): float(table[name].mean()) for name in table.columns})


if __name__ == "__main__":
    main()
