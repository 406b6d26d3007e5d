"""The ``skdeep`` command line, run in-process through ``main([...])`` on tiny settings."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import warnings

import keras
import numpy as np
import pandas as pd
import pytest

from skdeep import __version__
from skdeep.cli import main
from skdeep.compare import compare, installed_libraries
from skdeep.report import DatasetError, Progress, Settings, build_models, load_dataset, run_compare

FAST = ["--epochs", "2", "--cv", "2", "--hidden-layer-sizes", "8"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    """Numeric, integer and text columns, a missing value in each kind, two targets."""
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
        "count": rng.integers(0, 5, n),
        "color": rng.choice(["red", "green", "blue"], n),
    })
    frame["label"] = np.where(frame["a"] + 1.5 * (frame["color"] == "red") > 0.3, "yes", "no")
    frame["price"] = 3 * frame["a"] - 2 * frame["b"] + rng.normal(scale=0.1, size=n)
    frame.loc[3, "a"] = np.nan
    frame.loc[5, "color"] = np.nan
    path = tmp_path_factory.mktemp("csv") / "toy.csv"
    frame.to_csv(path, index=False)
    return str(path)


# -- usage errors: exit status 2 and a message that says what to do ----------
@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--dataset", "nope"], "unknown dataset 'nope'"),
        (["compare", "--dataset", "breast"], "Did you mean 'breast_cancer'"),
        (["compare", "--dataset", "california_housing"], "unknown dataset"),
        (["compare", "--dataset", "iris", "--target", "species"], "--target is only for CSV"),
        (["compare", "--dataset", "iris", "--task", "regression"], "classification dataset"),
        (["compare", "--dataset", "iris", "--cv", "1"], "--cv: must be at least 2"),
        (["compare", "--dataset", "iris", "--cv", "60"], "more folds than the 50 rows"),
        (["compare", "--dataset", "iris", "--hidden-layer-sizes", "64,x"], "positive integers"),
        (["compare", "--dataset", "iris", "--models", "net"], "unknown model(s) net"),
        (["compare", "--dataset", "iris", "--scoring", "acuracy"], "unknown scorer(s) acuracy"),
        (["explain", "--dataset", "iris", "--test-size", "1.5"], "between 0 and 1"),
        (["report"], "--dataset"),
        (["frobnicate"], "invalid choice"),
        ([], "required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_csv_usage_errors(capsys, toy_csv, tmp_path):
    code, _, err = run(capsys, "compare", "--dataset", toy_csv)
    assert code == 2 and "--target COLUMN is required" in err

    code, _, err = run(capsys, "explain", "--dataset", toy_csv, "--target", "nope")
    assert code == 2 and "target column 'nope' is not in" in err and "price" in err

    code, _, err = run(capsys, "compare", "--dataset", toy_csv, "--target", "label", "--categorical", "error")
    assert code == 2 and "non-numeric feature columns ['color']" in err and "--categorical onehot" in err

    code, _, err = run(capsys, "compare", "--dataset", toy_csv, "--target", "color", "--task", "regression")
    assert code == 2 and "not numeric" in err

    code, _, err = run(capsys, "compare", "--dataset", str(tmp_path / "missing.csv"), "--target", "a")
    assert code == 2 and "CSV file not found" in err

    report_dir = tmp_path / "a_directory"
    report_dir.mkdir()
    code, _, err = run(capsys, "report", "--dataset", "iris", "--output", str(report_dir))
    assert code == 2 and "is a directory" in err


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"skdeep {__version__}"
    for command in ("compare", "explain", "report"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0
        assert "--dataset" in out and "Example:" in out


# -- data loading -----------------------------------------------------------
def test_load_csv_infers_task_and_encodes(toy_csv):
    data = load_dataset(toy_csv, target="label")
    assert data.task == "classification" and data.class_names == ["no", "yes"]
    assert set(np.unique(data.y)) == {0, 1}
    # native: the column stays categorical, each model encodes it as it needs
    assert data.categorical == ["color"] and data.preprocessor is None
    assert isinstance(data.X["color"].dtype, pd.CategoricalDtype)
    assert any("inferred" in note for note in data.notes)
    onehot = load_dataset(toy_csv, target="label", categorical="onehot")
    assert onehot.categorical == ["color"] and onehot.preprocessor is not None
    data = load_dataset(toy_csv, target="price")
    assert data.task == "regression" and data.y.dtype == np.float64
    data = load_dataset(toy_csv, target="count")  # integers 0..4: classes
    assert data.task == "classification" and data.n_classes == 5
    with pytest.raises(DatasetError, match="required"):
        load_dataset(toy_csv)


def test_csv_task_follows_compares_rule(tmp_path, capsys):
    """The command line reads a target as compare(task="auto") does: whole numbers with more than
    20 distinct values (nullable integers too) are a quantity, text labels classes however many."""
    from skdeep.compare._crossval import detect_task

    n = 90
    wage = np.arange(n) % 30 * 10 + 500
    frame = pd.DataFrame({"x": np.arange(n, dtype=float), "wage": wage,
                          "wage_nullable": pd.array(wage, dtype="Int64"), "grade": np.arange(n) % 4,
                          "city": [f"city{i % 30}" for i in range(n)], "flag": np.arange(n) % 2 == 0})
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    for target, task in [("wage", "regression"), ("wage_nullable", "regression"), ("grade", "classification"),
                         ("city", "classification"), ("flag", "classification")]:
        data = load_dataset(str(path), target=target)
        assert data.task == task, target
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            assert detect_task(frame[target].to_numpy(dtype=float) if target.startswith("wage")
                               else frame[target].to_numpy(), "auto")[0] == task, target
        assert any(f"task inferred from {target!r}: {task}" in note for note in data.notes)
    # A CSV reads integers back as int64; a frame's nullable Int64 column takes the same rule.
    from skdeep.report._data import _infer_task

    assert _infer_task(frame["wage_nullable"], "auto") == ("regression", True)
    assert _infer_task(frame["wage_nullable"] % 4, "auto") == ("classification", True)
    # An infinite cell does not stop the reading (the command line then names its row).
    frame["wage"] = frame["wage"].astype(float)
    frame.loc[0, "wage"] = np.inf
    frame.to_csv(path, index=False)
    assert load_dataset(str(path), target="wage").task == "regression"
    assert _infer_task(pd.Series([np.inf, -np.inf]), "auto") == ("regression", True)
    code, _, err = run(capsys, "compare", "--dataset", str(path), "--target", "wage")
    assert code == 2 and "column 'wage' has 1 infinite value (row 0)" in err


def test_bundled_datasets_are_offline():
    for name, task, n_classes in [("breast_cancer", "classification", 2), ("iris", "classification", 3),
                                  ("wine", "classification", 3), ("digits", "classification", 10),
                                  ("diabetes", "regression", 0)]:
        data = load_dataset(name)
        assert data.task == task and data.n_classes == n_classes and data.preprocessor is None
        assert all(isinstance(c, str) for c in data.X.columns)


# -- compare ------------------------------------------------------------------
def test_compare_prints_ranked_table(capsys):
    code, out, err = run(capsys, "compare", "--dataset", "iris", *FAST, "--quiet")
    assert code == 0
    assert err == ""  # --quiet: no progress bar, no notes
    lines = out.splitlines()
    assert lines[0] == "iris: 150 rows, 4 features, classification, 3 classes"
    assert "2-fold cross-validation, best first by accuracy" in lines[1]
    found = {name: version for name, version in installed_libraries().items() if version}
    assert lines[2].startswith("Boosting libraries: ") and all(f"{n} {v}" in lines[2] for n, v in found.items())
    end = lines.index("", 4)
    table = "\n".join(lines[4:end])
    for column in ("rank", "accuracy_mean", "roc_auc_ovr_mean", "fit_time_mean", "p_value", "verdict"):
        assert column in table
    models = [line.split()[0] for line in lines[6:end]]
    boosting = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "catboost": "CatBoost"}
    assert sorted(models) == sorted(["HistGradientBoosting", "KerasClassifier", "LogisticRegression", "RandomForest",
                                     *(boosting[n] for n in found)])
    ranks = [int(line.split()[1]) for line in lines[6:end]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    # The verdicts in words: each other model against the network, on the folds above.
    assert lines[end + 1].startswith("Each model against KerasClassifier on accuracy, same 2 folds")
    verdicts = lines[end + 2:]
    assert len(verdicts) == len(models) - 1
    assert all(re.match(r"  \S+: (better|worse|no significant difference) \(accuracy [+-]\d\.\d{4}, p [=<] ", line)
               for line in verdicts), verdicts


def test_compare_models_by_name_and_a_missing_library(capsys, monkeypatch):
    import skdeep.compare._baselines as baselines

    monkeypatch.setattr(baselines, "installed_libraries", lambda: {"lightgbm": None, "xgboost": None, "catboost": None})
    code, out, err = run(capsys, "compare", "--dataset", "iris", *FAST, "--models", "linear,catboost", "--quiet",
                         "--repeats", "2")
    assert code == 0
    assert err.splitlines() == ['skdeep: catboost is not installed; left out of the comparison '
                                '(pip install "skdeep[boosting]")']
    assert "2-fold cross-validation repeated 2 times (4 fits per model)" in out
    assert "not installed: lightgbm, xgboost, catboost" in out
    assert "LogisticRegression" in out and "CatBoost" not in out.split("Boosting libraries")[1]


def test_compare_progress_on_stderr(capsys):
    code, _, err = run(capsys, "compare", "--dataset", "iris", *FAST, "--models", "linear,forest")
    assert code == 0
    assert "skdeep compare" in err and "2/2" in err and "100%" in err


def test_compare_json_and_csv(capsys, toy_csv):
    code, out, _ = run(capsys, "compare", "--dataset", "diabetes", *FAST, "--models", "network,linear",
                       "--format", "json", "-q")
    assert code == 0
    payload = json.loads(out)
    assert payload["task"] == "regression" and payload["primary_metric"] == "r2"
    assert [r["model"] for r in payload["results"]] in (["Ridge", "KerasRegressor"], ["KerasRegressor", "Ridge"])
    assert {"r2_mean", "neg_root_mean_squared_error_mean"} <= set(payload["results"][0])

    # A CSV with a text column (one-hot encoded) and missing values (imputed).
    code, out, err = run(capsys, "compare", "--dataset", toy_csv, "--target", "label", *FAST,
                         "--models", "network,linear", "--format", "csv", "--scoring", "accuracy,f1")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), index_col="model")
    assert list(frame.columns[:5]) == ["rank", "accuracy_mean", "accuracy_std", "f1_mean", "f1_std"]
    assert frame["accuracy_mean"].notna().all() and (frame["accuracy_mean"] > 0.5).all()
    assert "task inferred from 'label'" in err  # a note, on stderr only


def test_run_compare_advances_per_model_and_ranks_like_compare():
    """The report's comparison: one progress step per model, and the table ``compare`` gives."""

    class Recorder(Progress):
        def __init__(self):
            super().__init__(0, "", enabled=False)
            self.events = []

        def start(self, label):
            self.events.append(label)

        def done(self, n=1):
            self.events.append("done")

    data = load_dataset("wine")
    settings = Settings(cv=3, models=("linear", "forest", "boosting"), random_state=0)
    progress = Recorder()
    table = run_compare(data, settings, progress)
    models = build_models(data, settings)
    assert progress.events == [e for name in models for e in (f"cross-validating {name}", "done")]
    expected = compare(data.X, data.y, models, cv=3, random_state=0)
    assert list(table.index) == list(expected.index)
    assert table["rank"].tolist() == sorted(table["rank"].tolist()) and table["rank"].iloc[0] == 1
    scores = [c for c in expected.columns if not c.startswith(("fit_time", "score_time"))]
    pd.testing.assert_frame_equal(table[scores], expected[scores])
    assert set(table.attrs["preprocessing"]) == set(models)  # every model's, not only the last one's


