"""Experiment presets (experiments/experiment/*.yaml): `python src/run.py +experiment=NAME` (a preset run from
another directory: tests/integration/test_presets_integration.py)."""

import itertools

import pytest
from omegaconf import OmegaConf

from helpers import ROOT, compose_config
from leadconv.engine.run import build_components

PRESETS = sorted(p.stem for p in (ROOT / "experiments" / "experiment").glob("*.yaml"))


def hydra_config(overrides):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=True)


def jobs(name: str) -> list[list[str]]:
    """The overrides of each job a preset runs: one per combination of its grid's values (one job if no grid)."""
    params = hydra_config([f"+experiment={name}"]).hydra.sweeper.get("params") or {}
    grid = [[f"{key}={value}" for value in str(values).split(",")] for key, values in params.items()]
    return [list(job) for job in itertools.product(*grid)]


@pytest.mark.parametrize("name", PRESETS)
def test_preset_composes_and_builds(name):
    cfg, _ = compose_config([f"+experiment={name}"])
    build_components(cfg)
    sweep = hydra_config([f"+experiment={name}"]).hydra.sweeper
    for key, values in (sweep.get("params") or {}).items():  # every job of a grid preset composes too
        for value in str(values).split(","):
            build_components(compose_config([f"+experiment={name}", f"{key}={value}"])[0])
    if sweep.get("n_trials"):
        assert sweep.search_space.model, "an Optuna preset gets its model's search space"


@pytest.mark.parametrize("name", PRESETS)
def test_every_job_of_a_preset_is_a_run_the_defaults_would_not_make(name):
    """A preset asks a question of its own: each job it runs differs from `python src/run.py` without it,
    and the jobs of a grid differ from each other (a value repeated, or overridden by the preset itself,
    would compare a configuration with itself)."""
    default = OmegaConf.to_yaml(compose_config([])[0])
    configs = [OmegaConf.to_yaml(compose_config([f"+experiment={name}", *job])[0]) for job in jobs(name)]
    assert default not in configs
    assert len(set(configs)) == len(configs) == len(jobs(name))


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
