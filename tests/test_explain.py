"""skdeep.explain: SHAP values that add up, rank the right features, and map back.

Measured additivity of DeepExplainer on the networks below (max |values.sum +
base - output| over 10 rows, float32 networks): binary probability ~1e-7,
log-odds ~5e-7; multiclass probability ~1e-7, log-odds ~7e-7, logits ~5e-8;
regression (target scale ~4) ~1e-6. The tolerances below leave 10-100x room.

Two slower checks (shap's numba-compiled Exact/Permutation explainers, ~20 s of
compilation, and the JAX backend in a subprocess) are marked ``slow``: they run
only when the environment variable SKDEEP_SLOW_TESTS=1 is set (tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from skdeep import KerasClassifier, KerasRegressor  # noqa: E402
from skdeep.explain import (  # noqa: E402
    Explainer,
    explain,
    plot_bar,
    plot_beeswarm,
    plot_decision,
    plot_waterfall,
)

N_ROWS, N_BACKGROUND, N_EXPLAIN = 300, 50, 10
# shap's Deep and Gradient explainers take Keras models only on TensorFlow; on JAX and
# torch a network is explained by a model-agnostic algorithm (kernel for up to 10 features).
DEEP = __import__("keras").backend.backend() == "tensorflow"
NETWORK_METHOD = "deep" if DEEP else "kernel"
needs_deep = pytest.mark.skipif(not DEEP, reason="shap's Deep/Gradient explainers need the TensorFlow backend")
COLUMNS = ["a", "b", "c", "d", "e", "f"]  # only a and b matter
TOLERANCE = {"probability": 1e-5, "log_odds": 1e-4, "raw": 1e-4}


def _net(cls, epochs=20):
    # The periodic embedding explicitly, as "auto" builds it from 500 rows (the classifier's
    # passes the scaled values on too): below, "auto" leaves it out, and its ops (sin, cos,
    # einsum, the concatenation) are what the SHAP rules must handle.
    embedding = "periodic+scaled" if issubclass(cls, KerasClassifier) else "periodic"
    return cls(hidden_layer_sizes=(16,), numeric_embedding=embedding, epochs=epochs, random_state=0, verbose=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(N_ROWS, len(COLUMNS))), columns=COLUMNS)
    signal = 2 * X["a"] - 1.5 * X["b"]
    return {
        "X": X,
        "binary": (signal > 0).astype(int).to_numpy(),
        "multiclass": np.digitize(X["a"] - X["b"], [-0.6, 0.6]),
        "regression": (3 * X["a"] - 2 * X["b"] + 0.1 * rng.normal(size=N_ROWS)).to_numpy(),
    }


@pytest.fixture(scope="module")
def networks(data):
    X = data["X"]
    return {
        "binary": _net(KerasClassifier).fit(X, data["binary"]),  # DataFrame: named features
        "multiclass": _net(KerasClassifier).fit(X.to_numpy(), data["multiclass"]),
        "regression": _net(KerasRegressor, epochs=30).fit(X.to_numpy(), data["regression"]),
    }


def _rows(model, X):
    """Background and explained rows in the form the model was fitted on."""
    X = X if hasattr(model, "feature_names_in_") else X.to_numpy()
    return X[:N_BACKGROUND], X[200 : 200 + N_EXPLAIN]


def _expected_output(model, X, output):
    """The explained output, from the public predict / predict_proba / decision_function."""
    if output is None:
        return np.asarray(model.predict(X))
    if output == "raw":
        margin = model.decision_function(X)
        return np.c_[-margin, margin] if margin.ndim == 1 else margin
    p = model.predict_proba(X)
    if output == "log_odds":
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return np.log(p) - np.log1p(-p)
    return p


def _additivity_error(explanation, expected):
    return np.abs(explanation.values.sum(axis=1) + explanation.base_values - expected).max()


def _importance(explanation):
    """Mean |SHAP| per feature, averaged over rows and classes."""
    values = np.abs(explanation.values)
    return values.mean(axis=0) if values.ndim == 2 else values.mean(axis=(0, 2))


@pytest.mark.parametrize(
    "task, output",
    [
        ("binary", "probability"),
        ("binary", "log_odds"),
        ("multiclass", "probability"),
        ("multiclass", "log_odds"),
        ("multiclass", "raw"),
        ("regression", None),
    ],
)
def test_network_values_add_up_to_the_output(networks, data, task, output, record_property):
    model = networks[task]
    background, X = _rows(model, data["X"])
    explainer = Explainer(model, background, output=output)
    explanation = explainer.explain(X)

    assert explainer.method_ == NETWORK_METHOD
    n_outputs = {"binary": 2, "multiclass": 3}.get(task)
    assert explanation.values.shape == (N_EXPLAIN, 6) + ((n_outputs,) if n_outputs else ())
    assert explanation.base_values.shape == (N_EXPLAIN,) + ((n_outputs,) if n_outputs else ())
    if output == "raw":
        # Logits are defined up to a shift; their softmax is the probability.
        logits = explanation.values.sum(axis=1) + explanation.base_values
        softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        error = np.abs(softmax - model.predict_proba(X)).max()
    else:
        error = _additivity_error(explanation, _expected_output(model, X, output))
    record_property("additivity_error", float(error))
    print(f"additivity error {task}/{output}: {error:.2e}")
    assert error < TOLERANCE.get(output, 1e-4)


@needs_deep
def test_multiclass_deep_values_agree_with_exact_shapley_values(networks, data):
    # Additivity alone cannot catch a bad softmax rule: shap's built-in one adds
    # up but spreads attribution onto the noise features.
    model = networks["multiclass"]
    background, X = _rows(model, data["X"])
    deep = explain(model, background, X, method="deep")
    kernel = explain(model, background, X, method="kernel")  # all 2**6 coalitions: exact
    assert np.corrcoef(deep.values.ravel(), kernel.values.ravel())[0, 1] > 0.98
    assert np.abs(deep.values - kernel.values).max() < 0.1


@pytest.mark.parametrize("name", ["net-binary", "net-regression", "forest", "hgb-regression", "ridge"])
def test_informative_features_rank_on_top(networks, data, name):
    X = data["X"]
    model = {
        "net-binary": lambda: networks["binary"],
        "net-regression": lambda: networks["regression"],
        "forest": lambda: RandomForestClassifier(30, random_state=0).fit(X, data["binary"]),
        "hgb-regression": lambda: HistGradientBoostingRegressor(max_iter=30).fit(X, data["regression"]),
        "ridge": lambda: Ridge().fit(X, data["regression"]),
    }[name]()
    background, rows = _rows(model, X)
    importance = _importance(explain(model, background, rows))
    assert set(np.argsort(importance)[-2:]) == {0, 1}
    assert importance[:2].min() > 3 * importance[2:].max()


@needs_deep
@pytest.mark.filterwarnings("ignore::UserWarning")  # shap's by-hand DeepExplainer call
def test_columnwise_pipeline_equals_explaining_the_transformed_data(data):
    X = data["X"] * [1, 10, 100, 1, 1, 1] + 5  # scaling matters
    pipe = make_pipeline(StandardScaler(), _net(KerasClassifier)).fit(X, data["binary"])
    background, rows = X[:N_BACKGROUND], X[200 : 200 + N_EXPLAIN]
    explanation = Explainer(pipe, background).explain(rows)

    scaler, network = pipe[0], pipe[-1]
    from skdeep.explain._keras import shap_rules

    with shap_rules(False):  # the rules skdeep adds for ops shap has none for (periodic embeddings)
        by_hand = shap.DeepExplainer(network.model_, scaler.transform(background).astype("float32"))
        class1 = by_hand.shap_values(scaler.transform(rows).astype("float32"))[..., 0]
    np.testing.assert_allclose(explanation.values[..., 1], class1, atol=1e-6)
    np.testing.assert_allclose(explanation.values[..., 0], -class1, atol=1e-6)
    np.testing.assert_array_equal(explanation.data, rows.to_numpy())
    assert explanation.feature_names == COLUMNS
    assert explanation.output_names == ["0", "1"]
    assert _additivity_error(explanation, pipe.predict_proba(rows)) < 1e-5


def test_scaled_linear_pipeline_equals_linear_explainer_by_hand(data):
    X = data["X"] * 10 - 3
    pipe = make_pipeline(StandardScaler(), Ridge()).fit(X, data["regression"])
    background, rows = X[:N_BACKGROUND], X[200 : 200 + N_EXPLAIN]
    explanation = explain(pipe, background, rows)
    by_hand = shap.LinearExplainer(pipe[-1], pipe[0].transform(background))
    np.testing.assert_allclose(explanation.values, by_hand.shap_values(pipe[0].transform(rows)), atol=1e-10)
    np.testing.assert_allclose(explanation.base_values, by_hand.expected_value, atol=1e-10)


@pytest.fixture(scope="module")
def one_hot_pipeline(data):
    rng = np.random.default_rng(1)
    X = data["X"][["a", "b"]].copy()
    X["color"] = rng.choice(["red", "green", "blue"], N_ROWS)
    y = 3 * X["a"] - 2 * X["b"] + 2 * (X["color"] == "red") + 0.1 * rng.normal(size=N_ROWS)
    encode = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b"]), ("cat", OneHotEncoder(), ["color"])]
    )
    return make_pipeline(encode, Ridge()).fit(X, y), X


def test_one_hot_pipeline_is_explained_in_the_original_columns(one_hot_pipeline):
    pipe, X = one_hot_pipeline
    background, rows = X[:N_BACKGROUND], X[200 : 200 + N_EXPLAIN]
    explainer = Explainer(pipe, background)
    explanation = explainer.explain(rows)

    assert explainer.method_ == "kernel"  # the whole pipeline, model-agnostic
    assert explanation.feature_names == ["a", "b", "color"]
    assert list(explanation.data[:, 2]) == list(rows["color"])
    assert _additivity_error(explanation, pipe.predict(rows)) < 1e-8
    # The model is additive over the original columns, so a column's Shapley
    # value is the sum of its one-hot columns' linear SHAP values.
    Z_background, Z = pipe[0].transform(background), pipe[0].transform(rows)
    linear = shap.LinearExplainer(pipe[-1], Z_background).shap_values(Z)
    grouped = np.c_[linear[:, 0], linear[:, 1], linear[:, 2:].sum(axis=1)]
    np.testing.assert_allclose(explanation.values, grouped, atol=1e-8)


def test_transformed_feature_space_uses_the_preprocessing_names(one_hot_pipeline):
    pipe, X = one_hot_pipeline
    background, rows = X[:N_BACKGROUND], X[200 : 200 + N_EXPLAIN]
    explainer = Explainer(pipe, background, feature_space="transformed")
    explanation = explainer.explain(rows)

    assert explainer.method_ == "linear"
    assert explanation.feature_names == list(pipe[0].get_feature_names_out())
    Z_background, Z = pipe[0].transform(background), pipe[0].transform(rows)
    by_hand = shap.LinearExplainer(pipe[-1], Z_background).shap_values(Z)
    np.testing.assert_allclose(explanation.values, by_hand, atol=1e-10)
    np.testing.assert_allclose(explanation.data, Z)


@pytest.mark.parametrize(
    "name, output, method",
    [
        ("forest", "probability", "tree"),
        ("forest", "log_odds", "kernel"),
        ("hgb-binary", "log_odds", "tree"),
        ("hgb-binary", "probability", "kernel"),
        ("hgb-multiclass", "raw", "tree"),
        ("hgb-regression", None, "tree"),
        ("logistic", "probability", "kernel"),
        ("logistic", "log_odds", "linear"),
        ("logistic-multiclass", "raw", "linear"),
        ("scaled-logistic", "log_odds", "linear"),
        ("ridge", None, "linear"),
    ],
)
def test_baselines_pick_their_algorithm_and_add_up(data, name, output, method):
    X, binary, multi = data["X"], data["binary"], data["multiclass"]
    model = {
        "forest": lambda: RandomForestClassifier(30, random_state=0).fit(X, binary),
        "hgb-binary": lambda: HistGradientBoostingClassifier(max_iter=20).fit(X, binary),
        "hgb-multiclass": lambda: HistGradientBoostingClassifier(max_iter=20).fit(X, multi),
        "hgb-regression": lambda: HistGradientBoostingRegressor(max_iter=20).fit(X, data["regression"]),
        "logistic": lambda: LogisticRegression().fit(X, binary),
        "logistic-multiclass": lambda: LogisticRegression().fit(X, multi),
        "scaled-logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()).fit(X, binary),
        "ridge": lambda: Ridge().fit(X, data["regression"]),
    }[name]()
    background, rows = _rows(model, X)
    explainer = Explainer(model, background, output=output)
    explanation = explainer.explain(rows)
    assert explainer.method_ == method
    assert _additivity_error(explanation, _expected_output(model, rows, output)) < 1e-6


@needs_deep
def test_gradient_explainer_is_an_approximation(networks, data, record_property):
    model = networks["binary"]
    background, X = _rows(model, data["X"])
    explanation = explain(model, background, X, method="gradient")
    error = _additivity_error(explanation, model.predict_proba(X))
    record_property("additivity_error", float(error))
    print(f"additivity error of GradientExplainer, binary/probability: {error:.2e}")
    assert error < 0.2  # expected gradients: a sampling estimate (measured ~0.06)
    assert set(np.argsort(_importance(explanation))[-2:]) == {0, 1}


@needs_deep
def test_auto_falls_back_to_a_model_agnostic_explainer(networks, data, monkeypatch):
    from skdeep.explain import _keras

    def unsupported(*args, **kwargs):
        raise LookupError("no gradient rule for this op")

    monkeypatch.setattr(_keras, "DeepBackend", unsupported)
    model = networks["regression"]
    background, X = _rows(model, data["X"])
    with pytest.warns(RuntimeWarning, match="falling back"):
        explainer = Explainer(model, background)
    assert explainer.method_ == "kernel"
    assert _additivity_error(explainer.explain(X), model.predict(X)) < 1e-4
    with pytest.raises(LookupError):
        Explainer(model, background, method="deep")


def test_background_sampling_rows_names_and_global_rng(data):
    X = data["X"].to_numpy()
    model = Ridge().fit(X, data["regression"])
    explainer = Explainer(model, X, max_background=40, random_state=1)
    assert len(explainer.background_) == 40
    np.testing.assert_array_equal(
        explainer.background_, Explainer(model, X, max_background=40, random_state=1).background_
    )
    assert explainer.feature_names_ == [f"x{i}" for i in range(6)]

    state = np.random.get_state()[1].copy()
    single = Explainer(model, X[:40], method="kernel").explain(X[0])  # one row, 1-D
    assert single.values.shape == (1, 6)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_invalid_requests_raise(networks, data, one_hot_pipeline):
    X = data["X"]
    ridge = Ridge().fit(X, data["regression"])
    forest = RandomForestClassifier(10, random_state=0).fit(X, data["binary"])
    with pytest.raises(NotFittedError):
        explain(Ridge(), X[:10], X[:2])
    with pytest.raises(ValueError, match="not a skdeep network"):
        Explainer(ridge, X[:10], method="deep")
    with pytest.raises(ValueError, match="needs a classifier"):
        Explainer(networks["regression"], X.to_numpy()[:10], output="log_odds")
    with pytest.raises(ValueError, match="no margin"):
        Explainer(forest, X[:10], output="raw")
    with pytest.raises(ValueError, match="changes the columns"):
        Explainer(one_hot_pipeline[0], one_hot_pipeline[1][:10], method="linear")
    with pytest.raises(ValueError, match="method must be one of"):
        Explainer(ridge, X[:10], method="magic")
    with pytest.raises(ValueError, match="differ from the ones the model was fitted on"):
        explain(ridge, X[:10], X[COLUMNS[::-1]][:2])


def _tick_labels(fig):
    """Feature rows of the main axes ("0.13 = a" on a waterfall counts as "a")."""
    labels = {t.get_text().split("=")[-1].strip() for t in fig.axes[0].get_yticklabels()}
    return labels - {""}


def _texts(fig):
    """Every text drawn on a figure's axes (tick labels and annotations), sorted."""
    return sorted(t.get_text() for ax in fig.axes for t in [*ax.texts, *ax.get_yticklabels()])


