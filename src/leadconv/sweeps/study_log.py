"""What a finished study writes on its MLflow parent run: trial counts, the best trial, the trials
table and Optuna's plots (leadconv.sweeps.study runs the study)."""

from __future__ import annotations

import json
import logging
import tempfile
import warnings
from pathlib import Path

import optuna
from mlflow.tracking import MlflowClient
from optuna.trial import TrialState

from leadconv.sweeps.search_space import as_override, describe
from leadconv.sweeps.storage import last_line

log = logging.getLogger(__name__)


def log_study(client: MlflowClient, parent_id: str, study: optuna.Study, space: dict, objective: str) -> str:
    """Best value and parameters, trial counts, the trials table and Optuna's plots on the parent run."""
    trials = study.get_trials(deepcopy=False)
    counts = {
        state.name.lower(): sum(t.state == state for t in trials)
        for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    }
    for name, count in counts.items():
        client.log_metric(parent_id, f"n_trials_{name}", count)
    client.log_text(parent_id, json.dumps({k: str(d) for k, d in space.items()}, indent=2), "search_space.json")
    if not counts["complete"]:
        return "no trial completed"
    best = study.best_trial
    client.log_metric(parent_id, f"best_{objective}", best.value, step=len(trials))
    client.set_tag(parent_id, "objective", objective)
    client.set_tag(parent_id, "best_trial", str(best.number))
    client.set_tag(parent_id, "best_params", " ".join(as_override(k, v) for k, v in best.params.items())[:5000])
    for key, value in best.params.items():
        client.set_tag(parent_id, f"best.{key}", str(value))
    client.log_text(
        parent_id,
        json.dumps({"trial": best.number, objective: best.value, "params": best.params}, indent=2, default=str),
        "best_params.json",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trials.csv"
        study.trials_dataframe().to_csv(path, index=False)
        client.log_artifact(parent_id, str(path))
    log_plots(client, parent_id, study, objective)
    return f"best {objective} {best.value:.4f} (trial {best.number}): {describe(best.params)}"


def log_plots(client: MlflowClient, parent_id: str, study: optuna.Study, objective: str = "objective") -> None:
    """The study's history and parameter importances, each axis naming the objective (e.g. forecast_f1)."""
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    matplotlib.use("Agg")
    from optuna.visualization import matplotlib as optuna_plots

    from leadconv.tracking import plots

    for name, draw in {
        "optimization_history": optuna_plots.plot_optimization_history,
        "param_importances": optuna_plots.plot_param_importances,
    }.items():
        try:
            with warnings.catch_warnings(), matplotlib.rc_context():  # Optuna sets a global plot style
                warnings.simplefilter("ignore")  # and flags its matplotlib plots experimental
                axes = draw(study, target_name=objective)
                figure = axes.figure
        except Exception as error:  # noqa: BLE001 - e.g. importances need two finished trials
            log.warning("no %s plot: %s", name, last_line(error))
            continue
        if name == "optimization_history":
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # trials are numbered, not measured
            axes.set_xlabel("trial number")
        else:
            axes.set_xlabel(f"importance for {objective} (fANOVA share, sums to 1)")
        figure.set_size_inches(8, 5)
        figure.tight_layout()
        client.log_figure(parent_id, figure, f"plots/{name}.png")
        plots.close(figure)
