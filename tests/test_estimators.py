"""Behaviour of KerasClassifier / KerasRegressor as a user sees it."""

import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, make_classification
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import KerasClassifier, KerasRegressor

# A small network that learns in few epochs: the periodic embedding explicitly ("auto" leaves it
# out below 500 rows, where the default network trains for its whole, longer budget).
FAST = dict(hidden_layer_sizes=(16,), numeric_embedding="periodic", epochs=15, random_state=0)


@pytest.fixture(scope="module")
def cancer(breast_cancer):
    X, y = breast_cancer
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_issue_example_pipeline_cv_and_grid(cancer):
    X, y = cancer
    clf = make_pipeline(StandardScaler(), KerasClassifier(hidden_layer_sizes=(64, 32), dropout=0.2,
                                                          epochs=10, random_state=0))
    scores = cross_val_score(clf, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.mean() > 0.9  # chance is ~0.63
    grid = GridSearchCV(clf, {"kerasclassifier__hidden_layer_sizes": [(8,), (16, 8)],
                              "kerasclassifier__optimizer__learning_rate": [1e-3, 1e-2]},
                        cv=3, n_jobs=2).fit(X, y)
    assert grid.best_score_ > 0.9
    best = grid.best_estimator_[-1]
    assert float(best.model_.optimizer.learning_rate) == pytest.approx(
        grid.best_params_["kerasclassifier__optimizer__learning_rate"])


def test_routed_parameters_reach_their_target(cancer):
    X, y = cancer
    seen = {}

    def build(n_features_in, n_outputs, output_activation, width):
        seen["width"] = width
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(width),
                                 keras.layers.Dense(n_outputs, activation=output_activation)])

    clf = KerasClassifier(model=build, model__width=7, optimizer="sgd", optimizer__momentum=0.5,
                          optimizer__learning_rate=0.05, loss__label_smoothing=0.1, epochs=1)
    clf.fit(X, y)
    assert seen["width"] == 7
    assert clf.model_.layers[0].units == 7
    cfg = clf.model_.optimizer.get_config()
    assert cfg["momentum"] == 0.5 and cfg["learning_rate"] == pytest.approx(0.05)
    assert clf.model_.loss.get_config()["label_smoothing"] == 0.1
    assert clf.get_params()["model__width"] == 7
    assert clone(clf).get_params()["optimizer__momentum"] == 0.5
    clf.set_params(model__width=3).fit(X, y)
    assert seen["width"] == 3


def test_unknown_routed_parameter_is_reported_at_fit(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="Unknown parameter 'epoch'"):
        KerasClassifier(epoch=3).fit(X, y)
    with pytest.raises(ValueError, match="model__width was given but the build function"):
        KerasClassifier(model=lambda n_features_in: None, model__width=3).fit(X, y)


@pytest.mark.parametrize("labels", [np.array(["no", "yes"]), np.array([3, 7]), np.array([False, True])])
def test_binary_labels_come_back_in_their_own_type(cancer, labels):
    X, y = cancer
    y_user = labels[y]
    clf = KerasClassifier(**FAST).fit(X, y_user)
    pred = clf.predict(X)
    assert pred.dtype == y_user.dtype and set(pred) <= set(labels)
    assert list(clf.classes_) == list(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_multiclass_int_labels(iris):
    X, y = iris
    y_user = np.array([3, 7, 9])[y]
    clf = make_pipeline(StandardScaler(), KerasClassifier(**{**FAST, "epochs": 40}, metrics=["accuracy"]))
    clf.fit(X, y_user)
    assert clf.score(X, y_user) > 0.8  # chance is 1/3
    assert set(clf.predict(X)) <= {3, 7, 9}
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert "accuracy" in clf[-1].history_


def test_multilabel_indicator_targets():
    X, y1 = make_classification(200, 6, random_state=0)
    y = np.c_[y1, 1 - y1, (X[:, 0] > 0).astype(int)]
    clf = KerasClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 3) and ((proba >= 0) & (proba <= 1)).all()
    assert clf.predict(X).shape == (200, 3)
    assert (clf.predict(X) == y).mean() > 0.7


def test_multi_output_regression():
    X, y = load_diabetes(return_X_y=True)
    Y = np.c_[y, -2 * y + 50]
    reg = KerasRegressor(**{**FAST, "epochs": 60}).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2) and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.3  # a constant scores 0
    # The built-in network predicts in target units (mean ~150), not standardized ones.
    assert abs(reg.predict(X)[:, 0].mean() - y.mean()) < 30


