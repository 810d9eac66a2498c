"""Start-up: an entry point imports the libraries of the work only when it has work for them."""

import json
import subprocess
import sys

import pytest

from helpers import ROOT, tiny

HEAVY = ("mlflow", "sklearn", "lightgbm", "catboost", "xgboost", "optuna", "skops", "matplotlib")


def imported_after(script: str, args: list[str]) -> list[str]:
    """The HEAVY packages a fresh interpreter holds after running `python <script> <args>`."""
    probe = (
        "import json, runpy, sys\n"
        f"sys.argv = [{script!r}, *{args!r}]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("script", ["src/run.py", "src/ensemble.py", "src/submit.py"])
def test_printing_the_config_loads_no_library_of_the_work(script):
    assert imported_after(script, ["--cfg", "job"]) == []


def test_a_run_that_saves_no_models_does_not_load_the_model_file_format():
    loaded = imported_after("src/run.py", tiny("lightgbm"))
    assert "mlflow" in loaded and "lightgbm" in loaded  # the run did its work
    assert "skops" not in loaded
