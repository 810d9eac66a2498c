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
