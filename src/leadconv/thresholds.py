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
