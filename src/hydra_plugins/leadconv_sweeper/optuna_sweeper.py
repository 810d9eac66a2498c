"""`hydra/sweeper=optuna`: a Hydra sweeper over current Optuna; the work is in leadconv.sweeps.study.

Hydra imports every module under hydra_plugins at start-up, so this one stays light: Optuna is
imported only when a sweep actually runs.
"""

from __future__ import annotations

from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper


class OptunaSweeper(Sweeper):
    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.config = self.launcher = self.hydra_context = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from leadconv.errors import LeadConvError
        from leadconv.sweeps.study import fail, run_study

        try:
            return run_study(self, arguments, **self.settings)
        except LeadConvError as error:
            fail(error)
