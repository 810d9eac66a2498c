"""A preset run end to end: `python src/run.py +experiment=NAME` from another working directory (the presets'
configs: tests/unit/test_presets.py)."""

import os
import subprocess
import sys

import pytest

from helpers import ROOT, SYNTHETIC, TINY_MODEL, runs_of


@pytest.mark.slow
def test_preset_runs_from_another_working_directory(experiment, tmp_path):
    args = [
        "+experiment=smoke",
        *SYNTHETIC,
        *TINY_MODEL["lightgbm"],
        f"tracking.experiment={experiment}",
        f"hydra.run.dir={tmp_path}/out",
    ]
    result = subprocess.run(
        [sys.executable, str(ROOT / "src" / "run.py"), *args],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [run] = runs_of(experiment)
    assert run.info.status == "FINISHED" and run.info.run_name == "smoke" and run.data.tags["dataset"] == "synthetic"
