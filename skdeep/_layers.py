"""Keras layers of the built-in network, written with ``keras.ops`` for every backend.

:class:`TabularInput` is the network's first layer: it reads the matrix of
:class:`skdeep._features.FeatureEncoder` (numeric columns raw, categorical
columns as codes) and gives the hidden layers what they learn best from. Its
statistics are non-trainable weights, not configuration, so every CV fold of
one architecture shares one compiled training function.
"""

from __future__ import annotations

import keras
from keras import ops

# Up to this many categories (the missing/unseen slot included) a column is one-hot
# encoded; above, it gets a learned embedding (as RealMLP does).
MAX_ONE_HOT = 16


def embedding_dim(n_categories: int) -> int:
    """Width of a categorical column's embedding (fastai's rule, capped at 16)."""
    return int(min(16, round(1.6 * (n_categories + 1) ** 0.56)))


@keras.saving.register_keras_serializable(package="skdeep")
class TabularInput(keras.layers.Layer):
    """Scale, clip and impute numeric columns; one-hot or embed categorical codes.

    Parameters
    ----------
    numeric_columns : list of int
        Input columns holding numbers (NaN for missing).
    categorical_columns : list of int
        Input columns holding codes: 0 missing or unseen, ``1..K`` categories.
    n_categories : list of int
        K for each categorical column.
    missing_columns : list of int
        Positions in ``numeric_columns`` that get a missing-value indicator.
    smooth_clip : bool
        Map scaled values through ``z / sqrt(1 + (z / 3)^2)`` (RealMLP's smooth
        clipping: linear near 0, bounded by 3), so outliers and skew cannot
        dominate a layer.
    """

    def __init__(self, numeric_columns=(), categorical_columns=(), n_categories=(), missing_columns=(),
                 smooth_clip=True, **kwargs):
        super().__init__(**kwargs)
        self.numeric_columns = [int(i) for i in numeric_columns]
        self.categorical_columns = [int(i) for i in categorical_columns]
        self.n_categories = [int(k) for k in n_categories]
        self.missing_columns = [int(i) for i in missing_columns]
        self.smooth_clip = bool(smooth_clip)
        self.embeddings = [
            keras.layers.Embedding(k + 1, embedding_dim(k), name=f"embedding_{i}", dtype=self.dtype_policy)
            if k + 1 > MAX_ONE_HOT else None
            for i, k in enumerate(self.n_categories)
        ]

    def build(self, input_shape):
        n = len(self.numeric_columns)
        self.center = self.add_weight(shape=(n,), initializer="zeros", trainable=False, name="center")
        self.scale = self.add_weight(shape=(n,), initializer="ones", trainable=False, name="scale")
        for emb in self.embeddings:
            if emb is not None:
                emb.build((None,))

    def set_statistics(self, center, scale) -> None:
        """Assign the per-column centre and scale measured by the feature encoder."""
        self.center.assign(ops.cast(center, self.center.dtype))
        self.scale.assign(ops.cast(scale, self.scale.dtype))

    def call(self, x):
        parts = []
        if self.numeric_columns:
            xn = ops.take(x, self.numeric_columns, axis=1)
            missing = ops.isnan(xn)
            z = (ops.where(missing, self.center, xn) - self.center) / self.scale  # missing -> 0
            if self.smooth_clip:
                z = z / ops.sqrt(1.0 + ops.square(z / 3.0))
            parts.append(z)
            if self.missing_columns:
                parts.append(ops.cast(ops.take(missing, self.missing_columns, axis=1), z.dtype))
        for col, k, emb in zip(self.categorical_columns, self.n_categories, self.embeddings):
            codes = ops.cast(ops.clip(ops.nan_to_num(x[:, col]), 0, k), "int32")
            if emb is None:  # slot 0 (missing or unseen) is all zeros
                parts.append(ops.cast(ops.one_hot(codes, k + 1)[:, 1:], x.dtype))
            else:
                parts.append(ops.cast(emb(codes), x.dtype))
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=1)

    def compute_output_shape(self, input_shape):
        width = len(self.numeric_columns) + len(self.missing_columns)
        for k, emb in zip(self.n_categories, self.embeddings):
            width += k if emb is None else embedding_dim(k)
        return (input_shape[0], width)

    def get_config(self):
        return {
            **super().get_config(),
            "numeric_columns": self.numeric_columns,
            "categorical_columns": self.categorical_columns,
            "n_categories": self.n_categories,
            "missing_columns": self.missing_columns,
            "smooth_clip": self.smooth_clip,
        }
