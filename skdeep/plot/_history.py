"""Training curves: train vs. validation, one panel per metric."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._utils import final_estimator, new_figure, plain_text

# Substrings of metric names for which lower values are better.
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "mape", "rmse", "crossentropy", "hinge")


def _lower_is_better(name: str) -> bool:
    name = name.lower()
    return any(tok in name for tok in _LOWER_IS_BETTER)


def _resolve_history(obj: Any) -> dict[str, list[float]]:
    """Extract a ``{name: per-epoch values}`` dict from many kinds of input."""
    if isinstance(obj, Mapping):
        history = obj
    else:
        est = final_estimator(obj)
        if hasattr(est, "history_"):
            history = est.history_
        elif hasattr(est, "history") and isinstance(getattr(est, "history"), Mapping):
            history = est.history  # keras.callbacks.History returned by fit
        elif hasattr(getattr(est, "history", None), "history"):
            history = est.history.history  # keras.Model after fit
        elif hasattr(est, "fit"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(
                f"{type(est).__name__} has no training history: fit it before "
                "calling plot_history."
            )
        else:
            raise TypeError(
                "Expected a fitted skdeep estimator (with `history_`), a Pipeline "
                "ending in one, a keras History, or a dict of per-epoch lists; got "
                f"{type(obj).__name__}."
            )
    out = {str(k): list(np.asarray(v, dtype=float).ravel()) for k, v in history.items()}
    if not out or all(len(v) == 0 for v in out.values()):
        raise ValueError("The training history is empty.")
    return out


def _base_metrics(history: Mapping[str, Sequence[float]]) -> list[str]:
    """Metric names without the ``val_`` prefix, ``loss`` first, key order kept."""
    names: list[str] = []
    for key in history:
        base = key[4:] if key.startswith("val_") else key
        if base not in names:
            names.append(base)
    if "loss" in names:
        names.remove("loss")
        names.insert(0, "loss")
    return names


def plot_history(
    estimator_or_history: Any,
    metrics: str | Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
    mark_best: bool = True,
) -> Any:
    """Plot per-epoch training curves, training beside validation.

    One panel per metric; each panel shows the training curve (solid) and,
    when present, the validation curve (``val_`` prefix, dashed).  The best
    validation epoch is marked, which makes over-fitting easy to spot: the
    validation curve turning away while the training curve keeps improving.

    Parameters
    ----------
    estimator_or_history : estimator, Pipeline, keras History or dict
        A fitted skdeep estimator (its ``history_`` is used), a Pipeline or
        search object ending in one, the ``History`` returned by
        :meth:`keras.Model.fit`, or a dict mapping names such as ``"loss"`` and
        ``"val_loss"`` to lists of per-epoch values.
    metrics : str or list of str, optional
        Metric names to plot (without the ``val_`` prefix), e.g.
        ``["loss", "accuracy"]``.  By default every recorded metric is plotted,
        loss first.
    ncols : int, optional
        Panels per row; defaults to ``min(n_metrics, 3)``.
    figsize : (float, float), optional
        Figure size in inches; by default ``(4.5 * ncols, 3.2 * nrows)``.
    mark_best : bool, default=True
        Mark the best epoch of the validation curve (or of the training curve
        when there is no validation data): minimum for loss/error metrics,
        maximum otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; its axes are ``fig.axes`` in metric order.

    Raises
    ------
    ValueError
        If the history is empty or a requested metric was not recorded.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skdeep.plot import plot_history
    >>> history = {"loss": [0.9, 0.6, 0.5], "val_loss": [0.95, 0.7, 0.72],
    ...            "accuracy": [0.6, 0.7, 0.8], "val_accuracy": [0.55, 0.7, 0.7]}
    >>> fig = plot_history(history)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    history = _resolve_history(estimator_or_history)
    available = _base_metrics(history)
    if metrics is None:
        names = available
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        names = [m[4:] if m.startswith("val_") else m for m in names]
        missing = [m for m in names if m not in available]
        if missing:
            raise ValueError(
                f"Metric(s) {missing} not found in the history; available: {available}."
            )
        if not names:
            raise ValueError("`metrics` must name at least one metric.")

    n = len(names)
    ncols = max(1, min(ncols or min(n, 3), n))
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, figsize or (4.5 * ncols, 3.2 * nrows))
    flat = axes.ravel()
    for ax in flat[n:]:
        fig.delaxes(ax)

    for ax, name in zip(flat, names):
        train = history.get(name)
        val = history.get("val_" + name)
        if train is not None:
            epochs = np.arange(1, len(train) + 1)
            ax.plot(epochs, train, "-", color="C0", marker="o", markersize=3, label="train")
        if val is not None:
            epochs = np.arange(1, len(val) + 1)
            ax.plot(epochs, val, "--", color="C1", marker="o", markersize=3, label="validation")
        if mark_best:
            _mark_best(ax, name, val if val is not None else train)
        ax.set_title(plain_text(name))
        ax.set_xlabel("epoch")
        ax.set_ylabel(plain_text(name))
        ax.grid(True, alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="best", fontsize="small")
    return fig


def _mark_best(ax: Any, name: str, values: Sequence[float] | None) -> None:
    """Draw a vertical line at the best finite value of ``values``."""
    if values is None:
        return
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).any():
        return
    lower = _lower_is_better(name)
    idx = int(np.nanargmin(arr) if lower else np.nanargmax(arr))
    ax.axvline(idx + 1, color="grey", linestyle=":", linewidth=1,
               label=f"best epoch ({idx + 1})")
    ax.plot(idx + 1, arr[idx], marker="*", color="C3", markersize=10, linestyle="none")
