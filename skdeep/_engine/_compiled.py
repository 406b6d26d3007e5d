"""The compiled engine: whole epochs as one compiled call, data on the device.

A fit takes a :class:`~._trainer.Trainer` for its configuration from the cache
(:mod:`._cache`), copies the estimator's weights and optimizer state into it,
runs the epoch loop (:mod:`._loop`) and copies the result back; the
estimator's ``model_`` stays its own object. Prediction runs the architecture's
compiled forward function (or the model's own, once it keeps predicting) over
the rows in chunks.
"""

from __future__ import annotations

import keras
import numpy as np

from .._chunks import in_chunks
from . import _cache
from ._guard import FiniteGuard
from ._loop import fit_loop
from ._trainer import copy_metric_state


def train(model, data, *, loss, metrics, epochs, initial_epoch, batch_size, callbacks, verbose, seed,
          on_divergence="raise"):
    """Train ``model`` for ``epochs`` epochs; same contract as ``keras.Model.fit``'s history."""
    check = on_divergence == "raise"  # else the guard keeps the best finite state, as a callback
    callbacks = list(callbacks) if check else [*callbacks, FiniteGuard(on_divergence, initial_epoch)]
    trainer = _cache.acquire(model, loss, metrics, batch_size, data.x.shape[1])
    try:
        copy_metric_state(trainer.metrics, metrics)  # this fit's, e.g. its target units
        return fit_loop(trainer, model, data, epochs=epochs, initial_epoch=initial_epoch,
                        callbacks=callbacks, verbose=verbose, seed=seed, check=check)
    finally:
        trainer.lock.release()


def predict(model: keras.Model, x) -> np.ndarray:
    """Inference-mode outputs of ``model`` on ``x`` as a numpy array, in chunks."""
    run = _cache.own_forward(model)
    if run is None:
        fn = _cache.forward_function(model)
        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]

        def run(chunk):
            return fn(tv, ntv, chunk)[0]

    return in_chunks(run, x)
