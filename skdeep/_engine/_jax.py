"""JAX trainer: one jitted, stateless ``fori_loop`` per epoch.

State (weights, optimizer slots, metric accumulators) flows through
``stateless_call`` / ``stateless_apply`` / ``stateless_update_state``. Arrays are
padded to a size bucket and the batch count is a traced loop bound, so CV folds
of slightly different sizes reuse one compilation. The last, partial batch is
padded with zero-weight rows and its real rows' weights scaled by
``batch_size / rows``: Keras divides a batch's weighted loss by the batch size,
so this gives exactly the loss of the short batch ``fit`` would use.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._compiled import Trainer


def _bucket(n: int, step: int) -> int:
    return max(step, -(-n // step) * step)


def _pad(a: np.ndarray, rows: int) -> np.ndarray:
    if len(a) == rows:
        return a
    return np.concatenate([a, np.zeros((rows - len(a),) + a.shape[1:], a.dtype)])


class JaxTrainer(Trainer):
    def __init__(self, model, loss, metrics, batch_size):
        super().__init__(model, loss, metrics, batch_size)
        self._step = batch_size * max(1, 256 // batch_size)
        self._epoch = jax.jit(self._epoch_fn)

    # -- state ---------------------------------------------------------------
    def load(self, model) -> None:
        self.state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            [v.value for v in model.optimizer.variables],
        )

    def store(self, model) -> None:
        tv, ntv, ov = self.state
        for var, val in zip(model.trainable_variables, tv, strict=True):
            var.assign(val)
        for var, val in zip(model.non_trainable_variables, ntv, strict=True):
            var.assign(val)
        for var, val in zip(model.optimizer.variables, ov, strict=True):
            var.assign(val)

    def set_learning_rate(self, value) -> None:
        tv, ntv, ov = self.state
        names = [v.path for v in self.optimizer.variables]
        i = next(i for i, p in enumerate(names) if p.endswith("learning_rate"))
        ov = list(ov)
        ov[i] = jnp.asarray(value, ov[i].dtype)
        self.state = (tv, ntv, ov)

    def put(self, x, y, sample_weight):
        rows = _bucket(len(x), self._step)
        return tuple(jnp.asarray(_pad(a, rows)) for a in (x, y, sample_weight))

    # -- training ------------------------------------------------------------
    def train_epoch(self, arrays, perm: np.ndarray) -> dict[str, float]:
        n, bs = len(perm), self.batch_size
        n_batches = -(-n // bs)
        rows = len(arrays[0])
        scale = np.zeros(rows, "float32")
        scale[:n] = 1.0
        tail = n - (n_batches - 1) * bs
        scale[(n_batches - 1) * bs : n] = bs / tail
        order = _pad(perm.astype("int32"), rows)
        mstate = [[v.value for v in m.variables] for m in self.metrics]
        self.state, mstate, total = self._epoch(self.state, mstate, *arrays, order, scale, n_batches)
        logs = {"loss": float(total) / n}
        for m, mv in zip(self.metrics, mstate):
            logs[m.name] = float(np.mean(np.asarray(m.stateless_result(mv))))
        return logs

    def _loss(self, tv, ntv, xb, yb, swb):
        yp, ntv, losses = self.model.stateless_call(tv, ntv, xb, training=True, return_losses=True)
        loss = self.loss(yb, yp, sample_weight=swb)
        if losses:
            loss = loss + sum(losses)
        return loss, (yp, ntv)

    def _epoch_fn(self, state, mstate, x, y, sw, order, scale, n_batches):
        bs = self.batch_size
        grad = jax.value_and_grad(self._loss, has_aux=True)

        def body(i, carry):
            tv, ntv, ov, mv, total = carry
            idx = jax.lax.dynamic_slice(order, (i * bs,), (bs,))
            sc = jax.lax.dynamic_slice(scale, (i * bs,), (bs,))
            xb, yb, swb = x[idx], y[idx], sw[idx]
            (loss, (yp, ntv)), g = grad(tv, ntv, xb, yb, swb * sc)
            tv, ov = self.optimizer.stateless_apply(ov, g, tv)
            real = (sc > 0).astype(swb.dtype)
            # Unweighted, as Keras's compile(metrics=...); the mask only drops padding rows.
            mv = [m.stateless_update_state(v, yb, yp, sample_weight=real)
                  for m, v in zip(self.metrics, mv)]
            return tv, ntv, ov, mv, total + (loss * jnp.sum(real)).astype(total.dtype)

        tv, ntv, ov, mv, total = jax.lax.fori_loop(
            0, n_batches, body, (*state, mstate, jnp.zeros((), x.dtype))
        )
        return (tv, ntv, ov), mv, total

    # -- inference -----------------------------------------------------------
    def weights(self):
        return self.state[0], self.state[1]

    @staticmethod
    def forward_function(template):
        def forward(tv, ntv, x):
            out, _, losses = template.stateless_call(tv, ntv, x, training=False, return_losses=True)
            return out, (sum(losses) if losses else jnp.zeros(()))

        jitted = jax.jit(forward)

        def call(tv, ntv, x):
            rows = 1 << max(0, int(len(x) - 1).bit_length())  # power-of-two buckets
            out, reg = jitted(tv, ntv, jnp.asarray(_pad(x, rows)))
            return np.asarray(out)[: len(x)], float(reg)

        return call
