"""The training engines: same results, honest fallback, reuse, nothing global changed."""

import copy
import gc
import os
import pickle
import random
import warnings
import weakref

import joblib
import keras
import numpy as np
import psutil
import pytest
from sklearn.model_selection import KFold, cross_val_score, cross_validate

import skdeep
from skdeep import KerasClassifier, KerasRegressor
from skdeep import _chunks
from skdeep._engine import _cache, _loop


@pytest.fixture(scope="module")
def data(breast_cancer_scaled):
    X, y = breast_cancer_scaled
    return X[:300], y[:300]


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.2, "validation_split": 0.2, "metrics": ["accuracy"]},
                                   {"l2": 1e-3, "batch_normalization": True}])
def test_compiled_engine_trains_exactly_like_keras_fit(data, extra):
    X, y = data
    sw = np.linspace(0.5, 1.5, len(y))
    fits = {eng: KerasClassifier(hidden_layer_sizes=(8,), epochs=3, batch_size=64, random_state=0,
                                 engine=eng, **extra).fit(X, y, sample_weight=sw)
            for eng in ("compiled", "keras")}
    a, b = fits["compiled"], fits["keras"]
    assert a.history_.keys() == b.history_.keys()
    for key in a.history_:
        np.testing.assert_allclose(a.history_[key], b.history_[key], rtol=1e-4, err_msg=key)
    for wa, wb in zip(a.model_.get_weights(), b.model_.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-4, atol=1e-6)


def test_early_stopping_identical_on_both_engines(data):
    X, y = data
    fits = [KerasClassifier(hidden_layer_sizes=(32,), learning_rate=0.05, epochs=60, early_stopping=True,
                            patience=2, validation_split=0.3, random_state=0, engine=eng).fit(X, y)
            for eng in ("compiled", "keras")]
    assert fits[0].n_iter_ == fits[1].n_iter_ < 60
    np.testing.assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("batch_size, n_ensemble", [(200, 1), (512, 1), (512, 4)])
def test_epochs_of_one_or_two_batches_identical_on_both_engines(data, batch_size, n_ensemble):
    """Keras reads batches it does not train on (TensorFlow's data adapter up to two before the
    first epoch, JAX's and PyTorch's trainers one in an epoch they reset); keras.Model.fit's
    batches must not count them, or an epoch of one or two batches takes the next epoch's row
    order (which decides the batches, each row's dropout mask and, in an ensemble, its member)."""
    X, y = data
    fits = [KerasClassifier(hidden_layer_sizes=(16,), learning_rate=0.05, epochs=3, batch_size=batch_size,
                            early_stopping=False, validation_split=0.0, n_ensemble=n_ensemble, random_state=0,
                            engine=engine).fit(X, y) for engine in ("compiled", "keras")]
    assert fits[0].budget_.batch_size == batch_size
    assert ("ensemble_input" in [layer.name for layer in fits[0].model_.layers]) is (n_ensemble > 1)
    np.testing.assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X), rtol=1e-4, atol=1e-5)


class BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


class EpochRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs, self.weights_seen = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, dict(logs)))
        self.weights_seen.append(first_kernel(self.model))


def first_kernel(model) -> np.ndarray:
    """The first trainable weight (get_weights()[0] may be the input layer's fixed statistics)."""
    return np.array(keras.ops.convert_to_numpy(model.trainable_weights[0]))


def test_fallback_for_batch_hooks_is_announced_once(data):
    X, y = data
    counter = BatchCounter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KerasClassifier(hidden_layer_sizes=(4,), epochs=2, early_stopping=False, callbacks=[counter], verbose=1,
                        random_state=0).fit(X, y)
    assert counter.batches == 2 * int(np.ceil(len(X) / 32))  # batch hooks really ran
    messages = [str(w.message) for w in caught if "keras.Model.fit because" in str(w.message)]
    assert len(messages) == 1 and "batch hooks" in messages[0]
    with pytest.raises(ValueError, match="engine='compiled' cannot train this request"):
        KerasClassifier(epochs=1, callbacks=[BatchCounter()], engine="compiled").fit(X, y)


