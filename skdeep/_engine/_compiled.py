"""The compiled engine: whole epochs as one compiled call, data on the device.

A :class:`Trainer` owns a private copy of the architecture (a "template"), an
optimizer and the compiled epoch / forward functions. Fits of the same
architecture, loss, metrics, optimizer settings (learning rate excepted: it is
a variable) and batch size share one trainer from a small cache, so CV folds
and grid points do not pay compilation again. Each fit copies the estimator's
weights and optimizer state into the trainer, trains, and copies them back;
the estimator's ``model_`` stays its own object.

Training data that fit in the device budget (:func:`skdeep.get_config`) are
copied to the device once per fit; larger data are streamed in chunks of whole
batches per epoch (:func:`chunk_rows`), visiting the same batches in the same order.
"""

from __future__ import annotations

import collections
import json
import threading
import weakref

import keras
import numpy as np
import scipy.sparse as sp

from .._config import get_config
from .._network import seeded
from ._host import HOST_COPIES, StreamedRows
from .._numerics import FiniteGuard, check_finite
from ._shuffle import epoch_order

_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()
_FORWARD: collections.OrderedDict = collections.OrderedDict()  # architecture -> compiled forward
_FORWARD_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> compiled forward
_OWN_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> predicts so far, or own forward
PREDICT_CHUNK = 8192
SPARSE_CHUNK_BATCHES = 64  # a sparse X is densified this many batches at a time
OWN_FORWARD_AFTER = 3


def _json(obj) -> str:
    return json.dumps(keras.saving.serialize_keras_object(obj), sort_keys=True, default=str)


def _signature(model, loss, metrics, batch_size, n_features) -> tuple:
    opt = model.optimizer.get_config()
    opt.pop("learning_rate", None)  # a variable, copied in with the optimizer state
    opt.pop("name", None)  # "adam", "adam_1", ...: differs per instance, not per math
    return (
        keras.backend.backend(), _json(model.get_config()), type(model.optimizer).__name__,
        json.dumps(opt, sort_keys=True, default=str), _json(loss),
        id(getattr(loss, "fn", None)),  # two function losses of one name are not one loss
        tuple(_json(m) for m in metrics), batch_size, n_features,
    )


def _trainer_class():
    if keras.backend.backend() == "jax":
        from ._jax import JaxTrainer

        return JaxTrainer
    from ._tensorflow import TFTrainer

    return TFTrainer


def _acquire(model, loss, metrics, batch_size, n_features):
    """A trainer for this configuration, locked for the caller; reused when cached."""
    key = _signature(model, loss, metrics, batch_size, n_features)
    with _CACHE_LOCK:
        trainer = _CACHE.get(key)
        if trainer is not None and trainer.lock.acquire(blocking=False):
            _CACHE.move_to_end(key)
            return trainer
        trainer = _trainer_class()(model, loss, metrics, batch_size)
        trainer.lock.acquire()
        _CACHE[key] = trainer
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return trainer


def _progress(verbose: int, epochs: int):
    if not verbose:
        return None
    return keras.utils.Progbar(epochs, verbose=1 if verbose == 1 else 2, unit_name="epoch")


def train(model, data, *, loss, metrics, epochs, initial_epoch, batch_size, callbacks, verbose, seed,
          on_divergence="raise"):
    """Train ``model`` for ``epochs`` epochs; same contract as ``keras.Model.fit``'s history."""
    check = on_divergence == "raise"  # else the guard keeps the best finite state, as a callback
    callbacks = list(callbacks) if check else [*callbacks, FiniteGuard(on_divergence)]
    trainer = _acquire(model, loss, metrics, batch_size, data.x.shape[1])
    try:
        for mine, given in zip(trainer.metrics, metrics, strict=True):
            # Fresh metric state of this fit, e.g. the target units of InTargetUnits.
            for dst, src in zip(mine.variables, given.variables, strict=True):
                dst.assign(src.value)
        return _fit_loop(trainer, model, data, epochs=epochs, initial_epoch=initial_epoch,
                         callbacks=callbacks, verbose=verbose, seed=seed, check=check)
    finally:
        trainer.lock.release()


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


def _epoch_parts(trainer, data, resident, chunk, perm):
    """``(device arrays, row order)`` pairs covering one epoch's permutation."""
    if resident is not None:
        yield resident, perm
        return
    for start in range(0, len(perm), chunk):
        idx = perm[start : start + chunk]
        yield trainer.put(dense(data.x[idx]), data.y[idx], data.sample_weight[idx], rows=chunk), np.arange(len(idx))


