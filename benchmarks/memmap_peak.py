"""Peak memory of a fit + predict on a memmap larger than the host budget, beside the same rows in memory.

``python benchmarks/memmap_peak.py DIR`` writes 400,000 x 60 float32 features
(96 MB) and a binary target into ``DIR``, then, in this fresh process and after
a warm-up fit, fits ``KerasClassifier`` and predicts under a host budget of
8 MiB twice: on the file as a memmap (streamed in chunks), then on the same
rows read into memory. Prints one JSON line: the data size and, per input,
the peak RSS growth (sampled every 2 ms), the seconds, the loss history and
every 997th probability row.

Used by ``benchmarks/dask_grid.py`` (the RESULTS.md row) and by
``tests/test_host.py`` (the memmap's peak stays under half the data size and
its history and predictions equal the in-memory fit's).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import numpy as np

N_ROWS, N_COLUMNS = 400_000, 60
# numeric_embedding=None: periodic embeddings of 60 columns at batch 4096 take ~50 MB of
# activations per step, which is the network's memory, not the data's that this measures.
# early_stopping=False: in memory, "auto" would hold rows out, and a memmap streams all of them.
PARAMS = dict(hidden_layer_sizes=(16,), epochs=2, batch_size=4096, numeric_embedding=None,
              early_stopping=False, random_state=0)


def write(directory: str) -> tuple[str, str]:
    """The features (``X.npy``, written 50,000 rows at a time) and target (``y.npy``) in ``directory``."""
    path, y_path = os.path.join(directory, "X.npy"), os.path.join(directory, "y.npy")
    X = np.lib.format.open_memmap(path, mode="w+", dtype="float32", shape=(N_ROWS, N_COLUMNS))
    rng = np.random.default_rng(0)
    for start in range(0, N_ROWS, 50_000):
        X[start : start + 50_000] = rng.normal(size=(min(50_000, N_ROWS - start), N_COLUMNS))
    np.save(y_path, (X[:, 0] - X[:, 1] > 0).astype("int8"))
    X.flush()
    return path, y_path


def measure(load, y) -> dict:
    """Fit + predict on ``load()`` under an 8 MiB host budget, with the peak RSS growth meanwhile."""
    import psutil

    import skdeep
    from skdeep import KerasClassifier

    proc = psutil.Process()
    base, peak, stop = proc.memory_info().rss, [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t = time.perf_counter()
    try:
        with skdeep.config_context(host_budget_bytes=8 * 2**20):
            X = load()
            est = KerasClassifier(**PARAMS).fit(X, y)
            proba = est.predict_proba(X)
    finally:
        stop.set()
        sampler.join()
    return {"peak": peak[0] - base, "seconds": time.perf_counter() - t, "history": est.history_,
            "proba": proba[::997].tolist()}


def main(directory: str) -> None:
    from skdeep import KerasClassifier

    path, y_path = write(directory)
    y = np.load(y_path)
    KerasClassifier(**PARAMS).fit(np.load(path, mmap_mode="r")[:8192].copy(), y[:8192])  # traces, caches
    out = {"data_bytes": N_ROWS * N_COLUMNS * 4,
           "memmap": measure(lambda: np.load(path, mmap_mode="r"), y),
           "memory": measure(lambda: np.load(path), y)}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
