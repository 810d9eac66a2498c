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

import pandas as pd
from omegaconf import OmegaConf

from leadconv import PROJECT_ROOT
from leadconv.components.stackers import LogisticStacker
from leadconv.components.weighting import TowardFile
from leadconv.tasks.candidates import CANDIDATES, fitted_runs, judge, read_candidates
from leadconv.tasks.ensemble import align_oof, stack
from leadconv.tasks.shifted_judge import judge_shifted, kinds_table, render_kinds, shifted_draws

HOLDOUTS, DRAWS = 3, 20


def main(name: str, mix_draws: int, cache: Path) -> None:
    runs, ensembles = read_candidates(CANDIDATES)
    members = ensembles[name]["members"]
    cfg, dataset, splits, fitted = fitted_runs(members, runs, [], HOLDOUTS, 2, cache)
    results = []
    for offset, (kept, held_out) in enumerate(splits):
        train = dataset.train.iloc[kept].reset_index(drop=True)
        held_rows, held_y = dataset.train.iloc[held_out].reset_index(drop=True), dataset.y[held_out]
        X, y, folds = align_oof({m: fitted[offset, m][0] for m in members})
        held = pd.DataFrame({m: fitted[offset, m][1] for m in members})
        drawn = shifted_draws(train, held_rows, held_y, dataset.test, mix_draws, cfg.seed + offset)
        reports = {}
        variants = {"as it is": None}
        for temper in (0.5, 1.0):
            weights = TowardFile(temper=temper, seed=cfg.seed).weights(train, dataset.test)
            variants[f"weighted toward the file, temper {temper}"] = pd.Series(weights[X.index], index=X.index)
        for variant, weights in variants.items():
            oof, _, proba = stack(LogisticStacker(), X, y, folds, held, weights)
            judged = [judge(oof, held_y, proba, DRAWS, cfg.seed + offset)]
            judged.append(judge_shifted(oof, train, held_rows, held_y, proba, drawn, reports))
            results += [frame.assign(candidate=variant, holdout=offset) for frame in judged]
        print(f"hold-out {offset} done", flush=True)
    draws = pd.concat(results, ignore_index=True)
    print(f"\n{name}: logistic stacker, {HOLDOUTS} hold-outs\n")
    print(render_kinds(kinds_table(draws, list(dict.fromkeys(draws["candidate"])))))
    print(OmegaConf.to_yaml({"members": members}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ensemble", nargs="?", default="strong_mix_slow")
    parser.add_argument("--mix-draws", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "outputs" / "candidates-cache")
    args = parser.parse_args()
    main(args.ensemble, args.mix_draws, args.cache)
