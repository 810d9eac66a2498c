"""A model of another kind than the boosted trees: RealMLP (pytabkit, on CPU torch), `model=realmlp`.

An optional extra (`make install-neural`): `make install` never pulls torch. RealMLP reads category
columns as categories (one-hot or embedded) and numbers through its own robust scaling; it takes no
missing numbers, so each numeric column with blanks in the fit rows gets its fit-row median and a
missing indicator. It takes no class or sample weights: its scores are probabilities at train's rate,
which the decision reads as it reads any member's.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from leadconv.components.features import categorical_columns
from leadconv.components.labels import binary_classes
from leadconv.errors import ConfigError

INSTALL_HINT = "model=realmlp needs pytabkit and torch; install them with `make install-neural`"


def realmlp_classifier(**params):
    """pytabkit's RealMLP-TD classifier, or a one-line ConfigError naming the install command."""
    try:
        from pytabkit import RealMLP_TD_Classifier
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return RealMLP_TD_Classifier(device="cpu", **params)


@contextmanager
def quiet_lightning():
    """Without Lightning's deprecation notice of torch's LeafSpec, printed once per batch: noise in every log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        yield


class RealMLPModel(ClassifierMixin, BaseEstimator):
    """RealMLP-TD with pytabkit's tuned defaults; `n_epochs` and the width are the knobs that cost time.

    Not `savable`: its torch network is no type skops can rebuild without running code
    (leadconv.tracking.persistence), so a run of it needs save_models=false."""

    savable = False

    def __init__(
        self,
        n_epochs: int = 64,
        hidden_width: int = 256,
        n_hidden_layers: int = 3,
        val_fraction: float = 0.1,
        val_metric_name: str = "1-auc_ovr",
        n_threads: int = 1,
        random_state: int = 0,
    ):
        self.n_epochs = n_epochs
        self.hidden_width = hidden_width
        self.n_hidden_layers = n_hidden_layers
        self.val_fraction = val_fraction
        self.val_metric_name = val_metric_name
        self.n_threads = n_threads
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y):
        if not isinstance(X, pd.DataFrame):
            raise TypeError("RealMLPModel needs a DataFrame (its category columns are the categories)")
        self.classes_, codes = binary_classes(self, y)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        numeric = [c for c in X.columns if c not in set(categorical_columns(X))]
        blanks = X[numeric].isna().any()
        self.fill_ = X[numeric].median().fillna(0.0)
        self.flagged_ = list(blanks[blanks].index)
        self.model_ = realmlp_classifier(
            n_epochs=int(self.n_epochs),
            hidden_width=int(self.hidden_width),
            n_hidden_layers=int(self.n_hidden_layers),
            val_fraction=float(self.val_fraction),
            val_metric_name=str(self.val_metric_name),
            n_threads=int(self.n_threads),
            random_state=int(self.random_state),
            verbosity=0,
        )
        with quiet_lightning():
            self.model_.fit(self._inputs(X), codes)
        return self

    def _inputs(self, X: pd.DataFrame) -> pd.DataFrame:
        """Numbers without blanks (fit-row medians), plus a missing indicator per column blank at fit."""
        flags = {f"{c}__missing": X[c].isna().astype(float) for c in self.flagged_}
        numbers = X[self.fill_.index].astype(float).fillna(self.fill_)
        return X.assign(**{c: numbers[c] for c in numbers}, **flags)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the columns RealMLPModel was fit on: {missing[:3]}")
        with quiet_lightning():
            return self.model_.predict_proba(self._inputs(X[list(self.feature_names_in_)]))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags
