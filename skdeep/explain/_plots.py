"""Plots of a ``shap.Explanation``, each returning its matplotlib Figure.

They draw with shap's own plot functions (``show=False``) on a new figure and
never call ``plt.show()``; display or save the returned figure yourself. For a
classifier's (rows, features, classes) explanation, ``class_index`` picks the
class by label (as in ``output_names``) or by position; a binary model defaults
to the positive class (the second one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _class_position(explanation: Any, class_index: Any) -> int:
    n_classes = explanation.values.shape[2]
    names = list(explanation.output_names or [])
    if str(class_index) in names:
        return names.index(str(class_index))
    if isinstance(class_index, (int, np.integer)) and -n_classes <= class_index < n_classes:
        return int(class_index) % n_classes
    raise ValueError(f"class_index={class_index!r} is neither a class label in {names} nor a position.")


def _numeric(data: np.ndarray) -> np.ndarray:
    """Text columns become category codes, so shap can colour by feature value."""
    if data.dtype.kind in "biuf":
        return data
    frame = pd.DataFrame(data)
    for col in frame.columns:
        try:
            frame[col] = pd.to_numeric(frame[col])
        except (TypeError, ValueError):
            frame[col] = pd.factorize(frame[col])[0]
    return frame.to_numpy(dtype=np.float64)


def select_output(explanation: Any, class_index: Any = None, row: int | None = None) -> Any:
    """A 2-D (rows, features) Explanation for one output.

    For several classes and no ``class_index``: binary takes class 1; with
    ``row`` given, the class the model scores highest for that row; otherwise
    a ``ValueError`` asks for ``class_index``.
    """
    import shap

    values = np.asarray(explanation.values)
    base = np.asarray(explanation.base_values)
    if values.ndim == 3:
        if class_index is not None:
            position = _class_position(explanation, class_index)
        elif values.shape[2] == 2:
            position = 1
        elif row is not None:
            position = int(np.argmax(base[row] + values[row].sum(axis=0)))
        else:
            raise ValueError("This explanation has several classes; pass class_index.")
        values, base = values[:, :, position], base[:, position]
    data = np.asarray(explanation.data)
    return shap.Explanation(
        values=values,
        base_values=base,
        data=_numeric(data),
        display_data=None if data.dtype.kind in "biuf" else data,
        feature_names=explanation.feature_names,
    )


def _drawable(explanation: Any) -> Any:
    """The explanation with its feature names and text values escaped for matplotlib (every plot's first step).

    shap draws them as tick labels and annotations (``value = name`` in a
    waterfall, ``(value)`` in a one-row decision plot), where two ``$`` would
    start math text. Output names stay as they are: they pick the class, and
    no plot draws them.
    """
    import shap

    from ..plot._utils import plain_text

    data, names = np.asarray(explanation.data), explanation.feature_names
    if data.dtype.kind not in "biufc":
        data = np.array([plain_text(v) if isinstance(v, str) else v for v in data.ravel()],
                        dtype=object).reshape(data.shape)
    return shap.Explanation(
        values=explanation.values,
        base_values=explanation.base_values,
        data=data,
        feature_names=None if names is None else [plain_text(name) for name in names],
        output_names=explanation.output_names,
    )


def _max_display(n_features: int, top_k: int) -> int:
    # shap shows max_display - 1 features plus one "sum of the others" row.
    return n_features if n_features <= top_k else top_k + 1


def _new_figure():
    import matplotlib.pyplot as plt

    return plt.figure()


def _finish(fig):
    """Fit long feature names inside the figure (shap leaves that to ``show``)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tight_layout warns on shap's twin axes
        fig.tight_layout()
    return fig


def plot_waterfall(explanation: Any, row: int = 0, *, class_index: Any = None, top_k: int = 10):
    """Waterfall plot: how each feature moves one row from the base value to the output.

    Parameters
    ----------
    explanation : shap.Explanation
        From :func:`explain` or :meth:`Explainer.explain`.
    row : int, default=0
        The row to show.
    class_index : label or int, optional
        The class to show for a classifier; defaults to the row's top class.
    top_k : int, default=10
        Features shown individually; the rest are summed into one bar.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_waterfall(explanation, row=0, top_k=5)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import shap

    single = select_output(_drawable(explanation), class_index, row=row)[row]
    _new_figure()
    shap.plots.waterfall(single, max_display=_max_display(single.values.shape[0], top_k), show=False)
    return _finish(plt.gcf())


def plot_decision(
    explanation: Any, *, class_index: Any = None, top_k: int = 10, link: str = "identity"
):
    """Decision plot: each row's path from the base value to its output.

    Parameters
    ----------
    explanation : shap.Explanation
        Up to a few hundred rows; every row is one line.
    class_index : label or int, optional
        The class to show; required for more than two classes.
    top_k : int, default=10
        Most important features shown.
    link : {"identity", "logit"}, default="identity"
        ``"logit"`` for log-odds explanations draws the axis in probabilities.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_decision(explanation, top_k=5)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import shap

    single = select_output(_drawable(explanation), class_index)
    features = single.display_data if single.display_data is not None else single.data
    _new_figure()
    shap.decision_plot(
        float(np.mean(single.base_values)),
        single.values,
        features=pd.DataFrame(features, columns=single.feature_names),
        feature_order="importance",
        feature_display_range=slice(None, -top_k - 1, -1),
        link=link,
        show=False,
        ignore_warnings=True,
    )
    return _finish(plt.gcf())


def plot_bar(explanation: Any, *, class_index: Any = None, top_k: int = 10):
    """Global importance: mean |SHAP value| of each feature over the rows.

    With several classes and no ``class_index``, |SHAP| is also averaged over
    the classes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_bar(explanation, top_k=5)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import shap

    explanation = _drawable(explanation)
    values = np.asarray(explanation.values)
    if values.ndim == 3 and class_index is None and values.shape[2] > 2:
        single = shap.Explanation(
            values=np.abs(values).mean(axis=2),
            data=_numeric(np.asarray(explanation.data)),
            feature_names=explanation.feature_names,
        )
    else:
        single = select_output(explanation, class_index)
    n_shown = _max_display(values.shape[1], top_k)
    fig, ax = plt.subplots(figsize=(8, 0.5 * n_shown + 1.5))
    shap.plots.bar(single, max_display=n_shown, ax=ax, show=False)
    return _finish(fig)


def plot_beeswarm(explanation: Any, *, class_index: Any = None, top_k: int = 10):
    """Beeswarm: every row's SHAP value per feature, coloured by the feature's value.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_beeswarm(explanation, top_k=5)  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import shap

    single = select_output(_drawable(explanation), class_index)
    n_shown = _max_display(single.values.shape[1], top_k)
    fig, ax = plt.subplots(figsize=(8, 0.4 * n_shown + 1.5))
    shap.plots.beeswarm(single, max_display=n_shown, ax=ax, plot_size=None, show=False)
    return _finish(fig)
