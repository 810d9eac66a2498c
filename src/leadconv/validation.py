"""Cross-validation schemes (`cv=` group): which rows validate which fold models."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold


@dataclass(frozen=True)
class Fold:
    repeat: int
    fold: int
    train: np.ndarray  # row positions
    valid: np.ndarray


class StratifiedCV:
    """Repeated stratified k-fold on rows: optimistic when a customer owns many rows."""

    def __init__(self, n_splits: int = 5, n_repeats: int = 1, seed: int = 0):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.seed = seed
        check_split_counts(n_splits, n_repeats)

    def split(self, X, y, groups=None) -> list[Fold]:
        splitter = RepeatedStratifiedKFold(n_splits=self.n_splits, n_repeats=self.n_repeats, random_state=self.seed)
        splits = splitter.split(X, y)
        return [Fold(i // self.n_splits, i % self.n_splits, tr, va) for i, (tr, va) in enumerate(splits)]

    def describe(self) -> dict:
        return {"cv_scheme": "stratified"}


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
