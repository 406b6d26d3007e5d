"""The contract between the compiled engine and a backend: :class:`Trainer`.

A backend (``_tensorflow.TFTrainer``, ``_jax.JaxTrainer``, ``_torch.TorchTrainer``) subclasses
:class:`Trainer` and provides every abstract method below; it depends on this
module and nothing here depends back. The engine (``_compiled`` / ``_loop``)
talks to a trainer through these methods only:

========================  =======================================================
``load(model)``           copy ``model``'s weights and optimizer state in
``put(x, y, sw, rows)``   copy training arrays to the device (opaque handles)
``set_learning_rate(v)``  a callback changed the rate on ``model``: follow it
``begin_epoch(seed, e)``  before epoch ``e``'s steps (optional; torch seeds dropout)
``train_epoch(parts, n)`` one epoch over ``(device arrays, row order)`` parts
``weights()``             ``(trainable, non_trainable)`` current values
``weights_finite()``      whether they are all finite (optional; on the host by default)
``store(model)``          copy the trained weights and optimizer state back
``forward_function(t)``   (static) compiled ``(tv, ntv, x) -> (outputs, reg)``
``own_forward(model)``    (static) a compiled ``x -> outputs`` reading ``model``
========================  =======================================================

A backend counts each trace of its compiled functions in :attr:`Trainer.traces`
(``"epoch"``, ``"tail"``), so tests can hold it to one compilation per
configuration.

A trainer owns a private copy of the architecture (its *template*), a fresh
optimizer of the same configuration and fresh metrics, and compiles its epoch
function once; fits of the same configuration share it through
:mod:`._cache`. It is used by one fit at a time: :attr:`Trainer.lock` is held
for the whole fit.
"""

from __future__ import annotations

import abc
import collections
import threading
from typing import Callable

import keras
import numpy as np

from .. import _compat
from .._chunks import row_slices
from .._state import seeded
from ._guard import all_finite


def template(model: keras.Model) -> keras.Model:
    """A private copy of the architecture (the model itself if it cannot be cloned)."""
    try:
        with seeded(0):  # its initial weights are never used; leave Python's RNG alone
            return keras.models.clone_model(model)
    except Exception:  # subclassed models without a usable get_config
        return model


