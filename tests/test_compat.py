"""Each private API skdeep relies on still exists and still does what skdeep needs.

When one of these fails after an upgrade, update ``skdeep/_compat.py``: the fix
that uses the hook (named in each test) would otherwise silently stop working.
"""

import importlib
import inspect
import os

import keras
import numpy as np
import pytest

from skdeep import KerasClassifier, _compat


def _optional(module: str):
    """``module``, which the dev extra installs: only CI's floors pass (SKDEEP_FLOORS=1), which
    installs the package alone, may lack it; anywhere else its absence fails the test."""
    if os.environ.get("SKDEEP_FLOORS") == "1":
        return pytest.importorskip(module)
    return importlib.import_module(module)


def test_sklearn_param_validation_classes():
    # Used by: parameter constraints in skdeep/_params.py (checked by _validate_params at fit).
    from numbers import Real

    assert _compat.Interval(Real, 0, 1, closed="left").is_satisfied_by(0.5)
    assert not _compat.StrOptions({"a"}).is_satisfied_by("b")
    assert _compat.HasMethods(["fit"]).is_satisfied_by(KerasClassifier())


def test_sklearn_check_sample_weight_refuses_negative_weights():
    # Used by: sample_weight validation in fit.
    assert "ensure_non_negative" in inspect.signature(_compat.check_sample_weight).parameters
    with pytest.raises(ValueError, match="Negative values"):
        _compat.check_sample_weight(np.array([-1.0, 1.0]), np.zeros((2, 1)), ensure_non_negative=True)


def test_sklearn_param_names():
    # Used by: routed parameters (get_params / set_params).
    assert {"hidden_layer_sizes", "class_weight"} <= set(_compat.param_names(KerasClassifier))


def test_keras_name_uids_are_the_auto_naming_counters():
    # Used by: keras_names_kept (flat memory over many fits, user's auto-names unchanged).
    uids = _compat.keras_name_uids()
    before = dict(uids)
    keras.layers.Dense(1)
    after = _compat.keras_name_uids()
    assert after is uids and sum(after.values()) > sum(before.values())


def test_sklearn_check_y():
    # Used by: validating y beside a DataFrame with categorical columns (skdeep/_base.py).
    y = _compat.check_y(np.array([1.0, 2.0]), multi_output=True, y_numeric=True)
    assert y.dtype.kind == "f"
    with pytest.raises(ValueError, match="NaN"):
        _compat.check_y(np.array([np.nan, 1.0]), multi_output=True, y_numeric=True)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow backend only")
def test_tf_gradient_registry():
    # Used by: custom_gradients_released (flat memory on the Keras engine).
    registry = _compat.tf_gradient_registry()
    assert isinstance(registry, dict) and "MatMul" in registry


def test_tensorboard_should_trace():
    # Used by: the compiled engine honouring an epoch-only TensorBoard callback.
    _optional("tensorboard")
    cb = keras.callbacks.TensorBoard(profile_batch=0)
    assert hasattr(cb, "_should_trace") and _compat.tensorboard_traces(cb) is False
    if keras.backend.backend() == "tensorflow":  # Keras profiles on TensorFlow only
        assert _compat.tensorboard_traces(keras.callbacks.TensorBoard(profile_batch=2)) is True


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="shap's DeepExplainer needs TensorFlow")
def test_shap_deep_tf_op_handlers():
    # Used by: the Log rule added while explaining log-odds with DeepExplainer.
    _optional("shap")
    deep_tf = _compat.shap_deep_tf()
    assert "Sigmoid" in deep_tf.op_handlers and "Log" not in deep_tf.op_handlers
    assert callable(deep_tf.nonlinearity_1d(0))


def test_keras_seed_source():
    # Used by: skdeep/_state.py (random_state reaches every default seed, whatever other threads do).
    source = _compat.keras_seed_source()
    assert hasattr(source, "python_random") and callable(source.make_default_seed)


def test_keras_compile_arguments():
    # Used by: skdeep/_compile.py user_compilation (a model compiled by the user keeps its compilation).
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.3)
    model.compile(optimizer=optimizer, loss="mse")
    assert _compat.keras_compile_arguments(model)["optimizer"] is optimizer


# -- Used by: skdeep/_engine/_torch_fast.py (the PyTorch trainer's fast step, exact or not used) --
def test_keras_graph_hooks():
    dense, dropout = keras.layers.Dense(3, activation="relu"), keras.layers.Dropout(0.5)
    model = keras.Sequential([keras.Input((4,)), dense, dropout, keras.layers.Dense(1)])
    graph = _compat.keras_sequential_graph(model)
    assert type(graph).__name__ == "Functional" and type(graph).call is _compat.keras_functional_call()
    nodes = _compat.keras_inbound_nodes(dense)
    assert len(nodes) == 1 and nodes[0].operation is dense and len(nodes[0].input_tensors) == 1
    assert nodes[0].outputs[0] is _compat.keras_inbound_nodes(dropout)[0].input_tensors[0]
    assert dense in _compat.keras_sublayers(model) and dropout in _compat.keras_sublayers(model)
    assert "training" in _compat.keras_call_context_args(dropout)
    assert _compat.keras_dropout_seeded(dropout) is False
    assert _compat.keras_dropout_seeded(keras.layers.Dropout(0.5, seed=1)) is True
    masked = keras.layers.Masking()(keras.ops.ones((2, 3, 1)))
    assert _compat.keras_mask(masked) is not None and _compat.keras_mask(keras.ops.ones((2,))) is None


def test_keras_mark_logits_is_what_sigmoid_leaves():
    x = keras.ops.convert_to_tensor(np.array([[0.5, -1.0]], dtype="float32"))
    ours = _compat.keras_mark_logits(keras.ops.sigmoid(x), x)
    assert ours._keras_logits is x
    if keras.backend.backend() in ("tensorflow", "torch"):  # backends whose sigmoid records its logits
        assert hasattr(keras.activations.sigmoid(x), "_keras_logits")


# -- Used by: skdeep/_engine/_trainer.py plain_adam_slots (the fused Adam update of the
# TensorFlow and PyTorch trainers) --
def test_keras_adam_slots():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    for optimizer in (keras.optimizers.Adam(0.01), keras.optimizers.AdamW(0.01, weight_decay=0.1)):
        optimizer.build(model.trainable_variables)
        if keras.backend.backend() == "torch":
            adam, modules = _compat.keras_torch_adam()
            assert isinstance(optimizer, adam) and type(optimizer).__module__ in modules
        slots = _compat.keras_adam_slots(optimizer, model.trainable_variables)
        assert len(slots["momentums"]) == len(slots["velocities"]) == 2
        assert [v.shape for v in slots["momentums"]] == [v.shape for v in model.trainable_variables]
        assert slots["learning_rate"] is optimizer._learning_rate and slots["iterations"] is optimizer.iterations
        assert [id(v) for v in slots["trainable"]] == [id(v) for v in model.trainable_variables]
    assert slots["decayed"]  # AdamW decays the kernel at least
