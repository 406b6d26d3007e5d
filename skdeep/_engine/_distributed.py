"""Data-parallel training on one machine's devices, through Keras's own distribution API.

``distribution="auto"`` (or a device count) spreads each batch over the local
devices and averages the gradients across them: ``keras.distribution.DataParallel``
on JAX, ``tf.distribute.MirroredStrategy`` on TensorFlow. Keras does the
sharding and the all-reduce inside ``keras.Model.fit``; skdeep adds nothing of
its own to the arithmetic, so a batch's gradient is the same mean over the
same rows as on one device (up to the order of float additions).

The fitted ``model_`` never becomes a distributed object: each fit trains a
*replica*, a copy of the network created inside the distribution's scope, with
the estimator's weights and optimizer state copied in, and copies the result
back. Pickling, ``skdeep.save``, prediction and SHAP therefore see an ordinary
single-device model, and a warm-started or refitted estimator can move between
one device and several.
"""

from __future__ import annotations

import keras
import numpy as np

from .._model_state import state_variables
from . import _keras_fit
from ._trainer import copy_metric_state, template


def devices(distribution) -> list[str] | None:
    """The devices a fit with ``distribution`` spreads over, or None for one device.

    "auto" takes every local device of the preferred kind (accelerators before
    CPUs); an int takes that many and fails clearly when there are fewer.
    """
    if distribution is None:
        return None
    backend = keras.backend.backend()
    if backend == "jax":
        found = list(keras.distribution.list_devices())
    elif backend == "tensorflow":
        import tensorflow as tf  # the TensorFlow backend is already loaded

        found = [d.name for d in tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")]
    else:
        raise ValueError(f"distribution={distribution!r} needs the JAX or TensorFlow backend; "
                         f"Keras runs on {backend!r}.")
    wanted = len(found) if distribution == "auto" else int(distribution)
    if wanted > len(found):
        raise ValueError(f"distribution={distribution!r} asks for {wanted} devices, but this process sees "
                         f"{len(found)}: {found}.")
    return found[:wanted] if wanted > 1 else None


def _scope(device_names: list[str]):
    if keras.backend.backend() == "jax":
        return keras.distribution.DataParallel(devices=device_names).scope()
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(devices=device_names).scope()


def _copy(src: keras.Model, dst: keras.Model) -> None:
    """Weights and optimizer state, through the host (the two live under different device layouts)."""
    for s, d in zip(state_variables(src, src.optimizer), state_variables(dst, dst.optimizer), strict=True):
        d.assign(np.asarray(keras.ops.convert_to_numpy(s.value)))


def _replica(model: keras.Model, loss, metrics) -> keras.Model:
    """``model`` recreated in the current distribution scope, compiled alike, with its state."""
    replica = template(model)
    if replica is model:
        raise ValueError(f"distribution needs a network Keras can clone (a Sequential or functional model); "
                         f"{type(model).__name__} cannot be.")
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    own_metrics = [type(m).from_config(m.get_config()) for m in metrics]
    copy_metric_state(own_metrics, metrics)
    replica.compile(optimizer=optimizer, loss=loss, metrics=own_metrics)
    optimizer.build(replica.trainable_variables)
    _copy(model, replica)
    return replica


def train(model, data, *, device_names, loss, metrics, epochs, initial_epoch, batch_size, callbacks,
          verbose, seed, on_divergence="raise") -> dict[str, list[float]]:
    """Train ``model`` data-parallel over ``device_names`` with ``keras.Model.fit``; return the history."""
    jax = keras.backend.backend() == "jax"
    with _scope(device_names):
        replica = _replica(model, loss, metrics)
        history = _keras_fit.train(
            replica, data, epochs=epochs, initial_epoch=initial_epoch, batch_size=batch_size,
            callbacks=callbacks, verbose=verbose, seed=seed, fit_kwargs={}, on_divergence=on_divergence,
            # JAX shards a batch only when its rows divide evenly among the devices.
            pad_to=len(device_names) if jax else 1)
    _copy(replica, model)
    return history