# -- explain ------------------------------------------------------------------
def test_explain_prints_importance_and_rows(capsys):
    code, out, err = run(capsys, "explain", "--dataset", "breast_cancer", "--epochs", "3",
                         "--rows", "2", "--top", "4", "--global-rows", "30")
    assert code == 0
    assert "skdeep explain" in err  # progress
    # DeepExplainer needs TensorFlow; on JAX and torch 30 features get the permutation explainer.
    method = "deep" if keras.backend.backend() == "tensorflow" else "permutation"
    assert f"SHAP: {method} explainer, values in probability units" in out
    assert "Top 4 features by mean |SHAP| over 30 held-out rows" in out
    data = load_dataset("breast_cancer")
    top_block = out.split("Top 4 features")[1].split("\nRow ")[0].splitlines()[2:6]
    assert len(top_block) == 4
    assert all(any(f in line for f in data.X.columns) for line in top_block)
    blocks = out.split("\nRow ")[1:]
    assert len(blocks) == 2
    for block in blocks:
        assert "predicted" in block and "true" in block and "26 other features" in block
        # base value + contributions = output (the explained probability)
        base, output = (float(x) for x in block.split("base value ")[1].split("\n")[0].split(" -> output "))
        shap_sum = sum(float(line.split()[-1]) for line in block.splitlines()[3:])
        assert base + shap_sum == pytest.approx(output, abs=2e-3)


