"""Tests for skdeep.compare: compare, default_models and plot_comparison."""

import matplotlib

matplotlib.use("Agg")

import joblib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.dummy import DummyClassifier, DummyRegressor  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import GroupKFold, KFold  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from skdeep.compare import _baselines as baselines  # noqa: E402
from skdeep import compare as compare_module  # noqa: E402
from skdeep.compare import compare, default_models, installed_libraries, plot_comparison  # noqa: E402
from skdeep.compare._crossval import plan_comparison  # noqa: E402

BOOSTING = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "catboost": "CatBoost"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _fingerprint(estimator, X, y):
    """A 'scorer' that identifies the test fold instead of scoring the model."""
    return float(np.asarray(X)[:, 0].sum())


def _xor_data(n=200, seed=0):
    """A target no linear model can learn but trees learn easily."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)
    return X, y


def test_classification_table_structure():
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    df = compare(X, y, {"dummy": DummyClassifier(), "logreg": LogisticRegression()}, cv=3)
    assert isinstance(df, pd.DataFrame)
    assert df.index.name == "model" and set(df.index) == {"dummy", "logreg"}
    assert list(df.columns) == [
        "rank", "accuracy_mean", "accuracy_std", "roc_auc_mean", "roc_auc_std",
        "fit_time_mean", "fit_time_std", "score_time_mean", "score_time_std", "difference", "p_value", "verdict",
    ]
    assert df.loc["dummy", "roc_auc_mean"] == pytest.approx(0.5)
    assert (df[["fit_time_mean", "score_time_mean"]] >= 0).all().all()
    assert df.attrs["task"] == "classification"
    assert df.attrs["primary_metric"] == "accuracy"
    assert df.attrs["n_splits"] == 3
    assert len(df.attrs["fold_scores"]["logreg"]["accuracy"]) == 3


def test_same_folds_for_every_model():
    X, y = make_classification(n_samples=60, n_features=4, random_state=1)
    models = {"a": DummyClassifier(), "b": LogisticRegression(), "c": DecisionTreeClassifier()}
    df = compare(X, y, models, cv=3, scoring={"fold": _fingerprint})
    folds = df.attrs["fold_scores"]
    assert folds["a"]["fold"] == folds["b"]["fold"] == folds["c"]["fold"]
    # a user splitter that would reshuffle on every call still gives same folds
    df = compare(X, y, models, cv=KFold(3, shuffle=True), scoring={"fold": _fingerprint})
    folds = df.attrs["fold_scores"]
    assert folds["a"]["fold"] == folds["b"]["fold"] == folds["c"]["fold"]


def test_random_state_controls_the_folds():
    X, y = make_classification(n_samples=60, n_features=4, random_state=1)
    get = lambda rs: compare(X, y, [DummyClassifier()], cv=3, random_state=rs,  # noqa: E731
                             scoring={"fold": _fingerprint}).attrs["fold_scores"]
    assert get(0) == get(0)
    assert get(0) != get(1)


def test_honest_ranking_tree_wins_on_xor():
    X, y = _xor_data()
    models = {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()),
        "forest": RandomForestClassifier(n_estimators=30, random_state=0),
        "dummy": DummyClassifier(),
    }
    df = compare(X, y, models, cv=3)
    assert df.index[0] == "forest"
    assert df.loc["forest", "rank"] == 1
    assert df.loc["forest", "accuracy_mean"] > df.loc["logreg", "accuracy_mean"] + 0.2
    assert df["accuracy_mean"].is_monotonic_decreasing
    assert list(df["rank"]) == [1, 2, 3]
    # sorting by another score works and rank follows it
    df = compare(X, y, models, cv=3, sort_by="roc_auc")
    assert df["roc_auc_mean"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="sort_by"):
        compare(X, y, models, cv=3, sort_by="f1")


def test_regression_detection_and_default_scoring():
    X, y = make_regression(n_samples=60, n_features=4, noise=5.0, random_state=0)
    df = compare(X, y, [Ridge(), DummyRegressor()], cv=3)
    assert df.attrs["task"] == "regression"
    assert list(df.index) == ["Ridge", "DummyRegressor"]
    assert "r2_mean" in df and "neg_root_mean_squared_error_mean" in df
    assert df.loc["Ridge", "r2_mean"] > 0.9


def test_whole_number_targets_with_many_values_are_regressed_as_the_cli_does():
    """A wage in whole dollars is a quantity, not 300 classes (a multiclass CatBoost on it ran for
    minutes); up to 20 values stay classes, and text labels are classes however many."""
    from skdeep.compare._crossval import detect_task

    rng = np.random.default_rng(0)
    wages = rng.integers(200, 900, size=300)
    with pytest.warns(UserWarning, match="treated as a regression target; pass task='classification'"):
        assert detect_task(wages, "auto") == ("regression", "continuous")
    with pytest.warns(UserWarning, match="regression"):
        assert detect_task(wages.astype(float), "auto")[0] == "regression"
    assert detect_task(wages % 20, "auto") == ("classification", "multiclass")
    assert detect_task(wages, "classification") == ("classification", "multiclass")
    labels = np.array([f"class {v % 25}" for v in wages])
    with pytest.warns(UserWarning, match="25 distinct labels and is treated as a classification target"):
        assert detect_task(labels, "auto") == ("classification", "multiclass")
    X = pd.DataFrame({"x": rng.normal(size=300)})
    with pytest.warns(UserWarning):
        table = compare(X, wages, models=[Ridge()], cv=3)
    assert "r2_mean" in table.columns


def test_multiclass_default_scoring_and_user_scoring():
    X, y = make_classification(n_samples=90, n_features=6, n_informative=4,
                               n_classes=3, random_state=0)
    df = compare(X, y, [LogisticRegression(), DummyClassifier()], cv=3)
    assert "roc_auc_ovr_mean" in df
    df = compare(X, y, [LogisticRegression()], cv=3, scoring="f1_macro")
    assert [c for c in df.columns if c.endswith("_mean")][0] == "f1_macro_mean"
    df = compare(X, y, [LogisticRegression()], cv=3, scoring=["balanced_accuracy", "accuracy"])
    assert df.attrs["primary_metric"] == "balanced_accuracy"


def test_list_models_get_unique_names():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    df = compare(X, y, [DummyClassifier(), DummyClassifier(strategy="uniform"),
                        make_pipeline(StandardScaler(), LogisticRegression())], cv=3)
    assert set(df.index) == {"DummyClassifier", "DummyClassifier (2)", "LogisticRegression"}


def test_task_argument_and_input_validation():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="task"):
        compare(X, y, [Ridge()], task="clustering")
    with pytest.raises(ValueError, match="classification"):
        compare(X, y, [Ridge()], task="classification")
    with pytest.raises(TypeError):
        compare(X, y, models=42)
    with pytest.raises(ValueError, match="empty"):
        compare(X, y, models={})
    X = np.random.default_rng(0).normal(size=(150, 3))
    yi = np.arange(150) % 25  # many whole numbers: a numeric target, unless the user says classes
    with pytest.warns(UserWarning, match="task='classification'"):
        df = compare(X, yi, [Ridge()], cv=3)
    assert df.attrs["task"] == "regression"
    df = compare(X, yi, [DummyClassifier()], cv=3, scoring="accuracy", task="classification")
    assert df.attrs["task"] == "classification"


def test_groups_and_parallel_jobs_give_same_results():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    groups = np.repeat(np.arange(6), 10)
    models = {"logreg": LogisticRegression(), "dummy": DummyClassifier()}
    serial = compare(X, y, models, cv=GroupKFold(3), groups=groups)
    # threads keep the test fast; n_jobs goes to cross_validate unchanged
    with joblib.parallel_config(backend="threading"):
        parallel = compare(X, y, models, cv=GroupKFold(3), groups=groups, n_jobs=2)
    score_cols = [c for c in serial.columns if "time" not in c]
    pd.testing.assert_frame_equal(serial[score_cols], parallel[score_cols])


@pytest.mark.parametrize("n_repeats", [1, 2])
def test_integer_cv_with_groups_keeps_each_group_in_one_fold(n_repeats):
    # Each group's rows are copies, its label random: a nearest neighbour recalls a label when a copy
    # is in the training folds (random folds) and can only guess when none is (grouped folds).
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(100), 3)
    X = np.c_[groups, groups % 7].astype(float)
    y = rng.integers(0, 2, 100)[groups]
    models = {"1-nn": KNeighborsClassifier(n_neighbors=1), "dummy": DummyClassifier()}
    grouped = compare(X, y, models, cv=4, groups=groups, n_repeats=n_repeats, scoring="accuracy")
    plain = compare(X, y, models, cv=4, n_repeats=n_repeats, scoring="accuracy")
    assert grouped.attrs["grouped"] and not plain.attrs["grouped"]
    assert grouped.attrs["n_splits"] == plain.attrs["n_splits"] == 4 * n_repeats
    assert plain.loc["1-nn", "accuracy_mean"] > 0.95  # a copy in the training folds: recalled
    assert grouped.loc["1-nn", "accuracy_mean"] < 0.8  # about 0.5: a neighbouring group's random label

    plan = plan_comparison(X, y, models, cv=4, groups=groups, n_repeats=n_repeats)
    assert all(not set(groups[train]) & set(groups[test]) for train, test in plan.splits)
    partitions = {tuple(sorted(set(groups[test]))) for _, test in plan.splits}
    assert len(partitions) == 4 * n_repeats  # each repetition its own shuffle of the groups
    regression = plan_comparison(X, X[:, 0] + y, {"dummy": DummyRegressor()}, cv=4, groups=groups, task="regression")
    assert all(not set(groups[train]) & set(groups[test]) for train, test in regression.splits)


def test_plot_comparison():
    X, y = _xor_data(120)
    df = compare(X, y, {"forest": RandomForestClassifier(n_estimators=20, random_state=0),
                        "logreg": LogisticRegression(), "dummy": DummyClassifier()}, cv=3)
    fig = plot_comparison(df)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 3  # one bar per model
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "forest"  # best on top
    assert ax.get_xlabel() == "accuracy (higher is better)"
    bars = next(c for c in ax.containers if c.__class__.__name__ == "BarContainer")
    assert bars.errorbar is not None  # +-1 std error bars
    fig = plot_comparison(df, "fit_time_mean")
    assert "lower is better" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError, match="Unknown metric"):
        plot_comparison(df, "f1")


def test_plot_comparison_negated_errors_are_shown_positive():
    X, y = make_regression(n_samples=60, n_features=4, noise=5.0, random_state=0)
    df = compare(X, y, [Ridge(), DummyRegressor()], cv=3)
    ax = plot_comparison(df, "neg_root_mean_squared_error").axes[0]
    assert ax.get_xlabel() == "root_mean_squared_error (lower is better)"
    widths = [p.get_width() for p in ax.patches]
    assert all(w > 0 for w in widths)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Ridge"  # lowest error on top


def test_default_models_and_compare_with_the_network():
    clf_models = default_models("classification", keras_params={"epochs": 3})
    boosting = [label for name, label in BOOSTING.items() if installed_libraries()[name]]
    assert list(clf_models) == ["KerasClassifier", "LogisticRegression", "RandomForest",
                                "HistGradientBoosting", *boosting]
    # the network scales numeric columns itself; the linear model is given a scaler
    assert clf_models["KerasClassifier"].epochs == 3
    assert clf_models["LogisticRegression"].steps[0][0] == "standardscaler"
    assert list(default_models("regression"))[:4] == ["KerasRegressor", "Ridge", "RandomForest",
                                                      "HistGradientBoosting"]
    assert list(default_models("regression", models=["catboost", "network", "boosting"])) == [
        *(["CatBoost"] if installed_libraries()["catboost"] else []), "KerasRegressor", "HistGradientBoosting"]
    with pytest.raises(ValueError, match="unknown model"):
        default_models("regression", models=["svm"])
    with pytest.raises(ValueError):
        default_models("ranking")

    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    models = {k: clf_models[k] for k in ("KerasClassifier", "LogisticRegression")}
    df = compare(X, y, models, cv=3)
    assert set(df.index) == set(models)
    assert df[["accuracy_mean", "roc_auc_mean"]].notna().all().all()


def _mixed_frame(n=240, seed=0):
    """Numeric, boolean, text and category columns with missing values, names XGBoost and LightGBM refuse."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x[1]": rng.normal(size=n), "city": rng.choice(["a", "b", "c", None], n),
                      "flag": rng.random(n) > 0.5, "kind": pd.Categorical(rng.choice(["u", "v", None], n))})
    signal = X["x[1]"] + 1.5 * (X["city"] == "a") - 1.5 * (X["kind"] == "v")
    return X, signal.to_numpy(), rng


