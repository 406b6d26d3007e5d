"""scikeras idioms, run unchanged through skdeep.scikeras (issue 12)."""

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import FunctionTransformer

from skdeep.scikeras.utils import loss_name, metric_name
from skdeep.scikeras.utils.transformers import ClassifierLabelEncoder, RegressorTargetEncoder
from skdeep.scikeras.wrappers import BaseWrapper, KerasClassifier, KerasRegressor

QUIET = dict(verbose=0, random_state=0)


@pytest.fixture(scope="module")
def clf_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5)).astype("float32")
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    return X, y


@pytest.fixture(scope="module")
def reg_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 4))
    return X, X @ [1.0, -1.0, 0.5, 0.0]


def build_clf(meta, compile_kwargs, hidden=8):
    """The documented scikeras build function: meta for shapes, compile_kwargs for the optimizer."""
    model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=compile_kwargs["optimizer"], metrics=["accuracy"])
    return model


def test_build_function_with_meta_and_compile_kwargs(clf_data):
    X, y = clf_data
    seen = {}

    def build(meta, compile_kwargs, hidden=8):
        seen.update(meta=meta, compile_kwargs=compile_kwargs, hidden=hidden)
        return build_clf(meta, compile_kwargs, hidden)

    clf = KerasClassifier(build, hidden=6, optimizer="adam", optimizer__learning_rate=0.05, epochs=3, **QUIET)
    clf.fit(X, y)
    meta = seen["meta"]
    assert meta["n_features_in_"] == 5 and meta["n_classes_"] == 2 and meta["target_type_"] == "binary"
    assert meta["X_shape_"] == (120, 5) and meta["y_dtype_"].kind == "U" and meta["n_outputs_expected_"] == 1
    assert isinstance(seen["compile_kwargs"]["optimizer"], keras.optimizers.Adam)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.05)
    assert seen["hidden"] == 6  # un-prefixed parameter reached the build function
    assert clf.model_.layers[0].units == 6
    assert clf.current_epoch == 3 and len(clf.history_["loss"]) == 3 and "accuracy" in clf.history_
    assert clf.score(X, y) > 0.6
    assert set(clf.predict(X)) <= {"yes", "no"} and clf.predict_proba(X).shape == (120, 2)
    # fitted attributes scikeras users read
    assert clf.n_classes_ == 2 and clf.target_type_ == "binary" and clf.X_dtype_ == np.float32
    assert list(clf.classes_) == ["no", "yes"] and clf.initialized_


def test_model_prefix_wins_and_defaults_are_scikeras(clf_data):
    X, y = clf_data
    clf = KerasClassifier(build_clf, hidden=3, model__hidden=4)
    assert (clf.optimizer, clf.epochs, clf.verbose, clf.batch_size) == ("rmsprop", 1, 1, None)
    clf.set_params(verbose=0, random_state=0).fit(X, y)
    assert clf.model_.layers[0].units == 4
    assert type(clf.model_.optimizer).__name__ == "RMSprop"
    assert clf.get_params()["hidden"] == 3 and clone(clf).get_params()["model__hidden"] == 4


def test_is_a_classifier_and_a_regressor_for_scikit_learn(clf_data):
    # scikeras 0.13 on scikit-learn >= 1.6 is neither: cv=5 would not stratify.
    assert is_classifier(KerasClassifier()) and is_regressor(KerasRegressor())
    X, y = clf_data
    scores = cross_val_score(KerasClassifier(build_clf, epochs=2, **QUIET), X, y, cv=3)
    assert scores.shape == (3,)


def test_callbacks_routing_classes_and_objects(clf_data):
    X, y = clf_data

    class Count(keras.callbacks.Callback):
        def __init__(self, start=0):
            super().__init__()
            self.epochs = start

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1

    clf = KerasClassifier(build_clf, epochs=3, callbacks=[Count], callbacks__0__start=10,
                          fit__callbacks={"stop": keras.callbacks.EarlyStopping},
                          fit__callbacks__stop__monitor="loss", fit__callbacks__stop__patience=5, **QUIET).fit(X, y)
    counter, stop = clf._fit_callbacks
    assert counter.epochs == 13 and stop.patience == 5
    assert clf.current_epoch == 3


