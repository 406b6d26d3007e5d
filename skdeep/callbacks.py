"""Keras callbacks that play well with skdeep estimators.

The callbacks here are ordinary :class:`keras.callbacks.Callback` objects, so
they can be used both with skdeep estimators (``callbacks=[...]``) and with a
plain :meth:`keras.Model.fit`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_auc_score

import keras

from ._chunks import in_chunks

__all__ = ["ROCAUC"]

ArrayPair = tuple[Any, Any]


def _as_pair(data: ArrayPair | None, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate an ``(X, y)`` pair and convert it to numpy arrays."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError(f"{name} must be a tuple (X, y), got {type(data).__name__}.")
    X, y = data[0], data[1]
    X = np.asarray(X, dtype="float32")
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{name}: X has {X.shape[0]} samples but y has {y.shape[0]}."
        )
    return X, y


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of network outputs ``scores`` against encoded targets ``y``.

    Handles binary targets (``(n,)`` or ``(n, 1)`` 0/1), multiclass integer
    class indices ``(n,)``, one-hot targets ``(n, k)`` and multilabel
    indicator targets (macro average over labels).  Scores may be a
    single sigmoid/logit column or ``k`` softmax/logit columns.  Raises
    ``ValueError`` (from scikit-learn) when AUC is undefined, e.g. when only
    one class is present.
    """
    scores = np.asarray(scores, dtype="float64")
    if scores.ndim == 1:
        scores = scores[:, None]
    scores = scores.reshape(scores.shape[0], -1)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        if not np.allclose(y.sum(axis=1), 1.0):  # multilabel indicator matrix
            return float(roc_auc_score(np.rint(y).astype(int), scores))
        y = np.argmax(y, axis=1)  # one-hot (or label-smoothed) -> class indices
    n_out = scores.shape[1]

    if n_out == 1:  # binary with a single sigmoid (or logit) output
        # AUC is rank based: sigmoid vs. logit makes no difference.
        return float(roc_auc_score(np.rint(y).astype(int), scores[:, 0]))
    if n_out == 2:  # binary encoded as 2 softmax columns
        return float(roc_auc_score(np.rint(y).astype(int), scores[:, 1]))

    # Multiclass: one-vs-rest on probabilities that must sum to one.
    if scores.min() < 0 or not np.allclose(scores.sum(axis=1), 1.0, atol=1e-3):
        scores = _softmax(scores)  # the model outputs logits
    else:
        scores = scores / scores.sum(axis=1, keepdims=True)  # float32 rounding
    return float(
        roc_auc_score(
            y.astype(int), scores, multi_class="ovr", labels=np.arange(n_out)
        )
    )