def test_fit_arguments_route_to_keras_fit(data):
    X, y = data
    steps = 1 if keras.backend.backend() == "torch" else 2  # torch's fit takes one step per execution
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=4, validation_split=0.2, fit__validation_freq=2,
                          compile__steps_per_execution=steps, random_state=0).fit(X, y)
    assert clf.n_iter_ == 4
    assert len(clf.history_["loss"]) == 4 and len(clf.history_["val_loss"]) == 2


def test_epoch_callbacks_stay_on_compiled_engine(data):
    X, y = data
    rec = EpochRecorder()
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=3, callbacks=[rec], validation_split=0.2,
                          random_state=0, engine="compiled").fit(X, y)
    assert [e for e, _ in rec.epochs] == [0, 1, 2]
    assert set(rec.epochs[-1][1]) == {"loss", "val_loss"}
    assert not np.allclose(rec.weights_seen[0], rec.weights_seen[-1])  # callbacks see live weights
    np.testing.assert_array_equal(rec.weights_seen[-1], first_kernel(clf.model_))


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_keras_callbacks_work_unchanged(data, tmp_path, engine):
    X, y = data
    ckpt = tmp_path / "best.keras"
    rec = EpochRecorder()
    # As the tutorials use them: a best-only checkpoint and TensorBoard with histograms. Both act
    # only between epochs, so they run on the compiled engine (engine="compiled" would refuse otherwise).
    callbacks = [keras.callbacks.ModelCheckpoint(str(ckpt), monitor="val_loss", save_best_only=True),
                 keras.callbacks.TensorBoard(log_dir=str(tmp_path / "tb"), histogram_freq=1),
                 keras.callbacks.EarlyStopping(monitor="val_loss", patience=50), rec]
    # Keras's own split (the last rows) with their labels flipped: validation loss rises as the
    # network learns, so the best epoch comes before the last one on every backend.
    y = y.copy()
    y[-60:] = 1 - y[-60:]
    clf = KerasClassifier(hidden_layer_sizes=(8,), learning_rate=0.05, learning_rate_schedule=None, epochs=6,
                          fit__validation_split=0.2, callbacks=callbacks, random_state=0, engine=engine).fit(X, y)
    best = int(np.argmin(clf.history_["val_loss"]))
    assert best < 5  # so the checkpoint is not simply the final network
    restored = keras.saving.load_model(ckpt)
    np.testing.assert_array_equal(first_kernel(restored), rec.weights_seen[best])
    event_files = [f for _, _, files in os.walk(tmp_path / "tb") for f in files if "tfevents" in f]
    assert event_files


