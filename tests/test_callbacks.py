"""Tests for skdeep.callbacks.ROCAUC (plain Keras and skdeep estimators)."""

import copy
import pickle
import warnings

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skdeep import KerasClassifier
from skdeep.callbacks import ROCAUC, _roc_auc


def _binary_data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype("float32")
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype("float32")
    return X, y


def _multiclass_data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype("float32")
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]).astype("int64")  # 3 classes
    return X, y


def _model(n_in, n_out, activation):
    """A one-layer network, compiled; seeded through its initializer, never Keras's global RNGs."""
    model = keras.Sequential([
        keras.Input((n_in,)),
        keras.layers.Dense(n_out, activation=activation,
                           kernel_initializer=keras.initializers.GlorotUniform(seed=0)),
    ])
    return model


# -- pure scoring helper ------------------------------------------------------

def test_roc_auc_helper_binary_shapes_and_logits():
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    expected = roc_auc_score(y, s)
    assert _roc_auc(y, s) == pytest.approx(expected)
    assert _roc_auc(y.reshape(-1, 1).astype("float32"), s.reshape(-1, 1)) == pytest.approx(expected)
    # logits give the same AUC as probabilities (rank based)
    logits = np.log(s / (1 - s))
    assert _roc_auc(y, logits[:, None]) == pytest.approx(expected)
    # two-column softmax output uses the positive-class column
    two = np.column_stack([1 - s, s])
    assert _roc_auc(y, two) == pytest.approx(expected)


def test_roc_auc_helper_multiclass_indices_and_onehot():
    rng = np.random.default_rng(1)
    y = np.tile([0, 1, 2], 10)
    p = rng.dirichlet(np.ones(3), size=30).astype("float32")
    expected = roc_auc_score(y, p / p.sum(1, keepdims=True), multi_class="ovr")
    assert _roc_auc(y, p) == pytest.approx(expected)
    assert _roc_auc(np.eye(3)[y], p) == pytest.approx(expected)
    # logits are converted with a softmax: softmax(log p + c) is p again, so the AUC is exact
    # (normalising the shifted logits as if they were probabilities would give 0.463, not 0.433)
    for shift in (3.0, 10.0):  # some logits negative; all positive but rows not summing to one
        assert _roc_auc(y, np.log(p) + shift) == pytest.approx(expected, abs=1e-12)


def test_roc_auc_helper_multilabel():
    rng = np.random.default_rng(2)
    y = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
    s = rng.uniform(size=y.shape)
    assert _roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


# -- plain keras.Model.fit ----------------------------------------------------

def test_plain_keras_binary_matches_sklearn():
    X, y = _binary_data()
    Xtr, ytr, Xva, yva = X[:60], y[:60], X[60:], y[60:]
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    cb = ROCAUC(training_data=(Xtr, ytr), validation_data=(Xva, yva))
    hist = model.fit(Xtr, ytr, epochs=3, batch_size=16, verbose=0, callbacks=[cb])
    h = hist.history
    assert len(h["roc_auc"]) == len(h["val_roc_auc"]) == 3
    assert all(0.0 <= v <= 1.0 for v in h["roc_auc"] + h["val_roc_auc"])
    # the last epoch's values equal sklearn's AUC of the final model
    train_auc = roc_auc_score(ytr, model.predict(Xtr, verbose=0).ravel())
    val_auc = roc_auc_score(yva, model.predict(Xva, verbose=0).ravel())
    assert h["roc_auc"][-1] == pytest.approx(train_auc, abs=1e-6)
    assert h["val_roc_auc"][-1] == pytest.approx(val_auc, abs=1e-6)


@pytest.mark.parametrize("onehot", [False, True])
def test_plain_keras_multiclass(onehot):
    X, y = _multiclass_data()
    target = np.eye(3, dtype="float32")[y] if onehot else y
    loss = "categorical_crossentropy" if onehot else "sparse_categorical_crossentropy"
    model = _model(4, 3, "softmax")
    model.compile(optimizer="adam", loss=loss)
    cb = ROCAUC(validation_data=(X[60:], target[60:]), training_data=(X[:60], target[:60]))
    h = model.fit(X[:60], target[:60], epochs=2, verbose=0, callbacks=[cb]).history
    assert len(h["val_roc_auc"]) == 2
    proba = model.predict(X[60:], verbose=0).astype("float64")
    expected = roc_auc_score(y[60:], proba / proba.sum(1, keepdims=True), multi_class="ovr")
    assert h["val_roc_auc"][-1] == pytest.approx(expected, abs=1e-6)


def test_validation_only_and_train_only():
    X, y = _binary_data()
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    h = model.fit(X, y, epochs=1, verbose=0, callbacks=[ROCAUC(validation_data=(X, y))]).history
    assert "val_roc_auc" in h and "roc_auc" not in h
    h = model.fit(X, y, epochs=1, verbose=0, callbacks=[ROCAUC(training_data=(X, y))]).history
    assert "roc_auc" in h and "val_roc_auc" not in h


