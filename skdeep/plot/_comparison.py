"""Bar chart of :func:`skdeep.compare.compare` results with error bars."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _columns as C
from ._utils import new_figure, plain_text


def plot_comparison(
    results: Any,
    metric: str | None = None,
    *,
    ax: Any = None,
    figsize: tuple[float, float] | None = None,
) -> Any:
    """Plot cross-validated scores of several models with ±1 std error bars.

    Bars start at zero and are sorted so the best model is on top and
    highlighted.  Negated error scores (``neg_*``) are shown as positive errors
    where lower is better; ``"fit_time"`` and ``"score_time"`` plot the timing
    columns.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`skdeep.compare.compare`.
    metric : str, optional
        Score to plot, with or without the ``_mean`` suffix (e.g.
        ``"accuracy"``), or ``"fit_time"``/``"score_time"``.  Defaults to the
        primary metric the results are sorted by.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created by default.
    figsize : (float, float), optional
        Size of the new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skdeep.compare import plot_comparison
    >>> df = pd.DataFrame({"accuracy_mean": [0.9, 0.8], "accuracy_std": [0.02, 0.05]},
    ...                   index=["forest", "network"])
    >>> fig = plot_comparison(df)
    >>> fig.axes[0].get_xlabel()
    'accuracy (higher is better)'
    """
    metric = _choose_metric(results, metric)
    mean, std, names, label = _bars(results, metric)
    if ax is None:
        fig, axes = new_figure(1, 1, figsize or (7.0, 1.0 + 0.55 * len(names)))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    span = _draw_bars(ax, mean, std, names)
    ax.set_xlabel(label)
    n_splits = results.attrs.get("n_splits") if hasattr(results, "attrs") else None
    ax.set_title(f"{n_splits}-fold cross-validation (mean ± std)" if n_splits
                 else "Model comparison (mean ± std)")
    ax.axvline(0.0, color="black", linewidth=0.8)
    left, right = ax.get_xlim()
    pad = 0.25 * span  # room for the value labels
    finite = np.isfinite(mean)
    neg = bool((mean[finite] < 0).any())
    ax.set_xlim(min(left, 0.0) - (pad if neg else 0.0), max(right, 0.0) + pad)
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def _choose_metric(results: Any, metric: str | None) -> str:
    """The score to plot: ``metric`` (with or without ``_mean``), else the primary one."""
    available = C.score_metrics(results) + [t for t in C.TIME_COLUMNS if C.mean(t) in results]
    if metric is None:
        metric = results.attrs.get("primary_metric") if hasattr(results, "attrs") else None
        if metric is None:
            if not available:
                raise ValueError("results has no '<score>_mean' columns to plot.")
            metric = available[0]
    metric = C.metric_of(metric)
    if C.mean(metric) not in results:
        raise ValueError(f"Unknown metric {metric!r}; available: {available}.")
    return metric


def _bars(results: Any, metric: str):
    """Means, stds and names in drawing order (best last, drawn on top), and the axis label."""
    mean = np.asarray(results[C.mean(metric)], dtype=float)
    std = np.asarray(results[C.std(metric)], dtype=float) if C.std(metric) in results else np.zeros_like(mean)
    names = [plain_text(i) for i in results.index]
    lower_better = metric in C.TIME_LABELS or C.is_error(metric)
    if C.is_error(metric):
        mean, label = -mean, f"{plain_text(C.error_name(metric))} (lower is better)"
    elif metric in C.TIME_LABELS:
        label = f"{C.TIME_LABELS[metric]} (lower is better)"
    else:
        label = f"{plain_text(metric)} (higher is better)"
    # Best on top: barh draws the first bar at the bottom, so sort worst first.
    key = np.where(np.isnan(mean), np.inf if lower_better else -np.inf, mean)
    order = np.argsort(-key if lower_better else key, kind="stable")
    return mean[order], std[order], [names[i] for i in order], label


def _draw_bars(ax: Any, mean: np.ndarray, std: np.ndarray, names: list[str]) -> float:
    """Horizontal bars with error bars and value labels, the best highlighted; returns the x span."""
    finite = np.isfinite(mean)
    colors = ["#b0bec5"] * len(names)
    if finite.any():
        colors[-1 if finite[-1] else int(np.flatnonzero(finite)[-1])] = "#1e88e5"
    y = np.arange(len(names))
    ax.barh(y, np.where(finite, mean, 0.0), xerr=np.where(finite, std, 0.0),
            color=colors, edgecolor="black", linewidth=0.6, capsize=4,
            error_kw={"elinewidth": 1.2})
    span = np.nanmax(np.abs(mean[finite]) + std[finite]) if finite.any() else 1.0
    for yi, m, s in zip(y, mean, std):
        text = f"{m:.3g} ± {s:.2g}" if np.isfinite(m) else "failed"
        x = (m + s if m >= 0 else m - s) if np.isfinite(m) else 0.0
        ax.text(x + (0.02 if x >= 0 else -0.02) * span, yi, text, va="center",
                ha="left" if x >= 0 else "right", fontsize=9)
    ax.set_yticks(y, names)
    return span
