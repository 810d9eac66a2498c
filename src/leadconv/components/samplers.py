"""Resampling for class imbalance, applied to the training fold only (imblearn Pipeline step).

Interpolating samplers (SMOTE, ADASYN, Borderline-SMOTE) would average category codes into
codes that mean nothing. They are wrapped in `CategoryPreservingSampler`, which interpolates
the numeric columns only and gives each synthetic row the categories of its nearest original
row of the same class. SMOTENC handles categories itself (categorical_features="auto" reads
the category dtype). `categorical_handling` names the choice; it is logged with every run.
On a training fold with fewer converted leads than `k_neighbors` + 1, the neighbour count is
lowered to fit, with a warning (`fitted_to_fold`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTENC
from sklearn.base import BaseEstimator, clone
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from leadconv.components.features import categorical_columns
from leadconv.errors import ConfigError, FeatureError

log = logging.getLogger(__name__)


NEIGHBOUR_PARAMS = ("k_neighbors", "n_neighbors")  # neighbours among the minority class's rows


def fitted_to_fold(sampler, y):
    """A clone of `sampler` whose neighbour counts fit this training fold. An interpolating sampler
    needs k + 1 converted leads; on a small fold k is lowered to what the fold has, with a warning,
    rather than failing in the middle of a run."""
    minority = int(np.bincount(np.asarray(y, dtype=int), minlength=2).min())
    name = type(sampler).__name__
    if minority < 2:
        raise FeatureError(
            f"{name} needs at least 2 rows of each class in every training fold, but one has {minority}; "
            "use more rows, a smaller cv.n_splits, or sampler=random_over"
        )
    sampler = clone(sampler)
    lowered = {
        key: minority - 1
        for key, value in sampler.get_params(deep=False).items()
        if key in NEIGHBOUR_PARAMS and isinstance(value, int) and value > minority - 1
    }
    if lowered:
        log.warning(
            "%s: a training fold has only %d rows of its smaller class; using %s",
            name,
            minority,
            ", ".join(f"{key}={value}" for key, value in lowered.items()),
        )
        sampler.set_params(**lowered)
    return sampler


class FoldSizedSMOTENC(SMOTENC):
    """SMOTENC whose `k_neighbors` is lowered on folds with fewer converted leads (`fitted_to_fold`)."""

    def fit_resample(self, X, y, **params):
        return fitted_to_fold(SMOTENC(**self.get_params()), y).fit_resample(X, y, **params)


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
        resampled, y_out = fitted_to_fold(self.sampler, y).fit_resample(values, y)
        n = len(X)
        if not np.array_equal(resampled[:n], values):
            raise RuntimeError(
                f"{type(self.sampler).__name__} did not keep the original rows first; it cannot be wrapped"
            )
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


class CustomerCap(BaseEstimator):
    """Keep at most `max_rows` training rows per customer, and with `drop_duplicates` one copy of
    each repeated row; then apply `then` (another sampler), if given.

    `cv=group` keeps the largest customers in training, and one of them is converted in every row:
    on the competition data it holds well over half of all converted leads, so a model learns that
    customer rather than what converts a customer it has never seen. Only customers the feature set
    keeps as their own level are capped; code 0, the pooled rare and unseen ones, is left whole.
    """

    def __init__(
        self, max_rows: int = 200, column: str = "customer_idx", drop_duplicates: bool = True, then=None, seed: int = 0
    ):
        self.max_rows = max_rows
        self.column = column
        self.drop_duplicates = drop_duplicates
        self.then = then
        self.seed = seed

    def check_features(self, features) -> None:
        """Clean feature sets fold rare customers into a real level "other", which a cap would cut
        like one huge customer; raw features pool them into code 0, which is left whole."""
        if self.column == "customer_idx" and getattr(features, "min_count", 1) > 1:
            raise ConfigError(
                f"sampler=customer_cap would cap the pooled 'other' customer of features "
                f"min_count={features.min_count}; add features.min_count=1 or use features=raw"
            )

    def fit_resample(self, X: pd.DataFrame, y):
        y = np.asarray(y)
        if self.column not in X.columns:
            raise FeatureError(
                f"sampler CustomerCap needs the column {self.column} in the feature set's output; "
                "set sampler.column to one it has"
            )
        keep = np.ones(len(X), dtype=bool)
        if self.drop_duplicates:
            keep &= ~X.assign(_label=y).duplicated().to_numpy()
        codes = np.asarray(X[self.column].cat.codes if hasattr(X[self.column], "cat") else X[self.column])
        rows = np.random.default_rng(self.seed).permutation(np.flatnonzero(keep))  # a random max_rows each
        rank = pd.Series(codes[rows]).groupby(codes[rows]).cumcount().to_numpy()
        rows = np.sort(rows[(codes[rows] == 0) | (rank < int(self.max_rows))])
        X, y = X.iloc[rows].reset_index(drop=True), y[rows]
        return (X, y) if self.then is None else fitted_to_fold(self.then, y).fit_resample(X, y)


def categorical_handling(sampler) -> str:
    if sampler is None:
        return "none"
    if isinstance(sampler, CategoryPreservingSampler):
        return "interpolate_numeric_copy_nearest_categories"
    if isinstance(sampler, SMOTENC):
        return "smotenc"
    return "resample_whole_rows"
