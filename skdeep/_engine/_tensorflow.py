"""TensorFlow trainer: one ``tf.function`` per epoch over resident tensors.

TensorFlow's optimizers do not support ``stateless_apply``, so this trainer is
stateful: it updates its template's variables in place inside the graph.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
import tensorflow as tf

from ._compiled import Trainer


class TFTrainer(Trainer):
    def __init__(self, model, loss, metrics, batch_size):
        super().__init__(model, loss, metrics, batch_size)
        self._vars = self.state_variables(self.model, self.optimizer)
        self._epoch = tf.function(self._epoch_graph, reduce_retracing=True)

    def load(self, model) -> None:
        for dst, src in zip(self._vars, self.state_variables(model, model.optimizer), strict=True):
            dst.assign(src.value)

    def store(self, model) -> None:
        for dst, src in zip(self.state_variables(model, model.optimizer), self._vars, strict=True):
            dst.assign(src.value)

    def set_learning_rate(self, value) -> None:
        self.optimizer.learning_rate = value

    def put(self, x, y, sample_weight, rows=None):
        return tuple(tf.convert_to_tensor(a) for a in (x, y, sample_weight))

    def train_epoch(self, parts, n: int) -> dict[str, float]:
        for m in self.metrics:
            m.reset_state()
        total = tf.constant(0.0, tf.float64)
        for arrays, order in parts:
            total = self._epoch(*arrays, tf.convert_to_tensor(order, dtype=tf.int32), total)
        logs = {"loss": float(total) / n}
        logs.update({m.name: float(np.mean(m.result().numpy())) for m in self.metrics})
        return logs

    def _epoch_graph(self, x, y, sample_weight, order, total):
        """Batches of ``order``'s rows; ``total`` carries the loss sum across chunks."""
        bs = self.batch_size
        n = tf.shape(order)[0]
        for i in tf.range((n + bs - 1) // bs):
            idx = order[i * bs : tf.minimum(n, (i + 1) * bs)]
            xb, yb, swb = tf.gather(x, idx), tf.gather(y, idx), tf.gather(sample_weight, idx)
            with tf.GradientTape() as tape:
                yp = self.model(xb, training=True)
                loss = self.loss(yb, yp, sample_weight=swb)
                if self.model.losses:
                    loss = loss + tf.add_n(self.model.losses)
            grads = tape.gradient(loss, self.model.trainable_variables)
            self.optimizer.apply(grads, self.model.trainable_variables)
            for m in self.metrics:
                m.update_state(yb, yp)  # compile(metrics=...) metrics are unweighted in Keras
            total += tf.cast(loss, tf.float64) * tf.cast(tf.shape(idx)[0], tf.float64)
        return total

    def weights(self):
        return [v.value for v in self.model.trainable_variables], [v.value for v in self.model.non_trainable_variables]

    @staticmethod
    def forward_function(template):
        def forward(tv, ntv, x):
            out, _, losses = template.stateless_call(tv, ntv, x, training=False, return_losses=True)
            return out, (tf.add_n(losses) if losses else tf.constant(0.0))

        fn = tf.function(forward, reduce_retracing=True)

        def call(tv, ntv, x):
            out, reg = fn(tv, ntv, tf.convert_to_tensor(x))
            return out.numpy(), float(reg)

        return call

    @staticmethod
    def own_forward(model):
        """A compiled ``x -> outputs`` reading ``model``'s variables as they are at each call."""
        if len(getattr(model, "inputs", None) or ()) != 1 or len(getattr(model, "outputs", None) or ()) != 1:
            return None
        ref = weakref.ref(model)  # the function is cached against the model: it must not keep it alive
        spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), model.inputs[0].dtype)
        fn = tf.function(lambda x: ref()(x, training=False), input_signature=[spec]).get_concrete_function()
        return lambda x: fn(tf.convert_to_tensor(x)).numpy()
