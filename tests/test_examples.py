"""Run every script in ``examples/`` with 2 epochs and check what it prints and writes.

The scripts run in this process with :func:`runpy.run_path` (as ``__main__``),
so TensorFlow is imported once for all of them; one extra test runs a script
as a real subprocess to check the command-line entry point and its exit code.
"""

import ast
import importlib.util
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# script -> (modules it needs, strings its output must contain, files it must write)
CASES = {
    "01_perceptron_binary_step.py": (
        ["matplotlib"],
        ["parameters: 4 (3 weights + 1 bias)", "weights unchanged after 2 more epochs: True",
         "agrees with clf.predict on 100% of test rows"],
        ["perceptron.png"],
    ),
    "02_deep_classifier_shap.py": (
        ["shap", "matplotlib"],
        ["DeepNN: hidden layers (16, 8)", "SHAP method: deep, output: log_odds",
         "values shape (20, 30, 2)", "top 10 features"],
        ["training_curves.png", "network.png", "shap_decision.png", "shap_importance.png"],
    ),
    "03_regression_mae_r2.py": (
        ["matplotlib"],
        ["MLP (32)", "deep (32-32-32-32-16)", "linear regression",
         "recorded in history_: ['loss', 'mae', 'r2']"],
        ["mlp_training_curves.png"],
    ),
    "04_tensorboard.py": (
        ["tensorboard"],
        ["mlp: hidden (32,), 2 epochs", "dnn: hidden (32, 32, 32, 32, 16), 2 epochs",
         "events.out.tfevents", "tensorboard --logdir"],
        [],
    ),
    "05_binary_checkpoint_rocauc.py": (
        [],
        ["val_roc_auc", "checkpoints written: ['model-01-", "test ROC AUC:",
         "classification report at operating point 0.5", "threshold  precision  recall  F1"],
        [],
    ),
    "06_multiclass_digits_regularization.py": (
        ["matplotlib"],
        ["no regularization", "dropout 0.5", "L2 0.01", "one-hot=True, output units=10",
         "classification report on test digits"],
        ["no_regularization.png", "dropout_05.png", "L2_001.png"],
    ),
    "07_xor_sgd.py": (
        [],
        ["SGD lr=0.1, 2 epochs, 41 parameters", "no hidden layer (perceptron)",
         "rebuilt network gives the same probabilities: True"],
        ["basic_model.json", "basic.weights.h5"],
    ),
    "08_iris_save_load.py": (
        ["matplotlib"],
        ["classes: ['setosa', 'versicolor', 'virginica']", "new flower [6.6, 3.0, 4.4, 1.4]",
         "same probabilities: True", "Keras model loaded from iris.keras"],
        ["iris.pkl", "iris.joblib", "iris.keras", "accuracy.png"],
    ),
    "09_grid_search_kfold.py": (
        [],
        ["grid search, stratified 3-fold, ROC AUC:", "best parameters:",
         "5-fold KFold accuracy:"],
        ["grid_results.csv"],
    ),
}


@pytest.fixture
def example_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SKDEEP_EXAMPLE_EPOCHS", "2")
    monkeypatch.setenv("SKDEEP_EXAMPLE_OUTPUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    return tmp_path


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_layout(name):
    """A docstring naming its seed case, a main(), a __main__ guard, the epochs variable."""
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc and "seed" in doc.lower()
    assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
    assert 'if __name__ == "__main__":' in source
    assert "SKDEEP_EXAMPLE_EPOCHS" in source
    assert "plt.show()" not in source or 'get_backend().lower() == "agg"' in source


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs(name, example_env, capsys):
    needs, expected, files = CASES[name]
    for module in needs:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{name} needs {module}")
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, f"{name}: {text!r} not in output:\n{out}"
    folder = example_env / Path(name).stem
    for file in files:
        assert (folder / file).is_file() and (folder / file).stat().st_size > 0, file
    # Nothing is written outside the output directory given to the example.
    assert {p.name for p in example_env.iterdir()} <= {Path(name).stem}
    if name.startswith("02_"):
        # SHAP values plus the base value reproduce the model's log-odds.
        total, log_odds = re.search(
            r"= ([-+]\d+\.\d+); model log-odds = ([-+]\d+\.\d+)", out).groups()
        assert abs(float(total) - float(log_odds)) < 0.01, out


def test_example_as_script(tmp_path):
    """``python examples/<script>.py`` exits with 0 and prints its results."""
    env = {**os.environ, "SKDEEP_EXAMPLE_EPOCHS": "2", "SKDEEP_EXAMPLE_OUTPUT": str(tmp_path),
           "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / "07_xor_sgd.py")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "rebuilt network gives the same probabilities: True" in proc.stdout
