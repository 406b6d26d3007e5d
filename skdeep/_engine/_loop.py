"""The compiled engine's epoch loop: ``fit_loop -> run_single_epoch -> on_epoch_end``.

The same contract as ``keras.Model.fit``'s loop, at epoch granularity: Keras
callbacks get ``on_train_begin``, ``on_epoch_begin``, ``on_test_begin/end``
around validation, ``on_epoch_end`` with one shared logs dict, and
``on_train_end``; ``model.stop_training`` ends training; the returned history
has one value per epoch and key. The trainer (:mod:`._trainer`) runs each
epoch as one compiled call over the data on the device: resident, or streamed
in chunks of whole batches when larger than the device budget
(:func:`chunk_rows`), visiting the same batches in the same order.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import keras
import numpy as np
import scipy.sparse as sp

from .._chunks import dense
from .._config import get_config
from . import _cache
from ._guard import check_finite
from ._host import HOST_COPIES, StreamedRows
from ._shuffle import epoch_order

SPARSE_CHUNK_BATCHES = 64  # a sparse X is densified this many batches at a time


def chunk_rows(data, batch_size: int) -> int | None:
    """Rows per device chunk when the training data exceed the device budget, else None.

    Chunks hold whole batches, so streaming visits exactly the batches that the
    resident path visits. Features read from disk (:mod:`._host`) also keep each
    chunk within the host budget.
    """
    x_row_bytes = data.x.shape[1] * np.dtype(data.x.dtype).itemsize  # dense, as on the device
    row_bytes = x_row_bytes + sum(a[:1].nbytes for a in (data.y, data.sample_weight))
    budget = get_config()["device_budget_bytes"]
    if isinstance(data.x, StreamedRows):  # each chunk is read into host memory too
        budget = min(budget, get_config()["host_budget_bytes"] // HOST_COPIES)
    budget_rows = budget // max(row_bytes, 1)
    if sp.issparse(data.x):  # densified chunk by chunk, never whole
        budget_rows = min(budget_rows, SPARSE_CHUNK_BATCHES * batch_size)
    elif data.x.shape[0] <= budget_rows:
        return None
    return max(batch_size, budget_rows // batch_size * batch_size)


def reads_model_state(callback) -> bool:
    """Whether ``callback`` may read the model's weights or optimizer state after an epoch.

    Any callback may, so the loop copies them into the model after every epoch, unless
    every callback declares ``reads_model_state = False`` (skdeep's learning-rate schedule
    only sets the rate): the copy costs a few milliseconds, more than a small epoch's steps.
    """
    return getattr(callback, "reads_model_state", True)


def epoch_parts(trainer, data, resident, chunk, perm):
    """``(device arrays, row order)`` pairs covering one epoch's permutation."""
    if resident is not None:
        yield resident, perm
        return
    for start in range(0, len(perm), chunk):
        idx = perm[start : start + chunk]
        yield trainer.put(dense(data.x[idx]), data.y[idx], data.sample_weight[idx], rows=chunk), np.arange(len(idx))


@dataclass
class Run:
    """One fit's loop state: what every step below reads or appends to."""

    trainer: object
    model: keras.Model
    data: object
    seed: int
    callbacks: keras.callbacks.CallbackList
    sync_rate: bool  # a callback may change the learning rate on the model
    sync_state: bool  # a callback may read the model's weights or optimizer state
    check: bool  # raise on divergence here (else a FiniteGuard callback decides)
    chunk: int | None = None
    resident: tuple | None = None
    progress: keras.utils.Progbar | None = None
    history: dict = field(default_factory=lambda: collections.defaultdict(list))


def fit_loop(trainer, model, data, *, epochs, initial_epoch, callbacks, verbose, seed, check=True):
    """Train ``model`` through ``trainer`` for ``epochs`` epochs; return the history dict."""
    trainer.load(model)
    n = data.x.shape[0]
    run = Run(trainer, model, data, seed, check=check, sync_state=any(map(reads_model_state, callbacks)),
              sync_rate=bool(callbacks) and not isinstance(model.optimizer.get_config()["learning_rate"], dict),
              callbacks=keras.callbacks.CallbackList(
                  list(callbacks), add_history=False, add_progbar=False, model=model,
                  epochs=initial_epoch + epochs, steps=-(-n // trainer.batch_size), verbose=verbose))
    run.chunk = chunk_rows(data, trainer.batch_size)
    run.resident = trainer.put(data.x, data.y, data.sample_weight) if run.chunk is None else None
    if verbose:
        run.progress = keras.utils.Progbar(epochs, verbose=1 if verbose == 1 else 2, unit_name="epoch")
    model.stop_training = False
    logs: dict = {}
    run.callbacks.on_train_begin()
    for epoch in range(initial_epoch, initial_epoch + epochs):
        run.callbacks.on_epoch_begin(epoch)
        logs = run_single_epoch(run, epoch)
        on_epoch_end(run, epoch, logs, done=epoch - initial_epoch + 1)
        if model.stop_training:
            break
    trainer.store(model)
    run.callbacks.on_train_end(logs)
    return dict(run.history)


def run_single_epoch(run: Run, epoch: int) -> dict[str, float]:
    """Train one epoch, stop on divergence, validate; the epoch's logs."""
    trainer, model, data = run.trainer, run.model, run.data
    if run.sync_rate:  # e.g. LearningRateScheduler set the rate on model_ in on_epoch_begin
        trainer.set_learning_rate(float(np.asarray(keras.ops.convert_to_numpy(model.optimizer.learning_rate))))
    n = data.x.shape[0]
    trainer.begin_epoch(run.seed, epoch)
    logs = trainer.train_epoch(epoch_parts(trainer, data, run.resident, run.chunk, epoch_order(run.seed, epoch, n)), n)
    if run.check:
        check_finite(epoch, logs, trainer.weights_finite)
    if run.sync_state:
        trainer.store(model)  # the hooks see this epoch's weights and optimizer state
    if data.validation is not None:
        run.callbacks.on_test_begin()  # as fit's validation pass does (TensorBoard logs there)
        val = trainer.evaluate(_cache.forward_function(trainer.model), *data.validation)
        run.callbacks.on_test_end(dict(val))
        logs.update({f"val_{k}": v for k, v in val.items()})
    return logs


def on_epoch_end(run: Run, epoch: int, logs: dict, *, done: int) -> None:
    """Callbacks, history and progress bar after an epoch."""
    # One shared dict, not CallbackList's copy: what a callback adds (e.g. ROC AUC)
    # reaches later callbacks and history_, as in keras.Model.fit.
    for cb in run.callbacks.callbacks:
        cb.on_epoch_end(epoch, logs)
    for k, v in logs.items():
        run.history[k].append(float(v))
    if run.progress is not None:
        run.progress.update(done, values=[(k, float(v)) for k, v in logs.items()], finalize=None)
