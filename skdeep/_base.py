"""The shared estimator: orchestrates the data path, holds no step itself.

validate input (sklearn's ``validate_data``) -> encode target (:mod:`._targets`)
-> build network (:mod:`._network`) -> compile (:mod:`._compile`) -> train
(:mod:`._engine`) -> decode output (:mod:`._targets`).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _compat, _compile, _engine, _network, _numerics, _persistence, _transaction
from ._params import PARAMETER_CONSTRAINTS, ROUTE_PREFIXES, check_values, is_routed, routed


class BaseKerasEstimator(BaseEstimator):
    """Common base of :class:`KerasClassifier` and :class:`KerasRegressor`."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS
    _task_family: str = ""  # "classification" or "regression", set by subclasses

    def __init__(
        self,
        model=None,
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        dropout=0.0,
        l2=0.0,
        batch_normalization=False,
        optimizer="adam",
        learning_rate=0.001,
        loss=None,
        metrics=None,
        batch_size=32,
        epochs=100,
        validation_split=0.0,
        early_stopping=False,
        patience=10,
        callbacks=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        engine="auto",
        dtype="float32",
        **routed_params,
    ):
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.l2 = l2
        self.batch_normalization = batch_normalization
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.engine = engine
        self.dtype = dtype
        for name, value in routed_params.items():
            setattr(self, name, value)

    # -- parameters ----------------------------------------------------------
    def _routed_params(self) -> dict[str, Any]:
        """Keyword arguments ``__init__`` stored beyond its named parameters."""
        named = _compat.param_names(type(self))
        return {k: v for k, v in vars(self).items()
                if k not in named and not k.startswith("_") and not k.endswith("_")}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters, including routed ``optimizer__*``/``model__*``/``loss__*``/``fit__*`` ones."""
        return {**super().get_params(deep=deep), **self._routed_params()}

    def set_params(self, **params):
        """Set parameters; ``<prefix>__<arg>`` keys are stored for routing at ``fit``."""
        extra = self._routed_params()
        for name in [k for k in params if is_routed(k) or k in extra]:
            setattr(self, name, params.pop(name))
        return super().set_params(**params) if params else self

    def _check_params(self) -> None:
        self._validate_params()
        check_values(self.get_params(deep=False))
        for name in self._routed_params():
            if not is_routed(name):
                raise ValueError(
                    f"Unknown parameter {name!r} for {type(self).__name__}. Routed parameters "
                    f"start with one of {[p + '__' for p in ROUTE_PREFIXES]}."
                )

    # -- input ---------------------------------------------------------------
    def _validate_X(self, X, y="no_validation", *, reset: bool):
        kwargs = dict(reset=reset, dtype=self.dtype, accept_sparse=False)
        try:
            if isinstance(y, str) and y == "no_validation":
                return validate_data(self, X, **kwargs), None
            return validate_data(self, X, y, multi_output=True,
                                 y_numeric=self._task_family == "regression", **kwargs)
        except ValueError as exc:
            if "could not convert string to float" in str(exc):
                raise ValueError(
                    f"X contains non-numeric values ({exc}). Encode categorical columns first, "
                    "e.g. with OneHotEncoder in a ColumnTransformer before the network."
                ) from exc
            raise

    def _sample_weight(self, sample_weight, X, y) -> np.ndarray:
        sw = _compat.check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        sw = sw * self._class_sample_weight(y)
        total = float(sw.sum())
        if total <= 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        # Mean-one weights: their scale must not change the effective learning rate.
        return (sw * (len(sw) / total)).astype(X.dtype)

    def _class_sample_weight(self, y) -> np.ndarray:
        return np.ones(len(y))

    # -- the data path -------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights (normalised to mean one).

        Returns
        -------
        self
        """
        fitted = hasattr(self, "model_")
        return self._fit(X, y, sample_weight, reset=not (self.warm_start and fitted), epochs=self.epochs)

    @_transaction.all_or_nothing  # a fit that raises or is interrupted changes nothing
    @_network.keras_names_kept()  # flat memory over many fits; the user's next auto-names unchanged
    def _fit(self, X, y, sample_weight, *, reset: bool, epochs: int, classes=None):
        self._check_params()
        X, y = self._validate_X(X, y, reset=reset)
        _numerics.check_feature_range(X)
        sw = self._sample_weight(sample_weight, X, y)
        if reset:
            # Build everything first, assign last: a failed refit keeps the fitted state.
            seed = _draw_seed(self.random_state)
            encoder = self._make_target_encoder().fit(y, **self._encoder_fit_kwargs(classes, sw))
            model = self._build(X.shape[1], encoder, seed)
            self._seed_, self.target_encoder_, self.model_ = seed, encoder, model
            self.history_, self.n_iter_ = {}, 0
        y_enc = self.target_encoder_.transform(y)
        if y_enc.dtype.kind == "f":
            y_enc = y_enc.astype(X.dtype, copy=False)
        data = self._train_data(X, y_enc, sw, y)
        history = _engine.train(
            self.model_,
            data,
            loss=self.model_.loss,
            metrics=self._make_metrics(self.target_encoder_),
            epochs=epochs,
            initial_epoch=self.n_iter_,
            batch_size=self.batch_size or len(data.x),
            callbacks=self._callbacks(data),
            verbose=self.verbose,
            seed=self._seed_,
            engine=self.engine,
            fit_kwargs=routed(self.get_params(deep=False), "fit"),
        )
        for key, values in history.items():
            self.history_.setdefault(key, []).extend(values)
        self.n_iter_ += len(history.get("loss", []))
        return self

    def _encoder_fit_kwargs(self, classes, sample_weight) -> dict:
        return {}

    def _build(self, n_features: int, enc, seed: int):
        params = self.get_params(deep=False)
        meta = {
            "n_features_in": n_features, "n_outputs": enc.n_outputs_, "task": enc.task_,
            "output_activation": _network.OUTPUT_ACTIVATION[enc.task_],
            "n_classes": len(getattr(enc, "classes_", [])) or None,
            "classes": getattr(enc, "classes_", None),
            **{k: params[k] for k in _MLP_PARAMS},
        }
        mlp = {k: meta[k] for k in _MLP_PARAMS}
        # Always seeded (from fresh entropy when random_state is None) so Keras's
        # default seeds never advance the caller's Python RNG.
        with _network.seeded(seed):
            network = _network.make_network(self.model, meta, mlp, routed(params, "model"))
        self._adapt_encoder(network, enc)
        _network.check_network(network, n_features, enc.n_outputs_)
        one_hot = getattr(enc, "one_hot", False)
        loss = self.loss if self.loss is not None or not one_hot else "categorical_crossentropy"
        return _compile.compile_network(
            network,
            optimizer=_compile.make_optimizer(self.optimizer, self.learning_rate, routed(params, "optimizer")),
            loss=_compile.make_loss(loss, enc.task_, routed(params, "loss"), self.dtype),
            metrics=self._make_metrics(enc),
            **routed(params, "compile"),
        )

    def _make_metrics(self, enc) -> list:
        n_classes = len(enc.classes_) if enc.task_ == "multiclass" else None
        return _compile.make_metrics(self.metrics, enc.task_, getattr(enc, "one_hot", False), n_classes)

    def _adapt_encoder(self, network, enc) -> None:
        """Hook: let the target encoding follow the user's output layer."""

    def _train_data(self, X, y_enc, sw, y) -> _engine.TrainData:
        if not self.validation_split:
            return _engine.TrainData(X, y_enc, sw)
        stratify = y if self._task_family == "classification" and np.ndim(y) == 1 else None
        try:
            tr, va = train_test_split(np.arange(len(X)), test_size=self.validation_split,
                                      random_state=self._seed_ % (2**31), stratify=stratify)
        except ValueError:  # a class too small to stratify
            tr, va = train_test_split(np.arange(len(X)), test_size=self.validation_split,
                                      random_state=self._seed_ % (2**31))
        return _engine.TrainData(X[tr], y_enc[tr], sw[tr], (X[va], y_enc[va], sw[va]))

    def _callbacks(self, data) -> list:
        callbacks = list(self.callbacks or [])
        if self.early_stopping:
            monitor = "val_loss" if data.validation is not None else "loss"
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=monitor, patience=self.patience, restore_best_weights=True))
        for cb in callbacks:
            if hasattr(cb, "set_skdeep_data"):
                cb.set_skdeep_data(train=(data.x, data.y), validation=data.validation[:2] if data.validation else None)
        return callbacks

    @_network.keras_names_kept()  # a first predict traces a forward function
    def _network_outputs(self, X) -> np.ndarray:
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        return _engine.predict(self.model_, X)

    def __getstate__(self):
        return _persistence.stamp(super().__getstate__())  # warn on load by another version

    def __setstate__(self, state):
        super().__setstate__(_persistence.check_stamp(type(self).__name__, state))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.target_tags.multi_output = True
        return tags


_MLP_PARAMS = ("hidden_layer_sizes", "activation", "dropout", "l2", "batch_normalization", "dtype")


def _draw_seed(random_state) -> int:
    """A seed for this fit; from fresh entropy when ``random_state`` is None (no global draw)."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    return int(check_random_state(random_state).randint(2**31 - 1))
