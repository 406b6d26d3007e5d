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
    return _keras_name(loss, keras.losses, keras.losses.Loss, "loss", snake_functions=True)


def metric_name(metric: str | keras.metrics.Metric | Callable) -> str:
    """The snake-case name of a Keras metric: its class's, or its function's ``__name__``.

    Examples
    --------
    >>> metric_name("mae"), metric_name("BinaryCrossentropy")
    ('mean_absolute_error', 'binary_crossentropy')
    """
    return _keras_name(metric, keras.metrics, keras.metrics.Metric, "metric", snake_functions=False)


def _keras_name(obj, module, base: type, what: str, *, snake_functions: bool) -> str:
    """The name of a Keras loss or metric as scikeras reports it: the snake-case class name of
    an object; a function's ``__name__`` (snake-cased for losses, as is, for metrics)."""
    if inspect.isclass(obj):
        obj = obj()
    if not (isinstance(obj, (str, base)) or callable(obj)):
        kind = f"keras.{module.__name__.split('.')[-1]}.{base.__name__}"
        raise TypeError(f"``{what}`` must be a string, a function, an instance of ``{kind}`` "
                        f"or a type inheriting from ``{kind}``")
    found = module.get(obj)
    if isinstance(found, base):
        return _snake(type(found).__name__)
    name = getattr(found, "__name__", str(found))
    return _snake(name) if snake_functions else name
