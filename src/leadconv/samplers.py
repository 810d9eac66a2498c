"""Resampling for class imbalance, applied to the training fold only (imblearn Pipeline step).

Interpolating samplers (SMOTE, ADASYN, Borderline-SMOTE) would average category codes into
codes that mean nothing. They are wrapped in `CategoryPreservingSampler`, which interpolates
the numeric columns only and gives each synthetic row the categories of its nearest original
row of the same class. SMOTENC handles categories itself (categorical_features="auto" reads
the category dtype). `categorical_handling` names the choice; it is logged with every run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTENC
from sklearn.base import BaseEstimator, clone
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from leadconv.features import categorical_columns


def no_sampler():
    """`sampler=none`: the pipeline step becomes a passthrough."""
    return None


class CategoryPreservingSampler(BaseEstimator):
    """Run an interpolating over-sampler on the numeric columns; copy categories from real rows.

    `cleaner` (e.g. TomekLinks) optionally removes rows afterwards, as SMOTETomek does.
    """

    def __init__(self, sampler, cleaner=None):
        self.sampler = sampler
        self.cleaner = cleaner

    def fit_resample(self, X: pd.DataFrame, y):
        y = np.asarray(y)
        categorical = categorical_columns(X)
        numeric = X.drop(columns=categorical)
        values = numeric.to_numpy(dtype=float)
        resampled, y_out = clone(self.sampler).fit_resample(values, y)
        n = len(X)
        if not np.array_equal(resampled[:n], values):
            raise RuntimeError(f"{type(self.sampler).__name__} did not keep the original rows first; it cannot be wrapped")
        synthetic_categories = self._nearest_categories(X[categorical], values, y, resampled[n:], y_out[n:])
        out = pd.DataFrame(resampled, columns=numeric.columns)
        for column in categorical:
            codes = np.concatenate([X[column].cat.codes.to_numpy(), synthetic_categories[column]])
            out[column] = pd.Categorical.from_codes(codes, dtype=X[column].dtype)
        out = out[X.columns]
        if self.cleaner is not None:
            cleaner = clone(self.cleaner)
            cleaner.fit_resample(out.drop(columns=categorical).to_numpy(dtype=float), y_out)
            keep = cleaner.sample_indices_
            out, y_out = out.iloc[keep].reset_index(drop=True), y_out[keep]
        return out, y_out

    @staticmethod
    def _nearest_categories(categories, values, y, new_values, new_y) -> dict[str, np.ndarray]:
        codes = {c: np.empty(len(new_values), dtype=np.int64) for c in categories.columns}
        if not len(new_values) or categories.empty:
            return codes
        scaler = StandardScaler().fit(values)
        for label in np.unique(new_y):
            originals = np.flatnonzero(y == label)
            targets = np.flatnonzero(new_y == label)
            nearest = NearestNeighbors(n_neighbors=1).fit(scaler.transform(values[originals]))
            _, index = nearest.kneighbors(scaler.transform(new_values[targets]))
            source_rows = originals[index[:, 0]]
            for column in categories.columns:
                codes[column][targets] = categories[column].cat.codes.to_numpy()[source_rows]
        return codes


def categorical_handling(sampler) -> str:
    if sampler is None:
        return "none"
    if isinstance(sampler, CategoryPreservingSampler):
        return "interpolate_numeric_copy_nearest_categories"
    if isinstance(sampler, SMOTENC):
        return "smotenc"
    return "resample_whole_rows"
