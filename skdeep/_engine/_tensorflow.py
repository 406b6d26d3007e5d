"""TensorFlow trainer: one ``tf.function`` per epoch over resident tensors.

TensorFlow's optimizers do not support ``stateless_apply``, so this trainer is
stateful: it updates its template's variables in place inside the graph. The
epoch is XLA-compiled where ``keras.Model.fit`` would be (the model's
``jit_compile``: on a GPU, not on a CPU), so both engines draw the same dropout
masks. XLA compiles per shape, so rows are then padded to size buckets and the
short last batch is a step of its own, as on JAX. Measured on 2 CPU cores
(``benchmarks/engine_step.py``), XLA makes a step of the plain 256x256 network at
batch 32 1.4-1.6x faster, is no faster at batch 256 or on the default network,
and costs 0.7-1.9 s of compilation per configuration (and per size of short last
batch): skdeep leaves it off there, as Keras does.

Keras's Adam(W) update is ~10 graph ops a variable; the step issues
``tf.raw_ops.ResourceApplyAdam`` instead, the same arithmetic in one kernel a
variable (:meth:`TFTrainer._fused_adam`; 1.2-1.3x faster epochs of the default
network on 2 CPU cores). Keras's update up to rounding; ``FUSED = False`` gives
the bitwise path back.

Every ``tf.function`` here is traced with ``autograph=False`` (the epoch's loop is
an explicit ``tf.while_loop``): AutoGraph's source-to-source conversion of these
functions cost 0.8 s of a 2.8 s first fit (hmda, 2,380 rows), paid again for each
new configuration of a grid search, and converted nothing but them (Keras's own
functions, and the user's layers called through them, are never converted).
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

from .._model_state import state_variables
from ._trainer import Trainer, bucket, pad, plain_adam_slots

# Whether the step may update with tf.raw_ops.ResourceApplyAdam, one kernel per variable for
# Keras's ~10 ops of Adam.update_step (the same arithmetic; up to rounding, not bit for bit).
FUSED = True


def _any_rows(a) -> tf.TensorSpec:
    """A spec like ``a`` (an array or Keras tensor) with any number of rows: one trace serves all sizes."""
    return tf.TensorSpec((None, *a.shape[1:]), a.dtype)


@tf.function(autograph=False)
def _assign_all(dst: list, src: list) -> None:
    """``dst[i].assign(src[i])`` for all, as one call: one trace serves every list of the same
    shapes, and an epoch's copy of ~40 variables costs ~1 ms instead of ~10 ms eagerly."""
    for d, s in zip(dst, src, strict=True):
        d.assign(s)


def _tf_variables(variables) -> list:
    return [v.value for v in variables]  # a Keras variable's backing tf.Variable


