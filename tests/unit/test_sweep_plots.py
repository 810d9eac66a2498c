"""A sweep's plots (leadconv.sweeps.study_log.log_plots) name the objective they show and count trials in whole numbers."""

import optuna
import pytest

from leadconv.sweeps.study_log import log_plots


class FigureCatcher:
    """Stands in for MlflowClient.log_figure: keeps each figure's axis labels and x tick labels."""

    def __init__(self):
        self.logged = {}

    def log_figure(self, run_id, figure, path):
        axes = figure.axes[0]
        self.logged[path] = (axes.get_xlabel(), axes.get_ylabel(), [t for t in axes.get_xticks()])


@pytest.fixture
def study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1) + 0.1 * trial.suggest_float("y", 0, 1), n_trials=5)
    return study


def test_sweep_plots_name_the_objective_and_number_trials_as_integers(study):
    client = FigureCatcher()
    log_plots(client, "parent", study, "forecast_f1")
    history_x, history_y, ticks = client.logged["plots/optimization_history.png"]
    assert history_x == "trial number" and history_y == "forecast_f1"
    assert all(float(t).is_integer() for t in ticks)
    importance_x, _, _ = client.logged["plots/param_importances.png"]
    assert "forecast_f1" in importance_x
