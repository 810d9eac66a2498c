"""Every option of every config group composes and builds."""

import pytest
from hydra.utils import instantiate

from conftest import CONF, compose_config
from leadconv.runner import build_components

GROUPS = ["dataset", "features", "sampler", "model", "cv", "threshold"]
OPTIONS = [(group, path.stem) for group in GROUPS for path in sorted((CONF / group).glob("*.yaml"))]


def test_every_required_option_exists():
    names = {(g, o) for g, o in OPTIONS}
    for sampler in ["none", "random_under", "random_over", "smote", "smotenc", "adasyn", "borderline_smote", "smote_tomek"]:
        assert ("sampler", sampler) in names
    for model in ["logreg", "random_forest", "extra_trees", "hist_gb", "lightgbm", "xgboost", "catboost"]:
        assert ("model", model) in names


@pytest.mark.parametrize("group, option", OPTIONS)
def test_option_composes_and_builds(group, option):
    cfg, choices = compose_config([f"{group}={option}"])
    assert choices[group] == option
    parts = build_components(cfg)
    assert hasattr(instantiate(cfg.dataset), "load")
    assert parts.pipeline.get_params()  # a scikit-learn estimator all the way down


@pytest.mark.parametrize("model", ["logreg", "random_forest", "extra_trees", "hist_gb", "lightgbm", "xgboost", "catboost"])
def test_every_model_has_class_weight_option(model):
    cfg, _ = compose_config([f"model={model}", "model.class_weight=4.0"])
    assert cfg.model.class_weight == 4.0
    build_components(cfg)


def test_data_dir_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LG_AIMERS_DATA_DIR", str(tmp_path))
    cfg, _ = compose_config([])
    assert cfg.dataset.data_dir == str(tmp_path)
    monkeypatch.delenv("LG_AIMERS_DATA_DIR")
    cfg, _ = compose_config([])
    assert cfg.dataset.data_dir.endswith("data/raw")
