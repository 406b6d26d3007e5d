"""The model set of :func:`skdeep.compare.compare`, each with the preprocessing it needs.

The network reads ``X`` as it is; a linear model and a random forest need
imputation and one-hot encoding (:func:`baseline_preprocessor`); histogram
gradient boosting reads categories natively from the dtype
(:func:`categorical_frame`). :func:`describe_preprocessing` says in words what
each model got, for the comparison table's ``attrs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator


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