def test_predict_routing_and_kwargs(clf_data):
    X, y = clf_data
    calls = []

    class Spy(keras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            calls.append("predict")

    clf = KerasClassifier(build_clf, predict__callbacks=[Spy()], predict__batch_size=7, **QUIET).fit(X, y)
    proba = clf.predict_proba(X)
    assert calls == ["predict"] and proba.shape == (120, 2)
    # fit(**kwargs) and predict(**kwargs) reach Keras for this call only
    clf.fit(X, y, epochs=2)
    assert clf.current_epoch == 2 and clf.epochs == 1
    np.testing.assert_allclose(clf.predict_proba(X, batch_size=5), clf.predict_proba(X), rtol=1e-5)


def test_initialize_then_partial_fit(clf_data):
    X, y = clf_data
    clf = KerasClassifier(build_clf, **QUIET).initialize(X, y)
    assert clf.initialized_ and clf.current_epoch == 0 and clf.model_.compiled
    assert clf.predict(X).shape == (120,)
    clf.partial_fit(X, y).partial_fit(X, y)
    assert clf.current_epoch == 2
    with pytest.raises(TypeError, match="partial_fit"):
        clf.partial_fit(X, y, epochs=3)


def test_loss_metrics_optimizer_classes_with_routed_arguments(reg_data):
    X, y = reg_data

    def build(meta):
        return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])

    reg = KerasRegressor(build, loss=keras.losses.Huber, loss__delta=0.5, optimizer=keras.optimizers.SGD,
                         optimizer__learning_rate=0.1, metrics=["mae", keras.metrics.RootMeanSquaredError],
                         metrics__1__name="rmse", epochs=10, batch_size=16, **QUIET).fit(X, y)
    assert isinstance(reg.model_.loss, keras.losses.Huber) and reg.model_.loss._fn_kwargs["delta"] == 0.5
    assert float(reg.model_.optimizer.learning_rate) == pytest.approx(0.1)
    assert {"loss", "mean_absolute_error", "rmse"} <= set(reg.history_)
    assert reg.history_["loss"][-1] < reg.history_["loss"][0]
    assert reg.score(X, y) > 0.5


def test_classifier_one_hot_for_categorical_crossentropy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = np.repeat([3, 5, 7], 30)

    def build(meta):
        return keras.Sequential([keras.Input((meta["n_features_in_"],)),
                                 keras.layers.Dense(meta["n_classes_"], activation="softmax")])

    clf = KerasClassifier(build, loss="categorical_crossentropy", epochs=2, **QUIET).fit(X, y)
    assert clf.target_encoder_.transform(y).shape == (90, 3)
    assert set(clf.predict(X)) <= {3, 5, 7}


def test_encoders_directly():
    enc = ClassifierLabelEncoder(loss="categorical_crossentropy").fit(np.array(["a", "b", "c", "a"]))
    assert enc.transform(np.array(["b"])).tolist() == [[0.0, 1.0, 0.0]]
    assert enc.get_metadata()["n_classes_"] == 3
    reg = RegressorTargetEncoder().fit(np.zeros((4, 2)))
    assert reg.get_metadata() == {"n_outputs_": 2, "n_outputs_expected_": 1}
    with pytest.raises(ValueError, match="outputs"):
        reg.transform(np.zeros(4))
    assert loss_name("mse") == "mean_squared_error"
    assert metric_name("CategoricalCrossentropy") == "categorical_crossentropy"


def test_subclass_with_keras_build_fn_and_custom_target_encoder(reg_data):
    X, y = reg_data

    class Scaled(FunctionTransformer):
        def __init__(self):
            super().__init__(func=lambda v: v / 10.0, inverse_func=lambda v: np.ravel(v) * 10.0)

    class MyRegressor(KerasRegressor):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def _keras_build_fn(self, meta, compile_kwargs):
            model = keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(self.units),
                                      keras.layers.Dense(1)])
            model.compile(loss="mse", optimizer=compile_kwargs["optimizer"])
            return model

        @property
        def target_encoder(self):
            return Scaled()

    reg = MyRegressor(units=3, epochs=3, **QUIET).fit(X, y)
    assert reg.model_.layers[0].units == 3
    assert isinstance(reg.target_encoder_, Scaled) and reg.predict(X).shape == (120,)
    assert clone(reg).get_params()["units"] == 3


def test_basewrapper_autoencoder():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6)).astype("float32")

    class AutoEncoder(BaseWrapper):
        def _keras_build_fn(self, meta, encoding_dim=2):
            inputs = keras.Input((meta["n_features_in_"],))
            code = keras.layers.Dense(encoding_dim, name="code")(inputs)
            self.encoder_model_ = keras.Model(inputs, code)
            return keras.Model(inputs, keras.layers.Dense(meta["n_features_in_"])(code))

        def transform(self, X):
            X = self.feature_encoder_.transform(X)
            return self.encoder_model_.predict(X, verbose=0)

    ae = AutoEncoder(loss="mse", encoding_dim=3, epochs=3, **QUIET).fit(X, X)
    assert ae.transform(X).shape == (80, 3) and ae.predict(X).shape == (80, 6)
    with pytest.raises(NotImplementedError):
        ae.score(X, X)


