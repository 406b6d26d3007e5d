"""Checks the commands run before the work, and the reason a model failed on every fold."""

from __future__ import annotations

from .. import _columns
from ..report._workflow import Settings, build_models, run_compare
from ._errors import PROG, DataError, MissingDependency, UsageError


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
    import numpy as np

    n = len(dataset.X)
    if settings.cv > n:
        raise UsageError(f"{what} {settings.cv} is more folds than the {n} rows.")
    if dataset.task == "classification":
        largest = int(np.bincount(dataset.y).max())
        if settings.cv > largest:
            raise UsageError(f"{what} {settings.cv} is more folds than the {largest} rows of the largest class.")


def check_split(dataset, settings: Settings) -> None:
    n = len(dataset.X)
    n_test = int(round(settings.test_size * n))
    if n_test < 1 or n - n_test < 2:
        raise UsageError(f"--test-size {settings.test_size} leaves no rows to test or train on ({n} rows).")


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
    """``run_compare``, turning a model that fails on every fold into a :class:`DataError`."""
    try:
        results = run_compare(dataset, settings, bar)
    except ValueError as error:
        if "fits failed" not in str(error):
            raise
        failed = _failed_model(dataset, settings, list(build_models(dataset, settings)))
        if failed is None:
            raise
        raise failed from None
    scores = results[_columns.mean(results.attrs["primary_metric"])]
    failed = _failed_model(dataset, settings, [n for n in results.index if scores.isna()[n]])
    if failed is not None:
        raise failed
    return results


def _failed_model(dataset, settings: Settings, names) -> DataError | None:
    """The first of ``names`` whose fit on all rows fails, as a one-line error, or None.

    Cross-validation keeps only NaN scores (or "All the fits failed"); one fit
    on all rows gives the reason, e.g. ``Training diverged at epoch 3``.
    """
    for name, est in build_models(dataset, settings).items():
        if name not in names:
            continue
        try:
            est.fit(dataset.X, dataset.y)
        except Exception as error:  # noqa: BLE001 - reported, not handled
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return DataError(f"{name} failed on every fold: {reason}")
    return None
