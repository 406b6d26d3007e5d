"""The columns of a comparison table, named in one place.

:func:`skdeep.compare.compare` writes, and the plots, the report and the
command line read, one row per model with ``rank``, ``<score>_mean`` and
``<score>_std`` for each score, and the same two statistics for the time
columns ``fit_time`` and ``score_time``. Scores follow scikit-learn's
convention, higher is better, so an error is negated and named ``neg_<error>``.

Examples
--------
>>> from skdeep import _columns
>>> _columns.mean("accuracy"), _columns.metric_of("accuracy_mean")
('accuracy_mean', 'accuracy')
>>> _columns.table_columns(["r2"])
['r2_mean', 'r2_std', 'fit_time_mean', 'fit_time_std', 'score_time_mean', 'score_time_std']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

RANK = "rank"
# Each model against the reference model (the network) on the primary score, from the paired
# test of skdeep.compare._significance: mean difference (model - reference), two-sided p-value, verdict.
DIFFERENCE, P_VALUE, VERDICT = "difference", "p_value", "verdict"
TEST_COLUMNS = (DIFFERENCE, P_VALUE, VERDICT)
STATISTICS = ("mean", "std")
# Seconds per fold, as cross_validate reports them; lower is better.
FIT_TIME, SCORE_TIME = "fit_time", "score_time"
TIME_COLUMNS = (FIT_TIME, SCORE_TIME)
TIME_LABELS = {FIT_TIME: "fit time per fold (s)", SCORE_TIME: "score time per fold (s)"}
_MEAN = "_" + STATISTICS[0]
_ERROR = "neg_"


def mean(metric: str) -> str:
    """The column of a score's (or a time's) mean over the folds."""
    return f"{metric}{_MEAN}"


def std(metric: str) -> str:
    """The column of a score's (or a time's) standard deviation over the folds."""
    return f"{metric}_{STATISTICS[1]}"


def metric_of(name: str) -> str:
    """``"accuracy_mean"`` or ``"accuracy"`` -> ``"accuracy"``."""
    return name[: -len(_MEAN)] if name.endswith(_MEAN) else name


def table_columns(metrics: Iterable[str]) -> list[str]:
    """Mean and std of each score, then of each time column: the order of the table."""
    return [f"{m}_{s}" for m in [*metrics, *TIME_COLUMNS] for s in STATISTICS]


def score_metrics(table: Any) -> list[str]:
    """The scores a table has a mean column for, in column order, times left out."""
    return [metric_of(c) for c in table.columns
            if str(c).endswith(_MEAN) and metric_of(c) not in TIME_COLUMNS]


def is_error(metric: str) -> bool:
    """Whether a score is a negated error (``neg_*``), shown as the positive error."""
    return metric.startswith(_ERROR)


def error_name(metric: str) -> str:
    """``"neg_mean_absolute_error"`` -> ``"mean_absolute_error"``; other names unchanged."""
    return metric[len(_ERROR):] if is_error(metric) else metric
