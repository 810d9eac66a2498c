"""make bench's memory figures: the suite's jobs run in worker processes, so the whole tree counts."""

import sys

from leadconv.bench.submit import measure_tree

ALLOCATE = "import time; block = bytearray({mib} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(2)"


def test_memory_of_a_grandchild_is_measured(tmp_path):
    parent = (
        "import subprocess, sys, time; "
        f"child = subprocess.Popen([sys.executable, '-c', {ALLOCATE.format(mib=300)!r}]); "
        f"exec({ALLOCATE.format(mib=50)!r}); child.wait()"
    )
    measured = measure_tree([sys.executable, "-c", parent], env={})
    assert 0.28 < measured["largest_gib"] < 0.45  # the child's 300 MiB, not the parent's 50
    assert measured["total_gib"] >= measured["largest_gib"] + 0.04  # both at once
    assert measured["seconds"] >= 2
