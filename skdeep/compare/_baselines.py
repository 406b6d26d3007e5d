"""The model set of :func:`skdeep.compare.compare`, each with the preprocessing it needs.

The network reads ``X`` as it is; a linear model and a random forest need
imputation and one-hot encoding (:func:`baseline_preprocessor`); histogram
gradient boosting, LightGBM, XGBoost and CatBoost (when installed) read
categories natively (:func:`categorical_frame`). :func:`describe_preprocessing` says in words what
each model got, for the comparison table's ``attrs``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin


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


# The models ``default_models`` can build, by the name the CLI and ``models=`` use, in table order.
# The boosting libraries are optional (``pip install "skdeep[boosting]"``): their module name.
MODEL_NAMES = ("network", "linear", "forest", "histgb", "lightgbm", "xgboost", "catboost")
BOOSTING_LIBRARIES = {"lightgbm": "lightgbm", "xgboost": "xgboost", "catboost": "catboost"}
_ALIASES = {"boosting": "histgb"}  # the name HistGradientBoosting had before the boosting libraries came


def installed_libraries() -> dict[str, str | None]:
    """The optional boosting libraries: ``{name: version}``, None where it is not installed.

    Examples
    --------
    >>> sorted(installed_libraries())
    ['catboost', 'lightgbm', 'xgboost']
    """
    import importlib.metadata
    import importlib.util

    found = {}
    for name, module in BOOSTING_LIBRARIES.items():
        try:
            found[name] = importlib.metadata.version(name) if importlib.util.find_spec(module) else None
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def model_names(models: Sequence[str] | None = None) -> list[str]:
    """The names ``models`` asks for, checked, aliases resolved; None: every name.

    Examples
    --------
    >>> model_names(["network", "boosting"])
    ['network', 'histgb']
    """
    if models is None:
        return list(MODEL_NAMES)
    if isinstance(models, str):
        models = [models]
    names = [_ALIASES.get(str(m).lower(), str(m).lower()) for m in models]
    unknown = [m for m, n in zip(models, names) if n not in MODEL_NAMES]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(MODEL_NAMES)}.")
    return list(dict.fromkeys(names))


def default_models(
    task: str = "classification",
    *,
    random_state: int | None = 0,
    keras_params: Mapping[str, Any] | None = None,
    X: Any = None,
    models: Sequence[str] | None = None,
) -> dict[str, BaseEstimator]:
    """The default model set of :func:`compare`, each with the preprocessing it needs.

    The skdeep network reads ``X`` as it is (it scales, imputes and encodes
    categories itself); the linear model gets :func:`baseline_preprocessor`
    (imputation, one-hot encoding, scaling), the random forest the same without
    scaling; histogram gradient boosting, LightGBM, XGBoost and CatBoost read
    categories natively (pass ``X`` through :func:`categorical_frame`), each
    with its library's own defaults. Modify the returned dict to add or drop
    models.

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
    models : list of str, optional
        Which models, by name: ``"network"``, ``"linear"``, ``"forest"``,
        ``"histgb"``, ``"lightgbm"``, ``"xgboost"``, ``"catboost"``. None: all of
        them whose library is installed. A boosting library that is asked for
        by name but not installed is left out with a one-line warning.

    Returns
    -------
    dict of str to estimator
        Named ``KerasClassifier`` (``KerasRegressor``), ``LogisticRegression``
        (``Ridge``), ``RandomForest``, ``HistGradientBoosting``, ``LightGBM``,
        ``XGBoost``, ``CatBoost``: in that order by default, else in the order
        of ``models``.

    Examples
    --------
    >>> from skdeep.compare import default_models
    >>> list(default_models("regression", models=["network", "linear", "forest", "histgb"]))
    ['KerasRegressor', 'Ridge', 'RandomForest', 'HistGradientBoosting']
    """
    # Imported here, not at the top: the command line reads this module for its model names,
    # and ``skdeep --help`` must not start Keras.
    from .._classifier import KerasClassifier
    from .._regressor import KerasRegressor

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    asked = models is not None
    names = model_names(models)
    installed = installed_libraries()
    missing = [n for n in names if n in installed and installed[n] is None]
    if asked and missing:
        warnings.warn(f"{', '.join(missing)} not installed, left out of the comparison "
                      '(pip install "skdeep[boosting]").', UserWarning, stacklevel=2)
    classify = task == "classification"
    kp = {"random_state": random_state, "verbose": 0, **dict(keras_params or {})}
    out = {}
    for name in names:
        if name in missing:
            continue
        if name == "network":
            network = KerasClassifier(**kp) if classify else KerasRegressor(**kp)
            out[type(network).__name__] = network
        elif name == "linear":
            from sklearn.linear_model import LogisticRegression, Ridge

            linear = LogisticRegression(max_iter=1000) if classify else Ridge()
            out[type(linear).__name__] = _with(baseline_preprocessor(X), linear)
        else:
            label, estimator = _tree_model(name, classify, random_state, X)
            out[label] = estimator
    return out


def _tree_model(name: str, classify: bool, random_state: int | None, X: Any) -> tuple[str, Any]:
    """A tree model by name, with its library's defaults and what it needs to read ``X``."""
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        forest = (RandomForestClassifier if classify else RandomForestRegressor)(random_state=random_state)
        return "RandomForest", _with(baseline_preprocessor(X, scale=False), forest)
    if name == "histgb":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        return "HistGradientBoosting", (HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor)(
            random_state=random_state, categorical_features="from_dtype")
    if name == "lightgbm":  # reads pandas ``category`` columns as categorical on its own
        import lightgbm

        model = (lightgbm.LGBMClassifier if classify else lightgbm.LGBMRegressor)(
            random_state=random_state, verbose=-1)
        return "LightGBM", _with(_name_guard(X), model)
    if name == "xgboost":
        import xgboost

        model = (xgboost.XGBClassifier if classify else xgboost.XGBRegressor)(
            random_state=random_state, enable_categorical=True, tree_method="hist")
        # XGBoost's classifiers take only the labels 0..k-1.
        return "XGBoost", _with(_name_guard(X), LabelEncoded(model) if classify else model)
    if name == "catboost":
        import catboost

        categorical = tuple(_categorical_names(X))  # a tuple: scikit-learn's clone refuses CatBoost's lists
        model = (catboost.CatBoostClassifier if classify else catboost.CatBoostRegressor)(
            random_seed=random_state, verbose=0, allow_writing_files=False, cat_features=categorical or None)
        return "CatBoost", _with(_catboost_reader(categorical), model)
    raise ValueError(f"unknown model {name!r}.")  # pragma: no cover - model_names checked it


