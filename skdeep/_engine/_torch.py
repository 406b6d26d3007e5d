"""PyTorch trainer: the data resident on the device, one eager step per batch.

PyTorch has no graph for a whole epoch, so this trainer runs the same step as
``keras.Model.fit`` on torch (forward in training mode, loss, gradients,
the optimizer's update) in a plain loop, and leaves out what ``fit`` adds
around it: a data adapter that slices and converts every batch from NumPy,
the loss tracker and metric bookkeeping of each step, batch callbacks and a
host round trip per step. Rows are gathered on the device by index, the loss
sum stays on the device until the epoch ends, and the steps update the
template's variables in place (Keras's optimizers on torch are stateful, as
on TensorFlow).

The step itself is :mod:`._torch_fast`'s: the torch ops that Keras's layers,
loss and optimizer issue, without Keras's per-call overhead (``Layer.__call__``
~200 us a layer, ``keras.ops`` ~25 us an op, ``Variable.value`` ~13 us a read,
``optimizer.apply`` ~0.7 ms). Its forward pass and loss are **bitwise identical**
to the step through Keras (:meth:`TorchTrainer._keras_step`, ``keras.Model.fit``'s
``train_step``): the same ops on the same tensors in the same order, the same
draws from torch's global generator for dropout. Its Adam(W) update on the CPU is
torch's fused kernel, one call instead of ~17 (``_torch_fast.FUSED``): Keras's
update up to rounding, not bit for bit; with ``FUSED = False`` it issues Keras's
own ``_foreach`` ops and the whole step is bitwise Keras's. tests/test_engine.py
(``test_torch_fast_step_is_keras_step``) holds both: exact equality of losses,
weights and optimizer slots without the kernel; with it, the first update within
1e-6 (Keras rounds its bias correction in float32), seven steps' losses within
rtol 1e-5 and weights within 1e-5. What it does not cover (other layers, losses, optimizers,
clipping, EMA, ...) goes through Keras, part by part (see :mod:`._torch_fast`).
Against ``keras.Model.fit`` itself results stay within the engine tests' rtol
1e-4 (the epoch loss is summed in float64 here, Keras's tracker differs in
rounding), except a bias that batch normalization cancels in a network of your
own (skdeep's builds none): its gradient is rounding noise, which Adam scales to
full steps, so it differs between any two updates that round differently (it
changes no output).

Measured (``benchmarks/torch_step.py``: 50-64-32-1 network, batch 32, Adam,
binary cross-entropy, one thread, 2-core CPU, quiet): the step through Keras
1.45 ms, this step 0.28 ms (0.40 ms with Keras's ``_foreach`` update instead of
the fused kernel), a plain ``torch.nn`` + ``torch.optim.Adam`` step (skorch's
step without skorch's own overhead) 0.43 ms. ``bench_torch.py --cases big_fit``
(100,000 x 50, 20 epochs, 62,500 steps): skdeep 20.4 s (28.5 s with the
``_foreach`` update), skorch 48.8 s.

Compilation was measured and is not used: ``torch.compile`` of the forward
pass and loss (inductor) takes 35 s to compile and still cost 2.5 ms a step
with Keras's layers (``aot_eager``: 4.2 ms).
"""

from __future__ import annotations

import contextlib
import threading
import weakref

import keras
import numpy as np
import torch

from .._model_state import state_variables
from ._torch_fast import fast_step
from ._trainer import Trainer


_global_rng_lock = threading.RLock()
# Batches whose rows are gathered at once in train_epoch: one gather (not one per batch) at the
# cost of a copy of that many batches.
_BATCHES_PER_GATHER = 64


def _device_tensor(a: np.ndarray) -> torch.Tensor:
    """``a`` on Keras's device for torch (a GPU when there is one).

    On the CPU the tensor shares ``a``'s memory: Keras's ``convert_to_tensor`` copies
    every array first (``np.array``), and on torch those copies of the prediction
    chunks outlived their chunk, doubling ``predict``'s memory. Nothing here writes
    to an input tensor. Arrays torch cannot share (read-only, negative strides, a
    dtype it lacks) go through Keras as before.
    """
    if isinstance(a, np.ndarray) and a.flags.writeable and min(a.strides, default=0) >= 0:
        try:
            return keras.ops.convert_to_tensor(torch.from_numpy(a))  # moved only if the device differs
        except TypeError:  # a dtype torch cannot share
            pass
    return keras.ops.convert_to_tensor(a)


