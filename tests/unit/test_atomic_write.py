"""utils.write_atomically: a set of files is replaced together or not at all."""

import pytest

from leadconv.utils import write_atomically


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_files_are_written_together(tmp_path):
    csv, sidecar = tmp_path / "out" / "a.csv", tmp_path / "out" / "a.json"
    write_atomically({csv: "id\n1\n", sidecar: b"{}"})
    assert (csv.read_text(), sidecar.read_text()) == ("id\n1\n", "{}")
    assert leftovers(tmp_path / "out") == []


@pytest.mark.parametrize("existed", [True, False])
def test_a_failed_second_rename_restores_the_first_file(tmp_path, existed):
    first, second = tmp_path / "a.csv", tmp_path / "a.json"
    if existed:
        first.write_text("old")
    second.mkdir()  # renaming a file onto a directory fails
    with pytest.raises(OSError):
        write_atomically({first: "new", second: "{}"})
    assert (first.read_text() == "old") if existed else not first.exists()
    assert second.is_dir() and leftovers(tmp_path) == []


def test_the_same_path_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="same path"):
        write_atomically({tmp_path / "a.csv": "x", tmp_path / "sub" / ".." / "a.csv": "y"})
    assert list(tmp_path.iterdir()) == []
