"""The steps of :func:`skdeep.compare.compare`, shared with the report and the CLI.

:func:`plan_comparison` settles everything before any model is fitted (the
task, the named models, the scorers and the folds, drawn once);
:func:`cross_validate_model` scores one model on those folds; and
:func:`ranked_table` aggregates the scores and ranks the models. ``compare``
is these three in a row; ``skdeep report`` runs the middle step one model at a
time so that a progress bar can advance per model, and gets the same table.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, check_cv, cross_validate
from sklearn.utils.multiclass import type_of_target

from . import _columns as C
from ._baselines import categorical_frame, default_models, describe_preprocessing

_CLASSIFICATION_TARGETS = ("binary", "multiclass")
_REGRESSION_TARGETS = ("continuous", "continuous-multioutput")


def detect_task(y: Any, task: str) -> tuple[str, str]:
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
                stacklevel=4,
            )
        return "classification", target_type
    if target_type in _REGRESSION_TARGETS:
        return "regression", target_type
    raise ValueError(
        f"Cannot infer the task for a {target_type!r} target; pass "
        "task='classification' or task='regression'."
    )



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


def _folds(X: Any, y: Any, groups: Any, cv: Any, task: str, target_type: str,
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


@dataclass(frozen=True)
class Plan:
    """What every model of a comparison shares: data, scorers and folds."""

    X: Any
    y: Any
    models: dict[str, Any]
    scoring: Any
    splits: list[tuple[np.ndarray, np.ndarray]]
    task: str
    groups: Any = None


def plan_comparison(X: Any, y: Any, models: Any = None, *, cv: Any = 5, scoring: Any = None,
                    random_state: Any = 0, task: str = "auto", groups: Any = None) -> Plan:
    """Detect the task, name the models, choose the scorers and draw the folds once."""
    task, target_type = detect_task(y, task)
    X = categorical_frame(X)
    named = _normalize_models(models, task, random_state, X)
    if scoring is None:
        scoring = _default_scoring(task, target_type)
    elif isinstance(scoring, str):
        scoring = [scoring]
    splits = _folds(X, y, groups, cv, task, target_type, random_state)
    return Plan(X, y, named, scoring, splits, task, groups)


def cross_validate_model(plan: Plan, estimator: Any, *, n_jobs: int | None = None) -> dict[str, Any]:
    """``cross_validate`` of a clone of ``estimator`` on the plan's folds; a failed fold scores NaN."""
    return cross_validate(
        clone(estimator), plan.X, plan.y, groups=plan.groups, cv=plan.splits, scoring=plan.scoring,
        n_jobs=n_jobs, error_score=np.nan,
    )


def ranked_table(plan: Plan, results: Mapping[str, Mapping[str, Any]],
                 sort_by: str | None = None) -> pd.DataFrame:
    """One row per model, best first by the mean primary score; the table of ``compare``.

    ``results`` maps each model's name to its ``cross_validate`` result. Ties
    keep the models' order; a model that failed (NaN) ranks last.
    """
    rows, fold_scores, fold_times, metrics = _aggregate(results)
    metrics = _metric_order(metrics, plan.scoring)
    primary = C.metric_of(sort_by if sort_by is not None else metrics[0])
    if primary not in metrics:
        raise ValueError(f"sort_by={sort_by!r} is not one of the scores {metrics}.")

    df = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=C.table_columns(metrics))
    df.index.name = "model"
    df = df.sort_values(C.mean(primary), ascending=False, kind="mergesort", na_position="last")
    rank = df[C.mean(primary)].rank(ascending=False, method="min")
    df.insert(0, C.RANK, rank.astype("Int64"))
    df.attrs = {
        "task": plan.task,
        "metrics": metrics,
        "primary_metric": primary,
        "n_splits": len(plan.splits),
        "fold_scores": fold_scores,
        "fold_times": fold_times,
        "preprocessing": {name: describe_preprocessing(plan.models[name]) for name in results},
    }
    return df


def _aggregate(results: Mapping[str, Mapping[str, Any]]):
    """Mean and std per score and time column, per-fold values, and the scores in order seen."""
    rows: dict[str, dict[str, float]] = {}
    fold_scores: dict[str, dict[str, list[float]]] = {}
    fold_times: dict[str, dict[str, list[float]]] = {}
    metrics: list[str] = []
    for name, res in results.items():
        scores = {key[len("test_"):]: res[key] for key in res if key.startswith("test_")}
        metrics += [m for m in scores if m not in metrics]
        fold_scores[name] = {m: np.asarray(v, dtype=float).tolist() for m, v in scores.items()}
        fold_times[name] = {t: np.asarray(res[t], dtype=float).tolist() for t in C.TIME_COLUMNS}
        rows[name] = {}
        for metric, values in [*fold_scores[name].items(), *fold_times[name].items()]:
            rows[name][C.mean(metric)] = float(np.mean(values))
            rows[name][C.std(metric)] = float(np.std(values))
    return rows, fold_scores, fold_times, metrics


def _metric_order(metrics: list[str], scoring: Any) -> list[str]:
    """The user's order of the scorers first (the first is the primary), then any others."""
    if isinstance(scoring, (Mapping, list, tuple)):
        return [m for m in scoring if m in metrics] + [m for m in metrics if m not in scoring]
    return metrics
