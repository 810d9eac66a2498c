"""Does a stacker that weighs its members by how file-like a lead is rank the competition file's mix better?
(stronger_models.md, tenth round; the ninth round's lead)

    python experiments/gated_stacker.py [ENSEMBLE] [--mix-draws 8]   # default default_stack; its members'
                                                                     # fits come from outputs/candidates-cache

The product's stacker is one logistic regression on the members' logits, fit on out-of-fold rows weighted
toward the file: every lead gets the same blend. Members rank the file's kind of lead differently from
train's (the network and the linear models smoother where train has few rows), so this stacker also reads
each lead's file-likeness z (the log of its density ratio toward the competition file, from a cross-fitted
train-vs-file classifier on features only, standardised on the training rows) and each logit times z: the
blend can move with z. Judged on the same 3 customer hold-outs and drawn files as `make stronger-models`.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from leadconv import PROJECT_ROOT
from leadconv.components.shift import AdversarialShift
from leadconv.components.stackers import LogisticStacker
from leadconv.components.weighting import TowardFile
from leadconv.tasks.candidates import CANDIDATES, fitted_runs, judge, read_candidates
from leadconv.tasks.ensemble import align_oof, stack
from leadconv.tasks.shifted_judge import judge_shifted, kinds_table, render_kinds, shifted_draws

HOLDOUTS, DRAWS, GATE = 3, 20, "file_likeness"


class GatedStacker(ClassifierMixin, BaseEstimator):
    """Logistic regression on the members' logits, the gate z, and each logit times z."""

    def __init__(self, C: float = 1.0):
        self.C = C

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        logits = LogisticStacker._logit(X.drop(columns=GATE).to_numpy())
        z = X[[GATE]].to_numpy()
        return np.hstack([logits, z, logits * z])

    def fit(self, X, y, sample_weight=None):
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(self._design(X), y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._design(X))


def file_likeness(train: pd.DataFrame, held_rows: pd.DataFrame, scored: pd.DataFrame, seed: int) -> np.ndarray:
    """Standardised log density ratio toward `scored`, cross-fitted over the training and held-out rows alike."""
    both = pd.concat([train, held_rows], ignore_index=True)
    ratio = AdversarialShift(temper=1.0, max_weight=1e9, seed=seed).weights_toward(both, scored)
    z = np.log(ratio)
    return (z - z[: len(train)].mean()) / z[: len(train)].std()


def main(name: str, mix_draws: int, cache: Path) -> None:
    runs, ensembles = read_candidates(CANDIDATES)
    members = ensembles[name]["members"]
    cfg, dataset, splits, fitted = fitted_runs(members, runs, [], HOLDOUTS, 2, cache)
    results, gates = [], []
    for offset, (kept, held_out) in enumerate(splits):
        train = dataset.train.iloc[kept].reset_index(drop=True)
        held_rows, held_y = dataset.train.iloc[held_out].reset_index(drop=True), dataset.y[held_out]
        X, y, folds = align_oof({m: fitted[offset, m][0] for m in members})
        held = pd.DataFrame({m: fitted[offset, m][1] for m in members})
        drawn = shifted_draws(train, held_rows, held_y, dataset.test, mix_draws, cfg.seed + offset)
        z = file_likeness(train, held_rows, dataset.test, cfg.seed)
        weights = TowardFile(seed=cfg.seed).weights(train, dataset.test)
        weights = pd.Series(weights[X.index], index=X.index)
        gated_X, gated_held = X.assign(**{GATE: z[X.index]}), held.assign(**{GATE: z[len(train) :]})
        variants = {
            "logistic toward the file (default)": (LogisticStacker(), X, held, weights),
            "gated by file-likeness, toward the file": (GatedStacker(), gated_X, gated_held, weights),
            "gated by file-likeness, unweighted": (GatedStacker(), gated_X, gated_held, None),
        }
        reports = {}
        for variant, (stacker, features, scored, row_weights) in variants.items():
            oof, final, proba = stack(stacker, features, y, folds, scored, row_weights)
            judged = [judge(oof, held_y, proba, DRAWS, cfg.seed + offset)]
            judged.append(judge_shifted(oof, train, held_rows, held_y, proba, drawn, reports))
            results += [frame.assign(candidate=variant, holdout=offset) for frame in judged]
            if isinstance(final, GatedStacker):  # how each member's weight moves with file-likeness
                coef = final.model_.coef_[0]
                gates.append(pd.Series(coef[len(members) + 1 :], index=members, name=f"{variant}, hold-out {offset}"))
        print(f"hold-out {offset} done", flush=True)
    draws = pd.concat(results, ignore_index=True)
    print(f"\n{name}: {len(members)} members, {HOLDOUTS} hold-outs\n")
    print(render_kinds(kinds_table(draws, list(dict.fromkeys(draws["candidate"])))))
    print("\nCoefficients of logit x z (how a member's weight grows with file-likeness):\n")
    print(pd.DataFrame(gates).round(3).to_string())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ensemble", nargs="?", default="default_stack")
    parser.add_argument("--mix-draws", type=int, default=8)
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "outputs" / "candidates-cache")
    args = parser.parse_args()
    main(args.ensemble, args.mix_draws, args.cache)
