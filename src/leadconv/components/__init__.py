"""Components: everything a config group builds (`_target_`), i.e. datasets, cleaning, feature sets,
samplers, models, cross-validation schemes, prior estimators, threshold rules and stackers.

Imports only the package's core modules (errors, schema); never the engine, tracking or sweeps.
"""
