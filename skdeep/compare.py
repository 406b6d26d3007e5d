"""Honest baselines: cross-validate a network against classic models.

:func:`compare` runs :func:`sklearn.model_selection.cross_validate` for each
model on the *same* folds with the *same* scorers and returns one row per
model, best first.  :func:`plot_comparison` draws the result.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import KFold, StratifiedKFold, check_cv, cross_validate
from sklearn.utils.multiclass import type_of_target

from .plot._comparison import plot_comparison

__all__ = [
    "baseline_preprocessor", "categorical_frame", "compare", "default_models", "describe_preprocessing",
    "plot_comparison",
]

_CLASSIFICATION_TARGETS = ("binary", "multiclass")
_REGRESSION_TARGETS = ("continuous", "continuous-multioutput")
_TIME_COLUMNS = ("fit_time", "score_time")


def _detect_task(y: Any, task: str) -> tuple[str, str]:
    """Return ``(task, target_type)``; ``task`` is classification/regression."""
    if task not in ("auto", "classification", "regression"):
        raise ValueError(
            f"task must be 'auto', 'classification' or 'regression', got {task!r}."
        )
    target_type = type_of_target(y, input_name="y")
    if task != "auto":
        if task == "classification" and target_type in _REGRESSION_TARGETS:
            raise ValueError(
                f"task='classification' but y is {target_type}; "
                "use task='regression' or encode y as classes."
            )
        return task, target_type
    if target_type in _CLASSIFICATION_TARGETS:
        n_classes = len(np.unique(np.asarray(y)))
        if target_type == "multiclass" and n_classes > 20:
            warnings.warn(
                f"y has {n_classes} distinct values and is treated as a "
                "classification target; pass task='regression' if it is numeric.",
                UserWarning,
                stacklevel=3,
            )
        return "classification", target_type
    if target_type in _REGRESSION_TARGETS:
        return "regression", target_type
    raise ValueError(
        f"Cannot infer the task for a {target_type!r} target; pass "
        "task='classification' or task='regression'."
    )


def categorical_frame(X: Any) -> Any:
    """``X`` with its text columns as pandas ``category`` columns; anything else unchanged.

    Tree models read categories natively from the dtype
    (``categorical_features="from_dtype"``). The vocabulary is that of the whole
    frame, known before any split: no fold sees another fold's target.

    Examples
    --------
    >>> import pandas as pd
    >>> categorical_frame(pd.DataFrame({"c": ["a", "b"], "x": [1, 2]})).dtypes.astype(str).tolist()
    ['category', 'int64']
    """
    if not isinstance(X, pd.DataFrame):
        return X
    text = [c for c in X.columns if not isinstance(X[c].dtype, pd.CategoricalDtype)
            and not pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
            and (pd.api.types.is_object_dtype(X[c]) or pd.api.types.is_string_dtype(X[c]))]
    return X.astype({c: "category" for c in text}) if text else X


def _categorical_names(X: Any) -> list:
    if not isinstance(X, pd.DataFrame):
        return []
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)
            or pd.api.types.is_object_dtype(X[c]) or pd.api.types.is_string_dtype(X[c])]


def baseline_preprocessor(X: Any, *, scale: bool = True):
    """What a linear model or a random forest needs before it can read ``X``.

    Numeric columns: median imputation (and standardization if ``scale``);
    categorical columns (``category``, text): most-frequent imputation and
    one-hot encoding that ignores categories unseen at fit. Plain numeric data
    without missing values get only the scaler (or nothing).

    Examples
    --------
    >>> import pandas as pd
    >>> pre = baseline_preprocessor(pd.DataFrame({"c": ["a", "b"], "x": [1.0, None]}))
    >>> pre.fit_transform(pd.DataFrame({"c": ["a", "b"], "x": [1.0, None]})).shape
    (2, 3)
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = _categorical_names(X)
    missing = bool(pd.DataFrame(X).isna().to_numpy().any()) if not hasattr(X, "toarray") else False
    numeric = [SimpleImputer(strategy="median")] if missing else []
    numeric += [StandardScaler()] if scale else []
    if not categorical:
        return (make_pipeline(*numeric) if len(numeric) > 1 else numeric[0]) if numeric else None
    return ColumnTransformer([
        ("numeric", make_pipeline(*numeric) if numeric else "passthrough",
         make_column_selector(dtype_exclude=["category", "object", "string"])),
        ("categorical", make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        ), categorical),
    ])


