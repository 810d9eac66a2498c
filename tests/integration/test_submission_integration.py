"""`make submit`: competition-layout in, same rows out with is_converted filled; bad input writes nothing
(an output refused before any run is read: tests/unit/test_submission.py; on the competition file:
tests/integration/test_real_data.py)."""

import json
import os
import re
import subprocess
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from helpers import ROOT, compose_config, run_in_process, run_main, runs_of, submit_config, tiny
from leadconv import schema
from leadconv.components.synthetic import labelled_test, write_synthetic
from leadconv.errors import DataError
from leadconv.tasks.ensemble import build_ensemble
from leadconv.tasks.submit import latest_ensemble, make_submission
from leadconv.tracking import environment

EXPERIMENT = "test-submission"


def ensemble_of(experiment: str, *overrides: str) -> str:
    cfg, choices = compose_config(
        ["select.dataset=synthetic", f"tracking.experiment={experiment}", *overrides], config_name="ensemble"
    )
    return build_ensemble(cfg, choices)["run_id"]


def make_submit(source, output, store: str, submit_args: str = "") -> subprocess.CompletedProcess:
    """`make submit INPUT=… OUTPUT=…` as a user types it, on the synthetic data, against `store`."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": store, "MLFLOW_EXPERIMENT_NAME": EXPERIMENT}
    args = f"SUBMIT_ARGS=select.dataset=synthetic {submit_args}".strip()
    command = ["make", "submit", f"INPUT={source}", f"OUTPUT={output}", args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def submit_in_process(source, output, store: str, submit_args: str = "", script: str = "src/submit.py"):
    """What `make submit INPUT=… OUTPUT=…` runs, with src/submit.py's main in this process: the file names
    reach it through the environment as make hands them over (the Makefile itself: test_make_submit_keeps_…)."""
    env = {"MLFLOW_TRACKING_URI": store, "MLFLOW_EXPERIMENT_NAME": EXPERIMENT, "LEADCONV_SUBMIT_INPUT": str(source)}
    if output is not None:
        env["LEADCONV_SUBMIT_OUTPUT"] = str(output)
    return run_main(["select.dataset=synthetic", *submit_args.split()], env_extra=env, script=script)


def read_text(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def competition_file(tmp_path_factory):
    """The synthetic competition files the tiny runs were trained on (tiny(): 1200 rows, 200 test rows, seed 42)."""
    directory = tmp_path_factory.mktemp("competition")
    write_synthetic(directory, n_rows=1200, n_test=200, seed=42)
    return directory / "submission.csv"


@pytest.fixture(scope="module")
def ensemble_run(mlflow_store):
    for model in ("logreg", "lightgbm"):
        run_in_process(tiny(model, "save_models=true"), EXPERIMENT)
    return mlflow.get_run(ensemble_of(EXPERIMENT))


def logged_test_predictions(run_id: str) -> pd.Series:
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="predictions/test.parquet")
    return pd.read_parquet(path).set_index(schema.ID)[schema.LABEL]


@pytest.mark.slow
def test_make_submit_keeps_row_order_and_ids(ensemble_run, competition_file, tmp_path, mlflow_store):
    # any file name a user can have works and runs nothing: quotes, spaces, `$`, backticks, make functions
    shuffled = tmp_path / "O'Brien leads `touch INJECTED` $(shell touch INJECTED) $HOME.csv"
    read_text(competition_file).sample(frac=1.0, random_state=3).to_csv(shuffled, index=False)
    output = tmp_path / "out" / 'scored "final" $(shell touch INJECTED).csv'
    result = make_submit(shuffled, output, mlflow_store)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (ROOT / "INJECTED").exists() and not (tmp_path / "INJECTED").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [output.name, output.with_suffix(".json").name, output.with_suffix(".report.md").name]
    )
    given, written = read_text(shuffled), read_text(output)
    assert list(written[schema.ID]) == list(given[schema.ID])
    assert written.drop(columns=schema.LABEL).equals(given.drop(columns=schema.LABEL))
    assert set(written[schema.LABEL]) <= {"True", "False"}
    sidecar = json.loads(output.with_suffix(".json").read_text())
    latest = latest_ensemble(EXPERIMENT, "synthetic")
    assert sidecar["ensemble_run_id"] == latest.info.run_id
    assert sidecar["base_run_ids"] == latest.data.tags["base_run_ids"].split(",")
    # reused fold models + the logged stacker reproduce the ensemble's own test predictions, whatever the order
    logged = logged_test_predictions(latest.info.run_id)
    by_id = written.set_index(written[schema.ID].astype(int))[schema.LABEL].sort_index()
    assert by_id.equals(logged.map(str).sort_index())
    assert sidecar["predicted_positive_rate"] == pytest.approx((written[schema.LABEL] == "True").mean())
    # two base runs, no catboost or xgboost: one warning line says so and how to get the default suite
    warnings = [line for line in (result.stdout + result.stderr).splitlines() if "this submission stacks" in line]
    assert (
        len(warnings) == 1 and "stacks 2 base run(s) (1 lightgbm, 1 logreg): fewer than suite.min_runs=3" in warnings[0]
    )
    assert "+experiment=default_suite" in warnings[0] and sidecar["suite_warning"] in warnings[0]


@pytest.mark.slow
def test_an_ensemble_meeting_the_configured_suite_gets_no_warning(
    ensemble_run, competition_file, tmp_path, mlflow_store
):
    output = tmp_path / "out.csv"
    result = submit_in_process(
        competition_file, output, mlflow_store, "suite.min_runs=2 suite.models=[logreg,lightgbm]"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "this submission stacks" not in result.stdout + result.stderr
    assert "suite_warning" not in json.loads(output.with_suffix(".json").read_text())


def test_submission_for_the_competition_file_has_exactly_its_rows(ensemble_run, competition_file, tmp_path):
    output = tmp_path / "submission.csv"
    cfg, choices = submit_config(EXPERIMENT, competition_file, output)
    info = make_submission(cfg, choices)
    given, written = read_text(competition_file), read_text(output)
    assert len(written) == len(given) == info["rows"] == 200
    assert written.drop(columns=schema.LABEL).equals(given.drop(columns=schema.LABEL))
    assert list(written.columns) == schema.TEST_COLUMNS
    assert given[schema.LABEL].eq("").all() and written[schema.LABEL].isin(["True", "False"]).all()
    # deterministic: the same ensemble and file give the same bytes
    again = tmp_path / "again.csv"
    make_submission(submit_config(EXPERIMENT, competition_file, again)[0], choices)
    assert again.read_bytes() == output.read_bytes()


def test_rebuild_builds_a_new_ensemble_that_becomes_the_latest(ensemble_run, competition_file, tmp_path):
    cfg, choices = submit_config(EXPERIMENT, competition_file, tmp_path / "a.csv", "rebuild=true", "stacker=mean")
    rebuilt = make_submission(cfg, choices)["ensemble_run_id"]
    assert rebuilt != ensemble_run.info.run_id and mlflow.get_run(rebuilt).data.tags["stacker"] == "mean"
    cfg, choices = submit_config(EXPERIMENT, competition_file, tmp_path / "b.csv")
    assert make_submission(cfg, choices)["ensemble_run_id"] == rebuilt
    cfg, choices = submit_config(
        EXPERIMENT, competition_file, tmp_path / "c.csv", f"ensemble_run_id={ensemble_run.info.run_id}"
    )
    assert make_submission(cfg, choices)["ensemble_run_id"] == ensemble_run.info.run_id


def test_a_crm_export_is_scored_as_it_comes(ensemble_run, competition_file, tmp_path):
    """Extra columns (anywhere) are carried through unchanged and ignored by the models; a file without
    is_converted (leads not labelled yet) gets it added; the leads get the same decisions as in the
    competition layout; the one-page report names the ten highest-scored leads with their reasons."""
    given = read_text(competition_file)
    export = given.drop(columns=schema.LABEL).assign(notes='call back; "urgent", 05/12', owner_email="a@b.c")
    export = export[["notes", *reversed(export.columns.drop("notes"))]]  # columns in another order too
    export.to_csv(tmp_path / "crm.csv", index=False)
    made = {}
    for name in ("crm", "competition"):
        source = tmp_path / "crm.csv" if name == "crm" else competition_file
        output = tmp_path / f"{name}_scored.csv"
        made[name] = make_submission(*submit_config(EXPERIMENT, source, output))
    crm, plain = read_text(tmp_path / "crm_scored.csv"), read_text(tmp_path / "competition_scored.csv")
    assert list(crm.columns) == [*export.columns, schema.LABEL]
    assert crm.drop(columns=schema.LABEL).equals(read_text(tmp_path / "crm.csv"))  # every cell as written
    assert (
        crm.set_index(schema.ID)[schema.LABEL]
        .sort_index()
        .equals(plain.set_index(schema.ID)[schema.LABEL].sort_index())
    )
    assert made["crm"]["threshold"] == made["competition"]["threshold"]
    report = (tmp_path / "crm_scored.report.md").read_text()
    for needle in ("estimated share converting", "threshold on the score", "F1 to expect", "predicted converted"):
        assert needle in report
    assert "| 1 | " in report and "| 10 | " in report and "| 11 | " not in report
    assert not (tmp_path / "crm_scored.reasons.csv").exists()  # reasons for every lead only when asked
    logged = mlflow.artifacts.load_text(f"runs:/{made['crm']['ensemble_run_id']}/submissions/crm_scored.report.md")
    assert logged == report  # the same page, logged to the ensemble run that scored the file


def leads_at_prior(prior: float, out, seed: int = 0):
    """A competition-layout file of fresh synthetic leads (mostly unseen customers) converting at `prior`."""
    leads = labelled_test(n_rows=1200, n_test=4000, seed=99)
    converted = leads[schema.LABEL].astype(bool)
    n_pos = min(int(converted.sum()), round((~converted).sum() * prior / (1 - prior)))
    n_neg = min(int((~converted).sum()), round(n_pos * (1 - prior) / prior))
    rows = pd.concat(
        [leads[converted].sample(n_pos, random_state=seed), leads[~converted].sample(n_neg, random_state=seed)]
    )
    rows.sample(frac=1.0, random_state=seed).assign(**{schema.LABEL: ""}).to_csv(out, index=False)
    return out


@pytest.mark.slow
def test_make_submit_decides_for_each_file_s_own_prior(ensemble_run, competition_file, tmp_path, mlflow_store):
    """`make submit INPUT=…` (in-process) on two files converting at 5 % and 40 %: each gets its own estimate and
    threshold."""
    sidecars = {}
    for prior in (0.05, 0.4):
        source = leads_at_prior(prior, tmp_path / f"leads_{prior}.csv")
        output = tmp_path / f"scored_{prior}.csv"
        # shift=none: the per-file prior arithmetic alone; the tiny ensemble's weighted estimates (about 200
        # effective rows) are too noisy to order two files (the weighted decision: tests/unit/test_shift.py)
        args = f"ensemble_run_id={ensemble_run.info.run_id} shift=none"
        result = submit_in_process(source, output, mlflow_store, args)
        assert result.returncode == 0, result.stderr[-2000:]
        sidecar = sidecars[prior] = json.loads(output.with_suffix(".json").read_text())
        for key in (
            "test_prior_estimate",
            "test_prior_interval",
            "prior_method",
            "threshold",
            "forecast_f1",
            "predicted_positive_rate",
            "shift_auc",
            "shift_effective_rows",
        ):
            assert key in sidecar, key
        forecast_low, forecast_high = sidecar["forecast_f1_interval"]
        assert forecast_low <= sidecar["forecast_f1"] <= forecast_high
        low, high = sidecar["test_prior_interval"]
        assert sidecar["prior_method"] == "em" and low <= sidecar["test_prior_estimate"] <= high
        written = read_text(output)[schema.LABEL] == "True"
        assert sidecar["predicted_positive_rate"] == pytest.approx(written.mean())
        assert f"threshold {sidecar['threshold']:.4f}" in result.stdout  # the summary line reports the decision
        assert sidecar["environment"] == environment.versions()  # the software that scored the file
    assert sidecars[0.4]["test_prior_estimate"] > sidecars[0.05]["test_prior_estimate"] + 0.1
    assert sidecars[0.4]["threshold"] <= sidecars[0.05]["threshold"]  # the tiny models' scores take few values


@pytest.mark.slow
def test_shift_report_tells_another_mix_from_another_rate(ensemble_run, tmp_path, mlflow_store):
    """`make shift-report INPUT=…` prints the diagnosis: a file of managers and directors only reads as
    another mix of leads, a file that only converts more often does not; nothing is written. The first file
    goes through make, the second through src/shift_report.py's main in this process."""
    leads = read_text(leads_at_prior(0.3, tmp_path / "rate.csv"))
    position = leads["customer_position"].str.lower()
    leads[position.isin(["manager", "director"])].to_csv(tmp_path / "mix.csv", index=False)
    printed = {}
    pinned = f"ensemble_run_id={ensemble_run.info.run_id}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_store}
    command = [
        "make",
        "shift-report",
        f"INPUT={tmp_path / 'mix.csv'}",
        f"SUBMIT_ARGS=select.dataset=synthetic {pinned}",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    printed["mix"] = result.stdout
    result = submit_in_process(tmp_path / "rate.csv", None, mlflow_store, pinned, script="src/shift_report.py")
    assert result.returncode == 0, result.stderr[-2000:]
    printed["rate"] = result.stdout
    auc = {name: float(text.split("shift AUC ")[1].split()[0]) for name, text in printed.items()}
    assert auc["mix"] > auc["rate"] + 0.1, auc
    assert "forecast F1" in printed["mix"] and "importance" in printed["mix"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.csv", "rate.csv"]


def without_column(path, out):
    read_text(path).drop(columns=["bant_submit"]).to_csv(out, index=False)


BAD_INPUT = [
    ("missing columns", without_column, "lacks 1 column(s) the models need: ['bant_submit']"),
    ("no id", lambda path, out: read_text(path).drop(columns=["id"]).to_csv(out, index=False), "need: ['id']"),
    ("semicolons", lambda path, out: read_text(path).to_csv(out, sep=";", index=False), "looks separated by ';'"),
    ("empty file", lambda path, out: out.write_text(""), "is empty"),
    ("no rows", lambda path, out: out.write_text(",".join(schema.TEST_COLUMNS) + "\n"), "no rows"),
    ("duplicated ids", lambda path, out: pd.concat([read_text(path)] * 2).to_csv(out, index=False), "duplicated ids"),
    ("no file", lambda path, out: None, "input file not found"),
]


@pytest.mark.parametrize("name, corrupt, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_file_writes_nothing(name, corrupt, message, ensemble_run, competition_file, tmp_path):
    bad, output = tmp_path / "bad.csv", tmp_path / "out" / "submission.csv"
    corrupt(competition_file, bad)
    with pytest.raises(DataError, match=re.escape(message)):
        make_submission(*submit_config(EXPERIMENT, bad, output))
    assert not output.exists() and not output.with_suffix(".json").exists()


@pytest.mark.slow
def test_bad_input_exits_with_one_line_and_no_file(competition_file, tmp_path):
    bad, output = tmp_path / "bad.csv", tmp_path / "submission.csv"
    without_column(competition_file, bad)
    result = run_main([f"input={bad}", f"output={output}", "select.dataset=synthetic"], script="src/submit.py")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: {bad} lacks 1 column(s) the models need: ['bant_submit']")
    )
    assert not output.exists() and not output.with_suffix(".json").exists()


def test_store_without_compatible_runs_writes_nothing(competition_file, tmp_path, experiment):
    output = tmp_path / "submission.csv"
    with pytest.raises(DataError, match=f"no finished runs to stack in experiment '{experiment}'"):
        make_submission(*submit_config(experiment, competition_file, output))
    assert not output.exists()


def delete_artifact(run_id: str, path: str) -> None:
    root = mlflow.get_run(run_id).info.artifact_uri.removeprefix("file://")
    (Path(root) / path).unlink()


def test_deleted_base_run_artifacts_are_reported(competition_file, tmp_path, experiment):
    base = run_in_process(tiny("logreg", "save_models=true"), experiment)["run_id"]
    ensemble_of(experiment)
    delete_artifact(base, "models/fold_pipelines.skops")
    output = tmp_path / "submission.csv"
    with pytest.raises(DataError, match=f"run {base} has no artifact models/fold_pipelines.skops"):
        make_submission(*submit_config(experiment, competition_file, output))
    assert not output.exists() and not output.with_suffix(".json").exists()
    delete_artifact(base, "predictions/oof.parquet")
    with pytest.raises(DataError, match=f"run {base} has no artifact predictions/oof.parquet"):
        ensemble_of(experiment)


@pytest.mark.slow
def test_empty_store_runs_the_suite_then_builds_the_ensemble(tmp_path, experiment):
    """No runs -> the suite (here a tiny two-job sweep instead of experiments' default_suite) -> ensemble -> file."""
    write_synthetic(tmp_path, n_rows=600, n_test=80, seed=42)
    output = tmp_path / "out.csv"
    args = [
        "-m",
        "dataset=synthetic",
        "dataset.n_rows=600",
        "dataset.n_test=80",
        "cv.n_splits=3",
        "model=logreg",
        "model.max_iter=300",
        "model.C=0.5,2.0",
        f"hydra.sweep.dir={tmp_path}/sweep",
    ]
    suite = "suite.args=[" + ",".join(f"'{arg}'" for arg in args) + "]"
    result = run_main(
        [
            f"input={tmp_path}/submission.csv",
            f"output={output}",
            "select.dataset=synthetic",
            f"tracking.experiment={experiment}",
            suite,
        ],
        script="src/submit.py",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "running the default suite first" in result.stdout
    runs = {r.info.run_id: r for r in runs_of(experiment)}
    singles = [
        i for i, r in runs.items() if "folds_digest" in r.data.tags and r.data.tags.get("run_type") != "ensemble"
    ]
    assert len(singles) == 2
    sidecar = json.loads(output.with_suffix(".json").read_text())
    assert sorted(sidecar["base_run_ids"]) == sorted(singles)
    assert runs[sidecar["ensemble_run_id"]].data.tags["run_type"] == "ensemble"
    assert len(read_text(output)) == 80


@pytest.mark.slow
def test_submit_with_reasons_explains_every_lead(ensemble_run, competition_file, tmp_path, mlflow_store):
    """`python src/submit.py ... reasons=true`: <output>.reasons.csv has every lead in the file's order,
    its score deciding as the scored file does, its reasons; the report's ten leads are the top ten."""
    output = tmp_path / "scored.csv"
    args = [f"input={competition_file}", f"output={output}", "select.dataset=synthetic", "reasons=true"]
    result = run_main([*args, f"ensemble_run_id={ensemble_run.info.run_id}"], script="src/submit.py")
    assert result.returncode == 0, result.stderr[-2000:]
    reasons = pd.read_csv(output.with_suffix(".reasons.csv"), keep_default_na=False, dtype={schema.ID: str})
    written, sidecar = read_text(output), json.loads(output.with_suffix(".json").read_text())
    assert list(reasons[schema.ID]) == list(written[schema.ID]) and sidecar["reasons_rows"] == len(written)
    assert ((reasons["score"] >= sidecar["threshold"] - 1e-6) == (written[schema.LABEL] == "True")).all()
    assert set(reasons["up1_column"]) - {""} <= set(schema.FEATURES) and (reasons["up1_column"] != "").any()
    first = reasons.loc[reasons["up1_column"] != ""].iloc[0]
    assert (
        first["up1_value"]
        == read_text(competition_file).set_index(schema.ID).loc[first[schema.ID], first["up1_column"]]
    )
    top = reasons.sort_values("score", ascending=False, kind="stable")[schema.ID].head(10)
    report = output.with_suffix(".report.md").read_text()
    assert [
        line.split(" | ")[1] for line in report.splitlines() if line.startswith("| ") and line[2:3].isdigit()
    ] == list(top)
    assert f"reasons for {len(written)} leads" in result.stdout
