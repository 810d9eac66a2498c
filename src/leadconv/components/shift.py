"""Is the scored file another population than train's, beyond its conversion rate? (`shift=` group)

Adversarial validation: a classifier learns to tell the labelled (out-of-fold) rows from the scored
file's rows, on the lead columns with the identifiers left out. The labelled rows are reweighted
per class to the file's estimated prior first, so that a change of rate alone reads near chance
(AUC 0.5) and what remains is a change in the mix of leads. When that AUC reaches `min_auc`, a
second cross-fitted classifier, of train as it is against the file, gives the density ratio file /
train: clipped, its odds are importance weights that make the labelled rows resemble the file, for
the prior estimate, the threshold and the forecast (`leadconv.engine.decision`). Their effective
sample size says how many labelled rows really resemble the file.

- `AdversarialShift` (`shift=adversarial`, default): LightGBM, cross-fitted, plus a per-column
  report (unseen values, missing shares, drift distance, the classifier's split gain).
- `NoShift` (`shift=none`): today's decisions, as if the file differed from train in rate only.

A file too small to diagnose, or one drawn from train's own population (AUC below `min_auc`),
gets weights of 1 and the decisions of pure label shift. Weights that collapse (effective rows
below `min_effective_rows`) fall back the same way, with a warning.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from leadconv import schema
from leadconv.components.cleaning import clean_distinct

log = logging.getLogger(__name__)

IDENTIFIERS = ("customer_idx", "lead_owner")  # say nothing of an unseen customer's mix of leads


@dataclass(frozen=True)
class ShiftReport:
    """What the diagnosis found, and the weights the decision uses (1 for every row when not `shifted`)."""

    auc: float  # cross-fitted AUC of labelled (reweighted to the prior) against scored rows; nan: not run
    weights: np.ndarray  # per labelled row, mean 1
    shifted: bool  # True: the decision reweights the labelled rows toward the file
    columns: pd.DataFrame = field(default_factory=pd.DataFrame)  # per column: see column_report
    warning: str | None = None
    rows: int = 0  # scored rows diagnosed
    collapsed: bool = False  # True: too few labelled rows resemble the file (weights fell back to 1)

    @property
    def effective_rows(self) -> float:
        """Kish's effective sample size of the weights: how many labelled rows the file really resembles."""
        w = self.weights
        return float(w.sum() ** 2 / (w**2).sum()) if len(w) else 0.0

    def metrics(self) -> dict[str, float]:
        return {
            "shift_auc": self.auc,
            "shift_effective_rows": self.effective_rows,
            "shift_weighted": float(self.shifted),
        }

    def sidecar(self) -> dict:
        """The diagnosis for a JSON sidecar (null where it was not run)."""
        finite = {key: (value if np.isfinite(value) else None) for key, value in self.metrics().items()}
        columns = self.columns.sort_values("importance", ascending=False) if not self.columns.empty else self.columns
        return finite | {
            "shift_warning": self.warning,
            "shift_top_columns": self.top_columns(),
            "shift_columns": json_safe(columns.head(10).round(4).reset_index().to_dict("records")),
        }

    def top_columns(self, k: int = 5) -> list[str]:
        if self.columns.empty or "importance" not in self.columns:
            return []
        return list(self.columns.sort_values("importance", ascending=False).index[:k])

    def summary(self) -> str:
        if not np.isfinite(self.auc):
            return "shift not diagnosed"
        verdict = "another mix of leads" if self.shifted else "train's mix"
        top = ", ".join(self.top_columns(3))
        return (
            f"shift AUC {self.auc:.2f} ({verdict}; {self.effective_rows:,.0f} labelled rows alike"
            + (f"; most: {top}" if self.shifted and top else "")
            + ")"
        )


def json_safe(records: list[dict]) -> list[dict]:
    return [
        {key: (None if isinstance(v, float) and not np.isfinite(v) else v) for key, v in r.items()} for r in records
    ]


def unit_weights(n: int) -> np.ndarray:
    return np.ones(n)


class NoShift:
    """No diagnosis: every labelled row weighs 1 (decisions assume only the rate changed)."""

    name = "none"

    def check_params(self) -> None:
        """Nothing to check."""

    def diagnose(self, labelled: pd.DataFrame, y, scored: pd.DataFrame, prior: float) -> ShiftReport:
        return ShiftReport(float("nan"), unit_weights(len(labelled)), False, rows=len(scored))


