"""Build the network: the built-in MLP, a user build function, or a user model.

Builds run under :func:`skdeep._state.seeded` (see :mod:`skdeep._state`), so
every default seed is a function of the fit's seed alone.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import keras
import numpy as np


# The name of the linear skip's layer (build_mlp's linear_skip); plot_network draws it as a note.
LINEAR_SKIP = "linear_skip"
# numeric_embedding values that add a PeriodicEmbedding, and its keep_scaled for each
PERIODIC = {"periodic": False, "periodic+scaled": True}

OUTPUT_ACTIVATION = {
    "binary": "sigmoid",
    "multiclass": "softmax",
    "multilabel": "sigmoid",
    "regression": "linear",
}


def build_mlp(
    n_features: int,
    n_outputs: int,
    task: str,
    *,
    hidden_layer_sizes=(100,),
    activation="relu",
    dropout: float = 0.0,
    l2: float = 0.0,
    batch_normalization: bool = False,
    output_activation: str | None = None,
    features=None,
    numeric_embedding=None,
    n_ensemble: int = 1,
    linear_skip: bool = False,
    frequency_scale: float | None = None,
    dtype: str = "float32",
) -> keras.Model:
    """The built-in network: an input layer for tabular columns, then Dense blocks.

    ``features`` is the fitted :class:`skdeep._features.FeatureEncoder`; where its
    columns need it, a :class:`skdeep._layers.TabularInput` layer scales and clips
    numeric columns, imputes missing values and encodes categorical codes, and
    ``numeric_embedding="periodic"`` adds a :class:`skdeep._layers.PeriodicEmbedding`;
    ``"periodic+scaled"`` one that also passes the scaled values on; ``frequency_scale``
    is the spread of its initial frequencies (None: the layer's default, 0.1).
    ``linear_skip`` adds a linear function of that input (before any periodic
    embedding) to the output's pre-activation: a "wide and deep" network whose
    linear part needs no hidden layer to pass through (zero at initialisation, so
    training starts from the plain network). Without hidden layers there is nothing
    to skip and it adds nothing.
    Layers get fixed names so that two builds of one configuration have the same
    config, which lets the training engine reuse compiled functions.

    Examples
    --------
    >>> net = build_mlp(4, 1, "binary", hidden_layer_sizes=(8,), linear_skip=True)
    >>> [layer.name for layer in net.layers]
    ['features', 'hidden_1', 'head', 'linear_skip', 'logits', 'output']
    """
    if isinstance(hidden_layer_sizes, (int, np.integer)):
        hidden_layer_sizes = (hidden_layer_sizes,)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input((n_features,), name="features", dtype=dtype)
    x = inputs
    tabular = _tabular_input(features, dtype, numeric_embedding)
    if tabular is not None:
        x = tabular(x)
    linear_input = x
    if numeric_embedding in PERIODIC and tabular is not None and len(features.numeric_):
        from ._layers import PERIODIC_SIGMA, PeriodicEmbedding

        x = PeriodicEmbedding(len(features.numeric_), keep_scaled=PERIODIC[numeric_embedding],
                              frequency_scale=PERIODIC_SIGMA if frequency_scale is None else frequency_scale,
                              name="periodic_embedding", dtype=dtype)(x)
    if n_ensemble > 1:
        from ._layers import EnsembleInput

        x = EnsembleInput(n_ensemble, name="ensemble_input", dtype=dtype)(x)
    for i, units in enumerate(hidden_layer_sizes, start=1):
        x = keras.layers.Dense(
            int(units),
            activation=None if batch_normalization else activation,
            # The normalization subtracts the mean: a bias before it changes no output, and its
            # gradient is rounding noise that Adam scales to full steps. BatchNormalization's
            # beta is the bias there.
            use_bias=not batch_normalization,
            kernel_regularizer=regularizer,
            name=f"hidden_{i}",
            dtype=dtype,
        )(x)
        if batch_normalization:
            x = keras.layers.BatchNormalization(name=f"batch_norm_{i}", dtype=dtype)(x)
            x = keras.layers.Activation(activation, name=f"activation_{i}", dtype=dtype)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}", dtype=dtype)(x)
    activation_out = output_activation or OUTPUT_ACTIVATION[task]
    skip = None
    if linear_skip and len(hidden_layer_sizes):
        skip = keras.layers.Dense(n_outputs, use_bias=False, kernel_initializer="zeros",
                                  kernel_regularizer=regularizer, name=LINEAR_SKIP, dtype=dtype)(linear_input)
    if n_ensemble > 1:
        from ._layers import EnsembleHead

        outputs = EnsembleHead(n_outputs, activation=activation_out,
                               name="output", dtype=dtype)(x if skip is None else [x, skip])
    elif skip is None:
        outputs = keras.layers.Dense(
            n_outputs, activation=activation_out, kernel_regularizer=regularizer, name="output", dtype=dtype,
        )(x)
    else:
        head = keras.layers.Dense(n_outputs, kernel_regularizer=regularizer, name="head", dtype=dtype)(x)
        logits = keras.layers.Add(name="logits", dtype=dtype)([head, skip])
        outputs = keras.layers.Activation(activation_out, name="output", dtype=dtype)(logits)
    model = keras.Model(inputs, outputs, name="skdeep_mlp")
    if tabular is not None:
        tabular.set_statistics(features.center_, features.scale_)
    return model


def _tabular_input(features, dtype: str, numeric_embedding=None):
    """The network's input layer for ``features``, or None where columns go in as they are."""
    if features is None or features.sparse_:
        return None
    scaled = features.numeric_transform is not None and len(features.numeric_)
    if not (scaled or len(features.categorical_) or len(features.missing_) or numeric_embedding):
        return None
    from ._layers import TabularInput

    return TabularInput(
        numeric_columns=features.numeric_.tolist(), categorical_columns=features.categorical_.tolist(),
        n_categories=features.n_categories_, missing_columns=features.missing_.tolist(),
        smooth_clip=features.numeric_transform == "robust", name="tabular_input", dtype=dtype,
    )


def call_build_function(build_fn: Callable, meta: dict[str, Any], kwargs: dict[str, Any]):
    """Call a user build function with the arguments it asks for by name.

    ``meta`` holds what skdeep knows (``n_features_in``, ``n_outputs``,
    ``n_classes``, ``classes``, ``task``, ``output_activation`` and the
    estimator's network parameters); ``kwargs`` are the ``model__*`` parameters
    and win over ``meta``. A ``**kwargs`` build function receives everything.
    """
    available = {**meta, **kwargs}
    params = inspect.signature(build_fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return build_fn(**available)
    unknown = set(kwargs) - set(params)
    if unknown:
        raise ValueError(
            f"model__{sorted(unknown)[0]} was given but the build function "
            f"{getattr(build_fn, '__name__', build_fn)!r} takes no such argument."
        )
    missing = [
        n for n, p in params.items() if p.default is p.empty and n not in available
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if missing:
        raise ValueError(
            f"The build function asks for {missing}, which skdeep cannot provide. "
            f"Available by name: {sorted(available)}; or pass model__<name>=..."
        )
    return build_fn(**{n: available[n] for n in params if n in available})


def make_network(model, meta: dict[str, Any], mlp_params: dict[str, Any], kwargs: dict[str, Any]) -> keras.Model:
    """Resolve the ``model`` parameter into a fresh, unbuilt-weights Keras model."""
    if model is None:
        if kwargs:
            raise ValueError(
                f"model__{sorted(kwargs)[0]} was given but model=None builds the built-in network; "
                "model__* parameters go to a build function passed as model=."
            )
        return build_mlp(meta["n_features_in"], meta["n_outputs"], meta["task"], **mlp_params)
    if isinstance(model, keras.Model):
        # Like sklearn's clone: same architecture, fresh weights; never train the user's object.
        network = keras.models.clone_model(model)
    else:
        network = call_build_function(model, meta, kwargs)
    if not isinstance(network, keras.Model):
        raise TypeError(
            f"model must be None, a keras.Model or a function returning one; got {type(network).__name__}."
        )
    if not network.built:  # subclassed models create their weights on first call
        network(np.zeros((1, meta["n_features_in"]), dtype=mlp_params.get("dtype", "float32")))
    return network


def check_network(network: keras.Model, n_features: int, n_outputs: int) -> None:
    """Fail early, with names, when the network does not fit the data."""
    in_shape = tuple(network.inputs[0].shape) if getattr(network, "inputs", None) else None
    if in_shape is not None and in_shape[-1] is not None and in_shape[-1] != n_features:
        raise ValueError(f"The model expects {in_shape[-1]} input features but X has {n_features}.")
    out = network.outputs[0].shape[-1] if getattr(network, "outputs", None) else None
    if out is not None and out != n_outputs:
        raise ValueError(
            f"The model's output layer has {out} units but the target needs {n_outputs}."
        )
