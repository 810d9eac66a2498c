"""Does a stacker fit on out-of-fold rows weighted toward the competition file rank its mix better?
(stronger_models.md, seventh round)

    python experiments/weighted_stacker.py [ENSEMBLE] [--mix-draws 3]   # default strong_mix_slow; its members'
                                                                        # fits come from outputs/candidates-cache

On the same 3 customer hold-outs as `make stronger-models` (20 draws at a 25 % prior, and files drawn
toward the competition file's mix, decided with the shift diagnosis), stacks the ensemble's members
three ways: the logistic stacker as it is, and fit on out-of-fold rows weighted toward the competition
file (`weighting=toward_file`'s weights, temper 0.5 and 1). The weights read features only, never a label.
"""

import argparse
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from omegaconf import OmegaConf

from leadconv import PROJECT_ROOT
from leadconv.components.stackers import LogisticStacker
from leadconv.components.weighting import TowardFile
from leadconv.tasks.candidates import CANDIDATES, fitted_runs, judge, read_candidates
from leadconv.tasks.ensemble import align_oof, stack
from leadconv.tasks.shifted_judge import judge_shifted, kinds_table, render_kinds, shifted_draws

HOLDOUTS, DRAWS = 3, 20


def holdout_stacks(name: str, mix_draws: int, cache: Path):
    """Per customer hold-out, what a stacker experiment needs: the ensemble's members' out-of-fold frame X
    (labels y, folds) and held-out probabilities, the hold-out's rows and the files drawn from them."""
    runs, ensembles = read_candidates(CANDIDATES)
    members = ensembles[name]["members"]
    cfg, dataset, splits, fitted = fitted_runs(members, runs, [], HOLDOUTS, 2, cache)
    for offset, (kept, held_out) in enumerate(splits):
        train = dataset.train.iloc[kept].reset_index(drop=True)
        held_rows, held_y = dataset.train.iloc[held_out].reset_index(drop=True), dataset.y[held_out]
        X, y, folds = align_oof({m: fitted[offset, m][0] for m in members})
        yield SimpleNamespace(
            offset=offset,
            seed=cfg.seed,
            members=members,
            test=dataset.test,
            train=train,
            held_rows=held_rows,
            held_y=held_y,
            X=X,
            y=y,
            folds=folds,
            held=pd.DataFrame({m: fitted[offset, m][1] for m in members}),
            drawn=shifted_draws(train, held_rows, held_y, dataset.test, mix_draws, cfg.seed + offset),
            reports={},  # the drawn files' diagnoses, shared by every variant of the hold-out
        )


def judge_stacker(h, variant: str, stacker, X: pd.DataFrame, held: pd.DataFrame, weights):
    """(the stacker fit on every row, its judged draws of both kinds) on hold-out `h`."""
    oof, final, proba = stack(stacker, X, h.y, h.folds, held, weights)
    judged = [judge(oof, h.held_y, proba, DRAWS, h.seed + h.offset)]
    judged.append(judge_shifted(oof, h.train, h.held_rows, h.held_y, proba, h.drawn, h.reports))
    return final, [frame.assign(candidate=variant, holdout=h.offset) for frame in judged]


def main(name: str, mix_draws: int, cache: Path) -> None:
    results = []
    for h in holdout_stacks(name, mix_draws, cache):
        variants = {"as it is": None}
        for temper in (0.5, 1.0):
            weights = TowardFile(temper=temper, seed=h.seed).weights(h.train, h.test)
            variants[f"weighted toward the file, temper {temper}"] = pd.Series(weights[h.X.index], index=h.X.index)
        for variant, weights in variants.items():
            results += judge_stacker(h, variant, LogisticStacker(), h.X, h.held, weights)[1]
        print(f"hold-out {h.offset} done", flush=True)
    draws = pd.concat(results, ignore_index=True)
    print(f"\n{name}: logistic stacker, {HOLDOUTS} hold-outs\n")
    print(render_kinds(kinds_table(draws, list(dict.fromkeys(draws["candidate"])))))
    print(OmegaConf.to_yaml({"members": h.members}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ensemble", nargs="?", default="strong_mix_slow")
    parser.add_argument("--mix-draws", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "outputs" / "candidates-cache")
    args = parser.parse_args()
    main(args.ensemble, args.mix_draws, args.cache)
