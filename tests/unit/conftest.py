"""Unit tests: no MLflow store, no subprocess, no competition data (tests/integration/ has the rest).

The fixture below makes a unit test that opens an MLflow store or starts a subprocess fail, so a test
in the wrong directory is found rather than silently slowing `make test-unit` down.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from mlflow.tracking._tracking_service import utils as tracking_utils

# Programs libraries start on their own: joblib (via scikit-learn) asks `lscpu` for the physical cores.
LIBRARY_PROGRAMS = {"lscpu"}


def refuse(what: str):
    # pytest.fail raises a BaseException: no `except Exception` in the code under test swallows it
    pytest.fail(f"a unit test {what}: move it to tests/integration/", pytrace=False)


@pytest.fixture(autouse=True)
def no_store_no_subprocess(monkeypatch):
    popen_init = subprocess.Popen.__init__

    def checked_popen_init(self, args, *rest, **kwargs):
        program = args if isinstance(args, (str, bytes, os.PathLike)) else args[0]
        if os.path.basename(os.fsdecode(program)).split()[0] not in LIBRARY_PROGRAMS:
            refuse(f"started a subprocess ({program})")
        popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", checked_popen_init)
    monkeypatch.setattr(
        tracking_utils._tracking_store_registry, "get_store", lambda *a, **k: refuse("opened an MLflow store")
    )