def test_regression_mae_loss_and_r2_metric():
    X, y = load_diabetes(return_X_y=True)
    reg = KerasRegressor(loss="mean_absolute_error", metrics=["mae", "r2"], validation_split=0.2,
                         **FAST).fit(X, y)
    assert {"loss", "mae", "r2", "val_loss", "val_mae", "val_r2"} <= set(reg.history_)
    # With an MAE loss and no regularization the loss is the MAE, in standardized units.
    scale = reg.target_encoder_.scale_[0]
    np.testing.assert_allclose(np.multiply(reg.history_["loss"], scale), reg.history_["mae"], rtol=1e-4)
    assert reg.history_["r2"][-1] > reg.history_["r2"][0]


def test_sample_weight_and_class_weight_change_the_fit(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    base = KerasClassifier(**FAST).fit(X, y).predict_proba(X)[:, 1]
    sw = np.where(y == 1, 0.01, 1.0)
    weighted = KerasClassifier(**FAST).fit(X, y, sample_weight=sw).predict_proba(X)[:, 1]
    assert weighted.mean() < base.mean() - 0.05
    heavy = KerasClassifier(class_weight={0: 1.0, 1: 0.01}, **FAST).fit(X, y).predict_proba(X)[:, 1]
    assert heavy.mean() < base.mean() - 0.05
    balanced = KerasClassifier(class_weight="balanced", **FAST).fit(X, y[:])
    assert balanced.score(X, y) > 0.9


def test_sample_weight_reaches_the_network_through_metadata_routing(cancer):
    X, y = cancer
    sw = np.where(y == 1, 0.01, 1.0)
    cv = KFold(3, shuffle=True, random_state=0)

    def fold_means(**params):
        scorer = get_scorer("accuracy").set_score_request(sample_weight=False)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        net = KerasClassifier(**FAST).set_fit_request(sample_weight=True)
        res = cross_validate(make_pipeline(scaler, net), X, y, cv=cv, params=params, scoring=scorer,
                             return_estimator=True)
        assert not np.isnan(res["test_score"]).any()
        return np.array([est.predict_proba(X)[:, 1].mean() for est in res["estimator"]])

    with sklearn.config_context(enable_metadata_routing=True):
        plain, weighted = fold_means(), fold_means(sample_weight=sw)
    assert (weighted < plain - 0.03).all()  # down-weighting class 1 lowers its probability in every fold


def test_fitted_state_and_pandas_feature_names(cancer):
    X, y = cancer
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    clf = KerasClassifier(validation_split=0.2, metrics=["accuracy"], **FAST).fit(df, y)
    assert list(clf.feature_names_in_) == cols
    assert clf.n_features_in_ == X.shape[1] and clf.n_iter_ == 15
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 15 for v in clf.history_.values())
    assert isinstance(clf.model_, keras.Model)


def test_partial_fit_continues_training(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    # a constant rate: partial_fit trains one epoch at a time, with no schedule over "the fit"
    # The embedding given: "auto" sizes a fit by its rows but partial_fit for large data.
    clf = KerasClassifier(hidden_layer_sizes=(16,), numeric_embedding="periodic", random_state=0,
                          learning_rate_schedule=None)
    clf.partial_fit(X, y, classes=[0, 1])
    first = clf.model_.get_layer("hidden_1").get_weights()
    for _ in range(4):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.history_["loss"]) == 5
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert int(clf.model_.optimizer.iterations) == 5 * int(np.ceil(len(X) / 32))
    assert not np.allclose(first[0], clf.model_.get_layer("hidden_1").get_weights()[0])
    # Five partial_fit calls are five epochs of one fit.
    full = KerasClassifier(hidden_layer_sizes=(16,), numeric_embedding="periodic", random_state=0, epochs=5,
                           learning_rate_schedule=None).fit(X, y)
    np.testing.assert_allclose(full.history_["loss"], clf.history_["loss"], rtol=1e-5)


