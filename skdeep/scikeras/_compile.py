"""Compile arguments from scikeras-style parameters, and the objects skdeep's engine trains with.

scikeras lets ``optimizer``, ``loss`` and ``metrics`` be names, classes or
objects, with nested routed arguments (``optimizer__learning_rate``,
``metrics__0__name``). :func:`compile_kwargs` resolves them into what
``keras.Model.compile`` takes; :func:`engine_objects` then gives the compiled
engine (:mod:`skdeep._engine`) a loss object and metric objects equal to what
``Model.fit`` would build, or None when only ``Model.fit`` can train the model.
"""

from __future__ import annotations

from typing import Any

import keras

from .. import _compile
from ._routing import instantiate, route

COMPILE_ARGS = {"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly"}
_ACCURACY = ("accuracy", "acc")


def _classes_of(value, getter):
    """Names become classes (or functions) so routed arguments can reach them, as in scikeras."""
    if isinstance(value, str):
        return getter(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_classes_of(v, getter) for v in value)
    if isinstance(value, dict):
        return {k: _classes_of(v, getter) for k, v in value.items()}
    return value


def _class_or_function(found):
    return type(found) if isinstance(found, (keras.losses.Loss, keras.metrics.Metric)) else found


def _metric_class(name: str):
    # Keras resolves these names against the loss and the target at compile time.
    if name in (*_ACCURACY, "ce", "crossentropy"):
        return name
    return _class_or_function(keras.metrics.get(name))


def compile_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """``keras.Model.compile`` arguments from the wrapper's parameters."""
    kwargs = route(params, "compile", keep=COMPILE_ARGS)
    kwargs["optimizer"] = instantiate(_classes_of(kwargs.get("optimizer"), lambda n: type(keras.optimizers.get(n))),
                                      route(params, "optimizer", strict=True))
    kwargs["loss"] = instantiate(_classes_of(kwargs.get("loss"), lambda n: _class_or_function(keras.losses.get(n))),
                                 route(params, "loss"))
    metrics = instantiate(_classes_of(kwargs.get("metrics"), _metric_class), route(params, "metrics"))
    if metrics is not None and not isinstance(metrics, (list, dict)):
        metrics = [metrics]
    kwargs["metrics"] = metrics
    return kwargs


def engine_objects(model: keras.Model):
    """``(loss, metrics)`` for skdeep's compiled engine, or None if the model needs ``Model.fit``.

    The engine trains one input and one output with one loss; lists or dicts of
    losses or metrics (multi-output models) stay with Keras.
    """
    user = _compile.user_compilation(model)
    single = all(len(getattr(model, io, None) or []) == 1 for io in ("inputs", "outputs"))
    if user is None or not single:
        return None
    loss, metrics = user["loss"], user["metrics"] or []
    if user["compile"] or isinstance(loss, (list, tuple, dict)) or isinstance(metrics, dict):
        return None
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if not isinstance(loss, keras.losses.Loss):
        if not callable(loss):
            return None
        loss = _compile.FunctionLoss(loss)
    if loss.reduction not in ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight"):
        return None  # per-sample losses (reduction=None): the engine sums a scalar loss per batch
    resolved = []
    for m in metrics:
        m = _metric_object(m, loss)
        if m is None:
            return None
        resolved.append(m)
    return loss, resolved


def _metric_object(metric, loss):
    """A metric object as ``Model.fit`` would build it from ``metric``, or None if unsure."""
    if isinstance(metric, keras.metrics.Metric):
        return metric
    if isinstance(metric, str) and metric in _ACCURACY:
        name = _compile.loss_name(loss)
        if "binary" in name:
            return keras.metrics.BinaryAccuracy(name=metric)
        if "sparse_categorical" in name:
            return keras.metrics.SparseCategoricalAccuracy(name=metric)
        if "categorical" in name:
            return keras.metrics.CategoricalAccuracy(name=metric)
        return None  # Keras picks by the target's shape; leave it to Model.fit
    if isinstance(metric, str):
        try:
            found = keras.metrics.get(metric)
        except ValueError:
            return None
        if isinstance(found, keras.metrics.Metric):
            return type(found).from_config({**found.get_config(), "name": metric})
        return keras.metrics.MeanMetricWrapper(found, name=metric)
    if isinstance(metric, type) and issubclass(metric, keras.metrics.Metric):
        return metric()
    if callable(metric):
        return keras.metrics.MeanMetricWrapper(metric, name=getattr(metric, "__name__", None))
    return None
