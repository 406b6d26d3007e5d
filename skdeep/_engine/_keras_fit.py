"""The fallback engine: plain ``keras.Model.fit``.

Batches come from a :class:`keras.utils.PyDataset` that visits rows in the
order of :func:`epoch_order`, the compiled engine's order, so ``random_state``
is honoured on every backend without touching any global seed. ``fit`` gets
``shuffle=False``: its own batch shuffling would use an unseeded generator.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from .._chunks import dense
from ._guard import FiniteGuard
from ._shuffle import epoch_order


def padded(x, y, sample_weight, pad_to: int):
    """A batch whose row count is a multiple of ``pad_to``, with the same loss and gradient.

    Data-parallel JAX splits each batch evenly among the devices. The batch is
    completed with copies of its first row at weight zero, and the real rows'
    weights are scaled by ``padded / real`` rows, so the loss (a weighted sum
    over the padded batch size) and its gradient equal the unpadded batch's.
    Epoch averages that Keras weights by batch size count the padded rows.
    """
    n = x.shape[0]
    extra = -n % pad_to
    if not extra:
        return x, y, sample_weight
    take = np.concatenate([np.arange(n), np.zeros(extra, dtype=int)])
    sw = np.concatenate([sample_weight * ((n + extra) / n), np.zeros(extra, dtype=sample_weight.dtype)])
    return x[take], y[take], sw.astype(sample_weight.dtype)


class ShuffledBatches(keras.utils.PyDataset):
    """``(x, y, sample_weight)`` batches in a seeded order that changes every epoch.

    Keras calls the epoch hooks in an order that differs by backend (on TensorFlow the
    next epoch's first batch is prefetched before this epoch ends), so the epoch advances
    on what is served: batch 0 asked for after the last batch was. Keras also reads
    batches it does not train on, to learn their shapes: TensorFlow's adapter up to two
    before the first epoch begins, JAX's and PyTorch's trainers one inside an epoch they
    then reset. Those must not count, or an epoch of one or two batches would take the
    next epoch's order: the first are ignored, the second undone when an epoch ends with
    no batch trained (:class:`TrainedBatches` counts them).
    """

    def __init__(self, x, y, sample_weight, batch_size: int, seed: int, initial_epoch: int, pad_to: int = 1):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self.seed = seed
        self.pad_to = pad_to
        self._epoch = initial_epoch
        self._order = epoch_order(seed, initial_epoch, x.shape[0])
        self._finished = False
        self._began = False
        self._trained = 0
        self._at_begin = None

    def __len__(self) -> int:
        return math.ceil(self.x.shape[0] / self.batch_size)

    def on_epoch_begin(self):
        self._began, self._trained = True, 0
        self._at_begin = (self._epoch, self._order, self._finished)

    def on_epoch_end(self):
        if not self._trained and self._at_begin is not None:  # only read, never trained on
            self._epoch, self._order, self._finished = self._at_begin

    def batch_trained(self):
        self._trained += 1

    def __getitem__(self, i: int):
        if i == 0 and self._finished:
            self._epoch += 1
            self._order = epoch_order(self.seed, self._epoch, self.x.shape[0])
            self._finished = False
        self._finished = self._finished or (self._began and i == len(self) - 1)
        idx = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        return padded(dense(self.x[idx]), self.y[idx], self.sample_weight[idx], self.pad_to)


class TrainedBatches(keras.callbacks.Callback):
    """Tell :class:`ShuffledBatches` that a batch was trained on (not only read)."""

    def __init__(self, batches: ShuffledBatches):
        super().__init__()
        self.batches = batches

    def on_train_batch_end(self, batch, logs=None):
        self.batches.batch_trained()


class Batches(keras.utils.PyDataset):
    """Validation rows in order, each batch padded as :func:`padded` says."""

    def __init__(self, x, y, sample_weight, batch_size: int, pad_to: int):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size, self.pad_to = batch_size, pad_to

    def __len__(self) -> int:
        return math.ceil(self.x.shape[0] / self.batch_size)

    def __getitem__(self, i: int):
        rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return padded(dense(self.x[rows]), self.y[rows], self.sample_weight[rows], self.pad_to)


def train(model, data, *, epochs, initial_epoch, batch_size, callbacks, verbose, seed, fit_kwargs,
          on_divergence="raise", pad_to=1):
    """Run ``model.fit`` for ``epochs`` more epochs and return its history dict.

    ``pad_to``: each batch's rows are made a multiple of it (data-parallel JAX).
    """
    batches = ShuffledBatches(data.x, data.y, data.sample_weight, batch_size, seed, initial_epoch, pad_to)
    validation = data.validation
    if validation is not None and pad_to > 1:
        validation = Batches(*validation, batch_size, pad_to)
    first = [TrainedBatches(batches)]
    if keras.backend.backend() == "torch":  # dropout draws from torch's global generator: seeded per epoch
        from ._torch import EpochSeeds

        first.append(EpochSeeds(seed))
    history = model.fit(
        batches,
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        validation_data=validation,
        callbacks=[*first, *callbacks, FiniteGuard(on_divergence, initial_epoch)],
        verbose=verbose,
        **{"shuffle": False, **fit_kwargs},
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
