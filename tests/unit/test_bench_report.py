"""experiments/benchmark.md: a partial `make bench` replaces what it measured and keeps the rest."""

from leadconv.bench import tune

DOCUMENT = """# Benchmark

## Per model
| a |

## Optuna search throughput (LightGBM)

old throughput table

<!-- bench_team:begin -->
team table
<!-- bench_team:end -->
"""


def test_section_of_takes_the_optuna_section_up_to_the_next_block():
    assert tune.section_of(DOCUMENT) == "## Optuna search throughput (LightGBM)\n\nold throughput table\n"
    assert tune.section_of("# Benchmark\n\n## Per model\n") is None


def test_a_kept_section_moves_into_a_freshly_measured_report_once():
    fresh = "# Benchmark\n\n## Per model\n| b |\n"
    merged = tune.replace_section(fresh, tune.section_of(DOCUMENT))
    assert merged.count(tune.SECTION) == 1 and "old throughput table" in merged and "| b |" in merged


def test_the_overhead_report_states_the_mlflow_floor_against_the_bare_loop():
    import pandas as pd

    from leadconv.bench.report import report

    overhead = pd.DataFrame(
        {
            "framework_s": [12.0, 13.0, 12.5],
            "bare_s": [8.0, 8.0, 8.0],
            "framework_cv_s": [7.0, 7.0, 7.0],
            "bare_cv_s": [7.0, 7.0, 7.0],
            "mlflow_s": [1.2, 1.0, 1.6],
            "framework_peak_gib": [0.5] * 3,
            "bare_peak_gib": [0.3] * 3,
        }
    )
    per_model = pd.DataFrame([{"model": "lightgbm", "wall_s": 12.5, "peak_gib": 0.5, "summary": "CV F1 0.5 | x"}])
    text = report(per_model, overhead, [])
    assert "**+56.2%**" in text and "NOT met" in text  # the medians: 12.5 s against 8.0 s
    assert "opening the store alone takes 1.2s" in text and "15% of the bare loop" in text
