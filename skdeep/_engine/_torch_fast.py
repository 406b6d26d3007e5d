"""The torch trainer's step with Keras's per-call overhead taken out, bit for bit the same.

:func:`fast_step` returns a function ``(x, y, sample_weight) -> loss`` that does
what ``keras.Model.fit``'s ``train_step`` does on torch, in raw torch ops, or
None where that is not exactly right. Each of its three parts is exact or
falls back to Keras on its own:

* forward (:func:`_forward`): a model that is a graph of layers each called
  once (Sequential, or Functional with one input and one output; branches such
  as the linear skip's ``Add`` included) runs ``Dense``,
  ``Dropout`` and ``Activation`` layers of float32 as the torch ops their
  ``call`` issues (``matmul``, ``add``, the activation; ``F.dropout``, Keras's
  fast path for an unseeded dropout, drawing from torch's global generator as
  Keras does), and every other layer through its ``__call__`` with the
  training flag, as the model's call would. Anything else (shared layers, several
  inputs, masks, mixed precision, LoRA, quantization, activity
  regularization): ``model(x, training=True)``. A layer that ``add_loss``-es
  runs through ``__call__``, so ``model.losses`` holds what it would.
* loss (:func:`_loss`): ``BinaryCrossentropy`` and ``MeanSquaredError`` with
  their defaults (sum over batch size), the ops of Keras's torch backend in
  the same order; any other loss: the loss object itself.
* update (:func:`_update`): ``Adam`` and ``AdamW``. On the CPU, torch's fused
  Adam kernel (one call instead of about 17 ``_foreach`` and scalar ops, ~200
  against ~17 us a step for a small network), with its epsilon rescaled so that
  it computes Keras's update: the same update up to rounding, not bit for bit (the
  kernel orders the arithmetic differently and computes the bias correction in
  float64, Keras in float32; :data:`FUSED` turns it off).
  Elsewhere, or without the kernel, Keras's ``torch_adam`` itself (the same
  ``_foreach`` ops on the same float32 scalars, bit for bit). Other optimizers,
  or any of clipping, EMA, gradient accumulation, loss scaling, constraints, a
  missing gradient: ``optimizer.apply``.

Gradients come from ``torch.autograd.grad`` (the values ``backward`` would
accumulate into the cleared ``.grad``), so no ``zero_grad`` is needed.
"""

from __future__ import annotations

import functools

import keras
import torch
import torch.nn.functional as F

from .. import _compat
from ._trainer import plain_adam_slots

_F32 = torch.float32
# Whether the Adam(W) update may use torch's fused CPU kernel (within float32 rounding of
# Keras's update); False: Keras's own _foreach ops, bit for bit (tests compare the two).
FUSED = True


def _sigmoid(x):
    return _compat.keras_mark_logits(torch.sigmoid(x), x)  # as keras.activations.sigmoid leaves it


def _activation(fn):
    """The torch function of a Keras activation (None: identity), or False where not known."""
    acts = keras.activations
    return {acts.relu: torch.relu, acts.sigmoid: _sigmoid, acts.tanh: torch.tanh,
            acts.linear: None}.get(fn, False)


def _plain(layer) -> bool:
    """float32 throughout, no activity regularizer: ``__call__`` adds nothing to ``call``."""
    policy = layer.dtype_policy
    return (policy.compute_dtype == "float32" and policy.variable_dtype == "float32"
            and getattr(policy, "quantization_mode", None) is None
            and getattr(layer, "activity_regularizer", "unknown") is None)


def _layer_fn(layer):
    """A torch function equivalent to ``layer(x, training=True)``, or None."""
    if type(layer) is keras.layers.Dense and _plain(layer) and not getattr(layer, "lora_enabled", True) \
            and getattr(layer, "quantization_mode", "unknown") is None:
        act = _activation(layer.activation)
        if act is False:
            return None
        kernel = layer.kernel.value
        bias = layer.bias.value if layer.bias is not None else None

        def dense(x):
            x = torch.matmul(x, kernel)
            if bias is not None:
                x = torch.add(x, bias)
            return x if act is None else act(x)

        return dense
    if type(layer) is keras.layers.Activation and _plain(layer):
        act = _activation(layer.activation)
        if act is False:
            return None
        return (lambda x: x) if act is None else act
    if type(layer) is keras.layers.Dropout and _plain(layer) and layer.noise_shape is None:
        rate = float(layer.rate)
        if rate == 0.0:
            return lambda x: x
        if rate >= 1.0 or _compat.keras_dropout_seeded(layer) is not False:
            return None  # Keras's seeded path
        return lambda x: F.dropout(x, p=rate, training=True, inplace=False)
    return None


