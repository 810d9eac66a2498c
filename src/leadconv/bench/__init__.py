"""Benchmarks (`make bench`, `make bench-team`): wall time, memory and trials per minute."""
