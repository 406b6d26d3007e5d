"""Resolve the optimizer, loss and metrics parameters into Keras objects.

Names are looked up in Keras itself; skdeep only adds the task-aware meaning of
"accuracy", "f1", "precision", "recall" and "r2" (see :mod:`skdeep.metrics`).
The user's own optimizer object is never trained: we build a fresh one from
its config, so a parameter stays as it was given.
"""

from __future__ import annotations

from typing import Any

import keras

from . import _compat
from . import metrics as skmetrics

DEFAULT_LOSS = {
    "binary": "binary_crossentropy",
    "multiclass": "sparse_categorical_crossentropy",
    "multilabel": "binary_crossentropy",
    "regression": "mean_squared_error",
}


def make_optimizer(optimizer, learning_rate, kwargs: dict[str, Any]) -> keras.optimizers.Optimizer:
    """A fresh optimizer; ``optimizer__*`` kwargs win over ``learning_rate``."""
    kwargs = dict(kwargs)
    # learning_rate applies to optimizers given by name or class; an optimizer object
    # keeps its own settings (optimizer__learning_rate still overrides them).
    if learning_rate is not None and isinstance(optimizer, (str, type)):
        kwargs.setdefault("learning_rate", learning_rate)
    try:
        if isinstance(optimizer, str):
            base = keras.optimizers.get(optimizer)
            return type(base).from_config({**base.get_config(), **kwargs})
        if isinstance(optimizer, type):
            return optimizer(**kwargs)
        return type(optimizer).from_config({**optimizer.get_config(), **kwargs})
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Could not build the optimizer from optimizer={optimizer!r} with "
            f"arguments {sorted(kwargs)}: {exc}. Use a Keras optimizer name such as "
            "'adam', 'sgd', 'rmsprop', 'adamw', a keras.optimizers.Optimizer, or its class."
        ) from None


def make_loss(loss, task: str, kwargs: dict[str, Any], dtype: str = "float32"):
    """The loss for ``task``; a name or object as Keras accepts, with ``loss__*`` kwargs.

    Losses named by string compute in ``dtype`` (Keras's default is floatx, float32).
    """
    loss = DEFAULT_LOSS[task] if loss is None else loss
    try:
        if isinstance(loss, str):
            # The class, not the bare function, so reduction and sample weights behave as in fit.
            return type(keras.losses.get(_class_name(loss)))(**{"dtype": dtype, **kwargs})
        if kwargs:
            raise ValueError(
                f"loss__{sorted(kwargs)[0]} was given but loss is an object; loss__* parameters "
                "configure a loss given by name (e.g. loss='huber', loss__delta=2.0)."
            )
        if isinstance(loss, keras.losses.Loss):
            return loss
        return _compat.loss_function_wrapper()(loss, name=getattr(loss, "__name__", None), dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Unknown loss {loss!r}: {exc}. Use a Keras loss name such as "
            "'binary_crossentropy', 'sparse_categorical_crossentropy', "
            "'mean_squared_error', 'mean_absolute_error', or a keras.losses.Loss."
        ) from None


def _class_name(name: str) -> str:
    if any(c.isupper() for c in name):
        return name
    aliases = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
    return "".join(part.capitalize() for part in aliases.get(name, name).split("_"))


def wants_one_hot(loss) -> bool:
    """Whether a (multiclass) loss expects one-hot rows rather than class indices."""
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
    name = str(name).lower()
    return "categorical" in name and "sparse" not in name


def make_metrics(metrics, task: str, one_hot: bool, n_classes: int | None = None) -> list:
    """Metric objects for ``metrics``, names resolved for the task."""
    return [skmetrics.get(m, task=task, one_hot=one_hot, n_classes=n_classes) for m in (metrics or [])]


def compile_network(network: keras.Model, *, optimizer, loss, metrics, **kwargs) -> keras.Model:
    """Compile and build the optimizer, so its state exists before training.

    ``kwargs`` are ``compile__*`` parameters (e.g. ``jit_compile``), for ``keras.Model.fit``.
    """
    network.compile(optimizer=optimizer, loss=loss, metrics=metrics or None, **kwargs)
    optimizer.build(network.trainable_variables)
    return network
