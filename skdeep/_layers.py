"""Keras layers of the built-in network, written with ``keras.ops`` for every backend.

:class:`TabularInput` is the network's first layer: it reads the matrix of
:class:`skdeep._features.FeatureEncoder` (numeric columns raw, categorical
columns as codes) and gives the hidden layers what they learn best from. Its
statistics are non-trainable weights, not configuration, so every CV fold of
one architecture shares one compiled training function.
"""

from __future__ import annotations

import math

import keras
from keras import ops

# Up to this many categories (the missing/unseen slot included) a column is one-hot
# encoded; above, it gets a learned embedding (as RealMLP does).
MAX_ONE_HOT = 16
# Scaled values are bounded to this before the smooth clip: from here on the clip's output is
# 3 to float32's precision, and (z / 3)^2 of a larger z would overflow (from 5.5e19) to a
# clip of 0, the column's centre.
CLIP_SATURATION = 1e6
# Periodic numeric embeddings (PLR): frequencies per column, their initial spread, output width.
PERIODIC_FREQUENCIES, PERIODIC_SIGMA, PERIODIC_DIM = 16, 0.1, 16


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
        dominate a layer; any value, however large, gets the bound.

    The output's first ``len(numeric_columns)`` columns are the scaled numeric
    values, in order (:class:`PeriodicEmbedding` reads them there); then the
    missing-value indicators, the one-hot codes and the categorical embeddings.
    """

    def __init__(self, numeric_columns=(), categorical_columns=(), n_categories=(), missing_columns=(),
                 smooth_clip=True, **kwargs):
        super().__init__(**kwargs)
        self.numeric_columns = [int(i) for i in numeric_columns]
        self.categorical_columns = [int(i) for i in categorical_columns]
        self.n_categories = [int(k) for k in n_categories]
        self.missing_columns = [int(i) for i in missing_columns]
        self.smooth_clip = bool(smooth_clip)
        # Categorical columns in two groups, each encoded by one op per step whatever the
        # number of columns (ames has 40): few levels one-hot, many levels embedded.
        self.one_hot_columns = [i for i, k in enumerate(self.n_categories) if k + 1 <= MAX_ONE_HOT]
        self.embedded_columns = [i for i, k in enumerate(self.n_categories) if k + 1 > MAX_ONE_HOT]
        sizes = [self.n_categories[i] + 1 for i in self.one_hot_columns]
        self._one_hot_offsets = [sum(sizes[:j]) for j in range(len(sizes))]
        self._one_hot_keep = [o + c for o, size in zip(self._one_hot_offsets, sizes) for c in range(1, size)]
        self._one_hot_depth = sum(sizes)
        sizes = [self.n_categories[i] + 1 for i in self.embedded_columns]
        self._embedded_offsets = [sum(sizes[:j]) for j in range(len(sizes))]
        self.embedding_dim = max([embedding_dim(self.n_categories[i]) for i in self.embedded_columns], default=0)
        self.embedding = keras.layers.Embedding(
            sum(sizes), self.embedding_dim, name="categories", dtype=self.dtype_policy
        ) if sizes else None

    def build(self, input_shape):
        n = len(self.numeric_columns)
        self.center = self.add_weight(shape=(n,), initializer="zeros", trainable=False, name="center")
        self.scale = self.add_weight(shape=(n,), initializer="ones", trainable=False, name="scale")
        if self.embedding is not None:
            self.embedding.build((None, len(self.embedded_columns)))

    def set_statistics(self, center, scale) -> None:
        """Assign the per-column centre and scale measured by the feature encoder."""
        self.center.assign(ops.cast(center, self.center.dtype))
        self.scale.assign(ops.cast(scale, self.scale.dtype))

    def call(self, x):
        # Written with ops that shap's DeepExplainer can differentiate (gather, sub, div,
        # square, rsqrt, mul, concat) wherever no column had missing values at fit.
        parts = []
        if self.numeric_columns:
            in_order = self.numeric_columns == list(range(len(self.numeric_columns))) and not self.categorical_columns
            xn = x if in_order else ops.take(x, self.numeric_columns, axis=1)
            if self.missing_columns:  # only these columns can hold NaN (see FeatureEncoder)
                missing = ops.isnan(xn)
                # The variable's value: jax.numpy.where no longer takes a Keras variable (JAX 0.10).
                xn = ops.where(missing, ops.convert_to_tensor(self.center), xn)
            z = (xn - self.center) / self.scale  # missing -> the centre -> 0
            if self.smooth_clip:
                z = ops.clip(z, -CLIP_SATURATION, CLIP_SATURATION)  # infinities included
                z = z * ops.rsqrt(1.0 + ops.square(z / 3.0))
            parts.append(z)
            if self.missing_columns:
                parts.append(ops.cast(ops.take(missing, self.missing_columns, axis=1), z.dtype))
        if self.categorical_columns:
            codes = ops.take(x, self.categorical_columns, axis=1)
            codes = ops.cast(ops.clip(ops.nan_to_num(codes), 0, max(self.n_categories)), "int32")
            codes = ops.minimum(codes, ops.convert_to_tensor(self.n_categories, "int32"))
        if self.one_hot_columns:  # slot 0 (missing or unseen) of each column is dropped: all zeros
            index = ops.take(codes, self.one_hot_columns, axis=1) + ops.convert_to_tensor(self._one_hot_offsets, "int32")
            multi_hot = ops.sum(ops.one_hot(index, self._one_hot_depth, dtype=x.dtype), axis=1)
            parts.append(ops.take(multi_hot, self._one_hot_keep, axis=1))
        if self.embedded_columns:
            index = ops.take(codes, self.embedded_columns, axis=1) + ops.convert_to_tensor(self._embedded_offsets, "int32")
            e = ops.cast(self.embedding(index), x.dtype)
            parts.append(ops.reshape(e, (-1, len(self.embedded_columns) * self.embedding_dim)))
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=1)

    def compute_output_shape(self, input_shape):
        width = len(self.numeric_columns) + len(self.missing_columns)
        width += len(self._one_hot_keep) + len(self.embedded_columns) * self.embedding_dim
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


@keras.saving.register_keras_serializable(package="skdeep")
class PeriodicEmbedding(keras.layers.Layer):
    """Embed the first ``n_columns`` input columns with periodic features; pass the rest through.

    Each column ``j`` becomes ``relu(W_j [sin(2 pi c_j z), cos(2 pi c_j z)] + b_j)`` (PLR,
    Gorishniy et al. 2022) with trainable frequencies ``c_j`` (``PERIODIC_FREQUENCIES`` of
    them, drawn from N(0, ``frequency_scale``), ``PERIODIC_SIGMA`` by default) and a
    ``PERIODIC_DIM``-wide output. It reads :class:`TabularInput`'s output, whose scaled
    numeric columns come first.
    ``keep_scaled=True`` also passes the scaled values ``z`` themselves on, after the
    embeddings (as RealMLP's PBLD embedding does), so the hidden layers see each column
    both ways.
    """

    def __init__(self, n_columns: int, keep_scaled: bool = False, frequency_scale: float = PERIODIC_SIGMA, **kwargs):
        super().__init__(**kwargs)
        self.n_columns = int(n_columns)
        self.keep_scaled = bool(keep_scaled)
        self.frequency_scale = float(frequency_scale)

    def build(self, input_shape):
        n, k, d = self.n_columns, PERIODIC_FREQUENCIES, PERIODIC_DIM
        self.frequencies = self.add_weight(
            shape=(n, k), initializer=keras.initializers.RandomNormal(stddev=self.frequency_scale),
            name="frequencies")
        self.kernel = self.add_weight(shape=(n, 2 * k, d), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(n, d), initializer="zeros", name="bias")
        self._head, self._rest = list(range(n)), list(range(n, input_shape[-1]))

    def call(self, x):
        n = self.n_columns
        # gather (not a slice) where columns follow: ops shap's DeepExplainer differentiates
        z = x if not self._rest else ops.take(x, self._head, axis=1)
        v = 2.0 * math.pi * z[:, :, None] * self.frequencies  # (batch, columns, frequencies)
        features = ops.concatenate([ops.sin(v), ops.cos(v)], axis=-1)
        e = ops.relu(ops.einsum("bnf,nfd->bnd", features, self.kernel) + self.bias)
        parts = [ops.reshape(e, (-1, n * PERIODIC_DIM))]
        if self.keep_scaled:
            parts.append(z)
        if self._rest:
            parts.append(ops.take(x, self._rest, axis=1))
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=1)

    def compute_output_shape(self, input_shape):
        extra = self.n_columns * (PERIODIC_DIM - 1 + self.keep_scaled)
        return (input_shape[0], input_shape[-1] + extra)

    def get_config(self):
        return {**super().get_config(), "n_columns": self.n_columns, "keep_scaled": self.keep_scaled,
                "frequency_scale": self.frequency_scale}


def member_of_rows(x, n_members: int):
    """The ensemble member that trains on each row of ``x``: row ``j``'s is ``j mod n_members``."""
    return ops.mod(ops.arange(ops.shape(x)[0]), n_members)


@keras.saving.register_keras_serializable(package="skdeep")
class EnsembleInput(keras.layers.Layer):
    """Give each of ``k`` ensemble members its own view of the input: ``(batch, d) -> (batch, k, d)``.

    Member ``i`` sees ``x * r_i`` with a trained ``r_i`` initialised to random
    signs (TabM-mini, Gorishniy et al. 2025): the hidden layers after it are
    shared, so ``k`` members cost almost no more weights. In training each row is
    seen by one member only (row ``j`` by member ``j mod k``, as :class:`EnsembleHead`
    reads it), so the output is then ``(batch, 1, d)``, row ``j`` times ``r_{j mod k}``
    (the member axis kept, of length 1, so the layers after it see the rank they were
    built for): a training step costs what one member's does, not ``k`` times as much.
    """

    def __init__(self, n_members: int, **kwargs):
        super().__init__(**kwargs)
        self.n_members = int(n_members)

    def build(self, input_shape):
        self.adapter = self.add_weight(shape=(self.n_members, input_shape[-1]), name="adapter",
                                       initializer=_RandomSigns())

    def call(self, x, training=None):
        if training:
            # Each row's adapter as a one-hot product, not a gather: a gather's gradient is sparse
            # (IndexedSlices on TensorFlow), and Keras's Adam squares such a gradient's rows before
            # summing the duplicates, so keras.Model.fit would train another optimizer than the
            # compiled engine's (which densifies it) and the other backends'.
            own = ops.one_hot(member_of_rows(x, self.n_members), self.n_members, dtype=x.dtype)
            return (x * ops.matmul(own, self.adapter))[:, None, :]
        return x[:, None, :] * self.adapter

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_members, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "n_members": self.n_members}