def test_plots_return_figures_with_top_k_features(networks, data):
    classifier, regressor = networks["binary"], networks["regression"]
    background, X = _rows(classifier, data["X"])
    explainer = Explainer(classifier, background, output="log_odds")
    explanation = explainer.explain(X)
    top_k = 3

    figures = {
        "decision": explainer.plot_decision(explanation, top_k=top_k),
        "bar": explainer.plot_bar(explanation, top_k=top_k),
        "beeswarm": plot_beeswarm(explanation, top_k=top_k),
        "decision-function": plot_decision(explanation, class_index=1, top_k=top_k),
    }
    background, X = _rows(regressor, data["X"])
    regression = explain(regressor, background, X)
    figures["waterfall"] = plot_waterfall(regression, row=0, top_k=top_k)
    figures["waterfall-from-rows"] = Explainer(regressor, background).plot_waterfall(X[:1], top_k=top_k)
    try:
        for kind, fig in figures.items():
            assert isinstance(fig, Figure), kind
            labels = _tick_labels(fig)
            assert 0 < len(labels) <= top_k + 1, (kind, labels)
        assert "a" in _tick_labels(figures["bar"]) and "b" in _tick_labels(figures["bar"])
    finally:
        plt.close("all")


def test_plots_of_multiclass_explanations(networks, data):
    model = networks["multiclass"]
    background, X = _rows(model, data["X"])
    explanation = explain(model, background, X)
    try:
        # four features and the rest summed; x0 and x1 (a and b, numpy input) are the ones that matter
        for fig in (plot_bar(explanation, top_k=4),  # |SHAP| averaged over classes
                    plot_beeswarm(explanation, class_index=2, top_k=4)):
            labels = _tick_labels(fig)
            assert len(labels) == 5 and {"x0", "x1", "Sum of 2 other features"} <= labels, labels
        # without class_index, a row's waterfall shows its top class (and only that one)
        top = int(np.argmax(model.predict_proba(X[3:4])))
        shown = _texts(plot_waterfall(explanation, row=3))
        assert shown == _texts(plot_waterfall(explanation, row=3, class_index=top))
        assert shown != _texts(plot_waterfall(explanation, row=3, class_index=(top + 1) % 3))
        with pytest.raises(ValueError, match="class_index"):
            plot_decision(explanation)
        with pytest.raises(ValueError, match="neither a class label"):
            plot_beeswarm(explanation, class_index="cat")
    finally:
        plt.close("all")


