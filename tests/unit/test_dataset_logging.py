"""Logging the training data as an MLflow input when parallel jobs of one sweep log the same dataset."""

import pytest
from mlflow.exceptions import MlflowException

from leadconv.tracking import artifacts

RACE = "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, datasets.name, datasets.digest"


def test_a_dataset_another_job_stored_first_is_logged_on_the_next_attempt(monkeypatch):
    calls = []

    def log_input(dataset, context):
        calls.append(context)
        if len(calls) == 1:  # the other job inserted the same dataset between MLflow's check and its insert
            raise MlflowException(RACE)

    monkeypatch.setattr(artifacts.mlflow, "log_input", log_input)
    artifacts.log_input_once_stored(object())
    assert calls == ["training", "training"]


@pytest.mark.parametrize("message", ["connection refused", RACE])
def test_other_failures_and_a_race_that_persists_are_raised(monkeypatch, message):
    calls = []

    def log_input(dataset, context):
        calls.append(context)
        raise MlflowException(message)

    monkeypatch.setattr(artifacts.mlflow, "log_input", log_input)
    with pytest.raises(MlflowException, match=message[:20].replace("(", r"\(").replace(")", r"\)")):
        artifacts.log_input_once_stored(object())
    assert len(calls) == (1 if message != RACE else 3)
