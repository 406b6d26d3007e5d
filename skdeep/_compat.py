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


def param_names(cls) -> list[str]:
    """The named ``__init__`` parameters of an estimator class (``BaseEstimator._get_param_names``)."""
    return cls._get_param_names()


def keras_name_uids() -> dict:
    """Keras's auto-naming counters (``"dense_3"``, ``"adam_7"``), a mutable dict; no public accessor."""
    from keras.src.backend.common import global_state

    return global_state.get_global_attribute(
        "object_name_uids", default=collections.defaultdict(int), set_to_default=True)


def loss_function_wrapper():
    """Keras's ``LossFunctionWrapper`` (a function as a ``Loss``), public in some Keras versions only."""
    import keras

    wrapper = getattr(keras.losses, "LossFunctionWrapper", None)
    if wrapper is None:
        from keras.src.losses.losses import LossFunctionWrapper as wrapper
    return wrapper


def tf_gradient_registry() -> dict:
    """TensorFlow's process-wide gradient registry (name -> gradient function)."""
    from tensorflow.python.framework import ops as tf_ops

    return tf_ops._gradient_registry._registry


def tensorboard_traces(callback) -> bool:
    """Whether a ``keras.callbacks.TensorBoard`` profiles batches (its private ``_should_trace``)."""
    return bool(getattr(callback, "_should_trace", True))  # unknown: assume it does


def shap_deep_tf():
    """shap's TensorFlow DeepExplainer module: its ``op_handlers`` table and ``nonlinearity_1d`` rule."""
    from shap.explainers._deep import deep_tf

    return deep_tf
