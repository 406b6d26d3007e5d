"""Issue 13's targets: a grid search on a 2-worker Dask cluster, and a memmap fit's memory.

1. A 2x2x3 ``GridSearchCV`` on breast_cancer (StandardScaler + KerasClassifier,
   hidden (8,)|(16,) x learning rate 1e-3|1e-2, StratifiedKFold(3), 20 epochs)
   with ``n_jobs=1`` and on a ``distributed.LocalCluster`` of 2 worker processes
   (1 thread each) through joblib's Dask backend (X, y scattered). Checks the
   same best parameters and scores; reports cluster start-up, the first search
   on fresh workers, and the median of warm searches against ``n_jobs=1``.
2. A memmap larger than ``host_budget_bytes`` (400,000 x 60 float32, 96 MB;
   budget 8 MiB): peak RSS growth of fit + predict in a fresh process, as a
   fraction of the data size, beside the same fit on the array read into memory.

Run: ``python benchmarks/dask_grid.py [--repeats 3] [--append benchmarks/RESULTS.md]``
(about 2-3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_search():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep import KerasClassifier

    pipe = make_pipeline(StandardScaler(), KerasClassifier(epochs=20, random_state=0))
    grid = {"kerasclassifier__hidden_layer_sizes": [(8,), (16,)], "kerasclassifier__learning_rate": [1e-3, 1e-2]}
    return GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def grid_on_dask(repeats: int) -> dict:
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    make_search().fit(X, y)  # warm this process too: n_jobs=1 is timed warm
    seq_times, seq = zip(*[timed(lambda: make_search().fit(X, y)) for _ in range(repeats)])
    seq = seq[0]

    def on_dask():
        with joblib.parallel_backend("dask", scatter=[X, y]):
            return make_search().fit(X, y)

    def start():
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
        client.run(lambda: __import__("skdeep._classifier"))  # imports done on the workers
        return cluster, client

    startup, (cluster, client) = timed(start)
    try:
        first, _ = timed(on_dask)
        dask_times, results = zip(*[timed(on_dask) for _ in range(repeats)])
    finally:
        client.close()
        cluster.close()
    same = all(
        r.best_params_ == seq.best_params_
        and np.array_equal(r.cv_results_["mean_test_score"], seq.cv_results_["mean_test_score"])
        and all(np.array_equal(r.cv_results_[f"split{k}_test_score"], seq.cv_results_[f"split{k}_test_score"])
                for k in range(3))
        for r in results
    )
    return {
        "startup": startup, "first": first, "seq": list(seq_times), "dask": list(dask_times),
        "same": same, "best_params": seq.best_params_, "best_score": float(seq.best_score_),
        "scores": seq.cv_results_["mean_test_score"].tolist(),
    }


_PEAK = textwrap.dedent("""
    import json, sys, threading
    import numpy as np, psutil
    import skdeep
    from skdeep import KerasClassifier

    path, y_path, mode = sys.argv[1:4]
    y = np.load(y_path)
    params = dict(hidden_layer_sizes=(16,), epochs=2, batch_size=4096, random_state=0)
    KerasClassifier(**params).fit(np.load(path, mmap_mode="r")[:8192].copy(), y[:8192])  # traces, caches
    proc = psutil.Process()
    base, peak, stop = proc.memory_info().rss, [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            stop.wait(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t = __import__("time").perf_counter()
    with skdeep.config_context(host_budget_bytes=8 * 2**20):
        X = np.load(path, mmap_mode="r") if mode == "memmap" else np.load(path)
        est = KerasClassifier(**params).fit(X, y)
        proba = est.predict_proba(X)
    seconds = __import__("time").perf_counter() - t
    stop.set()
    sampler.join()
    print(json.dumps({"peak": peak[0] - base, "seconds": seconds, "loss": est.history_["loss"]}))
""")


def memmap_peak() -> dict:
    n, d = 400_000, 60
    with tempfile.TemporaryDirectory() as tmp:
        path, y_path = os.path.join(tmp, "X.npy"), os.path.join(tmp, "y.npy")
        X = np.lib.format.open_memmap(path, mode="w+", dtype="float32", shape=(n, d))
        rng = np.random.default_rng(0)
        for start in range(0, n, 50_000):
            X[start : start + 50_000] = rng.normal(size=(50_000, d))
        np.save(y_path, (X[:, 0] - X[:, 1] > 0).astype("int8"))
        X.flush()
        del X
        env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out = {}
        for mode in ("memmap", "memory"):
            run = subprocess.run([sys.executable, "-c", _PEAK, path, y_path, mode],
                                 capture_output=True, text=True, env=env, check=True)
            out[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    return {"data_bytes": n * d * 4, **out}


def report(grid: dict, mm: dict, repeats: int) -> str:
    seq, dask = _common.median(grid["seq"]), _common.median(grid["dask"])
    mib = 2**20
    lines = [
        "",
        "## Dask grid search and larger-than-memory data (issue 13)",
        "",
        f"Generated by `python benchmarks/dask_grid.py --repeats {repeats}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; same machine type as above "
        f"(2 cores shared with other work; load average {os.getloadavg()[0]:.2f} at the end). "
        "Keras backend: " + os.environ.get("KERAS_BACKEND", "tensorflow") + ".",
        "",
        "2x2x3 `GridSearchCV` on breast_cancer (StandardScaler + KerasClassifier, hidden (8,)|(16,) x "
        "learning rate 1e-3|1e-2, StratifiedKFold(3, shuffle=True, random_state=0), 20 epochs, "
        "random_state=0): `n_jobs=1` against a `LocalCluster` of 2 worker processes x 1 thread through "
        "`joblib.parallel_backend(\"dask\", scatter=[X, y])`.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| same best params and every split score as `n_jobs=1` | {'yes' if grid['same'] else 'NO'} |",
        f"| best params / best mean score | {grid['best_params']} / {grid['best_score']:.4f} |",
        f"| cluster start-up (2 workers, skdeep imported on them) | {grid['startup']:.1f} s |",
        f"| first search on fresh workers (traces compiled there) | {grid['first']:.2f} s |",
        f"| `n_jobs=1`, warm, median of {repeats} | {seq:.2f} s ({', '.join(f'{t:.2f}' for t in grid['seq'])}) |",
        f"| Dask, warm cluster, median of {repeats} | {dask:.2f} s ({', '.join(f'{t:.2f}' for t in grid['dask'])}) |",
        f"| Dask / `n_jobs=1` (warm; target <= 1.3) | {dask / seq:.2f} |",
        "",
        f"Memmap larger than the host budget: {mm['data_bytes'] / 1e6:.0f} MB of float32 features "
        "(400,000 x 60), `host_budget_bytes` 8 MiB, KerasClassifier(hidden (16,), batch 4096, 2 epochs), "
        "fit + predict_proba in a fresh process after a warm-up fit; peak RSS growth sampled every 2 ms.",
        "",
        "| input | peak RSS growth | / data size (target < 0.5) | fit + predict | same loss history |",
        "|---|---|---|---|---|",
    ]
    for mode in ("memmap", "memory"):
        r = mm[mode]
        lines.append(f"| {mode} | {r['peak'] / mib:.0f} MiB | {r['peak'] / mm['data_bytes']:.2f} | "
                     f"{r['seconds']:.1f} s | {'yes' if r['loss'] == mm['memmap']['loss'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--append", help="append the markdown section to this file")
    args = parser.parse_args(argv)
    grid = grid_on_dask(args.repeats)
    text = report(grid, memmap_peak(), args.repeats)
    print(text)
    if args.append:
        with open(args.append, "a") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