@pytest.mark.parametrize("library", list(BOOSTING))
def test_boosting_baselines_read_categories_natively(library):
    pytest.importorskip(library)
    X, signal, rng = _mixed_frame()
    labels = np.where(signal > 0.5, "high", np.where(signal < -0.5, "low", "mid"))  # text labels, 3 classes
    df = compare(X, labels, ["linear", library], cv=3)
    name = BOOSTING[library]
    assert df.loc[name, "roc_auc_ovr_mean"] > 0.8  # it learned the categorical signal
    assert "native categoricals" in df.attrs["preprocessing"][name]
    assert "OneHotEncoder" not in df.attrs["preprocessing"][name]  # no one-hot in front of it
    assert "OneHotEncoder" in df.attrs["preprocessing"]["LogisticRegression"]
    y = signal + rng.normal(scale=0.1, size=len(signal))
    reg = compare(X, y, [library], cv=3)
    assert reg.loc[name, "r2_mean"] > 0.7


def test_a_missing_library_is_left_out_with_one_line(monkeypatch):
    monkeypatch.setattr(baselines, "installed_libraries",
                        lambda: {"lightgbm": None, "xgboost": None, "catboost": None})
    assert "CatBoost" not in default_models("classification")  # the default set skips it silently
    with pytest.warns(UserWarning, match=r"catboost not installed.*skdeep\[boosting\]") as record:
        models = default_models("classification", models=["linear", "catboost"])
    assert list(models) == ["LogisticRegression"] and len(record) == 1
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="None of the models"):
        compare(X, y, ["catboost"], cv=3)


