"""A fit that raises or is interrupted leaves the estimator exactly as it was."""

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skdeep import KerasClassifier, KerasRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
yr = X @ np.array([1.0, -2.0, 0.5, 0.0])


class Interrupt(keras.callbacks.Callback):
    """Ctrl-C after ``after`` epochs of this fit."""

    def __init__(self, after=1):
        super().__init__()
        self.after, self.seen = after, 0

    def on_epoch_end(self, epoch, logs=None):
        self.seen += 1
        if self.seen >= self.after:
            raise KeyboardInterrupt


def bad_build(n_features_in):
    raise RuntimeError("build failed")


def state(est):
    """What fit may set: fitted attributes, network weights and optimizer state."""
    attrs = {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("__")}
    weights = [keras.ops.convert_to_numpy(w) for w in est.model_.weights] if hasattr(est, "model_") else None
    opt = ([keras.ops.convert_to_numpy(v) for v in est.model_.optimizer.variables] if hasattr(est, "model_") else None)
    history = {k: list(v) for k, v in getattr(est, "history_", {}).items()}
    return attrs, weights, opt, history


def assert_same(before, after):
    attrs0, w0, o0, h0 = before
    attrs1, w1, o1, h1 = after
    assert set(attrs0) == set(attrs1)
    for k in attrs0:
        assert attrs1[k] is attrs0[k] or np.array_equal(np.asarray(attrs1[k]), np.asarray(attrs0[k])), k
    assert h1 == h0
    for a, b in zip(w0 or [], w1 or [], strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(o0 or [], o1 or [], strict=True):
        np.testing.assert_array_equal(a, b)


def test_failed_first_fit_leaves_estimator_unfitted():
    Xdf = pd.DataFrame(X, columns=list("abcd"))
    est = KerasClassifier(bad_build, epochs=1)
    with pytest.raises(RuntimeError, match="build failed"):
        est.fit(Xdf, y)
    assert not hasattr(est, "n_features_in_") and not hasattr(est, "feature_names_in_")
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_failed_refit_on_other_columns_keeps_old_model_and_metadata():
    Xdf = pd.DataFrame(X, columns=list("abcd"))
    est = KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(Xdf, y)
    before, pred = state(est), est.predict(Xdf)
    other = pd.DataFrame(rng.normal(size=(60, 6)), columns=list("uvwxyz"))
    est.set_params(model=bad_build)
    with pytest.raises(RuntimeError, match="build failed"):
        est.fit(other, y)
    assert_same(before, state(est))
    np.testing.assert_array_equal(est.predict(Xdf), pred)  # the right columns still work
    with pytest.raises(ValueError):
        est.predict(other)  # and the wrong ones are still refused


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_interrupted_first_fit_leaves_estimator_unfitted(engine):
    est = KerasRegressor(hidden_layer_sizes=(4,), epochs=5, callbacks=[Interrupt(2)], engine=engine)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, yr)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_interrupted_refit_keeps_fitted_network_history_and_metadata(engine):
    est = KerasRegressor(hidden_layer_sizes=(4,), epochs=3, random_state=0, engine=engine).fit(X, yr)
    model, before, pred = est.model_, state(est), est.predict(X)
    est.set_params(callbacks=[Interrupt(2)], random_state=1)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X[:, :3], yr)
    assert est.model_ is model and est.n_iter_ == 3 and len(est.history_["loss"]) == 3
    assert_same(before, state(est))
    np.testing.assert_array_equal(est.predict(X), pred)


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_interrupted_warm_start_fit_changes_nothing(engine):
    est = KerasRegressor(hidden_layer_sizes=(4,), epochs=3, random_state=0, engine=engine).fit(X, yr)
    before, pred = state(est), est.predict(X)
    est.set_params(warm_start=True, callbacks=[Interrupt(2)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, yr)
    assert_same(before, state(est))
    np.testing.assert_array_equal(est.predict(X), pred)
    # A later warm start continues from where the last completed call ended.
    est.set_params(callbacks=None)
    est.fit(X, yr)
    assert est.n_iter_ == 6 and len(est.history_["loss"]) == 6


@pytest.mark.parametrize("Est, target", [(KerasClassifier, y), (KerasRegressor, yr)])
def test_interrupted_partial_fit_changes_nothing(Est, target):
    est = Est(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(X, target)
    est.partial_fit(X, target)
    before = state(est)
    est.set_params(callbacks=[Interrupt(1)])
    with pytest.raises(KeyboardInterrupt):
        est.partial_fit(X, target)
    assert_same(before, state(est))
    assert est.n_iter_ == 2


def test_failed_partial_fit_with_new_label_changes_nothing():
    est = KerasClassifier(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y)
    before = state(est)
    with pytest.raises(ValueError):
        est.partial_fit(X, np.where(y == 1, 2, 0))  # label 2 was never declared
    assert_same(before, state(est))
