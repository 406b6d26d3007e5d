"""Datasets for the command line and the report: a bundled scikit-learn one or a CSV.

:func:`load_dataset` returns a :class:`Dataset`: features as a DataFrame, the
target encoded for the estimators (classes become ``0..K-1`` with their display
names kept in ``class_names``) and the task. Text columns of a CSV become pandas
``category`` columns, which every default model reads with the preprocessing it
needs (or, with ``categorical="onehot"``, a ``ColumnTransformer`` one-hot
encodes them for every model alike). Bad input raises :class:`DatasetError` with a message meant for a
person at a terminal.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..compare._crossval import detect_task  # one rule for compare, the CLI and the report

# Datasets shipped inside scikit-learn (no download): name -> (loader, task).
BUNDLED = {
    "breast_cancer": ("load_breast_cancer", "classification"),
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
    "digits": ("load_digits", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}
TASKS = ("auto", "classification", "regression")
CATEGORICAL = ("native", "onehot", "error")


class DatasetError(ValueError):
    """The dataset or its options cannot be used; the message says why and what to do."""


class UnusableDataError(DatasetError):
    """The data itself cannot be used, whatever the options (e.g. two columns with one name)."""


@dataclass
class Dataset:
    """Features, encoded target and what is known about them.

    Attributes
    ----------
    name : str
        Dataset name, or the CSV file's name.
    X : pandas.DataFrame
        Features, string column names.
    y : numpy.ndarray
        Target: class codes ``0..K-1`` (classification) or floats (regression).
    task : {"classification", "regression"}
    target_name : str
    class_names : list of str or None
        Display name of each class code.
    preprocessor : ColumnTransformer or None
        Imputation and one-hot encoding applied before every model
        (``categorical="onehot"`` only), else None.
    categorical : list of str
        The non-numeric (categorical) columns.
    notes : list of str
        Things worth telling the user (rows dropped, task inferred...).
    groups : numpy.ndarray or None
        The group of each row (``--groups COLUMN``), which keeps a group's rows
        together in one fold and on one side of a split; None: rows independent.
    groups_name : str or None
        The column the groups came from.
    """

    name: str
    X: pd.DataFrame
    y: np.ndarray
    task: str
    target_name: str
    class_names: list[str] | None = None
    preprocessor: Any = None
    categorical: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    groups: np.ndarray | None = None
    groups_name: str | None = None

    @property
    def n_groups(self) -> int:
        """Distinct groups of ``--groups`` (0 without groups)."""
        return 0 if self.groups is None else len(np.unique(self.groups))

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names is not None else 0

    def label(self, code: Any) -> str:
        """Display name of a class code (or the value itself for regression)."""
        if self.class_names is None:
            return f"{float(code):.4g}"
        return self.class_names[int(code)]

    def summary(self) -> str:
        """One line: rows, features, task."""
        what = self.task
        if self.class_names is not None:
            what += f", {self.n_classes} classes"
        return f"{self.name}: {len(self.X)} rows, {self.X.shape[1]} features, {what}"


def is_csv(spec: str) -> bool:
    """Whether ``--dataset`` names a file rather than a bundled dataset."""
    return spec not in BUNDLED and (spec.lower().endswith((".csv", ".csv.gz", ".tsv")) or os.path.sep in spec
                                    or os.path.isfile(spec))


def load_dataset(
    spec: str,
    *,
    target: str | None = None,
    task: str = "auto",
    categorical: str = "native",
    sep: str | None = None,
    groups: str | None = None,
) -> Dataset:
    """Load a bundled scikit-learn dataset by name, or a CSV file.

    Parameters
    ----------
    spec : str
        One of ``breast_cancer``, ``iris``, ``wine``, ``digits``, ``diabetes``,
        or the path of a CSV file.
    target : str, optional
        The CSV column to predict; required for a CSV, refused for a bundled set.
    task : {"auto", "classification", "regression"}
        ``"auto"``: text, boolean and integer targets with at most 20 distinct
        values are classes, anything else numeric is regression.
    categorical : {"native", "onehot", "error"}
        What to do with non-numeric CSV columns: ``"native"`` keeps them as
        pandas ``category`` columns, so each model gets the preprocessing it
        needs (:func:`skdeep.compare.default_models`: the network embeds them,
        gradient boosting reads them natively, linear models and forests get
        one-hot); ``"onehot"`` one-hot encodes them for every model alike;
        ``"error"`` refuses them.
    sep : str, optional
        CSV separator; by default ``,`` (``\\t`` for ``.tsv``).
    groups : str, optional
        A CSV column of group ids (a customer, a patient): not a feature, it
        keeps each group's rows in one fold and on one side of a split.

    Raises
    ------
    DatasetError
        Unknown dataset, missing file or target, unusable columns.
    """
    if task not in TASKS:
        raise DatasetError(f"--task must be one of {', '.join(TASKS)}; got {task!r}.")
    if categorical not in CATEGORICAL:
        raise DatasetError(f"--categorical must be one of {', '.join(CATEGORICAL)}; got {categorical!r}.")
    if spec in BUNDLED:
        for option, value in (("--target", target), ("--groups", groups)):
            if value is not None:
                raise DatasetError(
                    f"{option} is only for CSV files; the bundled dataset {spec!r} has its own target "
                    "and independent rows.")
        return _load_bundled(spec, task)
    if not is_csv(spec):
        import difflib

        close = difflib.get_close_matches(spec, list(BUNDLED), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DatasetError(
            f"unknown dataset {spec!r}.{hint} Choose one of {', '.join(BUNDLED)} "
            "(bundled with scikit-learn), or give the path of a CSV file with --target COLUMN."
        )
    return _load_csv(spec, target, task, categorical, sep, groups)


def _load_bundled(name: str, task: str) -> Dataset:
    from sklearn import datasets

    loader, own_task = BUNDLED[name]
    bunch = getattr(datasets, loader)(as_frame=True)
    X = bunch.data.copy()
    X.columns = [str(c) for c in X.columns]
    y = bunch.target.to_numpy()
    if task not in ("auto", own_task):
        raise DatasetError(f"{name!r} is a {own_task} dataset; --task {task} does not apply.")
    if own_task == "classification":
        names = getattr(bunch, "target_names", None)
        class_names = [str(n) for n in names] if names is not None else [str(c) for c in np.unique(y)]
        return Dataset(name, X, y.astype(np.int64), own_task, "target", class_names, source="scikit-learn")
    return Dataset(name, X, y.astype(np.float64), own_task, "target", source="scikit-learn")


def _load_csv(path: str, target: str | None, task: str, categorical: str, sep: str | None,
              groups: str | None = None) -> Dataset:
    frame = _read_csv(path, target, sep)
    notes: list[str] = []
    missing = frame[target].isna()
    if missing.all():
        raise DatasetError(f"target column {target!r} is empty.")
    if missing.any():
        notes.append(f"dropped {int(missing.sum())} rows with no {target!r} value")
        frame = frame.loc[~missing]
    group_ids = _group_ids(frame, groups, target, path)
    X = frame.drop(columns=[target] if groups is None else [target, groups])
    if X.shape[1] == 0:
        raise DatasetError(f"{path} has no feature columns besides the target {target!r}.")
    task, inferred = _infer_task(frame[target], task)
    if inferred:
        notes.append(f"task inferred from {target!r}: {task} (override with --task)")
    y, class_names = _encode_target(frame[target], task, target)
    X, text = _typed_features(X, categorical)
    preprocessor = None
    if categorical == "native":
        if text:
            notes.append(f"categorical columns {text}: each model encodes them as it needs")
    else:
        preprocessor = _onehot_preprocessor(X, text, notes)
    return Dataset(os.path.basename(path), X.reset_index(drop=True), y, task, target, class_names,
                   preprocessor, text, notes, source=os.path.abspath(path), groups=group_ids, groups_name=groups)


def _group_ids(frame: pd.DataFrame, groups: str | None, target: str, path: str) -> np.ndarray | None:
    """The ``--groups`` column's values (one id per row), or a DatasetError saying what is wrong."""
    if groups is None:
        return None
    if groups not in frame.columns:
        raise DatasetError(f"--groups column {groups!r} is not in {path}.")
    if groups == target:
        raise DatasetError(f"--groups {groups!r} is the target; name the column of group ids.")
    ids = frame[groups]
    if ids.isna().any():
        raise DatasetError(f"--groups column {groups!r} has {int(ids.isna().sum())} empty cells; "
                           "every row needs a group.")
    return ids.astype(str).to_numpy()


