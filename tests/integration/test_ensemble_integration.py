"""Stacking ensemble and leaderboard on tiny synthetic runs in the session's temporary store
(the store-free parts: tests/unit/test_ensemble.py)."""

import subprocess

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from helpers import compose_config, run_in_process, run_main, runs_of, tiny
from leadconv import PROJECT_ROOT, schema
from leadconv.engine.decision import file_forecast
from leadconv.errors import DataError
from leadconv.tasks.ensemble import build_ensemble
from leadconv.tracking.leaderboard import write_leaderboard
from leadconv.tracking.store import load_object

BASE_EXPERIMENT = "test-ensemble-base"


@pytest.fixture(scope="module")
def base_runs(mlflow_store):
    """Two finished runs on the same data and folds, best first (by forecast_f1, as select.metric)."""
    found = [run_in_process(tiny(model, "save_models=true"), BASE_EXPERIMENT) for model in ("logreg", "lightgbm")]
    return sorted(found, key=lambda metrics: -metrics["forecast_f1"])


def ensemble(experiment: str, *overrides: str) -> mlflow.entities.Run:
    cfg, choices = compose_config(
        ["select.dataset=synthetic", f"tracking.experiment={experiment}", *overrides], config_name="ensemble"
    )
    return mlflow.get_run(build_ensemble(cfg, choices)["run_id"])


def artifact_frame(run_id: str, path: str) -> pd.DataFrame:
    return pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path))


def per_fold_f1(oof: pd.DataFrame, threshold: float) -> list[float]:
    return [f1_score(part["y_true"], part["proba"] >= threshold) for _, part in oof.groupby(["repeat", "fold"])]


@pytest.mark.parametrize("stacker", ["logreg", "mean", "rank_mean", "lightgbm"])
def test_ensemble_cv_f1_is_the_f1_of_its_logged_out_of_fold_predictions(stacker, base_runs):
    run = ensemble(BASE_EXPERIMENT, f"stacker={stacker}", "shift.min_auc=1")  # diagnosed, not weighted: as test_run
    metrics, tags = run.data.metrics, run.data.tags
    oof = artifact_frame(run.info.run_id, "predictions/oof.parquet")
    assert metrics["cv_f1"] == pytest.approx(np.mean(per_fold_f1(oof, metrics["cv_threshold"])))
    assert metrics["cv_f1_std"] == pytest.approx(np.std(per_fold_f1(oof, metrics["cv_threshold"])))
    test = artifact_frame(run.info.run_id, "predictions/test.parquet")  # the file's own scores, read at its prior
    forecast = file_forecast(oof, metrics["threshold"], metrics["test_prior_estimate"], None, test["proba"].to_numpy())
    assert (metrics["forecast_f1"], metrics["forecast_f1_std"]) == pytest.approx(forecast)
    # same rows, repeats and folds as the base runs, so the two CV F1s compare
    base_oof = artifact_frame(base_runs[0]["run_id"], "predictions/oof.parquet")
    key = ["row", "repeat", "fold", "y_true"]
    assert (
        oof[key].sort_values(key).reset_index(drop=True).equals(base_oof[key].sort_values(key).reset_index(drop=True))
    )
    base_ids = [metrics_["run_id"] for metrics_ in base_runs]
    assert tags["base_run_ids"].split(",") == base_ids == run.data.params["base_run_ids"].split(",")
    assert tags["run_type"] == "ensemble" and tags["stacker"] == stacker and run.info.status == "FINISHED"
    for name in ("cv_f1", "forecast_f1"):
        best_base = max(base[name] for base in base_runs)
        assert metrics[f"best_base_{name}"] == pytest.approx(best_base)
        assert metrics[f"{name}_gain"] == pytest.approx(metrics[name] - best_base)
    assert {f"stacker_weight.{run_id}" for run_id in base_ids} <= set(metrics)
    test = artifact_frame(run.info.run_id, "predictions/test.parquet")
    assert len(test) == 200 and test[schema.ID].is_unique
    assert metrics["test_positive_rate"] == pytest.approx((test["proba"] >= metrics["threshold"]).mean())
    plots = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="plots")}
    assert "plots/calibration.png" in plots  # its content: tests/unit/test_plots.py