def test_no_data_raises_clear_error():
    X, y = _binary_data(20)
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match="no data to score"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[ROCAUC()])


def test_bad_data_is_rejected_early():
    with pytest.raises(ValueError, match="samples"):
        ROCAUC(validation_data=(np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match="tuple"):
        ROCAUC(validation_data=np.zeros((5, 2)))


def test_single_class_logs_nan_and_warns_once():
    X, y = _binary_data()
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    cb = ROCAUC(training_data=(X, y), validation_data=(X[:5], np.ones(5)))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        h = model.fit(X, y, epochs=2, verbose=0, callbacks=[cb]).history
    assert np.isnan(h["val_roc_auc"]).all()
    # the defined split is still scored: its last value is the final model's AUC
    assert h["roc_auc"][-1] == pytest.approx(roc_auc_score(y, model.predict(X, verbose=0).ravel()), abs=1e-6)
    msgs = [w for w in rec if "val_roc_auc is undefined" in str(w.message)]
    assert len(msgs) == 1


def test_set_skdeep_data_contract_and_precedence():
    """The engine's handover feeds the callback; explicit data wins."""
    X, y = _binary_data()
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    cb = ROCAUC()
    cb.set_skdeep_data(train=(X[:60], y[:60, None]), validation=(X[60:], y[60:, None]))
    h = model.fit(X[:60], y[:60], epochs=2, verbose=0, callbacks=[cb]).history
    assert len(h["roc_auc"]) == 2 and len(h["val_roc_auc"]) == 2
    cb.set_skdeep_data(train=(X, y), validation=None)
    h = model.fit(X, y, epochs=1, verbose=0, callbacks=[cb]).history
    assert "val_roc_auc" not in h

    explicit = ROCAUC(validation_data=(X[:30], y[:30]))
    explicit.set_skdeep_data(train=(X, y), validation=(X[30:], y[30:]))
    assert explicit._val[0].shape[0] == 30  # the user's data takes precedence


def test_early_stopping_can_monitor_val_roc_auc():
    X, y = _binary_data()
    # A learning rate of zero keeps the weights, so val_roc_auc is the same every epoch: with
    # patience=0 EarlyStopping stops after exactly 2 epochs (the second does not improve). Had it
    # not seen the key it would warn and run all 10.
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_roc_auc", mode="max", patience=0)
    cb = ROCAUC(validation_data=(X[60:], y[60:]))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*val_roc_auc.*")  # "not available" would fail here
        h = model.fit(X[:60], y[:60], epochs=10, verbose=0, callbacks=[cb, stop]).history
    assert len(h["val_roc_auc"]) == 2 and h["val_roc_auc"][0] == h["val_roc_auc"][1]
    assert stop.stopped_epoch == 1

    # While it learns, training stops at the first epoch that does not beat the best so far.
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_roc_auc", mode="max", patience=0)
    cb = ROCAUC(validation_data=(X[60:], y[60:]))
    h = model.fit(X[:60], y[:60], epochs=10, verbose=0, callbacks=[cb, stop]).history["val_roc_auc"]
    first_without_gain = next((i for i in range(1, 10) if h[i] <= max(h[:i])), None)
    assert len(h) == (10 if first_without_gain is None else first_without_gain + 1)


def test_copy_and_pickle_drop_model_and_handover_data():
    X, y = _binary_data(30)
    model = _model(4, 1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    cb = ROCAUC(validation_data=(X, y))
    cb.set_skdeep_data(train=(X, y))
    model.fit(X, y, epochs=1, verbose=0, callbacks=[cb])
    for other in (copy.deepcopy(cb), pickle.loads(pickle.dumps(cb))):
        assert other._model is None
        assert other._skdeep_train is None
        assert other._val is not None  # user-provided data survives
    assert "validation_data" in repr(cb)


@pytest.mark.parametrize("engine", ["auto", "keras"])
def test_with_skdeep_classifier(engine):
    """Scores reach ``history_`` whichever training engine runs the epochs."""
    X, y = _binary_data(120)
    clf = KerasClassifier(
        hidden_layer_sizes=(8,), epochs=3, batch_size=16, validation_split=0.25,
        callbacks=[ROCAUC()], random_state=0, verbose=0, engine=engine,
    )
    clf.fit(X, y.astype(int))
    assert len(clf.history_["roc_auc"]) == 3
    assert len(clf.history_["val_roc_auc"]) == 3
    assert all(0.0 <= v <= 1.0 for v in clf.history_["val_roc_auc"])

    Xm, ym = _multiclass_data(120)
    clf.set_params(validation_split=0.3).fit(Xm, ym)
    assert len(clf.history_["val_roc_auc"]) == 3
