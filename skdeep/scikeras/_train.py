"""Training: skdeep's compiled engine where the model allows it, ``keras.Model.fit`` otherwise.

The engine (:func:`skdeep._engine.train`) takes one input array, one output and
a loss that reduces to a scalar; it falls back to ``Model.fit`` by itself for
batch-level callbacks and ``fit__*`` arguments it cannot honour. Multi-input or
multi-output models, ``shuffle=False``, ``class_weight`` and models whose own
``fit`` was replaced go to ``Model.fit`` here.
"""

from __future__ import annotations

import keras
import numpy as np

from .. import _engine
from . import _compile


def train(model, X, y, sample_weight, callbacks, seed: int, args: dict) -> dict:
    """Train on skdeep's engine where the model and arguments allow, else with ``Model.fit``."""
    args = dict(args)
    epochs, initial_epoch = args.pop("epochs"), args.pop("initial_epoch")
    batch_size = args.pop("batch_size", None) or 32  # Keras's default
    verbose = args.pop("verbose", "auto")
    verbose = 1 if verbose == "auto" else verbose
    sample_weight = args.pop("sample_weight", sample_weight)
    # Model.fit's own defaults need no Model.fit: only arguments that change something stay.
    args = {k: v for k, v in args.items() if v is not None and not (k == "validation_freq" and v == 1)}
    objects = None
    if (isinstance(X, np.ndarray) and isinstance(y, np.ndarray) and X.dtype.kind in "biuf"
            and args.get("shuffle", True) and args.get("class_weight") is None and not model.run_eagerly
            and "fit" not in vars(model)):  # a fit replaced on the model itself (a wrapper, a mock) is used
        objects = _compile.engine_objects(model)
    if objects is None:
        return _keras_fit(model, X, y, sample_weight, batch_size, epochs, initial_epoch, callbacks, verbose, args)
    args.pop("shuffle", None)
    args.pop("class_weight", None)
    if not args.get("validation_split"):
        args.pop("validation_split", None)
    floatx = model.inputs[0].dtype
    X = X.astype(floatx, copy=False)
    if y.dtype.kind == "f" or (y.dtype.kind in "biu" and "sparse" not in _loss_of(objects)):
        y = y.astype(keras.backend.floatx(), copy=False)
    sw = np.ones(len(X), X.dtype) if sample_weight is None else np.asarray(sample_weight, X.dtype)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    loss, metrics = objects
    if np.ndim(keras.ops.convert_to_numpy(loss(y[:2], model(X[:2])))) != 0:
        objects = None  # a loss that does not reduce to a scalar: Model.fit's own handling applies
    if objects is None:
        return _keras_fit(model, X, y, sample_weight, batch_size, epochs, initial_epoch, callbacks, verbose, args)
    if metrics:
        # Keras builds a model's compiled metrics on its first batch, and callbacks such as
        # EarlyStopping(monitor="acc") look them up there: build them on one row, as fit would.
        model.compute_metrics(X[:1], y[:1], model(X[:1]), sw[:1])
        model.reset_metrics()
    return _engine.train(model, _engine.TrainData(X, y, sw), loss=loss, metrics=metrics, epochs=epochs,
                         initial_epoch=initial_epoch, batch_size=batch_size, callbacks=callbacks, verbose=verbose,
                         seed=seed, fit_kwargs=args)


def _keras_fit(model, X, y, sample_weight, batch_size, epochs, initial_epoch, callbacks, verbose, args) -> dict:
    hist = model.fit(x=X, y=y, sample_weight=sample_weight, batch_size=batch_size, epochs=initial_epoch + epochs,
                     initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose, **args)
    return hist.history


def _loss_of(objects) -> str:
    from .._compile import loss_name

    return loss_name(objects[0])

