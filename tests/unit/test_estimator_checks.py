"""The project's estimators against scikit-learn's estimator contract (parametrize_with_checks).

The stackers and the `_BuiltAtFit` model wrappers are binary classifiers (tags.multi_class is
False); MeanStacker and RankMeanStacker learn no decision from their inputs, which they read as
probabilities (tags.poor_score). A check one of them fails on purpose is listed in
`expected_failed_checks` with the reason; xfail_strict turns a listed check that starts passing
into a failure, so the list cannot go stale.
"""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from leadconv.components.cv import GroupCV, StratifiedCV
from leadconv.components.models import CatBoostModel, XGBoostModel
from leadconv.components.priors import BBSE, FixedPrior
from leadconv.components.stackers import LightGBMStacker, LogisticStacker, MeanStacker, RankMeanStacker
from leadconv.components.thresholds import Fixed, PriorShift, TargetRate

STACKERS = [
    MeanStacker(),
    RankMeanStacker(),
    LogisticStacker(),
    LightGBMStacker(n_estimators=20, min_child_samples=5),  # the checks' data sets have 10 to 300 rows
]
MODELS = [
    XGBoostModel(n_estimators=10, n_jobs=1),
    CatBoostModel(iterations=10, thread_count=1),
]

CLASS_WEIGHT = (
    "class_weight is 'balanced', null or the converted class's weight (one number, the project's "
    "config); the check passes scikit-learn's per-class dict {0: 1000, 1: 0.0001}, which is refused "
    "with a ConfigError"
)


WEIGHT_IS_NOT_A_COPY = (
    "a row of weight 2 is not two copies of it for a boosting library: row subsampling (XGBoost's "
    "subsample, CatBoost's bootstrap) and leaf sizes counted in rows (LightGBM's min_child_samples) "
    "see one row; weights still scale each row's gradient (tests/unit/test_weighting.py)"
)


def expected_failures(estimator) -> dict[str, str]:
    if isinstance(estimator, (XGBoostModel, CatBoostModel)):
        return {
            "check_class_weight_classifiers": CLASS_WEIGHT,
            "check_sample_weight_equivalence_on_dense_data": WEIGHT_IS_NOT_A_COPY,
        }
    if isinstance(estimator, LightGBMStacker):
        return {"check_sample_weight_equivalence_on_dense_data": WEIGHT_IS_NOT_A_COPY}
    return {}


@parametrize_with_checks(STACKERS + MODELS, expected_failed_checks=expected_failures, xfail_strict=True)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


def base_runs(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Out-of-fold probabilities of three base runs, named by run id as the ensemble passes them."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    X = pd.DataFrame(
        {run: np.clip(0.3 * y + rng.normal(0.3, 0.15, n), 0.001, 0.999) for run in ("run_a", "run_b", "run_c")}
    )
    return X, y


@pytest.mark.parametrize("stacker", STACKERS, ids=lambda s: type(s).__name__)
def test_a_stacker_reads_base_runs_by_name_and_arrays_by_position(stacker):
    X, y = base_runs()
    fitted = clone(stacker).fit(X, y)
    assert list(fitted.feature_names_in_) == ["run_a", "run_b", "run_c"] and fitted.n_features_in_ == 3
    assert list(fitted.classes_) == [0, 1]
    expected = fitted.predict_proba(X)
    reordered = X[["run_c", "run_a", "run_b"]].assign(other_run=0.5)  # submit passes the runs in its own order
    assert np.array_equal(fitted.predict_proba(reordered), expected)
    assert list(fitted.weights().index) == ["run_a", "run_b", "run_c"]
    from_arrays = clone(stacker).fit(X.to_numpy(), y)
    assert np.array_equal(from_arrays.predict_proba(X.to_numpy()), expected)
    assert list(from_arrays.weights().index) == ["x0", "x1", "x2"]


