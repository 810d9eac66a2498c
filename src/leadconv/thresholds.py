"""Decision-threshold rules (`threshold=` group), applied to out-of-fold probabilities."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve


def best_f1_threshold(y_true, proba) -> float:
    precision, recall, thresholds = precision_recall_curve(y_true, proba)
    f1 = 2 * precision * recall / np.clip(precision + recall, 1e-12, None)
    return float(thresholds[np.argmax(f1[:-1])])


class BestF1:
    """The threshold that maximises F1 on the out-of-fold predictions."""

    name = "best_f1"

    def choose(self, y_true, oof_proba, test_proba=None) -> float:
        return best_f1_threshold(y_true, oof_proba)


class Fixed:
    """A fixed threshold (0.5 = the models' own decision)."""

    name = "fixed"

    def __init__(self, value: float = 0.5):
        self.value = value

    def choose(self, y_true, oof_proba, test_proba=None) -> float:
        return float(self.value)


class TargetRate:
    """The threshold at which a share `rate` of the test rows is predicted converted.

    For when the test file's positive rate is known or assumed (it is far higher than train's).
    """

    name = "target_rate"

    def __init__(self, rate: float = 0.2):
        if not 0 < float(rate) < 1:
            raise ValueError(f"rate must be in (0, 1), got {rate!r}")
        self.rate = rate

    def choose(self, y_true, oof_proba, test_proba=None) -> float:
        if test_proba is None or len(test_proba) == 0:
            raise ValueError("threshold=target_rate needs test predictions")
        ranked = np.sort(np.asarray(test_proba, dtype=float))[::-1]
        k = max(1, round(float(self.rate) * len(ranked)))
        return float(ranked[k - 1])  # proba >= threshold marks the k most likely rows (more on ties)


def prior_shift_weights(y_true, test_prior: float, train_prior: float | None = None) -> np.ndarray:
    """Per-row weights that make the labelled rows look as if positives were `test_prior` of them
    (label shift: p(x | y) unchanged, only the class shares move)."""
    y = np.asarray(y_true).astype(bool)
    train_prior = float(y.mean()) if train_prior is None else float(train_prior)
    return np.where(y, test_prior / train_prior, (1 - test_prior) / (1 - train_prior))


class PriorShift:
    """Best F1 for an assumed test prior: the out-of-fold rows are reweighted so positives make up
    `test_prior` of them (a label-shift correction), and the threshold maximising that reweighted
    F1 is returned on the models' raw probability scale.

    Why weights and not adjusted probabilities: the Saerens et al. (2002) adjustment of a
    probability to a new prior is monotone, so it never reorders rows and a threshold on adjusted
    probabilities is one on raw probabilities; what a higher prior changes is which cut is
    F1-optimal, and the weights give that cut without assuming the class-weighted models are calibrated.
    """

    name = "prior_shift"

    def __init__(self, test_prior: float = 0.2, train_prior: float | None = None):
        for label, value in (("test_prior", test_prior), ("train_prior", train_prior)):
            if value is not None and not 0 < float(value) < 1:
                raise ValueError(f"{label} must be in (0, 1), got {value!r}")
        self.test_prior = test_prior
        self.train_prior = train_prior

    def choose(self, y_true, oof_proba, test_proba=None) -> float:
        weights = prior_shift_weights(y_true, float(self.test_prior), self.train_prior)
        precision, recall, thresholds = precision_recall_curve(y_true, oof_proba, sample_weight=weights)
        f1 = 2 * precision * recall / np.clip(precision + recall, 1e-12, None)
        return float(thresholds[np.argmax(f1[:-1])])
