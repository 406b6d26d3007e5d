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
        if isinstance(loss, type) and issubclass(loss, keras.losses.Loss):
            return loss()
        if not callable(loss):
            raise TypeError("a loss must be a name, a keras.losses.Loss or a function")
        return FunctionLoss(loss, dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"Unknown loss {loss!r}: {exc}. Use a Keras loss name such as "
            "'binary_crossentropy', 'sparse_categorical_crossentropy', "
            "'mean_squared_error', 'mean_absolute_error', or a keras.losses.Loss."
        ) from None


@keras.saving.register_keras_serializable(package="skdeep")
class FunctionLoss(keras.losses.Loss):
    """A plain ``loss(y_true, y_pred)`` function as a serializable ``keras.losses.Loss``.

    Keras's own ``LossFunctionWrapper`` is not public in every supported Keras
    version, so skdeep wraps function losses itself. Ranks are matched as Keras
    does (a trailing axis of size one is squeezed or added) before ``fn`` runs;
    reduction and sample weights are the base class's.

    Examples
    --------
    >>> import numpy as np
    >>> def abs_error(y_true, y_pred):
    ...     return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)
    >>> float(FunctionLoss(abs_error)(np.array([[1.0], [2.0]]), np.array([[1.5], [2.0]])))
    0.25
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **fn_kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        t, p = len(y_true.shape), len(y_pred.shape)
        if t == p + 1 and y_true.shape[-1] == 1:
            y_true = keras.ops.squeeze(y_true, -1) if p > 1 else y_true
            y_pred = y_pred if p > 1 else keras.ops.expand_dims(y_pred, -1)
        elif p == t + 1 and y_pred.shape[-1] == 1:
            y_pred = keras.ops.squeeze(y_pred, -1) if t > 1 else y_pred
            y_true = y_true if t > 1 else keras.ops.expand_dims(y_true, -1)
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": keras.saving.serialize_keras_object(self.fn), **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["fn"] = keras.saving.deserialize_keras_object(config["fn"])
        return cls(**config)


def user_compilation(network: keras.Model) -> dict[str, Any] | None:
    """What the user compiled ``network`` with (optimizer, loss, metrics, ...), or None.

    A build function may return a model it compiled itself; skdeep keeps that
    compilation instead of its own defaults. Read from Keras's public
    ``get_compile_config``, with the optimizer and loss objects taken live.
    """
    if not getattr(network, "compiled", False) or getattr(network, "optimizer", None) is None:
        return None
    config = dict(network.get_compile_config() or {})
    config.pop("optimizer", None)
    config.pop("loss", None)
    metrics = _live_compile_arg(network, "metrics", config.pop("metrics", None))
    # Keras fills in defaults (run_eagerly=False, ...): only settings that change training are kept.
    kept = {k: config[k] for k in ("loss_weights", "weighted_metrics") if config.get(k) is not None}
    if config.get("run_eagerly"):
        kept["run_eagerly"] = True
    return {"optimizer": network.optimizer, "loss": network.loss, "metrics": metrics, "compile": kept}


def _live_compile_arg(network: keras.Model, name: str, serialized):
    """A compile argument as the user passed it (their metric objects, not copies).

    Keras keeps the arguments it was compiled with in ``_compile_config.config``;
    where that private store is missing, the serialized config is deserialized
    (which needs custom classes to be registered).
    """
    live = _compat.keras_compile_arguments(network)
    if isinstance(live, dict) and name in live:
        return live[name]
    if isinstance(serialized, (list, tuple)):
        return [keras.saving.deserialize_keras_object(m) if isinstance(m, dict) else m for m in serialized]
    return serialized


def _class_name(name: str) -> str:
    if any(c.isupper() for c in name):
        return name
    aliases = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
    return "".join(part.capitalize() for part in aliases.get(name, name).split("_"))


def loss_name(loss) -> str:
    """A loss's name in lower case: the string itself, a Loss's ``name``, a function's ``__name__``."""
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
    return str(name).lower()


def wants_one_hot(loss) -> bool:
    """Whether a (multiclass) loss expects one-hot rows rather than class indices."""
    name = loss_name(loss)
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


def check_compile_params_unset(params: dict[str, Any], user: dict) -> None:
    """A model compiled by the user keeps its compilation; skdeep's own settings would be ignored.

    ``params`` are the estimator's parameters; ``user`` what :func:`user_compilation` found.
    """
    from ._params import DEFAULT_LEARNING_RATE, DEFAULT_OPTIMIZER

    defaults = {"optimizer": DEFAULT_OPTIMIZER, "learning_rate": DEFAULT_LEARNING_RATE, "loss": None,
                "metrics": None}
    given = [k for k, v in defaults.items() if not _same(params.get(k), v)
             and not (k == "learning_rate" and params.get(k) == "auto")]
    given += [k for k in params if k.split("__")[0] in ("optimizer", "loss", "compile") and "__" in k]
    if given:
        raise ValueError(
            f"The model was compiled by its build function (optimizer "
            f"{type(user['optimizer']).__name__}, loss {user['loss']!r}), and skdeep keeps that "
            f"compilation, so {', '.join(f'{k}={params[k]!r}' for k in given)} would be ignored. "
            "Either leave these parameters at their defaults, or return the model uncompiled "
            "and let skdeep compile it with them."
        )


def _same(a, b) -> bool:
    return a is b or (type(a) is type(b) and a == b)
