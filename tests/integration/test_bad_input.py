"""Bad input through the real entry points: one short `error:` line, non-zero exit, nothing left behind."""

import sqlite3

import pytest

from helpers import run_main, run_script
from leadconv.components.synthetic import write_synthetic


def corrupt_train(change):
    """A data directory whose train.csv is the synthetic one after `change(path)`."""

    def make(directory):
        write_synthetic(directory, n_rows=300, n_test=50, seed=0)
        change(directory / "train.csv")

    return make


def replace_cell(column: str, value: str):
    def change(path):
        lines = path.read_text().splitlines()
        header = lines[0].split(",")
        cells = lines[1].split(",")
        cells[header.index(column)] = value
        path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")

    return change


def one_row_of_each_class(path):
    header, *rows = path.read_text().splitlines()
    converted = [row for row in rows if row.endswith(",True")]
    other = [row for row in rows if row.endswith(",False")]
    path.write_text("\n".join([header, converted[0], other[0]]) + "\n")


DATA_CASES = {
    "non-UTF-8 bytes": (
        corrupt_train(lambda p: p.write_bytes(p.read_bytes().replace(b"India", b"Indi\xe4", 1))),
        "is not UTF-8 text",
    ),
    "too many fields": (
        corrupt_train(lambda p: p.write_text(p.read_text() + "1," * 60 + "1\n")),
        "is not a well-formed CSV",
    ),
    "random bytes": (corrupt_train(lambda p: p.write_bytes(bytes(range(256)) * 50)), "train.csv"),
    "inf in a numeric column": (corrupt_train(replace_cell("lead_desc_length", "inf")), "infinite value"),
    "1e999 in a numeric column": (corrupt_train(replace_cell("com_reg_ver_win_rate", "1e999")), "infinite value"),
    "-inf in a numeric column": (corrupt_train(replace_cell("historical_existing_cnt", "-inf")), "infinite value"),
    "2-row train": (corrupt_train(one_row_of_each_class), "cv.n_splits=5 needs at least 5"),
    "2 MB garbage header": (
        corrupt_train(
            lambda p: p.write_text(",".join(f"col{'x' * 40}{i}" for i in range(50_000)) + "\n" + "1," * 49_999 + "1\n")
        ),
        "has the wrong columns",
    ),
}

CONFIG_CASES = {
    "threshold value above 1": (["threshold=fixed", "threshold.value=2"], "threshold.value must be a number in (0, 1)"),
    "threshold value not a number": (["threshold=fixed", "threshold.value=abc"], "threshold.value must be"),
    "test prior outside (0, 1)": (
        ["threshold.test_prior=1.5"],
        "threshold.test_prior must be a number in (0, 1) or auto",
    ),
    "known prior of 0": (["prior=fixed", "prior.value=0"], "prior.value must be a number in (0, 1)"),
    "bbse cut above 1": (["prior=bbse", "prior.cuts=[0.5,2]"], "prior.cuts must be a list of probabilities"),
    "unknown objective": (["objective=accuracy"], "objective=accuracy is not a run metric"),
    "more folds than customers": (["cv.n_splits=40"], "cv=group with cv.n_splits=40 needs at least 40 customers"),
    "tracking server down": (["tracking.uri=http://127.0.0.1:9"], "tracking server http://127.0.0.1:9 does not answer"),
    "file tracking store": (["tracking.uri=file:/nonexistent/mlruns"], "MLflow store file:/nonexistent/mlruns cannot"),
    "store under a file": (["tracking.uri=sqlite:////dev/null/mlflow.db"], "/dev/null is a file, not a directory"),
    "depth refused inside XGBoost's fit": (
        ["model=xgboost", "model.max_depth=-3", "model.n_estimators=5", "model.n_jobs=1"],
        "model=xgboost cannot be fit with its settings: XGBClassifier says: value -3 for Parameter max_depth",
    ),
    "negative learning rate": (
        ["model=lightgbm", "model.learning_rate=-0.1"],
        "model.learning_rate must be a number > 0",
    ),
    "learning rate not a number": (["model=lightgbm", "model.learning_rate=abc"], "model.learning_rate must be"),
    "catboost iterations not a number": (
        ["model=catboost", "model.iterations=abc"],
        "model.iterations must be an integer",
    ),
    "row count not a number": (["dataset.n_rows=abc"], "dataset.n_rows must be a whole number"),
    "customer cap on pooled customers": (
        ["sampler=customer_cap", "features=clean"],
        "sampler=customer_cap would cap the pooled 'other' customer of features min_count=10",
    ),
    "smote on a fold with one converted lead": (
        [
            "dataset.n_rows=30",
            "cv=stratified",
            "cv.n_splits=2",
            "sampler=smote",
            "cv.duplicates=ignore",
            "dataset.positive_rate=0.05",
        ],
        "needs at least 2 rows of each class in every training fold",
    ),
}


def assert_one_error_line(result, expected: str):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), result.stderr[-2000:]
    assert sum(line.startswith("error:") for line in lines) == 1
    assert len(lines[-1]) < 500 and expected in lines[-1], lines[-1][:600]


def runs_in(store) -> list[str]:
    """The statuses of the store's runs (deleted runs left out)."""
    if not store.exists():
        return []
    with sqlite3.connect(store) as db:
        return [status for (status,) in db.execute("select status from runs where lifecycle_stage = 'active'")]


