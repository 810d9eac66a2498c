"""`make bench`: wall time and peak memory of one 5-fold run per model on the competition data, and
the framework's overhead: `src/run.py model=lightgbm` against a bare LightGBM 5-fold loop.

Each measurement is a separate process timed from start to exit, so imports, data loading and
MLflow logging count; peak memory is the process's maximum resident set size (wait4 rusage).
Runs go to a throw-away MLflow store, so benchmarking never clutters the project's runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from leadconv import PROJECT_ROOT, settings
from leadconv.bench import submit as bench_submit
from leadconv.bench import team as bench_team
from leadconv.bench import tune as bench_tune
from leadconv.errors import DataError
from leadconv.utils import block_of, compose_config, with_block

# The bare loop splits every row with a plain StratifiedKFold: compare the framework on the same split.
SAME_FOLDS_AS_BARE = ["cv=stratified", "cv.duplicates=ignore"]
MODELS = ["logreg", "random_forest", "extra_trees", "hist_gb", "lightgbm", "xgboost", "catboost"]
OVERHEAD_TARGET = 0.15
MEMORY_TARGET_GIB = 2.0

# The bare loop: what a data scientist would write by hand, with the same LightGBM parameters.
BARE_LOOP = """
import sys, json
import numpy as np, pandas as pd
from lightgbm import LGBMClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import f1_score
params, data_dir, seed = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
train = pd.read_csv(f"{data_dir}/train.csv")
test = pd.read_csv(f"{data_dir}/submission.csv")
y = train.pop("is_converted").astype(str).str.lower().eq("true").to_numpy()
test = test[train.columns]
for column in train.columns:
    if train[column].dtype == object or str(train[column].dtype) == "str" or column in ("customer_idx", "lead_owner"):
        levels = pd.Categorical(train[column].astype(str)).categories
        train[column] = pd.Categorical(train[column].astype(str), categories=levels)
        test[column] = pd.Categorical(test[column].astype(str), categories=levels)
import time
start = time.perf_counter()
oof, test_proba = np.zeros(len(train)), np.zeros(len(test))
for fit_rows, valid_rows in StratifiedKFold(5, shuffle=True, random_state=seed).split(train, y):
    model = LGBMClassifier(**params).fit(train.iloc[fit_rows], y[fit_rows])
    oof[valid_rows] = model.predict_proba(train.iloc[valid_rows])[:, 1]
    test_proba += model.predict_proba(test)[:, 1] / 5
