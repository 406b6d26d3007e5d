"""Tests for skdeep.plot: plot_history and plot_network."""

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skdeep  # noqa: E402
from skdeep.plot import plot_history, plot_network  # noqa: E402

HISTORY = {
    "loss": [0.9, 0.6, 0.5, 0.45],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "val_loss": [0.95, 0.7, 0.65, 0.7],
    "val_accuracy": [0.5, 0.6, 0.75, 0.7],
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _FakeEstimator:
    """Stands in for a fitted skdeep estimator."""

    def __init__(self, history=None, model=None):
        if history is not None:
            self.history_ = history
        if model is not None:
            self.model_ = model

    def fit(self, X, y=None):
        return self


def _line_labels(ax):
    return [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]


# -- plot_history -------------------------------------------------------------

def test_history_one_panel_per_metric_train_beside_validation():
    fig = plot_history(HISTORY)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:
        labels = _line_labels(ax)
        assert "train" in labels and "validation" in labels
        train = next(ln for ln in ax.get_lines() if ln.get_label() == "train")
        np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])  # epochs from 1


def test_history_marks_best_validation_epoch():
    fig = plot_history(HISTORY)
    loss_ax, acc_ax = fig.axes
    assert "best epoch (3)" in _line_labels(loss_ax)  # min val_loss at epoch 3
    assert "best epoch (3)" in _line_labels(acc_ax)  # max val_accuracy at epoch 3
    fig = plot_history(HISTORY, mark_best=False)
    assert not any(lbl.startswith("best") for lbl in _line_labels(fig.axes[0]))


def test_history_accepts_estimator_pipeline_and_keras_history():
    est = _FakeEstimator(history=HISTORY)
    assert len(plot_history(est).axes) == 2
    pipe = make_pipeline(StandardScaler(), est)
    assert len(plot_history(pipe).axes) == 2

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    X = np.zeros((8, 2), "float32")
    hist = model.fit(X, np.zeros(8), epochs=2, verbose=0, validation_data=(X, np.zeros(8)))
    fig = plot_history(hist)
    assert [ax.get_title() for ax in fig.axes] == ["loss"]
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == 2


def test_history_metric_selection_and_errors():
    fig = plot_history(HISTORY, metrics="accuracy")
    assert [ax.get_title() for ax in fig.axes] == ["accuracy"]
    fig = plot_history(HISTORY, metrics=["val_accuracy", "loss"])  # val_ prefix tolerated
    assert [ax.get_title() for ax in fig.axes] == ["accuracy", "loss"]
    with pytest.raises(ValueError, match="not found"):
        plot_history(HISTORY, metrics=["f1"])
    with pytest.raises(ValueError, match="empty"):
        plot_history({})
    with pytest.raises(NotFittedError):
        plot_history(_FakeEstimator())
    with pytest.raises(TypeError):
        plot_history(42)


def test_history_train_only_and_grid_layout():
    hist = {f"m{i}": [0.1 * i, 0.2 * i] for i in range(5)}
    fig = plot_history(hist)
    assert len(fig.axes) == 5  # unused grid cells removed (2 rows x 3 cols)
    assert _line_labels(fig.axes[0])[0] == "train"
    assert "validation" not in _line_labels(fig.axes[0])


def test_history_handles_nan_values():
    fig = plot_history({"roc_auc": [0.6, 0.7], "val_roc_auc": [float("nan")] * 2})
    assert len(fig.axes) == 1


# -- plot_network -------------------------------------------------------------

def _circles_per_column(fig):
    """x position -> number of unit circles (big markers) drawn there."""
    counts = {}
    for coll in fig.axes[0].collections:
        if isinstance(coll, PathCollection) and coll.get_sizes().max() > 50:
            for x, _ in coll.get_offsets():
                counts[round(float(x))] = counts.get(round(float(x)), 0) + 1
    return dict(sorted(counts.items()))


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_network_perceptron():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(1, activation="linear")], name="Perceptron"
    )
    fig = plot_network(model)
    assert isinstance(fig, Figure)
    assert _circles_per_column(fig) == {0: 3, 1: 1}
    assert len(fig.axes[0].get_lines()) == 3  # one line per weight
    texts = _texts(fig)
    assert any("3 features" in t for t in texts)
    assert any("1 unit" in t and "linear" in t for t in texts)
    assert fig.axes[0].get_title() == "Perceptron (4 parameters)"


