"""weighting=: training rows weighted toward the scored file's mix, fitted through the models' sample_weight."""

import numpy as np
import pytest

from helpers import compose_config
from leadconv.components.cv import Fold
from leadconv.components.dataset import SyntheticData
from leadconv.components.models import lightgbm_classifier
from leadconv.components.weighting import NoWeighting, TowardFile
from leadconv.engine.run import build_components
from leadconv.engine.training import build_pipeline, cross_validate
from leadconv.errors import ConfigError


@pytest.fixture(scope="module")
def data():
    return SyntheticData(n_rows=3000, n_test=200).load()


def it_units(data):
    """A scored file of the IT business unit's leads only: another mix of train's leads."""
    return data.train[data.train["business_unit"] == "IT"].sample(300, random_state=0)


@pytest.fixture(scope="module")
def toward_it(data):
    """The training rows' weights toward the IT file (computed once: several tests read them)."""
    return TowardFile(n_splits=3).weights(data.train, it_units(data))


def test_rows_like_the_file_weigh_more_and_the_weights_keep_mean_one(data, toward_it):
    weights = toward_it
    like = (data.train["business_unit"] == "IT").to_numpy()
    assert weights.shape == (len(data.train),) and weights.mean() == pytest.approx(1.0)
    assert weights[like].mean() > 3 * weights[~like].mean()
    flatter = TowardFile(n_splits=3, temper=0.25).weights(data.train, it_units(data))
    assert weights[like].mean() / weights[~like].mean() > flatter[like].mean() / flatter[~like].mean()


def test_the_file_s_row_order_does_not_move_the_weights(data, toward_it):
    shuffled = it_units(data).sample(frac=1, random_state=1)
    assert np.array_equal(toward_it, TowardFile(n_splits=3).weights(data.train, shuffled))


def test_a_file_too_small_and_weighting_none_leave_every_row_at_one(data):
    assert TowardFile(min_rows=200).weights(data.train, it_units(data).head(50)) is None
    assert NoWeighting().weights(data.train, it_units(data)) is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["weighting.temper=0"], "weighting.temper must be in (0, 1]"),
        (["sampler=random_under"], "weighting=toward_file needs sampler=none"),
        (["model=logreg"], "Pipeline.fit takes no sample_weight"),
    ],
)
def test_weighting_that_cannot_reach_the_fit_is_refused_before_any_data_is_read(overrides, message):
    cfg, _ = compose_config(["dataset=synthetic", "weighting=toward_file", *overrides])
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        build_components(cfg)


def test_fold_models_fit_the_rows_with_their_weights(data, toward_it):
    """Weights of 1 change nothing; weights toward a file change the fold models (they reach every fit)."""
    cfg, _ = compose_config(["dataset=synthetic"])
    features = build_components(cfg).features
    rows = np.arange(len(data.train))
    folds = [Fold(0, k, rows[rows % 3 != k], rows[rows % 3 == k]) for k in range(3)]

    def oof(weights):
        pipeline = build_pipeline(features, None, lightgbm_classifier(n_estimators=30, n_jobs=1))
        result = cross_validate(pipeline, data.train, data.y, data.test, folds, sample_weight=weights)
        return result.oof["proba"].to_numpy()

    plain = oof(None)
    assert np.allclose(oof(np.ones(len(data.train))), plain)
    toward = oof(toward_it)
    assert not np.allclose(toward, plain)
