"""What values the network can read: refused by column, the same at fit and predict.

Read by the estimator where it encodes ``X`` for the network
(``BaseKerasEstimator._network_input``), after the feature encoder
(:mod:`skdeep._features`) has scaled and imputed it.
"""

from __future__ import annotations

import numpy as np


def feature_limit(dtype) -> float:
    """The largest ``|X|`` a network computing in ``dtype`` is trained on.

    Squares of activations overflow near ``sqrt(finfo.max)`` (1.8e19 in
    float32); a margin of 1e4 leaves room for the weights and the sums of a layer.
    """
    return float(np.sqrt(np.finfo(dtype).max)) / 1e4


def check_input_range(X, center=None, scale=None, *, clipped: bool, names=None) -> None:
    """Refuse values the network cannot represent, naming the column; the same at fit and predict.

    ``X`` is the network's input in its dtype. A value finite in float64 but beyond
    the dtype's range became infinite in the cast: refused as an infinity is. Where
    the network does not clip its input (``clipped=False``: no scaling, standard
    scaling, or the user's own model), columns whose scaled values ``(x - center) /
    scale`` exceed :func:`feature_limit` are refused too: their squares would overflow
    in the first layers. (The built-in robust scaling clips smoothly at 3, so any
    finite value is safe there.)
    """
    if not isinstance(X, np.ndarray) or X.size == 0 or X.dtype.kind != "f":
        return

    def column(j) -> str:
        return repr(names[j]) if names is not None else str(j)

    # Each column's extremes (NaN ignored) say all: infinities are extremes, and the
    # largest |x - center| / scale is reached at one of them. Two reductions, no
    # temporary the size of X (X may be large, or the caller's own array).
    high = np.fmax.reduce(X, axis=0).astype("float64")
    low = np.fmin.reduce(X, axis=0).astype("float64")
    infinite = np.isinf(high) | np.isinf(low)
    if infinite.any():
        raise ValueError(
            f"Input X contains infinity or a value too large for {X.dtype} in column "
            f"{column(np.flatnonzero(infinite)[0])}.")
    if clipped:
        return
    limit = feature_limit(X.dtype)
    center = np.zeros(X.shape[1]) if center is None else np.asarray(center, dtype="float64")
    scale = np.ones(X.shape[1]) if scale is None else np.asarray(scale, dtype="float64")
    largest = np.nan_to_num(np.maximum(np.abs(high - center), np.abs(low - center)) / scale)  # all-NaN column: 0
    if (largest > limit).any():
        j = int(np.argmax(largest))
        raise ValueError(
            f"X has values as large as {largest[j]:.1e} (after the network's scaling) in column {column(j)}, "
            f"beyond what {X.dtype} training handles (up to {limit:.1e}). Scale the features first, e.g. "
            "with StandardScaler in a Pipeline, use numeric_transform='robust', or dtype='float64'."
        )
