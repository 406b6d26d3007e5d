"""Build the network: the built-in MLP, a user build function, or a user model.

Seeding: Keras draws the default seeds of initializers and dropout layers from
Python's ``random`` module. :func:`seeded` seeds it for the duration of a build
and then restores the caller's state, so ``random_state`` makes builds
reproducible without changing any global random state. :func:`keras_names_kept`
does the same for Keras's auto-naming counters.
"""

from __future__ import annotations

import contextlib
import inspect
import random
import threading
from typing import Any, Callable

import keras
import numpy as np

from . import _compat

OUTPUT_ACTIVATION = {
    "binary": "sigmoid",
    "multiclass": "softmax",
    "multilabel": "sigmoid",
    "regression": "linear",
}


_SEEDED_LOCK = threading.RLock()


@contextlib.contextmanager
def seeded(seed: int | None):
    """Seed Python's ``random`` (Keras's default-seed source) and restore it after.

    ``random`` is one state for the whole process, so seeded blocks take turns:
    fits running in threads (``GridSearchCV`` with a threading backend) would
    otherwise draw from each other's seeds.
    """
    if seed is None:
        yield
        return
    with _SEEDED_LOCK:
        state = random.getstate()
        random.seed(seed)
        try:
            yield
        finally:
            random.setstate(state)


@contextlib.contextmanager
def keras_names_kept():
    """Restore Keras's auto-naming counters on exit (``"adam_7"``, ``"seed_generator_12"``).

    Under TensorFlow every distinct variable name costs ~35 KB that is never
    freed, so a fit that created fresh names would grow memory with every fit.
    With the counters restored, each fit reuses the same names, and the user's
    next auto-named layer gets the name it would have had without the fit.
    """
    saved = dict(_compat.keras_name_uids())
    try:
        yield
    finally:
        uids = _compat.keras_name_uids()
        uids.clear()
        uids.update(saved)


def build_mlp(
    n_features: int,
    n_outputs: int,
    task: str,
    *,
    hidden_layer_sizes=(100,),
    activation="relu",
    dropout: float = 0.0,
    l2: float = 0.0,
    batch_normalization: bool = False,
    output_activation: str | None = None,
    dtype: str = "float32",
) -> keras.Model:
    """The built-in network: Dense blocks (optional batch norm, dropout, L2).

    Layers get fixed names so that two builds of one configuration have the same
    config, which lets the training engine reuse compiled functions.
    """
    if isinstance(hidden_layer_sizes, (int, np.integer)):
        hidden_layer_sizes = (hidden_layer_sizes,)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input((n_features,), name="features", dtype=dtype)
    x = inputs
    for i, units in enumerate(hidden_layer_sizes, start=1):
        x = keras.layers.Dense(
            int(units),
            activation=None if batch_normalization else activation,
            kernel_regularizer=regularizer,
            name=f"hidden_{i}",
            dtype=dtype,
        )(x)
        if batch_normalization:
            x = keras.layers.BatchNormalization(name=f"batch_norm_{i}", dtype=dtype)(x)
            x = keras.layers.Activation(activation, name=f"activation_{i}", dtype=dtype)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}", dtype=dtype)(x)
    outputs = keras.layers.Dense(
        n_outputs,
        activation=output_activation or OUTPUT_ACTIVATION[task],
        kernel_regularizer=regularizer,
        name="output",
        dtype=dtype,
    )(x)
    return keras.Model(inputs, outputs, name="skdeep_mlp")


def call_build_function(build_fn: Callable, meta: dict[str, Any], kwargs: dict[str, Any]):
    """Call a user build function with the arguments it asks for by name.

    ``meta`` holds what skdeep knows (``n_features_in``, ``n_outputs``,
    ``n_classes``, ``classes``, ``task``, ``output_activation`` and the
    estimator's network parameters); ``kwargs`` are the ``model__*`` parameters
    and win over ``meta``. A ``**kwargs`` build function receives everything.
    """
    available = {**meta, **kwargs}
    params = inspect.signature(build_fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return build_fn(**available)
    unknown = set(kwargs) - set(params)
    if unknown:
        raise ValueError(
            f"model__{sorted(unknown)[0]} was given but the build function "
            f"{getattr(build_fn, '__name__', build_fn)!r} takes no such argument."
        )
    missing = [
        n for n, p in params.items() if p.default is p.empty and n not in available
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if missing:
        raise ValueError(
            f"The build function asks for {missing}, which skdeep cannot provide. "
            f"Available by name: {sorted(available)}; or pass model__<name>=..."
        )
    return build_fn(**{n: available[n] for n in params if n in available})


def make_network(model, meta: dict[str, Any], mlp_params: dict[str, Any], kwargs: dict[str, Any]) -> keras.Model:
    """Resolve the ``model`` parameter into a fresh, unbuilt-weights Keras model."""
    if model is None:
        if kwargs:
            raise ValueError(
                f"model__{sorted(kwargs)[0]} was given but model=None builds the built-in network; "
                "model__* parameters go to a build function passed as model=."
            )
        return build_mlp(meta["n_features_in"], meta["n_outputs"], meta["task"], **mlp_params)
    if isinstance(model, keras.Model):
        # Like sklearn's clone: same architecture, fresh weights; never train the user's object.
        network = keras.models.clone_model(model)
    else:
        network = call_build_function(model, meta, kwargs)
    if not isinstance(network, keras.Model):
        raise TypeError(
            f"model must be None, a keras.Model or a function returning one; got {type(network).__name__}."
        )
    if not network.built:  # subclassed models create their weights on first call
        network(np.zeros((1, meta["n_features_in"]), dtype=mlp_params.get("dtype", "float32")))
    return network


def check_network(network: keras.Model, n_features: int, n_outputs: int) -> None:
    """Fail early, with names, when the network does not fit the data."""
    in_shape = tuple(network.inputs[0].shape) if getattr(network, "inputs", None) else None
    if in_shape is not None and in_shape[-1] is not None and in_shape[-1] != n_features:
        raise ValueError(f"The model expects {in_shape[-1]} input features but X has {n_features}.")
    out = network.outputs[0].shape[-1] if getattr(network, "outputs", None) else None
    if out is not None and out != n_outputs:
        raise ValueError(
            f"The model's output layer has {out} units but the target needs {n_outputs}."
        )
