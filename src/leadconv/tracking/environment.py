"""The software behind a run's numbers: Python and the versions of the packages that shape them.

Every run and ensemble logs them as `environment.json` with the tag `environment_digest`, and
`make submit` writes them into its sidecar. Runs with different digests may differ in their
numbers for that reason alone; an ensemble of such runs warns, naming the packages that differ.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
from importlib import metadata

log = logging.getLogger(__name__)

PACKAGES = (
    "pandas",
    "numpy",
    "scikit-learn",
    "lightgbm",
    "xgboost",
    "catboost",
    "imbalanced-learn",
    "optuna",
    "mlflow",
    "hydra-core",
    "skops",
)
ARTIFACT = "environment.json"
DIGEST_TAG = "environment_digest"


def versions() -> dict[str, str]:
    """{"python": "3.11.7", "pandas": "3.1.1", ...}; a package that is not installed is "missing"."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "missing"
    return found


def digest(environment: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(environment, sort_keys=True).encode()).hexdigest()[:16]


def differences(environments: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """{package: {run id: version}} for every package whose version is not the same in all runs."""
    packages = sorted({package for environment in environments.values() for package in environment})
    table = {
        package: {run: environment.get(package, "unknown") for run, environment in environments.items()}
        for package in packages
    }
    return {package: by_run for package, by_run in table.items() if len(set(by_run.values())) > 1}


def describe_differences(differing: dict[str, dict[str, str]]) -> str:
    return "; ".join(f"{package} " + ", ".join(sorted(set(by_run.values()))) for package, by_run in differing.items())


def log_environment() -> dict[str, str]:
    """Log this process's versions on the active MLflow run; returns them."""
    import mlflow

    environment = versions()
    mlflow.log_dict(environment, ARTIFACT)
    mlflow.set_tag(DIGEST_TAG, digest(environment))
    return environment
