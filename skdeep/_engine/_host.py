"""Features larger than host memory: a ``numpy.memmap`` or a Dask array, read in chunks.

scikit-learn's ``validate_data`` turns its input into one in-memory array,
which for a memmap means reading the whole file into RAM. When ``X`` is a
memmap or a Dask array whose features (in the estimator's dtype) exceed the
host budget (:func:`skdeep.get_config`'s ``host_budget_bytes``), skdeep instead
validates it block by block and hands the engines a :class:`StreamedRows`: an
array-like whose row reads (``x[rows]``) return ordinary arrays. The compiled
engine then streams chunks of whole batches, no larger than the host budget,
so training visits exactly the batches of the in-memory fit (same results);
``keras.Model.fit`` reads batch by batch; predictions are made in chunks.

Pages of a memory map that were read count in the process's resident memory
until unmapped, so after every read the pages are handed back to the kernel
(``madvise(MADV_DONTNEED)``; they stay in the page cache).
"""

from __future__ import annotations

import mmap

import numpy as np
from sklearn.utils import assert_all_finite, check_array, check_consistent_length
from sklearn.utils.validation import validate_data

from .._config import get_config


def is_dask_array(x) -> bool:
    """A Dask array, recognised without importing Dask."""
    return type(x).__module__.startswith("dask.array") and hasattr(x, "chunks") and hasattr(x, "compute")


def streams(x, dtype) -> bool:
    """Whether ``x`` is read in chunks: an out-of-core array larger than the host budget."""
    if not (isinstance(x, np.memmap) or is_dask_array(x)) or len(getattr(x, "shape", ())) != 2:
        return False
    if not all(np.isfinite(s) for s in x.shape):
        raise ValueError("X is a Dask array of unknown size (NaN chunk sizes); call "
                         "X.compute_chunk_sizes() first.")
    nbytes = int(np.prod(x.shape)) * np.dtype(dtype).itemsize
    return nbytes > get_config()["host_budget_bytes"]


class StreamedRows:
    """Rows of an out-of-core 2-D array, converted to ``dtype`` as they are read.

    ``rows[i:j]`` and ``rows[index_array]`` return numpy arrays; nothing else is
    held in memory.
    """

    def __init__(self, source, dtype):
        self.source = source
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in source.shape)
        self.ndim = 2
        self._mapping = _mapping_of(source)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        if is_dask_array(self.source):
            return np.asarray(_dask_rows(self.source, rows), dtype=self.dtype)
        if isinstance(rows, slice):
            # A copy even when the dtype matches: a slice of a memmap is a view of its pages.
            out = np.array(self.source[rows], dtype=self.dtype, copy=True)
            self._release()
            return out
        return self._gather(np.asarray(rows))

    def _gather(self, rows: np.ndarray) -> np.ndarray:
        """Rows in any order, read one window of the file at a time.

        A shuffled chunk's rows are spread over the whole file, and every page
        they sit on is mapped while read: read all at once, the whole file would
        count as resident. Window by window (sorted, ``block_rows`` rows each),
        at most one window's pages are.
        """
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        window = block_rows(self.shape, self.source.dtype)
        bounds = np.searchsorted(ordered, np.arange(0, len(self) + window, window))
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            if hi > lo:
                out[order[lo:hi]] = self.source[ordered[lo:hi]]
                self._release()
        return out

    def _release(self) -> None:
        if self._mapping is not None:
            self._mapping.madvise(mmap.MADV_DONTNEED)

    def __array__(self, dtype=None, copy=None):  # the whole array: only for callers that need it
        return np.asarray(self[0 : len(self)], dtype=dtype)

    def blocks(self, rows: int):
        """``(start, block)`` pairs of consecutive rows covering the array."""
        for start in range(0, len(self), rows):
            yield start, self[start : start + rows]


# Copies of a block alive at once while streaming: the block read, its device copy,
# and the same two of the previous block while the next is read. Measured (400k x 60
# float32 memmap, TensorFlow CPU): with chunks of the whole budget, peak RSS grew by
# 6-7x the budget; with a quarter of it, by about 2x.
HOST_COPIES = 4


def block_rows(shape, dtype) -> int:
    """Rows per block such that ``HOST_COPIES`` blocks fit in the host budget (at least one)."""
    row_bytes = int(np.prod(shape[1:])) * np.dtype(dtype).itemsize
    return max(1, get_config()["host_budget_bytes"] // HOST_COPIES // max(row_bytes, 1))


def validate(estimator, X, y, *, reset: bool, y_numeric: bool):
    """``validate_data``'s checks for an out-of-core ``X``, one block at a time.

    Returns ``(StreamedRows, y)``; ``y`` is None when ``y == "no_validation"``.
    """
    if estimator.validation_split not in ("auto", 0):  # "auto" holds none out of streamed rows
        raise ValueError(
            "validation_split needs the training rows in memory, but X is a memory map or Dask "
            f"array larger than host_budget_bytes ({get_config()['host_budget_bytes']}). Hold out "
            "validation rows yourself, or raise skdeep.set_config(host_budget_bytes=...)."
        )
    rows = StreamedRows(X, estimator.dtype)
    # Shape, dtype and the n_features_in_ bookkeeping (set or checked) on a first block.
    validate_data(estimator, rows[: min(len(rows), 2)], reset=reset, dtype=estimator.dtype, accept_sparse=False)
    for _, block in rows.blocks(block_rows(rows.shape, rows.dtype)):
        assert_all_finite(block, input_name="X")
    if isinstance(y, str) and y == "no_validation":
        return rows, None
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")  # as validate_data(multi_output=True)
    if y_numeric and y.dtype.kind == "O":
        y = y.astype(np.float64)
    check_consistent_length(rows, y)
    return rows, y


def _mapping_of(x):
    """The ``mmap`` under a numpy memmap (or a view of one), if its pages can be dropped."""
    if not hasattr(mmap, "MADV_DONTNEED") or getattr(x, "mode", "r") == "c":
        return None  # copy-on-write pages would lose their changes
    base = x
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def _dask_rows(x, rows):
    """Rows of a Dask array in the order asked for, computed once (sorted reads are cheaper)."""
    if isinstance(rows, slice):
        return x[rows].compute()
    rows = np.asarray(rows)
    order = np.argsort(rows, kind="stable")
    sorted_rows = x[rows[order]].compute()
    out = np.empty_like(sorted_rows)
    out[order] = sorted_rows
    return out
