"""`python -m leadconv.bench` (make bench)."""

from leadconv.bench.report import main

main()