def _tensorboard_tags(log_dir) -> dict:
    """``{writer: {tag: count}}`` of the events TensorBoard wrote under ``log_dir``."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    tags = {}
    for root, _, files in os.walk(log_dir):
        for name in files:
            counts = tags.setdefault(os.path.basename(root), {})
            for event in EventFileLoader(os.path.join(root, name)).Load():
                for value in event.summary.value:
                    counts[value.tag] = counts.get(value.tag, 0) + 1
    return tags


def test_tensorboard_writes_the_same_logs_on_both_engines(data, tmp_path):
    X, y = data
    tags = {}
    for engine in ("compiled", "keras"):
        tb = keras.callbacks.TensorBoard(log_dir=str(tmp_path / engine), histogram_freq=1)
        KerasClassifier(hidden_layer_sizes=(8,), epochs=2, validation_split=0.2, metrics=["accuracy"],
                        callbacks=[tb], random_state=0, engine=engine).fit(X, y)
        tags[engine] = _tensorboard_tags(tmp_path / engine)
    assert tags["compiled"] == tags["keras"]
    assert tags["compiled"]["train"]["epoch_accuracy"] == 2
    assert tags["compiled"]["validation"]["evaluation_loss_vs_iterations"] == 2


@pytest.mark.parametrize("callback", [
    lambda tmp: keras.callbacks.ModelCheckpoint(str(tmp / "m.keras"), save_freq=3),
    lambda tmp: keras.callbacks.TensorBoard(log_dir=str(tmp), update_freq="batch"),
    lambda tmp: keras.callbacks.TensorBoard(log_dir=str(tmp), write_steps_per_second=True),
], ids=["checkpoint-every-3-batches", "tensorboard-per-batch", "tensorboard-steps-per-second"])
def test_callbacks_configured_per_batch_need_keras_fit(data, tmp_path, callback):
    X, y = data
    with pytest.raises(ValueError, match="cannot train this request: callback .* uses batch hooks"):
        KerasClassifier(epochs=1, callbacks=[callback(tmp_path)], engine="compiled").fit(X, y)
    KerasClassifier(hidden_layer_sizes=(4,), epochs=1, callbacks=[callback(tmp_path)]).fit(X, y)  # auto falls back


def test_learning_rate_scheduler_reaches_compiled_engine(data):
    X, y = data
    sched = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0 if epoch >= 1 else lr)
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=3, callbacks=[sched], random_state=0,
                          engine="compiled").fit(X, y)
    w_after = clf.model_.get_weights()
    clf2 = KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    for a, b in zip(w_after, clf2.model_.get_weights()):  # epochs 2-3 had a zero rate
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


# Traces of the epoch function for 240-, 241- and 300-row fits: TensorFlow traces once for
# any row count, JAX once per size bucket, torch runs its step eagerly and traces nothing.
EPOCH_TRACES = {"tensorflow": 1, "jax": 2, "torch": 0}


def test_cross_validation_reuses_one_compiled_trainer(data):
    X, y = data
    skdeep.clear_cache()
    cross_val_score(KerasClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0), X, y, cv=5)
    assert _cache.cached_trainers() == 1
    # A grid over the learning rate shares it too: the rate is a variable, not a constant.
    for lr in (1e-3, 1e-2):
        KerasClassifier(hidden_layer_sizes=(8,), epochs=2, learning_rate=lr, random_state=0).fit(X, y)
    assert _cache.cached_trainers() == 1
    # Folds of 240 and 241 rows and the full 300 rows: one trace on TensorFlow (any row
    # count), one per size bucket on JAX (rows padded to 256 and 512), not one per row count.
    (trainer,) = _cache._trainers.values()
    assert trainer.traces["epoch"] == EPOCH_TRACES[keras.backend.backend()]


def test_search_with_the_default_recipe_compiles_its_epoch_once():
    """Issue 18: the default recipe (periodic embeddings, early stopping on a held-out split,
    cosine decay) over the folds and grid points of a search: one trainer, one epoch trace."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV

    X, y = make_classification(n_samples=700, n_features=6, random_state=0)
    skdeep.clear_cache()
    search = GridSearchCV(KerasClassifier(epochs=2, random_state=0), {"learning_rate": [1e-3, 3e-3]},
                          cv=3, refit=False).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    (trainer,) = _cache._trainers.values()
    if keras.backend.backend() == "torch":  # eager: nothing to compile
        assert not trainer.traces
    else:
        assert trainer.traces["epoch"] == 1 and trainer.traces["tail"] <= 2  # a short last batch: one per size


def test_weights_finite_sees_one_non_finite_weight(data):
    """The divergence guard's check (one compiled call on TensorFlow) reads the trainer's weights as they are."""
    X, y = data
    skdeep.clear_cache()
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(X, y)
    (trainer,) = _cache._trainers.values()
    trainer.load(clf.model_)
    assert trainer.weights_finite()
    kernel = clf.model_.get_layer("hidden_1").kernel
    value = np.array(keras.ops.convert_to_numpy(kernel))
    value[3, 2] = np.inf
    kernel.assign(value)
    trainer.load(clf.model_)
    assert not trainer.weights_finite()
    value[3, 2] = 0.0
    kernel.assign(value)
    trainer.load(clf.model_)
    assert trainer.weights_finite()


def test_clear_cache_empties_every_cache(data):
    X, y = data
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(X, y)
    for _ in range(_cache.OWN_FORWARD_AFTER):
        clf.predict(X[:2])
    assert _cache.cached_trainers() >= 1 and _cache._forward_of
    skdeep.clear_cache()
    assert _cache.cached_trainers() == 0 and not _cache._forwards and not _cache._forward_of
    assert not _cache.has_own_forward(clf.model_)
    # The estimator keeps working: it compiles again.
    np.testing.assert_allclose(clf.predict_proba(X[:5]), clf.predict_proba(X[:5]))
    assert _cache._forward_of


def test_the_backend_implements_the_whole_trainer_contract():
    from skdeep._engine._trainer import Trainer

    backend = _cache.trainer_class()
    assert issubclass(backend, Trainer) and not backend.__abstractmethods__

    class Partial(Trainer):  # a backend missing a method cannot be created
        def load(self, model):
            pass

    with pytest.raises(TypeError, match="abstract"):
        Partial(None, None, [], 32)