def _graph(model):
    """The model's layers in the order its call runs them, each with the positions of its inputs
    among the values computed before it (0: the model's input) and whether it takes them as a
    list (``Add()([a, b])``), and the position of the output; None where the model is not such a
    graph of single-output layers each called once."""
    if len(getattr(model, "inputs", None) or ()) != 1 or len(getattr(model, "outputs", None) or ()) != 1:
        return None
    if isinstance(model, keras.Sequential):
        model = _compat.keras_sequential_graph(model)  # Sequential.call runs it
        if model is None:
            return None
    if type(model).__name__ != "Functional" or type(model).call is not _compat.keras_functional_call():
        return None
    ops = [op for op in model.operations if not isinstance(op, keras.layers.InputLayer)]
    slots = {id(model.inputs[0]): 0}
    # Topological order; each layer is called once, on tensors computed before it, with constant
    # keyword arguments (replayed; ``training`` is the model call's: ``functional.operation_fn``).
    program = []
    for op in ops:
        inbound = _compat.keras_inbound_nodes(op)
        if len(inbound) != 1 or inbound[0].operation is not op or len(inbound[0].outputs) != 1 \
                or len(inbound[0].arguments.args) != 1:
            return None
        node = inbound[0]
        arg = node.arguments.args[0]
        listed = isinstance(arg, (list, tuple))
        tensors = list(arg) if listed else [arg]
        if not tensors or any(id(t) not in slots for t in tensors) \
                or any(_compat.keras_mask(t) is not None for t in tensors):
            return None  # an input from elsewhere, or a mask flowing into the layer
        kwargs = dict(node.arguments.kwargs)
        if any(isinstance(v, keras.KerasTensor) for v in keras.tree.flatten(list(kwargs.values()))):
            return None
        kwargs.pop("training", None)
        program.append((op, kwargs, [slots[id(t)] for t in tensors], listed))
        slots[id(node.outputs[0])] = len(slots)
    out = slots.get(id(model.outputs[0]))
    if out is None or _compat.keras_mask(model.outputs[0]) is not None:
        return None
    return program, out


def _forward(model):
    """A builder of ``x -> model(x, training=True)`` with the graph's simple layers as raw torch
    ops (bound to the variables' current tensors), or None."""
    graph = _graph(model)
    if graph is None:
        return None
    program, out = graph
    if not any(_layer_fn(layer) for layer, kwargs, _, listed in program if not kwargs and not listed):
        return None
    if keras.backend.standardize_dtype(model.inputs[0].dtype) != "float32":
        return None

    def generic(layer, kwargs):
        if "training" in _compat.keras_call_context_args(layer):
            kwargs = {**kwargs, "training": True}
        return lambda x: layer(x, **kwargs)

    rank = len(model.inputs[0].shape)

    def build():
        steps = [((None if kwargs or listed else _layer_fn(layer)) or generic(layer, kwargs), inputs, listed)
                 for layer, kwargs, inputs, listed in program]

        def forward(x):
            if x.dtype != _F32 or x.ndim != rank:
                return None  # the model's call converts or reshapes it
            values = [x]
            for fn, inputs, listed in steps:
                values.append(fn([values[i] for i in inputs]) if listed else fn(values[inputs[0]]))
            return values[out]

        return forward

    return build


def _loss(loss):
    """``(y, y_pred, sw) -> loss`` as ``loss(y, y_pred, sample_weight=sw)``, or None."""
    cfg = loss.get_config() if isinstance(loss, keras.losses.Loss) else None
    if cfg is None or cfg.get("reduction") != "sum_over_batch_size" or loss.dtype != "float32":
        return None
    if type(loss) is keras.losses.BinaryCrossentropy:
        smoothing = cfg.get("label_smoothing")
        if cfg.get("from_logits") or cfg.get("axis", -1) != -1:
            return None

        def per_row(yt, yp):
            if smoothing:
                yt = yt * (1.0 - smoothing) + 0.5 * smoothing
            eps = keras.backend.epsilon()  # read per call, as Keras's backend does
            out = torch.clip(yp, eps, 1.0 - eps)
            return torch.mean(F.binary_cross_entropy(out, yt, reduction="none"), (-1,), False)
    elif type(loss) is keras.losses.MeanSquaredError:
        def per_row(yt, yp):
            return torch.mean(torch.square(yt - yp), (-1,), False)
    else:
        return None

    def compute(y, yp, sw):
        if _compat.keras_mask(yp) is not None or y.shape != yp.shape or yp.dtype != _F32 \
                or sw.ndim != 1 or yp.ndim != 2:
            return None
        values = per_row(y.to(_F32), yp) * sw.to(_F32)
        key = (values.numel(), values.device)
        divisor = divisors.get(key)
        if divisor is None:  # the element count as a float32 tensor, made once per batch size
            divisor = divisors[key] = torch.tensor(float(values.numel()), dtype=_F32, device=values.device)
        return torch.divide(torch.sum(values), divisor)  # divide_no_nan of a nonzero divisor

    divisors = {}
    return compute