def test_explain_other_model_and_csv(capsys, toy_csv):
    code, out, _ = run(capsys, "explain", "--dataset", "iris", "--model", "linear", "--rows", "3", "-q")
    assert code == 0
    assert "LogisticRegression fitted on 120 rows" in out and out.count("\nRow ") == 3
    # Three rows, three predicted classes: the first row of each predicted class is shown.
    predicted = {line.split("predicted ")[1].split(" ")[0] for line in out.splitlines() if line.startswith("Row ")}
    assert predicted == {"setosa", "versicolor", "virginica"}

    code, out, _ = run(capsys, "explain", "--dataset", toy_csv, "--target", "price", "--epochs", "2",
                       "--rows", "1", "--global-rows", "8", "--background", "15", "-q")
    assert code == 0
    assert "regression" in out and "kernel explainer" in out
    assert "color" in out and "values in units of 'price'" in out


def test_python_dash_m():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "skdeep", "compare", "--dataset", "nope"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "unknown dataset 'nope'" in proc.stderr


@pytest.fixture(scope="module")
def grouped_csv(tmp_path_factory):
    """Thirty groups of four rows (a job ad's four resumes, say) with a group-level effect."""
    rng = np.random.default_rng(1)
    ads = np.repeat(np.arange(30), 4)
    frame = pd.DataFrame({"a": rng.normal(size=120), "kind": rng.choice(["x", "y"], 120),
                          "ad": [f"ad{i}" for i in ads]})
    frame["label"] = (frame["a"] + rng.normal(size=30)[ads] > 0).astype(int)
    path = tmp_path_factory.mktemp("groups") / "grouped.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_groups_column_keeps_each_group_in_one_fold(capsys, grouped_csv):
    data = load_dataset(grouped_csv, target="label", groups="ad")
    assert list(data.X.columns) == ["a", "kind"]  # the group ids are no feature
    assert data.groups_name == "ad" and data.n_groups == 30

    code, out, _ = run(capsys, "compare", "--dataset", grouped_csv, "--target", "label", "--groups", "ad",
                       "--models", "linear,histgb", "--cv", "3", "--repeats", "2", "--format", "json", "-q")
    assert code == 0
    payload = json.loads(out)
    assert payload["groups"] == "ad" and payload["n_splits"] == 6 and payload["n_repeats"] == 2

    code, out, _ = run(capsys, "compare", "--dataset", grouped_csv, "--target", "label", "--groups", "ad",
                       "--models", "linear", "--cv", "3", "-q")
    assert code == 0 and "grouped.csv: 120 rows, 2 features" in out
    assert "3-fold cross-validation by group (each group's rows in one fold)" in out

    # The explanations' held-out rows are whole groups too.
    from skdeep.report._explained import train_test

    X_train, X_test, y_train, y_test = train_test(data, Settings(test_size=0.2))
    train_ads, test_ads = set(data.groups[X_train.index]), set(data.groups[X_test.index])
    assert not train_ads & test_ads and len(test_ads) == 6 and len(X_test) == 24


@pytest.mark.parametrize("command, argv, message", [
    ("compare", ["--groups", "nope"], "--groups column 'nope' is not in"),
    ("compare", ["--groups", "label"], "is the target"),
    ("compare", ["--groups", "ad", "--cv", "31"], "more folds than the 30 groups of --groups ad"),
    # 0.98 of 120 rows leaves 2 to train on, but 0.98 of 30 groups, rounded up as GroupShuffleSplit
    # rounds it, is all 30
    ("explain", ["--groups", "ad", "--test-size", "0.98"], "leaves no group to train on (30 groups"),
])
def test_groups_usage_errors(capsys, grouped_csv, command, argv, message):
    code, out, err = run(capsys, command, "--dataset", grouped_csv, "--target", "label", *argv)
    assert code == 2 and message in err and out == ""


def test_groups_refused_for_a_bundled_dataset(capsys):
    code, _, err = run(capsys, "compare", "--dataset", "iris", "--groups", "species")
    assert code == 2 and "--groups is only for CSV files" in err
