"""QuaPy's quantifiers as `prior=` options (`prior=quapy prior.method=emq_bcts|kdey|pacc`).

QuaPy (Moreo et al.) implements the label-shift quantifiers of the literature. Here each reads the
run's own out-of-fold probabilities and the file's probabilities, so nothing is refit:

- `emq_bcts`: EM (Saerens et al.) after bias-corrected temperature scaling (Alexandari et al., 2020);
- `kdey`: KDEy-ML (Moreo et al., 2024), the file's scores as a mixture of the classes' kernel densities;
- `pacc`: probabilistic adjusted classify and count.

QuaPy takes no row weights, so the shift diagnosis's weights (`shift=adversarial`) enter as a weighted
resample of the out-of-fold rows (fixed seed): the classes' scores are read where the file's leads lie.
QuaPy is an optional extra (`pip install quapy`); without it this option fails in one line.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from leadconv.components.priors import PriorEstimator

METHODS = ("emq_bcts", "kdey", "pacc")


class GivenPosteriors(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose input already is the two-column posterior matrix: QuaPy's quantifiers then
    aggregate a run's probabilities without refitting anything."""

    def fit(self, X=None, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        return np.asarray(X, dtype=float)

    def predict(self, X) -> np.ndarray:
        return (np.asarray(X)[:, 1] >= 0.5).astype(int)


def posteriors(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.c_[1 - p, p]


class QuaPyPrior(PriorEstimator):
    """A QuaPy quantifier (`method`: one of METHODS) with this project's fallback, bootstrap and checks."""

    def __init__(self, method: str = "emq_bcts", bandwidth: float = 0.05, **kwargs):
        super().__init__(**kwargs)
        self.method = method
        self.bandwidth = bandwidth

    @property
    def name(self) -> str:
        return f"quapy {self.method}"

    def check_params(self) -> None:
        super().check_params()
        if self.method not in METHODS:
            raise ValueError(f"prior.method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not float(self.bandwidth) > 0:
            raise ValueError(f"prior.bandwidth must be > 0, got {self.bandwidth!r}")
        if importlib.util.find_spec("quapy") is None:  # before any fitting, not after the run's folds
            raise ValueError("prior=quapy needs QuaPy, which is not installed: .venv/bin/pip install quapy")

    def estimate(self, *args, **kwargs):
        self.check_params()  # once per estimate, not in every bootstrap draw's _point
        return super().estimate(*args, **kwargs)

    def _point(self, y, oof, scored, w) -> float:
        if not np.allclose(w, w[0]):  # QuaPy takes no weights: a weighted resample of the labelled rows
            rows = np.random.default_rng(self.seed).choice(len(y), len(y), p=w / w.sum())
            y, oof = y[rows], oof[rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantifier = self._quantifier(posteriors(oof), y)
            quantifier.fit(posteriors(oof), y)
            return float(quantifier.predict(posteriors(scored))[1])

    def _quantifier(self, labelled, y):
        from quapy.method.aggregative import EMQ, PACC, KDEyML

        given = {"classifier": GivenPosteriors().fit(), "fit_classifier": False, "val_split": (labelled, y)}
        if self.method == "emq_bcts":
            return EMQ(**given, calib="bcts")
        if self.method == "kdey":
            return KDEyML(**given, bandwidth=float(self.bandwidth), random_state=self.seed)
        return PACC(**given)
