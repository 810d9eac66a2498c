"""Estimating the share of converted leads in a file to be scored (`prior=` group).

The test file converts far more often than train (label shift), and both the F1-optimal
threshold and the F1 to expect depend on that share. The estimators read it off a run's
out-of-fold predictions (labelled, train's prior) and its probabilities on the unlabelled file:

- `BBSE` (Lipton et al., 2018): black-box shift estimation. The share of the file's rows in each
  score bin is a mix of the bin's share among out-of-fold positives and among negatives; the mix
  weight is the prior (least squares over the bins; one cut is the classic confusion-matrix
  inversion). Cuts are quantiles of the out-of-fold positives' scores.
- `EM` (Saerens, Latinne & Decaestecker, 2002): maximum likelihood by expectation-maximisation on
  the file's probabilities, after isotonic calibration on the out-of-fold rows.
- `FixedPrior`: a rate the user knows.

Every estimate comes with a bootstrap interval (out-of-fold and file rows resampled together).
A file too small or too uniform to estimate from, or an estimate outside (0, 1), falls back to
the configured `fallback` prior with a warning; nothing raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from leadconv.components.quantification import bbse_point, em_prior, isotonic_calibrator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriorEstimate:
    value: float
    low: float  # bootstrap interval
    high: float
    method: str  # the estimator's name, or "fallback" when its estimate could not be used
    warning: str | None = None
    spread: float = 0.0  # how far estimates at other settings (BBSE's check_cuts) range: a stability check

    @property
    def interval(self) -> tuple[float, float]:
        return self.low, self.high


def check_probability(value, label: str, or_auto: bool = False) -> float:
    """A config value that must lie in (0, 1); the message names the key and what it accepts."""
    allowed = "a number in (0, 1)" + (" or auto" if or_auto else "")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not 0 < number < 1:
        raise ValueError(f"{label} must be {allowed}, got {value!r}")
    return number


def as_rate(value: float) -> str:
    """A prior estimate for printing: a rate only inside [0, 1], otherwise what is wrong with it."""
    if not np.isfinite(value):
        return "undefined (invalid)"
    if value > 1:
        return "above 1 (invalid)"
    if value < 0:
        return "below 0 (invalid)"
    return f"{value:.3f}"


def prior_shift_weights(y_true, test_prior: float, train_prior: float | None = None, weights=None) -> np.ndarray:
    """Per-row weights that make the labelled rows look as if positives were `test_prior` of them
    (label shift: p(x | y) unchanged, only the class shares move). Rows of a single class keep weight 1.
    `weights`: the rows' covariate-shift weights (`leadconv.components.shift`), multiplied in; the
    train prior is then their weighted positive share."""
    y = np.asarray(y_true).astype(bool)
    base = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    train_prior = weighted_share(y, base) if train_prior is None else float(train_prior)
    if not 0 < train_prior < 1:
        return base
    return base * np.where(y, test_prior / train_prior, (1 - test_prior) / (1 - train_prior))


def weighted_share(y, weights) -> float:
    """The positive share of rows `y` weighted by `weights`."""
    total = float(np.sum(weights))
    return float(np.sum(np.asarray(weights) * np.asarray(y))) / total if total > 0 else float("nan")


@dataclass(frozen=True)
class _Settings:
    """A PriorEstimator's shared parameters, checked and converted."""

    fallback: float
    check_cuts: list[float]
    max_spread: float
    min_rows: int
    n_bootstrap: int
    confidence: float


