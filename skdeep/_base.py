"""The shared estimator: orchestrates the data path, holds no step itself.

validate input (sklearn's ``validate_data``) -> encode features (:mod:`._features`)
-> size the budget (:mod:`._budget`) -> encode target (:mod:`._targets`)
-> build network (:mod:`._network`) -> compile (:mod:`._compile`) -> train
(:mod:`._engine`) -> decode output (:mod:`._targets`).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data

from . import _budget, _compat, _compile, _engine, _model_state, _network, _ranges, _state, _transaction
from ._chunks import dense
from ._engine import _host
from ._features import FeatureEncoder, from_polars, non_numeric_error, reads_columns
from ._params import (
    DEFAULT_EMBEDDING, DEFAULT_ENSEMBLE, DEFAULT_FINISH, DEFAULT_HIDDEN, DEFAULT_OPTIMIZER,
    DEFAULT_LINEAR_SKIP, DEFAULT_PATIENCE, DEFAULT_REGRESSOR_DROPOUT,
    PARAMETER_CONSTRAINTS, ROUTE_PREFIXES, check_routed, check_values, is_routed, routed,
)
from ._splits import stratified_split


class BaseKerasEstimator(BaseEstimator):
    """Common base of :class:`KerasClassifier` and :class:`KerasRegressor`."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS
    _task_family: str = ""  # "classification" or "regression", set by subclasses

    def __init__(
        self,
        model=None,
        *,
        hidden_layer_sizes=DEFAULT_HIDDEN,
        activation="relu",
        dropout=DEFAULT_REGRESSOR_DROPOUT,
        l2=0.0,
        batch_normalization=False,
        optimizer=DEFAULT_OPTIMIZER,
        learning_rate="auto",
        learning_rate_schedule="cosine",
        loss=None,
        metrics=None,
        batch_size="auto",
        epochs="auto",
        validation_split="auto",
        early_stopping="auto",
        patience=DEFAULT_PATIENCE,
        finish_on_all_rows=DEFAULT_FINISH,
        callbacks=None,
        categorical_features="from_dtype",
        numeric_transform="robust",
        numeric_embedding=DEFAULT_EMBEDDING,
        n_ensemble=DEFAULT_ENSEMBLE,
        linear_skip=DEFAULT_LINEAR_SKIP,
        random_state=None,
        verbose=0,
        warm_start=False,
        engine="auto",
        distribution=None,
        on_divergence="raise",
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
        self.learning_rate_schedule = learning_rate_schedule
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.finish_on_all_rows = finish_on_all_rows
        self.callbacks = callbacks
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.numeric_embedding = numeric_embedding
        self.n_ensemble = n_ensemble
        self.linear_skip = linear_skip
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.engine = engine
        self.distribution = distribution
        self.on_divergence = on_divergence
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
        check_routed(self._routed_params())
        for name in self._routed_params():
            if not is_routed(name):
                raise ValueError(
                    f"Unknown parameter {name!r} for {type(self).__name__}. Routed parameters "
                    f"start with one of {[p + '__' for p in ROUTE_PREFIXES]}."
                )

    # -- input ---------------------------------------------------------------
    def _validate_X(self, X, y="no_validation", *, reset: bool):
        """Check ``X`` (and ``y``) as scikit-learn does; mixed-type frames keep their columns.

        Numeric arrays, numeric frames and sparse matrices go through ``validate_data``
        (NaN allowed: the network imputes it; infinities refused). A DataFrame with
        categorical, datetime or timedelta columns is only checked for its names and
        width here; the feature encoder reads its columns.
        """
        X = from_polars(X)  # read as pandas, its String and Categorical columns included
        if _host.streams(X, self.dtype):  # a memmap / Dask array over the host budget: read in chunks
            return _host.validate(self, X, y, reset=reset, y_numeric=self._task_family == "regression")
        with_y = not (isinstance(y, str) and y == "no_validation")
        y_kwargs = dict(multi_output=True, y_numeric=self._task_family == "regression")
        if reads_columns(X, self.categorical_features, None if reset else self.feature_encoder_):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if X.shape[0] == 0:
                raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
            if not with_y:
                return X, None
            y = _compat.check_y(y, **y_kwargs, estimator=self)
            check_consistent_length(X, y)
            return X, y
        # NaN is imputed by the built-in network; a user's model gets scikit-learn's refusal.
        kwargs = dict(reset=reset, dtype=self.dtype, accept_sparse="csr",
                      ensure_all_finite="allow-nan" if self.model is None else True)
        try:
            if not with_y:
                return validate_data(self, X, **kwargs), None
            return validate_data(self, X, y, **y_kwargs, **kwargs)
        except ValueError as exc:
            if "could not convert string to float" in str(exc):
                raise non_numeric_error(exc) from exc
            raise

    def _sample_weight(self, sample_weight, X, y) -> np.ndarray:
        sw = _compat.check_sample_weight(sample_weight, X, dtype=self.dtype, ensure_non_negative=True)
        sw = sw * self._class_sample_weight(y)
        total = float(sw.sum())
        if total <= 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        # Mean-one weights: their scale must not change the effective learning rate.
        return (sw * (len(sw) / total)).astype(self.dtype)

    def _class_sample_weight(self, y) -> np.ndarray:
        return np.ones(len(y))

    # -- the data path -------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
            Numeric, boolean and categorical (pandas ``category``, ``object`` or
            string) columns; missing values allowed.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights (normalised to mean one).

        Returns
        -------
        self
        """
        fitted = hasattr(self, "model_")
        return self._fit(X, y, sample_weight, reset=not (self.warm_start and fitted), epochs=None)

    @_transaction.all_or_nothing  # a fit that raises or is interrupted changes nothing
    @_state.keras_names_kept()  # flat memory over many fits; the user's next auto-names unchanged
    @_state.tensorflow_left_unloaded()  # on JAX or torch, Keras never imports TensorFlow for a fit
    def _fit(self, X, y, sample_weight, *, reset: bool, epochs: int | None, classes=None, stream: bool = False):
        self._check_params()
        X, y = self._validate_X(X, y, reset=reset)
        sw = self._sample_weight(sample_weight, X, y)
        if reset:
            # Build everything first, assign last: a failed refit keeps the fitted state.
            seed = _state.draw_seed(self.random_state)
            features = FeatureEncoder(self.categorical_features, self.numeric_transform, self.dtype).fit(X, sw)
            if self.model is not None and len(features.missing_):
                raise ValueError(
                    "X has missing values. The built-in network imputes them; with your own model, "
                    "impute them first (e.g. SimpleImputer in a Pipeline).")
            encoder = self._make_target_encoder().fit(y, **self._encoder_fit_kwargs(classes, sw))
            # partial_fit (stream=True) sees one chunk of data of unknown length: sized for large data.
            plain = self._resolve_budget(len(sw), features, ensemble=False)
            held_out = plain.early_stopping and plain.validation_split > 0 and not stream and self.model is None
            shape = _budget.auto_network(
                None if stream else len(sw), self.hidden_layer_sizes, self.numeric_embedding, self.dropout,
                regression=self._task_family == "regression",
                n_ensemble=self.n_ensemble, learning_rate=self.learning_rate, held_out=held_out)
            model = self._build(features, encoder, seed, shape, held_out)
            self._seed_, self.feature_encoder_, self.target_encoder_, self.model_ = seed, features, encoder, model
            for name, value in shape.items():  # hidden_layer_sizes_, ..., learning_rate_
                setattr(self, f"{name}_", value)
            self.history_, self.n_iter_ = {}, 0
        # Sized for every call (a warm-start fit may set other epochs or see other rows).
        # An ensemble of the built-in network takes the ensemble's batch (_budget.auto_batch_size);
        # a model saved before n_ensemble_ existed was one network.
        self.budget_ = self._resolve_budget(len(sw), self.feature_encoder_, ensemble=(
            getattr(self, "n_ensemble_", 1) > 1 and self.model is None))
        Xe = self._network_input(X)
        y_enc = self.target_encoder_.transform(y)  # floats in the network's dtype
        if epochs == 0:  # initialize(): built and compiled, not trained
            self._after_training(Xe, y, sw, full_fit=False)
            return self
        data = self._train_data(Xe, y_enc, sw, y)
        history = self._train(data, self.budget_.epochs if epochs is None else epochs)
        if epochs is None and data.validation is not None and self.budget_.early_stopping:
            # Early stopping chose the length on held-out rows; a short final phase trains on
            # them too, the rate decaying to zero (_budget.final_phase_epochs says why).
            extra = _budget.final_phase_epochs(self.finish_on_all_rows, history.get("val_loss", []))
            if extra:
                self._train(_engine.TrainData(Xe, y_enc, sw), extra, final_phase=True)
        self._after_training(Xe, y, sw, full_fit=epochs is None)
        return self

    def _after_training(self, Xe, y, sw, *, full_fit: bool) -> None:
        """Hook: what the trained network's outputs on its training rows decide (``full_fit``: a whole fit)."""

    def _resolve_budget(self, n_samples: int, features: FeatureEncoder, ensemble: bool) -> _budget.Budget:
        return _budget.resolve(n_samples, batch_size=self.batch_size, epochs=self.epochs,
                               early_stopping=self.early_stopping, validation_split=self.validation_split,
                               can_hold_out=not features.streamed_, patience=self.patience, ensemble=ensemble,
                               regression=self._task_family == "regression")

    def _train(self, data, epochs: int, final_phase: bool = False) -> dict:
        """Train ``epochs`` more epochs on ``data``; ``history_`` and ``n_iter_`` record them."""
        history = _engine.train(
            self.model_,
            data,
            loss=self.model_.loss,
            metrics=self._make_metrics(self.target_encoder_),
            epochs=epochs,
            initial_epoch=self.n_iter_,
            batch_size=self.budget_.batch_size,
            callbacks=self._callbacks(data, epochs, final_phase),
            verbose=self.verbose,
            seed=self._seed_,
            engine=self.engine,
            fit_kwargs=routed(self.get_params(deep=False), "fit"),
            on_divergence=self.on_divergence,
            distribution=self.distribution,
        )
        for key, values in history.items():
            self.history_.setdefault(key, []).extend(values)
        self.n_iter_ += len(history.get("loss", []))
        return history

    def _encoder_fit_kwargs(self, classes, sample_weight) -> dict:
        return {}

    def _build(self, features: FeatureEncoder, enc, seed: int, shape: dict, held_out: bool):
        params = {**self.get_params(deep=False), **shape}  # "auto" sizes resolved for this data
        n_features = len(features.numeric_) + len(features.categorical_)
        meta = {
            "n_features_in": n_features, "n_outputs": enc.n_outputs_, "task": enc.task_,
            "output_activation": _network.OUTPUT_ACTIVATION[enc.task_],
            "n_classes": len(getattr(enc, "classes_", [])) or None,
            "classes": getattr(enc, "classes_", None),
            "categorical_features": features.categorical_.tolist(),
            "n_categories": features.n_categories_,
            **{k: params[k] for k in _MLP_PARAMS},
        }
        mlp = {k: meta[k] for k in _MLP_PARAMS}
        if self.model is None:
            scale = _budget.frequency_scale(self._task_family == "regression", shape["n_ensemble"], held_out)
            mlp.update(features=features, frequency_scale=scale)
        # Always seeded (from fresh entropy when random_state is None) so Keras's
        # default seeds never advance the caller's Python RNG.
        with _state.seeded(seed):
            network = _network.make_network(self.model, meta, mlp, routed(params, "model"))
        user = _compile.user_compilation(network)
        if user is not None:
            _compile.check_compile_params_unset(self.get_params(deep=False), user)
        self._adapt_encoder(network, enc, user["loss"] if user else self.loss)
        _network.check_network(network, n_features, enc.n_outputs_)
        task = _head_task(enc)
        if user is not None:
            # The user's compilation is kept: same optimizer settings (a fresh copy, so the
            # caller's object is never trained), loss and metrics, resolved as skdeep's own.
            loss, metrics, loss_params = user["loss"], user["metrics"], {}
            optimizer = _compile.make_optimizer(user["optimizer"], None, {})
            compile_kwargs = user["compile"]
        else:
            one_hot = getattr(enc, "one_hot_", False)
            loss = self.loss if self.loss is not None or not one_hot else "categorical_crossentropy"
            loss_params = {**self._default_loss_params(enc, loss), **routed(params, "loss")}
            metrics = self.metrics
            optimizer = _compile.make_optimizer(self.optimizer, params["learning_rate"], routed(params, "optimizer"))
            compile_kwargs = routed(params, "compile")
        self._compiled_metrics = metrics
        return _compile.compile_network(
            network,
            optimizer=optimizer,
            loss=loss if isinstance(loss, (list, tuple, dict)) else _compile.make_loss(
                loss, task, loss_params, self.dtype),
            metrics=self._make_metrics(enc),
            **compile_kwargs,
        )

    def _default_loss_params(self, enc, loss) -> dict:
        """Hook: constructor arguments of the loss that the estimator's own parameters set."""
        return {}

    def _make_metrics(self, enc) -> list:
        task = _head_task(enc)
        n_classes = len(enc.classes_) if task == "multiclass" else None
        metrics = getattr(self, "_compiled_metrics", self.metrics)
        return _compile.make_metrics(metrics, task, getattr(enc, "one_hot_", False), n_classes)

    def _adapt_encoder(self, network, enc, loss) -> None:
        """Hook: let the target encoding follow the user's output layer."""

    def _train_data(self, X, y_enc, sw, y) -> _engine.TrainData:
        split = self.budget_.validation_split
        if not split:
            return _engine.TrainData(X, y_enc, sw)
        stratify = y if self._task_family == "classification" and np.ndim(y) == 1 else None
        tr, va = stratified_split(np.arange(len(sw)), test_size=split, random_state=self._seed_ % (2**31),
                                  stratify=stratify)
        return _engine.TrainData(X[tr], y_enc[tr], sw[tr], (dense(X[va]), y_enc[va], sw[va]))

    def _callbacks(self, data, epochs: int, final_phase: bool = False) -> list:
        callbacks = list(self.callbacks or [])
        if final_phase:  # no rows held out: a callback watching a val_ metric could only warn
            callbacks = [cb for cb in callbacks if not str(getattr(cb, "monitor", "")).startswith("val_")]
        elif self.budget_.early_stopping:
            monitor = "val_loss" if data.validation is not None else "loss"
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=monitor, patience=self.budget_.patience, restore_best_weights=True))
        if self.learning_rate_schedule == "cosine" and epochs > 1 and not _budget.rate_set_elsewhere(
                self.model_.optimizer, callbacks):
            lr = float(self.model_.optimizer.learning_rate.numpy())
            callbacks.append(_budget.CosineSchedule(lr, self.n_iter_, epochs))
        for cb in callbacks:
            if hasattr(cb, "set_skdeep_data"):
                cb.set_skdeep_data(train=(data.x, data.y), validation=data.validation[:2] if data.validation else None)
        return callbacks

    @_state.keras_names_kept()  # a first predict traces a forward function
    @_state.tensorflow_left_unloaded()
    def _network_outputs(self, X) -> np.ndarray:
        Xe = self._encoded(X)  # checks fitted first
        return _engine.predict(self.model_, Xe)

    def _encoded(self, X):
        """``X`` checked against the fit and encoded for the network (checks fitted first)."""
        check_is_fitted(self)
        X, _ = self._validate_X(X, reset=False)
        return self._network_input(X)

    def _network_input(self, X):
        """The encoded ``X`` in the network's dtype, checked as the network will read it.

        The same checks at fit and predict, naming the column: values the dtype cannot
        hold or (where the network does not clip its input) too large to train on, and
        NaN in a sparse matrix, which the network cannot impute (it reads sparse rows as
        they are).
        """
        features = self.feature_encoder_
        Xe = features.transform(X)  # in the network's dtype, converted once (or not at all)
        names = getattr(self, "feature_names_in_", None)
        if sp.issparse(Xe) and np.isnan(Xe.data).any():
            csr = Xe.tocsr()
            j = int(csr.indices[np.flatnonzero(np.isnan(csr.data))[0]])
            raise ValueError(
                f"Input X contains NaN in column {j} of a sparse matrix. The built-in network imputes NaN "
                "only in dense input: impute it first (e.g. SimpleImputer) or pass a dense array.")
        own = self.model is None  # the built-in network scales its input; a user's model reads it raw
        center = np.zeros(Xe.shape[1])
        scale = np.ones_like(center)
        if own and features.numeric_transform is not None and not (features.sparse_ or features.streamed_):
            center[features.numeric_], scale[features.numeric_] = features.center_, features.scale_
        _ranges.check_input_range(Xe, center, scale, clipped=own and features.numeric_transform == "robust",
                                    names=names)
        return Xe

    def __getstate__(self):
        state = _model_state.stamp(super().__getstate__())  # warn on load by another version
        if isinstance(state.get("model_"), keras.Model):
            # Keras's pickle keeps the weights but neither the dropout RNG's seed nor its
            # state: keep every non-trainable variable, so training resumes identically.
            state["_non_trainable_state"] = _model_state.non_trainable_values(self.model_)
        return state

    def __setstate__(self, state):
        values = state.pop("_non_trainable_state", None)
        super().__setstate__(_model_state.check_stamp(type(self).__name__, state))
        if values is not None and isinstance(getattr(self, "model_", None), keras.Model):
            _model_state.assign_values(self.model_.non_trainable_variables, values)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = self.model is None  # the built-in network imputes; a user model may not
        tags.input_tags.categorical = True
        tags.target_tags.multi_output = True
        return tags


def _head_task(enc) -> str:
    """The task as the output layer sees it: a binary target on two units is a 2-class softmax."""
    return "multiclass" if enc.task_ == "binary" and enc.n_outputs_ == 2 else enc.task_


_MLP_PARAMS = ("hidden_layer_sizes", "activation", "dropout", "l2", "batch_normalization", "numeric_embedding",
               "n_ensemble", "linear_skip", "dtype")