def test_stacker_is_cross_validated_on_the_base_runs_folds(base_runs):
    """Each fold's ensemble predictions come from a stacker fit on the other folds' rows only."""
    run = ensemble(BASE_EXPERIMENT, "stacker=logreg", "weighting=none")  # weighted: the test above
    oof = artifact_frame(run.info.run_id, "predictions/oof.parquet")
    matrix = artifact_frame(run.info.run_id, "predictions/base_oof.parquet").set_index("row")
    columns = run.data.tags["base_run_ids"].split(",")
    stacker = load_object(run.info.run_id, "models/stacker.skops")
    for _, part in oof.groupby(["repeat", "fold"]):
        train = matrix.drop(index=part["row"])
        refit = stacker.__class__(**stacker.get_params()).fit(train[columns], train["y_true"])
        assert np.allclose(refit.predict_proba(matrix.loc[part["row"], columns])[:, 1], part["proba"])
    # the logged coefficients are the final stacker's, fit on every out-of-fold row
    weights = stacker.weights()
    assert [run.data.metrics[f"stacker_weight.{c}"] for c in columns] == pytest.approx(weights[columns].tolist())


def test_a_stacker_weighted_toward_the_test_file_is_fit_with_those_weights(base_runs):
    """weighting=toward_file: the final stacker is the one fit on the out-of-fold rows with the weights of the
    base runs' training rows toward their test file (features only); a stacker that learns nothing ignores them."""
    from hydra.utils import instantiate

    from leadconv.components.weighting import TowardFile

    run = ensemble(BASE_EXPERIMENT, "stacker=logreg", "weighting=toward_file", "weighting.temper=1", "seed=42")
    assert run.data.tags["weighting"] == "toward_file"
    matrix = artifact_frame(run.info.run_id, "predictions/base_oof.parquet").set_index("row")
    columns = run.data.tags["base_run_ids"].split(",")
    data = instantiate(compose_config(tiny("lightgbm"))[0].dataset).load()  # the base runs' data
    weights = TowardFile(temper=1, seed=42).weights(data.train, data.test)[matrix.index]
    stacker = load_object(run.info.run_id, "models/stacker.skops")
    weighted = stacker.__class__(**stacker.get_params()).fit(matrix[columns], matrix["y_true"], sample_weight=weights)
    plain = stacker.__class__(**stacker.get_params()).fit(matrix[columns], matrix["y_true"])
    assert stacker.weights()[columns].tolist() == pytest.approx(weighted.weights()[columns].tolist())
    assert stacker.weights()[columns].tolist() != pytest.approx(plain.weights()[columns].tolist())
    mean = ensemble(BASE_EXPERIMENT, "stacker=mean", "weighting=toward_file")  # learns nothing: no weights to use
    plain = ensemble(BASE_EXPERIMENT, "stacker=mean", "weighting=none")
    assert mean.data.metrics["cv_f1"] == plain.data.metrics["cv_f1"]


def test_mean_stacker_is_the_mean_of_the_base_probabilities(base_runs):
    run = ensemble(BASE_EXPERIMENT, "stacker=mean")
    oof = artifact_frame(run.info.run_id, "predictions/oof.parquet").set_index(["row", "repeat", "fold"])
    base = [
        artifact_frame(m["run_id"], "predictions/oof.parquet").set_index(["row", "repeat", "fold"])["proba"]
        for m in base_runs
    ]
    assert np.allclose(oof["proba"], (sum(base) / len(base)).loc[oof.index])


