"""Multiclass digits: controlling variance with dropout and with L2 regularization.

Reproduces seed tutorial 001 ("Deep Learning Quick Reference", chapter 5):
a 10-class handwritten-digit classifier with three hidden ReLU layers
(512-256-128), a softmax output, categorical cross-entropy on one-hot targets
and accuracy, trained three ways:

* no regularization (the seed's first network, which over-fits);
* dropout 0.5 after every hidden layer ("start with 0.5");
* L2 weight penalty (the seed's ``kernel_regularizer='l2'``, i.e. 0.01).

For each, it prints the final training and validation accuracy (their gap is
the variance the regularization should shrink) and the test accuracy, then a
scikit-learn classification report on held-out test digits, as the seed does.
Only 30% of the digits are used for training, so the unregularized network
over-fits visibly.

Data: the seed used MNIST (28x28 images), which cannot be downloaded here;
scikit-learn's bundled 8x8 digits (1,797 images, pixel values 0-16) stand in.
Images are flattened to 64 features and divided by 16 (the seed divides MNIST
by 255). ``loss="categorical_crossentropy"`` makes skdeep one-hot encode the
labels itself - no ``to_categorical`` needed - and ``predict`` returns digit
labels, not probability rows.

Differences from the seed to know about: skdeep's ``l2`` penalizes every Dense
layer including the output (the seed's only the hidden ones), and its
``dropout`` follows every hidden layer.

Writes one training-curve figure per variant to
``$SKDEEP_EXAMPLE_OUTPUT/06_multiclass_digits_regularization`` or a temporary
directory. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of epochs.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import classification_report  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402

NAME = "06_multiclass_digits_regularization"


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
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixels 0..16 -> 0..1
    # A small training set (30%, ~540 digits) makes the variance easy to see.
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=0.3, stratify=y, random_state=0)
    out = output_dir()

    common = dict(
        hidden_layer_sizes=(512, 256, 128),
        label_smoothing=0.0,               # the seed's plain network; regularization below
        loss="categorical_crossentropy",   # one-hot targets, as the seed
        metrics=["accuracy"],
        batch_size=32,
        epochs=n_epochs(30),
        validation_split=0.2,
        random_state=0,
    )
    variants = {
        "no regularization": KerasClassifier(dropout=0.0, **common),
        "dropout 0.5": KerasClassifier(dropout=0.5, **common),
        "L2 0.01": KerasClassifier(dropout=0.0, l2=0.01, **common),
    }

    print(f"{'variant':18s} {'train acc':>9s} {'val acc':>8s} {'gap':>6s} {'test acc':>9s}")
    for name, clf in variants.items():
        clf.fit(X_train, y_train)
        train_acc, val_acc = clf.history_["accuracy"][-1], clf.history_["val_accuracy"][-1]
        print(f"{name:18s} {train_acc:9.3f} {val_acc:8.3f} {train_acc - val_acc:6.3f} "
              f"{clf.score(X_test, y_test):9.3f}")
    # Training accuracy is measured with dropout active (as Keras reports it), so
    # for the dropout variant it can sit close to or below the validation accuracy.
    # Regularization shrinks the gap; whether test accuracy improves depends on the
    # data - on these small, clean images it barely moves.

    best_name = max(variants, key=lambda n: variants[n].score(X_test, y_test))
    best = variants[best_name]
    print(f"\nencoded targets: one-hot={best.target_encoder_.one_hot}, "
          f"output units={best.n_outputs_}, classes={best.classes_.tolist()}")
    print(f"classification report on test digits ({best_name}):")
    print(classification_report(y_test, best.predict(X_test), digits=3))

    try:
        import matplotlib
        import matplotlib.pyplot as plt

        from skdeep.plot import plot_history
    except ImportError:
        print("(matplotlib not installed: no plots)")
        return
    for name, clf in variants.items():
        fig = plot_history(clf)
        fig.suptitle(name)
        path = os.path.join(out, name.replace(" ", "_").replace(".", "") + ".png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        print(f"saved {path}")
    if matplotlib.get_backend().lower() == "agg":
        plt.close("all")
    else:
        plt.show()


if __name__ == "__main__":
    main()
