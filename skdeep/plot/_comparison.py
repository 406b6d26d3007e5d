"""Bar chart of :func:`skdeep.compare.compare` results with error bars."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._utils import new_figure

_TIMES = {"fit_time": "fit time per fold (s)", "score_time": "score time per fold (s)"}


def _score_metrics(results: Any) -> list[str]:
    return [c[: -len("_mean")] for c in results.columns
            if c.endswith("_mean") and c[: -len("_mean")] not in _TIMES]


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
    available = _score_metrics(results) + [t for t in _TIMES if f"{t}_mean" in results]
    if metric is None:
        metric = results.attrs.get("primary_metric") if hasattr(results, "attrs") else None
        if metric is None:
            if not available:
                raise ValueError("results has no '<score>_mean' columns to plot.")
            metric = available[0]
    if metric.endswith("_mean"):
        metric = metric[: -len("_mean")]
    if f"{metric}_mean" not in results:
        raise ValueError(f"Unknown metric {metric!r}; available: {available}.")

    mean = np.asarray(results[f"{metric}_mean"], dtype=float)
    std_col = f"{metric}_std"
    std = np.asarray(results[std_col], dtype=float) if std_col in results else np.zeros_like(mean)
    names = [str(i) for i in results.index]

    lower_better = metric in _TIMES or metric.startswith("neg_")
    if metric.startswith("neg_"):
        mean, label = -mean, f"{metric[4:]} (lower is better)"
    elif metric in _TIMES:
        label = f"{_TIMES[metric]} (lower is better)"
    else:
        label = f"{metric} (higher is better)"

    # Best on top: barh draws the first bar at the bottom, so sort worst first.
    key = np.where(np.isnan(mean), np.inf if lower_better else -np.inf, mean)
    order = np.argsort(-key if lower_better else key, kind="stable")
    mean, std, names = mean[order], std[order], [names[i] for i in order]
    finite = np.isfinite(mean)

    if ax is None:
        fig, axes = new_figure(1, 1, figsize or (7.0, 1.0 + 0.55 * len(names)))
        ax = axes[0, 0]
    else:
        fig = ax.figure
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
    ax.set_xlabel(label)
    n_splits = results.attrs.get("n_splits") if hasattr(results, "attrs") else None
    ax.set_title(f"{n_splits}-fold cross-validation (mean ± std)" if n_splits
                 else "Model comparison (mean ± std)")
    ax.axvline(0.0, color="black", linewidth=0.8)
    left, right = ax.get_xlim()
    pad = 0.25 * span  # room for the value labels
    neg = bool((mean[finite] < 0).any())
    ax.set_xlim(min(left, 0.0) - (pad if neg else 0.0), max(right, 0.0) + pad)
    ax.grid(True, axis="x", alpha=0.3)
    return fig