def default_models(
    task: str = "classification",
    *,
    random_state: int | None = 0,
    keras_params: Mapping[str, Any] | None = None,
    X: Any = None,
) -> dict[str, BaseEstimator]:
    """The default model set of :func:`compare`, each with the preprocessing it needs.

    The skdeep network reads ``X`` as it is (it scales, imputes and encodes
    categories itself); the linear model gets :func:`baseline_preprocessor`
    (imputation, one-hot encoding, scaling), the random forest the same without
    scaling, and histogram gradient boosting reads categories natively from the
    dtype (pass ``X`` through :func:`categorical_frame`). Modify the returned
    dict to add or drop models.

    Parameters
    ----------
    task : {"classification", "regression"}, default="classification"
    random_state : int or None, default=0
        Seed given to every model that has one.
    keras_params : dict, optional
        Extra parameters for the skdeep network, e.g. ``{"epochs": 50}``.
    X : array-like or DataFrame, optional
        The data the models will see, to choose their preprocessing; None means
        numeric data without missing values.

    Returns
    -------
    dict of str to estimator
        ``{"KerasClassifier", "LogisticRegression", "RandomForest",
        "HistGradientBoosting"}`` for classification; ``KerasRegressor`` and
        ``Ridge`` replace the first two for regression.

    Examples
    --------
    >>> from skdeep.compare import default_models
    >>> list(default_models("regression"))
    ['KerasRegressor', 'Ridge', 'RandomForest', 'HistGradientBoosting']
    """
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge

    from . import KerasClassifier, KerasRegressor  # lazy: avoids import cycles

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    kp = {"random_state": random_state, "verbose": 0, **dict(keras_params or {})}
    classify = task == "classification"
    network = KerasClassifier(**kp) if classify else KerasRegressor(**kp)
    linear = LogisticRegression(max_iter=1000) if classify else Ridge()
    forest = (RandomForestClassifier if classify else RandomForestRegressor)(random_state=random_state)
    boosting = (HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor)(
        random_state=random_state, categorical_features="from_dtype")
    return {
        type(network).__name__: network,
        type(linear).__name__: _with(baseline_preprocessor(X), linear),
        "RandomForest": _with(baseline_preprocessor(X, scale=False), forest),
        "HistGradientBoosting": boosting,
    }


def _with(preprocessor, estimator):
    from sklearn.pipeline import make_pipeline

    return estimator if preprocessor is None else make_pipeline(preprocessor, estimator)


def describe_preprocessing(estimator: Any) -> str:
    """A short phrase saying what preprocessing a model gets before its final step.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import Ridge
    >>> describe_preprocessing(make_pipeline(StandardScaler(), Ridge()))
    'StandardScaler'
    """
    steps = [s for _, s in estimator.steps[:-1]] if hasattr(estimator, "steps") else []
    final = estimator.steps[-1][1] if steps else estimator
    parts = [_describe(step) for step in steps]
    own = getattr(final, "_own_preprocessing", None)
    if callable(own):
        parts.append(own())
    elif getattr(final, "categorical_features", None) == "from_dtype":
        parts.append("native categoricals")
    return " + ".join(p for p in parts if p) or "none"


def _describe(step: Any) -> str:
    if hasattr(step, "transformers"):
        inner = []
        for name, trans, _ in step.transformers:
            if trans in ("drop",):
                continue
            text = "passthrough" if trans == "passthrough" else _describe(trans)
            inner.append(f"{name}: {text}")
        return "[" + "; ".join(inner) + "]"
    if hasattr(step, "steps"):
        return " + ".join(_describe(s) for _, s in step.steps)
    name = type(step).__name__
    if name == "SimpleImputer":
        return f"SimpleImputer({step.strategy})"
    return name


