"""Lead conversion research package: data, features, samplers, models, validation, tracking."""

import warnings
from pathlib import Path

from omegaconf import OmegaConf

__version__ = "0.1.0"

# The repository root (the package is installed editable from src/): configs say ${project_root:}.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT), replace=True)

# conf/hydra/sweeper/basic.yaml deliberately replaces Hydra's own `basic` sweeper option (with the
# checked grid sweeper); Hydra warns that such a same-named config is matched against its schema.
warnings.filterwarnings("ignore", message=r"(?s).*'hydra/sweeper/basic' is validated against ConfigStore schema")
