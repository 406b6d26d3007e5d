"""BaseWrapper: scikeras's estimator contract on skdeep's machinery.

The data path is scikeras's (validate -> ``target_encoder`` / ``feature_encoder``
-> build function with ``meta`` / ``compile_kwargs`` -> compile unless the build
function did -> train -> decode), with skdeep underneath: builds are seeded
without touching global random state, training runs on skdeep's compiled
engine whenever the model allows (one input, one output, one loss) and on
``keras.Model.fit`` otherwise, and no fit leaves anything process-wide behind.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections import defaultdict
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import FunctionTransformer

from .. import _engine, _state
from . import _compile, _data
from ._train import train as _train
from ._routing import accepts, instantiate, route
from .utils import metric_name

class BaseWrapper(BaseEstimator):
    """scikeras's ``BaseWrapper``: any Keras model (e.g. an autoencoder) behind ``fit`` / ``predict``.

    Parameters are scikeras 0.13's, with its defaults (``optimizer="rmsprop"``,
    ``epochs=1``, ``verbose=1``, ``batch_size=None`` meaning 32). Extra keyword
    arguments are passed to the build function by name; ``model__``, ``fit__``,
    ``predict__``, ``compile__``, ``optimizer__``, ``loss__``, ``metrics__`` and
    ``callbacks__`` parameters are routed as in scikeras. See ``docs/scikeras.md``.

    Examples
    --------
    >>> import keras, numpy as np
    >>> def build(meta):
    ...     return keras.Sequential([keras.Input(meta["X_shape_"][1:]), keras.layers.Dense(meta["n_features_in_"])])
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> BaseWrapper(build, loss="mse", verbose=0, random_state=0).fit(X, X).predict(X).shape
    (20, 3)
    """

    _fit_kwargs = {"batch_size", "epochs", "verbose", "validation_split", "shuffle", "class_weight",
                   "sample_weight", "initial_epoch", "validation_steps", "validation_batch_size",
                   "validation_freq"}
    _predict_kwargs = {"batch_size", "verbose", "steps"}
    _compile_kwargs = _compile.COMPILE_ARGS
    _wrapper_params = {"warm_start", "random_state"}
    _routing_prefixes = {"model", "fit", "compile", "predict", "optimizer", "loss", "metrics"}

    def __init__(self, model=None, *, build_fn=None, warm_start=False, random_state=None, optimizer="rmsprop",
                 loss=None, metrics=None, batch_size=None, validation_batch_size=None, verbose=1,
                 callbacks=None, validation_split=0.0, shuffle=True, run_eagerly=False, epochs=1, **kwargs):
        self.model = model
        self.build_fn = build_fn
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        vars(self).update(kwargs)

    # -- parameters ----------------------------------------------------------
    def _get_param_names(self):
        return sorted(k for k in vars(self) if not k.endswith("_") and not k.startswith("_"))

    def _user_params(self) -> set[str]:
        """Un-prefixed parameters given beyond ``__init__``'s: they go to the build function."""
        named = {name for cls in type(self).__mro__ if "__init__" in vars(cls) and cls is not object
                 for name in inspect.signature(vars(cls)["__init__"]).parameters}
        return {k for k in self._get_param_names() if k not in named and "__" not in k}

    def set_params(self, **params):
        """Set parameters; routed ones (``optimizer__learning_rate``...) are stored as given."""
        for name, value in params.items():
            if any(name.startswith(p + "__") for p in self._routing_prefixes):
                setattr(self, name, value)
                continue
            try:
                super().set_params(**{name: value})
            except ValueError:
                raise ValueError(
                    f"Invalid parameter {name} for estimator {type(self).__name__}.\nThis issue can likely be "
                    f"resolved by setting this parameter in the {type(self).__name__} constructor:\n"
                    f"`{type(self).__name__}({name}={value})`\nCheck the list of available parameters with "
                    "`estimator.get_params().keys()`"
                ) from None
        return self

    @property
    def current_epoch(self) -> int:
        """Epochs trained so far (0 before any fit)."""
        return len(self.history_["loss"]) if hasattr(self, "history_") else 0

    @property
    def initialized_(self) -> bool:
        """Whether a model has been built (by ``initialize``, ``fit`` or ``partial_fit``)."""
        return hasattr(self, "model_")

    # -- encoders (override in subclasses) -----------------------------------
    @property
    def target_encoder(self):
        """The transformer for ``y``; its ``get_metadata()`` entries become fitted attributes."""
        return FunctionTransformer()

    @property
    def feature_encoder(self):
        """The transformer for ``X`` (e.g. one that splits columns for a multi-input model)."""
        return FunctionTransformer()

    def _type_of_target(self, y) -> str:
        from sklearn.utils.multiclass import type_of_target

        return type_of_target(y)

    def _validate_data(self, X=None, y=None, reset: bool = False, y_numeric: bool = False):
        return _data.validate_data(self, X, y, reset=reset, y_numeric=y_numeric)

    # -- building ------------------------------------------------------------
    def _check_model_param(self):
        model, build_fn = self.model, self.build_fn
        if model is None and build_fn is not None:
            model = build_fn
            warnings.warn("``build_fn`` will be renamed to ``model`` in a future release, at which point use of "
                          "``build_fn`` will raise an Error instead.", stacklevel=4)
        if model is None:
            if not hasattr(self, "_keras_build_fn"):
                raise ValueError("If not using the ``build_fn`` param, you must implement ``_keras_build_fn``")
            return self._keras_build_fn
        if isinstance(model, keras.Model):
            return lambda: model
        if inspect.isfunction(model) or isinstance(model, functools.partial) or inspect.ismethod(model):
            if hasattr(self, "_keras_build_fn"):
                raise ValueError("This class cannot implement ``_keras_build_fn`` if using the `model` parameter")
            return model
        raise TypeError("``model`` must be a callable, a Keras Model instance or None")

    def _get_compile_kwargs(self) -> dict[str, Any]:
        return _compile.compile_kwargs(self.get_params())

    def _get_metadata(self) -> dict[str, Any]:
        """Fitted attributes so far (``n_features_in_``, ``classes_``...): a build function's ``meta``."""
        return {k: v for k, v in vars(self).items()
                if len(k) > 1 and k.endswith("_") and not k.endswith("__") and not k.startswith("_")}

    def _build_keras_model(self) -> keras.Model:
        build = self._check_model_param()
        params = self.get_params()
        kwargs = route(params, "model", keep=self._user_params(), strict=True)
        if accepts(build, "meta"):
            kwargs["meta"] = self._get_metadata()
        if accepts(build, "compile_kwargs"):
            kwargs["compile_kwargs"] = self._get_compile_kwargs()
        if accepts(build, "params"):
            kwargs["params"] = params
        with _state.seeded(self._seed):  # seeded build, caller's random state left as it was
            return build(**kwargs)

    def _ensure_compiled_model(self) -> None:
        if not self.model_.compiled:
            kwargs = self._get_compile_kwargs()
            if kwargs.get("loss") is None:
                raise ValueError("You must provide a loss or a compiled model")
            self.model_.compile(**kwargs)
        loss = getattr(self.model_, "loss", None)
        values = loss.values() if isinstance(loss, dict) else loss if isinstance(loss, (list, tuple)) else [loss]
        if not any(callable(v) or isinstance(v, str) for v in values):
            raise ValueError("You must provide a loss or a compiled model")
        if not getattr(self.model_, "optimizer", None):
            raise ValueError("You must provide an optimizer or a compiled model")

    def _initialize_callbacks(self) -> None:
        params = self.get_params()

        def resolve(dest: str) -> list:
            if params.get(dest) is None:
                return []
            cbs = instantiate(params[dest], route(params, dest))
            if isinstance(cbs, dict):
                cbs = list(cbs.values())
            elif isinstance(cbs, keras.callbacks.Callback):
                cbs = [cbs]
            flat = [c for cb in (cbs if isinstance(cbs, list) else [None])
                    for c in (cb if isinstance(cb, list) else [cb])]
            if not all(isinstance(c, keras.callbacks.Callback) for c in flat):
                raise TypeError("If specified, ``callbacks`` must be one of:\n - A dict of string keys with "
                                "callbacks or lists of callbacks as values\n - A list of callbacks or lists of "
                                "callbacks\n - A single callback\nWhere each callback can be a instance of "
                                "`keras.callbacks.Callback` or a sublass of it to be compiled by SciKeras")
            return flat

        common = resolve("callbacks")
        self._fit_callbacks = common + resolve("fit__callbacks")
        self._predict_callbacks = common + resolve("predict__callbacks")

    def _initialize(self, X, y=None):
        rs = self.random_state
        if isinstance(rs, np.random.RandomState):  # as scikeras: every fit draws the same seed from it
            rs = np.random.RandomState()
            rs.set_state(self.random_state.get_state())
        self._seed = _state.draw_seed(rs)
        X, y = self._validate_data(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(getattr(self.feature_encoder_, "get_metadata", dict)())
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        return X, y

    def initialize(self, X, y=None):
        """Build (and compile) the model for ``(X, y)`` without training it."""
        with _state.keras_names_kept(), _state.tensorflow_left_unloaded():
            self._initialize(X, y)
            self._ensure_compiled_model()
        return self

    # -- training ------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new model (unless ``warm_start``) and train it for ``epochs`` epochs.

        ``**kwargs`` are ``keras.Model.fit`` arguments for this call (prefer ``fit__*`` parameters).
        """
        kwargs["epochs"] = kwargs.get("epochs", getattr(self, "fit__epochs", self.epochs))
        kwargs["initial_epoch"] = kwargs.get("initial_epoch", 0)
        self._fit(X, y, sample_weight=sample_weight, warm_start=self.warm_start, **kwargs)
        return self

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train one more epoch, keeping the model, its optimizer state and ``history_``."""
        for bad in ("epochs", "initial_epoch"):
            if bad in kwargs:
                raise TypeError(f"Invalid argument `{bad}` to `partial_fit`: `partial_fit` always trains for 1 "
                                "epoch from the current epoch")
        self._fit(X, y, sample_weight=sample_weight, warm_start=True, epochs=1,
                  initial_epoch=self.current_epoch, **kwargs)
        return self

    @_state.keras_names_kept()  # flat memory over many fits, as skdeep's own estimators
    @_state.tensorflow_left_unloaded()
    def _fit(self, X, y, sample_weight, warm_start: bool, epochs: int, initial_epoch: int, **kwargs) -> None:
        if (self.warm_start or warm_start) and self.initialized_:
            X, y = self._validate_data(X, y)
        else:
            X, y = self._initialize(X, y)
        self._ensure_compiled_model()
        if sample_weight is not None:
            X, y, sample_weight = _data.validate_sample_weight(X, y, sample_weight)
        y = self.target_encoder_.transform(y)
        X = self.feature_encoder_.transform(X)
        self._check_model_compatibility(y)
        self._fit_keras_model(X, y, sample_weight=sample_weight, warm_start=warm_start, epochs=epochs,
                              initial_epoch=initial_epoch, **kwargs)

    def _fit_keras_model(self, X, y, sample_weight, warm_start: bool, epochs: int, initial_epoch: int, **kwargs):
        args = route(self.get_params(), "fit", keep=self._fit_kwargs)
        args = {k: v for k, v in args.items() if not k.startswith("callbacks")}
        args.update(kwargs, epochs=epochs, initial_epoch=initial_epoch)
        for key in ("batch_size", "validation_batch_size"):
            if args.get(key) == -1:
                args[key] = _n_rows(X, key)
        history = _train(self.model_, X, y, sample_weight, self._fit_callbacks, self._seed, args)
        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in history.items():
            if key != "loss" and not key.startswith("val_"):
                try:
                    key = metric_name(key)
                except ValueError:
                    pass
            self.history_[key] += list(values)

    def _check_model_compatibility(self, y) -> None:
        expected = getattr(self, "n_outputs_expected_", None)
        outputs = getattr(self.model_, "outputs", None)  # a subclassed model has none to check
        if expected and outputs is not None and expected != len(outputs):
            raise ValueError(f"Detected a Keras model input of size {expected}, but {self.model_} has "
                             f"{len(outputs)} outputs")
        default = inspect.signature(type(self).__init__).parameters.get("loss")
        comparable = (str, keras.losses.Loss, type)
        if default is None or not all(isinstance(x, comparable) for x in (self.loss, self.model_.loss)):
            return
        from .utils import loss_name

        given, got = loss_name(self.loss), loss_name(self.model_.loss)
        default_name = loss_name(default.default) if default.default is not None else None
        if given != default_name and got != given:
            raise ValueError(f"loss={self.loss} but model compiled with {self.model_.loss}. "
                             "Data may not match loss function!")

    # -- inference -----------------------------------------------------------
    def _predict_raw(self, X, **kwargs):
        if not self.initialized_:
            raise NotFittedError("Estimator needs to be fit before `predict` can be called")
        X, _ = self._validate_data(X=X, y=None)
        X = self.feature_encoder_.transform(X)
        args = route(self.get_params(), "predict", keep=self._predict_kwargs, strict=True)
        args = {k: v for k, v in args.items() if not k.startswith("callbacks")}
        args.update(kwargs)
        if args.get("batch_size") == -1:
            args["batch_size"] = _n_rows(X, "batch_size")
        if _engine_can_predict(self.model_, X, self._predict_callbacks, args):
            return _engine.predict(self.model_, X.astype(self.model_.inputs[0].dtype, copy=False))
        return self.model_.predict(x=X, callbacks=self._predict_callbacks, **args)

    def predict(self, X, **kwargs):
        """Predictions, decoded by ``target_encoder_``; ``**kwargs`` go to ``keras.Model.predict``."""
        raw = self._predict_raw(X, **kwargs)  # checks fitted first
        return self.target_encoder_.inverse_transform(raw)

    @staticmethod
    def scorer(y_true, y_pred, **kwargs) -> float:
        """The score :meth:`score` reports; BaseWrapper has none (subclass and define one)."""
        raise NotImplementedError("Scoring is not implemented on BaseWrapper.")

    def score(self, X, y, sample_weight=None) -> float:
        """``scorer(y, predict(X))``: accuracy for classifiers, R^2 for regressors."""
        _, y = self._validate_data(X=None, y=y)
        if sample_weight is not None:
            X, y, sample_weight = _data.validate_sample_weight(X, y, sample_weight)
        return self.scorer(y, self.predict(X), sample_weight=sample_weight,
                           **route(self.get_params(), "score"))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


def _n_rows(X, key: str) -> int:
    try:
        return X.shape[0]
    except AttributeError:
        raise ValueError(f"`{key}=-1` requires that `X` implement `shape`") from None


def _engine_can_predict(model, X, callbacks, args) -> bool:
    return (isinstance(X, np.ndarray) and X.dtype.kind in "biuf" and not callbacks
            and set(args) <= {"batch_size", "verbose"} and not model.run_eagerly and "predict" not in vars(model)
            and all(len(getattr(model, io, None) or []) == 1 for io in ("inputs", "outputs")))
