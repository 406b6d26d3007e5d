"""The one held-out split shared by the estimators' validation split and the report."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skdeep._splits import stratified_split


def test_stratified_when_every_class_allows_it():
    y = np.array([0] * 80 + [1] * 20)
    train, test = stratified_split(np.arange(100), test_size=0.2, random_state=0, stratify=y)
    assert np.bincount(y[test]).tolist() == [16, 4]  # the class proportions, exactly
    assert sorted([*train, *test]) == list(range(100))


def test_plain_split_when_a_class_is_too_small():
    y = np.array([0] * 10 + [1] * 9 + [2])  # class 2 has a single row
    with pytest.raises(ValueError):
        train_test_split(np.arange(20), test_size=0.25, random_state=0, stratify=y)
    got = stratified_split(np.arange(20), test_size=0.25, random_state=0, stratify=y)
    expected = train_test_split(np.arange(20), test_size=0.25, random_state=0)
    assert [a.tolist() for a in got] == [a.tolist() for a in expected]


def test_no_stratify_is_a_plain_split_and_errors_still_surface():
    X, y = np.arange(10), np.arange(10) % 2
    got = stratified_split(X, y, test_size=3, random_state=1)
    assert [a.tolist() for a in got] == [a.tolist() for a in train_test_split(X, y, test_size=3, random_state=1)]
    with pytest.raises(ValueError):  # not a stratification problem: no silent retry hides it
        stratified_split(X, test_size=20, random_state=0, stratify=y)
