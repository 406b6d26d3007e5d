"""The compiled engine's step on each Keras backend, side by side (issue 18).

One process per backend (Keras picks its backend at import), the same data and
network in each: ``make_classification`` 2,000 x 20, ``KerasClassifier`` with a
fixed number of epochs and no early stopping. Two networks:

    plain    (256, 256), the tabular recipe off (no scaling layer, no periodic
             embedding, no dropout, no label smoothing, constant learning rate)
    default  the default network for these rows (periodic embedding, dropout 0.1,
             cosine schedule)

For each: the first fit of the process (2 epochs: tracing and compilation
included) and the warm time per step (the median of three 10-epoch fits after
it). ``tensorflow+xla`` is TensorFlow with ``compile__jit_compile=True``, which
skdeep leaves off on a CPU as Keras does.

Usage::

    python benchmarks/engine_step.py                       # tensorflow, tensorflow+xla, jax; batch 32 and 256
    python benchmarks/engine_step.py --engines tensorflow jax torch --batch 32
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ENGINES = {"tensorflow": ("tensorflow", False), "tensorflow+xla": ("tensorflow", True),
           "jax": ("jax", False), "torch": ("torch", False)}
PLAIN = dict(hidden_layer_sizes=(256, 256), numeric_transform=None, numeric_embedding=None, dropout=0.0,
             label_smoothing=0.0, learning_rate_schedule=None)


def measure(network: str, batch: int, xla: bool) -> dict:
    """In this process: first fit (2 epochs) and warm ms per step (median of three 10-epoch fits)."""
    from sklearn.datasets import make_classification

    from skdeep import KerasClassifier

    X, y = make_classification(2000, 20, n_informative=10, random_state=0)
    X = X.astype("float32")
    params = dict(PLAIN) if network == "plain" else {}
    est = KerasClassifier(epochs=2, batch_size=batch, early_stopping=False, validation_split=0.0,
                          random_state=0, **params)
    if xla:
        est.set_params(compile__jit_compile=True)
    t = time.perf_counter()
    est.fit(X, y)
    first = time.perf_counter() - t
    est.set_params(epochs=10)
    steps = 10 * -(-len(X) // batch)
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        est.fit(X, y)
        warm.append((time.perf_counter() - t) / steps * 1000)
    return {"first_s": first, "ms_per_step": statistics.median(warm), "loss": est.history_["loss"][-1]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", nargs="*", default=["tensorflow", "tensorflow+xla", "jax"], choices=list(ENGINES))
    ap.add_argument("--networks", nargs="*", default=["plain", "default"], choices=["plain", "default"])
    ap.add_argument("--batch", nargs="*", type=int, default=[32, 256])
    ap.add_argument("--one", nargs=3, metavar=("NETWORK", "BATCH", "XLA"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        network, batch, xla = args.one
        print("RESULT " + json.dumps(measure(network, int(batch), xla == "1")))
        return 0
    rows = {}
    for network in args.networks:
        for batch in args.batch:
            for engine in args.engines:
                backend, xla = ENGINES[engine]
                env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
                out = subprocess.run([sys.executable, __file__, "--one", network, str(batch), str(int(xla))],
                                     capture_output=True, text=True, env=env)
                line = next((s for s in out.stdout.splitlines() if s.startswith("RESULT ")), None)
                if line is None:
                    print(f"{engine}: failed\n{out.stderr[-1500:]}", file=sys.stderr)
                    continue
                rows[network, batch, engine] = json.loads(line[7:])
                r = rows[network, batch, engine]
                print(f"{network:8s} batch {batch:<4d} {engine:15s} first fit {r['first_s']:6.2f} s  "
                      f"{r['ms_per_step']:6.3f} ms/step  loss {r['loss']:.4f}", flush=True)
    print("\n| network | batch | engine | first fit (2 epochs) | warm ms a step | vs jax |")
    print("|---|---|---|---|---|---|")
    for (network, batch, engine), r in rows.items():
        jax = rows.get((network, batch, "jax"))
        ratio = f"{r['ms_per_step'] / jax['ms_per_step']:.2f}x" if jax else "-"
        print(f"| {network} | {batch} | {engine} | {r['first_s']:.2f} s | {r['ms_per_step']:.3f} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