def _model_name(est: Any) -> str:
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    return type(last).__name__


def _normalize_models(models: Any, task: str, random_state: Any, X: Any = None) -> dict[str, Any]:
    if models is None:
        return default_models(task, random_state=random_state, X=X)
    if hasattr(models, "fit"):
        models = [models]
    if isinstance(models, Mapping):
        named = {str(k): v for k, v in models.items()}
    elif isinstance(models, Sequence) and not isinstance(models, str):
        named = {}
        for est in models:
            base = name = _model_name(est)
            i = 2
            while name in named:
                name, i = f"{base} ({i})", i + 1
            named[name] = est
    else:
        raise TypeError(
            "models must be None, an estimator, a list of estimators or a dict "
            f"name -> estimator; got {type(models).__name__}."
        )
    if not named:
        raise ValueError("models is empty.")
    for name, est in named.items():
        if not hasattr(est, "fit"):
            raise TypeError(f"Model {name!r} has no fit method: {est!r}.")
    return named


def _default_scoring(task: str, target_type: str) -> list[str]:
    if task == "regression":
        return ["r2", "neg_root_mean_squared_error"]
    if target_type == "binary":
        return ["accuracy", "roc_auc"]
    if target_type == "multiclass":
        return ["accuracy", "roc_auc_ovr"]
    return ["accuracy"]


