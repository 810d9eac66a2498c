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
