"""python -m leadconv.candidates (the README command): candidates judged on held-out customers, fits cached per run."""

import textwrap

import pytest

from helpers import run_main, run_script
from leadconv.tasks.shifted_judge import KIND_SLUGS

pytestmark = pytest.mark.slow

COMMON = ["dataset=synthetic", "dataset.n_rows=3000", "dataset.n_test=200", "cv.n_splits=3"]
LGB = "[model=lightgbm, model.n_estimators=20, model.n_jobs=1]"


def write_candidates(path, lgb=LGB, members="[lgb, logreg]"):
    path.write_text(
        textwrap.dedent(f"""\
        runs:
          lgb: {lgb}
          logreg: [model=logreg, model.max_iter=300]
        ensembles:
          both: {{members: {members}, stacker: mean}}
        """)
    )
    return path


def judge(candidates, tmp_path, *extra, process=False):
    args = ["--candidates", str(candidates), "--holdouts", "1", "--draws", "3", "--n-jobs", "1", "--mix-draws", "0"]
    args += ["--cache", str(tmp_path / "cache"), "--no-mlflow", *extra, *COMMON]
    if process:  # the README's command itself, in a new interpreter
        return run_script(["leadconv.candidates", *args], script="-m")
    return run_main(args, script="leadconv.candidates")  # its main in this process


def table_rows(stdout: str) -> dict[str, list[float]]:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 10 and cells[0] not in {"candidate", "---"} and cells[1] not in KIND_SLUGS:
            rows[cells[0]] = [float(c) for c in cells[2:]]
    return rows


