"""The arithmetic behind the prior estimators (leadconv.components.priors): BBSE's least squares over
score bins, isotonic calibration refit cheaply per bootstrap draw, and Saerens et al.'s EM."""

from __future__ import annotations

import numpy as np
from scipy.optimize import isotonic_regression


def bbse_point(y, oof, scored, cuts, w=None) -> float:
    """The least-squares prior over the bins that `cuts` (quantiles of the positives' scores) make;
    `w` weights the out-of-fold rows."""
    w = np.ones(len(y)) if w is None else w
    edges = np.quantile(oof[y == 1], cuts)

    def shares(values, weights):
        bins = np.searchsorted(edges, values, side="right")
        return np.bincount(bins, weights=weights, minlength=len(edges) + 1) / weights.sum()

    positive, negative = shares(oof[y == 1], w[y == 1]), shares(oof[y == 0], w[y == 0])
    target = shares(scored, np.ones(len(scored)))
    direction = positive - negative
    norm = float(direction @ direction)
    return float(direction @ (target - negative) / norm) if norm > 1e-12 else np.nan


def isotonic_calibrator(y, oof, scored, w=None):
    """calibrate(i, j): the scored rows `j`'s probabilities calibrated by isotonic regression on the
    out-of-fold rows `i`, and those rows' positive share. The out-of-fold scores are sorted and
    deduplicated once; a bootstrap draw only reweights them (its row counts), so each refit is one
    linear-time pool-adjacent-violators pass instead of a full IsotonicRegression fit (same fitted
    map: sklearn averages tied scores and runs the same solver)."""
    y, oof, scored = (np.asarray(a, dtype=float) for a in (y, oof, scored))
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    levels, level_of = np.unique(oof, return_inverse=True)

    def calibrate(i, j) -> tuple[np.ndarray, float]:
        counts = np.bincount(level_of[i], weights=w[i], minlength=len(levels))
        positives = np.bincount(level_of[i], weights=w[i] * y[i], minlength=len(levels))
        seen = counts > 1e-12
        fitted = isotonic_regression(positives[seen] / counts[seen], weights=counts[seen]).x
        return np.interp(scored[j], levels[seen], np.clip(fitted, 1e-4, 1 - 1e-4)), positives.sum() / counts.sum()

    return calibrate


def shift_posteriors(calibrated, source: float, prior: float) -> np.ndarray:
    """Saerens et al.'s adjustment of posteriors at prior `source` to prior `prior`."""
    up, down = calibrated * prior / source, (1 - calibrated) * (1 - prior) / (1 - source)
    return up / (up + down)


def em_prior(calibrated, source: float, max_iter: int, tol: float) -> float:
    """Saerens et al.'s EM: the prior that the rows' posteriors (`calibrated` at prior `source`),
    adjusted to it, average to."""
    prior = source
    for _ in range(max_iter):
        updated = float(np.mean(shift_posteriors(calibrated, source, prior)))
        if abs(updated - prior) < tol:
            return updated
        prior = updated
    return prior
