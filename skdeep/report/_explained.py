"""The explanation behind ``skdeep explain`` and ``report``: one model fitted and explained.

:func:`fit_and_explain` fits one model on a training split (the network with a
validation split, so its ``history_`` has validation curves) and explains its
held-out predictions with :mod:`skdeep.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._data import Dataset
from ._progress import NoProgress, Progress
from ._settings import Settings
from ._workflow import build_models


@dataclass
class RowExplanation:
    """One explained row: prediction, base value and its largest contributions."""

    index: Any  # the row's label in the dataset
    position: int  # its position in the explanation
    predicted: str
    true: str
    output: float  # explained output: the predicted class's probability, or the prediction
    base_value: float
    class_label: str | None  # output name of the explained class (classification)
    contributions: pd.DataFrame  # feature, value, shap; top features plus one "other" row


@dataclass
class Explained:
    """A fitted model, its held-out score and the SHAP explanation of held-out rows."""

    model: Any
    model_name: str
    explainer: Any
    explanation: Any  # shap.Explanation of the first held-out rows
    X_explained: pd.DataFrame
    importance: pd.Series  # mean |SHAP| per feature, largest first
    rows: list[RowExplanation]
    score_name: str
    score: float
    n_train: int
    n_test: int
    output: str  # what the SHAP values are in: "probability" or the target's units
    fit_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def train_test(dataset: Dataset, settings: Settings):
    """A held-out split, stratified for classification when every class allows it.

    With groups (``--groups``), whole groups go to one side (``GroupShuffleSplit``:
    ``test_size`` is then a share of the groups).
    """
    from .._splits import stratified_split

    if dataset.groups is not None:
        from sklearn.model_selection import GroupShuffleSplit

        split = GroupShuffleSplit(n_splits=1, test_size=settings.test_size, random_state=settings.random_state)
        train, test = next(split.split(dataset.X, dataset.y, dataset.groups))
        return dataset.X.iloc[train], dataset.X.iloc[test], dataset.y[train], dataset.y[test]
    return stratified_split(dataset.X, dataset.y, test_size=settings.test_size,
                            random_state=settings.random_state,
                            stratify=dataset.y if dataset.task == "classification" else None)


def fit_and_explain(dataset: Dataset, settings: Settings, *, model: str = "network",
                    progress: Progress | None = None) -> Explained:
    """Fit one model on a training split and explain held-out rows with SHAP.

    The network is fitted with ``validation_split`` (so ``history_`` has
    ``val_*`` curves) and records accuracy (classification) or MAE
    (regression) per epoch. The first ``max(global_rows, rows)`` held-out
    rows are explained against ``background`` training rows; ``rows`` of
    them are also detailed one by one (for classification, the first row of
    each predicted class, then the first rows in order).
    """
    import time

    from ..explain import Explainer

    progress = progress or NoProgress()
    extra = {}
    if model == "network":
        metric = "accuracy" if dataset.task == "classification" else "mae"
        extra = {"validation_split": settings.validation_split, "metrics": [metric]}
    name, estimator = next(iter(build_models(dataset, settings, names=[model], **extra).items()))
    X_train, X_test, y_train, y_test = train_test(dataset, settings)

    progress.start(f"fitting {name}")
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    score = float(estimator.score(X_test, y_test))
    score_name = "accuracy" if dataset.task == "classification" else "R²"
    progress.done()

    progress.start(f"explaining {name} with SHAP")
    n_explain = min(len(X_test), max(settings.global_rows, settings.rows))
    X_explained = X_test.iloc[:n_explain]
    explainer = Explainer(estimator, X_train, max_background=settings.background,
                          random_state=settings.random_state)
    explanation = explainer.explain(X_explained)
    values = np.abs(np.asarray(explanation.values, dtype=float))
    mean_abs = values.mean(axis=(0, 2)) if values.ndim == 3 else values.mean(axis=0)
    importance = pd.Series(mean_abs, index=list(explainer.feature_names_), name="mean_abs_shap")
    importance = importance.sort_values(ascending=False, kind="mergesort")
    rows = _row_explanations(dataset, settings, estimator, explanation, X_explained,
                             np.asarray(y_test)[:n_explain])
    progress.done()
    output = (f"{explainer.output_} units" if dataset.task == "classification"
              else f"units of {dataset.target_name!r}")
    return Explained(
        model=estimator, model_name=name, explainer=explainer, explanation=explanation,
        X_explained=X_explained, importance=importance, rows=rows, score_name=score_name,
        score=score, n_train=len(X_train), n_test=len(X_test), output=output,
        fit_seconds=fit_seconds,
    )


def _pick_rows(predicted: np.ndarray, n: int) -> list[int]:
    """Positions of ``n`` rows: the first row of each predicted class first, then in order."""
    chosen: list[int] = []
    for label in pd.unique(predicted):
        if len(chosen) < n:
            chosen.append(int(np.flatnonzero(predicted == label)[0]))
    for i in range(len(predicted)):
        if len(chosen) >= n:
            break
        if i not in chosen:
            chosen.append(i)
    return sorted(chosen)


def _row_explanations(dataset: Dataset, settings: Settings, estimator: Any, explanation: Any,
                      X: pd.DataFrame, y_true: np.ndarray) -> list[RowExplanation]:
    """Detail ``settings.rows`` explained rows; for classification every predicted class shows if it can."""
    values = np.asarray(explanation.values, dtype=float)
    base = np.asarray(explanation.base_values, dtype=float)
    data = np.asarray(explanation.data)
    names = list(explanation.feature_names)
    n = min(settings.rows, len(X))
    if dataset.task == "classification":
        proba = estimator.predict_proba(X)
        classes = list(estimator.classes_)
        top = np.argmax(proba, axis=1)
        positions = _pick_rows(top, n)
    else:
        predictions = np.asarray(estimator.predict(X), dtype=float).reshape(len(X), -1)[:, 0]
        positions = list(range(n))
    rows = []
    for i in positions:
        if dataset.task == "classification":
            pos = int(top[i])
            shap_i, base_i, output = values[i, :, pos], float(base[i, pos]), float(proba[i, pos])
            predicted = f"{dataset.label(classes[pos])} (p={output:.3f})"
            class_label = explanation.output_names[pos] if explanation.output_names is not None else str(pos)
        else:
            shap_i, base_i, output = values[i], float(base[i]), float(predictions[i])
            predicted, class_label = f"{output:.4g}", None
        rows.append(RowExplanation(
            index=X.index[i], position=i, predicted=predicted, true=dataset.label(y_true[i]),
            output=output, base_value=base_i, class_label=class_label,
            contributions=contributions(names, data[i], shap_i, settings.top_k),
        ))
    return rows


def contributions(names: list[str], data: np.ndarray, shap_values: np.ndarray, top_k: int) -> pd.DataFrame:
    """The ``top_k`` largest |SHAP| features of one row, plus a row summing the others."""
    order = np.argsort(-np.abs(shap_values), kind="stable")
    top, rest = order[:top_k], order[top_k:]
    frame = pd.DataFrame({
        "feature": [names[j] for j in top],
        "value": [_format_value(data[j]) for j in top],
        "shap": [float(shap_values[j]) for j in top],
    })
    if len(rest):
        other = pd.DataFrame({"feature": [f"{len(rest)} other features"], "value": [""],
                              "shap": [float(np.sum(shap_values[rest]))]})
        frame = pd.concat([frame, other], ignore_index=True)
    return frame


def _format_value(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if np.isnan(number):
        return "missing"
    return f"{number:.4g}"
