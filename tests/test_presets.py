"""Experiment presets (experiments/experiment/*.yaml): `python src/run.py +experiment=NAME`."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SYNTHETIC, TINY_MODEL, compose_config, runs_of
from leadconv.engine.run import build_components

PRESETS = sorted(p.stem for p in (ROOT / "experiments" / "experiment").glob("*.yaml"))


def hydra_config(overrides):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=True)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_composes_builds_and_states_its_question(name):
    assert "# Question:" in (ROOT / "experiments" / "experiment" / f"{name}.yaml").read_text()
    cfg, _ = compose_config([f"+experiment={name}"])
    build_components(cfg)
    sweep = hydra_config([f"+experiment={name}"]).hydra.sweeper
    for key, values in (sweep.get("params") or {}).items():  # every job of a grid preset composes too
        for value in str(values).split(","):
            build_components(compose_config([f"+experiment={name}", f"{key}={value}"])[0])
    if sweep.get("n_trials"):
        assert sweep.search_space.model, "an Optuna preset gets its model's search space"


def test_default_suite_is_a_small_diverse_honest_multirun():
    hydra = hydra_config(["+experiment=default_suite"]).hydra
    assert hydra.mode.name == "MULTIRUN"
    assert hydra.runtime.choices.cv == "group"
    members = hydra.sweeper.params["+suite_member"].split(",")
    models = [compose_config(["+experiment=default_suite", f"+suite_member={m}"])[1]["model"] for m in members]
    assert len(set(models)) >= 3  # diverse model families
    # make submit's default selection stacks every member: none is left out by top_k or max_per_model
    select = compose_config([], config_name="ensemble")[0].select
    assert len(members) <= select.top_k and max(models.count(m) for m in models) <= select.max_per_model


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
