"""Saving fitted models as skops files, and loading them without running code from the store.

A pickle (joblib) runs whatever code its bytes name when it is loaded, so anyone who can write a
run into a shared tracking store could run code on the machine of whoever scores with it. skops
files are loaded node by node, and a type is only rebuilt if it is on `TRUSTED_TYPES` below (plus
the builtins, numpy and scikit-learn types skops trusts itself). A file naming any other type is
refused with one line before anything in it is rebuilt. That is the trust boundary: the list names
exactly the classes and functions this project's configs build. A new model, sampler or feature set
whose fitted objects hold another type fails `tests/unit/test_persistence.py` until its types are
added here, after checking that rebuilding them cannot run code.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from leadconv.errors import DataError

TRUSTED_TYPES = sorted(
    [
        # the project's own components
        "leadconv.components.features.RawFeatures",
        "leadconv.components.features.NativeFeatures",
        "leadconv.components.features.CleanFeatures",
        "leadconv.components.encoders.CustomerTargetEncoder",
        "leadconv.components.features.EngineeredFeatures",
        "leadconv.components.encoders.TabularEncoder",
        "leadconv.components.models.CatBoostModel",
        "leadconv.components.models.XGBoostModel",
        "leadconv.components.models._onehot_name",
        "leadconv.components.samplers.CategoryPreservingSampler",
        "leadconv.components.samplers.CustomerCap",
        "leadconv.components.samplers.FoldSizedSMOTENC",
        "leadconv.components.stackers.MeanStacker",
        "leadconv.components.stackers.RankMeanStacker",
        "leadconv.components.stackers.LogisticStacker",
        "leadconv.components.stackers.LightGBMStacker",
        # pipelines and samplers
        "imblearn.pipeline.Pipeline",
        "imblearn.over_sampling._adasyn.ADASYN",
        "imblearn.over_sampling._random_over_sampler.RandomOverSampler",
        "imblearn.over_sampling._smote.base.SMOTE",
        "imblearn.over_sampling._smote.base.SMOTENC",
        "imblearn.over_sampling._smote.filter.BorderlineSMOTE",
        "imblearn.under_sampling._prototype_selection._random_under_sampler.RandomUnderSampler",
        "imblearn.under_sampling._prototype_selection._tomek_links.TomekLinks",
        # gradient boosting libraries (their boosters are restored from their own model format)
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "xgboost.core.Booster",
        "xgboost.sklearn.XGBClassifier",
        "catboost.core.CatBoostClassifier",
        # scikit-learn internals and plain containers that the fitted objects hold
        "sklearn.compose._column_transformer.make_column_selector",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.tree._tree.Tree",
        "sklearn.utils.validation.check_array",
        "scipy.sparse._csr.csr_matrix",
        "numpy.dtype",
        "collections.OrderedDict",
        "functools.partial",
    ]
)


# Modules of the flat package before the layered one: model files logged then name them.
LEGACY_MODULES = {
    "leadconv.features": "leadconv.components.features",
    "leadconv.models": "leadconv.components.models",
    "leadconv.samplers": "leadconv.components.samplers",
    "leadconv.stackers": "leadconv.components.stackers",
}


# Classes that moved to another module: files logged before the move name the old one (which still
# imports them, so skops rebuilds them from either name).
LEGACY_CLASSES = {
    "leadconv.components.features.TabularEncoder": "leadconv.components.encoders.TabularEncoder",
    "leadconv.components.features.CustomerTargetEncoder": "leadconv.components.encoders.CustomerTargetEncoder",
}


def current_name(type_name: str) -> str:
    """`type_name` as the current package names it (files written before a move name old modules)."""
    module, _, name = type_name.rpartition(".")
    renamed = f"{LEGACY_MODULES.get(module, module)}.{name}"
    return LEGACY_CLASSES.get(renamed, renamed)


def alias_legacy_modules() -> None:
    """Let skops import a legacy module name: it resolves to the module the code moved to."""
    for legacy, current in LEGACY_MODULES.items():
        sys.modules.setdefault(legacy, importlib.import_module(current))


def dump(obj, path: Path) -> None:
    import skops.io as sio  # on use: a run that saves no models skips its import (0.3 s)

    sio.dump(obj, path)


def load(path: Path, source: str):
    """The object in the skops file `path`; `source` names it in the error (e.g. the run and artifact)."""
    import skops.io as sio

    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as error:  # noqa: BLE001 - any unreadable file gets one line
        raise DataError(
            f"{source} is not a readable skops file ({type(error).__name__}); rerun the run that logged it"
        ) from None
    refused = sorted(t for t in untrusted if current_name(t) not in TRUSTED_TYPES)
    if refused:
        shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise DataError(
            f"refusing to load {source}: it names types that leadconv.tracking.persistence.TRUSTED_TYPES does not "
            f"trust ({shown}); it was not written by this project's code, so rebuild it with a run you "
            "trust, or review those types and add them"
        )
    alias_legacy_modules()
    return sio.load(path, trusted=sorted(untrusted))