def test_partial_fit_rejects_unseen_labels(iris):
    X, y = iris
    clf = KerasClassifier(**FAST).partial_fit(X[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="unseen labels"):
        clf.partial_fit(X, y)


def test_warm_start_keeps_training(cancer):
    X, y = cancer
    clf = KerasClassifier(hidden_layer_sizes=(8,), epochs=3, warm_start=True, random_state=0)
    clf.fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model and clf.n_iter_ == 6
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.model_ is not model and clf.n_iter_ == 3


def test_early_stopping_stops_and_restores_best(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    clf = KerasClassifier(hidden_layer_sizes=(64,), learning_rate=0.05, epochs=200, early_stopping=True,
                          patience=3, validation_split=0.3, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200
    val = clf.history_["val_loss"]
    best = int(np.argmin(val))
    assert clf.n_iter_ == best + 4  # stopped `patience` epochs after the best
    assert min(val) < val[-1]  # so restoring the best weights matters
    # (test_engine checks that both engines end with the same restored weights)
    # Unset, the patience is 8 epochs in both estimators (the regressor's was 16 before its ensemble);
    # "auto" about 192 steps: 16 epochs of 4 steps (210 rows, batch 64), 8 of 27 (batch 8).
    for est, params, patience in ((KerasClassifier, {}, 8), (KerasRegressor, {}, 8),
                                  (KerasRegressor, {"patience": 16}, 16),
                                  (KerasRegressor, {"patience": "auto", "batch_size": 8}, 8),
                                  (KerasClassifier, {"patience": "auto"}, 16)):
        fitted = est(hidden_layer_sizes=(64,), learning_rate=0.05, epochs=200, early_stopping=True,
                     validation_split=0.3, finish_on_all_rows=0.0, random_state=0, **params
                     ).fit(X, y.astype(float) if est is KerasRegressor else y)
        best = int(np.argmin(fitted.history_["val_loss"]))
        assert fitted.budget_.patience == patience
        assert fitted.n_iter_ == best + 1 + patience < 200


def test_random_state_reproduces_exactly(cancer):
    X, y = cancer
    a = KerasClassifier(dropout=0.3, validation_split=0.2, **FAST).fit(X, y).predict_proba(X)
    b = KerasClassifier(dropout=0.3, validation_split=0.2, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = KerasClassifier(dropout=0.3, validation_split=0.2, **{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a, c.predict_proba(X))


def test_user_keras_model_is_cloned_not_trained(cancer):
    X, y = cancer
    user = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dense(1, activation="sigmoid")])
    before = [w.copy() for w in user.get_weights()]
    clf = KerasClassifier(model=user, epochs=2, random_state=0).fit(X, y)
    assert clf.model_ is not user
    for w0, w1 in zip(before, user.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_two_unit_softmax_head_for_binary(cancer):
    X, y = cancer

    def build(n_features_in):
        return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(2, activation="softmax")])

    clf = KerasClassifier(model=build, **{**FAST, "hidden_layer_sizes": ()}).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    # The target follows the head: one-hot rows for a categorical loss, class indices for a sparse one.
    enc = clf.target_encoder_
    assert enc.n_outputs_ == 2 and enc.one_hot_ and "categorical_crossentropy" in repr(clf.model_.loss)
    np.testing.assert_array_equal(enc.transform(y[:4]), np.eye(2)[y[:4]])
    sparse = KerasClassifier(model=build, loss="sparse_categorical_crossentropy", **{**FAST, "epochs": 1}).fit(X, y)
    assert sparse.target_encoder_.n_outputs_ == 2 and not sparse.target_encoder_.one_hot_
    np.testing.assert_array_equal(sparse.target_encoder_.transform(y[:4]), y[:4])


def test_perceptron_and_architecture_options(cancer):
    X, y = cancer
    perceptron = KerasClassifier(hidden_layer_sizes=(), numeric_transform=None, numeric_embedding=None,
                                 epochs=2).fit(X, y)
    assert [type(layer).__name__ for layer in perceptron.model_.layers] == ["InputLayer", "Dense"]
    recipe = KerasClassifier(hidden_layer_sizes=(), epochs=2).fit(X, y)
    assert [type(layer).__name__ for layer in recipe.model_.layers] == ["InputLayer", "TabularInput", "Dense"]
    deep = KerasClassifier(hidden_layer_sizes=(8, 4), dropout=0.1, l2=1e-3, batch_normalization=True,
                           activation="tanh", epochs=2).fit(X, y)
    kinds = [type(layer).__name__ for layer in deep.model_.layers]
    assert kinds.count("BatchNormalization") == 2 and kinds.count("Dropout") == 2
    assert deep.model_.get_layer("hidden_1").kernel_regularizer is not None
    # the normalization's beta is the bias: a Dense bias before it would change no output
    assert deep.model_.get_layer("hidden_1").bias is None and deep.model_.get_layer("hidden_2").bias is None
    assert deep.model_.get_layer("batch_norm_1").beta is not None


def test_metrics_by_name(cancer):
    X, y = cancer
    clf = KerasClassifier(metrics=["accuracy", "f1", "precision", "recall", "auc"], validation_split=0.25,
                          **FAST).fit(StandardScaler().fit_transform(X), y)
    for name in ["accuracy", "f1", "precision", "recall", "auc"]:
        assert 0.5 < clf.history_[f"val_{name}"][-1] <= 1.0


def test_html_repr_and_get_params():
    clf = KerasClassifier(hidden_layer_sizes=(8,), optimizer__beta_1=0.8)
    html = clf._repr_html_()
    assert "KerasClassifier" in html and "optimizer__beta_1" in html
    assert clf.get_params()["optimizer__beta_1"] == 0.8
