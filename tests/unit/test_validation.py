"""cv=group and duplicate handling, threshold rules and the customer hold-out check (the runs that log
them and the results table regenerated from MLflow: tests/integration/test_validation_integration.py)."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from leadconv.components.cv import GroupCV, StratifiedCV, row_groups
from leadconv.components.dataset import SyntheticData
from leadconv.components.thresholds import PriorShift, TargetRate, best_f1_threshold


@pytest.fixture(scope="module")
def dataset():
    return SyntheticData(n_rows=1500, n_test=200, seed=4).load()


def test_group_folds_never_share_a_customer_and_keep_large_customers_in_training(dataset):
    cv = GroupCV(n_splits=4, n_repeats=2, max_group_share=0.05)
    folds = cv.split(dataset.train, dataset.y, dataset.groups)
    customers = dataset.groups.to_numpy()
    sizes = dataset.groups.value_counts()
    large = set(sizes[sizes > 0.05 * len(customers)].index)
    assert large  # the synthetic data has its whales
    never_validated = np.flatnonzero(np.isin(customers, list(large)))
    assert len(folds) == 8
    for fold in folds:
        assert not set(customers[fold.train]) & set(customers[fold.valid])
        assert large <= set(customers[fold.train]) and not large & set(customers[fold.valid])
        assert 0.5 < dataset.y[fold.valid].mean() / dataset.y.mean() < 2  # still stratified
    for repeat in (0, 1):
        valid = np.concatenate([f.valid for f in folds if f.repeat == repeat])
        assert sorted(valid) == sorted(set(range(len(customers))) - set(never_validated))  # the rest once each
    described = cv.describe(dataset.groups)
    assert described["cv_rows_never_validated"] == len(never_validated)
    assert described["cv_train_only_groups"] == len(large) and described["cv_scheme"] == "group"


def test_stratified_keeps_identical_rows_in_one_fold(dataset):
    hashes = row_groups(dataset.train)
    assert len(np.unique(hashes)) < len(hashes)  # the synthetic data has duplicates

    def split_duplicates(duplicates):
        folds = StratifiedCV(n_splits=5, duplicates=duplicates).split(dataset.train, dataset.y)
        return sum(len(set(hashes[f.train]) & set(hashes[f.valid])) for f in folds)

    assert split_duplicates("same_fold") == 0
    assert split_duplicates("ignore") > 0
    with pytest.raises(ValueError, match="duplicates"):
        StratifiedCV(duplicates="drop").check_params()


def test_target_rate_predicts_the_requested_share_of_test_rows():
    test_proba = np.random.default_rng(0).random(1000)
    threshold = TargetRate(rate=0.25).choose(None, None, test_proba)
    assert np.mean(test_proba >= threshold) == pytest.approx(0.25)


def test_prior_shift_is_best_f1_on_rows_reweighted_to_the_assumed_prior():
    rng = np.random.default_rng(1)
    y = (rng.random(4000) < 0.08).astype(int)
    proba = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    same_prior = PriorShift(test_prior=y.mean()).choose(y, proba)
    assert same_prior == pytest.approx(best_f1_threshold(y, proba))
    shifted = PriorShift(test_prior=0.3).choose(y, proba)
    assert shifted < same_prior  # more positives expected: a lower cut pays off

    # brute force: F1 with positives counted 0.3/0.08 and negatives 0.7/0.92 times
    weights = np.where(y == 1, 0.3 / y.mean(), 0.7 / (1 - y.mean()))
    grid = np.unique(proba)[::20]
    brute = max(grid, key=lambda t: f1_score(y, proba >= t, sample_weight=weights))
    assert (
        f1_score(y, proba >= shifted, sample_weight=weights)
        >= f1_score(y, proba >= brute, sample_weight=weights) - 1e-9
    )


def test_holdout_check_scores_unseen_customers_with_each_scheme(dataset):
    from leadconv.tasks.holdout import compare, customer_holdout

    kept, held_out = customer_holdout(dataset.groups, 0.2, 0.02, seed=0)
    customers = dataset.groups.to_numpy()
    assert not set(customers[kept]) & set(customers[held_out]) and len(kept) + len(held_out) == len(customers)
    assert dataset.groups.value_counts().index[0] in set(customers[kept])  # the largest customer is never held out
    table = compare(["dataset=synthetic", "dataset.n_rows=800", "dataset.n_test=50", "model=logreg", "cv.n_splits=3"])
    assert list(table["cv"]) == ["stratified", "group"]
    assert table["held_out_f1"].between(0, 1).all() and (table["held_out_rows"] > 0).all()
    assert np.allclose(table["error"], table["cv_f1"] - table["held_out_f1"])
