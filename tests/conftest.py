"""Shared fixtures: every test writes to a temporary MLflow store, never to the user's mlruns/.

Shared helper functions and constants are in helpers.py (`from helpers import ...`), not here.
"""

from __future__ import annotations

import os
import re

# One OpenMP thread per process: pytest-xdist already runs a worker per core, and LightGBM, XGBoost and
# scikit-learn's histogram boosting spin a thread per core each, which on 2 cores made a test up to 5x slower.
# Set before any library loads OpenMP, and inherited by the scripts the tests start.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import mlflow
import pytest


@pytest.fixture(scope="session", autouse=True)
def mlflow_store(tmp_path_factory):
    """One temporary SQLite store for the session (creating its tables costs seconds)."""
    store = tmp_path_factory.mktemp("mlruns")
    uri = f"sqlite:///{store}/mlflow.db"
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    yield uri
    if previous is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = previous


@pytest.fixture(autouse=True)
def keep_session_store(mlflow_store):
    """mlflow.set_tracking_uri also sets MLFLOW_TRACKING_URI, which every later subprocess inherits:
    a test that points MLflow elsewhere must not send the tests after it there."""
    yield
    if os.environ.get("MLFLOW_TRACKING_URI") != mlflow_store or mlflow.get_tracking_uri() != mlflow_store:
        mlflow.set_tracking_uri(mlflow_store)


@pytest.fixture
def experiment(request, mlflow_store):
    """A fresh experiment name per test, so run counts are the test's own."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"test-{request.node.name}")[:200]  # safe in a Hydra override
