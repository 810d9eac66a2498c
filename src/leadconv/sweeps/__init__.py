"""Sweeps: parent runs of Hydra multiruns, Optuna studies, search spaces and trial hooks.

Imports tracking and the core; never the tasks. A run learns about its sweep only through the
hooks `leadconv.settings` reads for it (its tags and the per-fold reporter).
"""
