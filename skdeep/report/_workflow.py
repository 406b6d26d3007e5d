"""The comparison behind ``skdeep compare`` and ``report``: the models and the run.

:func:`build_models` names and builds the models of
:func:`skdeep.compare.default_models` for a dataset (with its one-hot
preprocessor, if any); :func:`run_compare` cross-validates them with the steps
of :func:`skdeep.compare.compare`, one model at a time on folds drawn once, so
that a progress bar can advance per model; the table is ``compare``'s.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..compare._baselines import model_names
from ._data import Dataset
from ._progress import NoProgress, Progress
from ._settings import Settings


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

    progress = progress or NoProgress()
    plan = plan_comparison(dataset.X, dataset.y, build_models(dataset, settings), cv=settings.cv,
                           scoring=settings.scoring, random_state=settings.random_state, task=dataset.task,
                           groups=dataset.groups, n_repeats=settings.n_repeats)
    results = {}
    for name, est in plan.models.items():
        progress.start(f"cross-validating {name}")
        results[name] = cross_validate_model(plan, est, n_jobs=settings.n_jobs)
        progress.done()
    return ranked_table(plan, results)
