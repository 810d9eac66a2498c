"""The binary target every classifier of the project (models and stackers) fits."""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target


def binary_classes(estimator, y) -> tuple[np.ndarray, np.ndarray]:
    """(classes_, y as 0/1 codes) for a binary target; the second class is the positive one."""
    check_classification_targets(y)
    target = type_of_target(y, input_name="y", raise_unknown=True)
    if target != "binary":
        raise ValueError(f"Only binary classification is supported. The type of the target is {target}.")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) != 2:
        raise ValueError(f"{type(estimator).__name__} needs both classes in y, got one class: {classes.tolist()}")
    return classes, codes