class AdversarialShift:
    """Adversarial validation with a cross-fitted LightGBM; see the module docstring."""

    name = "adversarial"

    def __init__(
        self,
        min_auc: float = 0.7,
        max_weight: float = 20.0,
        temper: float = 1.0,
        min_rows: int = 200,
        min_effective_rows: int = 200,
        n_splits: int = 5,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        identifiers=IDENTIFIERS,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.min_auc = min_auc
        self.max_weight = max_weight
        self.temper = temper
        self.min_rows = min_rows
        self.min_effective_rows = min_effective_rows
        self.n_splits = n_splits
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.identifiers = identifiers
        self.seed = seed
        self.n_jobs = n_jobs

    def check_params(self) -> None:
        """Raise ValueError naming the first invalid parameter (the config key and what it accepts)."""
        checks = {
            "shift.min_auc must be in [0.5, 1]": 0.5 <= float(self.min_auc) <= 1,
            "shift.max_weight must be > 1": float(self.max_weight) > 1,
            "shift.temper must be in (0, 1]": 0 < float(self.temper) <= 1,
            "shift.n_splits must be >= 2": int(self.n_splits) >= 2,
            "shift.min_rows must be >= 1": int(self.min_rows) >= 1,
            "shift.min_effective_rows must be >= 1": int(self.min_effective_rows) >= 1,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(message)

    def diagnose(self, labelled: pd.DataFrame, y, scored: pd.DataFrame, prior: float) -> ShiftReport:
        """Labelled rows `labelled` (labels `y`) against `scored`, with the labelled classes reweighted to
        `prior` (the file's estimated share of converted leads)."""
        self.check_params()
        y = np.asarray(y).astype(int)
        ones = unit_weights(len(labelled))
        if len(scored) < int(self.min_rows) or y.min() == y.max():
            message = (
                f"shift not diagnosed: {len(scored)} scored rows (shift.min_rows={self.min_rows}) "
                "or labelled rows of one class; deciding as if only the rate changed"
            )
            log.warning(message)
            return ShiftReport(float("nan"), ones, False, warning=message, rows=len(scored))
        scored = in_canonical_order(scored)  # the file's row order must not move the folds, hence the decision
        both = pd.concat([lead_columns(labelled), lead_columns(scored)], ignore_index=True)
        cleaned = clean_distinct(both)  # once: the classifier and the column report both read it
        X = encoded(cleaned, self.identifiers)
        domain = np.r_[np.zeros(len(labelled)), np.ones(len(scored))]
        balance = class_balance(y, prior) * len(scored) / len(labelled)  # the file and train weigh the same
        sample_weight = np.r_[balance, np.ones(len(scored))]
        proba, importance = self._cross_fit(X, domain, sample_weight)
        auc = float(roc_auc_score(domain, proba, sample_weight=sample_weight))
        columns = column_report(
            labelled, scored, cleaned.iloc[: len(labelled)], cleaned.iloc[len(labelled) :], importance
        )
        if auc < float(self.min_auc):
            return ShiftReport(auc, ones, False, columns, rows=len(scored))
        weights = self._ratio_weights(X, domain, len(labelled))
        report = ShiftReport(auc, weights, True, columns, rows=len(scored))
        if report.effective_rows < int(self.min_effective_rows):
            message = (
                f"only {report.effective_rows:.0f} labelled rows resemble the scored file "
                f"(shift.min_effective_rows={self.min_effective_rows}); deciding as if only the rate changed"
            )
            log.warning(message)
            return ShiftReport(auc, ones, False, columns, message, len(scored), collapsed=True)
        return report

    def weights_toward(self, labelled: pd.DataFrame, scored: pd.DataFrame) -> np.ndarray:
        """Per labelled row, its density-ratio weight toward `scored` (mean 1), from features only: what
        `diagnose` weighs with once the file is diagnosed, and what weighting=toward_file fits with."""
        scored = in_canonical_order(scored)  # the file's row order must not move the folds, hence the weights
        both = pd.concat([lead_columns(labelled), lead_columns(scored)], ignore_index=True)
        X = encoded(clean_distinct(both), self.identifiers)
        return self._ratio_weights(X, np.r_[np.zeros(len(labelled)), np.ones(len(scored))], len(labelled))

    def _ratio_weights(self, X: pd.DataFrame, domain: np.ndarray, n_labelled: int) -> np.ndarray:
        """The weights come from a second classifier, of train as it is against the file (see _weights);
        both sides weigh the same in its fit."""
        n_scored = len(domain) - n_labelled
        as_is = np.r_[np.full(n_labelled, n_scored / n_labelled), np.ones(n_scored)]
        return self._weights(self._cross_fit(X, domain, as_is)[0][:n_labelled])

    def _weights(self, proba: np.ndarray) -> np.ndarray:
        """Density ratio file / train from the odds of a classifier of train as it is against the file,
        tempered, clipped at `max_weight` times the mean, and scaled to mean 1.

        Why train as it is, and not rebalanced to the prior as for the AUC: the rebalancing uses the
        label-shift prior estimate, which a change of mix misleads, and the classifier then explains
        the mix away as a change of rate. Weighting by the plain ratio and estimating the prior on top
        was the better decision on held-out customers drawn toward the competition file's mix, and
        the same on rate-only files, where the AUC gate keeps every weight at 1
        (experiments/shift_decisions.md)."""
        proba = np.clip(proba, 1e-6, 1 - 1e-6)
        ratio = (proba / (1 - proba)) ** float(self.temper)
        ratio /= ratio.mean()
        ratio = np.minimum(ratio, float(self.max_weight))
        return ratio / ratio.mean()

    def _cross_fit(self, X: pd.DataFrame, domain: np.ndarray, sample_weight: np.ndarray):
        """Out-of-fold P(scored | x) for every row, and the mean split gain per column."""
        import lightgbm as lgb

        proba, gains = np.zeros(len(X)), np.zeros(X.shape[1])
        splits = StratifiedKFold(int(self.n_splits), shuffle=True, random_state=int(self.seed))
        for fit_rows, held in splits.split(X, domain):
            model = lgb.LGBMClassifier(
                n_estimators=int(self.n_estimators),
                learning_rate=float(self.learning_rate),
                num_leaves=int(self.num_leaves),
                min_child_samples=int(self.min_child_samples),
                subsample=0.8,
                subsample_freq=1,
                colsample_bytree=0.8,
                random_state=int(self.seed),
                n_jobs=int(self.n_jobs),
                verbose=-1,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X.iloc[fit_rows], domain[fit_rows], sample_weight=sample_weight[fit_rows])
            proba[held] = model.predict_proba(X.iloc[held])[:, 1]
            gains += model.booster_.feature_importance("gain")
        return proba, pd.Series(gains / max(gains.sum(), 1e-12), index=X.columns)


def class_balance(y: np.ndarray, prior: float) -> np.ndarray:
    """Per-row weights (mean 1) that make positives `prior` of the labelled rows."""
    share = y.mean()
    return np.where(y == 1, prior / share, (1 - prior) / (1 - share))


def in_canonical_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by a hash of their lead columns: the same file in any row order gives the same frame
    (rows that hash alike are the same lead, so their order does not matter)."""
    order = np.argsort(pd.util.hash_pandas_object(lead_columns(frame), index=False).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def lead_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in schema.FEATURES if c in frame.columns]]


def domain_frame(frame: pd.DataFrame, identifiers) -> pd.DataFrame:
    """The lead columns, cleaned (one spelling per level), identifiers left out, text as categories."""
    return encoded(clean_distinct(lead_columns(frame)), identifiers)


def encoded(cleaned: pd.DataFrame, identifiers) -> pd.DataFrame:
    """Cleaned lead columns as the adversarial classifier reads them: identifiers out, text as categories."""
    out = cleaned.drop(columns=[c for c in identifiers if c in cleaned.columns])
    text = [c for c in out.columns if c in schema.CATEGORICAL]
    return out.astype(dict.fromkeys(text, "category"))


def column_report(labelled, scored, clean_train, clean_scored, importance: pd.Series) -> pd.DataFrame:
    """Per lead column: share of the file's values unseen in train (as written, and cleaned), missing
    shares and their change, a drift distance (Jensen-Shannon over levels or deciles), and the share of
    the adversarial classifier's split gain (how much the column separates the file from train)."""
    raw = {}
    for column in [c for c in schema.FEATURES if c in labelled.columns and c in scored.columns]:
        a, b = labelled[column], scored[column]
        entry = {
            "missing_train": float(a.isna().mean()),
            "missing_scored": float(b.isna().mean()),
        }
        entry["missing_change"] = entry["missing_scored"] - entry["missing_train"]
        if column in schema.CATEGORICAL:
            entry["unseen_raw"] = unseen_share(a, b)
            entry["unseen_clean"] = unseen_share(clean_train[column], clean_scored[column])
            entry["drift"] = categorical_drift(clean_train[column], clean_scored[column])
        else:
            entry["unseen_raw"] = entry["unseen_clean"] = float("nan")
            entry["drift"] = numeric_drift(a, b)
        entry["importance"] = float(importance.get(column, 0.0))
        raw[column] = entry
    return pd.DataFrame.from_dict(raw, orient="index").rename_axis("column")


def unseen_share(train: pd.Series, scored: pd.Series) -> float:
    """Share of the scored file's filled values that train never holds."""
    filled = scored.dropna()
    return float((~filled.isin(set(train.dropna()))).mean()) if len(filled) else 0.0


def categorical_drift(train: pd.Series, scored: pd.Series, top: int = 50) -> float:
    """Jensen-Shannon distance between the level shares (missing as a level, rare levels pooled)."""
    a, b = train.astype(object).fillna("<missing>"), scored.astype(object).fillna("<missing>")
    levels = a.value_counts().index[:top].union(b.value_counts().index[:top])
    p = a.where(a.isin(levels), "<rare>").value_counts(normalize=True)
    q = b.where(b.isin(levels), "<rare>").value_counts(normalize=True)
    index = p.index.union(q.index)
    return float(jensenshannon(p.reindex(index, fill_value=0), q.reindex(index, fill_value=0), base=2))


def numeric_drift(train: pd.Series, scored: pd.Series) -> float:
    """Jensen-Shannon distance between the shares in train's deciles (missing as a bin)."""
    edges = np.unique(np.nanquantile(train, np.linspace(0.1, 0.9, 9))) if train.notna().any() else np.array([])

    def shares(values: pd.Series) -> np.ndarray:
        bins = np.where(values.isna(), len(edges) + 1, np.searchsorted(edges, values.fillna(0), side="right"))
        return np.bincount(bins, minlength=len(edges) + 2) / max(len(values), 1)

    return float(jensenshannon(shares(train), shares(scored), base=2))
