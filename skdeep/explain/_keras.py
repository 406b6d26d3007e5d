"""The network side: Keras models for each output, and the gradient-based explainers.

Measured with Keras 3 on TensorFlow 2.21 and shap 0.51: ``shap.DeepExplainer``
(DeepLIFT with the rescale rule, averaged over the background) works on the
fitted ``model_`` directly, including batch normalization, dropout and the
output rescaling, and its attributions add up to the model output to float32
precision. ``shap.GradientExplainer`` (expected gradients) also runs, but its
values only add up approximately (a sampling estimate). Both need the
TensorFlow backend; on JAX or PyTorch the adapter falls back to a
model-agnostic explainer on the network's prediction function.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator

import keras
import numpy as np
from keras import ops

from .. import _compat
from .._chunks import in_chunks
from .._retrieval import blends
from .._state import seeded_numpy
from ._outputs import EPS, complete_binary, logit



def deep_available() -> bool:
    """shap's Deep and Gradient explainers support Keras only on TensorFlow."""
    return keras.backend.backend() == "tensorflow"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the warnings shap's TensorFlow path raises on every Keras 3 call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*structure of `inputs`.*")
        warnings.filterwarnings("ignore", message=".*TensorFlow version is newer.*")
        yield


class LogOdds(keras.layers.Layer):
    """Per-unit ``log(p / (1 - p))`` of probabilities clipped to ``[EPS, 1 - EPS]``."""

    def call(self, probabilities):
        p = ops.clip(probabilities, EPS, 1.0 - EPS)
        return ops.log(p) - ops.log(1.0 - p)


class Softmax(keras.layers.Layer):
    """Softmax written as ``exp(z - mean z) / sum exp(z - mean z)``.

    Keras's softmax becomes TensorFlow's ``Softmax`` op, for which shap's rule
    (it subtracts a ``reduce_max`` and treats it as a 1-D nonlinearity) gives
    attributions that still add up but spread onto irrelevant features. Built
    from Sub/Mean (linear), Exp (rescale) and RealDiv (two-input Shapley rule),
    DeepExplainer's multiclass attributions agree with exact Shapley values.
    """

    def call(self, logits):
        e = ops.exp(logits - ops.mean(logits, axis=-1, keepdims=True))
        return e / ops.sum(e, axis=-1, keepdims=True)


def network_for_output(estimator: Any, output: str, is_classifier: bool) -> keras.Model:
    """A Keras model mapping float32 rows to the explained output, for predicting.

    Probabilities are ``model_`` itself, regression outputs ``model_`` rescaled to target units (a binary
    classifier's single sigmoid unit stays one column). Log-odds append
    :class:`LogOdds`; ``raw`` rebuilds the network up to the output layer's
    pre-activation (logits).
    """
    network = estimator.model_
    if not is_classifier:
        # The network outputs standardized targets; explain predictions in target units.
        enc = estimator.target_encoder_
        inputs = keras.Input((estimator.n_features_in_,))
        rescale = keras.layers.Rescaling(scale=np.asarray(enc.scale_, "float32").tolist(),
                                         offset=np.asarray(enc.mean_, "float32").tolist())
        return keras.Model(inputs, rescale(network(inputs)))
    if output == "probability":
        return network
    inputs = keras.Input((estimator.n_features_in_,))
    if output == "log_odds":
        return keras.Model(inputs, LogOdds()(network(inputs)))
    return keras.Model(inputs, _logits_model(network)(inputs))


def network_for_deep(estimator: Any, output: str, is_classifier: bool) -> keras.Model:
    """The same function as :func:`network_for_output`, in ops DeepExplainer handles well.

    A multiclass network is rebuilt as logits followed by :class:`Softmax`.
    """
    if not is_classifier or len(estimator.classes_) <= 2 or output == "raw":
        return network_for_output(estimator, output, is_classifier)
    inputs = keras.Input((estimator.n_features_in_,))
    probabilities = Softmax()(_logits_model(estimator.model_)(inputs))
    if output == "log_odds":
        probabilities = LogOdds()(probabilities)
    return keras.Model(inputs, probabilities)


def _logits_model(network: keras.Model) -> keras.Model:
    """The network up to its output layer's pre-activation (the logits)."""
    last = network.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", None)
    if activation not in ("sigmoid", "softmax") or not isinstance(
        last, (keras.layers.Dense, keras.layers.Activation)
    ):
        raise ValueError(
            "Explaining the logits needs a network whose last layer is a Dense or "
            f"Activation layer with a sigmoid or softmax activation; got "
            f"{type(last).__name__} ({activation})."
        )
    hidden = keras.Model(network.inputs, last.input)
    if isinstance(last, keras.layers.Activation):
        return hidden
    head = keras.layers.Dense(last.units, use_bias=last.use_bias, activation=None)
    head.build(tuple(last.input.shape))
    head.set_weights(last.get_weights())
    return keras.Sequential([hidden, head])


