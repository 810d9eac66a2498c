"""Saving fitted models as skops files, and loading them without running code from the store.

A pickle (joblib) runs whatever code its bytes name when it is loaded, so anyone who can write a
run into a shared tracking store could run code on the machine of whoever scores with it. skops
files are loaded node by node, and a type is only rebuilt if it is on `TRUSTED_TYPES` below (plus
the builtins, numpy and scikit-learn types skops trusts itself). A file naming any other type is
refused with one line before anything in it is rebuilt. That is the trust boundary: the list names
exactly the classes and functions this project's configs build. A new model, sampler or feature set
whose fitted objects hold another type fails `tests/test_persistence.py` until its types are
added here, after checking that rebuilding them cannot run code.
"""

from __future__ import annotations

from pathlib import Path

import skops.io as sio

from leadconv.errors import DataError

TRUSTED_TYPES = sorted(
    [
        # the project's own components
        "leadconv.features.RawFeatures",
        "leadconv.features.NativeFeatures",
        "leadconv.features.CleanFeatures",
        "leadconv.features.EngineeredFeatures",
        "leadconv.features.TabularEncoder",
        "leadconv.models.CatBoostModel",
        "leadconv.models.XGBoostModel",
        "leadconv.models._onehot_name",
        "leadconv.samplers.CategoryPreservingSampler",
        "leadconv.samplers.CustomerCap",
        "leadconv.samplers.FoldSizedSMOTENC",
        "leadconv.stackers.MeanStacker",
        "leadconv.stackers.RankMeanStacker",
        "leadconv.stackers.LogisticStacker",
        "leadconv.stackers.LightGBMStacker",
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


def dump(obj, path: Path) -> None:
    sio.dump(obj, path)


def load(path: Path, source: str):
    """The object in the skops file `path`; `source` names it in the error (e.g. the run and artifact)."""
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as error:  # noqa: BLE001 - any unreadable file gets one line
        raise DataError(
            f"{source} is not a readable skops file ({type(error).__name__}); rerun the run that logged it"
        ) from None
    refused = sorted(untrusted - set(TRUSTED_TYPES))
    if refused:
        shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise DataError(
            f"refusing to load {source}: it names types that leadconv.persistence.TRUSTED_TYPES does not "
            f"trust ({shown}); it was not written by this project's code, so rebuild it with a run you "
            "trust, or review those types and add them"
        )
    return sio.load(path, trusted=sorted(untrusted))
