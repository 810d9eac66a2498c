"""Which training rows count most when the models are fit? (`weighting=` group)

- `NoWeighting` (`weighting=none`, default): every training row weighs 1.
- `TowardFile` (`weighting=toward_file`): importance-weighted fitting. A LightGBM tells the training
  rows from the scored file's rows on the lead columns (identifiers left out, never a label), cross-
  fitted so that no row's weight comes from a model that saw it; its odds, tempered and clipped, weigh
  each training row by how much it resembles the file. The fold models then learn most from the kind
  of lead the file holds (experiments/stronger_models.md, seventh round).

The weights reach the model as `sample_weight` for the training fold's rows, so the run needs
`sampler=none` (a sampler changes the rows the weights belong to) and a model whose fit takes them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadconv.components.shift import IDENTIFIERS, AdversarialShift


class NoWeighting:
    """Every training row weighs 1."""

    name = "none"

    def check_params(self) -> None:
        """Nothing to check."""

    def weights(self, train: pd.DataFrame, scored: pd.DataFrame) -> np.ndarray | None:
        return None


class TowardFile:
    """Training rows weighted by the cross-fitted odds that they belong to the scored file."""

    name = "toward_file"

    def __init__(
        self,
        temper: float = 0.5,
        max_weight: float = 10.0,
        n_splits: int = 5,
        min_rows: int = 200,
        identifiers=IDENTIFIERS,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.temper = temper
        self.max_weight = max_weight
        self.n_splits = n_splits
        self.min_rows = min_rows
        self.identifiers = identifiers
        self.seed = seed
        self.n_jobs = n_jobs

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter (the config key and what it accepts)."""
        checks = {
            "weighting.temper must be in (0, 1]": 0 < float(self.temper) <= 1,
            "weighting.max_weight must be > 1": float(self.max_weight) > 1,
            "weighting.n_splits must be >= 2": int(self.n_splits) >= 2,
            "weighting.min_rows must be >= 1": int(self.min_rows) >= 1,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(message)

    def weights(self, train: pd.DataFrame, scored: pd.DataFrame) -> np.ndarray | None:
        """Per row of `train`, mean 1; None (every row weighs 1) for a file of fewer than `min_rows` rows."""
        self.check_params()
        if len(scored) < int(self.min_rows):
            return None
        shift = AdversarialShift(
            max_weight=self.max_weight,
            temper=self.temper,
            n_splits=self.n_splits,
            identifiers=self.identifiers,
            seed=self.seed,
            n_jobs=self.n_jobs,
        )
        return shift.weights_toward(train, scored)
