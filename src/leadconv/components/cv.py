"""Cross-validation schemes (`cv=` group): which rows validate which fold models."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedGroupKFold, StratifiedKFold

from leadconv.errors import ConfigError


@dataclass(frozen=True)
class Fold:
    repeat: int
    fold: int
    train: np.ndarray  # row positions
    valid: np.ndarray


DUPLICATE_POLICIES = ("same_fold", "ignore")


class StratifiedCV:
    """Repeated stratified k-fold on rows: optimistic when a customer owns many rows.

    `duplicates=same_fold` keeps identical rows (same 28 features) in one fold, so a row is never
    validated by a model that trained on its copy; `ignore` splits rows as if all were distinct.
    Parameters are stored as given and checked by `check_params()`, which split() runs first.
    """

    def __init__(self, n_splits: int = 5, n_repeats: int = 1, seed: int = 0, duplicates: str = "same_fold"):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.seed = seed
        self.duplicates = duplicates

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter: before any data is read or fit."""
        check_split_counts(self.n_splits, self.n_repeats)
        check_duplicates(self.duplicates)

    def split(self, X, y, groups=None) -> list[Fold]:
        self.check_params()
        if self.duplicates == "ignore":
            check_enough_groups(np.asarray(y), np.arange(len(y)), self.n_splits, "cv=stratified", "rows")
            splitter = RepeatedStratifiedKFold(n_splits=self.n_splits, n_repeats=self.n_repeats, random_state=self.seed)
            splits = splitter.split(X, y)
            return [Fold(i // self.n_splits, i % self.n_splits, tr, va) for i, (tr, va) in enumerate(splits)]
        groups = row_groups(X)
        check_enough_groups(np.asarray(y), groups, self.n_splits, "cv=stratified", "distinct rows")
        return stratified_group_folds(X, y, groups, self.n_splits, self.n_repeats, self.seed)

    def describe(self, groups=None) -> dict:
        """The scheme as run parameters (`groups` is accepted for the same call as GroupCV's)."""
        return {"cv_scheme": "stratified", "cv_duplicates": self.duplicates, "cv_rows_never_validated": 0}


class GroupCV:
    """Stratified group k-fold on customers (`customer_idx`): every validation customer is unseen
    by its fold's models, as most test customers are. Customers owning more than
    `max_group_share` of the rows stay in every training fold and are never validated, so no
    single customer decides a fold's score. Identical rows share a customer, hence a fold.
    Parameters are stored as given and checked by `check_params()`, which split() runs first;
    describe(groups) reports on the same groups as split(groups), whether or not split() ran."""

    def __init__(self, n_splits: int = 5, n_repeats: int = 1, seed: int = 0, max_group_share: float = 0.02):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.seed = seed
        self.max_group_share = max_group_share

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter: before any data is read or fit."""
        check_split_counts(self.n_splits, self.n_repeats)
        if not 0 < float(self.max_group_share) <= 1:
            raise ValueError(f"max_group_share must be in (0, 1], got {self.max_group_share!r}")

    def _train_only(self, codes: np.ndarray) -> np.ndarray:
        """Per group code: True for the customers above max_group_share of the rows (never validated)."""
        return np.bincount(codes) > self.max_group_share * len(codes)

    def split(self, X, y, groups=None) -> list[Fold]:
        self.check_params()
        if groups is None:
            raise ValueError("cv=group needs the customer of each row (customer_idx)")
        codes = group_codes(groups)
        large = self._train_only(codes)
        train_only = np.flatnonzero(large[codes])
        rest = np.flatnonzero(~large[codes])
        check_enough_groups(
            np.asarray(y)[rest],
            codes[rest],
            self.n_splits,
            "cv=group",
            "customers",
            f" ({int(large.sum())} customers above cv.max_group_share={self.max_group_share} of the "
            "rows stay in training and are never validated)",
        )
        folds = stratified_group_folds(rest, np.asarray(y)[rest], codes[rest], self.n_splits, self.n_repeats, self.seed)
        return [
            Fold(f.repeat, f.fold, np.sort(np.concatenate([rest[f.train], train_only])), rest[f.valid]) for f in folds
        ]

    def describe(self, groups) -> dict:
        """The scheme as run parameters, with how many of `groups`' customers (those given to split())
        stay in training only and how many rows are never validated: computed, not remembered."""
        codes = group_codes(groups)
        large = self._train_only(codes)
        train_only_groups, rows_never_validated = int(large.sum()), int(large[codes].sum())
        return {
            "cv_scheme": "group",
            "cv_duplicates": "same_fold",
            "cv_group_column": "customer_idx",
            "cv_max_group_share": self.max_group_share,
            "cv_train_only_groups": train_only_groups,
            "cv_rows_never_validated": rows_never_validated,
        }


def stratified_group_folds(X, y, groups: np.ndarray, n_splits: int, n_repeats: int, seed: int) -> list[Fold]:
    """StratifiedGroupKFold, reshuffled per repeat; positions index X."""
    folds = []
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + repeat)
        for k, (train, valid) in enumerate(splitter.split(np.zeros(len(groups)), y, groups)):
            folds.append(Fold(repeat, k, train, valid))
    return folds


def group_codes(groups) -> np.ndarray:
    """Integer group ids; a row with no group is a group of its own."""
    codes = pd.factorize(pd.Series(groups), use_na_sentinel=True)[0]
    missing = codes < 0
    codes[missing] = codes.max() + 1 + np.arange(missing.sum())
    return codes


def row_groups(X: pd.DataFrame) -> np.ndarray:
    """One group per distinct row: identical rows share a group."""
    return pd.factorize(pd.util.hash_pandas_object(X, index=False))[0]


def check_duplicates(duplicates) -> None:
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_POLICIES}, got {duplicates!r}")


def check_enough_groups(
    y: np.ndarray, groups: np.ndarray, n_splits: int, scheme: str, unit: str, note: str = ""
) -> None:
    """Every validation fold needs both classes: fail before fitting, naming the numbers and the fix."""
    positive = len(np.unique(groups[y == 1]))
    negative = len(np.unique(groups[y == 0]))
    if min(positive, negative) < n_splits:
        raise ConfigError(
            f"{scheme} with cv.n_splits={n_splits} needs at least {n_splits} {unit} with converted leads "
            f"and {n_splits} without, but the data has {positive} and {negative}{note}; lower cv.n_splits "
            "or use more rows"
        )


def check_split_counts(n_splits, n_repeats) -> None:
    """Fail at build time, before any fitting, on counts scikit-learn would reject later."""
    StratifiedKFold(n_splits=n_splits)
    if not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer, got {n_repeats!r}")


def folds_digest(folds: list[Fold]) -> str:
    """Runs can be stacked only when their validation rows match fold for fold."""
    h = hashlib.sha256()
    for fold in folds:
        h.update(f"{fold.repeat}:{fold.fold}:".encode())
        h.update(np.sort(fold.valid).astype(np.int64).tobytes())
    return h.hexdigest()[:16]
