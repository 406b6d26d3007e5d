"""Draw a dense network: circles for units, lines for weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._utils import final_estimator, new_figure, plain_text

_COLORS = {"input": "#4caf50", "hidden": "#2196f3", "output": "#f44336"}


@dataclass
class _Column:
    """One drawn layer: ``units`` circles plus text."""

    kind: str  # "input" | "hidden" | "output"
    name: str
    units: int
    activation: str = ""
    notes: list[str] = field(default_factory=list)
    kernel: np.ndarray | None = None  # weights from the previous column


def _resolve_model(obj: Any) -> Any:
    import keras

    if isinstance(obj, keras.Model):
        return obj
    est = final_estimator(obj)
    model = getattr(est, "model_", None)
    if isinstance(model, keras.Model):
        return model
    if hasattr(est, "fit") and model is None:
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"{type(est).__name__} is not fitted yet: call fit before plot_network."
        )
    raise TypeError(
        "plot_network expects a keras.Model, a fitted skdeep estimator (with "
        f"`model_`) or a Pipeline ending in one; got {type(obj).__name__}."
    )


def _activation_name(layer: Any) -> str:
    act = getattr(layer, "activation", None)
    if act is None:
        return ""
    name = getattr(act, "__name__", None) or type(act).__name__
    return str(name)


def _note(layer: Any) -> str:
    """Short annotation for a layer that is not drawn as a column."""
    cls = type(layer).__name__
    if cls == "Dropout":
        return f"Dropout({getattr(layer, 'rate', '?'):g})"
    if cls == "BatchNormalization":
        return "BatchNorm"
    if cls == "Activation":
        return f"Activation({_activation_name(layer)})"
    if cls == "PeriodicEmbedding" and getattr(layer, "keep_scaled", False):
        return "PeriodicEmbedding + scaled values"  # numeric_embedding="periodic+scaled"
    return cls


def _input_units(model: Any, first_dense: Any) -> int:
    try:
        shape = model.inputs[0].shape
        if shape[-1] is not None:
            return int(shape[-1])
    except Exception:  # noqa: BLE001 - unbuilt/odd models: use the kernel
        pass
    return int(first_dense.kernel.shape[0])


def _columns(model: Any, show_weights: bool) -> list[_Column]:
    """Turn ``model.layers`` into drawable columns (input, Dense..., output)."""
    import keras

    from .._network import LINEAR_SKIP

    layers = [lyr for lyr in model.layers if not isinstance(lyr, keras.layers.InputLayer)]
    dense = [lyr for lyr in layers if isinstance(lyr, keras.layers.Dense)]
    if not dense:
        raise ValueError("plot_network can only draw models with Dense layers.")
    if not all(lyr.built for lyr in dense):
        raise ValueError("The model is not built: fit it or call model.build first.")

    cols = [_Column("input", "input", _input_units(model, dense[0]))]
    skip = None
    for layer in layers:
        if layer.name == LINEAR_SKIP and isinstance(layer, keras.layers.Dense):
            skip = layer  # a branch beside the hidden layers, not a column: noted at the output
        elif skip is not None and type(layer).__name__ == "Add":
            pass  # the skip's sum with the head
        elif isinstance(layer, keras.layers.Dense):
            kernel = None
            if show_weights:
                kernel = keras.ops.convert_to_numpy(layer.kernel)
            cols.append(_Column("hidden", layer.name, int(layer.units),
                                _activation_name(layer), kernel=kernel))
        elif type(layer).__name__ == "Activation" and len(cols) > 1:
            cols[-1].activation = _activation_name(layer)
        else:
            cols[-1].notes.append(_note(layer))
    cols[-1].kind = "output"
    if skip is not None:
        cols[-1].notes.append("+ linear skip from the inputs")
    return cols


def _slots(units: int, max_units: int) -> list[int | None]:
    """Unit indices to draw top-down; ``None`` marks the ellipsis slot."""
    if units <= max_units:
        return list(range(units))
    top = max_units // 2
    bottom = max_units - top - 1
    return list(range(top)) + [None] + list(range(units - bottom, units))


def plot_network(
    estimator_or_keras_model: Any,
    *,
    max_units: int = 10,
    show_weights: bool = False,
    ax: Any = None,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
) -> Any:
    """Draw the structure of a dense network, like a textbook diagram.

    Each unit is a circle (input green, hidden blue, output red) and each
    weight a line between circles of adjacent layers.  Layers are labelled
    with their name, number of units and activation; layers that are not
    drawn as columns (Dropout, BatchNormalization...) are annotated below
    the layer they follow.  Layers wider than ``max_units`` are drawn
    truncated with a vertical ellipsis, while the label keeps the true size,
    so a 100-unit layer stays readable.

    Parameters
    ----------
    estimator_or_keras_model : estimator, Pipeline or keras.Model
        A fitted skdeep estimator (its ``model_`` is drawn), a Pipeline or
        search object ending in one, or a built ``keras.Model`` made of
        ``Dense`` layers (plus optional Dropout/BatchNormalization...).
    max_units : int, default=10
        Most circles drawn per layer (the ellipsis takes one slot).
    show_weights : bool, default=False
        Colour lines by the sign of the weight (blue positive, red negative)
        and scale their width and opacity by its magnitude.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is created by default.
    figsize : (float, float), optional
        Size of the new figure; by default it grows with the number of layers.
    title : str, optional
        Title; defaults to the model name and its number of parameters.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import keras
    >>> from skdeep.plot import plot_network
    >>> model = keras.Sequential([keras.Input((3,)),
    ...                           keras.layers.Dense(1, activation="linear")],
    ...                          name="Perceptron")
    >>> fig = plot_network(model)
    >>> fig.axes[0].get_title()
    'Perceptron (4 parameters)'
    """
    if max_units < 3:
        raise ValueError(f"max_units must be >= 3, got {max_units}.")
    model = _resolve_model(estimator_or_keras_model)
    cols = _columns(model, show_weights)

    slots = [_slots(c.units, max_units) for c in cols]
    tallest = max(len(s) for s in slots)
    if ax is None:
        size = figsize or (max(5.0, 2.3 * len(cols)), max(3.5, 0.5 * tallest + 2.5))
        fig, axes = new_figure(1, 1, size)
        ax = axes[0, 0]
    else:
        fig = ax.figure
    # y position of slot j in a column with n slots: centred around 0.
    ys = [[(len(s) - 1) / 2.0 - j for j in range(len(s))] for s in slots]
    _draw_weights(ax, cols, slots, ys)  # first, so that the circles are drawn on top
    half = (tallest - 1) / 2.0
    _draw_units(ax, cols, slots, ys, half, marker_size=380 if tallest <= 6 else 260)
    ax.set_xlim(-0.6, len(cols) - 0.4)
    has_notes = any(c.notes for c in cols)
    ax.set_ylim(-half - (1.8 if has_notes else 0.8), half + 2.2)
    ax.set_axis_off()
    if title is None:
        title = f"{plain_text(model.name)} ({model.count_params():,} parameters)"
    ax.set_title(title)
    return fig


def _draw_weights(ax: Any, cols: list[_Column], slots: list[list[int | None]], ys: list[list[float]]) -> None:
    """A line per drawn weight, coloured and scaled by the weight when the kernel is known."""
    for i in range(1, len(cols)):
        kernel = cols[i].kernel
        scale = float(np.abs(kernel).max()) if kernel is not None and kernel.size else 0.0
        for a, ya in zip(slots[i - 1], ys[i - 1]):
            for b, yb in zip(slots[i], ys[i]):
                if a is None or b is None:
                    continue
                if kernel is not None and scale > 0:
                    w = float(kernel[a, b]) / scale
                    color = "#1565c0" if w >= 0 else "#c62828"
                    lw, alpha = 0.3 + 2.2 * abs(w), 0.15 + 0.75 * abs(w)
                else:
                    color, lw, alpha = "#607d8b", 0.7, 0.45
                ax.plot([i - 1, i], [ya, yb], color=color, linewidth=lw, alpha=alpha, zorder=1)


def _draw_units(ax: Any, cols: list[_Column], slots: list[list[int | None]], ys: list[list[float]],
                half: float, marker_size: int) -> None:
    """A circle per drawn unit, an ellipsis for the units left out, the labels and notes."""
    for i, (col, s, y) in enumerate(zip(cols, slots, ys)):
        circ = [yy for unit, yy in zip(s, y) if unit is not None]
        ax.scatter([i] * len(circ), circ, s=marker_size, color=_COLORS[col.kind],
                   edgecolors="black", linewidths=1.0, zorder=3)
        for unit, yy in zip(s, y):
            if unit is None:  # vertical ellipsis: three small dots
                ax.scatter([i] * 3, [yy - 0.25, yy, yy + 0.25], s=8, color="black", zorder=3)
        ax.text(i, half + 0.7, _label(col), ha="center", va="bottom", fontsize=9)
        if col.notes:  # between this layer and the next: they act on its output
            ax.text(i + 0.5 if i + 1 < len(cols) else i, -half - 0.7,
                    "\n".join(col.notes), ha="center", va="top", fontsize=8,
                    style="italic", color="#555555")


def _label(col: _Column) -> str:
    unit_word = "unit" if col.units == 1 else "units"
    if col.kind == "input":
        return f"Input\n{col.units} feature{'s' if col.units != 1 else ''}"
    head = "Output" if col.kind == "output" else plain_text(col.name)
    text = f"{head}\n{col.units} {unit_word}"
    if col.activation:
        text += f"\n{col.activation}"
    return text
