"""KerasRegressor: a Keras network behind scikit-learn's regressor API."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseKerasEstimator
from .metrics import InTargetUnits
from ._targets import RegressorTargetEncoder


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    """A deep network regressor (Keras 3) with the scikit-learn API.

    Single- and multi-output targets. The network (built-in or your own) learns
    standardized targets, ``(y - mean_) / scale_`` per column with the mean and
    standard deviation seen at the first fit, so neither the target's scale nor
    its offset matters in float32; :meth:`predict` returns the target's own units
    (float64). ``history_["loss"]`` is in standardized units; the metrics in
    ``history_`` (``"mae"``, ``"rmse"``, ``"r2"``...) are in target units.

    Parameters
    ----------
    model, hidden_layer_sizes, activation, l2, batch_normalization, \
optimizer, learning_rate_schedule, metrics, batch_size, epochs, \
validation_split, early_stopping, callbacks, categorical_features, \
numeric_transform, linear_skip, random_state, verbose, \
warm_start, engine, distribution, on_divergence, dtype
        As in :class:`KerasClassifier`. Metrics such as ``"mae"``, ``"mse"``,
        ``"rmse"`` and ``"r2"`` are recorded per epoch.
    learning_rate : float, "auto" or None, default="auto"
        As in :class:`KerasClassifier`: "auto" is 0.002 for an ensemble (see ``n_ensemble``),
        else 0.001 (``learning_rate_`` says which).
    n_ensemble : int or "auto", default="auto"
        As in :class:`KerasClassifier`: "auto" is 4 members where early stopping runs on
        held-out rows (from 500 rows by default), else 1. Here an ensemble of the built-in
        network keeps the single network's width (``(256, 256)``), takes rate 0.002 and
        batches of about a tenth of the training rows (128 to 512), and its periodic
        embedding starts from higher frequencies (spread 0.5 instead of 0.1). On the
        selection data sets of ``benchmarks/TABULAR.md``, against one network at patience
        16 (the previous default), it scored +0.0073 R² (8 of 8 cases) at 0.66x its median
        fit time with the default ``patience=8``, and +0.0090 at 1.05x with patience 16.
        ``n_ensemble=1`` is the single network.
    numeric_embedding : {"periodic", "periodic+scaled", "auto"} or None, default="auto"
        As in :class:`KerasClassifier`, where "auto" passes the scaled values on beside
        their embeddings: in regression that scored no higher on the selection data
        sets (3 of 8 cases better at full size and at 1,000 rows). "auto": "periodic"
        from 500 training rows, none below (``numeric_embedding_`` says which).
    dropout : float or "auto", default="auto"
        As in :class:`KerasClassifier`, where it is 0.1 by default. "auto": none
        from 500 training rows (where early stopping runs by default: on the
        selection data sets regression scored higher without dropout there, and
        trained faster), 0.1 below (``dropout_`` says which).
    patience : int or "auto", default=8
        As in :class:`KerasClassifier`. With the default ensemble (``n_ensemble``) 8 scored
        -0.0017 R² against 16 on the selection data sets (still +0.0073 over one network
        with 16, in 8 of 8 cases) at about two thirds of the time. One network stopped too
        early with 8 (concrete -0.007 and -0.012 R² at 2,000 rows): with ``n_ensemble=1``
        or your own ``model``, 16 may score higher. "auto" waits about 192 gradient steps
        (8 to 16 epochs; ``budget_.patience``).
    loss : str, keras.losses.Loss, callable or None, default=None
        None is mean squared error; e.g. ``"mean_absolute_error"`` or ``"huber"``.
    finish_on_all_rows : float, default=0.25
        As in :class:`KerasClassifier`, where it is off by default: after early
        stopping, a quarter of the best epoch count more on every row.
    **routed_params
        ``optimizer__*``, ``loss__*``, ``model__*``, ``fit__*``, ``compile__*``.

    Attributes
    ----------
    model_ : keras.Model
        The trained, compiled network; outputs standardized predictions
        (``target_encoder_.inverse_transform`` maps them to target units).
    history_ : dict of list
    n_iter_ : int
    n_outputs_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    target_encoder_ : RegressorTargetEncoder
    feature_encoder_ : FeatureEncoder
    budget_ : Budget
    hidden_layer_sizes_ : int or tuple of int
    numeric_embedding_ : str or None
    dropout_ : float
        The dropout rate used (``"auto"`` resolved).
    n_ensemble_ : int
    learning_rate_ : float or None

    See Also
    --------
    KerasClassifier : the classification counterpart.
    sklearn.neural_network.MLPRegressor : scikit-learn's own network.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skdeep import KerasRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = KerasRegressor(hidden_layer_sizes=(16,), epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _task_family = "regression"

    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch, keeping the weights and optimizer state of earlier calls."""
        return self._fit(X, y, sample_weight, reset=not hasattr(self, "model_"), epochs=1, stream=True)

    def initialize(self, X, y):
        """Build and compile the network for ``(X, y)`` without training it."""
        return self._fit(X, y, None, reset=True, epochs=0)

    def _make_target_encoder(self):
        return RegressorTargetEncoder(dtype=self.dtype)

    def _encoder_fit_kwargs(self, classes, sample_weight) -> dict:
        return {"sample_weight": sample_weight}

    def _make_metrics(self, enc) -> list:
        # The network learns standardized targets; history_ reads in target units.
        return [InTargetUnits(m, mean=enc.mean_, scale=enc.scale_) for m in super()._make_metrics(enc)]

    @property
    def n_outputs_(self) -> int:
        return self.target_encoder_.n_outputs_

    def predict(self, X) -> np.ndarray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs), float64."""
        outputs = self._network_outputs(X)
        return self.target_encoder_.inverse_transform(outputs)
