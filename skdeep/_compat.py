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
