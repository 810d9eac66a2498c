"""Decision-threshold rules (`threshold=` group), applied to out-of-fold probabilities."""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import precision_recall_curve

from leadconv.components.priors import check_probability, prior_shift_weights

AUTO = "auto"  # threshold.test_prior: the prior the prior= group estimates for each scored file


def f1_curve(y_true, proba, sample_weight=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(F1, precision, recall) at each of the candidate `thresholds` (the 4th array) of the PR curve."""
    precision, recall, thresholds = precision_recall_curve(y_true, proba, sample_weight=sample_weight)
    f1 = 2 * precision * recall / np.clip(precision + recall, 1e-12, None)
    return f1[:-1], precision[:-1], recall[:-1], thresholds


def best_f1_threshold(y_true, proba, sample_weight=None) -> float:
    f1, _, _, thresholds = f1_curve(y_true, proba, sample_weight)
    return float(thresholds[np.argmax(f1)])


class ThresholdRule:
    """Chooses the threshold for the rows being scored (`proba`, whose prior is `prior`) from the
    labelled out-of-fold rows. `validation_threshold` is the rule's choice for the out-of-fold rows
    themselves, at their own prior: the threshold behind a run's `cv_f1`.

    A rule stores its parameters as given; `check_params()` raises ValueError naming the first
    invalid one, and choose() and validation_threshold() check them before using them."""

    name = "rule"
    needs_prior = False  # True: choose() needs the scored rows' prior (estimated by the prior= group)

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter (the config key and what it accepts)."""

    def choose(self, y_true, oof_proba, proba=None, prior: float | None = None, weights=None) -> float:
        """`weights`: the labelled rows' covariate-shift weights toward the scored file (`shift=`)."""
        raise NotImplementedError

    def validation_threshold(self, y_true, oof_proba) -> float:
        self.check_params()
        return best_f1_threshold(y_true, oof_proba)


class BestF1(ThresholdRule):
    """The threshold that maximises F1 on the out-of-fold predictions, i.e. at train's prior."""

    name = "best_f1"

    def choose(self, y_true, oof_proba, proba=None, prior=None, weights=None) -> float:
        return best_f1_threshold(y_true, oof_proba, sample_weight=weights)


class Fixed(ThresholdRule):
    """A fixed threshold (0.5 = the models' own decision)."""

    name = "fixed"

    def __init__(self, value: float = 0.5):
        self.value = value

    def check_params(self) -> None:
        check_probability(self.value, "threshold.value")

    def choose(self, y_true, oof_proba, proba=None, prior=None, weights=None) -> float:
        self.check_params()
        return float(self.value)

    def validation_threshold(self, y_true, oof_proba) -> float:
        return self.choose(y_true, oof_proba)


class TargetRate(ThresholdRule):
    """The threshold at which a share `rate` of the scored rows is predicted converted.

    For when the scored file's positive rate is known or assumed (it is far higher than train's).
    """

    name = "target_rate"

    def __init__(self, rate: float = 0.2):
        self.rate = rate

    def check_params(self) -> None:
        check_probability(self.rate, "threshold.rate")

    def choose(self, y_true, oof_proba, proba=None, prior=None, weights=None) -> float:
        self.check_params()
        if proba is None or len(proba) == 0:
            raise ValueError("threshold=target_rate needs the scored rows' probabilities")
        ranked = np.sort(np.asarray(proba, dtype=float))[::-1]
        k = max(1, round(float(self.rate) * len(ranked)))
        return float(ranked[k - 1])  # proba >= threshold marks the k most likely rows (more on ties)


class PriorShift(ThresholdRule):
    """Best F1 for the scored file's prior: the out-of-fold rows are reweighted so positives make
    up `test_prior` of them (a label-shift correction), and the threshold maximising that
    reweighted F1 is returned on the models' raw probability scale. `test_prior: auto` takes the
    prior the `prior=` group estimates for each scored file. When the file is another mix of leads
    (`shift=`), the rows are first weighted toward that mix, so the cut is the best one for its leads.

    Why weights and not adjusted probabilities: the Saerens et al. (2002) adjustment of a
    probability to a new prior is monotone, so it never reorders rows and a threshold on adjusted
    probabilities is one on raw probabilities; what a higher prior changes is which cut is
    F1-optimal, and the weights give that cut without assuming the class-weighted models are calibrated.
    """

    name = "prior_shift"

    def __init__(self, test_prior: float | str = "auto", train_prior: float | None = None):
        self.test_prior = test_prior
        self.train_prior = train_prior

    def check_params(self) -> None:
        if self.test_prior != AUTO:
            check_probability(self.test_prior, "threshold.test_prior", or_auto=True)
        if self.train_prior is not None:
            check_probability(self.train_prior, "threshold.train_prior")

    @property
    def needs_prior(self) -> bool:
        return self.test_prior == AUTO

    def choose(self, y_true, oof_proba, proba=None, prior=None, weights=None) -> float:
        self.check_params()
        target = prior if self.needs_prior else self.test_prior
        if target is None:
            raise ValueError("threshold=prior_shift with test_prior=auto needs the scored rows' estimated prior")
        train_prior = None if self.train_prior is None else float(self.train_prior)
        shifted = prior_shift_weights(y_true, float(target), train_prior, weights)
        return best_f1_threshold(y_true, oof_proba, sample_weight=shifted)


class ExpectedF1(PriorShift):
    """The cut that maximises the F1 the scored file itself is expected to reach (a plug-in rule).

    The out-of-fold rows, weighted to the file's mix and prior as `prior_shift` weights them, learn an
    isotonic map from score to conversion probability; applied to the file's own scores it gives
    each scored lead's chance q of converting, and the cut keeping the k highest maximises
    2 * (sum of their q) / (k + sum of all q) (Nan et al., 2012). Unlike `prior_shift`, which reads
    the cut off the reweighted labelled rows, it takes the file's own spread of scores into account.
    """

    name = "expected_f1"

    def choose(self, y_true, oof_proba, proba=None, prior=None, weights=None) -> float:
        self.check_params()
        if proba is None or len(proba) == 0:
            return super().choose(y_true, oof_proba, proba, prior, weights)
        target = prior if self.needs_prior else self.test_prior
        train_prior = None if self.train_prior is None else float(self.train_prior)
        scores = np.sort(np.asarray(proba, float))[::-1]
        chance = conversion_chances(y_true, oof_proba, scores, float(target), weights, train_prior)
        expected = 2 * np.cumsum(chance) / (np.arange(1, len(scores) + 1) + chance.sum())
        return float(scores[int(np.argmax(expected))])


def conversion_chances(y_true, oof_proba, proba, prior: float, weights=None, train_prior=None) -> np.ndarray:
    """Each scored row's chance of converting: an isotonic map from score to conversion, learned on the
    out-of-fold rows weighted to the scored file's mix (`weights`) and `prior`, applied to `proba`."""
    shifted = prior_shift_weights(y_true, prior, train_prior, weights)
    calibrate = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
    calibrate.fit(np.asarray(oof_proba, float), np.asarray(y_true, float), sample_weight=shifted)
    return calibrate.predict(np.asarray(proba, float))


def expected_f1(chance: np.ndarray, predicted: np.ndarray) -> float:
    """The F1 a file is expected to reach when its rows convert with `chance` and the `predicted` ones are
    called converted (a ratio of expectations, Nan et al., 2012)."""
    chance = np.asarray(chance, float)
    return float(2 * chance[predicted].sum() / max(np.sum(predicted) + chance.sum(), 1e-12))
