"""Parameter declarations and double-underscore routing.

The estimators declare their constraints here once, as data, and sklearn's
``_validate_params`` checks them at ``fit``. Routed parameters
(``optimizer__learning_rate``, ``model__width``, ``fit__shuffle``...) are
resolved in :func:`routed` so every consumer reads them the same way.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from ._compat import HasMethods, Interval, StrOptions

# The default recipe (see docs/estimators.md and benchmarks/TABULAR.md for the measurements).
DEFAULT_HIDDEN = "auto"  # sized to the data: skdeep._budget.auto_network
DEFAULT_EMBEDDING = "auto"
DEFAULT_DROPOUT = 0.1  # KerasClassifier's
DEFAULT_REGRESSOR_DROPOUT = "auto"  # 0.1 below 500 rows, none from there: skdeep._budget.auto_network
DEFAULT_OPTIMIZER = "adamw"
DEFAULT_LEARNING_RATE = 0.001  # one network's; the estimators' "auto" is it unless an ensemble runs
DEFAULT_ENSEMBLE = "auto"  # 4 members where early stopping runs on held-out rows: skdeep._budget.ENSEMBLE_MEMBERS
# Both estimators' (RESULTS.md "Round seven"; the regressor's since its ensemble, "Round twelve": 16 before)
DEFAULT_PATIENCE = 8
DEFAULT_FINISH = 0.25  # finish_on_all_rows of KerasRegressor (the classifier's is 0): see skdeep._budget
DEFAULT_LABEL_SMOOTHING = 0.1  # classification only; see _base._build
DEFAULT_LINEAR_SKIP = False  # measured no better on the selection half: benchmarks/RESULTS.md "Round six"

# Prefixes a ``<prefix>__<arg>`` parameter may carry, and where it goes.
ROUTE_PREFIXES = ("model", "optimizer", "loss", "fit", "compile")

PARAMETER_CONSTRAINTS: dict[str, list] = {
    "model": [None, callable],  # a build function, or a keras.Model (callable too)
    "hidden_layer_sizes": [Interval(Integral, 1, None, closed="left"), "array-like", StrOptions({"auto"})],
    "activation": [str, callable],
    "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    "l2": [Interval(Real, 0, None, closed="left")],
    "batch_normalization": ["boolean"],
    "optimizer": [str, HasMethods(["apply", "get_config"]), type],
    "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
    "learning_rate_schedule": [StrOptions({"cosine"}), None],
    "loss": [str, callable, None],
    "metrics": [list, tuple, None],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "validation_split": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "patience": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
    "finish_on_all_rows": [Interval(Real, 0, None, closed="left")],
    "callbacks": [list, tuple, None],
    "categorical_features": [StrOptions({"from_dtype"}), "array-like", None],
    "numeric_transform": [StrOptions({"robust", "standard"}), None],
    "numeric_embedding": [StrOptions({"periodic", "periodic+scaled", "auto"}), None],
    "n_ensemble": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "linear_skip": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "engine": [StrOptions({"auto", "compiled", "keras"})],
    "distribution": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
    "on_divergence": [StrOptions({"raise", "warn"})],
    "dtype": [StrOptions({"float32", "float64"})],
}


def check_values(params: dict[str, Any]) -> None:
    """What the constraints above cannot say: hidden sizes are positive integers, callbacks are callbacks.

    Examples
    --------
    >>> check_values({"hidden_layer_sizes": (2.5,)})
    Traceback (most recent call last):
    ...
    ValueError: hidden_layer_sizes must be positive integers, got (2.5,).
    """
    sizes = params.get("hidden_layer_sizes", ())
    if isinstance(sizes, str):
        sizes = ()  # "auto" (the constraints allow no other string)
    as_tuple = (sizes,) if isinstance(sizes, Integral) else tuple(np.ravel(np.asarray(sizes, dtype=object)))
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in as_tuple):
        raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes!r}.")
    import keras  # only here: importing this module must not start Keras

    for i, cb in enumerate(params.get("callbacks") or ()):
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks[{i}] must be a keras.callbacks.Callback; got {type(cb).__name__}. "
                "Wrap a function in keras.callbacks.LambdaCallback."
            )


# Arguments of keras.Model.fit / compile that skdeep itself passes, and what sets each instead.
OWN_ARGUMENTS: dict[str, dict[str, str]] = {
    "fit": {
        "x": "the X of fit(X, y)", "y": "the y of fit(X, y)", "epochs": "epochs", "batch_size": "batch_size",
        "callbacks": "callbacks", "verbose": "verbose", "validation_data": "validation_split",
        "sample_weight": "fit(X, y, sample_weight=...)",
        "class_weight": "class_weight (KerasClassifier) or fit(X, y, sample_weight=...)",
        "initial_epoch": "warm_start=True or partial_fit",
        "shuffle": "random_state (skdeep shuffles every epoch's rows itself, seeded by it)",
    },
    "compile": {"optimizer": "optimizer", "loss": "loss", "metrics": "metrics"},
}


def check_routed(names) -> None:
    """Refuse routed parameters that would collide with an argument skdeep passes itself.

    Examples
    --------
    >>> check_routed(["fit__steps_per_epoch", "optimizer__beta_1"])
    >>> check_routed(["fit__epochs"])
    Traceback (most recent call last):
    ...
    ValueError: fit__epochs sets an argument of keras.Model.fit that skdeep passes itself; use epochs instead.
    """
    for name in names:
        prefix, _, arg = name.partition("__")
        instead = OWN_ARGUMENTS.get(prefix, {}).get(arg)
        if instead is not None:
            owner = "keras.Model.fit" if prefix == "fit" else "keras.Model.compile"
            raise ValueError(f"{name} sets an argument of {owner} that skdeep passes itself; use {instead} instead.")


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
