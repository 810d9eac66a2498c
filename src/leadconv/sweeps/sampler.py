"""The sampler of `hydra/sweeper=optuna` (conf/hydra/sweeper/optuna.yaml)."""

from __future__ import annotations

import logging
import warnings

import optuna
from optuna.samplers import BaseSampler, TPESampler

log = logging.getLogger(__name__)


class TrialSeededTPE(BaseSampler):
    """TPE whose random draws are seeded by `seed + trial number`.

    The same seed replays a study trial for trial, a resumed study does not repeat its first
    random trials, and workers sharing a study never draw the same starting points.
    """

    def __init__(self, seed: int = 0, **tpe_options):
        self.seed = seed
        self.tpe_options = tpe_options
        self._per_trial: dict[int, TPESampler] = {}

    def _tpe(self, trial) -> TPESampler:
        if trial.number not in self._per_trial:
            with warnings.catch_warnings():  # constant_liar is flagged experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                self._per_trial[trial.number] = TPESampler(seed=self.seed + trial.number, **self.tpe_options)
        return self._per_trial[trial.number]

    def infer_relative_search_space(self, study, trial):
        return self._tpe(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._tpe(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._tpe(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial) -> None:
        self._tpe(trial).before_trial(study, trial)

    def after_trial(self, study, trial, state, values) -> None:
        self._tpe(trial).after_trial(study, trial, state, values)
        self._per_trial.pop(trial.number, None)
