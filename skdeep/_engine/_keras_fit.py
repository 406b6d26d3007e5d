"""The fallback engine: plain ``keras.Model.fit``.

Batches come from a :class:`keras.utils.PyDataset` that reshuffles with our own
seeded generator each epoch, so ``random_state`` is honoured on every backend
without touching any global seed.
"""

from __future__ import annotations

import math

import keras
import numpy as np


class ShuffledBatches(keras.utils.PyDataset):
    """``(x, y, sample_weight)`` batches in a seeded order that changes every epoch."""

    def __init__(self, x, y, sample_weight, batch_size: int, seed: int):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(len(x))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i: int):
        idx = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        return self.x[idx], self.y[idx], self.sample_weight[idx]

    def on_epoch_end(self) -> None:
        self._order = self._rng.permutation(len(self.x))


def train(model, data, *, epochs, initial_epoch, batch_size, callbacks, verbose, seed, fit_kwargs):
    """Run ``model.fit`` for ``epochs`` more epochs and return its history dict."""
    batches = ShuffledBatches(data.x, data.y, data.sample_weight, batch_size, seed)
    history = model.fit(
        batches,
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        validation_data=data.validation,
        callbacks=list(callbacks),
        verbose=verbose,
        **fit_kwargs,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}