def _splits(X: Any, y: Any, groups: Any, cv: Any, task: str, target_type: str,
            random_state: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """Materialise the folds once, so that every model sees exactly the same."""
    stratify = task == "classification" and target_type in _CLASSIFICATION_TARGETS
    if cv is None or isinstance(cv, numbers.Integral):
        n_splits = 5 if cv is None else int(cv)
        cls = StratifiedKFold if stratify else KFold
        splitter = cls(n_splits=n_splits, shuffle=True, random_state=random_state)
    else:
        splitter = check_cv(cv, y, classifier=stratify)
    return list(splitter.split(X, y, groups))


def compare(
    X: Any,
    y: Any,
    models: Mapping[str, Any] | Sequence[Any] | Any | None = None,
    *,
    cv: int | Any = 5,
    scoring: Any = None,
    n_jobs: int | None = None,
    random_state: int | None = 0,
    task: str = "auto",
    groups: Any = None,
    sort_by: str | None = None,
) -> pd.DataFrame:
    """Cross-validate several models on the same folds and rank them.

    Every model is evaluated with :func:`sklearn.model_selection.cross_validate`
    on identical train/test splits and identical scorers, so the numbers are
    directly comparable.  Rows are sorted by the mean of the primary (first)
    score, best first, whichever model wins.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        A DataFrame may mix numeric, boolean and text/category columns, with
        missing values: each default model gets the preprocessing it needs
        (:func:`default_models`), and text columns become ``category`` columns.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    models : dict, list or estimator, optional
        ``{name: estimator}``, a list of estimators (named after their class),
        or a single estimator.  Defaults to :func:`default_models` for the
        detected task: a skdeep network, a linear model and two tree ensembles.
    cv : int, cross-validation generator or iterable, default=5
        An int gives ``StratifiedKFold`` (classification) or ``KFold``
        (regression) with ``shuffle=True`` and ``random_state``.  Anything
        else goes through :func:`sklearn.model_selection.check_cv`.  The folds
        are generated once and reused for every model.
    scoring : str, callable, list, tuple or dict, optional
        Anything ``cross_validate`` accepts.  Defaults to accuracy and ROC AUC
        (one-vs-rest for multiclass) for classification, R² and negated RMSE
        for regression.  Scores follow scikit-learn's convention: higher is
        better (errors are negated, ``neg_*``).
    n_jobs : int, optional
        Number of folds fitted in parallel (passed to ``cross_validate``).
    random_state : int or None, default=0
        Seed for the fold shuffling and the default models.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` uses :func:`sklearn.utils.multiclass.type_of_target`.
    groups : array-like, optional
        Group labels for group-aware splitters such as ``GroupKFold``.
    sort_by : str, optional
        Score to sort by; defaults to the first one.

    Returns
    -------
    pandas.DataFrame
        Indexed by model name, sorted best first, with columns ``rank``,
        ``<score>_mean`` and ``<score>_std`` for each score, and
        ``fit_time_mean``/``_std`` and ``score_time_mean``/``_std`` (seconds
        per fold).  ``df.attrs`` holds ``task``, ``metrics``,
        ``primary_metric``, ``n_splits``, per-fold ``fold_scores`` and ``fold_times``, and
        ``preprocessing`` (what each model got before its final step).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdeep.compare import compare
    >>> X, y = make_classification(n_samples=90, random_state=0)
    >>> df = compare(X, y, {"dummy": DummyClassifier(),
    ...                     "logreg": LogisticRegression()}, cv=3)
    >>> list(df.index)
    ['logreg', 'dummy']
    >>> float(df.loc["dummy", "roc_auc_mean"])
    0.5
    """
    task, target_type = _detect_task(y, task)
    X = categorical_frame(X)
    named = _normalize_models(models, task, random_state, X)
    if scoring is None:
        scoring = _default_scoring(task, target_type)
    elif isinstance(scoring, str):
        scoring = [scoring]
    splits = _splits(X, y, groups, cv, task, target_type, random_state)

    rows: dict[str, dict[str, float]] = {}
    fold_scores: dict[str, dict[str, list[float]]] = {}
    fold_times: dict[str, dict[str, list[float]]] = {}
    metrics: list[str] = []
    for name, est in named.items():
        res = cross_validate(
            clone(est), X, y, groups=groups, cv=splits, scoring=scoring,
            n_jobs=n_jobs, error_score=np.nan,
        )
        row: dict[str, float] = {}
        fold_scores[name] = {}
        for key, values in res.items():
            if not key.startswith("test_"):
                continue
            metric = key[len("test_"):]
            if metric not in metrics:
                metrics.append(metric)
            values = np.asarray(values, dtype=float)
            fold_scores[name][metric] = values.tolist()
            row[f"{metric}_mean"] = float(np.mean(values))
            row[f"{metric}_std"] = float(np.std(values))
        fold_times[name] = {key: np.asarray(res[key], dtype=float).tolist() for key in _TIME_COLUMNS}
        for key in _TIME_COLUMNS:
            values = np.asarray(res[key], dtype=float)
            row[f"{key}_mean"] = float(np.mean(values))
            row[f"{key}_std"] = float(np.std(values))
        rows[name] = row

    if isinstance(scoring, Mapping):  # keep the user's order for the primary
        metrics = [m for m in scoring if m in metrics] + [m for m in metrics if m not in scoring]
    elif isinstance(scoring, (list, tuple)):
        metrics = [m for m in scoring if m in metrics] + [m for m in metrics if m not in scoring]
    primary = sort_by if sort_by is not None else metrics[0]
    if primary.endswith("_mean"):
        primary = primary[: -len("_mean")]
    if primary not in metrics:
        raise ValueError(f"sort_by={sort_by!r} is not one of the scores {metrics}.")

    columns = [f"{m}_{s}" for m in metrics for s in ("mean", "std")]
    columns += [f"{t}_{s}" for t in _TIME_COLUMNS for s in ("mean", "std")]
    df = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    df.index.name = "model"
    df = df.sort_values(f"{primary}_mean", ascending=False, kind="mergesort",
                        na_position="last")
    rank = df[f"{primary}_mean"].rank(ascending=False, method="min")
    df.insert(0, "rank", rank.astype("Int64"))
    df.attrs = {
        "task": task,
        "metrics": metrics,
        "primary_metric": primary,
        "n_splits": len(splits),
        "fold_scores": fold_scores,
        "fold_times": fold_times,
        "preprocessing": {name: describe_preprocessing(est) for name, est in named.items()},
    }
    return df