def predict_network(network: keras.Model, Z: np.ndarray) -> np.ndarray:
    """Forward pass in inference mode, in chunks; returns float64 (n, k)."""
    Z = np.asarray(Z, dtype="float32")
    out = in_chunks(lambda chunk: ops.convert_to_numpy(network(chunk, training=False)), Z)
    return out.astype(np.float64).reshape(len(Z), -1)


@contextlib.contextmanager
def shap_rules(enabled: bool) -> Iterator[None]:
    """Let DeepExplainer handle the ops shap has no rule for, for the duration of a call.

    shap's TensorFlow DeepExplainer has rescale rules for Sigmoid, Exp, Softplus
    and others but none for ``Log`` (the log-odds head, when ``enabled``), nor for
    ``Sin`` / ``Cos`` and ``Einsum`` (periodic numeric embeddings). The rescale
    rule (multiplier ``(f(x) - f(r)) / (x - r)``) is exact for any 1-D function,
    and an einsum with a weight tensor is linear in its input, so attributions
    still sum to the output. The rules are added to shap's handler table and
    removed afterwards.
    """
    deep_tf = _compat.shap_deep_tf()

    rules = {"Sin": deep_tf.nonlinearity_1d(0), "Cos": deep_tf.nonlinearity_1d(0),
             "Einsum": deep_tf.linearity_1d(0)}
    if enabled:
        rules["Log"] = deep_tf.nonlinearity_1d(0)
    added = [name for name in rules if name not in deep_tf.op_handlers]
    for name in added:
        deep_tf.op_handlers[name] = rules[name]
    try:
        yield
    finally:
        for name in added:
            deep_tf.op_handlers.pop(name, None)


class DeepBackend:
    """``shap.DeepExplainer`` (DeepLIFT rescale rule) on a Keras model.

    shap checks additivity itself and raises when the attributions do not add
    up, e.g. when the network uses an operation it has no rule for.
    """

    def __init__(self, network: keras.Model, background: np.ndarray, *, output: str):
        import shap

        self._log = output == "log_odds"
        with quiet(), shap_rules(self._log):
            self._explainer = shap.DeepExplainer(network, background.astype("float32"))
        self._base = np.asarray(self._explainer.expected_value, dtype=np.float64).reshape(-1)

    def __call__(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with quiet(), shap_rules(self._log):
            values = self._explainer.shap_values(Z.astype("float32"))
        return np.asarray(values, dtype=np.float64), np.tile(self._base, (len(Z), 1))


class GradientBackend:
    """``shap.GradientExplainer`` (expected gradients); additivity is approximate."""

    def __init__(self, network: keras.Model, background: np.ndarray, *, random_state: int | None):
        import shap

        with quiet():
            self._explainer = shap.GradientExplainer(network, background.astype("float32"))
        self._base = predict_network(network, background).mean(axis=0)
        self._seed = 0 if random_state is None else int(random_state)

    def __call__(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # shap seeds NumPy's global RNG with rseed; keep the caller's state.
        with quiet(), seeded_numpy(self._seed):
            values = self._explainer.shap_values(Z.astype("float32"), nsamples=200, rseed=self._seed)
        return np.asarray(values, dtype=np.float64), np.tile(self._base, (len(Z), 1))


def network_output_function(estimator: Any, output: str, is_classifier: bool, n_classes: int | None):
    """Function of transformed rows ``Z`` giving a skdeep network's explained output, shape (n, k).

    A binary classifier's single unit is completed with class 0's column, as
    for scikit-learn models (:func:`~skdeep.explain._outputs.complete_binary`).
    """
    if blends(estimator):
        return _blended_output_function(estimator, output)
    network = network_for_output(estimator, output, is_classifier)

    def network_output(Z):
        out = predict_network(network, Z)
        if n_classes == 2 and out.shape[1] == 1:
            out = complete_binary(out, output)
        return out

    return network_output


def _blended_output_function(estimator: Any, output: str):
    """Probabilities (or their log-odds) of a network with its neighbour vote, as ``predict_proba`` gives them."""
    if output not in ("probability", "log_odds"):
        raise ValueError(
            "output='raw' explains the network's logits, but this classifier blends a neighbour vote into "
            "its probabilities (retrieval_): explain output='probability' or 'log_odds', or fit with "
            "retrieval=False.")

    def blended_output(Z):
        out = estimator._proba(np.asarray(Z, dtype=estimator.dtype))  # the rows as the network reads them
        return logit(out) if output == "log_odds" else out

    return blended_output