def _read_csv(path: str, target: str | None, sep: str | None) -> pd.DataFrame:
    """The file as a frame with stripped column names, or a DatasetError saying what is wrong."""
    if target is None:
        raise DatasetError(f"--target COLUMN is required with a CSV file ({path}).")
    if not os.path.isfile(path):
        raise DatasetError(f"CSV file not found: {path}")
    if sep is None:
        sep = "\t" if path.lower().endswith(".tsv") else ","
    try:
        frame = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read {path} as CSV: {error}") from error
    frame.columns = _stripped_names(frame.columns)
    if target not in frame.columns:
        shown = ", ".join(frame.columns[:20]) + (" ..." if len(frame.columns) > 20 else "")
        raise DatasetError(f"target column {target!r} is not in {path}; its columns are: {shown}")
    return frame


def _stripped_names(columns: pd.Index) -> list[str]:
    """Column names without surrounding spaces, refused if two become one.

    pandas already renames exact duplicates (``a``, ``a.1``); ``a`` and ``a ``
    only meet here, and two columns under one name cannot be selected apart.
    """
    names = [str(c).strip() for c in columns]
    groups: dict[str, list[str]] = {}
    for original, name in zip(columns, names):
        groups.setdefault(name, []).append(str(original))
    clashes = [" and ".join(repr(c) for c in group) for group in groups.values() if len(group) > 1]
    if clashes:
        raise UnusableDataError(f"columns {'; '.join(clashes)} have the same name once the spaces around "
                                "names are stripped; rename them.")
    return names