def test_fast_predict_matches_keras_predict(data):
    X, y = data
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(X, y)
    expected = clf.model_.predict(X.astype("float32"), verbose=0)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected[:, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X[:1])[:, 1], expected[:1, 0], rtol=1e-5, atol=1e-6)
    big = np.repeat(X, 30, axis=0)  # more than one predict chunk
    assert clf.predict(big).shape == (len(big),)


def test_repeated_predict_reads_the_current_weights(data):
    X, y = data
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(X, y)

    def keras_proba():
        return clf.model_.predict(X[:3].astype("float32"), verbose=0)[:, 0]

    expected = keras_proba()
    for _ in range(_cache.OWN_FORWARD_AFTER + 2):
        np.testing.assert_allclose(clf.predict_proba(X[:3])[:, 1], expected, rtol=1e-5, atol=1e-6)
    if keras.backend.backend() == "tensorflow":  # a served model gets a compiled forward of its own
        assert _cache.has_own_forward(clf.model_)
    clf.partial_fit(X, y)  # updates model_'s variables in place
    np.testing.assert_allclose(clf.predict_proba(X[:3])[:, 1], keras_proba(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(keras_proba(), expected)
    for weight in clf.model_.trainable_weights:  # (the input layer's scale is not trained: keep it)
        weight.assign(np.zeros(weight.shape, dtype=weight.dtype))
    np.testing.assert_allclose(clf.predict_proba(X[:3])[:, 1], 0.5)
    model = weakref.ref(clf.model_)
    del clf
    gc.collect()
    assert model() is None  # the cached forward does not keep the network alive


def test_fit_changes_nothing_global(data):
    X, y = data
    np_state, py_state = np.random.get_state(), random.getstate()
    KerasClassifier(hidden_layer_sizes=(4,), dropout=0.2, epochs=2, random_state=0).fit(X, y)
    KerasClassifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y)  # random_state=None too
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2] == np_state[2]
    if keras.backend.backend() == "tensorflow":
        from tensorflow.python.framework import config as tf_config  # no public getter

        assert not tf_config.is_op_determinism_enabled()


@pytest.mark.slow  # ~415 fits: 70 s (compiled) and 250 s (keras) on two busy cores
@pytest.mark.parametrize("engine, n_fits", [("compiled", 100), ("keras", 25)])
def test_memory_stays_flat_over_many_fits(data, engine, n_fits):
    X, y = data
    proc = psutil.Process()

    def fits(n):
        for i in range(n):
            KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=i, engine=engine).fit(X, y).predict(X[:5])
        gc.collect()
        return proc.memory_info().rss / 2**20

    fits(20)  # warm up caches and allocators
    marks = [fits(n_fits) for _ in range(3)]
    # Flat, not merely bounded. Before skdeep released them, fresh Keras auto-names cost ~0.35 MiB
    # per fit and keras.Model.fit's traced gradients ~2 MiB per fit (160 MiB here); allocator
    # noise stays within a few MiB but can jump once (an allocator arena): a leak grows every
    # window, so one of two consecutive windows must be flat.
    assert min(marks[1] - marks[0], marks[2] - marks[1]) < 6, f"RSS per {n_fits} fits: {marks} MiB"


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_concurrent_fits_in_threads(data, engine):
    # Trainings overlap: one must not release what another's trace still needs.
    X, y = data
    est = KerasClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0, engine=engine)
    cv = KFold(4, shuffle=True, random_state=0)
    with joblib.parallel_backend("threading", n_jobs=2):
        threaded = cross_val_score(est, X, y, cv=cv, n_jobs=2, error_score="raise")
    np.testing.assert_array_equal(threaded, cross_val_score(est, X, y, cv=cv))


def test_fit_leaves_keras_auto_names_as_they_were(data):
    X, y = data
    before = keras.optimizers.Adam().name
    KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y).predict(X[:2])
    after = keras.optimizers.Adam().name
    # The counter moved by exactly the one optimizer the user made, not by the fit's.
    assert after == _next_name(before)


def _next_name(name):
    base, _, n = name.rpartition("_")
    return f"{base}_{int(n) + 1}" if n.isdigit() else f"{name}_1"


