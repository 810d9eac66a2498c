"""cv=group and duplicate handling, threshold rules, and the results table regenerated from MLflow."""

import subprocess
import sys

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from conftest import ROOT, run_in_process, tiny
from leadconv.components.cv import GroupCV, StratifiedCV, row_groups
from leadconv.components.dataset import SyntheticData
from leadconv.components.thresholds import PriorShift, TargetRate, best_f1_threshold


@pytest.fixture(scope="module")
def dataset():
    return SyntheticData(n_rows=1500, n_test=200, seed=4).load()


def test_group_folds_never_share_a_customer_and_keep_large_customers_in_training(dataset):
    cv = GroupCV(n_splits=4, n_repeats=2, max_group_share=0.05)
    folds = cv.split(dataset.train, dataset.y, dataset.groups)
    customers = dataset.groups.to_numpy()
    sizes = dataset.groups.value_counts()
    large = set(sizes[sizes > 0.05 * len(customers)].index)
    assert large  # the synthetic data has its whales
    never_validated = np.flatnonzero(np.isin(customers, list(large)))
    assert len(folds) == 8
    for fold in folds:
        assert not set(customers[fold.train]) & set(customers[fold.valid])
        assert large <= set(customers[fold.train]) and not large & set(customers[fold.valid])
        assert 0.5 < dataset.y[fold.valid].mean() / dataset.y.mean() < 2  # still stratified
    for repeat in (0, 1):
        valid = np.concatenate([f.valid for f in folds if f.repeat == repeat])
        assert sorted(valid) == sorted(set(range(len(customers))) - set(never_validated))  # the rest once each
    described = cv.describe()
    assert described["cv_rows_never_validated"] == len(never_validated)
    assert described["cv_train_only_groups"] == len(large) and described["cv_scheme"] == "group"


def test_stratified_keeps_identical_rows_in_one_fold(dataset):
    hashes = row_groups(dataset.train)
    assert len(np.unique(hashes)) < len(hashes)  # the synthetic data has duplicates

    def split_duplicates(duplicates):
        folds = StratifiedCV(n_splits=5, duplicates=duplicates).split(dataset.train, dataset.y)
        return sum(len(set(hashes[f.train]) & set(hashes[f.valid])) for f in folds)

    assert split_duplicates("same_fold") == 0
    assert split_duplicates("ignore") > 0
    with pytest.raises(ValueError, match="duplicates"):
        StratifiedCV(duplicates="drop")


def test_target_rate_predicts_the_requested_share_of_test_rows():
    test_proba = np.random.default_rng(0).random(1000)
    threshold = TargetRate(rate=0.25).choose(None, None, test_proba)
    assert np.mean(test_proba >= threshold) == pytest.approx(0.25)


def test_prior_shift_is_best_f1_on_rows_reweighted_to_the_assumed_prior():
    rng = np.random.default_rng(1)
    y = (rng.random(4000) < 0.08).astype(int)
    proba = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    same_prior = PriorShift(test_prior=y.mean()).choose(y, proba)
    assert same_prior == pytest.approx(best_f1_threshold(y, proba))
    shifted = PriorShift(test_prior=0.3).choose(y, proba)
    assert shifted < same_prior  # more positives expected: a lower cut pays off

    # brute force: F1 with positives counted 0.3/0.08 and negatives 0.7/0.92 times
    weights = np.where(y == 1, 0.3 / y.mean(), 0.7 / (1 - y.mean()))
    grid = np.unique(proba)[::20]
    brute = max(grid, key=lambda t: f1_score(y, proba >= t, sample_weight=weights))
    assert (
        f1_score(y, proba >= shifted, sample_weight=weights)
        >= f1_score(y, proba >= brute, sample_weight=weights) - 1e-9
    )


@pytest.fixture(scope="module")
def group_run(mlflow_store):
    metrics = run_in_process(
        tiny("lightgbm", "features=engineered", "cv=group", "threshold=prior_shift"), "test-group-run"
    )
    return mlflow.get_run(metrics["run_id"]), metrics


