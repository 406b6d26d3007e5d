"""Monitoring training with the TensorBoard callback.

Reproduces seed tutorial 001 ("Deep Learning Quick Reference", chapter 3):
the chapter-2 regression networks (an MLP and a deeper network) are trained
again with a ``keras.callbacks.TensorBoard`` callback, each writing its logs to
its own sub-directory (``mlp`` and ``dnn``) of one log directory, so that
TensorBoard can show both runs side by side (SCALARS: ``loss`` and
``val_loss``; HISTOGRAMS: the weights of every layer, ``histogram_freq=1``).

Callbacks are passed to skdeep estimators exactly as to ``keras.Model.fit``:
``KerasRegressor(..., callbacks=[TensorBoard(...)])``. Configured to log per
epoch (the default ``update_freq="epoch"``, no profiling), TensorBoard acts only
between epochs, so skdeep keeps its fast compiled engine and the logs are the
ones ``keras.Model.fit`` would write. ``update_freq="batch"`` needs per-batch
hooks: then skdeep trains with ``keras.Model.fit`` (``engine="auto"`` falls back
to it; with ``verbose`` > 0 it says so).

Data: scikit-learn's bundled diabetes set stands in for the seed's
wine-quality data. The logs go to ``$SKDEEP_EXAMPLE_OUTPUT/04_tensorboard/logs``
or a temporary directory; view them with ``tensorboard --logdir <that dir>``.
Needs the ``tensorboard`` package (``pip install tensorboard``); TensorFlow
does not always install it. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number
of epochs.
"""

import importlib.util
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.metrics import mean_absolute_error  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import KerasRegressor  # noqa: E402

NAME = "04_tensorboard"


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
    if importlib.util.find_spec("tensorboard") is None:
        sys.exit("This example needs the tensorboard package: pip install tensorboard")

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1, random_state=0)
    log_dir = os.path.join(output_dir(), "logs")
    epochs = n_epochs(50)

    networks = {"mlp": (32,), "dnn": (32, 32, 32, 32, 16)}
    for run, hidden in networks.items():
        tensorboard = keras.callbacks.TensorBoard(
            log_dir=os.path.join(log_dir, run),  # one sub-directory per run
            histogram_freq=1,                    # weight histograms every epoch
        )
        reg = KerasRegressor(
            hidden_layer_sizes=hidden,
            loss="mean_absolute_error",
            metrics=["mae"],
            epochs=epochs,
            validation_split=0.1,   # gives val_loss curves in TensorBoard
            callbacks=[tensorboard],
            random_state=0,
        )
        pipe = make_pipeline(StandardScaler(), reg).fit(X_train, y_train)
        print(f"{run}: hidden {hidden}, {reg.n_iter_} epochs, final val_loss "
              f"{reg.history_['val_loss'][-1]:.2f}, test MAE "
              f"{mean_absolute_error(y_test, pipe.predict(X_test)):.2f}")

    print(f"\nTensorBoard event files under {log_dir}:")
    for root, _, files in sorted(os.walk(log_dir)):
        for name in sorted(files):
            path = os.path.join(root, name)
            print(f"  {os.path.relpath(path, log_dir)}  ({os.path.getsize(path)} bytes)")
    print(f"\nView them with:  tensorboard --logdir {log_dir}")


if __name__ == "__main__":
    main()
