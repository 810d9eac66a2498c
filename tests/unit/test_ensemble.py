"""Stacking without a store: aligning the base runs' out-of-fold predictions and stacking them
(the ensemble runs themselves: tests/integration/test_ensemble_integration.py)."""

import numpy as np
import pandas as pd
import pytest

from leadconv.components.stackers import MeanStacker
from leadconv.errors import DataError
from leadconv.tasks.ensemble import align_oof, stack_out_of_fold


def test_alignment_keeps_rows_every_run_predicted():
    """A grouped CV can leave rows without an out-of-fold prediction; repeats are averaged per row."""
    rows = np.arange(10)
    full = pd.DataFrame(
        {
            "row": np.tile(rows, 2),
            "repeat": np.repeat([0, 1], 10),
            "fold": np.tile(rows % 2, 2),
            "y_true": np.tile(rows % 3 == 0, 2).astype(int),
            "proba": np.linspace(0, 1, 20),
        }
    )
    partial = full[~full["row"].isin([2, 7])].assign(proba=0.5)
    X, y, folds = align_oof({"a": full, "b": partial})
    assert list(X.index) == [0, 1, 3, 4, 5, 6, 8, 9] and set(folds["row"]) == set(X.index)
    assert X.loc[3, "a"] == pytest.approx(full.loc[full["row"] == 3, "proba"].mean())
    assert y.loc[3] == 1 and y.loc[4] == 0
    stacked = stack_out_of_fold(MeanStacker(), X, y, folds)
    assert len(stacked) == len(folds) and np.allclose(stacked["proba"], (X["a"] + X["b"]).loc[stacked["row"]] / 2)
    with pytest.raises(DataError, match="disagree on the labels"):
        align_oof({"a": full, "b": partial.assign(y_true=1 - partial["y_true"])})


def test_a_stacker_fit_on_weighted_rows_follows_the_rows_that_weigh():
    """Weights of 1 stack as no weights; weighting the rows where the second run is right moves the
    logistic stacker toward that run, in the out-of-fold fits and in the final one."""
    from leadconv.components.stackers import LogisticStacker
    from leadconv.tasks.ensemble import stack

    rng = np.random.default_rng(0)
    n = 2000
    y = pd.Series((rng.random(n) < 0.3).astype(int))
    half = np.arange(n) < n // 2  # run a separates the first half's rows, run b the second half's
    a = np.where(half, 0.2 + 0.6 * y, rng.random(n))
    b = np.where(half, rng.random(n), 0.2 + 0.6 * y)
    X = pd.DataFrame(
        {"a": np.clip(a + rng.normal(0, 0.1, n), 0.01, 0.99), "b": np.clip(b + rng.normal(0, 0.1, n), 0.01, 0.99)}
    )
    folds = pd.DataFrame({"row": range(n), "repeat": 0, "fold": np.arange(n) % 4})
    test = X.head(50)
    oof, final, proba = stack(LogisticStacker(), X, y, folds, test)
    ones = stack(LogisticStacker(), X, y, folds, test, pd.Series(1.0, index=X.index))
    assert np.allclose(ones[0]["proba"], oof["proba"]) and np.allclose(ones[2], proba)
    toward_b = pd.Series(np.where(half, 0.05, 1.0), index=X.index)
    weighted_oof, weighted, _ = stack(LogisticStacker(), X, y, folds, test, toward_b)
    assert weighted.weights()["b"] - weighted.weights()["a"] > final.weights()["b"] - final.weights()["a"] + 0.5
    assert not np.allclose(weighted_oof["proba"], oof["proba"])