def test_each_model_is_tested_against_the_network_on_the_same_folds():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    models = {"net": default_models("classification", keras_params={"epochs": 3})["KerasClassifier"],
              "logreg": LogisticRegression(), "dummy": DummyClassifier()}
    df = compare(X, y, models, cv=3, n_repeats=2, scoring="roc_auc")
    assert df.attrs["reference"] == "net" and df.attrs["n_repeats"] == 2 and df.attrs["n_splits"] == 6
    assert df.loc["net", "verdict"] == "reference"
    assert df.loc["dummy", "verdict"] == "worse" and df.loc["dummy", "p_value"] < 0.05
    folds = df.attrs["fold_scores"]
    # The columns are the test of the fold scores the table holds, not of the means and stds.
    expected = compare_module.corrected_resampled_ttest(folds["logreg"]["roc_auc"], folds["net"]["roc_auc"],
                                                        n_train=100, n_test=50)
    assert df.loc["logreg", "difference"] == pytest.approx(expected.difference)
    assert df.loc["logreg", "p_value"] == pytest.approx(expected.p_value)
    assert df.loc["logreg", "verdict"] == expected.verdict()

    other = compare(X, y, [LogisticRegression(), DummyClassifier()], cv=3, reference="DummyClassifier")
    assert other.loc["LogisticRegression", "verdict"] == "better"
    with pytest.raises(ValueError, match="reference='svm'"):
        compare(X, y, [LogisticRegression()], cv=3, reference="svm")
    with pytest.raises(ValueError, match="n_repeats"):
        compare(X, y, [LogisticRegression()], cv=KFold(3), n_repeats=2)
    with pytest.raises(ValueError, match="n_repeats"):
        compare(X, y, [LogisticRegression()], cv=3, n_repeats=0)
    with pytest.raises(ValueError, match="alpha"):
        compare(X, y, [LogisticRegression()], cv=3, alpha=1.5)
