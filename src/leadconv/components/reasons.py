"""Why each lead scores as it does: the ensemble's members' contributions, combined, and the top reasons.

A member (one base run) scores a lead with the mean of its fold models' probabilities; its
contributions here are the mean of its fold models' contributions (`components.contributions`),
which add up to the mean of their raw scores (log-odds). The stacker combines members on the
log-odds scale: `LogisticStacker` is exactly `intercept + sum(weight_m * logit(p_m))`, so a member's
contributions are scaled by its stacker weight and summed over members. Two approximations remain:
the logit of a mean of fold probabilities is replaced by the mean of the fold models' log-odds, and a
stacker that is not linear in the members' log-odds (`mean`, `rank_mean`, `lightgbm`) is read as the
linear one with its `weights()`. So the combined contributions are exact per member and fold model,
and rank leads as the ensemble does up to those approximations: the Spearman correlation between
their sum and the ensemble's probability is at least 0.95 on the tests' synthetic ensembles
(tests/unit/test_reasons.py, both contribution methods), and was 0.9994 on the competition file's
5,271 leads with the default suite (README, Scoring your own leads).
Nothing is refit: every number comes from the logged fold models and stacker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadconv import schema
from leadconv.components.contributions import Contributions, pipeline_contributions

TOP = 3


def member_contributions(pipelines: list, X: pd.DataFrame, method: str = "path", encoded=None) -> Contributions | None:
    """The mean over a base run's fold pipelines of their contributions (None if its model has none);
    `encoded`: X through each pipeline's feature set, if the caller has them."""
    encoded = encoded or [None] * len(pipelines)
    parts = [pipeline_contributions(pipeline, X, method, frame) for pipeline, frame in zip(pipelines, encoded)]
    if not parts or any(part is None for part in parts):
        return None
    values = sum(part.values for part in parts) / len(parts)
    base = np.mean([np.broadcast_to(part.base, (len(X),)) for part in parts], axis=0)
    return Contributions(values, base)


def combine(members: dict[str, Contributions], weights: pd.Series, intercept: float = 0.0) -> Contributions:
    """The ensemble's contributions on the log-odds scale: each member's scaled by its stacker weight."""
    if not members:
        raise ValueError("no member to combine")
    values = sum(float(weights[name]) * part.values for name, part in members.items())
    base = intercept + sum(float(weights[name]) * part.base for name, part in members.items())
    return Contributions(values, np.asarray(base, float))


def top_reasons(contributions: Contributions, text: pd.DataFrame, k: int = TOP) -> pd.DataFrame:
    """Per lead, the k input columns that push its score up most and the k that push it down most, each
    with the lead's value as written in `text` (rows aligned with the contributions) and its contribution
    (log-odds). A slot stays empty when fewer than k columns push that way."""
    values = contributions.values.to_numpy()
    columns = np.asarray(schema.FEATURES, dtype=object)
    written = text[schema.FEATURES].astype(object).where(text[schema.FEATURES].notna(), "").to_numpy()
    rows = np.arange(len(values))[:, None]
    out = {}
    for direction, order in (("up", np.argsort(-values, axis=1)), ("down", np.argsort(values, axis=1))):
        chosen = order[:, :k]
        amount = values[rows, chosen]
        pushes = amount > 0 if direction == "up" else amount < 0
        for slot in range(k):
            keep = pushes[:, slot]
            out[f"{direction}{slot + 1}_column"] = np.where(keep, columns[chosen[:, slot]], "")
            out[f"{direction}{slot + 1}_value"] = np.where(keep, written[rows[:, 0], chosen[:, slot]], "")
            out[f"{direction}{slot + 1}_contribution"] = np.where(keep, np.round(amount[:, slot], 4), np.nan)
    return pd.DataFrame(out, index=contributions.values.index)


def reasons_table(
    ids: pd.Series, score: np.ndarray, decided: pd.Series, contributions: Contributions, text: pd.DataFrame
) -> pd.DataFrame:
    """The reasons file: id, the ensemble's probability, its decision, then the top reasons."""
    head = pd.DataFrame(
        {
            schema.ID: ids.to_numpy(),
            "score": np.round(score, 6),
            schema.LABEL: decided.to_numpy(),
            "log_odds_base": np.round(contributions.base, 4),
        },
        index=contributions.values.index,
    )
    return pd.concat([head, top_reasons(contributions, text)], axis=1)


def summary_rows(contributions: Contributions) -> pd.DataFrame:
    """Per input column, the spread of its contributions (for plots and reports)."""
    values = contributions.values
    return pd.DataFrame(
        {
            "mean_abs": values.abs().mean(),
            "q05": values.quantile(0.05),
            "median": values.median(),
            "q95": values.quantile(0.95),
        }
    ).sort_values("mean_abs", ascending=False)
