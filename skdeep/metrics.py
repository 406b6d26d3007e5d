"""Keras metrics by the names data scientists use, resolved for the task.

``metrics=["accuracy", "f1", "precision", "recall", "auc"]`` on a classifier, or
``metrics=["mae", "r2"]`` on a regressor, gives the Keras metric that fits the
target encoding, named as you wrote it, so ``history_["f1"]`` and
``history_["val_f1"]`` appear. Anything else goes to ``keras.metrics.get``.

Examples
--------
>>> from skdeep import metrics
>>> metrics.get("f1", task="binary").name
'f1'
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

__all__ = ["get", "InTargetUnits", "SparseF1Score"]


@keras.saving.register_keras_serializable(package="skdeep")
class SparseF1Score(keras.metrics.F1Score):
    """F1 score for integer class labels (sparse targets) and softmax outputs.

    Keras's :class:`keras.metrics.F1Score` wants one-hot targets; skdeep trains
    multiclass networks on class indices, so this converts before updating.

    Examples
    --------
    >>> m = SparseF1Score(num_classes=3, average="macro")
    >>> m.update_state([0, 1, 2], [[.9, .05, .05], [.1, .8, .1], [.2, .2, .6]])
    >>> round(float(m.result()), 3)
    1.0
    """

    def __init__(self, num_classes: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def update_state(self, y_true, y_pred, sample_weight=None):
        n = self.num_classes or ops.shape(y_pred)[-1]
        y_true = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), n)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def get(metric, *, task: str, one_hot: bool = False, n_classes: int | None = None):
    """Return a Keras metric for ``metric`` on a target of kind ``task``.

    Parameters
    ----------
    metric : str, keras.metrics.Metric or callable
        A name such as ``"accuracy"``, ``"f1"``, ``"precision"``, ``"recall"``,
        ``"auc"``, ``"r2"``, any Keras metric name, or a Keras metric object.
    task : {"binary", "multiclass", "multilabel", "regression"}
    one_hot : bool, default=False
        Whether multiclass targets are one-hot rows rather than class indices.
    n_classes : int, optional
        Number of classes, for multiclass F1.

    Returns
    -------
    keras.metrics.Metric or callable
    """
    if not isinstance(metric, str):
        return metric
    build = _BY_NAME.get(metric.lower())
    if build is not None:
        return build(metric, task, one_hot, n_classes)
    return _keras_metric(metric)


# Each builder takes (the name as the user wrote it, task, one_hot, n_classes) and names
# the metric as written, so history_ has "acc" for "acc" and "f1_score" for "f1_score".
_BINARY_LIKE = ("binary", "multilabel")


def _accuracy(metric, task, one_hot, n_classes):
    if task == "regression":
        raise ValueError("'accuracy' is a classification metric; use 'mae', 'mse' or 'r2'.")
    if task in _BINARY_LIKE:
        return keras.metrics.BinaryAccuracy(name=metric)
    cls = keras.metrics.CategoricalAccuracy if one_hot else keras.metrics.SparseCategoricalAccuracy
    return cls(name=metric)


def _f1(metric, task, one_hot, n_classes):
    if task in _BINARY_LIKE:
        return keras.metrics.F1Score(average="micro", threshold=0.5, name=metric)
    if task == "multiclass":
        if one_hot:
            return keras.metrics.F1Score(average="macro", name=metric)
        return SparseF1Score(num_classes=n_classes, average="macro", name=metric)
    raise ValueError("'f1' is a classification metric.")


def _binary_only(cls):
    def build(metric, task, one_hot, n_classes):
        if task not in _BINARY_LIKE:
            raise ValueError(
                f"'{metric}' is defined here for binary and multilabel targets; "
                "for multiclass use 'f1' (macro) or 'accuracy'."
            )
        return cls(name=metric)

    return build


def _auc(metric, task, one_hot, n_classes):
    if task == "multiclass" and not one_hot:
        raise ValueError(
            "'auc' needs binary or multilabel targets here; for multiclass ROC AUC per "
            "epoch use the callback skdeep.callbacks.ROCAUC (one-vs-rest)."
        )
    return keras.metrics.AUC(name=metric, multi_label=task == "multilabel")


def _any_task(cls):
    return lambda metric, task, one_hot, n_classes: cls(name=metric)


def _r2(metric, task, one_hot, n_classes):
    if task != "regression":
        raise ValueError("'r2' is a regression metric.")
    return keras.metrics.R2Score(name=metric)


_BY_NAME = {
    "accuracy": _accuracy, "acc": _accuracy,
    "f1": _f1, "f1_score": _f1,
    "precision": _binary_only(keras.metrics.Precision),
    "recall": _binary_only(keras.metrics.Recall),
    "auc": _auc, "roc_auc": _auc,
    "mae": _any_task(keras.metrics.MeanAbsoluteError),
    "mean_absolute_error": _any_task(keras.metrics.MeanAbsoluteError),
    "mse": _any_task(keras.metrics.MeanSquaredError),
    "mean_squared_error": _any_task(keras.metrics.MeanSquaredError),
    "rmse": _any_task(keras.metrics.RootMeanSquaredError),
    "r2": _r2, "r2_score": _r2,
}


def _keras_metric(metric: str):
    """Any other name, through ``keras.metrics.get``, named as the user wrote it."""
    try:
        found = keras.metrics.get(metric)
    except ValueError:
        raise ValueError(
            f"Unknown metric {metric!r}. Use a Keras metric name (e.g. 'mae', 'mse', "
            "'accuracy'), one of 'f1', 'precision', 'recall', 'auc', 'r2', or a keras.metrics.Metric."
        ) from None
    # Named as the user wrote it, so history_ has "mae" for "mae".
    if isinstance(found, keras.metrics.Metric):
        return type(found).from_config({**found.get_config(), "name": metric})
    return keras.metrics.MeanMetricWrapper(found, name=metric)


# Metrics of the difference y_pred - y_true only: the target's offset cancels, so
# they are computed on scaled standardized values, which keeps every digit in float32.
_OFFSET_FREE = (
    keras.metrics.MeanAbsoluteError, keras.metrics.MeanSquaredError,
    keras.metrics.RootMeanSquaredError, keras.metrics.LogCoshError,
)


@keras.saving.register_keras_serializable(package="skdeep")
class InTargetUnits(keras.metrics.Metric):
    """A regression metric read in target units while the network outputs standardized ones.

    Offset-free metrics (MAE, MSE, RMSE, log-cosh) see standardized values times
    ``scale``, so no digit is lost to a large offset in float32; ``R2Score``
    depends on neither scale nor offset and sees the standardized values; any
    other metric sees ``y * scale + mean``. The units are metric state (kept by
    ``reset_state``), not config, so fits on data of another scale share a
    compiled trainer.

    Examples
    --------
    >>> m = InTargetUnits(keras.metrics.MeanAbsoluteError(name="mae"), mean=[1e9], scale=[1e6])
    >>> m.update_state([[0.0]], [[0.5]])
    >>> float(m.result())
    500000.0
    """

    def __init__(self, metric, n_outputs=1, name=None, dtype=None, *, mean=None, scale=None):
        if isinstance(metric, dict):
            metric = keras.saving.deserialize_keras_object(metric)
        super().__init__(name=name or metric.name, dtype=dtype or metric.dtype)
        self.metric = metric
        self.n_outputs = int(n_outputs if mean is None else np.size(mean))
        shape, unit_dtype = (self.n_outputs,), metric.dtype
        self.shift = self.add_variable(shape=shape, initializer="zeros", dtype=unit_dtype, name="shift")
        self.factor = self.add_variable(shape=shape, initializer="ones", dtype=unit_dtype, name="factor")
        # Metrics that create their state on the first update (R2Score) get it now: a
        # stateless (JAX) epoch needs every variable before it starts.
        zeros = np.zeros((1, self.n_outputs), dtype=unit_dtype)
        metric.update_state(zeros, zeros)
        metric.reset_state()
        if mean is not None:
            self.set_units(mean, scale)

    def set_units(self, mean, scale) -> None:
        """Read the metric in the units of a target with these column means and scales."""
        if isinstance(self.metric, keras.metrics.R2Score):
            return
        self.factor.assign(np.ravel(scale).astype(self.factor.dtype))
        if not isinstance(self.metric, _OFFSET_FREE):
            self.shift.assign(np.ravel(mean).astype(self.shift.dtype))

    def _to_target_units(self, y):
        y = ops.cast(y, self.factor.dtype)
        return y * self.factor + self.shift

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self.metric.update_state(
            self._to_target_units(y_true), self._to_target_units(y_pred), sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()  # the units stay

    def get_config(self):
        return {"metric": keras.saving.serialize_keras_object(self.metric),
                "n_outputs": self.n_outputs, "name": self.name, "dtype": self.dtype}
