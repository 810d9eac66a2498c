"""Which validation scheme predicts the score on customers never seen in training?

    python -m leadconv.holdout [Hydra overrides, e.g. model=logreg features=engineered]

Holds out a fifth of the training customers (chosen at random, never the few large customers)
as a stand-in for the competition's test file, whose rows mostly come from unseen customers. Each
`cv=` scheme is run on the remaining rows exactly as `src/run.py` would (same config, folds,
pipeline and threshold rule); its fold models then predict the held-out customers at the threshold
the scheme chose. The scheme whose CV F1 lands closer to the held-out F1 is the one to trust.
Nothing is logged to MLflow; the table is printed.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from hydra.utils import instantiate
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

from leadconv.components.cv import group_codes
from leadconv.engine.decision import decide
from leadconv.engine.metrics import score_run
from leadconv.engine.run import build_components, fit_weights, unlabeled_rows
from leadconv.engine.training import cross_validate
from leadconv.utils import compose_config, task_wrapper

SCHEMES = ["stratified", "group"]
LARGE_CUSTOMER_SHARE = 0.02  # as conf/cv/group.yaml: such customers stay in training


def customer_holdout(groups: pd.Series, share: float, max_group_share: float, seed: int):
    """(kept, held_out) row positions; the held-out rows are whole customers, none of them large."""
    codes = group_codes(groups)
    large = (np.bincount(codes) > max_group_share * len(codes))[codes]
    candidates = np.flatnonzero(~large)
    splitter = GroupShuffleSplit(n_splits=1, test_size=share, random_state=seed)
    _, held = next(splitter.split(candidates, groups=codes[candidates]))
    held_out = candidates[held]
    return np.setdiff1d(np.arange(len(codes)), held_out), held_out


def compare(overrides: list[str], share: float = 0.2) -> pd.DataFrame:
    configs = {}
    for scheme in SCHEMES:
        configs[scheme] = compose_config([*overrides, f"cv={scheme}"])
    cfg = configs[SCHEMES[0]]  # the schemes differ only in cv: load the data and hold out customers once
    dataset = instantiate(cfg.dataset).load()
    kept, held_out = customer_holdout(dataset.groups, share, LARGE_CUSTOMER_SHARE, cfg.seed)
    train, y = dataset.train.iloc[kept].reset_index(drop=True), dataset.y[kept]
    rows = []
    for scheme, cfg in configs.items():
        parts = build_components(cfg)
        folds = parts.cv.split(train, y, train["customer_idx"])
        held_rows = dataset.train.iloc[held_out]
        unlabeled, weights = unlabeled_rows(parts, held_rows), fit_weights(parts, train, held_rows)
        result = cross_validate(parts.pipeline, train, y, held_rows, folds, unlabeled=unlabeled, sample_weight=weights)
        threshold = parts.threshold.validation_threshold(result.oof_labels(), result.oof_proba())
        scored = score_run(result.oof, threshold, decide(parts.threshold, parts.prior, result.oof, result.test_proba))
        held_f1 = f1_score(dataset.y[held_out], result.test_proba >= threshold)
        rows.append(
            {
                "cv": scheme,
                "cv_f1": scored["cv_f1"],
                "cv_f1_std": scored["cv_f1_std"],
                "threshold": threshold,
                "held_out_f1": held_f1,
                "error": scored["cv_f1"] - held_f1,
                "held_out_rows": len(held_out),
                "held_out_positive_rate": dataset.y[held_out].mean(),
            }
        )
    return pd.DataFrame(rows)


def render(table: pd.DataFrame, overrides: list[str]) -> str:
    lines = [
        f"`python -m leadconv.holdout {' '.join(overrides)}` ({table['held_out_rows'].iloc[0]} held-out rows "
        f"of unseen customers, positive rate {table['held_out_positive_rate'].iloc[0]:.3f}):",
        "",
        "| cv | CV F1 | threshold | F1 on held-out customers | CV F1 − held-out F1 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.cv} | {row.cv_f1:.4f} ± {row.cv_f1_std:.4f} | {row.threshold:.4f} | "
            f"{row.held_out_f1:.4f} | {row.error:+.4f} |"
        )
    return "\n".join(lines)


@task_wrapper
def main(argv: list[str]) -> None:
    print(render(compare(argv), argv))


if __name__ == "__main__":
    main(sys.argv[1:])
