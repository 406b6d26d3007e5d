"""A comparison table in words: how it was cross-validated, which libraries were found, the verdicts.

Shared by ``skdeep compare`` (plain text) and the HTML report, so both say the
same thing about the same table of :func:`skdeep.compare.compare`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _columns as C
from ..compare._significance import REFERENCE, UNTESTED

_INSTALL = 'pip install "skdeep[boosting]"'


def cv_text(results: Any) -> str:
    """``"5-fold cross-validation"``, or ``"5-fold cross-validation repeated 3 times (15 fits per model)"``;
    ``"... by group"`` when each group's rows stayed in one fold."""
    n_splits = int(results.attrs.get("n_splits", 0))
    repeats = int(results.attrs.get("n_repeats", 1) or 1)
    kind = "cross-validation by group (each group's rows in one fold)" if results.attrs.get("grouped") \
        else "cross-validation"
    if repeats == 1:
        return f"{n_splits}-fold {kind}"
    return f"{n_splits // repeats}-fold {kind} repeated {repeats} times ({n_splits} fits per model)"


def libraries_text(libraries: dict[str, str | None]) -> str:
    """Which boosting libraries were found (with versions) and which were not.

    Examples
    --------
    >>> libraries_text({"lightgbm": "4.7.0", "xgboost": None})
    'Boosting libraries: lightgbm 4.7.0; not installed: xgboost (pip install "skdeep[boosting]").'
    """
    found = [f"{name} {version}" for name, version in libraries.items() if version]
    missing = [name for name, version in libraries.items() if not version]
    parts = [", ".join(found) if found else "none found"]
    if missing:
        parts.append(f"not installed: {', '.join(missing)} ({_INSTALL})")
    return "Boosting libraries: " + "; ".join(parts) + "."


def _score_text(metric: str, difference: float) -> str:
    # An error is negated in the table (higher is better); say it as the error it is.
    if C.is_error(metric):
        return f"{C.error_name(metric)} {-difference:+.4f}"
    return f"{metric} {difference:+.4f}"


def verdict_lines(results: Any) -> list[str]:
    """One sentence per model: better, worse or no significant difference against the reference.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"difference": [0.0, -0.02], "p_value": [float("nan"), 0.004],
    ...                       "verdict": ["reference", "worse"]}, index=["KerasClassifier", "Ridge"])
    >>> table.attrs = {"reference": "KerasClassifier", "primary_metric": "roc_auc", "alpha": 0.05, "n_splits": 5}
    >>> print("\\n".join(verdict_lines(table)))
    Each model against KerasClassifier on roc_auc, same 5 folds (corrected resampled t-test, two-sided, alpha 0.05):
      Ridge: worse (roc_auc -0.0200, p = 0.004)
    """
    if C.VERDICT not in results.columns or results.attrs.get("reference") is None:
        return []
    reference = results.attrs["reference"]
    metric = results.attrs.get("primary_metric", "")
    lines = [f"Each model against {reference} on {metric}, same {results.attrs.get('n_splits')} folds "
             f"(corrected resampled t-test, two-sided, alpha {results.attrs.get('alpha', 0.05):g}):"]
    for name, row in results.iterrows():
        verdict = row[C.VERDICT]
        if verdict == REFERENCE:
            continue
        if verdict == UNTESTED or not np.isfinite(row[C.P_VALUE]):
            lines.append(f"  {name}: not tested (fewer than two folds scored)")
            continue
        p = row[C.P_VALUE]
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        lines.append(f"  {name}: {verdict} ({_score_text(metric, row[C.DIFFERENCE])}, {p_text})")
    return lines