def test_group_run_logs_consistent_metrics_without_the_large_customers(group_run):
    run, metrics = group_run
    params = run.data.params
    assert run.data.tags["cv"] == "group" and params["cv_scheme"] == "group"
    assert params["threshold_rule"] == "prior_shift" and int(params["cv_rows_never_validated"]) > 0
    oof = pd.read_parquet(
        mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="predictions/oof.parquet")
    )
    assert len(oof) == 1200 - int(params["cv_rows_never_validated"]) and oof["row"].is_unique
    per_fold = [f1_score(g["y_true"], g["proba"] >= metrics["cv_threshold"]) for _, g in oof.groupby("fold")]
    assert metrics["cv_f1"] == pytest.approx(np.mean(per_fold))
    # prior_shift's threshold for the validation rows (their own prior) is the best-F1 one
    assert metrics["cv_threshold"] == pytest.approx(best_f1_threshold(oof["y_true"], oof["proba"]))
    y = SyntheticData(n_rows=1200, n_test=200, seed=42).load().y
    assert np.array_equal(oof["y_true"], y[oof["row"]])  # `row` is the training row's position


def test_holdout_check_scores_unseen_customers_with_each_scheme(dataset):
    from leadconv.tasks.holdout import compare, customer_holdout

    kept, held_out = customer_holdout(dataset.groups, 0.2, 0.02, seed=0)
    customers = dataset.groups.to_numpy()
    assert not set(customers[kept]) & set(customers[held_out]) and len(kept) + len(held_out) == len(customers)
    assert dataset.groups.value_counts().index[0] in set(customers[kept])  # the largest customer is never held out
    table = compare(["dataset=synthetic", "dataset.n_rows=800", "dataset.n_test=50", "model=logreg", "cv.n_splits=3"])
    assert list(table["cv"]) == ["stratified", "group"]
    assert table["held_out_f1"].between(0, 1).all() and (table["held_out_rows"] > 0).all()
    assert np.allclose(table["error"], table["cv_f1"] - table["held_out_f1"])


def _table_rows(markdown: str) -> dict:
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 9 and cells[0] in ("raw", "clean", "engineered"):
            rows[(cells[0], cells[1], cells[3])] = cells
    return rows


@pytest.mark.slow
def test_results_command_reproduces_the_logged_metrics(experiment, tmp_path):
    for extra in (["cv=stratified"], ["cv=group"], ["cv=group", "sampler=random_under"]):
        run_in_process(tiny("logreg", *extra), experiment)
    output = tmp_path / "results.md"
    output.write_text("# Results\n\nConclusion written by hand.\n")
    command = [sys.executable, "-m", "leadconv.tracking.results", "--experiment", experiment, "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)  # as `make results`
    assert result.returncode == 0, result.stderr[-2000:]
    text = output.read_text()
    assert text.startswith("# Results\n\nConclusion written by hand.\n")
    rows = _table_rows(text)
    runs = [
        r
        for r in mlflow.search_runs(experiment_names=[experiment], output_format="list")
        if r.data.tags["sampler"] == "none"
    ]
    assert len(rows) == len(runs) == 2  # the random_under run is not in the table
    for run in runs:
        cells = rows[("raw", "logreg", run.data.tags["cv"])]
        m = run.data.metrics
        assert cells[4] == f"{m['cv_f1']:.4f} ± {m['cv_f1_std']:.4f}"
        assert cells[5] == f"{m['test_positive_rate']:.4f}" and cells[6] == f"{m['threshold']:.4f}"
        assert cells[8] == run.info.run_id
    f1 = {run.data.tags["cv"]: run.data.metrics["cv_f1"] for run in runs}
    gap = [line for line in text.splitlines() if line.startswith("| raw | logreg | 0.")]
    assert gap == [
        f"| raw | logreg | {f1['stratified']:.4f} | {f1['group']:.4f} | {f1['stratified'] - f1['group']:+.4f} |"
    ]
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and output.read_text() == text  # regenerating replaces, never appends