class PriorEstimator:
    """Shared checks, fallback and bootstrap; subclasses give `_point(y, oof_proba, proba)`.

    Parameters are stored as given; `check_params()` raises ValueError naming the first invalid
    one, and estimate() checks them before using them."""

    name = "estimator"

    def __init__(
        self,
        fallback: float = 0.25,
        min_rows: int = 200,
        n_bootstrap: int = 200,
        confidence: float = 0.9,
        seed: int = 0,
        check_cuts=(),
        max_spread: float = 0.1,
    ):
        self.fallback = fallback
        self.min_rows = min_rows
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.seed = seed
        self.check_cuts = check_cuts
        self.max_spread = max_spread

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter (the config key and what it accepts)."""
        self._settings()

    def _settings(self) -> _Settings:
        fallback = check_probability(self.fallback, "prior.fallback")
        check_cuts = as_cuts(self.check_cuts, "prior.check_cuts", allow_empty=True)
        max_spread = float(self.max_spread)
        if int(self.min_rows) < 1 or int(self.n_bootstrap) < 0 or not 0 < float(self.confidence) < 1:
            raise ValueError("prior.min_rows must be >= 1, prior.n_bootstrap >= 0 and prior.confidence in (0, 1)")
        return _Settings(
            fallback, check_cuts, max_spread, int(self.min_rows), int(self.n_bootstrap), float(self.confidence)
        )

    def estimate(self, y_oof, oof_proba, proba, bootstrap: bool = True, weights=None) -> PriorEstimate:
        """The prior of the rows scored `proba`, from labelled out-of-fold rows (y_oof, oof_proba).
        `bootstrap=False` gives a quick point estimate, without interval or stability check (a search's
        per-fold reports). `weights`: covariate-shift weights of the labelled rows (`shift=` group), so
        that calibration and class-conditional shares are read where the file's leads lie."""
        settings = self._settings()  # checks the shared parameters (BBSE's cuts: in _point)
        y, oof, scored = np.asarray(y_oof).astype(int), np.asarray(oof_proba, float), np.asarray(proba, float)
        w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
        problem = self._unusable(y, oof, scored, settings)
        if problem is None:
            value = self._point(y, oof, scored, w)
            if not np.isfinite(value) or not 0 < value < 1:
                problem = f"the {self.name} estimate is {as_rate(value)}, outside (0, 1)"
        if problem is not None:
            fallback = settings.fallback
            message = f"cannot estimate the prior of {len(scored)} rows ({problem}); using prior.fallback={fallback}"
            log.warning(message)
            return PriorEstimate(fallback, fallback, fallback, "fallback", message)
        low, high = (
            self._interval(y, oof, scored, w, settings) if bootstrap and settings.n_bootstrap else (value, value)
        )
        spread, warning = self._stability(y, oof, scored, w, value, settings) if bootstrap else (0.0, None)
        if warning:
            log.warning(warning)
        return PriorEstimate(float(value), low, high, self.name, warning, spread)

    def _stability(self, y, oof, scored, w, value, settings: _Settings) -> tuple[float, str | None]:
        """Under pure label shift every score cut tells the same prior (BBSE at each of `check_cuts`);
        estimates that disagree mean the file also differs from train in other ways (period,
        customers), and the estimate deserves less trust."""
        if not settings.check_cuts:
            return 0.0, None
        others = {cut: bbse_point(y, oof, scored, [cut], w) for cut in settings.check_cuts}
        spread = float(np.nanmax([value, *others.values()]) - np.nanmin([value, *others.values()]))
        if spread <= settings.max_spread:
            return spread, None
        detail = ", ".join(f"{as_rate(v)} at cut {c:g}" for c, v in others.items())
        return spread, (
            f"the {self.name} prior estimate {value:.3f} disagrees with BBSE at other score cuts ({detail}): "
            "this file differs from train by more than its conversion rate, so treat the estimate "
            "and forecast_f1 with care"
        )

    def _unusable(self, y, oof, scored, settings: _Settings) -> str | None:
        if len(scored) < settings.min_rows:
            return f"fewer than prior.min_rows={settings.min_rows} rows"
        if not (np.isfinite(scored).all() and np.isfinite(oof).all()):
            return "missing or infinite probabilities"
        if y.min() == y.max():
            return "the out-of-fold rows hold one class only"
        if np.ptp(scored) == 0:
            return "every row has the same probability"
        return None

    def _interval(self, y, oof, scored, w, settings: _Settings) -> tuple[float, float]:
        rng, resampled_point = np.random.default_rng(self.seed), self._resampler(y, oof, scored, w)
        values = []
        for _ in range(settings.n_bootstrap):
            i, j = rng.integers(0, len(y), len(y)), rng.integers(0, len(scored), len(scored))
            if y[i].min() != y[i].max():
                values.append(resampled_point(i, j))
        values = np.clip(np.asarray(values, float), 0.0, 1.0)
        tail = (1 - settings.confidence) / 2
        return float(np.nanquantile(values, tail)), float(np.nanquantile(values, 1 - tail))

    def _point(self, y, oof, scored, w) -> float:
        raise NotImplementedError

    def _resampler(self, y, oof, scored, w):
        """`point(i, j)`: the estimate on out-of-fold rows `i` and scored rows `j` (a bootstrap draw)."""
        return lambda i, j: self._point(y[i], oof[i], scored[j], w[i])


