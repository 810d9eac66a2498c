"""The ensemble's logged members, loaded once, to score rows and explain them (`make submit REASONS=1`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from mlflow.entities import Run

from leadconv.components.contributions import Contributions
from leadconv.components.reasons import combine, member_contributions
from leadconv.errors import DataError
from leadconv.tracking import store

log = logging.getLogger(__name__)


@dataclass
class Members:
    """An ensemble run's fitted stacker and each base run's fold pipelines, as logged (never refit)."""

    stacker: object
    pipelines: dict[str, list]  # base run id -> its fold pipelines
    method: str = "path"  # how tree models' contributions are computed (leadconv.components.contributions)
    _encoded: dict = field(default_factory=dict, repr=False)  # run id -> (rows, their feature-set frames)

    def encoded(self, run_id: str, features: pd.DataFrame) -> list[pd.DataFrame]:
        """`features` through each fold pipeline's feature set, computed once for scoring and explaining."""
        cached = self._encoded.get(run_id)
        if cached is None or cached[0] is not features:
            frames = [pipeline.named_steps["features"].transform(features) for pipeline in self.pipelines[run_id]]
            self._encoded[run_id] = cached = (features, frames)
        return cached[1]

    def probabilities(self, features: pd.DataFrame) -> pd.DataFrame:
        """One column per base run: the mean of its fold pipelines' probabilities (the sampler step does not
        score, so the model on the feature set's frame is the pipeline's predict_proba)."""
        return pd.DataFrame(
            {
                run_id: np.mean(
                    [
                        pipeline.named_steps["model"].predict_proba(frame)[:, 1]
                        for pipeline, frame in zip(pipelines, self.encoded(run_id, features))
                    ],
                    axis=0,
                )
                for run_id, pipelines in self.pipelines.items()
            }
        )

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return self.stacker.predict_proba(self.probabilities(features))[:, 1]

    def explain(self, features: pd.DataFrame) -> Contributions:
        """The ensemble's contributions per lead and input column (see leadconv.components.reasons)."""
        found, skipped = {}, []
        for run_id, pipelines in self.pipelines.items():
            part = member_contributions(pipelines, features, self.method, self.encoded(run_id, features))
            (skipped.append(run_id) if part is None else found.__setitem__(run_id, part))
        if not found:
            raise DataError(
                f"no base run of this ensemble has contributions to explain ({', '.join(skipped)}: models without "
                "pred_contrib/ShapValues/coefficients); stack LightGBM, XGBoost, CatBoost or logreg runs"
            )
        if skipped:
            log.warning("reasons leave out base run(s) %s: their model has no contributions", ", ".join(skipped))
        return combine(found, self.stacker.weights(), float(getattr(self.stacker, "intercept_", 0.0)))


def load_members(run: Run, method: str = "path") -> Members:
    stacker = store.load_object(run.info.run_id, "models/stacker.skops")
    pipelines = {}
    for run_id in run.data.tags["base_run_ids"].split(","):
        pipelines[run_id] = store.load_object(run_id, "models/fold_pipelines.skops")
        if not pipelines[run_id]:
            raise DataError(f"base run {run_id} logged no fold pipelines; rerun it with save_models=true")
    return Members(stacker, pipelines, method)