def _deep_model(n_features=10):
    inputs = keras.Input((n_features,), name="input")
    h = keras.layers.Dense(100, activation="relu", name="h1")(inputs)
    h = keras.layers.Dropout(0.2, name="drop1")(h)
    h = keras.layers.Dense(6, activation="relu", name="h2")(h)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Dense(3, activation="tanh", name="h3")(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="output")(h)
    return keras.Model(inputs, out, name="DeepNN")


def test_network_three_hidden_layers_caps_wide_layers():
    fig = plot_network(_deep_model(), max_units=10)
    # the 100-unit layer is drawn with 9 circles + an ellipsis
    assert _circles_per_column(fig) == {0: 10, 1: 9, 2: 6, 3: 3, 4: 1}
    texts = _texts(fig)
    assert any("h1" in t and "100 units" in t and "relu" in t for t in texts)
    assert any("Output" in t and "sigmoid" in t for t in texts)
    assert any("Dropout(0.2)" in t for t in texts)
    assert any("BatchNorm" in t for t in texts)
    # lines only between drawn units: 10*9 + 9*6 + 6*3 + 3*1
    assert len(fig.axes[0].get_lines()) == 90 + 54 + 18 + 3


def test_network_max_units_and_weights():
    fig = plot_network(_deep_model(), max_units=5, show_weights=True)
    assert _circles_per_column(fig)[1] == 4
    colors = {matplotlib.colors.to_hex(ln.get_color()) for ln in fig.axes[0].get_lines()}
    assert colors <= {"#1565c0", "#c62828"}
    with pytest.raises(ValueError, match="max_units"):
        plot_network(_deep_model(), max_units=2)


def test_network_accepts_estimator_pipeline_and_axes():
    model = _deep_model(4)
    est = _FakeEstimator(model=model)
    assert _circles_per_column(plot_network(est))[0] == 4
    pipe = make_pipeline(StandardScaler(), est)
    assert _circles_per_column(plot_network(pipe))[0] == 4
    fig, ax = plt.subplots()
    assert plot_network(model, ax=ax, title="mine") is fig
    assert ax.get_title() == "mine"


def test_network_errors():
    with pytest.raises(NotFittedError):
        plot_network(_FakeEstimator())
    with pytest.raises(TypeError):
        plot_network("not a model")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not built|Dense"):
        plot_network(unbuilt)


def test_network_of_fitted_skdeep_estimator():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype("float32")
    y = (X[:, 0] > 0).astype(int)
    clf = skdeep.KerasClassifier(hidden_layer_sizes=(16, 8, 4), epochs=2, random_state=0, linear_skip=True)
    clf.fit(X, y)
    fig = plot_network(clf)
    counts = _circles_per_column(fig)
    assert counts[0] == 5 and list(counts.values())[1:4] == [9, 8, 4]
    assert len(counts) == 5  # input, three hidden, output: the linear skip is a note, not a column
    assert any("linear skip" in t.get_text() for t in fig.axes[0].texts)
    fig = plot_history(clf)
    assert fig.axes[0].get_title() == "loss"
    for embedding, note in (("periodic", "PeriodicEmbedding"), ("periodic+scaled", "PeriodicEmbedding + scaled values")):
        clf = skdeep.KerasClassifier(hidden_layer_sizes=(4,), numeric_embedding=embedding, epochs=1, random_state=0)
        notes = [t.get_text() for t in plot_network(clf.fit(X, y)).axes[0].texts]
        assert any(t.split("\n")[-1] == note for t in notes)
