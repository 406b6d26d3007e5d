"""Bad input gets a clear exception naming the problem and changes nothing.

The inputs of docs/bad_input.md's table are tested row by row in
tests/test_bad_input_table.py; this file holds what the table does not say
(messages in full, the user's data untouched, the fitted state kept).
"""

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from skdeep import KerasClassifier, KerasRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)


@pytest.fixture(scope="module")
def fitted():
    return KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_inf_in_X(bad):
    Xb = X.copy()
    Xb[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains infinity"):
        KerasClassifier(epochs=1).fit(Xb, y)
    assert np.isinf(Xb[3, 1])  # the user's data is untouched


def test_nan_in_X_is_imputed_by_the_network_and_left_in_the_users_data():
    Xb = X.copy()
    Xb[3, 1] = np.nan
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(Xb, y)
    assert np.isfinite(clf.predict_proba(Xb)).all() and np.isnan(Xb[3, 1])



def test_empty_and_1d_X():
    with pytest.raises(ValueError, match="0 sample"):
        KerasClassifier(epochs=1).fit(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        KerasClassifier(epochs=1).fit(X[:, 0], y)


def test_sparse_X_with_categorical_columns_is_refused_with_advice():
    with pytest.raises(ValueError, match="sparse X cannot hold categorical columns"):
        KerasClassifier(epochs=1, categorical_features=[0]).fit(sp.csr_matrix(X), y)




def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        KerasClassifier().predict(X)
    with pytest.raises(NotFittedError):
        KerasRegressor().predict(X)




def test_unknown_loss_and_optimizer():
    with pytest.raises(ValueError, match="Unknown loss 'hinge_loss_typo'"):
        KerasClassifier(loss="hinge_loss_typo", epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="Could not build the optimizer from optimizer='adamm'"):
        KerasClassifier(optimizer="adamm", epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        KerasClassifier(metrics=["acuracy"], epochs=1).fit(X, y)


def test_invalid_parameter_values():
    with pytest.raises(ValueError, match="'dropout' parameter of KerasClassifier must be"):
        KerasClassifier(dropout=1.5).fit(X, y)
    with pytest.raises(ValueError, match="'engine' parameter"):
        KerasClassifier(engine="fast").fit(X, y)


def test_metric_for_the_wrong_task():
    with pytest.raises(ValueError, match="'r2' is a regression metric"):
        KerasClassifier(metrics=["r2"], epochs=1).fit(X, y)


def test_build_function_output_mismatch():
    import keras

    def build(n_features_in):
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(5)])

    with pytest.raises(ValueError, match="output layer has 5 units but the target needs 1"):
        KerasClassifier(model=build, epochs=1).fit(X, y)



def test_failed_fit_keeps_previous_model(fitted):
    model = fitted.model_
    with pytest.raises(ValueError):
        fitted.fit(np.full_like(X, np.inf), y)
    assert fitted.model_ is model
    assert fitted.predict(X).shape == (len(X),)


def test_routed_parameters_without_a_target_are_refused():
    import keras

    with pytest.raises(ValueError, match="model__width was given but model=None"):
        KerasClassifier(model__width=3, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="loss__delta was given but loss is an object"):
        KerasRegressor(loss=keras.losses.Huber(), loss__delta=5.0, epochs=1).fit(X, X[:, 0])


def test_multiclass_auc_points_to_the_callback():
    with pytest.raises(ValueError, match="skdeep.callbacks.ROCAUC"):
        # sparse targets (no label smoothing): Keras's AUC cannot read them
        KerasClassifier(metrics=["auc"], label_smoothing=0.0, epochs=1).fit(X, np.arange(len(X)) % 3)


def test_failed_refit_keeps_the_fitted_state(fitted):
    model, encoder, proba = fitted.model_, fitted.target_encoder_, fitted.predict_proba(X)
    fitted.set_params(loss="not_a_loss")
    with pytest.raises(ValueError, match="Unknown loss"):
        fitted.fit(X, np.where(y == 1, "yes", "no"))  # new labels, and the build fails
    fitted.set_params(loss=None)
    assert fitted.model_ is model and fitted.target_encoder_ is encoder
    np.testing.assert_array_equal(fitted.predict_proba(X), proba)
    assert list(fitted.classes_) == [0, 1]


@pytest.mark.parametrize("sizes, message", [
    ((2.5,), r"hidden_layer_sizes must be positive integers, got \(2.5,\)"),
    ((0,), r"hidden_layer_sizes must be positive integers, got \(0,\)"),
    ((8, -1), r"hidden_layer_sizes must be positive integers"),
    (("8",), r"hidden_layer_sizes must be positive integers"),
])
def test_hidden_layer_sizes_must_be_positive_integers(sizes, message):
    est = KerasClassifier(hidden_layer_sizes=sizes, epochs=1)
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)
    assert not hasattr(est, "model_")


def test_hidden_layer_sizes_accepts_numpy_integers_and_lists():
    est = KerasClassifier(hidden_layer_sizes=[np.int64(3), 2], epochs=1).fit(X, y)
    assert [est.model_.get_layer(f"hidden_{i}").units for i in (1, 2)] == [3, 2]




def test_a_plain_function_as_loss():
    def l1(y_true, y_pred):
        return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    reg = KerasRegressor(hidden_layer_sizes=(4,), loss=l1, epochs=2, random_state=0).fit(X, X[:, 0])
    assert len(reg.history_["loss"]) == 2 and np.isfinite(reg.history_["loss"]).all()
    assert reg.model_.loss.fn is l1  # the user's function is what trains, not a default in its place