def fitted_pair(data):
    X, y = data
    clf = KerasClassifier(hidden_layer_sizes=(8,), dropout=0.1, epochs=2, random_state=0).fit(X, y)
    reg = KerasRegressor(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X, X[:, 0] * 3 + 1)
    return clf, reg


@pytest.mark.parametrize("roundtrip", [
    lambda est, tmp: pickle.loads(pickle.dumps(est)),
    lambda est, tmp: (joblib.dump(est, tmp / "est.joblib"), joblib.load(tmp / "est.joblib"))[1],
    lambda est, tmp: copy.deepcopy(est),
], ids=["pickle", "joblib", "deepcopy"])
def test_persistence_roundtrip(data, tmp_path, roundtrip):
    X, _ = data
    for est in fitted_pair(data):
        loaded = roundtrip(est, tmp_path)
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        assert loaded.model_ is not est.model_
        assert int(loaded.model_.optimizer.iterations) == int(est.model_.optimizer.iterations)
        for a, b in zip(loaded.model_.optimizer.variables, est.model_.optimizer.variables):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_estimators_fitted_in_worker_processes_come_back_identical(data):
    X, y = data
    cv = KFold(3, shuffle=True, random_state=0)
    est = KerasClassifier(hidden_layer_sizes=(8,), dropout=0.1, epochs=3, random_state=0)
    # n_jobs=2 fits in joblib's loky processes and pickles the fitted estimators back.
    here, there = (cross_validate(est, X, y, cv=cv, return_estimator=True, n_jobs=n)["estimator"] for n in (1, 2))
    for a, b in zip(here, there):
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        assert a.history_ == b.history_


def test_training_continues_identically_after_unpickling(data):
    X, y = data
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    twin.partial_fit(X, y)
    np.testing.assert_allclose(twin.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_optimizer_object_keeps_its_learning_rate_and_rmse_metric(data):
    X, y = data
    clf = KerasClassifier(optimizer=keras.optimizers.SGD(learning_rate=0.1), epochs=1).fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.1)
    reg = KerasRegressor(metrics=["rmse"], epochs=2).fit(X, X[:, 0])
    # The loss is in standardized units, rmse in target units.
    scale = reg.target_encoder_.scale_[0]
    np.testing.assert_allclose(reg.history_["rmse"], scale * np.sqrt(reg.history_["loss"]), rtol=1e-3)


def test_lambda_callback_batch_hooks_trigger_fallback(data):
    X, y = data
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    KerasClassifier(hidden_layer_sizes=(4,), epochs=1, callbacks=[cb]).fit(X, y)
    assert len(seen) == int(np.ceil(len(X) / 32))


