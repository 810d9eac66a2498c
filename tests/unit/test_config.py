"""Every option of every config group composes and builds; no option file is out of every test's reach."""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf
from sklearn.base import clone

from helpers import CONF, compose_config, options, tiny
from leadconv.components.dataset import SyntheticData
from leadconv.engine.run import build_components

ENTRY_CONFIGS = sorted(path.stem for path in CONF.glob("*.yaml"))  # config (src/run.py), ensemble, submit, ...
# the groups of src/run.py's config, read from its defaults list: a group added there is tested here too
GROUPS = sorted(compose_config([])[1])
# options whose library is an optional extra: built only where it is installed (their refusal is tested)
OPTIONAL_LIBRARY = {("prior", "quapy"): "quapy"}
OPTIONS = [
    pytest.param(
        group,
        option,
        marks=pytest.mark.skipif(
            (group, option) in OPTIONAL_LIBRARY and importlib.util.find_spec(OPTIONAL_LIBRARY[group, option]) is None,
            reason=f"{group}={option} needs an optional library that is not installed",
        ),
    )
    for group in GROUPS
    for option in options(group)
]
ENSEMBLE_OPTIONS = [
    (group, option)
    for group in sorted(set(compose_config([], "ensemble")[1]) - set(GROUPS))
    for option in options(group)
]


def chosen_groups(config_name: str, overrides: list[str]) -> set[str]:
    """The groups whose option one composition picks, Hydra's own (hydra/sweeper, ...) included."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name, overrides=overrides, return_hydra_config=True)
    return {key.split("@")[0] for key in cfg.hydra.runtime.choices}


def test_every_option_file_belongs_to_a_group_an_entry_config_picks_from():
    """An option in a directory no entry config (nor any of the project's sweepers) picks from is dead: no
    command can select it, and the option tests below would silently skip it."""
    directories = {str(path.parent.relative_to(CONF)) for path in CONF.glob("*/**/*.yaml")}
    picked = set().union(*(chosen_groups(name, []) for name in ENTRY_CONFIGS))
    picked |= set().union(*(chosen_groups("config", [f"hydra/sweeper={s}"]) for s in options("hydra/sweeper")))
    assert directories <= picked, f"option directories no config picks from: {sorted(directories - picked)}"


@pytest.mark.parametrize("group, option", OPTIONS)
def test_option_composes_and_builds(group, option):
    unsaved = ["save_models=false"] if option == "realmlp" else []  # its network is no skops-safe type
    cfg, choices = compose_config([f"{group}={option}", *unsaved])
    assert choices[group] == option
    parts = build_components(cfg)
    assert hasattr(instantiate(cfg.dataset), "load")
    pipeline = parts.pipeline
    assert [name for name, _ in pipeline.steps] == ["features", "sampler", "model"]
    copy = clone(pipeline)  # a scikit-learn estimator all the way down: clone rebuilds it from its params
    assert set(copy.get_params(deep=True)) == set(pipeline.get_params(deep=True))
    assert copy.named_steps["model"] is not pipeline.named_steps["model"]


@pytest.mark.parametrize("group, option", ENSEMBLE_OPTIONS)
def test_ensemble_option_composes_and_fits(group, option):
    """The groups only src/ensemble.py uses (the stackers): each option builds and stacks two columns."""
    cfg, choices = compose_config([f"{group}={option}"], config_name="ensemble")
    assert choices[group] == option
    rng = np.random.default_rng(0)
    X, y = pd.DataFrame(rng.random((200, 2)), columns=["a", "b"]), (rng.random(200) < 0.3).astype(int)
    proba = instantiate(cfg[group]).fit(X, y).predict_proba(X)
    assert proba.shape == (200, 2) and ((proba >= 0) & (proba <= 1)).all()


@pytest.mark.parametrize("model", options("model"))
def test_every_model_has_an_optuna_search_space_of_existing_parameters(model):
    """hydra/sweeper=optuna takes conf/search_space/<model>.yaml: each model needs one, and a misspelt
    parameter in it would fail only when a search starts."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/sweeper=optuna", f"model={model}"], return_hydra_config=True)
    space = OmegaConf.to_container(cfg.hydra.sweeper.search_space)
    assert space.get("model"), f"conf/search_space/{model}.yaml searches none of the model's parameters"
    for group, parameters in space.items():
        for name in parameters:
            assert name in cfg[group], f"search_space/{model}.yaml: {group}.{name} is not in conf/{group}/"


@pytest.fixture(scope="module")
def small_data():
    return SyntheticData(n_rows=600, n_test=100, seed=3).load()


# realmlp takes no class or sample weights (pytabkit's RealMLP has none), so its config has no class_weight
@pytest.mark.parametrize("model", [m for m in options("model") if m != "realmlp"])
def test_every_model_weights_converted_leads_by_class_weight(model, small_data):
    """class_weight=4 must reach the fitted model: it raises the predicted probabilities against no weight."""

    def mean_probability(weight):
        cfg, _ = compose_config(tiny(model, f"model.class_weight={weight}"))
        fitted = build_components(cfg).pipeline.fit(small_data.train, small_data.y)
        return fitted.predict_proba(small_data.test)[:, 1].mean()

    assert mean_probability(4.0) > mean_probability("null") + 0.02


def test_data_dir_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LG_AIMERS_DATA_DIR", str(tmp_path))
    cfg, _ = compose_config([])
    assert cfg.dataset.data_dir == str(tmp_path)
    monkeypatch.delenv("LG_AIMERS_DATA_DIR")
    cfg, _ = compose_config([])
    assert cfg.dataset.data_dir.endswith("data/raw")
