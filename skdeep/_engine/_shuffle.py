"""The order rows are visited in, shared by both engines."""

from __future__ import annotations

import numpy as np


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The row permutation of ``epoch``: a function of (seed, epoch) only.

    Both engines use it, so they visit the same batches, and ``partial_fit``
    calls continue the sequence rather than repeating the first epoch.
    """
    return np.random.default_rng([seed, epoch]).permutation(n)
