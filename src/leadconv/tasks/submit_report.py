"""The one page `make submit` writes beside the scored file (`<output>.report.md`): what was scored, the
shift diagnosis, the estimated rate, the threshold, the forecast, and the ten leads most likely to convert
with their reasons. Markdown, readable in a minute in any editor, on GitHub or in MLflow's artifact view."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadconv import schema
from leadconv.components.priors import as_rate
from leadconv.components.reasons import TOP
from leadconv.engine.decision import Decision

TEN = 10


def interval(low: float, high: float, percent: bool = False) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "(no interval)"
    return f"[{low:.1%}, {high:.1%}]" if percent else f"[{as_rate(low)}, {as_rate(high)}]"


def reason_text(row: pd.Series, direction: str) -> str:
    parts = []
    for slot in range(1, TOP + 1):
        column = row[f"{direction}{slot}_column"]
        if column:
            value = str(row[f"{direction}{slot}_value"]) or "(empty)"
            parts.append(f"{column} = {value[:30]} ({row[f'{direction}{slot}_contribution']:+.2f})")
    return "; ".join(parts) or "none"


def top_leads(reasons: pd.DataFrame, n: int = TEN) -> list[str]:
    lines = ["| # | id | score | pushes up (log-odds) | pushes down (log-odds) |", "| --- | --- | --- | --- | --- |"]
    for rank, (_, row) in enumerate(reasons.sort_values("score", ascending=False, kind="stable").head(n).iterrows(), 1):
        lines.append(
            f"| {rank} | {row[schema.ID]} | {row['score']:.3f} | {reason_text(row, 'up')} | {reason_text(row, 'down')} |"
        )
    return lines


def page(info: dict, decision: Decision, reasons: pd.DataFrame, files: dict[str, str]) -> str:
    """The report's Markdown. `info` is the sidecar, `reasons` has at least the ten highest-scored leads."""
    shift = decision.shift
    prior = decision.prior
    low, high = decision.forecast_interval
    forecast = (
        f"**{decision.forecast_f1:.3f}** {interval(low, high)}"
        if decision.confident
        else f"somewhere in {interval(low, high)} (few labelled rows resemble this file)"
    )
    verdict = (
        "not diagnosed"
        if not np.isfinite(shift.auc)
        else f"AUC {shift.auc:.2f}: " + ("**another mix of leads** than train's" if shift.shifted else "train's mix")
    )
    caveat = decision.caveat()
    lines = [
        f"# Scored leads: {files['output']}",
        "",
        f"{info['rows']:,} leads of `{info['input']}` scored on {info['created_utc']} by ensemble run "
        f"`{info['ensemble_run_id']}` ({len(info['base_run_ids'])} base runs, stacker {info['stacker']}; "
        "the logged fold models, nothing refit).",
        "",
        "| | |",
        "| --- | --- |",
        f"| another mix of leads than train? | {verdict}; {shift.effective_rows:,.0f} labelled rows alike"
        + (f"; most different: {', '.join(shift.top_columns(3))}" if shift.shifted else "")
        + " |",
        f"| estimated share converting | **{prior.value:.1%}** {interval(prior.low, prior.high, percent=True)} (90 %, {prior.method}) |",
        f"| threshold on the score | {decision.threshold:.4f} ({info['threshold_rule']}, for that share) |",
        f"| F1 to expect (forecast) | {forecast} |",
        f"| predicted converted | **{info['predicted_positive_rate']:.1%}** of the leads |",
    ]
    warnings = [w for w in (caveat, prior.warning, shift.warning, info.get("suite_warning")) if w]
    if warnings:
        lines += ["", "**Caution**", ""] + [f"- {w.removeprefix('caution: ')}" for w in dict.fromkeys(warnings)]
    lines += [
        "",
        f"## The {min(TEN, len(reasons))} leads most likely to convert, and why",
        "",
        "A reason is an input column and this lead's value in it; its number is how far that value moves the "
        "ensemble's log-odds from the models' base value (positive: toward converting). "
        + (
            "Every lead's reasons: " + f"`{files['reasons']}`."
            if "reasons" in files
            else "Every lead's: `make submit REASONS=1`."
        ),
        "",
        *top_leads(reasons),
        "",
        "Files: " + ", ".join(f"`{path}`" for path in files.values()) + ".",
        "",
    ]
    return "\n".join(lines)