def test_unbuilt_subclassed_model_from_build_function(data):
    X, y = data

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, activation="sigmoid")

        def call(self, x, training=False):
            return self.dense(x)

    clf = KerasClassifier(model=lambda: Sub(), epochs=15, learning_rate=0.01, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (len(X),) and clf.score(X, y) > 0.8


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.2, "validation_split": 0.2, "metrics": ["accuracy"]}])
def test_streamed_training_matches_resident(data, monkeypatch, extra):
    X, y = data
    chunks = []
    parts = _loop.epoch_parts

    def recording_parts(trainer, data, resident, chunk, perm):
        for arrays, order in parts(trainer, data, resident, chunk, perm):
            chunks.append(len(order))
            yield arrays, order

    monkeypatch.setattr(_loop, "epoch_parts", recording_parts)

    def fit():
        return KerasClassifier(hidden_layer_sizes=(8,), epochs=3, batch_size=32, random_state=0,
                               engine="compiled", **extra).fit(X, y)

    resident = fit()
    n_train = len(X) - int(np.ceil(len(X) * extra.get("validation_split", 0)))
    assert chunks == [n_train] * 3
    chunks.clear()
    # A row is 30 float32 features + a float32 target + a float32 weight = 128 bytes:
    # a 70-row budget streams chunks of two 32-row batches.
    with skdeep.config_context(device_budget_bytes=128 * 70):
        streamed = fit()
    per_epoch = [64] * (n_train // 64) + ([n_train % 64] if n_train % 64 else [])
    assert chunks == per_epoch * 3
    assert streamed.history_ == resident.history_
    for a, b in zip(streamed.model_.get_weights(), resident.model_.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_large_validation_set_is_evaluated_in_chunks(data, monkeypatch):
    X, y = data
    X, y = np.repeat(X, 4, axis=0), np.repeat(y, 4)
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=1, validation_split=0.5, metrics=["accuracy"],
                          random_state=0).fit(X, y)
    monkeypatch.setattr(_chunks, "CHUNK_ROWS", 64)
    chunked = KerasClassifier(hidden_layer_sizes=(4,), epochs=1, validation_split=0.5, metrics=["accuracy"],
                              random_state=0).fit(X, y)
    assert chunked.history_["val_accuracy"] == clf.history_["val_accuracy"]
    np.testing.assert_allclose(chunked.history_["val_loss"], clf.history_["val_loss"], rtol=1e-6)


def test_config_context_restores_and_validates():
    before = skdeep.get_config()
    with skdeep.config_context(device_budget_bytes=1024):
        assert skdeep.get_config()["device_budget_bytes"] == 1024
    assert skdeep.get_config() == before
    with pytest.raises(ValueError, match="device_budget_bytes must be a positive int; got 0"):
        skdeep.set_config(device_budget_bytes=0)
    assert skdeep.get_config() == before


@pytest.mark.slow  # XLA compiles for 15-20 s on 2 CPU cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the TensorFlow trainer's XLA path")
def test_xla_epoch_trains_like_keras_fit_with_xla(data):
    """compile__jit_compile=True: the compiled epoch runs under XLA (padded size buckets, a short
    last batch of its own) and draws the same dropout masks as keras.Model.fit under XLA."""
    X, y = data
    skdeep.clear_cache()
    fits = {eng: KerasClassifier(hidden_layer_sizes=(8,), dropout=0.2, epochs=3, batch_size=64, random_state=0,
                                 compile__jit_compile=True, engine=eng).fit(X, y)
            for eng in ("compiled", "keras")}
    (trainer,) = _cache._trainers.values()
    assert trainer._xla and trainer.traces["epoch"] == 1
    np.testing.assert_allclose(fits["compiled"].history_["loss"], fits["keras"].history_["loss"], rtol=1e-4)
    for wa, wb in zip(fits["compiled"].model_.get_weights(), fits["keras"].model_.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the TensorFlow trainer's fused Adam")
def test_tensorflow_fused_adam_only_where_it_is_keras_update(data, monkeypatch):
    """ResourceApplyAdam replaces Keras's Adam(W) update only where that update is Adam's arithmetic
    (not with clipping, not for other optimizers, not when switched off); with it the fit agrees
    within rtol 1e-5 with Keras's own update, and that agrees with keras.Model.fit."""
    from skdeep._engine import _tensorflow

    X, y = data
    cases = [("adamw", True), ("adam", True), (keras.optimizers.Adam(1e-3, clipnorm=1.0), False), ("sgd", False)]
    for optimizer, fused in cases:
        skdeep.clear_cache()
        KerasClassifier(hidden_layer_sizes=(8,), epochs=2, optimizer=optimizer, random_state=0).fit(X, y)
        (trainer,) = _cache._trainers.values()
        assert bool(trainer.traces["fused_adam"]) == fused, optimizer
    fits = {}
    for fused in (True, False):
        monkeypatch.setattr(_tensorflow, "FUSED", fused)
        skdeep.clear_cache()
        fits[fused] = KerasClassifier(hidden_layer_sizes=(8,), epochs=3, batch_size=64, random_state=0).fit(X, y)
        (trainer,) = _cache._trainers.values()
        assert bool(trainer.traces["fused_adam"]) == fused
    keras_fit = KerasClassifier(hidden_layer_sizes=(8,), epochs=3, batch_size=64, random_state=0,
                                engine="keras").fit(X, y)
    np.testing.assert_allclose(fits[True].history_["loss"], fits[False].history_["loss"], rtol=1e-5)
    for a, b, c in zip(fits[True].model_.get_weights(), fits[False].model_.get_weights(),
                       keras_fit.model_.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(b, c, rtol=1e-6, atol=1e-8)


def _torch_models():
    from skdeep._network import build_mlp

    mlp = build_mlp(30, 1, "binary", hidden_layer_sizes=(16, 8), dropout=0.2, l2=1e-3, batch_normalization=True)
    mlp.compile(optimizer=keras.optimizers.AdamW(1e-2, weight_decay=1e-2),
                loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1))
    reg = keras.Sequential([keras.Input((30,)), keras.layers.Dense(16, activation="tanh"),
                            keras.layers.Dropout(0.3), keras.layers.Dense(1)])
    reg.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.MeanSquaredError())
    other = keras.Sequential([keras.Input((30,)), keras.layers.Dense(8, activation="elu"),
                              keras.layers.Dense(2, activation="softmax")])
    other.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    # A branch: the linear skip (Dense of the input, added to the head before the sigmoid).
    skip = build_mlp(30, 1, "binary", hidden_layer_sizes=(16, 8), dropout=0.2, l2=1e-3, linear_skip=True)
    skip.compile(optimizer=keras.optimizers.AdamW(1e-2, weight_decay=1e-2),
                 loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1))
    return {"mlp": (mlp, True), "regression": (reg, True), "fallback": (other, False), "skip": (skip, True)}


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the PyTorch trainer's fast step")
def test_torch_fused_update_reads_non_contiguous_gradients():
    """The fused kernel reads raw memory: a gradient given as a transposed view (same values,
    other strides) must update exactly as its contiguous copy does."""
    import torch

    from skdeep._engine import _torch_fast

    states = []
    for view in (False, True):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        model.optimizer.build(model.trainable_variables)
        build = _torch_fast._update(model.optimizer, list(model.trainable_variables))
        assert build.fused
        update = build()
        grads = [torch.arange(6, dtype=torch.float32).reshape(2, 3).t() / 7, torch.tensor([0.5, -0.25])]
        update([g if view else g.contiguous() for g in grads])
        states.append([keras.ops.convert_to_numpy(v.value) for v in model.trainable_variables])
    for a, b in zip(*states, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the PyTorch trainer's fast step")
@pytest.mark.parametrize("fused", [False, True], ids=["foreach", "fused"])
@pytest.mark.parametrize("name", ["mlp", "regression", "fallback", "skip"])
def test_torch_fast_step_is_keras_step(data, name, fused, monkeypatch):
    """The raw-torch step (_torch_fast) gives the losses, weights and optimizer state of the step
    through Keras's layers, loss and optimizer, and falls back where it cannot: exactly with
    Keras's own Adam ops, within float32 rounding with torch's fused Adam kernel (AdamW's weight
    decay in "mlp", plain Adam in "regression")."""
    import torch

    from skdeep._engine import _torch_fast
    from skdeep._engine._torch import TorchTrainer, seed_epoch

    monkeypatch.setattr(_torch_fast, "FUSED", fused)
    X, y = data
    model, fast = _torch_models()[name]
    model.optimizer.build(model.trainable_variables)
    x = torch.as_tensor(X[:, :30].astype("float32"))
    yt = torch.as_tensor(y.reshape(-1, 1).astype("int32" if name == "fallback" else "float32"))
    sw = torch.as_tensor(np.linspace(0.5, 1.5, len(y)).astype("float32"))
    runs = []
    for use_fast in (True, False):
        trainer = TorchTrainer(model, model.loss, [], 32)
        trainer.load(model)
        assert (trainer._fast is not None and all(
            p is not None for p in (trainer._fast._forward, trainer._fast._loss_fn, trainer._fast._update))) == fast
        if fast:
            assert trainer._fast._update.fused == fused
        if trainer._fast is not None:
            trainer._fast.bind()
        step = trainer._step if use_fast else trainer._keras_step
        seed_epoch(0, 0)
        losses = [float(step(x[:32], yt[:32], sw[:32]))]
        first = [keras.ops.convert_to_numpy(v.value) for v in trainer._vars]
        losses += [float(step(x[i:i + 32], yt[i:i + 32], sw[i:i + 32])) for i in range(32, 200, 32)]
        runs.append((losses, [keras.ops.convert_to_numpy(v.value) for v in trainer._vars], first))
    if fused and fast:
        # One update from the same gradients: the same within rounding. Keras computes the bias
        # correction 1 - beta_2 ** t in float32 (beta_2 = 0.999 rounded: ~1e-5 of it at t = 1),
        # the kernel in float64: the first step differs by up to ~1e-4 of the 1e-2 rate (7e-8
        # measured). Seven steps carry such differences on, a little amplified.
        for a, b in zip(runs[0][2], runs[1][2], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-5)
        for a, b in zip(runs[0][1], runs[1][1], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        return
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_array_equal(a, b)
