"""How many leads does a file drawn toward the competition file's mix rest on, and what can a decision
read off it? (shift_decisions.md, "How many leads a drawn file rests on")

    python experiments/drawn_file_leads.py [CANDIDATE] [--holdouts 3] [--draws 4]   # default default_stack;
                                                                                    # fits from outputs/candidates-cache

Draws the hold-outs' files as `make shift-decisions` does (`leadconv.tasks.shift_draws`, with replacement
and probability proportional to a train-vs-file classifier's odds) and reports per kind:
- the file's distinct leads, its effective leads (Kish's size of the repeats) and the largest share of its
  rows one lead fills;
- F1 at the project's decision (em + shift, prior_shift), the same told the true prior, the expected-F1
  plug-in, the best cut in hindsight, and the best cut of the *other* draws of the same hold-out and kind
  (a rule that knew the kind's population, not the file's labels);
- how often the forecast interval covers the F1 reached, read from the file's repeated leads (today's rule)
  and blind to them (every row taken for a distinct lead, the rule before).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from leadconv import PROJECT_ROOT
from leadconv.components.priors import EM
from leadconv.components.thresholds import ExpectedF1, PriorShift, best_f1_threshold
from leadconv.engine.decision import decide, drawn_file_interval, kish_size, lead_codes
from leadconv.engine.metrics import per_row
from leadconv.tasks.candidates import CANDIDATES, candidate_predictions, fitted_runs, read_candidates
from leadconv.tasks.label_shift import CHECK
from leadconv.tasks.shift_draws import KINDS, direction_odds
from leadconv.tasks.shifted_judge import Diagnosed, diagnose_draw


def judge_file(oof, train, rows, labelled, y, proba, scored) -> dict:
    report = diagnose_draw(rows, labelled, proba, scored)
    shift = (Diagnosed(report), train, scored)
    decision = decide(PriorShift(), EM(**CHECK), oof, proba, True, *shift)
    told = decide(PriorShift(test_prior=float(y.mean())), EM(**CHECK), oof, proba, False, *shift)
    plug_in = decide(ExpectedF1(), EM(**CHECK), oof, proba, False, *shift)
    f1 = f1_score(y, proba >= decision.threshold)
    weights = report.weights if report.shifted else None
    y_oof, oof_proba = rows["y_true"].to_numpy(), rows["proba"].to_numpy()
    counts = np.bincount(lead_codes(scored, len(y)))
    # the labelled rows drawn as the file, read from its repeats and blind to them (the forecast interval's
    # two versions of that day; today's interval also reads the file's own leads, experiments/file_forecast.py)
    repeats = drawn_file_interval(y_oof, oof_proba, decision.threshold, decision.prior, weights, counts)
    blind = drawn_file_interval(y_oof, oof_proba, decision.threshold, decision.prior, weights, np.ones(len(y), int))
    return {
        "true_prior": y.mean(),
        "distinct_leads": len(counts),
        "effective_leads": kish_size(counts),
        "largest_lead_share": counts.max() / counts.sum(),
        "f1": f1,
        "f1_told_true_prior": f1_score(y, proba >= told.threshold),
        "f1_expected_f1": f1_score(y, proba >= plug_in.threshold),
        "best_f1_in_hindsight": f1_score(y, proba >= best_f1_threshold(y, proba)),
        "forecast_f1": decision.forecast_f1,
        "covered": repeats[0] <= f1 <= repeats[1],
        "covered_blind_to_repeats": blind[0] <= f1 <= blind[1],
        "width": repeats[1] - repeats[0],
        "width_blind_to_repeats": blind[1] - blind[0],
        "threshold_of_best": best_f1_threshold(y, proba),
    }


def drawn_files(candidate: str, holdouts: int, draws: int, cache: Path):
    """Per hold-out and kind, `draws` files drawn as make shift-decisions draws them: yields (hold-out, kind,
    the files' positions among the held-out rows, the hold-out's predictions and rows as a dict)."""
    runs, ensembles = read_candidates(CANDIDATES)
    members = ensembles.get(candidate, {}).get("members", [candidate])
    cfg, dataset, splits, fitted = fitted_runs(members, runs, [], holdouts, 1, cache)
    for offset, (kept, held) in enumerate(splits):
        train = dataset.train.iloc[kept].reset_index(drop=True)
        oof, proba = candidate_predictions(candidate, ensembles, fitted, offset, train, dataset.test)
        rows = per_row(oof)
        labelled = train.iloc[rows.index.to_numpy()].reset_index(drop=True)
        held_rows, held_y = dataset.train.iloc[held].reset_index(drop=True), dataset.y[held]
        odds = direction_odds(train, held_rows, dataset.test, cfg.seed + offset)
        rng = np.random.default_rng(cfg.seed + offset)
        hold_out = {"oof": oof, "train": train, "rows": rows, "labelled": labelled}
        hold_out |= {"held_rows": held_rows, "held_y": held_y, "proba": proba}
        for kind in KINDS:
            yield offset, kind, [KINDS[kind](held_y, odds, rng) for _ in range(draws)], hold_out
        print(f"hold-out {offset} done", flush=True)


def main(candidate: str, holdouts: int, draws: int, cache: Path) -> None:
    out = []
    for offset, kind, subsets, h in drawn_files(candidate, holdouts, draws, cache):
        held_y, proba = h["held_y"], h["proba"]
        for draw, subset in enumerate(subsets):
            scored = h["held_rows"].iloc[subset].reset_index(drop=True)
            judged = judge_file(h["oof"], h["train"], h["rows"], h["labelled"], held_y[subset], proba[subset], scored)
            others = np.concatenate([s for i, s in enumerate(subsets) if i != draw])
            kind_cut = best_f1_threshold(held_y[others], proba[others])
            judged["f1_best_cut_of_other_draws"] = f1_score(held_y[subset], proba[subset] >= kind_cut)
            out.append(judged | {"kind": kind, "holdout": offset, "draw": draw})
    frame = pd.DataFrame(out)
    cache.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cache / f"drawn_file_leads-{candidate}.csv", index=False)  # every draw, to re-read
    print_by_kind(frame, candidate, holdouts, draws)


def print_by_kind(frame: pd.DataFrame, candidate: str, holdouts: int, draws: int) -> None:
    """One Markdown column per kind: means over the draws of a hold-out, then over hold-outs."""
    table = frame.drop(columns="draw").groupby(["kind", "holdout"], sort=False).mean()
    table = table.groupby("kind", sort=False).mean().drop(columns="holdout", errors="ignore").T
    print(f"\n{candidate}, {holdouts} hold-outs x {draws} draws per kind (means over draws, then hold-outs)\n")
    print("| measure | " + " | ".join(table.columns) + " |\n|" + " --- |" * (len(table.columns) + 1))
    for name, values in table.iterrows():
        print(f"| {name} | " + " | ".join(f"{v:,.3f}" for v in values) + " |")


def arguments(doc: str, more: dict | None = None) -> argparse.Namespace:
    """The experiments' shared arguments; `more`: {flag: add_argument keywords} of a script's own."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    for flag, keywords in (more or {}).items():
        parser.add_argument(flag, **keywords)
    parser.add_argument("candidate", nargs="?", default="default_stack")
    parser.add_argument("--holdouts", type=int, default=3)
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "outputs" / "candidates-cache")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments(__doc__)
    main(args.candidate, args.holdouts, args.draws, args.cache)
