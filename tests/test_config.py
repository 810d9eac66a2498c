"""Every option of every config group composes and builds."""

import pytest
from hydra.utils import instantiate
from sklearn.base import clone

from conftest import CONF, compose_config, tiny
from leadconv.components.dataset import SyntheticData
from leadconv.engine.run import build_components

GROUPS = ["dataset", "features", "sampler", "model", "cv", "threshold"]
OPTIONS = [(group, path.stem) for group in GROUPS for path in sorted((CONF / group).glob("*.yaml"))]


def test_every_required_option_exists():
    names = {(g, o) for g, o in OPTIONS}
    for sampler in [
        "none",
        "random_under",
        "random_over",
        "smote",
        "smotenc",
        "adasyn",
        "borderline_smote",
        "smote_tomek",
    ]:
        assert ("sampler", sampler) in names
    for model in ["logreg", "random_forest", "extra_trees", "hist_gb", "lightgbm", "xgboost", "catboost"]:
        assert ("model", model) in names


@pytest.mark.parametrize("group, option", OPTIONS)
def test_option_composes_and_builds(group, option):
    cfg, choices = compose_config([f"{group}={option}"])
    assert choices[group] == option
    parts = build_components(cfg)
    assert hasattr(instantiate(cfg.dataset), "load")
    pipeline = parts.pipeline
    assert [name for name, _ in pipeline.steps] == ["features", "sampler", "model"]
    copy = clone(pipeline)  # a scikit-learn estimator all the way down: clone rebuilds it from its params
    assert set(copy.get_params(deep=True)) == set(pipeline.get_params(deep=True))
    assert copy.named_steps["model"] is not pipeline.named_steps["model"]


@pytest.fixture(scope="module")
def small_data():
    return SyntheticData(n_rows=600, n_test=100, seed=3).load()


@pytest.mark.parametrize(
    "model", ["logreg", "random_forest", "extra_trees", "hist_gb", "lightgbm", "xgboost", "catboost"]
)
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
