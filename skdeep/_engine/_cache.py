"""What the compiled engine keeps between fits: trainers and forward functions.

Compilation is the expensive part of a small fit, so it is paid once per
configuration: fits of the same architecture, loss, metrics, optimizer settings
(the learning rate excepted: it is a variable) and batch size share a trainer
(:func:`acquire`); models of the same architecture share a forward function
(:func:`forward_function`); a model that keeps serving predictions gets one of
its own (:func:`own_forward`). All three are bounded (``CACHE_SIZE`` entries,
least recently used first out, or weakly keyed by the model) and thread-safe
(one lock). :func:`clear_cache` empties them.
"""

from __future__ import annotations

import collections
import json
import threading
import weakref

import keras

from ._trainer import Trainer, template

CACHE_SIZE = 8
OWN_FORWARD_AFTER = 3

_lock = threading.Lock()
_trainers: collections.OrderedDict = collections.OrderedDict()  # configuration -> Trainer
_forwards: collections.OrderedDict = collections.OrderedDict()  # architecture -> compiled forward
_forward_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> compiled forward
_own_forward: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> predicts so far, or own forward


def clear_cache() -> None:
    """Empty skdeep's caches of compiled training and prediction functions.

    Fits and predictions after this compile again, as in a fresh process (for
    example to time a first fit, or to release memory held by networks that
    will not be trained again). Estimators keep working.

    Examples
    --------
    >>> import skdeep
    >>> skdeep.clear_cache()
    """
    with _lock:
        _trainers.clear()
        _forwards.clear()
        _forward_of.clear()
        _own_forward.clear()


def cached_trainers() -> int:
    """How many trainers the cache holds (for tests and benchmarks)."""
    return len(_trainers)


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


def trainer_class() -> type[Trainer]:
    """The backend's :class:`Trainer`; imported here so backends never import the engine back."""
    backend = keras.backend.backend()
    if backend == "jax":
        from ._jax import JaxTrainer

        return JaxTrainer
    if backend == "torch":
        from ._torch import TorchTrainer

        return TorchTrainer
    from ._tensorflow import TFTrainer

    return TFTrainer


def acquire(model, loss, metrics, batch_size: int, n_features: int) -> Trainer:
    """A trainer for this configuration, locked for the caller (release ``trainer.lock``); reused when cached."""
    key = _signature(model, loss, metrics, batch_size, n_features)
    with _lock:
        trainer = _trainers.get(key)
        if trainer is not None and trainer.lock.acquire(blocking=False):
            _trainers.move_to_end(key)
            return trainer
        trainer = trainer_class()(model, loss, metrics, batch_size)  # busy or new: a trainer of its own
        trainer.lock.acquire()
        _trainers[key] = trainer
        while len(_trainers) > CACHE_SIZE:
            _trainers.popitem(last=False)
        return trainer


def forward_function(model: keras.Model):
    """A compiled ``(trainable, non_trainable, x) -> (outputs, regularization)``.

    Shared by every model of the same architecture: weights are inputs, so a new
    fit (a CV fold, a grid point) reuses the compiled function.
    """
    fn = _forward_of.get(model)
    if fn is not None:
        return fn
    try:
        key = (keras.backend.backend(), _json(model.get_config()))
    except (NotImplementedError, TypeError):
        key = None
    with _lock:
        fn = _forwards.get(key) if key else None
        if fn is None:
            fn = trainer_class().forward_function(template(model))
            if key:
                _forwards[key] = fn
                while len(_forwards) > CACHE_SIZE:
                    _forwards.popitem(last=False)
    _forward_of[model] = fn
    return fn


def own_forward(model: keras.Model):
    """``model``'s own compiled forward once it has been asked to predict ``OWN_FORWARD_AFTER`` times.

    The shared forward function takes the weights as inputs, which costs a few
    hundred microseconds per call on TensorFlow. A model that keeps serving
    predictions gets a function of its own (one trace) that reads its variables
    directly; a model that predicts once or twice (a CV fold's score) never pays
    that trace. None where the backend's shared function is already cheap.
    """
    with _lock:
        entry = _own_forward.get(model, 0)
        if not isinstance(entry, int):
            return entry
        own = None
        if entry + 1 >= OWN_FORWARD_AFTER:
            own = trainer_class().own_forward(model)
        _own_forward[model] = own or entry + 1
        return own


def has_own_forward(model: keras.Model) -> bool:
    """Whether ``model`` has been given a forward function of its own (for tests)."""
    return callable(_own_forward.get(model))
