"""Tasks: what a command does from a composed config, i.e. one tracked run, an ensemble, a
submission, and the hold-out studies. They glue components, the engine, tracking and sweeps.
"""
