"""End to end: one run logs what it claims; bad input fails cleanly; a multirun makes one run per job."""

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from helpers import grid, run_in_process, run_main, run_script, runs_of, tiny
from leadconv import schema
from leadconv.components.synthetic import write_synthetic
from leadconv.engine.decision import file_forecast
from leadconv.tracking.log import tracked_run
from leadconv.tracking.store import load_object


@pytest.fixture(scope="module")
def logged_run(mlflow_store):
    experiment = "test-logged-run"
    # shift.min_auc=1: diagnosed and logged, never weighted, so forecast_f1 is the label-shift arithmetic on
    # the logged out-of-fold file checked below (the weighted forecast: tests/unit/test_shift.py)
    metrics = run_in_process(tiny("lightgbm", "save_models=true", "shift.min_auc=1"), experiment)
    return mlflow.get_run(metrics["run_id"]), metrics


def artifact(run, path):
    return mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=path)


def test_logged_metrics_match_the_logged_out_of_fold_file(logged_run):
    run, _ = logged_run
    logged = run.data.metrics
    oof = pd.read_parquet(artifact(run, "predictions/oof.parquet"))
    threshold = logged["cv_threshold"]  # cv_f1 is scored at the rule's threshold for the validation rows' own prior
    per_fold = [f1_score(g["y_true"], g["proba"] >= threshold) for _, g in oof.groupby(["repeat", "fold"])]
    assert logged["cv_f1"] == pytest.approx(np.mean(per_fold))
    assert logged["cv_f1_std"] == pytest.approx(np.std(per_fold))
    assert logged["oof_f1_at_0.5"] == pytest.approx(f1_score(oof["y_true"], oof["proba"] >= 0.5))
    assert logged["oof_f1_at_threshold"] == pytest.approx(f1_score(oof["y_true"], oof["proba"] >= threshold))
    assert logged["roc_auc"] == pytest.approx(roc_auc_score(oof["y_true"], oof["proba"]))
    assert logged["f1_fold_r0_f2"] == pytest.approx(per_fold[2])
    # the threshold maximises out-of-fold F1: no other cut does better
    grid = np.unique(oof["proba"])
    best = max(f1_score(oof["y_true"], oof["proba"] >= t) for t in grid[:: max(1, len(grid) // 200)])
    assert logged["oof_f1_at_threshold"] >= best - 1e-9
    # forecast_f1: the F1 the test file's own scores are expected to reach at the threshold written for it,
    # their chances of converting read off the out-of-fold rows reweighted to its estimated prior
    test = pd.read_parquet(artifact(run, "predictions/test.parquet"))
    forecast = file_forecast(oof, logged["threshold"], logged["test_prior_estimate"], None, test["proba"].to_numpy())
    assert (logged["forecast_f1"], logged["forecast_f1_std"]) == pytest.approx(forecast)
    assert logged["test_prior_low"] <= logged["test_prior_estimate"] <= logged["test_prior_high"]
    assert run.data.tags["prior_method"] in ("em", "fallback") and run.data.tags["prior"] == "em"


def test_run_logs_params_tags_and_artifacts(logged_run):
    run, metrics = logged_run
    assert run.info.status == "FINISHED"
    params, tags = run.data.params, run.data.tags
    assert params["model._target_"] == "leadconv.components.models.lightgbm_classifier" and params["cv.n_splits"] == "3"
    assert params["sampler_categorical_handling"] == "none"
    assert tags["model"] == "lightgbm" and tags["sampler"] == "none" and tags["features"] == "raw"
    assert len(tags["dataset_digest"]) == 16 and tags["git_commit"]
    for key in ["precision", "recall", "pr_auc", "fit_seconds", "test_positive_rate", "shift_auc", "forecast_f1_low"]:
        assert key in run.data.metrics
    assert 0.5 <= run.data.metrics["shift_auc"] <= 1 and run.data.metrics["shift_effective_rows"] > 0
    assert run.data.metrics["forecast_f1_low"] <= run.data.metrics["forecast_f1_high"]
    assert tags["shift"] == "adversarial"
    assert run.inputs.dataset_inputs[0].dataset.digest == tags["dataset_digest"]
    test = pd.read_parquet(artifact(run, "predictions/test.parquet"))
    assert len(test) == 200 and test[schema.ID].is_unique and test["proba"].between(0, 1).all()
    assert metrics["test_positive_rate"] == pytest.approx((test["proba"] >= metrics["threshold"]).mean())
    importance = pd.read_csv(artifact(run, "feature_importance.csv"), index_col=0)
    assert "bant_submit" in importance.index and importance["mean"].max() > 0
    names = {a.path for a in mlflow.artifacts.list_artifacts(run_id=run.info.run_id, artifact_path="plots")}
    assert names == {
        f"plots/{n}.png"
        for n in [
            "feature_importance",
            "pr_curve",
            "confusion_matrix",
            "f1_vs_threshold",
            "shift_columns",
            "contributions",
        ]
    }
    columns = pd.read_csv(artifact(run, "shift/columns.csv"), index_col=0)
    assert {"unseen_raw", "unseen_clean", "missing_change", "drift", "importance"} <= set(columns.columns)
    assert columns["importance"].sum() == pytest.approx(1, abs=0.01)
    config = mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/config.yaml")
    assert "leadconv.components.models.lightgbm_classifier" in config


def test_logged_fold_models_reproduce_test_predictions(logged_run):
    run, _ = logged_run
    models = load_object(run.info.run_id, "models/fold_pipelines.skops")
    assert len(models) == 3
    from leadconv.components.dataset import SyntheticData

    dataset = SyntheticData(n_rows=1200, n_test=200, seed=42).load()
    mean = np.mean([m.predict_proba(dataset.test)[:, 1] for m in models], axis=0)
    test = pd.read_parquet(artifact(run, "predictions/test.parquet"))
    assert np.allclose(mean, test["proba"])


@pytest.mark.parametrize("error, status", [(KeyboardInterrupt, "KILLED"), (ValueError, "FAILED")])
def test_interrupted_or_failing_run_is_not_left_running(error, status, experiment):
    from leadconv.tracking.log import setup

    setup(mlflow.get_tracking_uri(), experiment)
    with pytest.raises(error):
        with tracked_run("doomed"):
            raise error()
    assert [r.info.status for r in runs_of(experiment)] == [status]


def write_data(tmp_path):
    write_synthetic(tmp_path, n_rows=300, n_test=40, seed=5)
    return tmp_path


def corrupt_missing_column(d):
    pd.read_csv(d / "train.csv").drop(columns=["bant_submit"]).assign(extra=1).to_csv(d / "train.csv", index=False)


def corrupt_labels(d):
    pd.read_csv(d / "train.csv").assign(is_converted="maybe").to_csv(d / "train.csv", index=False)


BAD_DATA = [
    ("no directory", lambda d: None, "nowhere", "data directory not found"),
    ("no file", lambda d: (d / "submission.csv").unlink(), None, "data file not found"),
    ("empty file", lambda d: (d / "train.csv").write_text(""), None, "is empty"),
    ("header only", lambda d: (d / "train.csv").write_text(",".join(schema.TRAIN_COLUMNS) + "\n"), None, "no rows"),
    ("wrong columns", corrupt_missing_column, None, "missing: ['bant_submit']; unexpected: ['extra']"),
    ("bad labels", corrupt_labels, None, "not boolean-like"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, corrupt, subdir, message", BAD_DATA, ids=[b[0] for b in BAD_DATA])
def test_bad_data_fails_with_one_line_and_no_finished_run(name, corrupt, subdir, message, tmp_path, experiment):
    data_dir = write_data(tmp_path)
    corrupt(data_dir)
    target = data_dir / subdir if subdir else data_dir
    result = run_main(["model=logreg", f"tracking.experiment={experiment}"], {"LG_AIMERS_DATA_DIR": str(target)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert message in lines[-1] and lines[-1].startswith("error: ")
    assert "Traceback" not in result.stderr
    if name in ("no directory", "no file"):
        assert "LG_AIMERS_DATA_DIR" in lines[-1] and "dataset=synthetic" in lines[-1]
    assert not [r for r in runs_of(experiment) if r.info.status == "FINISHED"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "override, message",
    [
        ("cv.n_splits=abc", "cannot build cv"),
        ("model.class_weight=heavy", "model.class_weight='heavy' is not valid"),
        ("model=nope", "model=nope: no such option of `model`; valid: catboost"),
    ],
)
def test_bad_config_fails_cleanly(override, message, experiment):
    result = run_main(["dataset=synthetic", override, f"tracking.experiment={experiment}"])
    assert result.returncode == 1
    assert message in result.stderr
    assert not [r for r in runs_of(experiment) if r.info.status == "FINISHED"]


@pytest.mark.slow
def test_multirun_makes_one_run_per_combination(experiment, tmp_path):
    # default model sizes: a model.* override would not exist in both model configs
    result = run_script(grid(experiment, tmp_path, "model=logreg,lightgbm", "sampler=none,random_under"), timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = [r for r in runs_of(experiment) if "mlflow.parentRunId" in r.data.tags]  # the jobs, not the sweep's parent
    assert sorted((r.data.tags["model"], r.data.tags["sampler"]) for r in runs) == [
        ("lightgbm", "none"),
        ("lightgbm", "random_under"),
        ("logreg", "none"),
        ("logreg", "random_under"),
    ]
    assert all(r.info.status == "FINISHED" for r in runs)


def test_sampled_dataset_schema_equals_full_inference():
    from mlflow.types.utils import _infer_schema

    from leadconv.components.dataset import SyntheticData
    from leadconv.tracking.artifacts import schema_of

    dataset = SyntheticData(n_rows=2000, seed=7).load()
    frame = dataset.train.assign(**{schema.LABEL: dataset.y})
    assert schema_of(frame) == _infer_schema(frame)
    frame.loc[frame.index[-1], "bant_submit"] = np.nan  # a column's only missing value, far from the head
    assert schema_of(frame) == _infer_schema(frame)


def test_run_logs_the_spread_of_contributions_per_input_column(logged_run):
    """contributions.csv summarises each input column's contributions over out-of-fold rows: a column
    LightGBM never split on (importance 0 in every fold) contributes exactly nothing, one it split on does."""
    run, _ = logged_run
    summary = pd.read_csv(artifact(run, "contributions.csv"), index_col=0)
    assert set(summary.index) == set(schema.FEATURES) and summary["count"].eq(summary["count"].iloc[0]).all()
    assert summary["count"].iloc[0] == len(pd.read_parquet(artifact(run, "predictions/oof.parquet")))  # < 1000 a fold
    importance = pd.read_csv(artifact(run, "feature_importance.csv"), index_col=0).drop(columns="mean")
    split = importance.groupby(lambda name: name.removeprefix("missingindicator_")).sum().max(axis=1)
    assert ((summary["mean_abs"] > 0) == (split.reindex(summary.index) > 0)).all()
    assert summary["mean_abs"].is_monotonic_decreasing and (summary["5%"] <= summary["95%"]).all()
