"""Search spaces: `conf/search_space/` and command-line sweeps as Optuna distributions, and back
to Hydra overrides for a trial's job."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep, Override, RangeSweep
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from leadconv.errors import ConfigError
from leadconv.sweeps.storage import last_line

log = logging.getLogger(__name__)


def flatten(node: Mapping, prefix: str = "") -> dict[str, str]:
    """{"model": {"num_leaves": "int(interval(8, 256))"}} -> {"model.num_leaves": "int(interval(8, 256))"}."""
    flat = {}
    for key, value in node.items():
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = "null" if value is None else str(value)
    return flat


def to_distribution(override: Override) -> BaseDistribution:
    """Hydra's sweep syntax as an Optuna distribution: choice(a, b) | range(lo, stop, step) (stop
    excluded, as in Python) | interval(lo, hi) (floats; int(interval(...)) for integers) | tag(log, ...)."""
    key, value = override.get_key_element(), override.value()
    if override.is_choice_sweep():
        choices = list(override.sweep_string_iterator())
        if not choices:
            raise ConfigError(f"search space {key}: choice() is empty; give at least one option")
        return CategoricalDistribution(choices)
    if isinstance(value, RangeSweep):
        values = list(override.sweep_iterator())
        if not values:
            raise ConfigError(f"search space: {override.input_line} is an empty range; make stop larger than start")
        if all(isinstance(v, int) for v in (value.start, value.stop, value.step)):
            return IntDistribution(values[0], values[-1], step=value.step)
        return FloatDistribution(values[0], values[-1], step=value.step)
    if isinstance(value, IntervalSweep):
        if not value.start <= value.end:
            raise ConfigError(
                f"search space: {override.input_line} is an empty interval; the low end must not exceed the high end"
            )
        log_scale = "log" in value.tags
        if log_scale and value.start <= 0:
            raise ConfigError(f"search space {key}: a log-scaled interval must start above 0")
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log_scale)
        return FloatDistribution(float(value.start), float(value.end), log=log_scale)
    raise ConfigError(f"search space: {override.input_line} is not a choice, range or interval")


def build_space(configured: Mapping, arguments: list[str]) -> tuple[dict[str, BaseDistribution], list[str]]:
    """The configured search space plus the command line: a sweep override (`model.num_leaves=
    int(interval(8,64))`) replaces or adds a dimension, a plain one (`model.num_leaves=31`) fixes it."""
    parser = OverridesParser.create()
    try:
        overrides = parser.parse_overrides([f"{k}={v}" for k, v in flatten(configured).items()] + list(arguments))
    except Exception as error:  # noqa: BLE001 - Hydra's grammar errors are long
        raise ConfigError(f"search space: cannot parse {last_line(error)}; fix hydra.sweeper.search_space") from None
    space, fixed = {}, {}
    for override in overrides:
        key = override.get_key_element()
        space.pop(key, None)
        fixed.pop(key, None)
        if override.is_sweep_override():
            space[key] = to_distribution(override)
        else:
            fixed[key] = override.input_line
    return space, list(fixed.values())


def as_override(key: str, value) -> str:
    return f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}"


def describe(params: dict) -> str:
    """Parameters for people: floats to 4 significant digits (the overrides themselves keep every digit)."""
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def probe_batch(space: dict[str, BaseDistribution], fixed: list[str]) -> list[list[str]]:
    """Jobs that compose every key of the space and every categorical option, without running anything."""
    low = {k: (d.choices[0] if isinstance(d, CategoricalDistribution) else d.low) for k, d in space.items()}
    batch = [fixed + [as_override(k, v) for k, v in low.items()]]
    for key, dist in space.items():
        for choice in getattr(dist, "choices", ())[1:]:
            batch.append(fixed + [as_override(k, choice if k == key else v) for k, v in low.items()])
    return batch


def check_space(sweeper, space: dict[str, BaseDistribution], fixed: list[str]) -> None:
    if not space:
        raise ConfigError(
            "the search space is empty; add options under hydra.sweeper.search_space "
            "(conf/search_space/<model>.yaml) or sweep overrides such as 'model.num_leaves=int(interval(8,64))'"
        )
    for overrides in probe_batch(space, fixed):
        try:
            sweeper.validate_batch_is_legal([overrides])
        except Exception as error:  # noqa: BLE001 - Hydra composition errors span lines
            text = str(error).strip().splitlines()
            raise ConfigError(
                f"search space: {text[0].rstrip('.') if text else error}; fix hydra.sweeper.search_space "
                "or the sweep override (a key must exist in the config)"
            ) from None
