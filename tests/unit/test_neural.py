"""model=realmlp: RealMLP (pytabkit) as an optional model; its fit tests run where `make install-neural` ran."""

import sys

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from helpers import compose_config
from leadconv.components.dataset import SyntheticData
from leadconv.components.features import EngineeredFeatures
from leadconv.components.neural import RealMLPModel
from leadconv.engine.run import build_components
from leadconv.errors import ConfigError


def test_without_pytabkit_the_model_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytabkit", None)  # import pytabkit now raises ImportError
    data = SyntheticData(n_rows=300, n_test=10).load()
    X = EngineeredFeatures().fit_transform(data.train, data.y)
    with pytest.raises(ConfigError, match="make install-neural"):
        RealMLPModel(n_epochs=1).fit(X, data.y)


def test_a_run_that_would_save_it_fails_before_any_fit_and_names_save_models_false():
    with pytest.raises(ConfigError, match="save_models=false"):
        build_components(compose_config(["model=realmlp", "dataset=synthetic"])[0])
    parts = build_components(compose_config(["model=realmlp", "dataset=synthetic", "save_models=false"])[0])
    assert isinstance(parts.model, RealMLPModel) and parts.model.n_epochs == 64


def test_it_ranks_leads_and_fills_blank_numbers_from_the_fit_rows():
    pytest.importorskip("pytabkit")
    data = SyntheticData(n_rows=1500, n_test=10).load()
    features = EngineeredFeatures()
    X = features.fit_transform(data.train.iloc[:1000], data.y[:1000])
    held = features.transform(data.train.iloc[1000:])
    X.loc[X.index[:50], "lead_desc_length"] = np.nan  # blanks RealMLP itself would refuse
    model = RealMLPModel(n_epochs=8).fit(X, data.y[:1000])
    assert model.flagged_ == ["lead_desc_length"]
    assert model.fill_["lead_desc_length"] == pytest.approx(X["lead_desc_length"].median())
    held.loc[held.index[:20], "lead_desc_length"] = np.nan
    proba = model.predict_proba(held)
    assert proba.shape == (len(held), 2) and np.allclose(proba.sum(axis=1), 1)
    assert roc_auc_score(data.y[1000:], proba[:, 1]) > 0.6
