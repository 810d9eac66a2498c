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
from weighted_stacker import HOLDOUTS, holdout_stacks, judge_stacker  # the same hold-outs, draws and judging

from leadconv import PROJECT_ROOT
from leadconv.components.shift import AdversarialShift
from leadconv.components.stackers import LogisticStacker
from leadconv.components.weighting import TowardFile
from leadconv.tasks.shifted_judge import kinds_table, render_kinds

GATE = "file_likeness"


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
    results, gates = [], []
    for h in holdout_stacks(name, mix_draws, cache):
        z = file_likeness(h.train, h.held_rows, h.test, h.seed)
        weights = TowardFile(seed=h.seed).weights(h.train, h.test)
        weights = pd.Series(weights[h.X.index], index=h.X.index)
        gated_X, gated_held = h.X.assign(**{GATE: z[h.X.index]}), h.held.assign(**{GATE: z[len(h.train) :]})
        variants = {
            "logistic toward the file (default)": (LogisticStacker(), h.X, h.held, weights),
            "gated by file-likeness, toward the file": (GatedStacker(), gated_X, gated_held, weights),
            "gated by file-likeness, unweighted": (GatedStacker(), gated_X, gated_held, None),
        }
        for variant, (stacker, X, held, row_weights) in variants.items():
            final, judged = judge_stacker(h, variant, stacker, X, held, row_weights)
            results += judged
            if isinstance(final, GatedStacker):  # how each member's weight moves with file-likeness
                coef = final.model_.coef_[0]
                gates.append(
                    pd.Series(coef[len(h.members) + 1 :], index=h.members, name=f"{variant}, hold-out {h.offset}")
                )
        print(f"hold-out {h.offset} done", flush=True)
    draws = pd.concat(results, ignore_index=True)
    print(f"\n{name}: {len(h.members)} members, {HOLDOUTS} hold-outs\n")
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
