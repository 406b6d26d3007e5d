"""Shared helpers for the plotting functions (matplotlib is imported lazily)."""

from __future__ import annotations

from typing import Any


def import_pyplot() -> Any:
    """Import :mod:`matplotlib.pyplot`, with a helpful error if it is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skdeep's plotting functions need matplotlib: pip install 'skdeep[plot]'"
        ) from exc
    return plt


def final_estimator(obj: Any) -> Any:
    """Return the last step of a (possibly nested) sklearn Pipeline, else ``obj``.

    Search wrappers (``GridSearchCV``...) are unwrapped via ``best_estimator_``.
    """
    for _ in range(10):  # bounded unwrapping
        if hasattr(obj, "best_estimator_"):
            obj = obj.best_estimator_
        elif hasattr(obj, "steps") and isinstance(getattr(obj, "steps"), list):
            obj = obj.steps[-1][1]
        else:
            break
    return obj


def new_figure(nrows: int, ncols: int, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """Create a pyplot figure with a 2-D array of axes.

    A pyplot figure (rather than a bare ``Figure``) lets ``plt.show()`` and
    notebooks display the result as users expect; close it with
    ``plt.close(fig)`` when producing many plots in a loop.
    """
    plt = import_pyplot()
    fig, axes = plt.subplots(
        nrows, ncols, squeeze=False, figsize=figsize, layout="constrained"
    )
    return fig, axes