class TorchTrainer(Trainer):
    def __init__(self, model, loss, metrics, batch_size):
        super().__init__(model, loss, metrics, batch_size)
        self._vars = state_variables(self.model, self.optimizer)
        self._fast = fast_step(self.model, self.loss, self.optimizer, self.metrics)

    # -- state ---------------------------------------------------------------
    def load(self, model) -> None:
        with torch.no_grad():
            for dst, src in zip(self._vars, state_variables(model, model.optimizer), strict=True):
                dst.value.copy_(src.value)

    def store(self, model) -> None:
        with torch.no_grad():
            for dst, src in zip(state_variables(model, model.optimizer), self._vars, strict=True):
                dst.value.copy_(src.value)

    def set_learning_rate(self, value) -> None:
        self.optimizer.learning_rate = value

    def put(self, x, y, sample_weight, rows=None):
        """Device tensors of the arrays (no padding: nothing is compiled per shape)."""
        return tuple(_device_tensor(a) for a in (x, y, sample_weight))

    # -- training ------------------------------------------------------------
    def begin_epoch(self, seed: int, epoch: int) -> None:
        seed_epoch(seed, epoch)

    def train_epoch(self, parts, n: int) -> dict[str, float]:
        bs = self.batch_size
        for m in self.metrics:
            m.reset_state()
        losses, sizes = [], []
        if self._fast is not None:
            self._fast.bind()
        for (x, y, sw), order in parts:
            index = torch.as_tensor(order.astype("int64"), device=x.device)
            # Rows gathered in the epoch's order a block of batches at a time (one gather per
            # block, not per batch), so a batch is a view; a block bounds the extra memory.
            block = bs * _BATCHES_PER_GATHER
            for first in range(0, len(order), block):
                rows = index[first : first + block]
                xs, ys, sws = x[rows], y[rows], sw[rows]
                for start in range(0, len(rows), bs):
                    end = start + bs
                    losses.append(self._step(xs[start:end], ys[start:end], sws[start:end]))
                    sizes.append(min(end, len(rows)) - start)
        # The epoch's loss: each batch's mean loss weighted by its rows, summed once on the host.
        total = np.dot(torch.stack(losses).to(torch.float64).cpu().numpy(), np.asarray(sizes, dtype=np.float64))
        logs = {"loss": float(total) / n}
        logs.update({m.name: float(np.mean(keras.ops.convert_to_numpy(m.result()))) for m in self.metrics})
        return logs

    def _step(self, xb, yb, swb) -> torch.Tensor:
        """One optimizer step, as ``keras.Model.fit``'s ``train_step`` on torch; the batch's mean loss."""
        if self._fast is not None:
            return self._fast(xb, yb, swb)
        return self._keras_step(xb, yb, swb)

    def _keras_step(self, xb, yb, swb) -> torch.Tensor:
        """:meth:`_step` through Keras's layers, loss and optimizer (the reference of :mod:`._torch_fast`)."""
        model = self.model
        yp = model(xb, training=True)
        model.zero_grad()
        loss = self.loss(yb, yp, sample_weight=swb)
        if model.losses:
            loss = loss + sum(model.losses)
        loss.backward()
        variables = model.trainable_variables
        with torch.no_grad():
            self.optimizer.apply([v.value.grad for v in variables], variables)
            for m in self.metrics:
                m.update_state(yb, yp)  # compile(metrics=...) metrics are unweighted in Keras
        return loss.detach()

    # -- inference -----------------------------------------------------------
    def weights(self):
        return [v.value for v in self.model.trainable_variables], [v.value for v in self.model.non_trainable_variables]

    @staticmethod
    def forward_function(template):
        def call(tv, ntv, x):
            with torch.no_grad():
                out, _, losses = template.stateless_call(tv, ntv, _device_tensor(x), training=False,
                                                         return_losses=True)
                reg = float(sum(losses)) if losses else 0.0
            return keras.ops.convert_to_numpy(out), reg

        return call

    @staticmethod
    def own_forward(model):
        """``x -> outputs`` reading ``model``'s variables directly (no stateless scope to set up)."""
        if len(getattr(model, "inputs", None) or ()) != 1 or len(getattr(model, "outputs", None) or ()) != 1:
            return None

        ref = weakref.ref(model)  # the function is cached against the model: it must not keep it alive

        def call(x):
            with torch.no_grad():
                return keras.ops.convert_to_numpy(ref()(_device_tensor(x), training=False))

        return call


@contextlib.contextmanager
def global_rng_kept():
    """Torch's global generators (CPU and every GPU) restored after the fit.

    Keras's torch backend draws the masks of a ``Dropout`` without a seed (the
    built-in network's, most users') from torch's global generator, its fast
    path; :func:`seed_epoch` seeds it for every epoch, inside this fork, so the
    caller's generator is left exactly as it was. That generator is one per
    process, so fits in several threads take turns (a lock) rather than draw
    from it at once: each stays reproducible, and torch's kernels use the
    cores anyway.
    """
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with _global_rng_lock, torch.random.fork_rng(devices=devices):
        yield


def seed_epoch(seed: int, epoch: int) -> None:
    """Seed torch's global generator for ``epoch``'s steps: a function of (seed, epoch) only.

    Called just before the epoch's first step by both engines (the trainer here,
    a batch hook under ``keras.Model.fit``, whose data loader draws from the same
    generator when it starts an epoch), so they draw the same dropout masks,
    and a ``partial_fit`` continues the sequence instead of repeating it.
    """
    torch.manual_seed(int(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)[0]))


class EpochSeeds(keras.callbacks.Callback):
    """:func:`seed_epoch` before the first step of every epoch of ``keras.Model.fit``."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed, self.epoch = seed, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            seed_epoch(self.seed, self.epoch)
