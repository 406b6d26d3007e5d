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
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target

from .. import _columns as C
from . import _baselines
from ._baselines import categorical_frame, default_models, describe_preprocessing
from ._significance import REFERENCE, UNTESTED, corrected_resampled_ttest

_CLASSIFICATION_TARGETS = ("binary", "multiclass")
_REGRESSION_TARGETS = ("continuous", "continuous-multioutput")
# task="auto" reads a numeric target of whole numbers with more distinct values than this as a
# quantity to regress (wages, counts, prices), as the command line does; fewer are classes.
MAX_AUTO_CLASSES = 20


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
        values = np.asarray(y)
        n_classes = len(np.unique(values))
        if target_type == "multiclass" and n_classes > MAX_AUTO_CLASSES:
            numeric = values.dtype.kind in "iuf"
            warnings.warn(
                f"y has {n_classes} distinct whole numbers and is treated as a regression target; "
                "pass task='classification' if they are classes." if numeric else
                f"y has {n_classes} distinct labels and is treated as a classification target.",
                UserWarning,
                stacklevel=4,
            )
            if numeric:
                return "regression", "continuous"
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
    if models is None or isinstance(models, str) or (
            isinstance(models, Sequence) and models and all(isinstance(m, str) for m in models)):
        named = default_models(task, random_state=random_state, X=X, models=models)
        if not named:
            raise ValueError(f"None of the models {models!r} is installed.")
        return named
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
           random_state: Any, n_repeats: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """Materialise the folds once, so that every model sees exactly the same."""
    stratify = task == "classification" and target_type in _CLASSIFICATION_TARGETS
    if not isinstance(n_repeats, numbers.Integral) or isinstance(n_repeats, bool) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer; got {n_repeats!r}.")
    if cv is None or isinstance(cv, numbers.Integral):
        n_splits = 5 if cv is None else int(cv)
        if groups is not None:
            return _group_folds(X, y, groups, n_splits, stratify, random_state, int(n_repeats))
        if n_repeats > 1:
            cls = RepeatedStratifiedKFold if stratify else RepeatedKFold
            splitter = cls(n_splits=n_splits, n_repeats=int(n_repeats), random_state=random_state)
        else:
            cls = StratifiedKFold if stratify else KFold
            splitter = cls(n_splits=n_splits, shuffle=True, random_state=random_state)
    elif n_repeats > 1:
        raise ValueError("n_repeats repeats an integer cv; with a splitter, pass a repeated one "
                         "(e.g. RepeatedStratifiedKFold) as cv instead.")
    else:
        splitter = check_cv(cv, y, classifier=stratify)
    return list(splitter.split(X, y, groups))


def _group_folds(X: Any, y: Any, groups: Any, n_splits: int, stratify: bool, random_state: Any,
                 n_repeats: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """An integer ``cv`` with ``groups``: every group's rows in one fold, the groups shuffled.

    ``StratifiedGroupKFold`` for classification, ``GroupKFold`` for regression; each
    repetition shuffles the groups with its own seed, drawn from ``random_state``
    (as ``RepeatedKFold`` draws its shuffles).
    """
    cls = StratifiedGroupKFold if stratify else GroupKFold
    seeds = [random_state] if n_repeats == 1 else \
        check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n_repeats)
    return [split for seed in seeds
            for split in cls(n_splits=n_splits, shuffle=True, random_state=seed).split(X, y, groups)]


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
    reference: str | None = None  # the model the others are tested against
    alpha: float = 0.05
    n_repeats: int = 1


def plan_comparison(X: Any, y: Any, models: Any = None, *, cv: Any = 5, scoring: Any = None,
                    random_state: Any = 0, task: str = "auto", groups: Any = None, n_repeats: int = 1,
                    reference: str | None = None, alpha: float = 0.05) -> Plan:
    """Detect the task, name the models, choose the scorers and the reference, and draw the folds once."""
    task, target_type = detect_task(y, task)
    X = categorical_frame(X)
    named = _normalize_models(models, task, random_state, X)
    if scoring is None:
        scoring = _default_scoring(task, target_type)
    elif isinstance(scoring, str):
        scoring = [scoring]
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    splits = _folds(X, y, groups, cv, task, target_type, random_state, n_repeats)
    return Plan(X, y, named, scoring, splits, task, groups, _reference(named, reference), float(alpha),
                int(n_repeats))


def _reference(named: Mapping[str, Any], reference: str | None) -> str | None:
    """The model named ``reference``; by default the first skdeep network, else the first model."""
    if reference is not None:
        if reference not in named:
            raise ValueError(f"reference={reference!r} is not one of the models {list(named)}.")
        return reference
    from .._base import BaseKerasEstimator  # here: ``skdeep --help`` must not start Keras

    for name, est in named.items():
        final = est.steps[-1][1] if hasattr(est, "steps") else est
        if isinstance(final, BaseKerasEstimator):
            return name
    return next(iter(named))


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
    _add_tests(df, plan, fold_scores, primary)
    df.attrs = {
        "task": plan.task,
        "metrics": metrics,
        "primary_metric": primary,
        "n_splits": len(plan.splits),
        "fold_scores": fold_scores,
        "fold_times": fold_times,
        "preprocessing": {name: describe_preprocessing(plan.models[name]) for name in results},
        "n_repeats": plan.n_repeats,
        "grouped": plan.groups is not None,
        "reference": plan.reference,
        "alpha": plan.alpha,
        "test": "corrected resampled t-test (Nadeau and Bengio, 2003), two-sided",
        "libraries": _baselines.installed_libraries(),
    }
    return df


def _add_tests(df: pd.DataFrame, plan: Plan, fold_scores: Mapping[str, Mapping[str, list]], primary: str) -> None:
    """Each model against the reference on the primary score: difference, p-value, verdict."""
    n_train = float(np.mean([len(tr) for tr, _ in plan.splits]))
    n_test = float(np.mean([len(te) for _, te in plan.splits]))
    reference = plan.reference if plan.reference in fold_scores else None
    differences, p_values, verdicts = [], [], []
    for name in df.index:
        if reference is None:
            test = None
        elif name == reference:
            differences.append(0.0), p_values.append(np.nan), verdicts.append(REFERENCE)
            continue
        else:
            test = corrected_resampled_ttest(fold_scores[name][primary], fold_scores[reference][primary],
                                             n_train=n_train, n_test=n_test)
        differences.append(np.nan if test is None else test.difference)
        p_values.append(np.nan if test is None else test.p_value)
        verdicts.append(UNTESTED if test is None else test.verdict(plan.alpha))
    df[C.DIFFERENCE], df[C.P_VALUE], df[C.VERDICT] = differences, p_values, verdicts


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
