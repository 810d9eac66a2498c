"""The engine: fitting a pipeline per fold, scoring it and deciding a threshold, i.e. one run.

Imports components and the core only; it never reads MLflow or an environment variable: whatever a
run needs from outside (its tags, a per-fold callback) it receives as an argument.
"""