@pytest.mark.slow
@pytest.mark.parametrize("method", ["exact", "permutation"])
def test_numba_explainers_agree_with_linear_shap(data, method):
    X = data["X"].to_numpy()
    model = Ridge().fit(X, data["regression"])
    linear = explain(model, X[:N_BACKGROUND], X[200:210], method="linear")
    other = explain(model, X[:N_BACKGROUND], X[200:210], method=method)
    # For an additive model every permutation gives the exact Shapley values.
    np.testing.assert_allclose(other.values, linear.values, atol=1e-8)


@pytest.mark.slow
def test_jax_backend_uses_a_model_agnostic_explainer():
    script = textwrap.dedent(
        """
        import numpy as np
        from skdeep import KerasClassifier
        from skdeep.explain import Explainer
        rng = np.random.default_rng(0)
        X = rng.normal(size=(200, 4)); y = (X[:, 0] > 0).astype(int)
        model = KerasClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=0, verbose=0).fit(X, y)
        explainer = Explainer(model, X[:30])
        e = explainer.explain(X[:5])
        error = np.abs(e.values.sum(1) + e.base_values - model.predict_proba(X[:5])).max()
        assert explainer.method_ == "kernel", explainer.method_
        assert error < 1e-5, error
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("plot", [plot_waterfall, plot_decision, plot_bar, plot_beeswarm])
def test_plots_draw_dollar_signs_in_names_and_values_as_text(plot):
    # Two "$" in a label make matplotlib parse math text ("_per_" fails); shap draws feature
    # names as ticks and text values as annotations, so every plot escapes both.
    names = ["usd_$_per_$_kg", "pack"]
    values = np.array([[0.5, -0.25], [0.1, 0.3]])
    data = np.array([[1.0, "box_$_of_$_6"], [2.0, "box_$_of_$_12"]], dtype=object)
    explanation = shap.Explanation(values=values, base_values=np.zeros(2), data=data, feature_names=names)
    fig = plot(explanation)
    try:
        fig.savefig(__import__("io").BytesIO(), format="png")
    finally:
        plt.close(fig)