@pytest.mark.slow
def test_runs_validated_on_other_folds_are_left_out_and_named(experiment):
    same = run_in_process(tiny("logreg", "save_models=true"), experiment)
    other = run_in_process(tiny("logreg", "save_models=true", "cv.seed=7", "model.C=0.5"), experiment)
    result = run_main(["select.dataset=synthetic", f"tracking.experiment={experiment}"], script="src/ensemble.py")
    assert result.returncode == 0, result.stderr
    ensembles = [r for r in runs_of(experiment) if r.data.tags.get("run_type") == "ensemble"]
    (stacked,) = ensembles
    (base_id,) = stacked.data.tags["base_run_ids"].split(",")
    left_out = other["run_id"] if base_id == same["run_id"] else same["run_id"]
    assert base_id in (same["run_id"], other["run_id"])
    warning = next(line for line in (result.stdout + result.stderr).splitlines() if "left out 1 run(s)" in line)
    assert left_out in warning and "select.folds_digest=" in warning
    # the filter the warning suggests stacks the other run
    digest = warning.split("select.folds_digest=")[1].split()[0]
    run = ensemble(experiment, f"select.folds_digest={digest}")
    assert run.data.tags["folds_digest"] == digest and run.data.tags["base_run_ids"] == left_out


def test_selection_caps_runs_per_model_family_and_skips_ensembles(base_runs):
    ensemble(BASE_EXPERIMENT, "stacker=mean")  # an ensemble in the store is never a base run
    run = ensemble(BASE_EXPERIMENT, "select.max_per_model=1", "select.models=[lightgbm]")
    lightgbm = [m["run_id"] for m in base_runs if mlflow.get_run(m["run_id"]).data.tags["model"] == "lightgbm"]
    assert run.data.tags["base_run_ids"].split(",") == lightgbm
    with pytest.raises(DataError, match="no finished runs to stack"):
        ensemble(BASE_EXPERIMENT, "select.models=[catboost]")


def test_leaderboard_ranks_runs_and_writes_markdown_and_figure(base_runs, tmp_path, capsys):
    ensemble(BASE_EXPERIMENT, "stacker=mean")
    cfg, _ = compose_config(
        [
            f"tracking.experiment={BASE_EXPERIMENT}",
            "select.dataset=synthetic",
            "top=3",
            f"markdown={tmp_path}/board.md",
            f"figure={tmp_path}/plots/board.png",
        ],
        config_name="leaderboard",
    )
    top = write_leaderboard(cfg)
    assert len(top) == 3 and top["forecast_f1"].is_monotonic_decreasing  # select.metric: forecast_f1
    every = [r for r in runs_of(BASE_EXPERIMENT) if r.info.status == "FINISHED"]
    assert top["forecast_f1"].iloc[0] == pytest.approx(max(r.data.metrics["forecast_f1"] for r in every))
    printed = capsys.readouterr().out
    markdown = (tmp_path / "board.md").read_text()
    for run_id in top["run_id"]:
        assert run_id in printed and f"| {run_id} |" in markdown
    assert f"{top['cv_f1'].iloc[0]:.4f} ± {top['cv_f1_std'].iloc[0]:.4f}" in markdown
    assert f"{top['forecast_f1'].iloc[0]:.4f} ± {top['forecast_f1_std'].iloc[0]:.4f}" in markdown
    assert "](plots/board.png)" in markdown
    assert (tmp_path / "plots" / "board.png").read_bytes().startswith(b"\x89PNG")


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout


def test_the_default_leaderboard_leaves_git_status_clean(base_runs):
    before = git_status()
    cfg, _ = compose_config(
        [f"tracking.experiment={BASE_EXPERIMENT}", "select.dataset=synthetic"], config_name="leaderboard"
    )
    write_leaderboard(cfg)
    assert (PROJECT_ROOT / "reports" / "leaderboard.md").read_text().count(base_runs[0]["run_id"]) == 1
    assert (PROJECT_ROOT / "reports" / "leaderboard_cv_f1.png").read_bytes().startswith(b"\x89PNG")
    assert git_status() == before
