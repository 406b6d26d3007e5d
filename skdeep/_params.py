"""Parameter declarations and double-underscore routing.

The estimators declare their constraints here once, as data, and sklearn's
``_validate_params`` checks them at ``fit``. Routed parameters
(``optimizer__learning_rate``, ``model__width``, ``fit__shuffle``...) are
resolved in :func:`routed` so every consumer reads them the same way.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

# The default recipe (see docs/estimators.md and benchmarks/TABULAR.md for the measurements).
DEFAULT_HIDDEN = (256, 256)
DEFAULT_DROPOUT = 0.1
DEFAULT_OPTIMIZER = "adamw"
DEFAULT_LEARNING_RATE = 0.001
DEFAULT_PATIENCE = 16
DEFAULT_LABEL_SMOOTHING = 0.1  # classification only; see _base._build

# Prefixes a ``<prefix>__<arg>`` parameter may carry, and where it goes.
ROUTE_PREFIXES = ("model", "optimizer", "loss", "fit", "compile")

PARAMETER_CONSTRAINTS: dict[str, list] = {
    "model": [None, callable],  # a build function, or a keras.Model (callable too)
    "hidden_layer_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "activation": [str, callable],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "batch_normalization": ["boolean"],
    "optimizer": [str, HasMethods(["apply", "get_config"]), type],
    "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
    "learning_rate_schedule": [StrOptions({"cosine"}), None],
    "loss": [str, callable, None],
    "metrics": [list, tuple, None],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "validation_split": [Interval(Real, 0, 1, closed="left")],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "patience": [Interval(Integral, 0, None, closed="left")],
    "callbacks": [list, tuple, None],
    "categorical_features": [StrOptions({"from_dtype"}), "array-like", None],
    "numeric_transform": [StrOptions({"robust", "standard"}), None],
    "numeric_embedding": [StrOptions({"periodic"}), None],
    "n_ensemble": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "engine": [StrOptions({"auto", "compiled", "keras"})],
    "dtype": [StrOptions({"float32", "float64"})],
}


def routed(params: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Return the ``<prefix>__<arg>`` entries of ``params`` as ``{arg: value}``.

    Examples
    --------
    >>> routed({"optimizer__beta_1": 0.8, "epochs": 3}, "optimizer")
    {'beta_1': 0.8}
    """
    head = prefix + "__"
    return {k[len(head) :]: v for k, v in params.items() if k.startswith(head)}


def is_routed(name: str) -> bool:
    """Whether ``name`` is a routed ``<prefix>__<arg>`` parameter."""
    prefix, sep, rest = name.partition("__")
    return bool(sep) and bool(rest) and prefix in ROUTE_PREFIXES