class TFTrainer(Trainer):
    def __init__(self, model, loss, metrics, batch_size):
        super().__init__(model, loss, metrics, batch_size)
        self._vars = state_variables(self.model, self.optimizer)
        self._xla = bool(model.jit_compile)  # as keras.Model.fit decides: both engines alike
        self._functions: dict = {}  # (kind, dtype and row shape of x, y, sample_weight) -> tf.function
        self._finite = None  # weights_finite's compiled check, made on first use

    def weights_finite(self) -> bool:
        """One compiled call over the template's float variables (~40 host copies otherwise)."""
        if self._finite is None:
            values = [v.value for v in self.model.variables if keras.backend.is_float_dtype(v.dtype)]
            self._finite = tf.function(  # reads the variables as they are at each call
                lambda: tf.reduce_all([tf.constant(True)] + [tf.reduce_all(tf.math.is_finite(v)) for v in values]),
                autograph=False).get_concrete_function()
        return bool(self._finite())

    def load(self, model) -> None:
        _assign_all(_tf_variables(self._vars), _tf_variables(state_variables(model, model.optimizer)))

    def store(self, model) -> None:
        _assign_all(_tf_variables(state_variables(model, model.optimizer)), _tf_variables(self._vars))

    def set_learning_rate(self, value) -> None:
        self.optimizer.learning_rate = value

    def put(self, x, y, sample_weight, rows=None):
        """Tensors of the arrays; under XLA padded to a size bucket, as on JAX (XLA compiles per shape)."""
        rows = bucket(max(len(x), rows or 0), self.batch_size) if self._xla else len(x)
        return tuple(tf.convert_to_tensor(pad(a, rows)) for a in (x, y, sample_weight))

    def train_epoch(self, parts, n: int) -> dict[str, float]:
        bs = self.batch_size
        for m in self.metrics:
            m.reset_state()
        total = tf.constant(0.0, tf.float64)
        for arrays, order in parts:
            rows, n_full = len(order), len(order) // bs
            order = tf.convert_to_tensor(pad(order.astype("int32"), len(arrays[0])))
            if n_full:
                total = self._function("epoch", arrays)(*arrays, order, tf.constant(n_full, tf.int32), total)
            if rows > n_full * bs:  # the short last batch, a step of its own size as in fit
                total = self._function("tail", arrays)(*arrays, order[n_full * bs : rows], total)
        logs = {"loss": float(total) / n}
        logs.update({m.name: float(np.mean(m.result().numpy())) for m in self.metrics})
        return logs

    def _function(self, kind: str, arrays):
        """The epoch (or short-batch) function for these arrays' dtypes and row shapes, traced once.

        CV folds and streamed chunks of different sizes share one trace
        (``reduce_retracing`` would trace again at the second size); under XLA,
        one compilation per size bucket.
        """
        key = (kind, *((a.dtype, tuple(a.shape[1:])) for a in arrays))
        if key not in self._functions:
            rows = [*map(_any_rows, arrays), tf.TensorSpec((None,), tf.int32)]
            if kind == "epoch":
                spec, fn = [*rows, tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float64)], self._epoch_graph
            else:
                spec, fn = [*rows, tf.TensorSpec((), tf.float64)], self._tail_graph
            # Called as a concrete function: tf.function's own dispatch (matching the
            # arguments to a trace) costs ~2 ms a call, more than a small epoch's steps.
            self._functions[key] = tf.function(fn, input_signature=spec, jit_compile=self._xla,
                                                  autograph=False).get_concrete_function()
        return self._functions[key]

    def _epoch_graph(self, x, y, sample_weight, order, n_full, total):
        """``n_full`` full batches along ``order``; ``total`` carries the loss sum across chunks."""
        self.traces["epoch"] += 1
        bs = self.batch_size

        def body(i, total):
            # tf.slice has a static size; order[i * bs:(i + 1) * bs] would be a
            # dynamic shape, which XLA runs ~6x slower.
            return i + 1, self._step(x, y, sample_weight, tf.slice(order, [i * bs], [bs]), total)

        return tf.while_loop(lambda i, _: i < n_full, body, (tf.constant(0, tf.int32), total))[1]

    def _tail_graph(self, x, y, sample_weight, idx, total):
        self.traces["tail"] += 1
        return self._step(x, y, sample_weight, idx, total)

    def _step(self, x, y, sample_weight, idx, total):
        """One optimizer step on rows ``idx``; the epoch loop and the short last batch share it."""
        xb, yb, swb = tf.gather(x, idx), tf.gather(y, idx), tf.gather(sample_weight, idx)
        with tf.GradientTape() as tape:
            yp = self.model(xb, training=True)
            loss = self.loss(yb, yp, sample_weight=swb)
            if self.model.losses:
                loss = loss + tf.add_n(self.model.losses)
        grads = tape.gradient(loss, self.model.trainable_variables)
        if not self._fused_adam(grads, self.model.trainable_variables):
            self.optimizer.apply(grads, self.model.trainable_variables)
        for m in self.metrics:
            m.update_state(yb, yp)  # compile(metrics=...) metrics are unweighted in Keras
        return total + tf.cast(loss, tf.float64) * tf.cast(tf.shape(idx)[0], tf.float64)

    def _fused_adam(self, grads, variables) -> bool:
        """Keras's Adam(W) update in ``tf.raw_ops.ResourceApplyAdam`` (traced into the step); False
        where ``optimizer.apply`` must run instead (see :func:`plain_adam_slots`).

        The kernel computes ``Adam.update_step``'s arithmetic: ``alpha = lr * sqrt(1 - b2^t) /
        (1 - b1^t)``, ``m += (g - m) * (1 - b1)``, ``v += (g^2 - v) * (1 - b2)``, ``var -= m *
        alpha / (sqrt(v) + eps)``, in one call per variable instead of ~10 ops (a fifth of a
        small network's step on a CPU). ``1 - b1`` is rounded in float32 there, in float64 by
        Keras: the same update up to rounding, not bit for bit. AdamW's decoupled decay is
        applied first, as ``TFOptimizer._apply_weight_decay`` does.
        """
        opt = self.optimizer
        if (not FUSED or type(opt) not in (keras.optimizers.Adam, keras.optimizers.AdamW)
                or tf.distribute.has_strategy() or any(g is None for g in grads)):
            return False
        try:
            slots = plain_adam_slots(opt, variables)
        except Exception:  # noqa: BLE001 -- an optimizer the private hooks cannot read: Keras's path
            slots = None
        if slots is None:
            return False
        self.traces["fused_adam"] += 1
        f32 = tf.float32
        lr = tf.cast(slots["learning_rate"].value, f32)
        t = tf.cast(slots["iterations"].value + 1, f32)
        b1, b2 = tf.constant(opt.beta_1, f32), tf.constant(opt.beta_2, f32)
        if opt.weight_decay is not None:
            wd = tf.constant(opt.weight_decay, f32)
            for v in slots["decayed"]:
                v.value.assign_sub(v.value * wd * lr)
        b1_power, b2_power, eps = tf.pow(b1, t), tf.pow(b2, t), tf.constant(opt.epsilon, f32)
        for var, m, v, g in zip(variables, slots["momentums"], slots["velocities"], grads, strict=True):
            tf.raw_ops.ResourceApplyAdam(var=var.value.handle, m=m.value.handle, v=v.value.handle,
                                         beta1_power=b1_power, beta2_power=b2_power, lr=lr, beta1=b1, beta2=b2,
                                         epsilon=eps, grad=tf.convert_to_tensor(g))  # (embeddings: IndexedSlices)
        slots["iterations"].value.assign_add(1)
        return True

    def weights(self):
        return [v.value for v in self.model.trainable_variables], [v.value for v in self.model.non_trainable_variables]

    @staticmethod
    def forward_function(template):
        def forward(tv, ntv, x):
            out, _, losses = template.stateless_call(tv, ntv, x, training=False, return_losses=True)
            return out, (tf.add_n(losses) if losses else tf.constant(0.0))

        fns: dict = {}  # x's dtype and row shape -> tf.function traced for any number of rows

        def call(tv, ntv, x):
            x = tf.convert_to_tensor(x)
            key = (x.dtype, tuple(x.shape[1:]))
            if key not in fns:
                spec = [[tf.TensorSpec(v.shape, v.dtype) for v in vs] for vs in (tv, ntv)]
                fns[key] = tf.function(forward, input_signature=[*spec, _any_rows(x)], autograph=False)
            out, reg = fns[key](tv, ntv, x)
            return out.numpy(), float(reg)

        return call

    @staticmethod
    def own_forward(model):
        """A compiled ``x -> outputs`` reading ``model``'s variables as they are at each call."""
        if len(getattr(model, "inputs", None) or ()) != 1 or len(getattr(model, "outputs", None) or ()) != 1:
            return None
        ref = weakref.ref(model)  # the function is cached against the model: it must not keep it alive
        fn = tf.function(lambda x: ref()(x, training=False), input_signature=[_any_rows(model.inputs[0])],
                         autograph=False)
        fn = fn.get_concrete_function()
        return lambda x: fn(tf.convert_to_tensor(x)).numpy()
