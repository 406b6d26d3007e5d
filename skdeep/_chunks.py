"""Forward passes over many rows, a chunk at a time: one implementation for every caller.

Prediction, validation, SHAP's model-agnostic explainers and the ROC AUC
callback all run a network over more rows than a device should hold at once.
They go through :func:`in_chunks`, so the chunk size and sparse handling are
decided here once.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

CHUNK_ROWS = 8192  # rows per forward pass: ~8k x 1k float32 features stay under 32 MiB


def dense(x):
    """``x`` as a dense array: a sparse matrix is densified one chunk at a time, never whole."""
    return x.toarray() if hasattr(x, "toarray") else x


def row_slices(n: int, rows: int | None = None) -> Iterator[slice]:
    """Consecutive slices of at most ``rows`` (default ``CHUNK_ROWS``) rows covering ``range(n)``.

    Examples
    --------
    >>> list(row_slices(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    rows = max(int(rows or CHUNK_ROWS), 1)
    for start in range(0, n, rows):
        yield slice(start, min(start + rows, n))


def in_chunks(fn: Callable, x, rows: int | None = None) -> np.ndarray:
    """``fn`` applied to ``x`` ``rows`` (default ``CHUNK_ROWS``) rows at a time, outputs concatenated as numpy.

    Examples
    --------
    >>> in_chunks(lambda c: c * 2, np.arange(5), rows=2)
    array([0, 2, 4, 6, 8])
    """
    n, rows = x.shape[0], rows or CHUNK_ROWS
    if n <= rows:
        return np.asarray(fn(dense(x)))
    return np.concatenate([np.asarray(fn(dense(x[s]))) for s in row_slices(n, rows)], axis=0)
