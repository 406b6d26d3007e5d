import os

import pytest

# Quieter TensorFlow logs in test output; set before keras is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

try:  # the floor-version CI stage runs a subset without the plotting extras
    import matplotlib
except ImportError:
    pass
else:
    matplotlib.use("Agg")


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``slow`` unless SKDEEP_SLOW_TESTS=1 (CI sets it in a step of its own).

    ``slow`` marks a test that takes more than ~15 s on two cores (compilation, hundreds of
    fits, a subprocess with a big memmap): the default suite stays quick for a change-test loop.
    """
    if os.environ.get("SKDEEP_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set SKDEEP_SLOW_TESTS=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def breast_cancer():
    """scikit-learn's breast-cancer data (569 x 30, binary), loaded once per worker; tests take rows."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="session")
def breast_cancer_scaled(breast_cancer):
    """The same, each column standardized over all 569 rows (for networks given raw input)."""
    from sklearn.preprocessing import StandardScaler

    X, y = breast_cancer
    return StandardScaler().fit_transform(X), y
