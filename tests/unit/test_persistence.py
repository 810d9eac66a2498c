"""Fitted models are saved with skops and loaded only from trusted types (leadconv.tracking.persistence)."""

import os
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from helpers import compose_config, options, tiny
from leadconv import schema
from leadconv.components.dataset import SyntheticData
from leadconv.components.stackers import LightGBMStacker, LogisticStacker, MeanStacker, RankMeanStacker
from leadconv.engine.run import build_components
from leadconv.errors import DataError
from leadconv.tracking.persistence import TRUSTED_TYPES, dump, load

# every model, every feature set and every sampler of conf/, each in at least one fitted pipeline; not realmlp,
# whose network no model file may hold (a run that would save it fails first: tests/unit/test_neural.py)
COMBINATIONS = (
    [(model, "raw", "none") for model in options("model") if model != "realmlp"]
    + [(model, features, "none") for features in options("features") for model in ("lightgbm", "logreg")]
    + [("lightgbm", "engineered", sampler) for sampler in options("sampler") if sampler != "customer_cap"]
    + [("lightgbm", "raw", "customer_cap")]  # it refuses feature sets that pool customers into "other"
)


@pytest.fixture(scope="module")
def data():
    return SyntheticData(n_rows=600, n_test=100, seed=1).load()


@pytest.mark.parametrize("model, features, sampler", COMBINATIONS)
def test_every_configured_pipeline_round_trips_with_trusted_types_only(model, features, sampler, data, tmp_path):
    cfg, _ = compose_config(tiny(model, f"features={features}", f"sampler={sampler}"))
    fitted = build_components(cfg).pipeline.fit(data.train, data.y)
    path = tmp_path / "fold_pipelines.skops"
    dump([fitted], path)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)
    loaded = load(path, "test pipeline")[0]
    assert np.array_equal(loaded.predict_proba(data.test), fitted.predict_proba(data.test))


@pytest.mark.parametrize(
    "stacker", [MeanStacker(), RankMeanStacker(), LogisticStacker(), LightGBMStacker()], ids=lambda s: type(s).__name__
)
def test_every_stacker_round_trips(stacker, tmp_path):
    rng = np.random.default_rng(0)
    X, y = pd.DataFrame(rng.random((300, 2)), columns=["a", "b"]), (rng.random(300) < 0.3).astype(int)
    fitted = stacker.fit(X, y)
    dump(fitted, tmp_path / "stacker.skops")
    assert np.array_equal(load(tmp_path / "stacker.skops", "stacker").predict_proba(X), fitted.predict_proba(X))


class Payload:
    """What an attacker with write access to the store would plant: code that runs when rebuilt."""

    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_model_naming_an_untrusted_type_is_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "stacker.skops"
    dump({"model": Payload()}, path)
    with pytest.raises(
        DataError, match=r"refusing to load run abc's models/stacker.skops: .*\(test_persistence.Payload\)"
    ):
        load(path, "run abc's models/stacker.skops")
    assert not (tmp_path / "PWNED").exists()


def test_a_pickle_in_place_of_a_skops_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "stacker.skops"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(DataError, match="is not a readable skops file"):
        load(path, "run abc's models/stacker.skops")
    assert not (tmp_path / "PWNED").exists()


def test_a_model_written_before_the_package_moved_still_loads(tmp_path, monkeypatch):
    """Runs logged by the flat package name `leadconv.stackers.MeanStacker`; they must stay usable."""
    fitted = MeanStacker().fit(pd.DataFrame({"a": [0.1, 0.9], "b": [0.2, 0.8]}), np.array([0, 1]))
    monkeypatch.setattr(MeanStacker, "__module__", "leadconv.stackers")
    monkeypatch.setitem(sys.modules, "leadconv.stackers", sys.modules["leadconv.components.stackers"])
    dump(fitted, tmp_path / "old.skops")
    assert "leadconv.stackers.MeanStacker" in sio.get_untrusted_types(file=tmp_path / "old.skops")
    monkeypatch.undo()
    monkeypatch.delitem(sys.modules, "leadconv.stackers", raising=False)
    restored = load(tmp_path / "old.skops", "an old run's models/stacker.skops")
    assert type(restored) is MeanStacker and restored.predict_proba(pd.DataFrame({"a": [0.3], "b": [0.5]}))[0, 1] == 0.4


def test_a_feature_set_written_before_its_encoder_moved_still_loads(tmp_path, monkeypatch):
    """TabularEncoder lived in leadconv.components.features before it moved to encoders: files that name
    it there load, and the rebuilt feature set encodes as the saved one did."""
    from leadconv.components.encoders import TabularEncoder
    from leadconv.components.features import RawFeatures

    frame = pd.DataFrame({c: ["a", "b", "a"] if c in schema.CATEGORICAL else [1.0, 2.0, 3.0] for c in schema.FEATURES})
    fitted = RawFeatures().fit(frame)
    monkeypatch.setattr(TabularEncoder, "__module__", "leadconv.components.features")
    dump(fitted, tmp_path / "old.skops")
    assert "leadconv.components.features.TabularEncoder" in sio.get_untrusted_types(file=tmp_path / "old.skops")
    monkeypatch.undo()
    restored = load(tmp_path / "old.skops", "an old run's models/pipeline.skops")
    assert type(restored.encoder_) is TabularEncoder
    pd.testing.assert_frame_equal(restored.transform(frame), fitted.transform(frame))
