"""The digest of the software versions a run records (the runs and ensembles that log and compare it:
tests/integration/test_environment_integration.py)."""

from leadconv.tracking import environment


def test_the_digest_changes_with_any_version():
    current = environment.versions()
    for package in ("scikit-learn", "python"):
        changed = {**current, package: current[package] + ".post1"}
        assert environment.digest(changed) != environment.digest(current)
    assert environment.digest(dict(reversed(list(current.items())))) == environment.digest(current)
