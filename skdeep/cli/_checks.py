"""Checks the commands run before the work, and why a model (or every model) failed on every fold."""

from __future__ import annotations

import math

from ..report._settings import Settings
from ..report._workflow import build_models, run_compare
from ._errors import PROG, DataError, MissingDependency, UsageError

# Rows a test fold needs: R² is undefined on one row, and ROC AUC needs both classes.
MIN_TEST_ROWS = 2


def check_finite_cells(dataset) -> None:
    """Infinite cells cannot be imputed or scaled: stop before any model sees them."""
    import numpy as np
    import pandas as pd

    columns = [(c, dataset.X[c]) for c in dataset.X.columns if pd.api.types.is_numeric_dtype(dataset.X[c])]
    columns.append((dataset.target_name, pd.Series(np.asarray(dataset.y, dtype=float))))
    for name, values in columns:
        bad = np.flatnonzero(np.isinf(values.to_numpy(dtype=float, na_value=np.nan)))
        if len(bad):
            s = "" if len(bad) == 1 else "s"
            raise DataError(f"column {name!r} has {len(bad)} infinite value{s} (row {bad[0]}"
                            f"{', ...' if len(bad) > 1 else ''}); replace or drop {'it' if len(bad) == 1 else 'them'}.")


def check_folds(dataset, settings: Settings, *, what: str = "--cv") -> None:
    """Enough rows for the folds: two in every test fold, and no more folds than the largest class has rows."""
    import numpy as np

    n = len(dataset.X)
    if n < MIN_TEST_ROWS * settings.cv:
        raise UsageError(f"{what} {settings.cv} needs at least {MIN_TEST_ROWS * settings.cv} rows "
                         f"({MIN_TEST_ROWS} in each test fold); the data has {n}.")
    if dataset.task == "classification":
        largest = int(np.bincount(dataset.y).max())
        if settings.cv > largest:
            raise UsageError(f"{what} {settings.cv} is more folds than the {largest} rows of the largest class.")
    if dataset.groups is not None and settings.cv > dataset.n_groups:
        raise UsageError(f"{what} {settings.cv} is more folds than the {dataset.n_groups} groups "
                         f"of --groups {dataset.groups_name}.")


def check_split(dataset, settings: Settings) -> None:
    n = len(dataset.X)
    n_test = int(round(settings.test_size * n))
    if n_test < 1 or n - n_test < 2:
        raise UsageError(f"--test-size {settings.test_size} leaves no rows to test or train on ({n} rows).")
    if dataset.groups is not None and dataset.n_groups - math.ceil(settings.test_size * dataset.n_groups) < 1:
        # GroupShuffleSplit's test side: the share of groups, rounded up
        raise UsageError(f"--test-size {settings.test_size} leaves no group to train on ({dataset.n_groups} groups "
                         f"of --groups {dataset.groups_name}).")


def say_missing_libraries(settings: Settings) -> None:
    """One line on stderr for each boosting library ``--models`` names that is not installed."""
    import sys

    for name in settings.missing_libraries():
        print(f"{PROG}: {name} is not installed; left out of the comparison "
              '(pip install "skdeep[boosting]")', file=sys.stderr)


def need_explain_deps(command: str) -> None:
    """shap and matplotlib, or a :class:`MissingDependency` saying how to install them."""
    missing = []
    for module in ("shap", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingDependency(
            f"'{PROG} {command}' needs {' and '.join(missing)}: pip install 'skdeep[explain]'")


def run_compare_checked(dataset, settings: Settings, bar):
    """``run_compare``, refusing a model that fails on every fold, and a run where every model does.

    A fold fails when its model raises (scikit-learn scores it NaN) or when its
    score is not finite (a target so large that the errors overflow). One
    model failing on every fold, with a reason, is a :class:`DataError`, so is
    every model failing on every fold, with the first reason found.
    """
    import numpy as np

    try:
        results = run_compare(dataset, settings, bar)
    except ValueError as error:  # "All the N fits failed": one model raised on every fold
        if "fits failed" not in str(error):
            raise
        failed = _first_failure(dataset, settings, list(build_models(dataset, settings)))
        if failed is None:
            raise
        raise DataError(f"{failed[0]} failed on every fold: {failed[1]}") from None
    primary = results.attrs["primary_metric"]
    folds = results.attrs["fold_scores"]
    names = [n for n in results.index if not np.isfinite(folds[n][primary]).any()]
    failed = _first_failure(dataset, settings, names) if names else None
    if len(names) == len(results):
        reason = f"{failed[0]}: {failed[1]}" if failed else _no_finite_score(dataset, primary)
        raise DataError(f"every model failed on every fold: {reason}")
    if failed is not None:
        raise DataError(f"{failed[0]} failed on every fold: {failed[1]}")
    return results


def _first_failure(dataset, settings: Settings, names) -> tuple[str, str] | None:
    """The first of ``names`` whose fit on all rows fails, and why in one line; or None.

    Cross-validation keeps only NaN scores (or "All the fits failed"); one fit
    on all rows gives the reason, e.g. ``Training diverged at epoch 3``.
    """
    for name, est in build_models(dataset, settings).items():
        if name not in names:
            continue
        try:
            est.fit(dataset.X, dataset.y)
        except Exception as error:  # noqa: BLE001 - reported, not handled
            return name, (str(error).strip().splitlines() or [type(error).__name__])[0]
    return None


def _no_finite_score(dataset, primary: str) -> str:
    """Why no fold scored, when every model fitted: most often a target too large to square."""
    import numpy as np

    reason = f"no fold gave a finite {primary} score"
    if dataset.task == "regression":
        largest = float(np.max(np.abs(dataset.y)))
        with np.errstate(over="ignore"):
            if np.isinf(np.square(largest)):
                reason += (f" (the target reaches {largest:.3g}, too large to square in 64-bit floats; "
                           "rescale it)")
    return reason
