"""Candidates judged on held-out customers drawn toward the competition file's mix (`make stronger-models`).

The rate-only draws (`leadconv.tasks.candidates.judge`) say how a candidate ranks train's own population
at another rate; these say how it ranks the kind of lead the competition file holds. Each hold-out's
rows are drawn as in `leadconv.tasks.shift_draws` (`mix^0.5`, `mix`, `mix → 35%`: a train-vs-file
classifier's odds, labels untouched), and every candidate decides on every draw as `make submit` does:
`threshold=prior_shift` at the `prior=em` estimate, with the labelled rows weighted toward the draw by the
shift diagnosis (`shift=adversarial`). The diagnosis is made once per drawn file and shared by every
candidate: its weights come from a classifier of train as it is against the file, so they do not depend
on the candidate (only its AUC gate reads a prior, the first candidate's estimate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from leadconv.components.priors import EM
from leadconv.components.shift import AdversarialShift
from leadconv.components.thresholds import PriorShift, best_f1_threshold
from leadconv.engine.decision import decide
from leadconv.engine.metrics import per_row
from leadconv.tasks.label_shift import CHECK
from leadconv.tasks.shift_draws import KINDS, direction_odds

RATE_KIND = "rate 25%"  # leadconv.tasks.candidates.judge's draws
SHIFTED_KINDS = ("mix^0.5", "mix", "mix → 35%")
KIND_SLUGS = {RATE_KIND: "rate25", "mix^0.5": "mix05", "mix": "mix", "mix → 35%": "mix35"}  # MLflow metric prefixes
DEFAULT_CANDIDATE = "default_stack"  # experiments/candidates.yaml: the default suite as make submit stacks it
NO_BOOTSTRAP = {**CHECK, "n_bootstrap": 0}


class Diagnosed:
    """A `shift=` component that returns a diagnosis made once per draw (every method reads the same)."""

    def __init__(self, report):
        self.report = report

    def diagnose(self, *args, **kwargs):
        return self.report


def shifted_draws(
    train, held_rows, held_y, competition_file, draws: int, seed: int
) -> list[tuple[str, int, np.ndarray]]:
    """(kind, draw, positions of the held-out rows) for `draws` files of each of SHIFTED_KINDS."""
    odds = direction_odds(train, held_rows, competition_file, seed)
    rng = np.random.default_rng(seed)
    return [(kind, draw, KINDS[kind](held_y, odds, rng)) for kind in SHIFTED_KINDS for draw in range(draws)]


def diagnose_draw(rows: pd.DataFrame, labelled: pd.DataFrame, proba, scored: pd.DataFrame, shift=None):
    """The shift diagnosis of one drawn file, as `make submit` makes it: the out-of-fold rows `rows`
    (features `labelled`) against `scored`, rebalanced to the plain `em` estimate of the file's prior;
    `shift`: another diagnosis than the default `AdversarialShift()`."""
    first = EM(**NO_BOOTSTRAP).estimate(rows["y_true"].to_numpy(), rows["proba"].to_numpy(), proba, False)
    return (shift or AdversarialShift()).diagnose(labelled, rows["y_true"].to_numpy(), scored, first.value)


def judge_shifted(oof, train, held_rows, held_y, held_proba, drawn, reports: dict) -> pd.DataFrame:
    """One row per drawn file: ranking and the project's decision there. `train`: the features of the rows
    `oof` validates, by position; `reports`: the diagnoses made so far, filled in (shared by candidates)."""
    rows = per_row(oof)
    labelled = train.iloc[rows.index.to_numpy()].reset_index(drop=True)
    out = []
    for kind, draw, subset in drawn:
        y, proba = held_y[subset], held_proba[subset]
        scored = held_rows.iloc[subset].reset_index(drop=True)
        key = (kind, draw, len(rows))
        if key not in reports:
            reports[key] = diagnose_draw(rows, labelled, proba, scored)
        decision = decide(
            PriorShift(test_prior="auto"), EM(**NO_BOOTSTRAP), oof, proba, False, Diagnosed(reports[key]), train, scored
        )
        out.append(
            {
                "kind": kind,
                "true_prior": y.mean(),
                "auc": roc_auc_score(y, proba),
                "pr_auc": average_precision_score(y, proba),
                "f1": f1_score(y, proba >= decision.threshold),
                "best_f1_in_hindsight": f1_score(y, proba >= best_f1_threshold(y, proba)),
                "prior_estimate": decision.prior.value,
                "forecast_f1": decision.forecast_f1,
                "effective_leads": decision.effective_leads,
            }
        )
    return pd.DataFrame(out)


def kinds_table(draws: pd.DataFrame, names: list[str], kinds=(RATE_KIND, *SHIFTED_KINDS)) -> pd.DataFrame:
    """Per candidate and kind of draw (`kinds`, in that order): means over draws, then over hold-outs."""
    metrics = ["true_prior", "auc", "pr_auc", "f1", "best_f1_in_hindsight", "prior_estimate", "effective_leads"]
    per_holdout = draws.groupby(["candidate", "kind", "holdout"])[metrics].mean()
    table = per_holdout.groupby(["candidate", "kind"]).mean()
    kinds = [k for k in kinds if k in table.index.get_level_values("kind")]
    return table.reindex(pd.MultiIndex.from_product([names, kinds], names=["candidate", "kind"]))


def render_kinds(table: pd.DataFrame) -> str:
    """Both kinds of hold-out side by side; ★ marks the candidate with the best F1 on each kind. Effective
    leads: Kish's size of a drawn file whose leads repeat (drawn with replacement), what its F1 rests on."""
    best = table["f1"].groupby("kind").transform("max")
    lines = [
        "| candidate | held-out file | true prior | AUC | PR AUC | F1 at the default decision | best F1 in hindsight "
        "| prior estimate | effective leads | best on this kind |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (name, kind), r in table.iterrows():
        won = "★" if r.f1 == best[name, kind] and len(table.index.levels[0]) > 1 else ""
        lines.append(
            f"| {name} | {kind} | {r.true_prior:.3f} | {r.auc:.4f} | {r.pr_auc:.4f} | {r.f1:.4f} | "
            f"{r.best_f1_in_hindsight:.4f} | {r.prior_estimate:.3f} | {r.effective_leads:,.0f} | {won} |"
        )
    return "\n".join(lines) + "\n"


def last_measured(tracking_uri: str, candidate: str = DEFAULT_CANDIDATE) -> dict | None:
    """What `make stronger-models` last logged for `candidate` on both kinds of hold-out: {"run_id", "date",
    "holdouts", "mix_draws", "kinds": {kind: {"f1", "auc", "effective_leads"}}}; None when it never judged it
    on the drawn files."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("stronger-models")
    runs = (
        []
        if experiment is None
        else client.search_runs(
            [experiment.experiment_id],
            f"tags.candidate = '{candidate}' and metrics.mix_f1 >= 0",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
    )
    if not runs:
        return None
    run = runs[0]
    metrics, tags = run.data.metrics, run.data.tags
    kinds = {
        kind: {m: metrics.get(f"{slug}_{m}", float("nan")) for m in ("f1", "auc", "effective_leads")}
        for kind, slug in KIND_SLUGS.items()
    }
    started = pd.Timestamp(run.info.start_time, unit="ms")
    return {
        "run_id": run.info.run_id,
        "date": f"{started:%Y-%m-%d}",
        "holdouts": tags.get("holdouts"),
        "mix_draws": tags.get("mix_draws"),
        "kinds": kinds,
    }