def test_multi_input_through_feature_encoder(reg_data):
    X, y = reg_data

    class Split(FunctionTransformer):
        def __init__(self):
            super().__init__(func=lambda X: [X[:, :2], X[:, 2:]])

    class TwoInputs(KerasRegressor):
        @property
        def feature_encoder(self):
            return Split()

    def build(meta):
        a, b = keras.Input((2,)), keras.Input((meta["n_features_in_"] - 2,))
        out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
        return keras.Model([a, b], out)

    reg = TwoInputs(build, loss="mse", epochs=2, **QUIET).fit(X, y)
    assert reg.predict(X).shape == (120,) and len(reg.model_.inputs) == 2


def test_multi_output_through_target_encoder():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)  # multilabel-indicator

    class Split(ClassifierLabelEncoder):
        def fit(self, y):
            super().fit(y)
            self.n_outputs_expected_ = y.shape[1]
            return self

        def transform(self, y):
            return [y[:, i].astype("float32") for i in range(y.shape[1])]

        def inverse_transform(self, y, return_proba=False):
            proba = np.column_stack(y)
            return proba if return_proba else (proba > 0.5).astype(int)

    class TwoHeads(KerasClassifier):
        @property
        def target_encoder(self):
            return Split()

    def build(meta):
        inp = keras.Input((meta["n_features_in_"],))
        h = keras.layers.Dense(8, activation="relu")(inp)
        heads = [keras.layers.Dense(1, activation="sigmoid", name=f"out{i}")(h) for i in range(2)]
        return keras.Model(inp, heads)

    clf = TwoHeads(build, loss="binary_crossentropy", epochs=3, **QUIET).fit(X, y)
    assert clf.n_outputs_expected_ == 2 and clf.predict(X).shape == (100, 2)


def test_n_dimensional_X():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4, 3)).astype("float32")
    y = (X.sum(axis=(1, 2)) > 0).astype(int)

    def build(meta):
        return keras.Sequential([keras.Input(meta["X_shape_"][1:]), keras.layers.Flatten(),
                                 keras.layers.Dense(1, activation="sigmoid")])

    clf = KerasClassifier(build, loss="binary_crossentropy", epochs=2, **QUIET).fit(X, y)
    assert clf.X_shape_ == (60, 4, 3) and clf.predict(X).shape == (60,)


def test_fit_leaves_no_global_state_behind(clf_data):
    import random

    X, y = clf_data
    state = random.getstate()
    KerasClassifier(build_clf, **QUIET).fit(X, y)
    assert random.getstate() == state


def test_plain_models_train_on_skdeeps_engine_not_model_fit(clf_data, monkeypatch):
    X, y = clf_data

    def no_fit(*args, **kwargs):
        raise AssertionError("keras.Model.fit was called")

    monkeypatch.setattr(keras.Model, "fit", no_fit)
    clf = KerasClassifier(build_clf, epochs=2, validation_split=0.2, **QUIET).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2 and "accuracy" in clf.history_
    with pytest.raises(AssertionError, match="Model.fit was called"):
        KerasClassifier(build_clf, shuffle=False, **QUIET).fit(X, y)  # shuffle=False needs Model.fit
    monkeypatch.undo()
    calls = []
    clf.set_params(warm_start=True)
    original = clf.model_.fit
    clf.model_.fit = lambda *a, **k: calls.append(k["batch_size"]) or original(*a, **k)  # replaced on the model
    clf.fit(X, y, batch_size=9)
    assert calls == [9] and clf.current_epoch == 2


def test_subclassed_keras_model_trains_with_model_fit(reg_data):
    X, y = reg_data

    class Linear(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    reg = KerasRegressor(Linear(), loss="mse", optimizer="adam", optimizer__learning_rate=0.05, epochs=3,
                         **QUIET).fit(X, y)
    assert reg.current_epoch == 3 and reg.predict(X).shape == (120,)


def test_suite_script_swaps_imports(tmp_path):
    """benchmarks/scikeras_suite.py: scikeras's tests get skdeep.scikeras imports, outside the repo."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "scikeras_suite.py"
    spec = importlib.util.spec_from_file_location("scikeras_suite", script)
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)
    src = tmp_path / "src"
    src.mkdir()
    (src / "test_x.py").write_text("from scikeras.wrappers import KerasClassifier\nimport scikeras\n"
                                   "from keras.src.backend.common.variables import KerasVariable\n")
    out = suite.prepare(src, tmp_path / "dest", "skdeep")
    assert (out / "test_x.py").read_text() == (
        "from skdeep.scikeras.wrappers import KerasClassifier\nimport skdeep.scikeras as scikeras\n"
        "from keras import Variable as KerasVariable\n")
    with pytest.raises(SystemExit):
        suite.main(["--tests", str(src), "--dest", str(script.parent)])  # inside the repository
