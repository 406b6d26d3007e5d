"""Encode targets for the network and decode its outputs.

Both encoders are sklearn transformers, so each step can be tested on its own:
``fit`` learns the task from ``y``; ``transform`` gives the array the network
trains on; ``proba``/``inverse_transform`` turn network outputs back into what
``predict_proba``/``predict`` return in the user's own label type.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted


class ClassifierTargetEncoder(TransformerMixin, BaseEstimator):
    """Encode class labels as the network's targets and decode probabilities.

    Parameters
    ----------
    one_hot : bool or "multiclass", default=False
        Encode multiclass targets as one-hot rows (for ``categorical_crossentropy``)
        instead of integer class indices (for ``sparse_categorical_crossentropy``);
        ``"multiclass"`` decides at ``fit``: one-hot for a multiclass target only.
    dtype : str, default="float32"
        The dtype of float targets (binary, one-hot and multilabel rows: the
        network's); class indices for a sparse loss are int32.

    Attributes
    ----------
    task_ : {"binary", "multiclass", "multilabel"}
    one_hot_ : bool
        Whether ``transform`` gives one-hot rows (``one_hot`` resolved for this target).
    classes_ : ndarray
        The labels, in the order of the probability columns.
    n_outputs_ : int
        Units of the output layer: 1 (binary), n_classes, or n_labels.

    Examples
    --------
    >>> enc = ClassifierTargetEncoder().fit(["cat", "dog", "cat"])
    >>> enc.task_, enc.transform(["dog", "cat"]).ravel().tolist()
    ('binary', [1.0, 0.0])
    """

    def __init__(self, one_hot: bool = False, dtype="float32"):
        self.one_hot = one_hot
        self.dtype = dtype

    def fit(self, y, classes=None):
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        # The resolved encoding is a fitted attribute: ``one_hot`` stays as given, so a refit
        # or a clone decides afresh for its own target.
        if target_type == "multilabel-indicator":
            self.one_hot_ = False
            self.task_ = "multilabel"
            self._label_dtype = np.asarray(y).dtype
            self.classes_ = np.arange(np.shape(y)[1])
            self.n_outputs_ = len(self.classes_)
            return self
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unsupported target type {target_type!r}: KerasClassifier handles "
                "binary, multiclass and multilabel-indicator targets."
            )
        self._labels = LabelEncoder().fit(y if classes is None else classes)
        self.classes_ = self._labels.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Classifier can't train when only one class is present: y contains "
                f"only the class {self.classes_[0].tolist()!r}."
            )
        self.task_ = "binary" if len(self.classes_) == 2 else "multiclass"
        if isinstance(self.one_hot, str):  # "multiclass": one-hot rows for multiclass targets only
            self.one_hot_ = self.task_ == self.one_hot
        else:
            self.one_hot_ = bool(self.one_hot)
        self.n_outputs_ = 1 if self.task_ == "binary" and not self.one_hot_ else len(self.classes_)
        return self

    def transform(self, y) -> np.ndarray:
        check_is_fitted(self)
        if self.task_ == "multilabel":
            return np.asarray(y, dtype=self.dtype)
        codes = self.indices(y)  # raises on unseen labels
        if self.one_hot_:
            return np.eye(len(self.classes_), dtype=self.dtype)[codes]
        if self.task_ == "binary" and self.n_outputs_ == 1:
            return codes.astype(self.dtype)[:, None]
        return codes.astype("int32")  # class indices, for a sparse loss

    def indices(self, y) -> np.ndarray:
        """Class labels -> their columns in ``predict_proba`` (binary and multiclass targets)."""
        check_is_fitted(self)
        return self._labels.transform(np.ravel(y))

    def proba(self, outputs: np.ndarray) -> np.ndarray:
        """Network outputs -> ``predict_proba`` (float64, rows summing to 1)."""
        p = np.asarray(outputs, dtype="float64")
        if self.task_ == "multilabel":
            return np.clip(p, 0.0, 1.0)
        if p.shape[1] == 1:
            p = np.hstack([1.0 - p, p])
        p = np.clip(p, 0.0, None)
        return p / p.sum(axis=1, keepdims=True)

    def inverse_transform(self, proba: np.ndarray) -> np.ndarray:
        """``predict_proba`` output -> labels of the type ``fit`` saw."""
        if self.task_ == "multilabel":
            return (proba > 0.5).astype(self._label_dtype)
        return self.classes_[np.argmax(proba, axis=1)]


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Standardize regression targets for the network and restore the user's units.

    The network learns ``(y - mean_) / scale_`` per column, so the loss and its
    gradients are of order one whatever the target's scale (1e10) or offset
    (timestamps near 1.7e9): nothing overflows and no digit is lost in float32.
    Outputs go back to target units in float64.

    Parameters
    ----------
    dtype : str, default="float32"
        The dtype of ``transform``'s output (the network's): standardised in float64,
        then cast once.

    Attributes
    ----------
    n_outputs_ : int
    mean_, scale_ : ndarray
        Column means and standard deviations (sample-weighted) seen at ``fit``.

    Examples
    --------
    >>> enc = RegressorTargetEncoder().fit([1.0, 2.0, 3.0])
    >>> enc.transform([3.0]).dtype, enc.inverse_transform(enc.transform([3.0])).round(4).tolist()
    (dtype('float32'), [3.0])
    """

    def __init__(self, dtype="float32"):
        self.dtype = dtype

    def fit(self, y, sample_weight=None):
        y = np.asarray(y, dtype="float64")
        self.ndim_ = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        self.task_ = "regression"
        # Moments of y / max|y|: the sums and squares of targets near float64's limit
        # (|y| from ~1e154) would overflow; the result is scaled back, finite.
        top = np.max(np.abs(y2), axis=0) if len(y2) else np.ones(y2.shape[1])
        top = np.where(top > 0, top, 1.0)
        unit = y2 / top
        mean = np.average(unit, axis=0, weights=sample_weight)
        scale = np.sqrt(np.average((unit - mean) ** 2, axis=0, weights=sample_weight)) * top
        self.mean_ = mean * top
        self.scale_ = np.where(scale > 0, scale, 1.0)
        return self

    def transform(self, y) -> np.ndarray:
        check_is_fitted(self)
        y = np.asarray(y, dtype="float64")
        with np.errstate(over="ignore"):
            z = (y.reshape(len(y), -1) - self.mean_) / self.scale_
        if not np.isfinite(z).all():  # a spread wider than float64 holds (values near +-1.8e308)
            raise ValueError(
                f"y spans {np.min(y):.3g} to {np.max(y):.3g}, too wide to standardize in float64. "
                "Rescale the target (e.g. divide it by a power of ten) before fitting.")
        return z.astype(self.dtype)

    def inverse_transform(self, outputs) -> np.ndarray:
        out = np.asarray(outputs, dtype="float64") * self.scale_ + self.mean_
        return out.ravel() if self.ndim_ == 1 else out