def _encode_target(y_raw: pd.Series, task: str, target: str) -> tuple[np.ndarray, list[str] | None]:
    """Class codes 0..K-1 and the class names (classification), or floats (regression)."""
    if task == "classification":
        codes, uniques = pd.factorize(y_raw, sort=True)
        if len(uniques) < 2:
            raise DatasetError(f"target column {target!r} has a single value; there is nothing to classify.")
        return codes.astype(np.int64), [str(u) for u in uniques]
    y = pd.to_numeric(y_raw, errors="coerce")
    if y.isna().any():
        raise DatasetError(
            f"target column {target!r} is not numeric, so it cannot be a regression target; "
            "use --task classification."
        )
    return y.to_numpy(dtype=np.float64), None


def _typed_features(X: pd.DataFrame, categorical: str) -> tuple[pd.DataFrame, list[str]]:
    """Text-like columns as ``category`` (native) or object (onehot); booleans as numbers."""
    # Text-like columns (object, string, category) need encoding; booleans are numbers.
    text = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if text and categorical == "error":
        raise DatasetError(
            f"non-numeric feature columns {text}; encode them first, drop them, "
            "or use --categorical onehot."
        )
    for col in X.columns:
        if col in text:
            X[col] = X[col].astype("category" if categorical == "native" else object)
        elif pd.api.types.is_bool_dtype(X[col]):
            X[col] = X[col].astype(np.float64)
    return X, text


def _onehot_preprocessor(X: pd.DataFrame, text: list[str], notes: list[str]):
    """The imputing, one-hot encoding ColumnTransformer every model gets, or None if nothing needs it."""
    numeric = [c for c in X.columns if c not in text]
    for col in text:
        n = X[col].nunique()
        if n > 50:
            notes.append(f"column {col!r} has {n} distinct values; one-hot encoding makes {n} columns")
    missing_numbers = X[numeric].isna().any().any()
    if not (text or missing_numbers):
        return None
    if missing_numbers:
        notes.append("missing numeric values are imputed with the column median")
    return _preprocessor(numeric, text)


def _infer_task(y: pd.Series, task: str) -> tuple[str, bool]:
    """``(task, inferred)``: ``task`` as given, or read from ``y`` by the rule ``compare`` uses."""
    if task != "auto":
        return task, False
    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        # As float64 (a nullable Int64 column reads as objects otherwise, which the rule takes for
        # labels), finite values only: the command line reports infinite cells with their rows.
        values = y.to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]
        if not len(values):
            return "regression", True
    else:
        values = y.astype(str).to_numpy()  # text, categories and booleans: labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the report's notes say what was inferred
        inferred, _ = detect_task(values, "auto")
    return inferred, True


def _preprocessor(numeric: list[str], text: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    transformers = []
    if numeric:
        transformers.append(("numeric", SimpleImputer(strategy="median"), numeric))
    if text:
        transformers.append((
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            ),
            text,
        ))
    return ColumnTransformer(transformers, remainder="drop")