def _update(optimizer, variables):
    """``grads -> None`` applying Keras's update to ``variables``, or None."""
    adam, modules = _compat.keras_torch_adam()
    opt = optimizer
    if not isinstance(opt, adam) or type(opt).__module__ not in modules:
        return None
    slots = plain_adam_slots(opt, variables)
    if slots is None:
        return None
    moms, vels, decayed = slots["momentums"], slots["velocities"], slots["decayed"]
    lr_v, it_v = slots["learning_rate"], slots["iterations"]
    device = variables[0].value.device
    beta_1, beta_2, eps = opt.beta_1, opt.beta_2, opt.epsilon
    b1 = torch.tensor(beta_1, dtype=_F32, device=device)
    b2 = torch.tensor(beta_2, dtype=_F32, device=device)
    wd = None if opt.weight_decay is None else torch.tensor(opt.weight_decay, dtype=_F32, device=device)

    # The kernel reads raw memory: every tensor it writes must be contiguous.
    fused = (FUSED and device.type == "cpu" and _fused_kernel()
             and all(v.value.is_contiguous() for v in (*variables, *moms, *vels)))

    def build():
        if _compat.keras_adam_slots(opt, [])["learning_rate"] is not lr_v:
            return None  # set to a schedule since
        values = [v.value for v in variables]
        m_list = [v.value for v in moms]
        v_list = [v.value for v in vels]
        wd_list = [v.value for v in decayed]
        lr_var, it = lr_v.value, it_v.value
        if fused:
            step = torch.zeros((), dtype=_F32, device=device)
            steps = [step] * len(values)  # the kernel reads the step count from one tensor per variable

            def update(grads):
                _fused_adam(values, m_list, v_list, wd_list, lr_var, it, step, steps, grads)
        else:
            def update(grads):
                _adam(values, m_list, v_list, wd_list, lr_var, it, grads)

        return update

    build.fused = fused  # which update build() makes (tests check it)

    def _fused_adam(values, m_list, v_list, wd_list, lr_var, it, step, steps, grads):
        # Keras: p -= lr * sqrt(c2) / c1 * m / (sqrt(v) + eps), with c_i = 1 - beta_i ** t.
        # The kernel: p -= lr / c1 * m / (sqrt(v) / sqrt(c2) + eps'), the same for
        # eps' = eps / sqrt(c2). t is the iterations variable + 1, read each step (a CPU
        # tensor: no device sync), so a step Keras's optimizer.apply took counts too.
        t = it.item() + 1
        grads = [g if g.is_contiguous() else g.contiguous() for g in grads]  # (a transposed view: wrong values)
        with torch.no_grad():
            if wd is not None:  # TorchOptimizer._apply_weight_decay, before the update
                torch._foreach_mul_(wd_list, 1 - torch.multiply(wd, lr_var))
            step.fill_(t)
            torch._fused_adam_(values, grads, m_list, v_list, [], steps, lr=lr_var, beta1=beta_1, beta2=beta_2,
                               weight_decay=0.0, eps=eps / (1.0 - beta_2 ** t) ** 0.5, amsgrad=False,
                               maximize=False)
            it.add_(1)

    def _adam(values, m_list, v_list, wd_list, lr_var, it, grads):
        with torch.no_grad():
            if wd is not None:  # TorchOptimizer._apply_weight_decay
                torch._foreach_mul_(wd_list, 1 - torch.multiply(wd, lr_var))
            lr = lr_var
            local_step = (it + 1).to(_F32)
            alpha = lr * torch.sqrt(1 - torch.pow(b2, local_step)) / (1 - torch.pow(b1, local_step))
            torch._foreach_mul_(m_list, beta_1)
            torch._foreach_add_(m_list, grads, alpha=1 - beta_1)
            torch._foreach_mul_(v_list, beta_2)
            torch._foreach_add_(v_list, torch._foreach_mul(grads, grads), alpha=1 - beta_2)
            torch._foreach_add_(values, torch._foreach_div(torch._foreach_mul(m_list, alpha),
                                                           torch._foreach_add(torch._foreach_sqrt(v_list), eps)),
                                alpha=-1)
            it.add_(1)

    return build


