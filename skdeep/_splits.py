"""One held-out split, stratified when the classes allow it.

Used for the estimators' validation split (early stopping) and for the
report's train/test split.
"""

from __future__ import annotations

from typing import Any

from sklearn.model_selection import train_test_split


def stratified_split(*arrays: Any, test_size: float, random_state: Any, stratify: Any = None) -> list:
    """``train_test_split`` stratified on ``stratify``, or plain where a class is too small.

    A class with a single row (or fewer rows than the test or train side has
    classes) cannot be stratified; the split is then drawn without
    stratification rather than failing. ``stratify=None`` gives a plain split.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2])  # class 2 has one row
    >>> train, test = stratified_split(np.arange(9), test_size=3, random_state=0, stratify=y)
    >>> len(train), len(test)
    (6, 3)
    """
    if stratify is not None:
        try:
            return train_test_split(*arrays, test_size=test_size, random_state=random_state,
                                    stratify=stratify)
        except ValueError:  # a class too small to stratify
            pass
    return train_test_split(*arrays, test_size=test_size, random_state=random_state)
