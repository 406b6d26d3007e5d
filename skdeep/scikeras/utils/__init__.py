"""scikeras's public helpers: :func:`loss_name` and :func:`metric_name`."""

from __future__ import annotations

import inspect
import re
from typing import Callable

import keras

__all__ = ["loss_name", "metric_name"]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def loss_name(loss: str | keras.losses.Loss | Callable) -> str:
    """The full snake-case name of a Keras loss, e.g. ``"mse"`` -> ``"mean_squared_error"``.

    Examples
    --------
    >>> loss_name("BinaryCrossentropy"), loss_name("mse")
    ('binary_crossentropy', 'mean_squared_error')
    """
    if inspect.isclass(loss):
        loss = loss()
    if not (isinstance(loss, (str, keras.losses.Loss)) or callable(loss)):
        raise TypeError("``loss`` must be a string, a function, an instance of ``keras.losses.Loss`` "
                        "or a type inheriting from ``keras.losses.Loss``")
    found = keras.losses.get(loss)
    if isinstance(found, keras.losses.Loss):
        return _snake(type(found).__name__)
    return _snake(getattr(found, "__name__", str(found)))


def metric_name(metric: str | keras.metrics.Metric | Callable) -> str:
    """The snake-case name of a Keras metric: its class's, or its function's ``__name__``.

    Examples
    --------
    >>> metric_name("mae"), metric_name("BinaryCrossentropy")
    ('mean_absolute_error', 'binary_crossentropy')
    """
    if inspect.isclass(metric):
        metric = metric()
    if not (isinstance(metric, (str, keras.metrics.Metric)) or callable(metric)):
        raise TypeError("``metric`` must be a string, a function, an instance of ``keras.metrics.Metric`` "
                        "or a type inheriting from ``keras.metrics.Metric``")
    found = keras.metrics.get(metric)
    if isinstance(found, keras.metrics.Metric):
        return _snake(type(found).__name__)
    return getattr(found, "__name__", str(found))