class ROCAUC(keras.callbacks.Callback):
    """Record train and validation ROC AUC after every epoch.

    At the end of each epoch the callback scores the training data and, when
    available, the validation data with :func:`sklearn.metrics.roc_auc_score`
    and writes the results to the epoch ``logs`` under the keys ``"roc_auc"``
    and ``"val_roc_auc"``.  Keras' ``History`` callback (and therefore a skdeep
    estimator's ``history_``) then records them like any built-in metric, and
    later callbacks such as ``EarlyStopping(monitor="val_roc_auc",
    mode="max")`` can use them, provided ``ROCAUC`` comes *before* them in the
    callback list.

    Binary problems use the positive-class score; multiclass problems use the
    macro-averaged one-vs-rest AUC (``multi_class="ovr"``) on the predicted
    class probabilities.  When AUC is undefined for a split (e.g. a small
    validation set containing a single class) ``nan`` is logged and a warning
    is issued once.

    Parameters
    ----------
    validation_data : tuple (X, y), optional
        Data for ``"val_roc_auc"``.  Needed with plain :meth:`keras.Model.fit`
        because Keras 3 does not hand its validation data to callbacks.
        skdeep estimators supply their own validation split automatically.
    training_data : tuple (X, y), optional
        Data for ``"roc_auc"``.  With skdeep estimators the training data is
        supplied automatically.
    batch_size : int, default=4096
        Number of rows scored at once; bounds memory use on large data.
    verbose : int, default=0
        If > 0, print the scores at the end of each epoch.

    Notes
    -----
    Data explicitly passed to the constructor takes precedence over data
    supplied by a skdeep estimator through :meth:`set_skdeep_data`.
    Predictions are computed with ``model(X, training=False)`` rather than
    ``model.predict`` to keep the per-epoch overhead small; this works on
    every Keras backend.

    Examples
    --------
    >>> import numpy as np, keras
    >>> from skdeep.callbacks import ROCAUC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)).astype("float32")
    >>> y = (X[:, 0] > 0).astype("float32")
    >>> model = keras.Sequential([keras.Input((3,)),
    ...                           keras.layers.Dense(1, activation="sigmoid")])
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")
    >>> cb = ROCAUC(training_data=(X[:40], y[:40]), validation_data=(X[40:], y[40:]))
    >>> hist = model.fit(X[:40], y[:40], epochs=2, verbose=0, callbacks=[cb])
    >>> sorted(k for k in hist.history if "roc_auc" in k)
    ['roc_auc', 'val_roc_auc']
    """

    def __init__(
        self,
        validation_data: ArrayPair | None = None,
        training_data: ArrayPair | None = None,
        *,
        batch_size: int = 4096,
        verbose: int = 0,
    ) -> None:
        super().__init__()
        self.validation_data = validation_data
        self.training_data = training_data
        self.batch_size = int(batch_size)
        self.verbose = verbose
        self._user_train = _as_pair(training_data, "training_data")
        self._user_val = _as_pair(validation_data, "validation_data")
        self._skdeep_train: tuple[np.ndarray, np.ndarray] | None = None
        self._skdeep_val: tuple[np.ndarray, np.ndarray] | None = None
        self._warned: set[str] = set()

    # -- skdeep data handover -------------------------------------------------
    def set_skdeep_data(
        self, train: ArrayPair | None = None, validation: ArrayPair | None = None
    ) -> None:
        """Receive the training and validation data from a skdeep estimator.

        Called by the skdeep training engine before training starts.

        Parameters
        ----------
        train : tuple (X, y) or None
            Training features (float32) and encoded targets.
        validation : tuple (X, y) or None
            Validation features and encoded targets, or ``None`` when the
            estimator trains without a validation split.
        """
        self._skdeep_train = _as_pair(train, "train")
        self._skdeep_val = _as_pair(validation, "validation")

    @property
    def _train(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._user_train if self._user_train is not None else self._skdeep_train

    @property
    def _val(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._user_val if self._user_val is not None else self._skdeep_val

    # -- keras hooks ----------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        if self._train is None and self._val is None:
            raise ValueError(
                "ROCAUC has no data to score. Pass training_data=(X, y) and/or "
                "validation_data=(X, y) when using it with keras.Model.fit."
            )
        self._warned = set()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None:  # pragma: no cover - keras always passes a dict
            logs = {}
        for key, data in (("roc_auc", self._train), ("val_roc_auc", self._val)):
            if data is not None:
                logs[key] = self._score(key, *data)
        if self.verbose:
            parts = [f"{k}: {logs[k]:.4f}" for k in ("roc_auc", "val_roc_auc") if k in logs]
            print(f"Epoch {epoch + 1} - " + " - ".join(parts))

    # -- helpers --------------------------------------------------------------
    def _predict(self, X: np.ndarray) -> np.ndarray:
        def forward(chunk):
            pred = self.model(chunk, training=False)
            return keras.ops.convert_to_numpy(pred[0] if isinstance(pred, (list, tuple)) else pred)

        return in_chunks(forward, X, rows=self.batch_size)

    def _score(self, key: str, X: np.ndarray, y: np.ndarray) -> float:
        reason = "only one class is present in y"
        with warnings.catch_warnings():
            # sklearn warns (or raises, depending on the version) when AUC is
            # undefined; we warn once per key instead of once per epoch.
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            try:
                value = _roc_auc(y, self._predict(X))
            except ValueError as exc:
                value, reason = float("nan"), str(exc)
        if np.isnan(value) and key not in self._warned:
            self._warned.add(key)
            warnings.warn(
                f"ROCAUC: {key} is undefined ({reason}); logging nan.",
                RuntimeWarning,
                stacklevel=2,
            )
        return value

    # -- copying / pickling (sklearn.clone deep-copies callbacks) -------------
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        # Never copy the trained model or data handed over by an estimator;
        # the estimator supplies fresh data on every fit.
        state["_model"] = None
        state["_skdeep_train"] = None
        state["_skdeep_val"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        parts = []
        if self.validation_data is not None:
            parts.append("validation_data=(...)")
        if self.training_data is not None:
            parts.append("training_data=(...)")
        if self.batch_size != 4096:
            parts.append(f"batch_size={self.batch_size}")
        if self.verbose:
            parts.append(f"verbose={self.verbose}")
        return f"ROCAUC({', '.join(parts)})"
