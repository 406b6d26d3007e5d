"""Binary classification with ModelCheckpoint, ROC AUC per epoch and an operating point.

Reproduces seed tutorial 001 ("Deep Learning Quick Reference", chapter 4):

* a deep binary classifier (128-64-64-32-16 ReLU units, sigmoid output, Adam,
  binary cross-entropy, accuracy) trained on an 80/10/10 split;
* a custom callback that computes the ROC AUC after every epoch - here the
  ready-made ``skdeep.callbacks.ROCAUC``, which writes ``roc_auc`` and
  ``val_roc_auc`` into the epoch logs (and so into ``history_``);
* ``keras.callbacks.ModelCheckpoint(save_best_only=True)`` saving the network
  whenever the monitored validation score improves, so that the best epoch can
  be reloaded later. ``ROCAUC`` comes *before* the checkpoint in the list so
  the checkpoint can monitor ``val_roc_auc``;
* precision, recall and F1 from ``sklearn.metrics`` after turning predicted
  probabilities into classes at an operating point (threshold), showing how a
  lower threshold trades precision for recall.

Data: the seed's epileptic-seizure EEG set (178 features, about 20% positive)
cannot be downloaded here. A SYNTHETIC stand-in of the same shape comes from
``sklearn.datasets.make_classification`` (2,000 rows, 178 features, 20%
positive, a little label noise). It is hard enough for the large network to
over-fit after a few epochs - ``val_loss`` turns up while the training loss
keeps falling - which is exactly what the checkpoint is for. (The bundled
breast-cancer set is too easy: validation AUC reaches 1.0 within two epochs.)

Checkpoints (``.keras`` files) are written to
``$SKDEEP_EXAMPLE_OUTPUT/05_binary_checkpoint_rocauc`` or a temporary
directory. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of epochs.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    classification_report,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402
from skdeep.callbacks import ROCAUC  # noqa: E402

NAME = "05_binary_checkpoint_rocauc"


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


def class_from_prob(proba, operating_point=0.5):
    """The seed's helper: positive class where the probability reaches the threshold."""
    return (proba >= operating_point).astype(int)


def main():
    X, y = make_classification(n_samples=2000, n_features=178, n_informative=20, n_redundant=10,
                               weights=[0.8], flip_y=0.02, class_sep=0.8, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.1, stratify=y, random_state=0)
    # make_classification's columns are already on a common scale, so no scaler here;
    # with real EEG readings put a StandardScaler first (see 08_iris_save_load.py).
    out = output_dir()

    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath=os.path.join(out, "model-{epoch:02d}-{val_roc_auc:.4f}.keras"),
        monitor="val_roc_auc", mode="max", save_best_only=True,
    )
    clf = KerasClassifier(
        hidden_layer_sizes=(128, 64, 64, 32, 16),
        metrics=["accuracy"],
        epochs=n_epochs(20),
        batch_size=32,
        validation_split=1 / 9,               # 10% of all rows: the seed's validation set
        callbacks=[ROCAUC(), checkpoint],     # ROCAUC first: it adds val_roc_auc to the logs
        random_state=0,
    ).fit(X_train, y_train)

    print("epoch  loss    val_loss  roc_auc  val_roc_auc")
    h = clf.history_
    for epoch in range(clf.n_iter_):
        print(f"{epoch + 1:5d}  {h['loss'][epoch]:.4f}  {h['val_loss'][epoch]:.4f}    "
              f"{h['roc_auc'][epoch]:.4f}   {h['val_roc_auc'][epoch]:.4f}")

    # ModelCheckpoint wrote a file each time val_roc_auc improved: the last one is the best.
    saved = sorted(f for f in os.listdir(out) if f.endswith(".keras"))
    print(f"\ncheckpoints written: {saved}")
    best = keras.saving.load_model(os.path.join(out, saved[-1]))
    best_proba = best.predict(X_test, verbose=0).ravel()  # a Keras model returns P(class 1)
    final_proba = clf.predict_proba(X_test)[:, 1]
    print(f"test ROC AUC:  final network {roc_auc_score(y_test, final_proba):.4f}, "
          f"best checkpoint {roc_auc_score(y_test, best_proba):.4f}")
    # Over-fitting shows in the probabilities more than in the ranking:
    print(f"test log loss: final network {log_loss(y_test, final_proba):.4f}, "
          f"best checkpoint {log_loss(y_test, best_proba.astype('float64')):.4f}")

    # Keras's predict is like predict_proba: pick an operating point to get classes.
    print("\nbest checkpoint, classification report at operating point 0.5:")
    print(classification_report(y_test, class_from_prob(best_proba, 0.5),
                                target_names=["negative", "positive"], digits=3, zero_division=0))
    print("lower thresholds trade precision for recall (best checkpoint):")
    print("threshold  precision  recall  F1")
    for op in (0.2, 0.3, 0.5, 0.7):
        p, r, f, _ = precision_recall_fscore_support(
            y_test, class_from_prob(best_proba, op), average="binary", zero_division=0)
        print(f"{op:9.1f}  {p:9.3f}  {r:6.3f}  {f:.3f}")
    # The estimator's predict is the 0.5 operating point on its own probabilities.
    assert np.array_equal(clf.predict(X_test), class_from_prob(final_proba, 0.5))


if __name__ == "__main__":
    main()
