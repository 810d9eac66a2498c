"""User-facing errors: each message is one line that names the problem and the fix."""

from __future__ import annotations

import re
import traceback
from pathlib import Path


class LeadConvError(Exception):
    """Bad input or configuration; the entry point prints the message alone and exits non-zero."""


class DataError(LeadConvError):
    """The data files are missing, empty or malformed."""


class ConfigError(LeadConvError):
    """A configuration value cannot be used."""


class FeatureError(LeadConvError):
    """A feature set meets data it cannot transform (for example a missing column)."""


# libraries whose own errors, raised while fitting, mean a setting they refuse (not a bug of ours)
FIT_LIBRARIES = ("xgboost", "lightgbm", "catboost", "sklearn", "imblearn")
FIT_METHODS = {"fit", "fit_transform", "fit_resample"}
# the libraries' own names for settings the configs spell otherwise (LightGBM reports its aliases)
PARAM_ALIASES = {
    "min_data_in_leaf": "min_child_samples",
    "num_iterations": "n_estimators",
    "bagging_fraction": "subsample",
    "bagging_freq": "subsample_freq",
    "feature_fraction": "colsample_bytree",
    "lambda_l2": "reg_lambda",
    "min_sum_hessian_in_leaf": "min_child_weight",
    "num_leaves": "num_leaves",
}


def library_of(filename: str) -> str | None:
    """The fitting library a traceback frame's file belongs to, if any."""
    parts = Path(filename).parts
    for library in FIT_LIBRARIES:
        if library in parts or Path(filename).name.startswith(f"_{library}"):
            return library
    return None


def fit_error_message(error: BaseException, cfg=None, chosen: dict | None = None) -> str | None:
    """One line for an error a library raised inside its own fit (a setting it refuses, e.g. XGBoost's
    max_depth=-3, CatBoost's depth=40), naming the estimator, the library's words and the config key they
    point at; None for anything else (a bug keeps its traceback). `cfg` and `chosen` (the config groups'
    options) name the key."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or library_of(frames[-1].filename) is None:
        return None
    library_error = type(error).__module__.split(".")[0].lstrip("_") in FIT_LIBRARIES
    if not (library_error or isinstance(error, (ValueError, TypeError))):
        return None
    ours = max((i for i, f in enumerate(frames) if library_of(f.filename) is None), default=-1)
    inside = frames[ours + 1 :]
    if not any(f.name in FIT_METHODS or f.name.startswith("_fit") for f in inside):
        return None
    fitting = [  # the estimators whose fit the error passed through, innermost last
        type(frame.f_locals["self"]).__name__
        for i, (frame, _) in enumerate(traceback.walk_tb(error.__traceback__))
        if i > ours and frame.f_code.co_name in FIT_METHODS and "self" in frame.f_locals
    ]
    estimator = fitting[-1] if fitting else type(error).__module__.split(".")[0].lstrip("_")
    said = re.sub(r"\s*\bat \S+\.(cpp|cc|h), line \d+ ?\.?|\S+\.(cpp|cc|h):\d+: ?", " ", str(error))
    said = " ".join(said.split()).rstrip(" .")[:240] or type(error).__name__
    keys = config_keys_named(said, cfg)
    group = keys[0].split(".")[0] if keys else "model"
    option = f"{group}={chosen[group]} " if chosen and group in chosen else ""
    where = f" ({', '.join(keys)})" if keys else ""
    return (
        f"{option}cannot be fit with its settings: {estimator} says: {said}{where}; "
        f"fix the {group}.* override or conf/{group}/"
    )


def config_keys_named(message: str, cfg) -> list[str]:
    """`group.key=value` of the config's component settings that the library's message names."""
    if cfg is None:
        return []
    from omegaconf import DictConfig

    found = []
    for group in ("model", "stacker", "sampler", "features", "shift"):
        node = cfg.get(group) if isinstance(cfg, DictConfig) else None
        if not isinstance(node, DictConfig):
            continue
        for key in node:
            names = [key, *(alias for alias, name in PARAM_ALIASES.items() if name == key)]
            if not str(key).startswith("_") and any(re.search(rf"\b{re.escape(n)}\b", message) for n in names):
                found.append(f"{group}.{key}={node.get(key)}")
        if found:
            return found  # the first group that has such a key: the model's, before the shift diagnosis's
    return found
