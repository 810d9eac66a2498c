"""prior=quapy: QuaPy's quantifiers read a run's own probabilities (nothing refit) behind the project's checks."""

import importlib.util

import numpy as np
import pytest
from test_priors import TRAIN_PRIOR, leads

from leadconv.components.quapy_priors import QuaPyPrior

needs_quapy = pytest.mark.skipif(importlib.util.find_spec("quapy") is None, reason="QuaPy not installed (optional)")


@needs_quapy
@pytest.mark.parametrize("method", ["emq_bcts", "kdey", "pacc"])
@pytest.mark.parametrize("true_prior", [0.10, 0.30])
def test_a_quapy_quantifier_recovers_an_injected_prior(method, true_prior):
    """Pure label shift from train's 4 %: each method lands within 0.03 of the file's prior, and the
    bootstrap interval holds its own estimate."""
    rng = np.random.default_rng(3)
    y_oof, oof = leads(4000, TRAIN_PRIOR, rng)
    _, scored = leads(1500, true_prior, rng)
    estimate = QuaPyPrior(method, n_bootstrap=3).estimate(y_oof, oof, scored)
    assert estimate.method == f"quapy {method}"
    assert abs(estimate.value - true_prior) <= 0.03
    assert estimate.low <= estimate.value <= estimate.high


@needs_quapy
def test_weights_move_the_estimate_toward_the_weighted_rows():
    """The shift diagnosis's weights enter as a resample: weighting only the labelled rows whose scores the
    file's leads share changes what the classes look like, hence the estimate."""
    rng = np.random.default_rng(4)
    y_oof, oof = leads(6000, TRAIN_PRIOR, rng)
    _, scored = leads(2000, 0.2, rng)
    plain = QuaPyPrior("pacc", n_bootstrap=0).estimate(y_oof, oof, scored).value
    weights = np.where(oof > np.median(oof), 5.0, 1.0)
    weighted = QuaPyPrior("pacc", n_bootstrap=0).estimate(y_oof, oof, scored, weights=weights).value
    assert weighted != pytest.approx(plain, abs=1e-6)


def test_an_unknown_method_is_named():
    with pytest.raises(ValueError, match=r"prior\.method must be one of emq_bcts, kdey, pacc"):
        QuaPyPrior("emq").check_params()


def test_without_quapy_the_option_fails_before_any_fitting_naming_the_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "quapy" else real(name, *a))
    with pytest.raises(ValueError, match=r"prior=quapy needs QuaPy, which is not installed: .*pip install quapy"):
        QuaPyPrior("pacc").check_params()
