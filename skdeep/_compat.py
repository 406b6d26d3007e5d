"""Every private API of a dependency that skdeep uses, in one place.

Each hook has a test in ``tests/test_compat.py`` that fails loudly when an
upgrade moves or removes it, instead of a fix silently doing nothing. Keras,
TensorFlow and shap are imported inside the functions: ``import skdeep`` must
not start a backend.
"""

from __future__ import annotations

import collections

# scikit-learn: parameter constraints as data and sample-weight checks, as its own
# estimators use them (no public equivalents).
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions  # noqa: F401
from sklearn.utils.validation import _check_sample_weight as check_sample_weight  # noqa: F401
from sklearn.utils.validation import _check_y as check_y  # noqa: F401


def param_names(cls) -> list[str]:
    """The named ``__init__`` parameters of an estimator class (``BaseEstimator._get_param_names``)."""
    return cls._get_param_names()


def keras_name_uids() -> dict:
    """Keras's auto-naming counters (``"dense_3"``, ``"adam_7"``), a mutable dict; no public accessor."""
    from keras.src.backend.common import global_state

    return global_state.get_global_attribute(
        "object_name_uids", default=collections.defaultdict(int), set_to_default=True)


def tf_gradient_registry() -> dict:
    """TensorFlow's process-wide gradient registry (name -> gradient function)."""
    from tensorflow.python.framework import ops as tf_ops

    return tf_ops._gradient_registry._registry


def keras_tensorflow_handle():
    """Keras's lazy ``tensorflow`` module (``keras.src.utils.module_utils.tensorflow``).

    Its ``available`` property imports TensorFlow when it is installed, and Keras
    asks it while serializing any model (``isinstance(obj, tf.TensorShape)``),
    whatever the backend; its private ``_available`` caches the answer.
    """
    from keras.src.utils import module_utils

    return module_utils.tensorflow


def tensorboard_traces(callback) -> bool:
    """Whether a ``keras.callbacks.TensorBoard`` profiles batches (its private ``_should_trace``)."""
    return bool(getattr(callback, "_should_trace", True))  # unknown: assume it does


def shap_deep_tf():
    """shap's TensorFlow DeepExplainer module: its ``op_handlers`` table and ``nonlinearity_1d`` rule."""
    from shap.explainers._deep import deep_tf

    return deep_tf


def keras_seed_source():
    """The module Keras's ``make_default_seed`` draws from (no public accessor).

    Raises a clear error, rather than silently seeding nothing, if a Keras
    release moves it.
    """
    from keras.src.random import seed_generator

    if not hasattr(seed_generator, "python_random") or not hasattr(seed_generator, "make_default_seed"):
        import keras

        raise RuntimeError(
            f"keras {keras.__version__} no longer draws default seeds from "
            "keras.src.random.seed_generator.python_random; skdeep cannot make random_state "
            "reproducible with it. Please report this to skdeep."
        )
    return seed_generator


def keras_compile_arguments(model) -> dict | None:
    """The arguments ``model.compile`` was called with, objects included (Keras's private
    ``_compile_config.config``); None where this Keras keeps them elsewhere."""
    return getattr(getattr(model, "_compile_config", None), "config", None)


# -- Keras internals the PyTorch trainer's fast step reads (skdeep/_engine/_torch_fast.py) ---------
# The fast step replays what Keras's own layers, loss and optimizer do on torch; to know when that
# is exact it reads the model's graph and the optimizer's slots, which Keras keeps private.

def keras_functional_call():
    """``Functional.call``, to tell a graph model whose ``call`` is Keras's own from a subclass."""
    from keras.src.models.functional import Functional

    return Functional.call


def keras_sequential_graph(model):
    """The Functional graph a built ``Sequential`` runs (its private ``_functional``), or None."""
    return getattr(model, "_functional", None)


def keras_inbound_nodes(operation) -> list:
    """The nodes where ``operation`` is called in its model's graph (``_inbound_nodes``)."""
    return list(operation._inbound_nodes)


def keras_sublayers(model) -> list:
    """Every layer inside ``model``, nested ones included (``_flatten_layers``)."""
    return list(model._flatten_layers(include_self=False))


def keras_call_context_args(layer) -> tuple:
    """The call arguments a layer receives from its caller's context, e.g. ``training``."""
    return tuple(getattr(layer, "_call_context_args", ()))


def keras_dropout_seeded(layer) -> bool | None:
    """Whether a ``Dropout`` layer was given a seed (Keras's seeded path), None if unknown.

    An unseeded dropout on torch draws from torch's global generator (``F.dropout``).
    """
    generator = getattr(layer, "seed_generator", None)
    if generator is None or not hasattr(generator, "_initial_seed"):
        return None
    return generator._initial_seed is not None


def keras_mask(tensor):
    """The mask Keras attaches to a tensor (``_keras_mask``), or None."""
    return getattr(tensor, "_keras_mask", None)


def keras_mark_logits(probabilities, logits):
    """Attach the logits to a sigmoid's output as ``keras.activations.sigmoid`` does (``_keras_logits``)."""
    probabilities._keras_logits = logits
    return probabilities


def keras_torch_adam():
    """Keras's torch ``Adam`` class and the modules of the torch optimizers built on its update."""
    from keras.src.backend.torch.optimizers import torch_adam

    return torch_adam.Adam, ("keras.src.backend.torch.optimizers.torch_adam",
                             "keras.src.backend.torch.optimizers.torch_adamw")


def keras_adam_slots(optimizer, variables) -> dict:
    """What an Adam(W) update reads and writes, by the optimizer's private names.

    ``momentums`` and ``velocities`` per variable (in ``variables``' order),
    ``decayed`` (the variables weight decay applies to), the ``learning_rate``
    and ``iterations`` variables, and ``trainable`` (the variables it was built for).
    """
    index = optimizer._get_variable_index
    return {
        "momentums": [optimizer._momentums[index(v)] for v in variables],
        "velocities": [optimizer._velocities[index(v)] for v in variables],
        "decayed": ([v for v in variables if optimizer._use_weight_decay(v)]
                    if optimizer.weight_decay is not None else []),
        "learning_rate": optimizer._learning_rate,
        "iterations": optimizer._iterations,
        "trainable": list(optimizer._trainable_variables),
    }