def test_candidates_are_judged_and_only_changed_runs_refit(tmp_path):
    candidates = write_candidates(tmp_path / "candidates.yaml")
    report = tmp_path / "report.md"
    report.write_text("# Notes kept\n")
    first = judge(candidates, tmp_path, "--output", str(report))
    assert first.returncode == 0, first.stderr[-2000:]
    rows = table_rows(first.stdout)
    assert set(rows) == {"lgb", "logreg", "both"}
    auc, pr_auc, f1, _, f1_true_prior, hindsight, prior, _ = rows["both"]
    assert 0.5 < auc <= 1 and 0 < pr_auc <= 1 and 0 < prior < 1
    assert 0 < f1 <= hindsight <= 1 and 0 < f1_true_prior <= hindsight  # hindsight: the best threshold there is
    text = report.read_text()
    assert text.startswith("# Notes kept") and "| both | mean stacker over lgb, logreg |" in text

    cache = tmp_path / "cache"
    logreg_files = {p: p.stat().st_mtime_ns for p in cache.glob("logreg-*")}
    assert len(logreg_files) == 2 and len(list(cache.glob("lgb-*"))) == 2
    second = judge(write_candidates(candidates, lgb=LGB.replace("20", "30")), tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert {p: p.stat().st_mtime_ns for p in cache.glob("logreg-*")} == logreg_files  # not refit
    assert len(list(cache.glob("lgb-*"))) == 4  # the changed run was fitted anew
    assert table_rows(second.stdout)["logreg"] == rows["logreg"]
    assert table_rows(second.stdout)["lgb"] != rows["lgb"]
    # where MLflow logs changes no fit: the cache still serves every run
    third = judge(candidates, tmp_path, f"tracking.uri=sqlite:///{tmp_path / 'other.db'}")
    assert third.returncode == 0, third.stderr[-2000:]
    assert len(list(cache.glob("*-oof.parquet"))) == 3 and table_rows(third.stdout) == table_rows(second.stdout)


def test_an_ensemble_of_unknown_runs_is_refused(tmp_path):
    result = judge(write_candidates(tmp_path / "c.yaml", members="[lgb, xgb]"), tmp_path, process=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: ensemble both")
    assert "unknown: ['xgb']" in result.stderr and not (tmp_path / "cache").exists()


def test_weighting_params_that_are_no_mapping_are_refused_before_any_fit(tmp_path):
    candidates = tmp_path / "c.yaml"
    candidates.write_text(
        f"runs:\n  lgb: {LGB}\nensembles:\n  s: {{members: [lgb], weighting: toward_file, weighting_params: 1}}\n"
    )
    result = judge(candidates, tmp_path)
    assert result.returncode == 1 and "weighting_params must be a mapping" in result.stderr
    assert not (tmp_path / "cache").exists()


def test_a_transductive_candidate_counts_the_held_out_rows_features(tmp_path):
    engineered = "[model=logreg, model.max_iter=300, features=engineered"
    candidates = tmp_path / "c.yaml"
    candidates.write_text(
        f"runs:\n  inductive: {engineered}]\n  transductive: {engineered}, features.transductive=true]\n"
    )
    result = judge(candidates, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = table_rows(result.stdout)
    # the same run but for counts that also read the held-out rows: other held-out scores
    assert set(rows) == {"inductive", "transductive"} and rows["transductive"] != rows["inductive"]


def test_per_holdout_f1_is_printed_and_averages_to_the_table(tmp_path):
    candidates = write_candidates(tmp_path / "c.yaml")
    result = judge(candidates, tmp_path, "--only", "logreg", "--holdouts", "2", "--per-holdout")
    assert result.returncode == 0, result.stderr[-2000:]
    f1 = table_rows(result.stdout)["logreg"][2]
    line = next(row for row in result.stdout.splitlines() if row.startswith("| logreg |") and row.count("|") == 5)
    first, second, mean = (float(c) for c in line.strip("|").split("|")[1:])
    assert first != second and mean == pytest.approx((first + second) / 2, abs=1e-4)
    assert mean == pytest.approx(f1, abs=1e-4)  # the table's F1 is the mean over hold-outs (rate-only draws)


def kinds_rows(stdout: str) -> dict[tuple[str, str], list]:
    """The both-kinds table: (candidate, held-out file) -> [true prior, AUC, PR AUC, F1, hindsight, prior,
    effective leads, star]."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[1] in KIND_SLUGS:
            rows[cells[0], cells[1]] = [*(float(c.replace(",", "")) for c in cells[2:9]), cells[9]]
    return rows


def test_both_kinds_of_hold_out_judge_every_candidate_and_weighting_is_fitted_toward_the_file(tmp_path):
    """--mix-draws: each candidate is also judged on files drawn toward the competition file's mix; a
    weighting=toward_file run fits its rows toward the competition file, so it scores otherwise."""
    candidates = tmp_path / "c.yaml"
    candidates.write_text(
        f"runs:\n  lgb: {LGB}\n  lgb_toward: {LGB[:-1]}, weighting=toward_file]\n"
        "ensembles:\n  stack: {members: [lgb, lgb_toward]}\n"
        "  stack_toward: {members: [lgb, lgb_toward], weighting: toward_file}\n"
        "  stack_toward_t1: {members: [lgb, lgb_toward], weighting: toward_file, weighting_params: {temper: 1}}\n"
    )
    result = judge(candidates, tmp_path, "--mix-draws", "1", "--per-holdout")
    assert result.returncode == 0, result.stderr[-2000:]
    kinds = kinds_rows(result.stdout)
    expected = {"rate 25%", "mix^0.5", "mix", "mix → 35%"}
    names = ("lgb", "lgb_toward", "stack", "stack_toward", "stack_toward_t1")
    assert set(kinds) == {(name, kind) for name in names for kind in expected}
    for kind in expected:  # the best F1 of each kind is starred (both, when tied)
        best = max(kinds[name, kind][3] for name in names)
        stars = [name for name in names if kinds[name, kind][7] == "★"]
        assert stars and all(kinds[name, kind][3] == best for name in stars)
    for (_, kind), (prior, auc, pr_auc, f1, hindsight, _, leads, _) in kinds.items():
        assert 0.5 < auc <= 1 and 0 < pr_auc <= 1 and 0 <= f1 <= hindsight + 1e-9 and leads >= 1
        assert prior == pytest.approx(0.25, abs=0.01) if kind == "rate 25%" else 0 < prior < 1
    assert kinds["lgb", "mix → 35%"][0] == pytest.approx(0.35, abs=0.01)
    # drawn with replacement, the untempered odds repeat the most file-like leads more than the tempered ones
    assert kinds["lgb", "mix"][6] < kinds["lgb", "mix^0.5"][6]
    rates = table_rows(result.stdout)
    assert kinds["lgb", "rate 25%"][3] == pytest.approx(rates["lgb"][2], abs=1e-4)  # the same rate-only draws
    assert rates["lgb_toward"] != rates["lgb"]  # the weights reached the fit
    assert rates["stack_toward"] != rates["stack"]  # ... and the stacker's
    assert rates["stack_toward_t1"] != rates["stack_toward"]  # weighting_params reached the stacker's weights
    # the per-hold-out F1 is the rate-only draws' (the drawn files are judged apart)
    line = next(row for row in result.stdout.splitlines() if row.startswith("| lgb |") and row.count("|") == 4)
    assert float(line.strip("|").split("|")[1]) == pytest.approx(rates["lgb"][2], abs=1e-4)
