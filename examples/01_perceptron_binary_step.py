"""A perceptron with a binary-step activation.

Reproduces the perceptron case of seed tutorial 000 ("Deep Learning with Python:
Neural Networks") and the perceptron section of seed 002: one neuron that
computes ``f(sum(x_i * w_i) + b)`` on 3 features, where ``f`` is a custom
binary step returning 1 when the weighted sum is positive and 0 otherwise.

What it shows, honestly:

1. Forward pass only. A Keras perceptron with the step activation and every
   weight set to 1 (as in the seed) turns rows into 0/1 outputs. This is the
   seed's point: a neuron is a weighted sum followed by an activation.
2. Why a step cannot be *trained*. The step is flat everywhere, so its gradient
   is zero: fitting a step perceptron with skdeep leaves every weight exactly
   where it started and the loss does not move.
3. The trainable version. ``KerasClassifier(hidden_layer_sizes=(),
   numeric_transform=None, numeric_embedding=None)`` is the same single neuron with a sigmoid output (logistic regression trained by
   gradient descent). Its ``predict`` thresholds the sigmoid at 0.5, which is
   exactly the binary step applied to ``w.x + b``: we check that the two agree
   on every row.

Note: with the built-in network, ``activation`` only applies to *hidden*
layers, so ``hidden_layer_sizes=()`` with ``activation=binary_step`` would not
use the step at all. To put the step on the output neuron we pass a small build
function that asks skdeep for ``n_features_in`` and ``activation`` by name.

Data: a synthetic 3-feature binary problem from ``make_classification`` (the
seed used a made-up N x 3 table). Writes a network diagram (PNG) to
``$SKDEEP_EXAMPLE_OUTPUT/01_perceptron_binary_step`` or a temporary directory.
Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of training epochs.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402

NAME = "01_perceptron_binary_step"


def n_epochs(default):
    """``$SKDEEP_EXAMPLE_EPOCHS`` when set (the tests use 2), else ``default``."""
    return int(os.environ.get("SKDEEP_EXAMPLE_EPOCHS", default))


def output_dir():
    """``$SKDEEP_EXAMPLE_OUTPUT/<example>`` when set, else a new temporary directory."""
    base = os.environ.get("SKDEEP_EXAMPLE_OUTPUT")
    if not base:
        return tempfile.mkdtemp(prefix=f"skdeep-{NAME}-")
    path = os.path.join(base, NAME)
    os.makedirs(path, exist_ok=True)
    return path


# A custom activation must be registered to be serializable: skdeep copies the
# architecture (keras.models.clone_model) for its training engine and pickling.
@keras.saving.register_keras_serializable(package="skdeep_examples")
def binary_step(x):
    """1 where x > 0, else 0. ``0 * x`` keeps a (zero) gradient instead of none."""
    return ops.cast(x > 0, x.dtype) + 0.0 * x


def step_perceptron(n_features_in, activation):
    """Build function: skdeep passes the arguments it is asked for by name."""
    return keras.Sequential(
        [keras.Input((n_features_in,), name="input"),
         keras.layers.Dense(1, activation=activation, name="dense")],
        name="Perceptron",
    )


def main():
    X, y = make_classification(n_samples=400, n_features=3, n_informative=3, n_redundant=0, n_clusters_per_class=1,
                               class_sep=1.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    epochs = n_epochs(100)
    out = output_dir()

    # 1. Forward pass of the seed's perceptron: every weight 1, bias 0, step activation.
    print("1. Forward pass, weights all 1 (no training)")
    model = step_perceptron(3, binary_step)
    model.get_layer("dense").set_weights([np.ones((3, 1)), np.zeros(1)])
    rows = X_test[:5].astype("float32")
    outputs = keras.ops.convert_to_numpy(model(rows, training=False)).ravel()
    for row, out_value in zip(rows, outputs):
        print(f"   x={np.round(row, 2)}  sum(x*w)={row.sum():+.2f}  step -> {int(out_value)}")
    print(f"   parameters: {model.count_params()} (3 weights + 1 bias)")

    # 2. Training through the step does nothing: the gradient is zero everywhere.
    print("\n2. Training a step perceptron (gradient of a step is zero)")
    # optimizer="adam": AdamW's weight decay (the default) would shrink weights even at zero gradient
    stepper = KerasClassifier(step_perceptron, activation=binary_step, epochs=1, optimizer="adam",
                              warm_start=True, random_state=0).fit(X_train, y_train)
    before = [w.copy() for w in stepper.model_.get_weights()]
    stepper.set_params(epochs=epochs).fit(X_train, y_train)  # warm start: keep training
    after = stepper.model_.get_weights()
    unchanged = all(np.array_equal(a, b) for a, b in zip(before, after))
    print(f"   weights unchanged after {epochs} more epochs: {unchanged}")
    print(f"   loss, first and last epoch: {stepper.history_['loss'][0]:.4f}, "
          f"{stepper.history_['loss'][-1]:.4f}")
    print(f"   test accuracy of the untrainable step perceptron: {stepper.score(X_test, y_test):.3f}")

    # 3. The trainable perceptron: one sigmoid neuron, then the step at prediction time.
    print("\n3. Trainable perceptron: hidden_layer_sizes=(), sigmoid output")
    # numeric_transform / numeric_embedding off: the inputs reach the neuron as they are
    clf = KerasClassifier(hidden_layer_sizes=(), learning_rate=0.05, epochs=epochs,
                          numeric_transform=None, numeric_embedding=None,
                          random_state=0).fit(X_train, y_train)
    print(f"   layers: {[layer.name for layer in clf.model_.layers]}, "
          f"parameters: {clf.model_.count_params()}")
    W, b = clf.model_.get_layer("output").get_weights()
    print(f"   learned weights {np.round(W.ravel(), 3)}, bias {np.round(b, 3)}")
    z = X_test @ W + b  # the weighted sum, before any activation
    step_prediction = keras.ops.convert_to_numpy(binary_step(z.astype("float32"))).ravel().astype(int)
    agree = np.mean(step_prediction == clf.predict(X_test))
    print(f"   step(w.x + b) agrees with clf.predict on {agree:.0%} of test rows")
    print(f"   test accuracy: {clf.score(X_test, y_test):.3f}")

    try:
        import matplotlib

        from skdeep.plot import plot_network
    except ImportError:  # matplotlib is optional
        print("\n(matplotlib not installed: no diagram)")
        return
    import matplotlib.pyplot as plt

    fig = plot_network(clf, show_weights=True, title="Trained perceptron")
    path = os.path.join(out, "perceptron.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"\nNetwork diagram saved to {path}")
    if matplotlib.get_backend().lower() == "agg":
        plt.close("all")
    else:
        plt.show()


if __name__ == "__main__":
    main()
