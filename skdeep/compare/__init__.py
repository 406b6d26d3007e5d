"""Honest baselines: cross-validate a network against classic models.

:func:`compare` runs :func:`sklearn.model_selection.cross_validate` for each
model on the *same* folds with the *same* scorers and returns one row per
model, best first, each tested against the network with a paired test that
accounts for the folds' shared training rows.  :func:`plot_comparison` draws the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ._baselines import (
    MODEL_NAMES,
    LabelEncoded,
    baseline_preprocessor,
    categorical_frame,
    default_models,
    describe_preprocessing,
    installed_libraries,
    network_preprocessing,
)
from ._crossval import cross_validate_model, plan_comparison, ranked_table
from ._significance import PairedTest, corrected_resampled_ttest
from ..plot._comparison import plot_comparison

__all__ = [
    "MODEL_NAMES", "LabelEncoded", "PairedTest", "baseline_preprocessor", "categorical_frame", "compare",
    "corrected_resampled_ttest", "default_models", "describe_preprocessing", "installed_libraries", "network_preprocessing",
    "plot_comparison",
]


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
    n_repeats: int = 1,
    reference: str | None = None,
    alpha: float = 0.05,
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
        a single estimator, or a list of names of :func:`default_models`
        (``["network", "catboost"]``).  Defaults to :func:`default_models` for
        the detected task: a skdeep network, a linear model, a random forest,
        histogram gradient boosting, and LightGBM, XGBoost and CatBoost where
        installed (``pip install "skdeep[boosting]"``).
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
        ``"auto"`` uses :func:`sklearn.utils.multiclass.type_of_target`, except
        that whole numbers with more than 20 distinct values (a wage, a count)
        are regressed, with a warning, as the command line does.
    groups : array-like of shape (n_samples,), optional
        Group labels (a customer, a patient, a job ad): with an integer
        ``cv`` every group's rows stay in one fold, the groups shuffled
        (``StratifiedGroupKFold`` for classification, ``GroupKFold`` for
        regression; each of ``n_repeats`` with its own shuffle), so the scores
        are those of groups the models have not seen.  Also passed to any
        group-aware splitter given as ``cv``.
    sort_by : str, optional
        Score to sort by; defaults to the first one.
    n_repeats : int, default=1
        Repeat the integer ``cv`` this many times with different shuffles
        (``RepeatedStratifiedKFold`` / ``RepeatedKFold``): ``cv * n_repeats``
        paired scores give the significance test power (10 x 10 is common).
    reference : str, optional
        The model every other is tested against; by default the skdeep
        network (the first model that is one), else the first model.
    alpha : float, default=0.05
        Significance level of the verdicts.

    Returns
    -------
    pandas.DataFrame
        Indexed by model name, sorted best first, with columns ``rank``,
        ``<score>_mean`` and ``<score>_std`` for each score, and
        ``fit_time_mean``/``_std`` and ``score_time_mean``/``_std`` (seconds
        per fold).  ``df.attrs`` holds ``task``, ``metrics``,
        ``primary_metric``, ``n_splits``, per-fold ``fold_scores`` and ``fold_times``, and
        ``preprocessing`` (what each model got before its final step).
        Each model is tested against the reference on the primary score with
        Nadeau and Bengio's corrected resampled t-test
        (:func:`corrected_resampled_ttest`, which accounts for the training
        sets the folds share): ``difference`` (model minus reference, mean
        over the folds), ``p_value`` (two-sided) and ``verdict``
        (``"better"``, ``"worse"`` or ``"no significant difference"`` at
        ``alpha``; ``"reference"`` for the reference itself). ``df.attrs``
        also holds ``reference``, ``alpha``, ``n_repeats``, ``grouped``
        (whether ``groups`` were given) and ``libraries``
        (the boosting libraries found, with their versions).

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
    >>> df.attrs["reference"]  # no network among them: the first model
    'dummy'
    >>> df.loc["logreg", "verdict"]
    'better'
    """
    plan = plan_comparison(X, y, models, cv=cv, scoring=scoring, random_state=random_state,
                           task=task, groups=groups, n_repeats=n_repeats, reference=reference, alpha=alpha)
    results = {name: cross_validate_model(plan, est, n_jobs=n_jobs) for name, est in plan.models.items()}
    return ranked_table(plan, results, sort_by=sort_by)
