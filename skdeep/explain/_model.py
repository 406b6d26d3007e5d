"""What is being explained: the final estimator, its preprocessing and its output.

:func:`inspect_model` splits a fitted estimator or ``Pipeline`` into the
preprocessing and the final estimator, names the final estimator's family (which
decides the SHAP algorithm) and says whether the preprocessing is *column-wise*:
transformed column ``j`` is a function of original column ``j`` alone. For such
preprocessing, interventional SHAP values of the final estimator on the
transformed data are the SHAP values of the whole pipeline on the original data
(masking column ``j`` commutes with transforming it), so attributions map back
one to one. :func:`output_function` is the function of the transformed data
whose output the SHAP values explain, with one column per class or target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn import ensemble, preprocessing, tree
from sklearn.base import is_classifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.utils.validation import check_is_fitted

from ._keras import network_output_function
from ._outputs import OUTPUTS, complete_binary, logit

# Transformers whose output column j depends on input column j only.
_COLUMNWISE = (
    preprocessing.StandardScaler,
    preprocessing.MinMaxScaler,
    preprocessing.MaxAbsScaler,
    preprocessing.RobustScaler,
    preprocessing.PowerTransformer,
    preprocessing.QuantileTransformer,
    preprocessing.Binarizer,
    SimpleImputer,
)
BAGGED_TREES = (
    ensemble.RandomForestClassifier,
    ensemble.RandomForestRegressor,
    ensemble.ExtraTreesClassifier,
    ensemble.ExtraTreesRegressor,
    tree.DecisionTreeClassifier,
    tree.DecisionTreeRegressor,
)
BOOSTED_TREES = (
    ensemble.GradientBoostingClassifier,
    ensemble.GradientBoostingRegressor,
    ensemble.HistGradientBoostingClassifier,
    ensemble.HistGradientBoostingRegressor,
)


@dataclass
class ModelInfo:
    """A fitted model taken apart for explaining.

    ``kind`` is ``"network"`` (a skdeep estimator), ``"tree"``, ``"linear"`` or
    ``"other"``; ``preprocessor`` is ``Pipeline[:-1]`` or None.
    """

    estimator: Any
    final: Any
    preprocessor: Any
    kind: str
    is_classifier: bool
    classes: np.ndarray | None
    columnwise: bool
    own_encoder: Any = None  # a skdeep network's FeatureEncoder: its own first step

    @property
    def n_classes(self) -> int:
        return 0 if self.classes is None else len(self.classes)


def inspect_model(model: Any) -> ModelInfo:
    """Split a fitted estimator or Pipeline into preprocessing and final estimator."""
    if isinstance(model, Pipeline):
        final = model.steps[-1][1]
        preprocessor = model[:-1] if len(model.steps) > 1 else None
    else:
        final, preprocessor = model, None
    if final is None or isinstance(final, str):
        raise TypeError("The pipeline must end in an estimator, not 'passthrough'.")
    check_is_fitted(final)
    classifier = is_classifier(final) or (
        hasattr(final, "classes_") and hasattr(final, "predict_proba")
    )
    classes = np.asarray(final.classes_) if classifier else None
    if classes is not None and classes.ndim != 1:
        raise NotImplementedError("Multilabel and multi-output classifiers are not supported.")
    kind = _family(final)
    own = getattr(final, "feature_encoder_", None) if kind == "network" else None
    return ModelInfo(
        estimator=model,
        final=final,
        preprocessor=preprocessor,
        kind=kind,
        is_classifier=classifier,
        classes=classes,
        columnwise=(preprocessor is None or _is_columnwise(preprocessor)) and (own is None or own.columnwise),
        own_encoder=own,
    )


def _family(final: Any) -> str:
    if _is_network(final):
        return "network"
    if isinstance(final, BAGGED_TREES + BOOSTED_TREES):
        return "tree"
    is_linear_module = type(final).__module__.startswith("sklearn.linear_model")
    if (is_linear_module and hasattr(final, "coef_")) or isinstance(final, (LinearSVC, LinearSVR)):
        return "linear"
    return "other"


def _is_network(final: Any) -> bool:
    if not hasattr(final, "model_"):
        return False
    import keras

    return isinstance(final.model_, keras.Model)


def _is_columnwise(transformer: Any) -> bool:
    if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
        return True
    if isinstance(transformer, Pipeline):
        return all(_is_columnwise(step) for _, step in transformer.steps)
    if isinstance(transformer, SimpleImputer):
        return not transformer.add_indicator
    if isinstance(transformer, preprocessing.KBinsDiscretizer):
        return transformer.encode == "ordinal"
    if isinstance(transformer, preprocessing.FunctionTransformer):
        return transformer.func is None or isinstance(transformer.func, np.ufunc)
    return isinstance(transformer, _COLUMNWISE)


def resolve_output(info: ModelInfo, output: str | None) -> str:
    """The default output is ``"probability"`` for classifiers, ``"raw"`` otherwise."""
    if output is not None and output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS} or None; got {output!r}.")
    if not info.is_classifier:
        if output not in (None, "raw"):
            raise ValueError(
                f"output={output!r} needs a classifier; a regressor is explained in "
                "target units (output='raw')."
            )
        return "raw"
    if output is None:
        output = "probability" if hasattr(info.final, "predict_proba") else "raw"
    if output in ("probability", "log_odds") and not hasattr(info.final, "predict_proba"):
        raise ValueError(f"{type(info.final).__name__} has no predict_proba; use output='raw'.")
    if output == "raw" and info.kind != "network" and not hasattr(info.final, "decision_function"):
        raise ValueError(
            f"{type(info.final).__name__} has no margin (decision_function) to explain "
            "with output='raw'; use 'probability' or 'log_odds'."
        )
    return output


def as_frame_for(estimator: Any, Z: np.ndarray) -> Any:
    """Give ``Z`` the column names the estimator was fitted with, if any."""
    names = getattr(estimator, "feature_names_in_", None)
    return pd.DataFrame(Z, columns=names) if names is not None else Z


def output_function(info: ModelInfo, output: str) -> Callable[[np.ndarray], np.ndarray]:
    """Function of transformed rows ``Z`` giving the explained output, shape (n, k)."""
    final = info.final
    if info.kind == "network":
        return network_output_function(final, output, info.is_classifier, info.n_classes)

    def sklearn_output(Z):
        Z = as_frame_for(final, Z)
        if not info.is_classifier:
            out = final.predict(Z)
        elif output == "probability":
            out = final.predict_proba(Z)
        elif output == "log_odds":
            out = logit(final.predict_proba(Z))
        else:
            out = final.decision_function(Z)
            if out.ndim == 1:
                out = complete_binary(out[:, None], output)
        out = np.asarray(out, dtype=np.float64)
        return out.reshape(len(out), -1)

    return sklearn_output


def transform(info: ModelInfo, X: Any) -> np.ndarray:
    """Rows as the final estimator sees them: preprocessed, dense, float."""
    if info.preprocessor is not None:
        Z = info.preprocessor.transform(X)
    else:
        names = getattr(info.final, "feature_names_in_", None)
        if names is not None and isinstance(X, pd.DataFrame) and list(X.columns) != list(names):
            raise ValueError(
                f"The columns {list(X.columns)} differ from the ones the model was fitted "
                f"on, {list(names)}."
            )
        Z = X
    if info.own_encoder is not None:  # the network's own encoding of categories and gaps
        Z = info.own_encoder.transform(as_frame_for(info.final, Z) if info.preprocessor is None else Z)
    if hasattr(Z, "toarray"):
        Z = Z.toarray()
    Z = (Z.to_numpy() if hasattr(Z, "to_numpy") else np.asarray(Z)).astype(np.float64)
    n_expected = getattr(info.final, "n_features_in_", Z.shape[1])
    if Z.shape[1] != n_expected:
        raise ValueError(f"Expected {n_expected} features, got {Z.shape[1]}.")
    return Z


def feature_names(info: ModelInfo, X: Any, space: str, n_features: int) -> list[str]:
    """Original names (fitted or DataFrame columns) or the preprocessing's output names."""
    names = None
    if space == "transformed" and info.preprocessor is not None:
        try:
            names = info.preprocessor.get_feature_names_out()
        except (AttributeError, ValueError, TypeError):
            names = None
    else:
        names = getattr(info.estimator, "feature_names_in_", None)
        if names is None and isinstance(X, pd.DataFrame):
            names = X.columns
    if names is None or len(names) != n_features:
        return [f"x{i}" for i in range(n_features)]
    return [str(name) for name in names]


def output_names(info: ModelInfo, n_outputs: int) -> list[str] | None:
    if info.is_classifier:
        return [str(c) for c in info.classes]
    return None if n_outputs == 1 else [f"y{i}" for i in range(n_outputs)]


def linear_supports(info: ModelInfo, output: str) -> bool:
    """LinearExplainer explains margins: regression, ``raw``, and binary log-odds."""
    if not info.is_classifier or output == "raw":
        return True
    return output == "log_odds" and info.n_classes == 2 and isinstance(info.final, LogisticRegression)


def tree_supports(info: ModelInfo, output: str) -> bool:
    """TreeExplainer: averaged-probability forests, boosted margins, regression."""
    if not info.is_classifier:
        return True
    boosted = isinstance(info.final, BOOSTED_TREES)
    if output == "probability":
        return not boosted
    if output == "raw":
        return boosted
    return boosted and info.n_classes == 2  # the binary margin is the log-odds