@keras.saving.register_keras_serializable(package="skdeep")
class EnsembleHead(keras.layers.Layer):
    """One output layer per member, then one prediction per row: ``(batch, k, h) -> (batch, units)``.

    In training each row is predicted by one member (row ``j`` by member
    ``j mod k``; batches are shuffled), so the loss is the mean of the members'
    own losses and the members stay diverse; :class:`EnsembleInput` then passes
    each row through its own member only, and ``h`` is ``(batch, 1, h)``. In inference
    the prediction is the members' mean (probabilities for classifiers), which is
    what validation, early stopping and ``predict`` see. Called on ``[h, offset]``,
    it adds the ``(batch, units)`` ``offset`` (the network's linear skip) to every
    member's output before the activation.
    """

    def __init__(self, units: int, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]  # [h, offset]
        k, h = input_shape[1], input_shape[2]
        self.kernel = self.add_weight(shape=(k, h, self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(k, self.units), initializer="zeros", name="bias")

    def call(self, h, training=None):
        h, offset = h if isinstance(h, (list, tuple)) else (h, None)
        if training:  # (batch, 1, h), row j from member j mod k: its own member's output layer
            k = self.kernel.shape[0]
            # every member's (small) output layer on each row, then the row's own: a (batch, k,
            # units) product, where gathering each row's kernel would make (batch, h, units)
            out = ops.einsum("bh,kho->bko", h[:, 0, :], self.kernel) + self.bias
            own = ops.expand_dims(ops.one_hot(member_of_rows(h, k), k, dtype=out.dtype), -1)
            out = ops.sum(out * own, axis=1)
            return self.activation(out if offset is None else out + offset)
        out = ops.einsum("bkh,kho->bko", h, self.kernel) + self.bias
        out = self.activation(out if offset is None else out + offset[:, None, :])
        return ops.mean(out, axis=1)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package="skdeep")
class _RandomSigns(keras.initializers.Initializer):
    """+1 or -1 with equal probability."""

    def __init__(self, seed=None):
        # An unseeded one takes its seed where Keras's own initializers do, which
        # skdeep makes a function of random_state during every build.
        self.seed = seed if seed is not None else keras.initializers.RandomUniform().seed

    def __call__(self, shape, dtype=None):
        u = keras.random.uniform(shape, seed=self.seed, dtype=dtype)
        return ops.where(u < 0.5, -1.0, 1.0)

    def get_config(self):
        return {"seed": self.seed}