print("loop_seconds", time.perf_counter() - start)
print("bare F1@0.5", round(f1_score(y, oof >= 0.5), 4))
"""


# What any run that logs to MLflow pays before its own work: import MLflow and open the store, less
# the pandas import that the bare loop pays too.
MLFLOW_ALONE = "import pandas, mlflow; mlflow.search_experiments(max_results=1)"
PANDAS_ALONE = "import pandas"

RUN_NAME = "bench"  # the name of every run make bench logs (latest_run finds it by that)


def measure(command: list[str], env: dict) -> dict:
    """Wall seconds and peak RSS (GiB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark command failed: {' '.join(command)}\n{output[-2000:]}")
    return {"seconds": seconds, "peak_gib": usage.ru_maxrss / 1024**2, "output": output}


def latest_run():
    """The run `run_command` logged last (its name is `bench`), read from the store, not from its output."""
    import mlflow

    runs = mlflow.search_runs(
        search_all_experiments=True,
        filter_string=f"attributes.run_name = '{RUN_NAME}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
        output_format="list",
    )
    if not runs:
        raise RuntimeError(f"the benchmark run logged no MLflow run named {RUN_NAME!r}")
    return runs[0]


def run_summary(run) -> str:
    metrics = run.data.metrics
    return (
        f"CV F1 {metrics['cv_f1']:.4f} ± {metrics['cv_f1_std']:.4f} | forecast F1 {metrics['forecast_f1']:.4f} | "
        f"threshold {metrics['threshold']:.4f} | {metrics['fit_seconds']:.1f}s | MLflow run {run.info.run_id}"
    )


def loop_seconds(bare_output: str) -> float:
    return float(next(line for line in bare_output.splitlines() if line.startswith("loop_seconds")).split()[1])


def lightgbm_params(overrides: list[str]) -> dict:
    """The model parameters `src/run.py model=lightgbm` would use, for the bare loop."""
    cfg = compose_config(["model=lightgbm", *overrides])
    params = OmegaConf.to_container(cfg.model, resolve=True)
    params.pop("_target_")
    params["verbose"] = -1
    return params, cfg.seed


def run_command(model: str, overrides: list[str]) -> list[str]:
    return [sys.executable, "src/run.py", f"model={model}", "save_models=false", f"run_name={RUN_NAME}", *overrides]


def benchmark(models: list[str], overrides: list[str], repeats: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with tempfile.TemporaryDirectory() as store:
        uri = f"sqlite:///{store}/mlflow.db"
        env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "HYDRA_FULL_ERROR": "1"}
        params, seed = lightgbm_params(overrides)
        data_dir = str(settings.data_dir(PROJECT_ROOT / "data" / "raw"))
        if not (Path(data_dir) / "train.csv").is_file():
            raise DataError(f"make bench needs the competition files in {data_dir}; set LG_AIMERS_DATA_DIR")
        measure(
            run_command("lightgbm", overrides + ["cv.n_splits=2", "model.n_estimators=5"]), env
        )  # create store, warm caches
        bare_command = [sys.executable, "-c", BARE_LOOP, json.dumps(params), data_dir, str(seed)]
        overhead = []
        import mlflow

        mlflow.set_tracking_uri(uri)
        for _ in range(repeats):  # interleaved, so drift in machine load hits both sides alike
            framework = measure(run_command("lightgbm", SAME_FOLDS_AS_BARE + overrides), env)
            bare = measure(bare_command, env)
            mlflow_alone = measure([sys.executable, "-c", MLFLOW_ALONE], env)["seconds"]
            overhead.append(
                {
                    "framework_s": framework["seconds"],
                    "bare_s": bare["seconds"],
                    "framework_cv_s": latest_run().data.metrics["fit_seconds"],
                    "bare_cv_s": loop_seconds(bare["output"]),
                    "mlflow_s": mlflow_alone - measure([sys.executable, "-c", PANDAS_ALONE], env)["seconds"],
                    "framework_peak_gib": framework["peak_gib"],
                    "bare_peak_gib": bare["peak_gib"],
                }
            )
        per_model = []
        for model in models:
            result = measure(run_command(model, overrides), env)
            summary = run_summary(latest_run())
            per_model.append(
                {"model": model, "wall_s": result["seconds"], "peak_gib": result["peak_gib"], "summary": summary}
            )
            print(f"{model:>14}: {result['seconds']:7.1f}s  peak {result['peak_gib']:.2f} GiB  {summary}", flush=True)
    return pd.DataFrame(per_model), pd.DataFrame(overhead)


def report(per_model: pd.DataFrame, overhead: pd.DataFrame, overrides: list[str]) -> str:
    framework, bare = overhead["framework_s"].median(), overhead["bare_s"].median()
    framework_cv, bare_cv = overhead["framework_cv_s"].median(), overhead["bare_cv_s"].median()
    ratio, cv_ratio = framework / bare - 1, framework_cv / bare_cv - 1
    mlflow_s = overhead["mlflow_s"].median()
    lines = [
        "# Benchmark: one 5-fold run per model on the competition data",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, by `make bench`{' with ' + ' '.join(overrides) if overrides else ''}. "
        "Each figure is one process from start to exit (imports, data loading, CV, MLflow logging); "
        "peak memory is that process's maximum resident set size.",
        "",
        "## Framework overhead (LightGBM, 5 folds)",
        "",
        f"| | median wall (s) over {len(overhead)} interleaved pairs | peak memory (GiB) |",
        "| --- | --- | --- |",
        f"| `src/run.py model=lightgbm {' '.join(SAME_FOLDS_AS_BARE)}` | {framework:.1f} (CV loop {framework_cv:.1f}) | "
        f"{overhead['framework_peak_gib'].max():.2f} |",
        f"| bare LightGBM 5-fold loop, same parameters | {bare:.1f} (CV loop {bare_cv:.1f}) | "
        f"{overhead['bare_peak_gib'].max():.2f} |",
        "",
        f"Overhead of the whole process: **{ratio:+.1%}** of the bare loop's wall time, i.e. "
        f"{framework - bare:.1f}s (target: at most {OVERHEAD_TARGET:.0%}) — {'met' if ratio <= OVERHEAD_TARGET else 'NOT met'}.",
        f"Overhead of the CV loop alone (feature set, pipeline, per-fold scoring and importances against "
        f"the bare loop's fit/predict): **{cv_ratio:+.1%}** — {'met' if cv_ratio <= OVERHEAD_TARGET else 'NOT met'}.",
        f"The difference between the two is a fixed cost per run (imports of Hydra/MLflow/matplotlib, opening the "
        f"MLflow store, logging artifacts and plots) of about {(framework - framework_cv) - (bare - bare_cv):.1f}s, "
        "which does not grow with the data or the model.",
        f"Of that, importing MLflow and opening the store alone takes {mlflow_s:.1f}s (a process that does only "
        f"that, less one that only imports pandas, as the bare loop does too): {mlflow_s / bare:.0%} of the bare "
        "loop, a floor for any run that logs to MLflow.",
        "",
        "## Per model (default settings: `cv=group`, `features=raw`, `sampler=none`)",
        "",
        "| model | wall (s) | peak memory (GiB) | within 2 GiB | run summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in per_model.itertuples():
        within = "yes" if row.peak_gib < MEMORY_TARGET_GIB else "NO"
        summary = row.summary.replace("|", "\\|")
        lines.append(f"| {row.model} | {row.wall_s:.1f} | {row.peak_gib:.2f} | {within} | {summary} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=MODELS, help="models to time (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="framework/bare pairs for the overhead (median)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "experiments" / "benchmark.md"))
    parser.add_argument("--tune-trials", type=int, default=6, help="Optuna throughput: trials per setup (0 skips it)")
    parser.add_argument(
        "--tune-only", action="store_true", help="only the Optuna throughput, replacing its section of --out"
    )
    parser.add_argument(
        "--submit-only",
        action="store_true",
        help="only the default suite and make submit from an empty store, replacing its section of --out",
    )
    parser.add_argument("--skip-submit", action="store_true", help="leave out the default-suite/make submit section")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run, e.g. cv.n_splits=5")
    args = parser.parse_args(argv)
    old = Path(args.out).read_text() if Path(args.out).exists() else ""
    try:
        if args.tune_only or args.submit_only:
            text = old
        else:
            per_model, overhead = benchmark(args.models, args.overrides, args.repeats)
            text = report(per_model, overhead, args.overrides)
        if args.tune_trials and not args.submit_only:  # trials per minute of a LightGBM search (leadconv.bench.tune)
            text = bench_tune.replace_section(text, bench_tune.run(args.tune_trials, args.overrides))
        elif not args.submit_only and bench_tune.section_of(old):  # not measured this time: keep the last one
            text = bench_tune.replace_section(text, bench_tune.section_of(old))
        for begin, end in [(bench_team.BEGIN, bench_team.END), bench_submit.MARKERS]:  # sections kept from before
            kept = block_of(old, begin, end)
            if kept and block_of(text, begin, end) is None:
                text = with_block(text, kept, begin, end)
        if not (args.tune_only or args.skip_submit):
            text = with_block(text, bench_submit.run(args.overrides), *bench_submit.MARKERS)
    except DataError as error:
        sys.exit(f"error: {error}")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
