"""python -m leadconv.tasks.holdout_search: a member's settings searched by its stack's held-out-customer F1."""

import re

import pytest

from helpers import run_main, run_script

pytestmark = pytest.mark.slow

COMMON = ["dataset=synthetic", "dataset.n_rows=3000", "dataset.n_test=200", "cv.n_splits=3"]


def write_candidates(path, members="[lgb, logreg]"):
    path.write_text(
        "runs:\n"
        "  lgb: [model=lightgbm, model.n_estimators=20, model.n_jobs=1]\n"
        "  logreg: [model=logreg, model.max_iter=300]\n"
        f"ensembles:\n  both: {{members: {members}, stacker: logreg}}\n"
    )
    return path


def search(tmp_path, *extra, trials=2):
    args = ["lgb", "--ensemble", "both", "--trials", str(trials), "--holdouts", "1", "--draws", "3", "--n-jobs", "1"]
    args += ["--mix-draws", "0"]
    args += ["--candidates", str(write_candidates(tmp_path / "c.yaml")), "--cache", str(tmp_path / "cache")]
    args += ["--storage", f"sqlite:///{tmp_path / 'study.db'}", *extra, *COMMON]
    args += [f"tracking.uri=sqlite:///{tmp_path / 'mlflow.db'}"]
    return run_main(args, script="leadconv.tasks.holdout_search")  # python -m leadconv.tasks.holdout_search ARGS


def trial_rows(stdout: str) -> dict[str, float]:
    return {m[1]: float(m[2]) for m in re.finditer(r"^\| (\d+) \| ([0-9.]+) \|", stdout, re.MULTILINE)}


def test_trials_are_judged_on_held_out_customers_and_the_study_goes_on(tmp_path):
    sweep = "model.n_estimators=int(interval(5,40))"
    first = search(tmp_path, sweep, "model.num_leaves=choice(8,31)")
    assert first.returncode == 0, first.stderr[-2000:]
    scores = trial_rows(first.stdout)
    assert set(scores) == {"0", "1"} and all(0 < f1 <= 1 for f1 in scores.values())
    listed = list(scores.values())
    assert listed == sorted(listed, reverse=True)  # best first
    best = first.stdout.strip().splitlines()[-1]
    assert best.startswith("best trial as a candidate: lgb_t")
    # a searched key replaces the member's own (model.n_estimators=20); the member's other settings stay
    assert best.count("model.n_estimators=") == 1 and "model.n_jobs=1" in best
    assert re.search(r"model\.num_leaves=(8|31)\b", best)
    # trial 0 is the member as it is (the space holds all its settings): the stack's own F1
    reference = re.search(r"^\| both with lgb as it is \| ([0-9.]+) \|", first.stdout, re.MULTILINE)
    assert reference and float(reference[1]) == scores["0"]

    cache = tmp_path / "cache"
    logreg_fit = {p: p.stat().st_mtime_ns for p in cache.glob("logreg-*")}
    assert len(logreg_fit) == 2 and len(list(cache.glob("lgb_t*-oof.parquet"))) == 2
    more = search(tmp_path, sweep, "model.num_leaves=choice(8,31)", "--mix-draws", "1", trials=1)
    assert more.returncode == 0, more.stderr[-2000:]
    assert set(trial_rows(more.stdout)) == {"0", "1", "2"}  # the stored study went on
    # judged on both kinds: the objective is the mean of the F1 at 25 % and on the drawn files
    row = re.search(r"^\| both with lgb as it is \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|", more.stdout, re.M)
    assert row and float(row[1]) == pytest.approx((float(row[2]) + float(row[3])) / 2, abs=2e-4)
    assert float(row[2]) == pytest.approx(scores["0"], abs=1e-4)  # the same rate-only draws as before
    assert {p: p.stat().st_mtime_ns for p in cache.glob("logreg-*")} == logreg_fit  # the stack's other run: cached


def test_an_ensemble_without_the_member_is_refused(tmp_path):
    candidates = write_candidates(tmp_path / "c.yaml", members="[logreg]")
    args = ["lgb", "--ensemble", "both", "--candidates", str(candidates)]
    args += ["--storage", f"sqlite:///{tmp_path / 'study.db'}", *COMMON]
    result = run_main(args, script="leadconv.tasks.holdout_search")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: --ensemble must name an ensemble")
    assert not (tmp_path / "study.db").exists()


def test_a_malformed_sweep_is_refused_in_one_line(tmp_path):
    args = ["lgb", "--ensemble", "both"]
    args += [
        "--candidates",
        str(write_candidates(tmp_path / "c.yaml")),
        "--storage",
        f"sqlite:///{tmp_path / 's.db'}",
    ]
    # the command itself, in a new interpreter (the other tests call its main in this process)
    result = run_script(["leadconv.tasks.holdout_search", *args, "model.num_leaves=choice(4", *COMMON], script="-m")
    assert result.returncode == 1 and not (tmp_path / "s.db").exists()
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot parse the overrides (")
