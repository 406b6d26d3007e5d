"""What a user's own model, loss and fit arguments get (issue 12's silent-wrong cases)."""

import keras
import numpy as np
import pytest

from skdeep import KerasClassifier, KerasRegressor


@pytest.fixture(scope="module")
def cancer(breast_cancer_scaled):
    X, y = breast_cancer_scaled
    return X[:200], y[:200]


def _compiled_build(lr):
    def build(n_features_in):
        model = keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.SGD(lr, momentum=0.5), loss="binary_crossentropy",
                      metrics=["accuracy"])
        return model
    return build


def test_model_compiled_by_build_function_is_kept(cancer):
    X, y = cancer
    clf = KerasClassifier(model=_compiled_build(0.05), epochs=2, random_state=0).fit(X, y)
    opt = clf.model_.optimizer
    assert type(opt).__name__ == "SGD"
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert float(opt.momentum) == pytest.approx(0.5)
    assert "accuracy" in clf.history_  # the user's metrics are recorded
    # The learning rate the user compiled with is the one that trains: another rate differs.
    other = KerasClassifier(model=_compiled_build(0.001), epochs=2, random_state=0).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), other.predict_proba(X))


@pytest.mark.parametrize("given", [{"optimizer": "sgd"}, {"learning_rate": 0.1}, {"loss": "hinge"},
                                   {"optimizer__beta_1": 0.5}, {"metrics": ["auc"]}])
def test_skdeep_compile_params_conflict_with_a_compiled_model(cancer, given):
    X, y = cancer
    name = next(iter(given))
    with pytest.raises(ValueError, match=f"compiled by its build function.*{name}"):
        KerasClassifier(model=_compiled_build(0.05), epochs=1, **given).fit(X, y)


def test_compiled_user_model_instance_keeps_its_compilation(cancer):
    X, y = cancer
    user = _compiled_build(0.05)(X.shape[1])
    clf = KerasClassifier(model=user, epochs=1, random_state=0).fit(X, y)
    assert type(clf.model_.optimizer).__name__ == "SGD" and clf.model_.optimizer is not user.optimizer
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.05)


@keras.saving.register_keras_serializable(package="skdeep_tests")
def _abs_error(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def test_loss_as_a_plain_function_trains_and_serializes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ [1.0, -2.0, 0.5]
    reg = KerasRegressor(hidden_layer_sizes=(8,), loss=_abs_error, epochs=3, random_state=0).fit(X, y)
    assert np.isfinite(reg.history_["loss"]).all()
    loss = reg.model_.loss
    assert isinstance(loss, keras.losses.Loss) and loss.name == "_abs_error"
    again = type(loss).from_config(loss.get_config())
    yt, yp = np.ones((4, 1), "float32"), np.zeros((4, 1), "float32")
    assert float(again(yt, yp)) == pytest.approx(float(loss(yt, yp))) == pytest.approx(1.0)


def test_two_function_losses_of_one_name_are_not_confused():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.normal(size=64)
    fits = []
    for scale in (1.0, 100.0):
        def loss(y_true, y_pred, scale=scale):
            return scale * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)
        fits.append(KerasRegressor(hidden_layer_sizes=(4,), loss=loss, epochs=1, random_state=0).fit(X, y))
    assert fits[1].history_["loss"][0] > 10 * fits[0].history_["loss"][0]


@pytest.mark.parametrize("engine", ["auto", "keras"])
def test_fit_validation_split_is_honoured(cancer, engine):
    X, y = cancer
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0, engine=engine,
                          fit__validation_split=0.25).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2


def test_binary_target_on_two_unit_softmax_with_sparse_loss(cancer):
    X, y = cancer

    def build(n_features_in):
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(2, activation="softmax")])

    clf = KerasClassifier(model=build, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                          epochs=5, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert clf.history_["accuracy"][-1] > clf.history_["accuracy"][0]  # sparse accuracy on class indices
    assert set(clf.predict(X)) <= {0, 1}


def test_initialize_builds_and_compiles_without_training(cancer):
    X, y = cancer
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=5, random_state=0)
    assert clf.initialize(X, y) is clf
    assert clf.model_.compiled and clf.n_iter_ == 0 and clf.history_ == {}
    assert clf.predict_proba(X).shape == (len(X), 2)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 1
    reg = KerasRegressor(hidden_layer_sizes=(4,)).initialize(X, y.astype(float))
    assert reg.model_.compiled and reg.n_iter_ == 0


def test_compiled_model_with_an_unregistered_metric_class(cancer):
    X, y = cancer

    class Hits(keras.metrics.BinaryAccuracy):  # not registered for serialization
        pass

    def build(n_features_in):
        model = keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[Hits(name="hits")])
        return model

    assert getattr(build(3), "_compile_config").config["metrics"]  # the Keras store read above still exists
    clf = KerasClassifier(model=build, epochs=2, random_state=0).fit(X, y)
    assert len(clf.history_["hits"]) == 2


def test_auto_ensemble_is_one_network_with_a_users_model(breast_cancer_scaled):
    """n_ensemble="auto" makes an ensemble of the built-in network only: a user's model where early
    stopping runs gets one network's rate and batch, and a build function asking sees 1."""
    X, y = breast_cancer_scaled
    seen = {}

    def build(n_features_in, n_ensemble):
        seen["n_ensemble"] = n_ensemble
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(1, activation="sigmoid")])

    clf = KerasClassifier(model=build, epochs=1, random_state=0).fit(X, y)
    assert clf.budget_.early_stopping and clf.budget_.batch_size == 64  # n / 20, not the ensemble's n / 5
    assert (clf.n_ensemble_, clf.learning_rate_, seen["n_ensemble"]) == (1, 0.001, 1)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.001)
