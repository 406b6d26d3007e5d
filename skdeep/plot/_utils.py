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


def plain_text(text: Any) -> str:
    r"""``text`` escaped so that matplotlib draws it as written, never as math.

    matplotlib reads a label with two unescaped ``$`` as math text, so a column
    named ``usd_$_per_$_kg`` stops the drawing with a parse error; an escaped
    ``\$`` draws a plain ``$``. Nothing else is special while ``text.usetex``
    is off (matplotlib's default). Use it for every label that comes from the
    user's data: column names, class labels, model names, text values.

    Examples
    --------
    >>> print(plain_text("usd_$_per_$_kg"))
    usd_\$_per_\$_kg
    """
    return str(text).replace("$", r"\$")


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