def bucket(n: int, batch_size: int) -> int:
    """``n`` rows rounded up to whole batches, at least 256 rows: CV folds of slightly
    different sizes share one compilation where a backend compiles per shape."""
    step = batch_size * max(1, 256 // batch_size)
    return max(step, -(-n // step) * step)


def pad(a: np.ndarray, rows: int) -> np.ndarray:
    """``a`` with zero rows appended up to ``rows`` (never read: batches index real rows only)."""
    if len(a) == rows:
        return a
    return np.concatenate([a, np.zeros((rows - len(a),) + a.shape[1:], a.dtype)])


def copy_metric_state(dst: list, src: list) -> None:
    """Give ``dst`` (metrics made from ``src``'s configs) ``src``'s state: what is not config,
    e.g. the target units of :class:`skdeep.metrics.InTargetUnits`."""
    for mine, given in zip(dst, src, strict=True):
        for d, s in zip(mine.variables, given.variables, strict=True):
            d.assign(s.value)


def plain_adam_slots(optimizer, variables) -> dict | None:
    """The slots of an Adam(W) update of ``variables`` that is only Adam's arithmetic (and
    decoupled weight decay), for a backend's fused update; None where Keras's ``apply`` does
    more: clipping, EMA, gradient accumulation, loss scaling, AMSGrad, constraints, a
    learning-rate schedule, variables it was not built for, or not float32.

    The caller checks the optimizer's class: a subclass may change the update.
    See :func:`skdeep._compat.keras_adam_slots` for what the slots are.
    """
    opt = optimizer
    if (opt.clipnorm or opt.clipvalue or opt.global_clipnorm or opt.use_ema or opt.amsgrad
            or getattr(opt, "gradient_accumulation_steps", None) or getattr(opt, "loss_scale_factor", None) is not None):
        return None
    if any(v.constraint is not None or getattr(v, "overwrite_with_gradient", False) for v in variables):
        return None
    slots = _compat.keras_adam_slots(opt, variables)
    if not isinstance(slots["learning_rate"], keras.Variable):
        return None  # schedules and callables: Keras's path
    if [id(v) for v in variables] != [id(v) for v in slots["trainable"]]:
        return None
    if any(v.dtype != "float32" for v in variables):
        return None
    return slots


class Trainer(abc.ABC):
    """A backend's compiled training for one configuration (architecture, loss, metrics, batch size).

    Parameters
    ----------
    model : keras.Model
        A compiled model with a built optimizer; only its configuration is used.
    loss : callable
        ``loss(y_true, y_pred, sample_weight=...)``, the compiled loss.
    metrics : list of keras.metrics.Metric
        Recreated from their configs; their state is copied in per fit.
    batch_size : int
    """

    def __init__(self, model, loss, metrics, batch_size: int):
        self.lock = threading.Lock()
        self.model = template(model)
        self.optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        self.optimizer.build(self.model.trainable_variables)
        self.loss = loss
        self.metrics = [type(m).from_config(m.get_config()) for m in metrics]
        self.batch_size = batch_size
        # Traces of each compiled function, counted by the backends where their Python
        # body runs (only while tracing): a search must compile its epoch once.
        self.traces: collections.Counter = collections.Counter()

    # -- state ---------------------------------------------------------------
    @abc.abstractmethod
    def load(self, model: keras.Model) -> None:
        """Take ``model``'s weights and optimizer state (same structure as the template) as the starting point."""

    @abc.abstractmethod
    def store(self, model: keras.Model) -> None:
        """Write the current weights and optimizer state into ``model``'s variables."""

    @abc.abstractmethod
    def set_learning_rate(self, value: float) -> None:
        """Use ``value`` as the learning rate from the next step on."""

    @abc.abstractmethod
    def weights(self) -> tuple[list, list]:
        """The current ``(trainable, non_trainable)`` values, as ``forward_function`` takes them."""

    def weights_finite(self) -> bool:
        """Whether every current weight is finite (the divergence guard asks after each epoch).

        On the host here; a backend may answer in one compiled call.
        """
        return all_finite(v for vs in self.weights() for v in vs)

    # -- training ------------------------------------------------------------
    def begin_epoch(self, seed: int, epoch: int) -> None:
        """Called before ``epoch``'s steps; a backend whose random draws are process-wide seeds them here."""

    @abc.abstractmethod
    def put(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, rows: int | None = None) -> tuple:
        """Device copies of ``(x, y, sample_weight)``; ``rows``: pad to at least that many (chunks share a shape)."""

    @abc.abstractmethod
    def train_epoch(self, parts, n: int) -> dict[str, float]:
        """Train on ``parts``, pairs of ``(put(...) result, row order)``, ``n`` rows in all.

        Batches of ``batch_size`` rows are taken along each part's row order; the
        last batch may be short. Returns ``{"loss": mean loss per row, metric: value}``.
        """

    # -- inference -----------------------------------------------------------
    @staticmethod
    @abc.abstractmethod
    def forward_function(template: keras.Model) -> Callable:
        """A compiled ``(trainable, non_trainable, x) -> (outputs as numpy, regularization)``, inference mode."""

    @staticmethod
    @abc.abstractmethod
    def own_forward(model: keras.Model) -> Callable | None:
        """A compiled ``x -> outputs`` bound to ``model``'s variables, or None where the shared one is as cheap."""

    # -- shared --------------------------------------------------------------
    def learning_rate_index(self) -> int:
        """Position of the learning-rate variable in ``optimizer.variables`` (Keras names it so)."""
        for i, v in enumerate(self.optimizer.variables):
            if v.path.endswith("learning_rate"):
                return i
        raise LookupError("the optimizer has no learning-rate variable")

    def evaluate(self, forward: Callable, x, y, sample_weight) -> dict[str, float]:
        """Loss (with regularization) and metrics on held-out data, inference mode.

        ``forward`` is this architecture's ``forward_function``. In chunks, so a
        large validation set never sits on the device whole; the loss is the
        row-weighted mean of the chunks' losses.
        """
        weights = self.weights()
        for m in self.metrics:
            m.reset_state()
        loss, reg = 0.0, 0.0
        for rows in row_slices(len(x)):
            yc = y[rows]
            outputs, reg = forward(*weights, x[rows])
            loss += float(self.loss(yc, outputs, sample_weight=sample_weight[rows])) * len(yc)
            for m in self.metrics:
                m.update_state(yc, outputs)  # unweighted, as keras.Model.evaluate
        logs = {"loss": loss / len(x) + reg}
        logs.update({m.name: float(np.mean(keras.ops.convert_to_numpy(m.result()))) for m in self.metrics})
        return logs
