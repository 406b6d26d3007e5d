"""Target scale and offset do not matter in float32; divergence is an error, never a NaN model."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.utils.validation import check_is_fitted

from skdeep import KerasClassifier, KerasRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 3)).astype("float32")
signal = X @ np.array([1.0, -0.5, 0.25])


def reg(**kw):
    return KerasRegressor(**{"hidden_layer_sizes": (16,), "epochs": 60, "random_state": 0,
                             "learning_rate": 0.01, **kw})


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_huge_target_scale_regresses_in_float32(engine):
    y = 1e10 * signal
    pred = reg(engine=engine).fit(X, y).predict(X)
    assert np.isfinite(pred).all()
    assert r2_score(y, pred) > 0.9


def test_large_offset_target_keeps_its_digits():
    y = 1.7e9 + signal  # timestamps plus a small signal
    est = reg().fit(X, y)
    pred = est.predict(X)
    assert len(np.unique(pred)) > 150  # float32 around 1.7e9 has steps of 128
    assert r2_score(y - 1.7e9, pred - 1.7e9) > 0.9


def test_multi_output_targets_of_very_different_scales():
    y = np.column_stack([1e9 * signal, 1.7e9 + signal, 1e-3 * signal])
    pred = reg(epochs=80).fit(X, y).predict(X)
    assert pred.shape == y.shape
    for j in range(3):
        assert r2_score(y[:, j], pred[:, j]) > 0.85, j


def test_history_metrics_are_in_target_units_and_loss_standardized():
    y = 1e6 * signal + 5e6
    est = reg(metrics=["mae", "r2"], dropout=0.0).fit(X, y)  # no dropout: training MAE ~ predict's
    mae = mean_absolute_error(y, est.predict(X))
    assert 0.3 * mae < est.history_["mae"][-1] < 3 * mae  # target units, not standardized
    assert est.history_["loss"][-1] < 1.0  # mean squared error of standardized targets
    assert 0.8 < est.history_["r2"][-1] <= 1.0


def test_user_model_learns_standardized_targets():
    import keras

    def build(n_features_in, n_outputs):
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(16, activation="relu"),
                                 keras.layers.Dense(n_outputs)])

    y = 1e9 * signal
    pred = reg(model=build).fit(X, y).predict(X)
    assert r2_score(y, pred) > 0.9


@pytest.mark.parametrize("Est, y", [(KerasClassifier, (signal > 0).astype(int)), (KerasRegressor, signal)])
def test_features_around_1e20_raise(Est, y):
    # Unscaled features reach the Dense layers as they are: refused.
    est = Est(hidden_layer_sizes=(4,), epochs=2, numeric_transform=None, numeric_embedding=None)
    with pytest.raises(ValueError, match="X has values as large as"):
        est.fit(X * 1e20, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    # The default robust scaling brings them back to O(1) inside the network: they train.
    scaled = Est(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X * 1e20, y)
    assert np.isfinite(np.asarray(scaled.predict(X * 1e20), dtype=float)).all()


@pytest.mark.parametrize("engine", ["compiled", "keras"])
@pytest.mark.parametrize("Est, y", [(KerasClassifier, (signal > 0).astype(int)), (KerasRegressor, signal)])
def test_divergence_raises_instead_of_a_nan_model(Est, y, engine):
    import keras

    if Est is KerasClassifier and keras.backend.backend() != "tensorflow":
        pytest.skip("on JAX this classifier saturates (finite loss and weights) instead of overflowing")
    est = Est(hidden_layer_sizes=(8,), epochs=5, optimizer="sgd", learning_rate=1e30,
              engine=engine, random_state=0)
    with pytest.raises(ValueError, match="Training diverged"):
        est.fit(X * 1e3, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def _lr_jumps_at(epoch):
    import keras

    return keras.callbacks.LearningRateScheduler(lambda e, lr: 1e-2 if e < epoch else 1e30)


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_on_divergence_warn_keeps_the_best_finite_epoch(engine):
    import keras
    from sklearn.exceptions import ConvergenceWarning

    y = signal
    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", engine=engine, random_state=0,
              learning_rate_schedule=None, early_stopping=False)
    est = KerasRegressor(epochs=6, on_divergence="warn", callbacks=[_lr_jumps_at(3)], **kw)
    with pytest.warns(ConvergenceWarning, match="Training diverged at epoch 4.*weights of epoch 3"):
        est.fit(X * 1e3, y)
    assert not np.isfinite(est.history_["loss"][-1])  # the diverged epoch is recorded, as it happened
    assert np.isfinite(est.history_["loss"][:3]).all()
    # The kept network is the one three finite epochs give, optimizer state included.
    ref = KerasRegressor(epochs=3, callbacks=[_lr_jumps_at(3)], **kw).fit(X * 1e3, y)
    np.testing.assert_allclose(est.predict(X * 1e3), ref.predict(X * 1e3), rtol=1e-5, atol=1e-6)
    for a, b in zip(est.model_.optimizer.variables, ref.model_.optimizer.variables):
        if "learning_rate" not in a.path:
            np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), rtol=1e-5)
    # ... so training can go on from there.
    est.set_params(warm_start=True, callbacks=None, epochs=2, learning_rate=1e-3)
    assert np.isfinite(est.fit(X * 1e3, y).predict(X * 1e3)).all()


def _diverges_on_call(n):
    """A callback whose n-th training call (1 = the first) sets an overflowing SGD rate."""
    import keras

    class Diverges(keras.callbacks.Callback):
        calls = 0

        def on_train_begin(self, logs=None):
            self.calls += 1
            if self.calls == n:
                self.model.optimizer.learning_rate = 1e30

    return Diverges()


def test_on_divergence_warn_keeps_the_weights_a_warm_start_began_with():
    from sklearn.exceptions import ConvergenceWarning

    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", epochs=3, learning_rate_schedule=None,
              on_divergence="warn", random_state=0)
    est = KerasRegressor(**kw).fit(X * 1e3, signal)
    before = est.predict(X * 1e3)
    est.set_params(warm_start=True, callbacks=[_diverges_on_call(1)])
    with pytest.warns(ConvergenceWarning, match="Training diverged at epoch 4.*epoch 3, where this call started"):
        est.fit(X * 1e3, signal)
    np.testing.assert_array_equal(est.predict(X * 1e3), before)


@pytest.mark.parametrize("on_divergence", ["raise", "warn"])
def test_a_diverging_final_phase_never_leaves_a_nan_model(on_divergence):
    """The final phase on every row (finish_on_all_rows) starts from early stopping's weights:
    if it diverges, "warn" keeps those, "raise" leaves the estimator as it was."""
    from sklearn.exceptions import ConvergenceWarning

    big = np.random.default_rng(1).normal(size=(600, 3)).astype("float32")
    y = big @ np.array([1.0, -0.5, 0.25])
    kw = dict(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate=1e-2, learning_rate_schedule=None,
              patience=2, on_divergence=on_divergence, random_state=0)
    reference = KerasRegressor(finish_on_all_rows=0, **kw).fit(big, y)  # early stopping's weights
    est = KerasRegressor(callbacks=[_diverges_on_call(2)], **kw)
    if on_divergence == "raise":
        with pytest.raises(ValueError, match="Training diverged"):
            est.fit(big, y)
        with pytest.raises(NotFittedError):
            check_is_fitted(est)
    else:
        with pytest.warns(ConvergenceWarning, match="where this call started"):
            est.fit(big, y)
        assert len(est.history_["loss"]) > len(est.history_["val_loss"])  # the final phase ran and diverged
        np.testing.assert_array_equal(est.predict(big), reference.predict(big))


def test_on_divergence_warn_still_raises_without_a_finite_epoch():
    est = KerasRegressor(hidden_layer_sizes=(8,), epochs=3, optimizer="sgd", learning_rate=1e30,
                         on_divergence="warn", random_state=0)
    with pytest.raises(ValueError, match="Training diverged at epoch 1"):
        est.fit(X * 1e3, signal)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
