"""The command line on data it cannot use: exit 2 with one line, tracebacks only with --debug."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor

from skdeep import cli

FAST = ["--epochs", "2", "--cv", "2", "--hidden-layer-sizes", "4", "-q"]


def csv(tmp_path, name, scale=1.0, inf=False):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40) * scale, "b": rng.normal(size=40)})
    frame["y"] = frame["b"] * 2 + 1
    if inf:
        frame.loc[5, "a"] = np.inf
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_infinite_cell_exits_2_with_one_line(tmp_path, capsys):
    code = cli.main(["compare", "--dataset", csv(tmp_path, "inf.csv", inf=True), "--target", "y", *FAST])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.strip().count("\n") == 0, err
    assert "column 'a' has 1 infinite value" in err and "Traceback" not in err


def test_a_model_that_diverges_on_every_fold_exits_2_naming_it(tmp_path, capsys, monkeypatch):
    from skdeep.report import _workflow

    keras_params = _workflow._keras_params
    monkeypatch.setattr(_workflow, "_keras_params", lambda *a, **kw: {
        **keras_params(*a, **kw), "optimizer": "sgd", "learning_rate": 1e12})
    path = csv(tmp_path, "data.csv")
    code = cli.main(["compare", "--dataset", path, "--target", "y", "--models", "network,linear", *FAST])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.strip().count("\n") == 0, err
    assert "failed on every fold: Training diverged at epoch 1" in err and "Traceback" not in err


def test_unexpected_errors_are_one_line_unless_debug(tmp_path, capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("something broke")

    monkeypatch.setattr(cli._commands, "cmd_compare", boom)
    argv = ["compare", "--dataset", "iris", *FAST]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == "skdeep compare: error: RuntimeError: something broke (run with --debug for the traceback)"
    with pytest.raises(RuntimeError, match="something broke"):
        cli.main([*argv, "--debug"])


def test_main_restores_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    cli.main(["compare", "--dataset", csv(tmp_path, "inf.csv", inf=True), "--target", "y", *FAST])
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    cli.main(["compare", "--dataset", csv(tmp_path, "inf.csv", inf=True), "--target", "y", *FAST])
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


@pytest.mark.parametrize("argv", [["explain", "--dataset", "nope"],  # fails after choosing the backend
                                  ["explain", "--dataset", "iris", "--model", "linear", "--rows", "1",
                                   "--global-rows", "5", "--background", "10", "-q"]])
def test_main_restores_matplotlib_and_logging(argv, capsys):
    """Called in-process, main leaves the caller's backend, warning filters and loggers as they were."""
    import logging
    import warnings

    import matplotlib

    pytest.importorskip("shap")
    tf_logger = logging.getLogger("tensorflow")
    before = (matplotlib.get_backend(), list(warnings.filters), tf_logger.level)
    matplotlib.use("svg")  # a backend main does not use: it draws with Agg
    try:
        code = cli.main(argv)
        assert matplotlib.get_backend().lower() == "svg"
        assert (list(warnings.filters), tf_logger.level) == before[1:]
    finally:
        matplotlib.use(before[0])
    assert code == (2 if "nope" in argv else 0), capsys.readouterr().err


def test_no_tensorflow_start_up_noise(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    path = csv(tmp_path, "inf.csv", inf=True)
    out = subprocess.run([sys.executable, "-m", "skdeep", "compare", "--dataset", path, "--target", "y", *FAST],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "skdeep compare: error: column 'a' has 1 infinite value (row 5); replace or drop it."], out.stderr


def test_columns_that_collide_once_stripped_exit_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "spaces.csv"
    path.write_text("a,a ,y\n" + "".join(f"{i},{-i},{i % 3}\n" for i in range(20)))
    code = cli.main(["compare", "--dataset", str(path), "--target", "y", *FAST])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.strip().count("\n") == 0, err
    assert "columns 'a' and 'a ' have the same name once the spaces around names are stripped" in err


def test_too_few_rows_for_the_folds_exit_2_naming_the_minimum(tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text("a,b,y\n1,3,1.0\n2,1,2.0\n3,2,3.5\n")
    code = cli.main(["compare", "--dataset", str(path), "--target", "y", *FAST])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.splitlines()[0] == ("skdeep compare: error: --cv 2 needs at least 4 rows "
                                   "(2 in each test fold); the data has 3.")


@pytest.mark.parametrize("command", ["compare", "report"])
def test_every_model_failing_on_every_fold_exits_2_without_warnings(tmp_path, capsys, command):
    """A target near 1e300: every model fits, every score overflows; exit 2, one line, no warning."""
    path = csv(tmp_path, "huge.csv")
    frame = pd.read_csv(path)
    frame["y"] = frame["a"] * 1e300
    frame.to_csv(path, index=False)
    extra = ["--output", str(tmp_path / "report.html")] if command == "report" else []
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        code = cli.main([command, "--dataset", path, "--target", "y", "--models", "network,linear", *FAST, *extra])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == "" and err.strip().count("\n") == 0, err
    assert err.startswith(f"skdeep {command}: error: every model failed on every fold: no fold gave a finite r2 "
                          f"score (the target reaches {frame['y'].abs().max():.3g}, too large to square"), err
    assert [str(w.message) for w in shown] == []
    assert not (tmp_path / "report.html").exists()


class _FailsOnOddRows(DummyRegressor):
    """Fails on one of two folds of 41 rows (20 and 21 training rows)."""

    def fit(self, X, y, sample_weight=None):
        if len(X) % 2:
            raise ValueError("odd number of rows")
        return super().fit(X, y, sample_weight)


def test_warnings_only_with_debug(tmp_path, capsys, monkeypatch):
    """A fold that fails warns (FitFailedWarning, whose message starts with a newline): shown with --debug only."""
    from sklearn.exceptions import FitFailedWarning

    from skdeep.report import _workflow

    monkeypatch.setattr(_workflow, "build_models", lambda *a, **kw: {"Flaky": _FailsOnOddRows()})
    rng = np.random.default_rng(0)
    path = tmp_path / "odd.csv"
    pd.DataFrame({"a": rng.normal(size=41), "y": rng.normal(size=41)}).to_csv(path, index=False)
    argv = ["compare", "--dataset", str(path), "--target", "y", *FAST]
    for debug, expected in [(False, []), (True, [FitFailedWarning])]:
        with warnings.catch_warnings(record=True) as shown:
            warnings.simplefilter("always")
            code = cli.main([*argv, "--debug"] if debug else argv)
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "Flaky" in out and err == ""
        assert [w.category for w in shown if w.category is FitFailedWarning] == expected
        if not debug:
            assert shown == []
