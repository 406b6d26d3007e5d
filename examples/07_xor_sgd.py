"""XOR with stochastic gradient descent.

Reproduces the Keras example of seed tutorial 002 ("Implementing neural
networks in Python"): the four rows of exclusive OR, a hidden layer of 10 tanh
units, a sigmoid output, binary cross-entropy, accuracy, and the SGD optimizer
with learning rate 0.1 (``SGD(lr=0.1)`` in the seed). It also shows the point
seed 001 makes in its first chapter: a network with no hidden layer (a
perceptron) cannot represent XOR, because XOR is not linearly separable.

The seed trains for 100 epochs and its output ends at a loss of about 0.67 -
still close to chance. With full-batch SGD at this learning rate XOR needs
several hundred epochs; this example trains for 1,000 by default (a few
seconds: skdeep runs whole epochs as compiled code).

Like the seed, it saves the architecture as JSON and the trained weights to
``$SKDEEP_EXAMPLE_OUTPUT/07_xor_sgd`` or a temporary directory, and rebuilds
the network from them. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of
epochs.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402

NAME = "07_xor_sgd"


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


def main():
    x_train = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y_train = np.array([0, 1, 1, 0])
    epochs = n_epochs(1000)
    out = output_dir()

    clf = KerasClassifier(
        hidden_layer_sizes=(10,),     # Dense(10) + Activation('tanh')
        activation="tanh",
        optimizer="sgd",
        learning_rate=0.1,            # SGD(lr=0.1), constant
        learning_rate_schedule=None,
        # the seed's network exactly: inputs as they are, no dropout or smoothing
        numeric_transform=None, numeric_embedding=None, dropout=0.0, label_smoothing=0.0,
        metrics=["accuracy"],
        epochs=epochs,
        random_state=0,
    ).fit(x_train, y_train)
    print(f"hidden (10,) tanh, SGD lr=0.1, {clf.n_iter_} epochs, "
          f"{clf.model_.count_params()} parameters (30 + 11, as in the seed's summary)")
    print(f"loss: first epoch {clf.history_['loss'][0]:.4f}, last {clf.history_['loss'][-1]:.4f}; "
          f"accuracy last epoch {clf.history_['accuracy'][-1]:.2f}")
    proba = clf.predict_proba(x_train)[:, 1]
    for row, p, label in zip(x_train, proba, clf.predict(x_train)):
        print(f"  {row} -> P(1) = {p:.3f}, class {label}")

    perceptron = KerasClassifier(hidden_layer_sizes=(), optimizer="sgd", learning_rate=0.1,
                                 numeric_transform=None, numeric_embedding=None,
                                 epochs=epochs, random_state=0).fit(x_train, y_train)
    print(f"\nno hidden layer (perceptron): predictions {perceptron.predict(x_train).tolist()}, "
          f"accuracy {perceptron.score(x_train, y_train):.2f} - a line cannot separate XOR")

    # As the seed: the structure as JSON, the weights in their own file.
    json_path = os.path.join(out, "basic_model.json")
    weights_path = os.path.join(out, "basic.weights.h5")  # Keras 3 needs *.weights.h5
    with open(json_path, "w") as f:
        f.write(clf.model_.to_json())
    clf.model_.save_weights(weights_path)
    with open(json_path) as f:
        rebuilt = keras.models.model_from_json(f.read())
    rebuilt.load_weights(weights_path)
    again = keras.ops.convert_to_numpy(rebuilt(x_train.astype("float32"))).ravel()
    print(f"\nsaved {json_path} and {weights_path}")
    print(f"rebuilt network gives the same probabilities: {np.allclose(again, proba, atol=1e-6)}")


if __name__ == "__main__":
    main()
