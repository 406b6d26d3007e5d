"""Run by tests/test_distribution.py in a fresh process: ``python distributed_fit.py BACKEND N_DEVICES``.

The device count must be set before the backend starts, hence a process of its
own. Prints one JSON line: per-fit histories, predictions and what the replica saw.
"""

import json
import os
import sys


def main(backend: str, n: int) -> None:
    os.environ["KERAS_BACKEND"] = backend
    from skdeep.scaling import virtual_cpu_devices

    virtual_cpu_devices(n)

    import keras
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    from skdeep import KerasClassifier

    class Replicas(keras.callbacks.Callback):
        """How many devices hold the weights and share the batch while ``fit`` runs."""

        seen: list = []

        def on_epoch_end(self, epoch, logs=None):
            if keras.backend.backend() == "jax":
                Replicas.seen.append(len(self.model.trainable_variables[0].value.sharding.device_set))
            else:
                import tensorflow as tf

                Replicas.seen.append(tf.distribute.get_strategy().num_replicas_in_sync)

    X, y = load_breast_cancer(return_X_y=True)
    # 569 rows: the last training batch of each epoch and of the validation split
    # is uneven, so padding on JAX is exercised.
    kw = dict(hidden_layer_sizes=(32,), dropout=0.0, epochs=6, batch_size=32, random_state=0,
              validation_split=0.1, metrics=["accuracy"])
    out = {}
    for name, extra in {"one": {}, "keras_one": {"engine": "keras"}, "many": {"distribution": "auto"}}.items():
        Replicas.seen = []
        clf = KerasClassifier(callbacks=[Replicas()], **kw, **extra).fit(X, y)
        kernel = clf.model_.trainable_variables[0]
        out[name] = {
            "loss": clf.history_["loss"], "val_loss": clf.history_["val_loss"],
            "proba": clf.predict_proba(X[:20]).tolist(), "replicas": Replicas.seen,
            "model_type": type(kernel).__name__,
            "model_devices": (len(kernel.value.sharding.device_set) if backend == "jax" else 1),
        }
    # A distributed fit continues on one device (warm start) and the other way round.
    clf = KerasClassifier(**kw, distribution=n, warm_start=True).fit(X, y)
    clf.set_params(distribution=None).fit(X, y)
    out["warm"] = {"n_iter": clf.n_iter_, "finite": bool(np.isfinite(clf.predict_proba(X)).all())}
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
