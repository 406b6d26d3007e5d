"""Target encoders with scikeras's names and behaviour.

:class:`ClassifierLabelEncoder` turns labels into what the network trains on
(ordinal codes, or one-hot rows for a categorical cross-entropy loss) and
network outputs back into labels; :class:`RegressorTargetEncoder` checks and
restores the target's shape. Both report ``get_metadata()``, whose entries
become fitted attributes of the wrapper and keys of ``meta``. Override a
wrapper's ``target_encoder`` property to plug in your own.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder
from sklearn.utils.multiclass import type_of_target

__all__ = ["ClassifierLabelEncoder", "RegressorTargetEncoder", "TargetReshaper"]


def is_categorical_crossentropy(loss) -> bool:
    """Whether ``loss`` (name, function, class or object) is categorical (one-hot) cross-entropy."""
    if isinstance(loss, type):
        return issubclass(loss, keras.losses.CategoricalCrossentropy)
    if isinstance(loss, keras.losses.CategoricalCrossentropy):
        return True
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", None)
    return name in ("categorical_crossentropy", "cce", "CategoricalCrossentropy")


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Make 1-D targets a column, and give them back 1-D on the way out.

    Examples
    --------
    >>> r = TargetReshaper().fit(np.array([1, 2]))
    >>> r.transform(np.array([1, 2])).shape, r.inverse_transform(np.array([[1], [2]])).shape
    ((2, 1), (2,))
    """

    def fit(self, y: np.ndarray) -> "TargetReshaper":
        self.ndim_ = y.ndim
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        if not hasattr(self, "ndim_"):
            raise NotFittedError(f"This {type(self).__name__} is not initialized. You must call ``fit`` "
                                 "before using ``inverse_transform``.")
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class ClassifierLabelEncoder(TransformerMixin, BaseEstimator):
    """Labels -> network targets -> labels, for binary, multiclass, one-hot and multilabel ``y``.

    Parameters
    ----------
    loss : str, keras.losses.Loss or None
        A categorical cross-entropy loss makes multiclass targets one-hot rows;
        otherwise they are ordinal codes (for a sparse loss or a sigmoid unit).
    categories : "auto" or list of one array
        The classes, when ``y`` may not show them all (``partial_fit(classes=...)``).

    Examples
    --------
    >>> enc = ClassifierLabelEncoder().fit(np.array(["b", "a", "b"]))
    >>> enc.transform(np.array(["a", "b"])).ravel().tolist(), enc.n_classes_
    ([0.0, 1.0], 2)
    >>> enc.inverse_transform(np.array([[0.2], [0.9]])).tolist()
    ['a', 'b']
    """

    def __init__(self, loss=None, categories="auto"):
        self.loss = loss
        self.categories = categories

    def _type_of_target(self, y: np.ndarray) -> str:
        target_type = type_of_target(y)
        if target_type == "binary" and not isinstance(self.categories, str):
            target_type = type_of_target(self.categories[0])
        return target_type

    def fit(self, y: np.ndarray) -> "ClassifierLabelEncoder":
        target_type = self._type_of_target(y)
        dtype = np.dtype(keras.backend.floatx())
        ordinal = make_pipeline(TargetReshaper(), OrdinalEncoder(dtype=dtype, categories=self.categories))
        encoders = {
            "binary": ordinal,
            "multiclass": ordinal,
            "multiclass-multioutput": FunctionTransformer(),
            "multilabel-indicator": FunctionTransformer(),
        }
        if is_categorical_crossentropy(self.loss):
            encoders["multiclass"] = make_pipeline(
                TargetReshaper(), OneHotEncoder(sparse_output=False, dtype=dtype, categories=self.categories))
        if target_type not in encoders:
            raise ValueError(
                f"Unknown label type: {target_type}.\n\nTo implement support, subclass KerasClassifier and "
                "override ``target_encoder`` with a transformer that supports this label type."
            )
        self._final_encoder = encoders[target_type].fit(y)
        if target_type == "multilabel-indicator" and y.min() == 0 and (y.sum(axis=1) == 1).all():
            target_type = "multiclass-onehot"
        self._y_shape, self._y_dtype, self._target_type = y.shape, y.dtype, target_type
        self.n_outputs_ = self.n_outputs_expected_ = 1
        if target_type in ("binary", "multiclass"):
            self.classes_ = self._final_encoder[1].categories_[0]
            self.n_classes_ = self.classes_.size
        elif target_type in ("multiclass-onehot", "multilabel-indicator"):
            self.classes_, self.n_classes_ = np.arange(y.shape[1]), y.shape[1]
        else:
            self.classes_ = self.n_classes_ = None
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        return self._final_encoder.transform(y)

    def inverse_transform(self, y: np.ndarray, return_proba: bool = False) -> np.ndarray:
        """Network outputs -> labels (or, with ``return_proba``, probabilities)."""
        kind = self._target_type
        if kind == "binary":
            if y.ndim == 1 or (y.shape[1] == 1 and self.n_classes_ == 2):
                y = np.column_stack([1 - y, y])
            labels = self._final_encoder.inverse_transform(np.argmax(y, axis=1).reshape(-1, 1))
        elif kind in ("multiclass", "multiclass-onehot"):
            idx = np.argmax(y, axis=-1)
            if kind == "multiclass" and not is_categorical_crossentropy(self.loss):
                labels = idx.reshape(-1, 1)
            else:
                labels = np.zeros(y.shape, dtype=int)
                labels[np.arange(len(idx)), idx] = 1
            if kind == "multiclass":
                labels = self._final_encoder.inverse_transform(labels)
        elif kind == "multilabel-indicator":
            labels = np.around(y).astype(int, copy=False)
        elif not return_proba:
            raise NotImplementedError(
                "Class-predictions are not clearly defined for 'multiclass-multioutput' target types.\n\n"
                "To implement support, subclass KerasClassifier and override ``target_encoder`` with a "
                "transformer that supports this label type."
            )
        if return_proba:
            return np.squeeze(y)
        return labels.reshape(-1, *self._y_shape[1:])

    def get_metadata(self) -> dict[str, Any]:
        """Fitted attributes the wrapper takes over (and passes to build functions in ``meta``)."""
        return {"classes_": self.classes_, "n_classes_": self.n_classes_, "n_outputs_": self.n_outputs_,
                "n_outputs_expected_": self.n_outputs_expected_}


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Check that ``y`` keeps its number of outputs, and restore its shape on the way out.

    Examples
    --------
    >>> enc = RegressorTargetEncoder().fit(np.array([1.0, 2.0]))
    >>> enc.n_outputs_, enc.inverse_transform(np.array([[1.5]])).shape
    (1, (1,))
    """

    def fit(self, y: np.ndarray) -> "RegressorTargetEncoder":
        self._y_dtype, self._y_shape = y.dtype, y.shape
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(f"Detected ``y`` to have {n_outputs} outputs with ``y.shape = {y.shape}`` "
                             f"but this {type(self).__name__} has {self.n_outputs_} outputs.")
        return y

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1, *self._y_shape[1:])

    def get_metadata(self) -> dict[str, Any]:
        """Fitted attributes the wrapper takes over (and passes to build functions in ``meta``)."""
        return {"n_outputs_": self.n_outputs_, "n_outputs_expected_": self.n_outputs_expected_}
