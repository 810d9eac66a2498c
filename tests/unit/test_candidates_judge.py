"""leadconv.tasks.candidates.judge: the draws at 25 % and the other decision rules scored on them."""

import numpy as np
import pandas as pd
import pytest

from leadconv.tasks.candidates import judge


def test_other_rules_are_scored_on_the_same_draws_at_a_25_percent_prior():
    rng = np.random.default_rng(0)
    y_oof = (rng.random(2000) < 0.1).astype(int)
    oof = pd.DataFrame(
        {
            "row": range(2000),
            "repeat": 0,
            "fold": np.arange(2000) % 5,
            "y_true": y_oof,
            "proba": np.clip(0.1 + 0.5 * y_oof + rng.normal(0, 0.15, 2000), 0.001, 0.999),
        }
    )
    held_y = (rng.random(3000) < 0.05).astype(int)
    held_proba = np.clip(0.1 + 0.5 * held_y + rng.normal(0, 0.15, 3000), 0.001, 0.999)
    seen = []
    everyone = lambda y, p_oof, proba, prior: seen.append(prior) or np.ones(len(proba), dtype=bool)  # noqa: E731
    draws = judge(oof, held_y, held_proba, draws=4, seed=1, rules={"everyone": everyone})
    # predicting every row converted scores 2p / (1 + p) at the draws' prior p
    assert draws["f1_everyone"].to_numpy() == pytest.approx(2 * 0.25 / 1.25, abs=3e-3)  # 25 % up to rounding
    assert seen == pytest.approx(draws["prior_estimate"].tolist())  # each rule gets the draw's em estimate
    assert (draws["f1"] > draws["f1_everyone"]).all()


def test_the_fit_cache_key_follows_the_composed_config_not_the_override_text():
    """A fit is reused when the composed config is the same (a default spelt out, another MLflow experiment)
    and refit when any value that reaches the fit differs, a default in conf/ included."""
    from leadconv.tasks.candidates import run_key

    base = run_key("lightgbm_raw", ["dataset=synthetic", "features=raw"], 0)
    assert run_key("lightgbm_raw", ["dataset=synthetic", "features=raw", "features.normalise_spelling=true"], 0) == base
    assert run_key("lightgbm_raw", ["dataset=synthetic", "features=raw", "tracking.experiment=other"], 0) == base
    assert (
        run_key("lightgbm_raw", ["dataset=synthetic", "features=raw", "features.normalise_spelling=false"], 0) != base
    )
    assert run_key("lightgbm_raw", ["dataset=synthetic", "features=raw"], 1) != base
    # weighting=none (the default) fits as before the group existed; weighting=toward_file refits
    assert run_key("lightgbm_raw", ["dataset=synthetic", "features=raw", "weighting=none"], 0) == base
    assert run_key("lightgbm_raw", ["dataset=synthetic", "features=raw", "weighting=toward_file"], 0) != base