class BBSE(PriorEstimator):
    """Black-box shift estimation on the score bins that `cuts` make.

    A cut is given as a quantile of the out-of-fold converted leads' probabilities (0.5: the median
    converted lead's score, so half of them score above it), not as a probability: stacked
    probabilities are calibrated to train's 4 % and rarely pass 0.5, class-weighted ones often
    do, and a quantile means the same for both. With the bins' shares a1_j and a0_j among
    out-of-fold positives and negatives and q_j among the scored rows, label shift says
    q_j = prior * a1_j + (1 - prior) * a0_j for every bin; the least-squares prior is returned
    (one cut: the classic confusion-matrix inversion of Lipton et al.).
    """

    name = "bbse"

    def __init__(self, cuts=(0.5,), **kwargs):
        super().__init__(**kwargs)
        self.cuts = cuts

    def check_params(self) -> None:
        super().check_params()
        as_cuts(self.cuts, "prior.cuts")

    def _point(self, y, oof, scored, w) -> float:
        return bbse_point(y, oof, scored, as_cuts(self.cuts, "prior.cuts"), w)


def as_cuts(cuts, label: str, allow_empty: bool = False) -> list[float]:
    listed = [] if cuts is None else [cuts] if isinstance(cuts, (int, float, str)) else list(cuts)
    try:
        checked = sorted(check_probability(c, label) for c in listed)
    except ValueError:
        raise ValueError(f"{label} must be a list of probabilities in (0, 1), got {listed!r}") from None
    if not checked and not allow_empty:
        raise ValueError(f"{label} must hold at least one probability in (0, 1)")
    return checked


class Calibrated(PriorEstimator):
    """Estimators that read the file's probabilities after isotonic calibration on the out-of-fold rows
    (`_from_calibrated`); a bootstrap draw refits the calibration cheaply (isotonic_calibrator)."""

    def _point(self, y, oof, scored, w) -> float:
        return self._resampler(y, oof, scored, w)(slice(None), slice(None))

    def _resampler(self, y, oof, scored, w):
        calibrate = isotonic_calibrator(y, oof, scored, w)
        return lambda i, j: self._from_calibrated(*calibrate(i, j))

    def _from_calibrated(self, probabilities: np.ndarray, train_share: float) -> float:
        raise NotImplementedError


class EM(Calibrated):
    """Saerens-Latinne-Decaestecker EM on isotonically calibrated probabilities."""

    name = "em"

    def __init__(self, max_iter: int = 1000, tol: float = 1e-7, **kwargs):
        super().__init__(**kwargs)
        self.max_iter = max_iter
        self.tol = tol

    def check_params(self) -> None:
        super().check_params()
        int(self.max_iter)  # as before: a value that is not a number fails here
        float(self.tol)

    def _from_calibrated(self, probabilities: np.ndarray, train_share: float) -> float:
        return em_prior(probabilities, train_share, int(self.max_iter), float(self.tol))


class PCC(Calibrated):
    """Probabilistic classify and count: the mean of the file's probabilities after isotonic
    calibration on the out-of-fold rows. Right when only the mix of leads changed (p(y | x) as in
    train) and the calibration is read where the file's leads lie (covariate-shift weights); too low
    when the rate itself changed."""

    name = "pcc"

    def _from_calibrated(self, probabilities: np.ndarray, train_share: float) -> float:
        return float(np.mean(probabilities))


class FixedPrior:
    """A prior the user knows: `prior=fixed prior.value=0.3`."""

    name = "fixed"

    def __init__(self, value: float = 0.25):
        self.value = value

    def check_params(self) -> None:
        check_probability(self.value, "prior.value")

    def estimate(self, y_oof=None, oof_proba=None, proba=None, bootstrap: bool = True, weights=None) -> PriorEstimate:
        value = check_probability(self.value, "prior.value")
        return PriorEstimate(value, value, value, self.name)