def _fit_loop(trainer, model, data, *, epochs, initial_epoch, callbacks, verbose, seed, check=True):
    trainer.load(model)
    n = data.x.shape[0]
    chunk = chunk_rows(data, trainer.batch_size)
    resident = trainer.put(data.x, data.y, data.sample_weight) if chunk is None else None
    cbs = keras.callbacks.CallbackList(
        list(callbacks), add_history=False, add_progbar=False, model=model,
        epochs=initial_epoch + epochs, steps=-(-n // trainer.batch_size), verbose=verbose,
    )
    bar = _progress(verbose, epochs)
    history: dict[str, list[float]] = collections.defaultdict(list)
    model.stop_training = False
    logs: dict = {}
    cbs.on_train_begin()
    for epoch in range(initial_epoch, initial_epoch + epochs):
        cbs.on_epoch_begin(epoch)
        if callbacks and not isinstance(model.optimizer.get_config()["learning_rate"], dict):
            # A callback (e.g. LearningRateScheduler) may have changed the rate on model_.
            lr = float(np.asarray(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
            trainer.set_learning_rate(lr)
        logs = trainer.train_epoch(_epoch_parts(trainer, data, resident, chunk, epoch_order(seed, epoch, n)), n)
        if check:
            check_finite(epoch, logs, [v for vs in trainer.weights() for v in vs])
        if callbacks:
            trainer.store(model)  # the hooks below see this epoch's weights and optimizer state
        if data.validation is not None:
            cbs.on_test_begin()  # as fit's validation pass does (TensorBoard logs there)
            val = trainer.evaluate(*data.validation)
            cbs.on_test_end(dict(val))
            logs.update({f"val_{k}": v for k, v in val.items()})
        # One shared dict, not CallbackList's copy: what a callback adds (e.g. ROC AUC)
        # reaches later callbacks and history_, as in keras.Model.fit.
        for cb in cbs.callbacks:
            cb.on_epoch_end(epoch, logs)
        for k, v in logs.items():
            history[k].append(float(v))
        if bar is not None:
            bar.update(epoch - initial_epoch + 1, values=[(k, float(v)) for k, v in logs.items()], finalize=None)
        if model.stop_training:
            break
    trainer.store(model)
    cbs.on_train_end(logs)
    return dict(history)


def forward_function(model: keras.Model):
    """A compiled ``(trainable, non_trainable, x) -> (outputs, regularization)``.

    Shared by every model of the same architecture: weights are inputs, so a new
    fit (a CV fold, a grid point) reuses the compiled function.
    """
    fn = _FORWARD_OF.get(model)
    if fn is not None:
        return fn
    try:
        key = (keras.backend.backend(), _json(model.get_config()))
    except (NotImplementedError, TypeError):
        key = None
    with _CACHE_LOCK:
        fn = _FORWARD.get(key) if key else None
        if fn is None:
            fn = _trainer_class().forward_function(_template(model))
            if key:
                _FORWARD[key] = fn
                while len(_FORWARD) > _CACHE_SIZE:
                    _FORWARD.popitem(last=False)
    _FORWARD_OF[model] = fn
    return fn


def _template(model: keras.Model) -> keras.Model:
    """A private copy of the architecture (the model itself if it cannot be cloned)."""
    try:
        with seeded(0):  # its initial weights are never used; leave Python's RNG alone
            return keras.models.clone_model(model)
    except Exception:  # subclassed models without a usable get_config
        return model


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Inference-mode outputs of ``model`` on ``x`` as a numpy array, in chunks."""
    run = _own_forward(model)
    if run is None:
        fn = forward_function(model)
        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]

        def run(chunk):
            return fn(tv, ntv, chunk)[0]

    n = x.shape[0]
    if n <= PREDICT_CHUNK:
        return run(dense(x))
    return np.concatenate([run(dense(x[i : i + PREDICT_CHUNK])) for i in range(0, n, PREDICT_CHUNK)])


def dense(x):
    """``x`` as a dense array: sparse input is densified one chunk at a time."""
    return x.toarray() if sp.issparse(x) else x


def _own_forward(model: keras.Model):
    """``model``'s own compiled forward once it has been asked to predict ``OWN_FORWARD_AFTER`` times.

    The shared forward function takes the weights as inputs, which costs a few
    hundred microseconds per call on TensorFlow. A model that keeps serving
    predictions gets a function of its own (one trace) that reads its variables
    directly; a model that predicts once or twice (a CV fold's score) never pays
    that trace. None where the backend's shared function is already cheap.
    """
    with _CACHE_LOCK:
        entry = _OWN_FORWARD.get(model, 0)
        if not isinstance(entry, int):
            return entry
        own = None
        if entry + 1 >= OWN_FORWARD_AFTER:
            own = _trainer_class().own_forward(model)
        _OWN_FORWARD[model] = own or entry + 1
        return own


class Trainer:
    """What every backend's trainer shares: state copies, evaluation, metric results."""

    def __init__(self, model, loss, metrics, batch_size):
        self.lock = threading.Lock()
        self.model = _template(model)
        self.optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        self.optimizer.build(self.model.trainable_variables)
        self.loss = loss
        self.metrics = [type(m).from_config(m.get_config()) for m in metrics]
        self.batch_size = batch_size

    @staticmethod
    def state_variables(model, optimizer) -> list:
        return [*model.trainable_variables, *model.non_trainable_variables, *optimizer.variables]

    def evaluate(self, x, y, sample_weight) -> dict[str, float]:
        """Loss (with regularization) and metrics on held-out data, inference mode.

        In chunks of ``PREDICT_CHUNK`` rows, so a large validation set never sits
        on the device whole; the loss is the row-weighted mean of the chunks' losses.
        """
        forward, weights = forward_function(self.model), self.weights()
        for m in self.metrics:
            m.reset_state()
        loss, reg = 0.0, 0.0
        for i in range(0, len(x), PREDICT_CHUNK):
            yc = y[i : i + PREDICT_CHUNK]
            outputs, reg = forward(*weights, x[i : i + PREDICT_CHUNK])
            loss += float(self.loss(yc, outputs, sample_weight=sample_weight[i : i + PREDICT_CHUNK])) * len(yc)
            for m in self.metrics:
                m.update_state(yc, outputs)  # unweighted, as keras.Model.evaluate
        logs = {"loss": loss / len(x) + reg}
        logs.update({m.name: float(np.mean(keras.ops.convert_to_numpy(m.result()))) for m in self.metrics})
        return logs
