"""Held-out files of each kind of shift: the yardstick for decisions (experiments/shift_decisions.md).

- `rate 25%`, `rate 35%`: held-out customers resampled to that share of converted leads (label
  shift only; `label_shift.resample`).
- `mix^0.5`, `mix`: held-out rows drawn, with replacement, with probability proportional to a
  train-vs-competition-file classifier's odds (tempered by 0.5, or not). The classifier reads the
  cleaned, identifier-free lead columns, never a label, so a lead's chance of converting given its
  features stays train's: the file is another mix of leads (covariate shift).
- `mix → 25%`, `mix → 35%`: the `mix` draw, then resampled to that share (both kinds at once).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from leadconv.components.shift import IDENTIFIERS, domain_frame

MIX_SHARE = 0.5  # a mix draw has half as many rows as the held-out customers


def resample(y: np.ndarray, prior: float, rng) -> np.ndarray:
    """Positions of a random subset of `y` whose positive share is `prior` (80 % of the largest such subset)."""
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    size = 0.8 * min(len(positives) / prior, len(negatives) / (1 - prior))
    n_pos = round(prior * size)
    return np.concatenate(
        [rng.choice(positives, n_pos, replace=False), rng.choice(negatives, round(size) - n_pos, replace=False)]
    )


def direction_odds(kept: pd.DataFrame, held: pd.DataFrame, file: pd.DataFrame, seed: int = 0) -> np.ndarray:
    """Per held-out row, the odds that a classifier of `kept` rows against `file` rows puts on the file."""
    import lightgbm as lgb

    X = domain_frame(pd.concat([kept, file], ignore_index=True), IDENTIFIERS)
    domain = np.r_[np.zeros(len(kept)), np.ones(len(file))]
    model = lgb.LGBMClassifier(
        n_estimators=300, learning_rate=0.05, num_leaves=31, random_state=seed, n_jobs=1, verbose=-1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, domain)
        chance = np.clip(model.predict_proba(domain_frame(held, IDENTIFIERS))[:, 1], 1e-6, 1 - 1e-6)
    return chance / (1 - chance)


def draw_mix(odds: np.ndarray, temper: float, rng) -> np.ndarray:
    chance = odds**temper
    return rng.choice(len(odds), round(MIX_SHARE * len(odds)), replace=True, p=chance / chance.sum())


def then_resample(prior: float):
    def draw(y, odds, rng):
        mixed = draw_mix(odds, 1.0, rng)
        return mixed[resample(y[mixed], prior, rng)]

    return draw


KINDS = {  # name -> draw(held-out labels, direction odds, rng) -> positions of the held-out rows
    "rate 25%": lambda y, odds, rng: resample(y, 0.25, rng),
    "rate 35%": lambda y, odds, rng: resample(y, 0.35, rng),
    "mix^0.5": lambda y, odds, rng: draw_mix(odds, 0.5, rng),
    "mix": lambda y, odds, rng: draw_mix(odds, 1.0, rng),
    "mix → 25%": then_resample(0.25),
    "mix → 35%": then_resample(0.35),
}
