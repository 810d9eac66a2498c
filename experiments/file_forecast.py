"""Which forecast of F1 tells the truth on a file of another mix of leads? (shift_decisions.md, "A forecast
read off the file's own scores")

    python experiments/file_forecast.py [CANDIDATE] [--holdouts 3] [--draws 4]   # default default_stack;
                                                                                 # fits from outputs/candidates-cache
    python experiments/file_forecast.py --max-weight 100                         # the diagnosis's clip (20)

Until 2026-12-04 the forecast was the out-of-fold F1 at the decision's cut, the out-of-fold rows weighted
toward the file's mix and prior. On files drawn toward the competition file's mix it was 0.07-0.13 too
high: the weighted out-of-fold rows rank better than the file's own leads are ranked. The plug-in forecast
(today's, `leadconv.engine.decision.file_forecast`) reads the file's own scores instead: an isotonic map from
score to conversion, learned on the weighted out-of-fold rows, gives each scored lead its chance q of
converting, and the F1 expected at cut t is 2 * sum(q of the leads kept) / (leads kept + sum of all q)
(Nan et al., 2012).

Per kind and file (drawn as make shift-decisions draws them), at the project's decision (em + shift,
prior_shift): the F1 reached; the forecast before, the plug-in (today's; its calibration weighted toward the
file), the plug-in weighted to the prior only, and the mean of the first two; and how often each 90 %
interval holds the F1 reached, and its width: the labelled rows drawn as the file (before), the file's own
leads converting with their chances, and the hull of both (today's).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from drawn_file_leads import arguments, drawn_files, print_by_kind
from sklearn.metrics import f1_score

from leadconv.components.priors import EM
from leadconv.components.shift import AdversarialShift
from leadconv.components.thresholds import PriorShift
from leadconv.engine.decision import decide, drawn_file_interval, file_forecast, lead_codes, own_leads_interval
from leadconv.engine.metrics import fold_f1
from leadconv.tasks.label_shift import CHECK
from leadconv.tasks.shifted_judge import Diagnosed, diagnose_draw

FORECASTS = ("forecast_before", "plug_in_toward_file", "plug_in_prior_only", "mean_of_before_and_plug_in")
INTERVALS = ("before", "own_leads", "hull")


def judge_file(oof, train, rows, labelled, y, proba, scored, shift=None) -> dict:
    report = diagnose_draw(rows, labelled, proba, scored, shift)
    decision = decide(PriorShift(), EM(**CHECK), oof, proba, True, Diagnosed(report), train, scored)
    weights = report.weights if report.shifted else None
    row_weights = None if weights is None else pd.Series(weights, index=rows.index)
    y_oof, oof_proba = rows["y_true"].to_numpy(), rows["proba"].to_numpy()
    prior, cut = decision.prior, decision.threshold
    before = fold_f1(oof, cut, prior.value, row_weights).mean()
    leads = lead_codes(scored, len(proba))
    before_interval = drawn_file_interval(y_oof, oof_proba, cut, prior, weights, np.bincount(leads))
    own = own_leads_interval(y_oof, oof_proba, proba, cut, prior, weights, leads)
    return {
        "true_prior": y.mean(),
        "prior_estimate": prior.value,
        "f1": f1_score(y, proba >= cut),
        "forecast_before": before,
        "plug_in_toward_file": decision.forecast_f1,
        "plug_in_prior_only": file_forecast(oof, cut, prior.value, None, proba)[0],
        "mean_of_before_and_plug_in": (before + decision.forecast_f1) / 2,
        "shifted": report.shifted,
        **dict(zip(("before_low", "before_high"), before_interval)),
        **dict(zip(("own_leads_low", "own_leads_high"), own)),
        **dict(zip(("hull_low", "hull_high"), decision.forecast_interval)),
    }


def main(candidate: str, holdouts: int, draws: int, cache: Path, max_weight: float = 20.0) -> None:
    shift = AdversarialShift(max_weight=max_weight)
    out = []
    for offset, kind, subsets, h in drawn_files(candidate, holdouts, draws, cache):
        for draw, subset in enumerate(subsets):
            scored = h["held_rows"].iloc[subset].reset_index(drop=True)
            args = (h["oof"], h["train"], h["rows"], h["labelled"], h["held_y"][subset], h["proba"][subset], scored)
            out.append(judge_file(*args, shift) | {"kind": kind, "holdout": offset, "draw": draw})
    frame = pd.DataFrame(out)
    cache.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cache / f"file_forecast-{candidate}-clip{max_weight:g}.csv", index=False)  # every draw, to re-read
    for name in FORECASTS:
        frame[f"|{name} - f1|"] = (frame[name] - frame["f1"]).abs()
    for name in INTERVALS:  # how often each 90 % interval holds the F1 reached, and its width
        frame[f"{name}_covers"] = (frame[f"{name}_low"] <= frame["f1"]) & (frame["f1"] <= frame[f"{name}_high"])
        frame[f"{name}_width"] = frame[f"{name}_high"] - frame[f"{name}_low"]
    frame = frame.drop(columns=[c for c in frame.columns if c.endswith(("_low", "_high"))])
    print_by_kind(frame, candidate, holdouts, draws)


if __name__ == "__main__":
    args = arguments(__doc__, {"--max-weight": {"type": float, "default": 20.0, "help": "the diagnosis's clip"}})
    main(args.candidate, args.holdouts, args.draws, args.cache, args.max_weight)