# Characters LightGBM (JSON) and XGBoost refuse in feature names, and whitespace, which LightGBM
# silently turns into "_" (its feature_names_in_ would then differ from the frame's columns).
_BAD_NAME = re.compile(r'[\[\]{}<>",:\s]')


def _safe_names(X: Any) -> Any:
    return X.rename(columns=lambda c: _BAD_NAME.sub("_", str(c))) if isinstance(X, pd.DataFrame) else X


def _safe_feature_names(transformer: Any, names: Any) -> np.ndarray:
    return np.asarray([_BAD_NAME.sub("_", str(c)) for c in names], dtype=object)


def _name_guard(X: Any):
    """A step renaming columns LightGBM and XGBoost would refuse or alter (``a[1]``, ``x<5``, ``a b``); None if none."""
    if not isinstance(X, pd.DataFrame) or not any(_BAD_NAME.search(str(c)) for c in X.columns):
        return None
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(_safe_names, feature_names_out=_safe_feature_names)


def _as_catboost_categories(X: Any, columns: tuple = ()) -> Any:
    """Categorical columns as text, a missing value as its own category (CatBoost refuses NaN there)."""
    if not columns or not isinstance(X, pd.DataFrame):
        return X
    X = X.copy()
    for c in columns:
        X[c] = X[c].astype(object).where(X[c].notna(), "<missing>").astype(str)
    return X


def _catboost_reader(columns: tuple):
    if not columns:
        return None
    from sklearn.preprocessing import FunctionTransformer

    return FunctionTransformer(_as_catboost_categories, kw_args={"columns": columns},
                               feature_names_out="one-to-one")


class LabelEncoded(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """A classifier trained on the labels 0..k-1 that answers in the original labels.

    For classifiers that accept no other labels (XGBoost's).

    Parameters
    ----------
    estimator : classifier

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> LabelEncoded(LogisticRegression()).fit([[0.0], [1.0]], ["no", "yes"]).predict([[1.0]]).tolist()
    ['yes']
    """

    def __init__(self, estimator: Any):
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> LabelEncoded:
        from sklearn.base import clone
        from sklearn.preprocessing import LabelEncoder

        self.label_encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.label_encoder_.classes_
        self.estimator_ = clone(self.estimator).fit(X, self.label_encoder_.transform(y), **fit_params)
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.asarray(self.estimator_.predict(X)).astype(int).ravel()]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)


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
    inner = final.estimator if isinstance(final, LabelEncoded) else final
    if _is_skdeep_network(final):
        parts.append(network_preprocessing(final))
    elif getattr(final, "categorical_features", None) == "from_dtype" or type(inner).__module__.split(".")[0] in (
            BOOSTING_LIBRARIES.values()):
        parts.append("native categoricals")
    return " + ".join(p for p in parts if p) or "none"


def _is_skdeep_network(estimator: Any) -> bool:
    from .._base import BaseKerasEstimator  # here: ``skdeep --help`` must not start Keras

    return isinstance(estimator, BaseKerasEstimator)


def network_preprocessing(estimator: Any) -> str:
    """What a skdeep network does to ``X`` itself, in words, from its parameters.

    Examples
    --------
    >>> from skdeep import KerasClassifier
    >>> network_preprocessing(KerasClassifier())
    'own: robust scaling + smooth clip, imputation, categorical embeddings'
    >>> network_preprocessing(KerasClassifier(numeric_transform=None))
    'own: no scaling, imputation, categorical embeddings'
    """
    scaling = {"robust": "robust scaling + smooth clip", "standard": "standardization",
               None: "no scaling"}[estimator.numeric_transform]
    return f"own: {scaling}, imputation, categorical embeddings"


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
    if name == "FunctionTransformer" and step.func in _STEP_TEXT:
        return _STEP_TEXT[step.func]
    if name == "SimpleImputer":
        return f"SimpleImputer({step.strategy})"
    return name


_STEP_TEXT = {_safe_names: "column names without []{}<>\",: or spaces", _as_catboost_categories: "categories as text"}
