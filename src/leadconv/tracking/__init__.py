"""Tracking: MLflow logging, store queries, model files, plots and reports built from the store.

Imports the core, components and engine; never sweeps or tasks.
"""