@pytest.mark.parametrize("estimator", STACKERS + MODELS, ids=lambda s: type(s).__name__)
def test_an_unfitted_estimator_raises_not_fitted(estimator):
    X, _ = base_runs(10)
    with pytest.raises(NotFittedError):
        clone(estimator).predict_proba(X)


def test_the_logistic_stackers_intercept_is_a_fitted_attribute():
    X, y = base_runs()
    fitted = LogisticStacker().fit(X, y)
    assert fitted.intercept_ == pytest.approx(fitted.model_.intercept_[0])
    assert not hasattr(LogisticStacker(), "intercept_")


@pytest.mark.parametrize("stacker", STACKERS, ids=lambda s: type(s).__name__)
def test_a_stacker_saved_before_feature_names_in_still_predicts(stacker):
    """Fitted stackers logged by earlier code hold `columns_` instead of n_features_in_ / feature_names_in_."""
    X, y = base_runs()
    fitted = clone(stacker).fit(X, y)
    state = dict(fitted.__getstate__())  # a copy: object.__getstate__ returns the instance dict itself
    state["columns_"] = list(state.pop("feature_names_in_"))
    del state["n_features_in_"]
    old = type(stacker).__new__(type(stacker))
    old.__setstate__(state)
    assert np.array_equal(old.predict_proba(X[["run_b", "run_c", "run_a"]]), fitted.predict_proba(X))


# The CV schemes, threshold rules and prior estimators store their parameters as given (scikit-learn's
# convention) and check them with check_params(), which their split/choose/estimate run first.


def test_group_cv_describes_the_groups_it_is_given_whatever_was_split_before():
    rng = np.random.default_rng(0)
    groups = np.r_[np.zeros(60, int), rng.integers(1, 200, 940)]  # customer 0 owns 6 % of the rows
    y = (rng.random(1000) < 0.3).astype(int)
    cv = GroupCV(n_splits=3, max_group_share=0.05)
    before = cv.describe(groups)
    folds = cv.split(None, y, groups)
    other = np.arange(1000)  # every row its own customer: none above the share
    cv.split(None, y, other)
    assert cv.describe(groups) == before
    never_validated = 1000 - len(np.unique(np.concatenate([f.valid for f in folds])))
    assert before["cv_rows_never_validated"] == never_validated == 60 and before["cv_train_only_groups"] == 1
    assert cv.describe(other)["cv_train_only_groups"] == 0


@pytest.mark.parametrize(
    "component, name, value, message",
    [
        (Fixed(0.3), "value", 2, "threshold.value must be a number in (0, 1)"),
        (TargetRate(0.2), "rate", 0, "threshold.rate must be a number in (0, 1)"),
        (PriorShift(0.3), "test_prior", "often", "threshold.test_prior must be a number in (0, 1) or auto"),
        (FixedPrior(0.3), "value", 1.5, "prior.value must be a number in (0, 1)"),
        (BBSE(n_bootstrap=0), "cuts", [0.5, 2], "prior.cuts must be a list of probabilities"),
        (GroupCV(), "max_group_share", 0, "max_group_share must be in"),
        (StratifiedCV(), "duplicates", "drop", "duplicates must be one of"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, (str, int, float, list)) else None,
)
def test_a_parameter_changed_after_construction_is_checked_before_use(component, name, value, message):
    assert getattr(component, name) != value
    setattr(component, name, value)
    assert getattr(component, name) == value  # stored as given
    with pytest.raises(ValueError, match=re.escape(message)):
        component.check_params()
    rng = np.random.default_rng(0)
    y, proba = (rng.random(300) < 0.3).astype(int), rng.random(300)
    use = {
        "split": lambda: component.split(pd.DataFrame({"x": proba}), y, np.arange(300)),
        "choose": lambda: component.choose(y, proba, proba, 0.3),
        "estimate": lambda: component.estimate(y, proba, proba),
    }
    (method,) = [m for m in use if hasattr(component, m)]
    with pytest.raises(ValueError, match=re.escape(message)):
        use[method]()