@functools.cache
def _fused_kernel() -> bool:
    """Whether this torch has a fused Adam kernel for CPU float32 tensors that computes the
    update (tried once: one step of ones, whose result is known)."""
    try:
        p, g, m, v = (torch.ones(2, dtype=_F32) for _ in range(4))
        torch._fused_adam_([p], [g], [m], [v], [], [torch.ones((), dtype=_F32)], lr=torch.tensor(1e-3),
                           beta1=0.9, beta2=0.999, weight_decay=0.0, eps=0.0, amsgrad=False, maximize=False)
    except (AttributeError, RuntimeError, TypeError, NotImplementedError):
        return False
    # m = 0.9 + 0.1, v = 0.999 + 0.001, step 1: p -= 1e-3 * (m / 0.1) / (sqrt(v) / sqrt(0.001))
    return bool(torch.allclose(p, torch.full((2,), 1 - 1e-3 * 10 * 0.001 ** 0.5, dtype=_F32)))


class FastStep:
    """``step(x, y, sw) -> loss tensor``, :meth:`bind` to the variables' tensors before use.

    Keras's ``Variable.value`` costs ~13 us a read on torch; the step reads each
    variable's tensor once per :meth:`bind` (once an epoch). Keras assigns torch
    variables in place (``copy_``), so the tensors stay those of the variables.
    """

    def __init__(self, model, loss, optimizer, metrics, forward, loss_fn, update):
        self.model, self.loss, self.optimizer, self.metrics = model, loss, optimizer, metrics
        self._forward, self._loss_fn, self._update = forward, loss_fn, update
        self.variables = list(model.trainable_variables)
        layers = _compat.keras_sublayers(model)
        # model.losses walks every layer per read: only where a layer can contribute
        self.has_losses = forward is None or bool(model.losses) or any(
            type(layer) not in (keras.layers.Dense, keras.layers.Dropout, keras.layers.Activation,
                                keras.layers.Add, keras.layers.InputLayer)
            or getattr(layer, "kernel_regularizer", None) is not None
            or getattr(layer, "bias_regularizer", None) is not None
            or getattr(layer, "activity_regularizer", None) is not None for layer in layers)
        self.bind()

    def bind(self) -> None:
        self.params = [v.value for v in self.variables]
        self.forward = self._forward() if self._forward is not None else None
        self.update = self._update() if self._update is not None else None

    def __call__(self, x, y, sw):
        model = self.model
        yp = self.forward(x) if self.forward is not None else None
        if yp is None:
            yp = model(x, training=True)
        value = self._loss_fn(y, yp, sw) if self._loss_fn is not None else None
        if value is None:
            value = self.loss(y, yp, sample_weight=sw)
        if self.has_losses:
            extra = model.losses
            if extra:
                value = value + sum(extra)
        grads = list(torch.autograd.grad(value, self.params, allow_unused=True))
        if self.update is not None and all(g is not None for g in grads):
            self.update(grads)
        else:
            with torch.no_grad():
                self.optimizer.apply(grads, self.variables)
        if self.metrics:
            with torch.no_grad():
                for m in self.metrics:
                    m.update_state(y, yp)  # compile(metrics=...) metrics are unweighted in Keras
        return value.detach()


def fast_step(model, loss, optimizer, metrics):
    """A :class:`FastStep` where any part of the step can be sped up exactly, else None.

    An unforeseen model or optimizer that the inspection below cannot read
    trains through Keras: the fast step is an optimization only.
    """
    try:
        forward = _forward(model)
        loss_fn = _loss(loss)
        update = _update(optimizer, list(model.trainable_variables))
    except Exception:  # noqa: BLE001
        return None
    if forward is None and loss_fn is None and update is None:
        return None
    return FastStep(model, loss, optimizer, metrics, forward, loss_fn, update)