@pytest.mark.slow
@pytest.mark.parametrize("case", DATA_CASES)
def test_bad_data_file(case, tmp_path):
    make, expected = DATA_CASES[case]
    make(tmp_path / "data")
    store = tmp_path / "mlruns" / "mlflow.db"
    result = run_main(
        ["model=logreg", "model.max_iter=50", "save_models=false", f"tracking.uri=sqlite:///{store}"],
        env_extra={"LG_AIMERS_DATA_DIR": str(tmp_path / "data")},
        timeout=120,
    )
    assert_one_error_line(result, expected)
    assert not {"FINISHED", "RUNNING"} & set(runs_in(store))


@pytest.mark.slow
@pytest.mark.parametrize("case", CONFIG_CASES)
def test_bad_config_value(case, tmp_path):
    overrides, expected = CONFIG_CASES[case]
    store = tmp_path / "mlruns" / "mlflow.db"
    result = run_main(
        ["dataset=synthetic", "dataset.n_rows=400", "save_models=false", f"tracking.uri=sqlite:///{store}", *overrides],
        timeout=60,
    )
    assert_one_error_line(result, expected)
    assert not {"FINISHED", "RUNNING"} & set(runs_in(store))


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["ensemble_run_id=0123456789abcdef"], "ensemble_run_id=0123456789abcdef is not a run of"),
        (["output={tmp}/scored.json"], "ends in .json"),
        (["output={tmp}"], "is a directory"),
        (["output={tmp}/a_file/out.csv"], "is a file, not a directory"),
    ],
)
def test_bad_submit_arguments(overrides, expected, tmp_path):
    write_synthetic(tmp_path / "data", n_rows=300, n_test=50, seed=0)
    (tmp_path / "a_file").write_text("keep")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    store = tmp_path / "mlruns" / "mlflow.db"
    args = [a.replace("{tmp}", str(tmp_path)) for a in overrides]
    result = run_main(
        [
            f"input={tmp_path / 'data' / 'submission.csv'}",
            "select.dataset=synthetic",
            "suite.enabled=false",
            f"tracking.uri=sqlite:///{store}",
            *args,
        ],
        script="src/submit.py",
    )
    assert_one_error_line(result, expected)
    after = sorted(p.name for p in tmp_path.rglob("*") if "mlruns" not in p.relative_to(tmp_path).parts)
    assert after == before and (tmp_path / "a_file").read_text() == "keep"  # nothing written, nothing replaced


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["model=lightgbm,logreg", "model.n_jobs=1"], "model=logreg model.n_jobs=1` does not compose"),
        (["threshold=fixed", "threshold.value=2,3"], "every job of the sweep failed (2 runs)"),
        (
            ["model=lightgbm,logreg", "tracking.uri=http://127.0.0.1:9"],
            "tracking server http://127.0.0.1:9 does not answer",
        ),
    ],
)
def test_bad_grid(overrides, expected, tmp_path):
    store = tmp_path / "mlflow.db"
    result = run_main(
        [
            "-m",
            "dataset=synthetic",
            "dataset.n_rows=400",
            "save_models=false",
            f"tracking.uri=sqlite:///{store}",
            *overrides,
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        timeout=120,
    )
    assert_one_error_line(result, expected)
    assert not {"FINISHED", "RUNNING"} & set(runs_in(store))
    if "does not compose" in expected:  # stopped before any job: not even an empty parent run is left
        assert runs_in(store) == []


@pytest.mark.parametrize(
    "script, overrides, expected",
    [
        ("src/run.py", ["model=lightgmb"], "model=lightgmb: no such option of `model`; did you mean model=lightgbm?"),
        ("src/run.py", ["modle=catboost"], "`modle` is not a config key or group of config.yaml; did you mean model?"),
        (
            "src/run.py",
            ["model.num_leafs=64"],
            "model.num_leafs: no such key with model=lightgbm; did you mean model.num_leaves?",
        ),
        ("src/run.py", ["+modle=catboost"], "+modle: `modle` is not a config key or group"),
        ("src/run.py", ["-m", "model=logreg,lightgmb"], "did you mean model=lightgbm?"),
        ("src/ensemble.py", ["stacker=meen"], "did you mean stacker=mean?"),
    ],
)
def test_config_typos_get_one_line_with_the_nearest_names(script, overrides, expected, tmp_path):
    store = tmp_path / "mlflow.db"
    extra = ["dataset=synthetic"] if script == "src/run.py" else []
    result = run_main([*overrides, *extra, f"tracking.uri=sqlite:///{store}"], script=script, timeout=60)
    assert result.returncode == 1
    assert "HYDRA_FULL_ERROR" not in result.stderr
    assert_one_error_line(result, expected)
    assert not store.exists()  # refused before anything ran


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, overrides, expected",
    [
        ("src/ensemble.py", ["stacker=meen"], "did you mean stacker=mean?"),  # refused before Hydra composes
        ("src/run.py", ["threshold=fixed", "threshold.value=2"], "threshold.value must be a number in (0, 1)"),
    ],
)
def test_a_real_process_ends_with_the_same_one_line(script, overrides, expected, tmp_path):
    """The cases above run the entry scripts' mains in-process (run_main); two go through a real interpreter:
    the exit code and stderr a shell sees are what run_main reports."""
    store = tmp_path / "mlflow.db"
    extra = ["dataset=synthetic", "dataset.n_rows=400", "save_models=false"] if script == "src/run.py" else []
    result = run_script([*overrides, *extra, f"tracking.uri=sqlite:///{store}"], script=script, timeout=120)
    assert result.returncode == 1
    assert_one_error_line(result, expected)
    assert not {"FINISHED", "RUNNING"} & set(runs_in(store))
