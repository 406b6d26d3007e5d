"""JAX trainer: one jitted, stateless ``fori_loop`` per epoch.

State (weights, optimizer slots, metric accumulators) flows through
``stateless_call`` / ``stateless_apply`` / ``stateless_update_state``. Arrays are
padded to a size bucket and the number of full batches is a traced loop bound,
so CV folds of slightly different sizes reuse one compilation. The last, short
batch runs as one more step of its own size (compiled once per size), exactly
as ``fit`` runs it: dropout masks and batch statistics see only real rows.

Compiled functions are also kept on disk (JAX's persistent compilation cache,
:func:`use_compilation_cache`), so a new process, e.g. each worker of a grid
search, does not compile the same configuration again.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np

from .._model_state import state_variables
from ._trainer import Trainer, bucket, pad


CACHE_ENV = "SKDEEP_JAX_CACHE_DIR"


def compilation_cache_dir() -> str | None:
    """Where compiled JAX functions are kept between processes, or None when off.

    ``SKDEEP_JAX_CACHE_DIR`` names the folder; empty or ``off`` turns the cache off;
    unset, it is ``~/.cache/skdeep/jax`` (``$XDG_CACHE_HOME/skdeep/jax``).
    """
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "off", "0", "false", "none") else value
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "skdeep", "jax")


def use_compilation_cache() -> None:
    """Point JAX's persistent compilation cache at :func:`compilation_cache_dir`.

    Called once, when :mod:`skdeep._engine` is imported on the JAX backend.

    A user's own ``jax_compilation_cache_dir`` wins: it is never replaced. Every
    compilation is kept (JAX keeps only those over a second by default): a small
    network compiles in a fraction of a second, repeated in every new process.
    """
    folder = compilation_cache_dir()
    if folder is None or jax.config.jax_compilation_cache_dir:
        return
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


class JaxTrainer(Trainer):
    def __init__(self, model, loss, metrics, batch_size):
        super().__init__(model, loss, metrics, batch_size)
        self._epoch = jax.jit(self._epoch_fn)
        self._tail = jax.jit(self._tail_fn)

    # -- state ---------------------------------------------------------------
    def load(self, model) -> None:
        values = [v.value for v in state_variables(model, model.optimizer)]
        n_tv, n_ntv = len(model.trainable_variables), len(model.non_trainable_variables)
        self.state = (values[:n_tv], values[n_tv : n_tv + n_ntv], values[n_tv + n_ntv :])

    def store(self, model) -> None:
        for var, val in zip(state_variables(model, model.optimizer), [v for vs in self.state for v in vs],
                            strict=True):
            var.assign(val)

    def set_learning_rate(self, value) -> None:
        tv, ntv, ov = self.state
        i = self.learning_rate_index()
        ov = list(ov)
        ov[i] = jnp.asarray(value, ov[i].dtype)
        self.state = (tv, ntv, ov)

    def put(self, x, y, sample_weight, rows=None):
        """Device copies padded to a size bucket (``rows``: at least that many, so chunks share a shape)."""
        rows = bucket(max(len(x), rows or 0), self.batch_size)
        return tuple(jnp.asarray(pad(a, rows)) for a in (x, y, sample_weight))

    # -- training ------------------------------------------------------------
    def train_epoch(self, parts, n: int) -> dict[str, float]:
        bs = self.batch_size
        for m in self.metrics:
            m.reset_state()  # evaluate() used them for the previous epoch's validation
        mstate = [[v.value for v in m.variables] for m in self.metrics]
        carry = None
        for arrays, order in parts:
            if carry is None:  # the loss sum accumulates in the data's dtype
                carry = (*self.state, mstate, jnp.zeros((), arrays[0].dtype))
            rows, n_full = len(order), len(order) // bs
            order = jnp.asarray(pad(order.astype("int32"), len(arrays[0])))
            carry = self._epoch(carry, *arrays, order, n_full)
            if rows > n_full * bs:  # the short last batch, a step of its own size as in fit
                carry = self._tail(carry, *arrays, order[n_full * bs : rows])
        tv, ntv, ov, mstate, total = carry
        self.state = (tv, ntv, ov)
        logs = {"loss": float(total) / n}
        for m, mv in zip(self.metrics, mstate):
            logs[m.name] = float(np.mean(np.asarray(m.stateless_result(mv))))
        return logs

    def _step(self, carry, xb, yb, swb):
        """One optimizer step; the epoch loop and the short last batch share it."""
        tv, ntv, ov, mv, total = carry

        def loss_fn(tv, ntv):
            yp, ntv, losses = self.model.stateless_call(tv, ntv, xb, training=True, return_losses=True)
            loss = self.loss(yb, yp, sample_weight=swb)
            if losses:
                loss = loss + sum(losses)
            return loss, (yp, ntv)

        (loss, (yp, ntv)), grads = jax.value_and_grad(loss_fn, has_aux=True)(tv, ntv)
        tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
        # Unweighted, as Keras's compile(metrics=...).
        mv = [m.stateless_update_state(v, yb, yp) for m, v in zip(self.metrics, mv)]
        return tv, ntv, ov, mv, total + (loss * xb.shape[0]).astype(total.dtype)

    def _epoch_fn(self, carry, x, y, sw, order, n_full):
        self.traces["epoch"] += 1
        bs = self.batch_size

        def body(i, carry):
            idx = jax.lax.dynamic_slice(order, (i * bs,), (bs,))
            return self._step(carry, x[idx], y[idx], sw[idx])

        return jax.lax.fori_loop(0, n_full, body, carry)

    def _tail_fn(self, carry, x, y, sw, idx):
        self.traces["tail"] += 1
        return self._step(carry, x[idx], y[idx], sw[idx])

    # -- inference -----------------------------------------------------------
    def weights(self):
        return self.state[0], self.state[1]

    @staticmethod
    def own_forward(model):
        return None  # the shared jitted forward already costs tens of microseconds a call

    @staticmethod
    def forward_function(template):
        def forward(tv, ntv, x):
            out, _, losses = template.stateless_call(tv, ntv, x, training=False, return_losses=True)
            return out, (sum(losses) if losses else jnp.zeros(()))

        jitted = jax.jit(forward)

        def call(tv, ntv, x):
            rows = 1 << max(0, int(len(x) - 1).bit_length())  # power-of-two buckets
            out, reg = jitted(tv, ntv, jnp.asarray(pad(x, rows)))
            return np.asarray(out)[: len(x)], float(reg)

        return call
