"""The divergence guard: training stops with a clear error once the loss or a weight is not finite.

After every epoch :func:`check_finite` (the compiled engine's loop) or
:class:`FiniteGuard` (a callback, for ``keras.Model.fit``; with
``on_divergence="warn"`` it keeps the best finite epoch's state instead)
looks at the epoch's loss and the network's variables.
"""

from __future__ import annotations

import warnings
from typing import Callable

import keras
import numpy as np
from keras import ops
from sklearn.exceptions import ConvergenceWarning

from .._model_state import state_variables


def all_finite(variables) -> bool:
    """Whether every floating value in ``variables`` (Keras variables or backend arrays) is finite.

    On the host: no backend ops to trace or cache (zero-copy for CPU arrays).
    """
    for v in variables:
        a = np.asarray(ops.convert_to_numpy(v.value if isinstance(v, keras.Variable) else v))
        if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
            return False
    return True


def divergence(epoch: int, logs: dict, weights_finite: Callable[[], bool]) -> str | None:
    """Why training has diverged after ``epoch`` (a sentence), or None while all is finite.

    ``weights_finite()`` says whether the network's variables are finite; it is only
    asked while the loss is.
    """
    loss = logs.get("loss")
    if loss is not None and not np.isfinite(loss):
        what = f"the loss is {loss}"
    elif not weights_finite():
        what = "the network has non-finite weights"
    else:
        return None
    return f"Training diverged at epoch {epoch + 1}: {what}"


_ADVICE = "Standardize the features (e.g. StandardScaler in a Pipeline) or lower learning_rate."


def check_finite(epoch: int, logs: dict, weights_finite: Callable[[], bool]) -> None:
    """Stop training, with a clear error, once the loss or a weight is not finite."""
    reason = divergence(epoch, logs, weights_finite)
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
    A call that continues a trained network (``initial_epoch`` > 0: a warm start, the
    final phase after early stopping) keeps the state it started from until an epoch
    does better; a fresh network whose first epoch diverges has no finite state to keep
    and raises.
    """

    def __init__(self, on_divergence: str = "raise", initial_epoch: int = 0):
        super().__init__()
        self.on_divergence, self.initial_epoch = on_divergence, initial_epoch

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.state, self.diverged = np.inf, None, None, None
        if self.on_divergence == "warn" and self.initial_epoch > 0:
            self.best_epoch = self.initial_epoch - 1  # the epoch the network was left at
            self.state = self._snapshot()

    def _variables(self) -> list:
        return state_variables(self.model)

    def _snapshot(self) -> list:
        return [np.array(ops.convert_to_numpy(v.value)) for v in self._variables()]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        reason = divergence(epoch, logs, lambda: all_finite(self.model.variables))
        if reason is None:
            if self.on_divergence == "warn":
                score = logs.get("val_loss", logs.get("loss"))
                if score is not None and np.isfinite(score) and score < self.best:
                    self.best, self.best_epoch = float(score), epoch
                    self.state = self._snapshot()
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
        kept = (f"epoch {self.best_epoch + 1} (loss {self.best:.4g}), the best finite epoch"
                if np.isfinite(self.best) else f"epoch {self.best_epoch + 1}, where this call started")
        warnings.warn(f"{self.diverged}. Training stopped; the network keeps the weights of {kept}. {_ADVICE}",
                      ConvergenceWarning, stacklevel=2)
