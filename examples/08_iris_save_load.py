"""Iris: scaling, training, evaluating, saving, loading and predicting new rows.

Reproduces seed tutorial 003 (a deep-learning course's Iris example):
features scaled with a StandardScaler, one-hot targets with categorical
cross-entropy, two hidden layers of 128 ReLU units, a softmax output, batch
size 16, 10 epochs, 20% of the training data for validation, 10% of the data
held out for testing, an accuracy-per-epoch plot, saving and reloading the
model, and a prediction for the new flower ``[6.6, 3.0, 4.4, 1.4]``.

With skdeep the scaler and the network live in one scikit-learn Pipeline and
the targets stay species *names*: the estimator encodes them for the network
and ``predict`` returns names again - no ``to_categorical``, no ``argmax``, no
``target_names[...]`` lookup.

Two ways to persist:

* the whole estimator (scaler + network + label encoding) with ``pickle`` or
  ``joblib``: the reloaded pipeline predicts names from raw measurements;
* the bare Keras network with ``model_.save("iris.keras")`` and
  ``keras.saving.load_model``: portable to plain Keras, but it outputs class
  probabilities for *scaled* inputs, so the caller must scale and decode.

Files go to ``$SKDEEP_EXAMPLE_OUTPUT/08_iris_save_load`` or a temporary
directory. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of epochs.
"""

import os
import pickle
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import joblib  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402

NAME = "08_iris_save_load"


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
    iris = load_iris()
    X = iris.data
    y = iris.target_names[iris.target]  # species names: 'setosa', 'versicolor', 'virginica'
    print("features:", X[:2].tolist(), "targets:", y[:2].tolist())
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.10, stratify=y, random_state=0)
    out = output_dir()

    model = make_pipeline(
        StandardScaler(),
        KerasClassifier(
            hidden_layer_sizes=(128, 128),
            loss="categorical_crossentropy",  # skdeep one-hot encodes the names itself
            metrics=["accuracy"],
            batch_size=16,
            epochs=n_epochs(10),
            validation_split=0.2,
            random_state=0,
        ),
    )
    model.fit(X_train, y_train)
    clf = model[-1]
    print(f"\nclasses: {clf.classes_.tolist()}")
    print("accuracy per epoch:", np.round(clf.history_["accuracy"], 3).tolist())
    print("val accuracy per epoch:", np.round(clf.history_["val_accuracy"], 3).tolist())
    print(f"test accuracy: {model.score(X_test, y_test):.3f}")

    new_flower = [[6.6, 3.0, 4.4, 1.4]]
    print(f"\nnew flower {new_flower[0]}:")
    proba = model.predict_proba(new_flower)[0]
    print("  probabilities:", {str(c): round(float(p), 3) for c, p in zip(clf.classes_, proba)})
    print("  prediction:", model.predict(new_flower)[0])

    # 1. The whole pipeline, with pickle and with joblib.
    pkl_path, jbl_path = os.path.join(out, "iris.pkl"), os.path.join(out, "iris.joblib")
    with open(pkl_path, "wb") as f:
        pickle.dump(model, f)
    joblib.dump(model, jbl_path)
    with open(pkl_path, "rb") as f:
        from_pickle = pickle.load(f)
    from_joblib = joblib.load(jbl_path)
    same = all(np.allclose(m.predict_proba(X_test), model.predict_proba(X_test))
               for m in (from_pickle, from_joblib))
    print(f"\nreloaded pipelines (pickle, joblib) predict {from_pickle.predict(new_flower)[0]}, "
          f"{from_joblib.predict(new_flower)[0]}; same probabilities: {same}")

    # 2. Only the Keras network, in the native Keras format.
    keras_path = os.path.join(out, "iris.keras")
    clf.model_.save(keras_path)
    network = keras.saving.load_model(keras_path)  # an ordinary keras.Model
    scaled = model[0].transform(new_flower)        # the network expects scaled rows
    raw = network.predict(scaled, verbose=0)       # softmax probabilities
    print(f"\nKeras model loaded from {os.path.basename(keras_path)}: raw output "
          f"{[round(float(v), 3) for v in raw[0]]} -> {clf.classes_[np.argmax(raw[0])]}")

    try:
        import matplotlib
        import matplotlib.pyplot as plt

        from skdeep.plot import plot_history
    except ImportError:
        print("(matplotlib not installed: no plot)")
        return
    fig = plot_history(model, metrics="accuracy")
    fig.suptitle("Accuracy improvements with epoch")
    path = os.path.join(out, "accuracy.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"saved {path}")
    if matplotlib.get_backend().lower() == "agg":
        plt.close("all")
    else:
        plt.show()


if __name__ == "__main__":
    main()
