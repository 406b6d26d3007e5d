"""The work behind ``skdeep compare``, ``explain`` and ``report``.

:func:`run_compare` cross-validates the default models of
:func:`skdeep.compare.default_models` with the steps of
:func:`skdeep.compare.compare`, one model at a time on folds drawn once, so
that a progress bar can advance per model; the table is ``compare``'s.
:func:`fit_and_explain` fits one model on a training split (the network with a
validation split, so its ``history_`` has validation curves) and explains its
held-out predictions with :mod:`skdeep.explain`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..compare import _baselines
from ..compare._baselines import MODEL_NAMES, model_names
from ._data import Dataset

# CLI names of the default models, in the order of ``default_models`` (and "boosting", the
# name histgb had before the boosting libraries came).
MODEL_ALIASES = (*MODEL_NAMES, "boosting")


@dataclass
class Settings:
    """Options shared by the commands (the CLI flags of the same names)."""

    cv: int = 5
    epochs: int | None = None  # None: the estimator's default (a budget sized in steps)
    hidden_layer_sizes: tuple[int, ...] | None = None
    batch_size: int | None = None
    random_state: int = 0
    n_jobs: int | None = None
    models: tuple[str, ...] | None = None  # None: every model whose library is installed
    scoring: list[str] | None = None
    n_repeats: int = 1
    test_size: float = 0.2
    validation_split: float = 0.2
    rows: int = 3
    top_k: int = 10
    background: int = 100
    global_rows: int = 100

    def model_list(self) -> list[str]:
        """The models to compare, by name: those asked for (all by default) whose library is installed."""
        installed = _baselines.installed_libraries()
        return [n for n in model_names(self.models) if installed.get(n, "builtin") is not None]

    def missing_libraries(self) -> list[str]:
        """Boosting libraries asked for by name (``--models``) that are not installed."""
        if self.models is None:
            return []
        installed = _baselines.installed_libraries()
        return [n for n in model_names(self.models) if n in installed and installed[n] is None]

    def network_text(self) -> str:
        parts = []
        if self.hidden_layer_sizes is not None:
            parts.append(f"hidden layers ({', '.join(str(n) for n in self.hidden_layer_sizes) or 'none'})")
        if self.epochs is not None:
            parts.append(f"{self.epochs} epochs")
        if self.batch_size is not None:
            parts.append(f"batch size {self.batch_size}")
        return ", ".join(parts) + (" (otherwise " if parts else "") + "skdeep's default recipe" + (")" if parts else "")


class Progress:
    """A tqdm bar on stderr counting steps, with the current step as its postfix.

    Disabled (a no-op) when ``enabled`` is false or tqdm is not installed.
    """

    def __init__(self, total: int, desc: str, enabled: bool = True):
        self._bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover - tqdm comes with shap
                return
            self._bar = tqdm(
                total=total, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}",
            )

    def start(self, label: str) -> None:
        """Show what is being done now."""
        if self._bar is not None:
            self._bar.set_postfix_str(label)

    def done(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str("done")
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _NoProgress(Progress):
    def __init__(self) -> None:
        self._bar = None


def _keras_params(settings: Settings, **extra: Any) -> dict[str, Any]:
    given = {"epochs": settings.epochs, "batch_size": settings.batch_size,
             "hidden_layer_sizes": None if settings.hidden_layer_sizes is None else tuple(settings.hidden_layer_sizes)}
    return {**{k: v for k, v in given.items() if v is not None}, **extra}


def build_models(dataset: Dataset, settings: Settings, names: tuple[str, ...] | list[str] | None = None,
                 **keras_extra: Any) -> dict[str, Any]:
    """The default models for the dataset's task, named as ``compare`` names them.

    ``names`` picks among :data:`MODEL_ALIASES` (default: ``settings.model_list()``). Each model gets the preprocessing
    it needs for the dataset's columns; a dataset-wide preprocessor (``--categorical
    onehot``), if any, becomes the first step of every model instead.
    """
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from ..compare import default_models

    names = settings.model_list() if names is None else model_names(names)
    all_models = default_models(
        dataset.task, random_state=settings.random_state, keras_params=_keras_params(settings, **keras_extra),
        X=dataset.X if dataset.preprocessor is None else None, models=names,
    )
    models = {}
    for name, est in all_models.items():
        if dataset.preprocessor is not None:
            steps = est.steps if isinstance(est, Pipeline) else [(type(est).__name__.lower(), est)]
            est = Pipeline([("preprocess", clone(dataset.preprocessor)), *steps])
        models[name] = est
    return models


def run_compare(dataset: Dataset, settings: Settings, progress: Progress | None = None) -> pd.DataFrame:
    """Cross-validate ``settings.models`` on the same folds; the table of :func:`skdeep.compare.compare`.

    The steps of ``compare`` (:mod:`skdeep.compare._crossval`), with the progress bar
    advancing after each model: the same folds, scorers, aggregation and
    ranking (by the mean primary score, best first, ties in model order,
    failed models (NaN) last). A fold whose fit fails scores NaN, with
    scikit-learn's ``FitFailedWarning`` as in ``compare``; the command line
    silences warnings unless ``--debug``.
    """
    from ..compare._crossval import cross_validate_model, plan_comparison, ranked_table

    progress = progress or _NoProgress()
    plan = plan_comparison(dataset.X, dataset.y, build_models(dataset, settings), cv=settings.cv,
                           scoring=settings.scoring, random_state=settings.random_state, task=dataset.task,
                           n_repeats=settings.n_repeats)
    results = {}
    for name, est in plan.models.items():
        progress.start(f"cross-validating {name}")
        results[name] = cross_validate_model(plan, est, n_jobs=settings.n_jobs)
        progress.done()
    return ranked_table(plan, results)


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
    """A held-out split, stratified for classification when every class allows it."""
    from .._splits import stratified_split

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

    progress = progress or _NoProgress()
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
