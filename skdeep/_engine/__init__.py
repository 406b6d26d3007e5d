"""Training: the one place where a network's weights are updated.

``train`` picks the engine. The compiled engine (:mod:`._compiled`) runs whole
epochs as one compiled function with the data on the device (resident, or
streamed in chunks when larger than the device budget); the
Keras engine (:mod:`._keras_fit`) is plain ``keras.Model.fit``. The compiled
engine honours epoch-level behaviour (validation, early stopping, sample
weights, metrics, epoch hooks of Keras callbacks); when a request needs more
(batch hooks, a custom ``train_step``, ``fit__*`` arguments, a backend without a
compiled engine) ``engine="auto"`` falls back to ``keras.Model.fit``.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import keras
import numpy as np

from .. import _compat
from .._state import training_state_kept
from . import _keras_fit

COMPILED_BACKENDS = ("tensorflow", "jax", "torch")

if keras.backend.backend() == "jax":
    # Before any network is built: building one compiles dozens of small JAX programs
    # (initializers, optimizer slots), which the persistent cache keeps too.
    from ._jax import use_compilation_cache

    use_compilation_cache()
_BATCH_HOOKS = (
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_batch_begin", "on_test_batch_end",
)
# Keras callbacks whose batch hooks do nothing when configured as below: they act
# only between epochs, so the compiled engine honours them.
_EPOCH_ONLY_WHEN = {
    keras.callbacks.ModelCheckpoint: lambda cb: cb.save_freq == "epoch",
    keras.callbacks.TensorBoard: lambda cb: (
        cb.update_freq == "epoch" and not cb.write_steps_per_second and not _compat.tensorboard_traces(cb)
    ),
}


@dataclass
class TrainData:
    """Encoded training arrays; ``validation`` is ``(x, y, sample_weight)`` or None."""

    x: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray
    validation: tuple | None = None


def fallback_reason(model: keras.Model, callbacks, fit_kwargs: dict) -> str | None:
    """Why the compiled engine cannot honour this request, or None if it can."""
    backend = keras.backend.backend()
    if backend not in COMPILED_BACKENDS:
        return f"the {backend!r} backend has no compiled engine"
    if fit_kwargs:
        return f"fit__{sorted(fit_kwargs)[0]} is an argument of keras.Model.fit"
    if not isinstance(model, keras.Sequential) and type(model).__name__ != "Functional":
        return f"{type(model).__name__} is a subclassed model (the engine needs to clone it)"
    if type(model).train_step is not keras.Model.train_step:
        return f"{type(model).__name__} overrides train_step"
    for cb in callbacks:
        hook = _batch_hook_used(cb)
        if hook:
            return f"callback {type(cb).__name__} uses batch hooks ({hook})"
    return None


def _batch_hook_used(cb) -> str | None:
    """The first per-batch hook ``cb`` acts in, or None if it acts only between epochs."""
    for hook in _BATCH_HOOKS:
        if hook in vars(cb):  # set on the instance, as LambdaCallback does
            return hook
        owner = next(c for c in type(cb).__mro__ if hook in vars(c))
        if owner is keras.callbacks.Callback:  # not overridden
            continue
        epoch_only = _EPOCH_ONLY_WHEN.get(owner)
        if epoch_only is None or not epoch_only(cb):
            return hook
    return None


def train(
    model: keras.Model,
    data: TrainData,
    *,
    loss,
    metrics: list,
    epochs: int,
    initial_epoch: int,
    batch_size: int,
    callbacks: list,
    verbose: int,
    seed: int,
    engine: str = "auto",
    fit_kwargs: dict | None = None,
    on_divergence: str = "raise",
    distribution=None,
) -> dict[str, list[float]]:
    """Train ``model`` (compiled, optimizer built) in place; return this call's history.

    ``on_divergence``: "raise", or "warn" to keep the best finite epoch's state
    (:class:`skdeep._engine._guard.FiniteGuard`). ``distribution``: None, "auto" or a
    device count, for data-parallel training (:mod:`._distributed`).
    """
    fit_kwargs = dict(fit_kwargs or {})
    if fit_kwargs.get("validation_split"):
        data = _split_last(data, fit_kwargs.pop("validation_split"))
    fit_kwargs.pop("validation_split", None)
    reason = fallback_reason(model, callbacks, fit_kwargs) if engine != "keras" else None
    if engine == "compiled" and reason:
        raise ValueError(f"engine='compiled' cannot train this request: {reason}. Use engine='auto' or 'keras'.")
    kwargs = dict(epochs=epochs, initial_epoch=initial_epoch, batch_size=batch_size,
                  callbacks=callbacks, verbose=verbose, seed=seed, on_divergence=on_divergence)
    from . import _distributed

    device_names = _distributed.devices(distribution)
    if device_names:
        if engine == "compiled":
            raise ValueError(f"engine='compiled' trains on one device; distribution={distribution!r} spreads "
                             f"training over {len(device_names)} through keras.Model.fit. Use engine='auto'.")
        if fit_kwargs:
            raise ValueError(f"distribution={distribution!r} cannot be combined with fit__* arguments "
                             f"({sorted(fit_kwargs)}).")
        with training_state_kept():
            return _distributed.train(model, data, device_names=device_names, loss=loss, metrics=metrics,
                                      **kwargs)
    with training_state_kept(), _backend_rng():
        if engine == "keras" or reason:
            if reason and verbose:
                warnings.warn(f"skdeep: training with keras.Model.fit because {reason}.", stacklevel=3)
            return _keras_fit.train(model, data, fit_kwargs=fit_kwargs, **kwargs)
        from . import _compiled

        return _compiled.train(model, data, loss=loss, metrics=metrics, **kwargs)


def _backend_rng():
    """The backend's process-wide generators, restored after the fit (torch only: each epoch
    seeds them for its dropout masks)."""
    if keras.backend.backend() != "torch":
        return contextlib.nullcontext()
    from ._torch import global_rng_kept

    return global_rng_kept()


def _split_last(data: TrainData, fraction: float) -> TrainData:
    """``fit(validation_split=...)``: the last ``fraction`` of the rows, unshuffled, as Keras takes it.

    Keras cannot split the batch generator the Keras engine feeds it, so the
    split is made here, for both engines alike.
    """
    if data.validation is not None:
        raise ValueError("fit__validation_split was given together with validation_split; use one of them.")
    if not 0 < fraction < 1:
        raise ValueError(f"fit__validation_split must be in (0, 1); got {fraction!r}.")
    n = len(data.sample_weight)
    at = int(np.ceil(n * (1.0 - fraction)))
    if at in (0, n):
        raise ValueError(f"fit__validation_split={fraction} leaves no rows to train or to validate on {n} rows.")
    return TrainData(_rows_of(data.x, slice(0, at)), _rows_of(data.y, slice(0, at)), data.sample_weight[:at],
                     (_rows_of(data.x, slice(at, n)), _rows_of(data.y, slice(at, n)), data.sample_weight[at:]))


def _rows_of(a, rows):
    """Rows of an array, or of each array in a list or dict (multi-input, multi-output)."""
    if isinstance(a, dict):
        return {k: v[rows] for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return type(a)(v[rows] for v in a)
    return a[rows]


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Forward pass in inference mode, without ``Model.predict``'s per-call setup."""
    from . import _compiled

    return _compiled.predict(model, x)
