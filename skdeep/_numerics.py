"""Numerical safety: features in range, metrics in target units, divergence stops training.

Regression networks learn standardized targets (``(y - mean_) / scale_``, see
:class:`skdeep._targets.RegressorTargetEncoder`), so the loss and its
gradients are of order one whatever the target's scale or offset. The metrics
recorded in ``history_`` are wrapped in :class:`InTargetUnits` so they read in
the target's own units. After every epoch :func:`check_finite` stops training
with a clear error when the loss or a weight is no longer finite
(or, with ``on_divergence="warn"``, keeps the best finite epoch's state; :class:`FiniteGuard`).
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
from keras import ops
from sklearn.exceptions import ConvergenceWarning

from ._model_state import state_variables

# Metrics of the difference y_pred - y_true only: the target's offset cancels, so
# they are computed on scaled standardized values, which keeps every digit in float32.
_OFFSET_FREE = (
    keras.metrics.MeanAbsoluteError, keras.metrics.MeanSquaredError,
    keras.metrics.RootMeanSquaredError, keras.metrics.LogCoshError,
)


def feature_limit(dtype) -> float:
    """The largest ``|X|`` a network computing in ``dtype`` is trained on.

    Squares of activations overflow near ``sqrt(finfo.max)`` (1.8e19 in
    float32); a margin of 1e4 leaves room for the weights and the sums of a layer.
    """
    return float(np.sqrt(np.finfo(dtype).max)) / 1e4


def check_input_range(X, center=None, scale=None, *, clipped: bool, names=None) -> None:
    """Refuse values the network cannot represent, naming the column; the same at fit and predict.

    ``X`` is the network's input in its dtype. A value finite in float64 but beyond
    the dtype's range became infinite in the cast: refused as an infinity is. Where
    the network does not clip its input (``clipped=False``: no scaling, standard
    scaling, or the user's own model), columns whose scaled values ``(x - center) /
    scale`` exceed :func:`feature_limit` are refused too: their squares would overflow
    in the first layers. (The built-in robust scaling clips smoothly at 3, so any
    finite value is safe there.)
    """
    if not isinstance(X, np.ndarray) or X.size == 0 or X.dtype.kind != "f":
        return

    def column(j) -> str:
        return repr(names[j]) if names is not None else str(j)

    infinite = np.isinf(X).any(axis=0)
    if infinite.any():
        raise ValueError(
            f"Input X contains infinity or a value too large for {X.dtype} in column "
            f"{column(np.flatnonzero(infinite)[0])}.")
    if clipped:
        return
    limit = feature_limit(X.dtype)
    center = np.zeros(X.shape[1]) if center is None else np.asarray(center, dtype="float64")
    scale = np.ones(X.shape[1]) if scale is None else np.asarray(scale, dtype="float64")
    largest = np.nanmax(np.abs((X.astype("float64") - center) / scale), axis=0, initial=0.0)
    if (largest > limit).any():
        j = int(np.argmax(largest))
        raise ValueError(
            f"X has values as large as {largest[j]:.1e} (after the network's scaling) in column {column(j)}, "
            f"beyond what {X.dtype} training handles (up to {limit:.1e}). Scale the features first, e.g. "
            "with StandardScaler in a Pipeline, use numeric_transform='robust', or dtype='float64'."
        )


def divergence(epoch: int, logs: dict, variables) -> str | None:
    """Why training has diverged after ``epoch`` (a sentence), or None while all is finite."""
    loss = logs.get("loss")
    if loss is not None and not np.isfinite(loss):
        what = f"the loss is {loss}"
    elif variables and not all(
            # On the host: no backend ops to trace or cache (zero-copy for CPU arrays).
            np.isfinite(ops.convert_to_numpy(v.value if isinstance(v, keras.Variable) else v)).all()
            for v in variables):
        what = "the network has non-finite weights"
    else:
        return None
    return f"Training diverged at epoch {epoch + 1}: {what}"


_ADVICE = "Standardize the features (e.g. StandardScaler in a Pipeline) or lower learning_rate."


def check_finite(epoch: int, logs: dict, variables) -> None:
    """Stop training, with a clear error, once the loss or a weight is not finite."""
    reason = divergence(epoch, logs, variables)
    if reason:
        raise _diverged(reason)


def _diverged(reason: str) -> ValueError:
    return ValueError(f"{reason}. The model would predict NaN. {_ADVICE}")


class FiniteGuard(keras.callbacks.Callback):
    """Divergence after an epoch: raise (``on_divergence="raise"``) or keep the best finite state.

    With ``"warn"``, the weights and optimizer state of the best finite epoch so
    far (lowest ``val_loss``, or ``loss`` without validation) are kept on the
    host; when an epoch diverges, training stops, a ``ConvergenceWarning`` says
    so and that state is restored at the end of training (after any
    ``EarlyStopping`` restore, so the optimizer's moments match the weights).
    A fit whose first epoch diverges has no finite state to keep and raises.
    """

    def __init__(self, on_divergence: str = "raise"):
        super().__init__()
        self.on_divergence = on_divergence

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.state, self.diverged = np.inf, None, None, None

    def _variables(self) -> list:
        return state_variables(self.model)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        reason = divergence(epoch, logs, self.model.variables)
        if reason is None:
            if self.on_divergence == "warn":
                score = logs.get("val_loss", logs.get("loss"))
                if score is not None and np.isfinite(score) and score < self.best:
                    self.best, self.best_epoch = float(score), epoch
                    self.state = [np.array(ops.convert_to_numpy(v.value)) for v in self._variables()]
            return
        if self.on_divergence == "raise" or self.state is None:
            raise _diverged(reason)
        self.diverged = reason
        self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.diverged is None:
            return
        for variable, value in zip(self._variables(), self.state, strict=True):
            variable.assign(value)
        warnings.warn(
            f"{self.diverged}. Training stopped; the network keeps the weights of epoch "
            f"{self.best_epoch + 1} (loss {self.best:.4g}), the best finite epoch. {_ADVICE}",
            ConvergenceWarning, stacklevel=2)


@keras.saving.register_keras_serializable(package="skdeep")
class InTargetUnits(keras.metrics.Metric):
    """A regression metric read in target units while the network outputs standardized ones.

    Offset-free metrics (MAE, MSE, RMSE, log-cosh) see standardized values times
    ``scale``, so no digit is lost to a large offset in float32; ``R2Score``
    depends on neither scale nor offset and sees the standardized values; any
    other metric sees ``y * scale + mean``. The units are metric state (kept by
    ``reset_state``), not config, so fits on data of another scale share a
    compiled trainer.

    Examples
    --------
    >>> m = InTargetUnits(keras.metrics.MeanAbsoluteError(name="mae"), mean=[1e9], scale=[1e6])
    >>> m.update_state([[0.0]], [[0.5]])
    >>> float(m.result())
    500000.0
    """

    def __init__(self, metric, n_outputs=1, name=None, dtype=None, *, mean=None, scale=None):
        if isinstance(metric, dict):
            metric = keras.saving.deserialize_keras_object(metric)
        super().__init__(name=name or metric.name, dtype=dtype or metric.dtype)
        self.metric = metric
        self.n_outputs = int(n_outputs if mean is None else np.size(mean))
        shape, unit_dtype = (self.n_outputs,), metric.dtype
        self.shift = self.add_variable(shape=shape, initializer="zeros", dtype=unit_dtype, name="shift")
        self.factor = self.add_variable(shape=shape, initializer="ones", dtype=unit_dtype, name="factor")
        # Metrics that create their state on the first update (R2Score) get it now: a
        # stateless (JAX) epoch needs every variable before it starts.
        zeros = np.zeros((1, self.n_outputs), dtype=unit_dtype)
        metric.update_state(zeros, zeros)
        metric.reset_state()
        if mean is not None:
            self.set_units(mean, scale)

    def set_units(self, mean, scale) -> None:
        """Read the metric in the units of a target with these column means and scales."""
        if isinstance(self.metric, keras.metrics.R2Score):
            return
        self.factor.assign(np.ravel(scale).astype(self.factor.dtype))
        if not isinstance(self.metric, _OFFSET_FREE):
            self.shift.assign(np.ravel(mean).astype(self.shift.dtype))

    def _to_target_units(self, y):
        y = ops.cast(y, self.factor.dtype)
        return y * self.factor + self.shift

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self.metric.update_state(
            self._to_target_units(y_true), self._to_target_units(y_pred), sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()  # the units stay

    def get_config(self):
        return {"metric": keras.saving.serialize_keras_object(self.metric),
                "n_outputs": self.n_outputs, "name": self.name, "dtype": self.dtype}
