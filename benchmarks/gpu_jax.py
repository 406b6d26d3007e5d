#!/usr/bin/env python
"""GPU throughput: skdeep vs keras.Model.fit vs a hand-written JAX loop (ceiling).

KERAS_BACKEND=jax is forced by this script.  Meant for a machine with an
NVIDIA GPU and a CUDA-enabled jax (``pip install -U "jax[cuda12]"``); it also
runs on CPU (use --quick there) so it can be smoke-tested anywhere.

Data: 1,000,000 x 100 float32 synthetic binary classification (a noisy random
linear teacher), the same numpy arrays for every contender.
Network: Dense(256, relu) -> Dense(128, relu) -> Dense(1, sigmoid), Adam lr 1e-3,
binary cross-entropy; batch sizes 256 and 4096.

Contenders
  skdeep   skdeep.KerasClassifier(hidden_layer_sizes=(256, 128), engine="auto", ...).fit(X, y)
  keras    plain Sequential + compile + model.fit(X, y, batch_size=..., epochs=..., verbose=0)
  jax      reference ceiling: data put on the device once, one jitted function per
           epoch (jax.random.permutation + jax.lax.fori_loop over batches, gather by
           index on device), hand-written Adam in jax.numpy (keras' update rule,
           eps=1e-7), numerically-stable BCE on logits.  Drops the last partial batch.

Method: every (contender, batch size) does one fresh fit of 1+E epochs (E = --epochs,
default 3) that pays its own compilation (``jax.clear_caches()``,
``keras.backend.clear_session()`` and skdeep's trainer cache emptied before every
fit).  Epoch boundaries are timed inside the fit (a keras callback whose
on_epoch_end first turns the logs into python floats, i.e. waits for the device;
the JAX loop syncs on its loss each epoch), so

    steady samples/s     = n / median(duration of epochs 2 .. 1+E)   (compilation excluded)
    end-to-end samples/s = (1+E) * n / wall time of the whole fit()   (what a user sees)

and the final epoch's mean training loss is reported next to it.  With
--repeats > 1, runs are interleaved (contender order rotated) and medians reported.

    KERAS_BACKEND=jax python benchmarks/gpu_jax.py                  # full run
    python benchmarks/gpu_jax.py --quick                            # CPU smoke test
    python benchmarks/gpu_jax.py --batch-sizes 4096 --epochs 5 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import traceback
import warnings

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# if tensorflow gets imported (keras utilities, skdeep), keep it off the GPU memory
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_num, gpu_info, machine_info, md_table, median, print_table  # noqa: E402

ALL_CONTENDERS = ["skdeep", "keras", "jax"]
HIDDEN = (256, 128)
LR = 1e-3


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: 20,000 rows, E=1, batch sizes 256,4096")
    p.add_argument("--n", type=int, default=None, help="rows (default 1,000,000; --quick 20,000)")
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--batch-sizes", default="256,4096")
    p.add_argument("--epochs", type=int, default=None, help="timed epochs E after the first (default 3; --quick 1)")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--contenders", default=",".join(ALL_CONTENDERS))
    p.add_argument("--skdeep-engine", default="auto")
    p.add_argument("--jax-unroll", type=int, default=1,
                   help="unroll factor of the reference loop's lax.fori_loop (try 4-8 on GPU for batch 256)")
    p.add_argument("--output", default=None,
                   help="markdown file (default benchmarks/RESULTS-gpu.md; --quick: benchmarks/RESULTS-gpu-quick.md)")
    a = p.parse_args(argv)
    a.n = a.n if a.n is not None else (20_000 if a.quick else 1_000_000)
    a.epochs = a.epochs if a.epochs is not None else (1 if a.quick else 3)
    a.batch_sizes = [int(b) for b in a.batch_sizes.split(",") if b.strip()]
    a.contenders = [c.strip() for c in a.contenders.split(",") if c.strip()]
    for c in a.contenders:
        if c not in ALL_CONTENDERS:
            p.error(f"unknown contender {c!r}")
    if a.output is None:
        a.output = os.path.join(HERE, "RESULTS-gpu-quick.md" if a.quick else "RESULTS-gpu.md")
    return a


def make_data(n, d, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    w = rng.standard_normal(d).astype(np.float32) / np.sqrt(d)
    logits = X @ w + 0.3 * rng.standard_normal(n).astype(np.float32)
    y = (logits > 0).astype(np.float32)
    return X, y


# ----------------------------------------------------------------------------
# contenders: fit(X, y, batch_size, epochs) -> (final epoch mean loss, list of
# perf_counter() stamps at each epoch end); must block until the device is done.
# ----------------------------------------------------------------------------


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Epoch-end timestamps; touching the logs as floats waits for the device."""

        def __init__(self):
            super().__init__()
            self.stamps = []

        def on_epoch_end(self, epoch, logs=None):
            for v in (logs or {}).values():
                float(v)
            self.stamps.append(time.perf_counter())

    return EpochTimer()


def fit_skdeep(X, y, bs, epochs, engine="auto"):
    from skdeep import KerasClassifier

    timer = _epoch_timer()  # epoch hooks only: skdeep keeps its compiled engine
    est = KerasClassifier(hidden_layer_sizes=HIDDEN, activation="relu", optimizer="adam", learning_rate=LR,
                          batch_size=bs, epochs=epochs, random_state=0, verbose=0, engine=engine,
                          callbacks=[timer])
    est.fit(X, y)
    return float(est.history_["loss"][-1]), timer.stamps


def fit_keras(X, y, bs, epochs):
    import keras

    keras.utils.set_random_seed(0)
    timer = _epoch_timer()
    layers = [keras.Input((X.shape[1],))] + [keras.layers.Dense(h, activation="relu") for h in HIDDEN]
    model = keras.Sequential(layers + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LR), loss="binary_crossentropy")
    hist = model.fit(X, y, batch_size=bs, epochs=epochs, verbose=0, callbacks=[timer])
    return float(hist.history["loss"][-1]), timer.stamps


_JAX_EPOCH = None
JAX_UNROLL = 1


def _jax_epoch_fn():
    """Build (once per process) the jitted one-epoch function."""
    global _JAX_EPOCH
    if _JAX_EPOCH is not None:
        return _JAX_EPOCH
    from functools import partial

    import jax
    import jax.numpy as jnp

    b1, b2, eps = 0.9, 0.999, 1e-7  # keras Adam defaults

    def forward(params, x):
        for W, b in params[:-1]:
            x = jax.nn.relu(x @ W + b)
        W, b = params[-1]
        return (x @ W + b)[:, 0]

    def loss_fn(params, x, y):
        z = forward(params, x)
        # binary cross-entropy on logits, numerically stable
        return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))

    def adam(params, grads, m, v, t):
        t = t + 1
        m = jax.tree.map(lambda m_, g: b1 * m_ + (1 - b1) * g, m, grads)
        v = jax.tree.map(lambda v_, g: b2 * v_ + (1 - b2) * g * g, v, grads)
        tf = t.astype(jnp.float32)
        lr_t = LR * jnp.sqrt(1 - b2**tf) / (1 - b1**tf)
        params = jax.tree.map(lambda p, m_, v_: p - lr_t * m_ / (jnp.sqrt(v_) + eps), params, m, v)
        return params, m, v, t

    @partial(jax.jit, static_argnums=(4,), donate_argnums=(0,))
    def epoch(state, X, y, key, bs):
        n = X.shape[0]
        nb = n // bs
        perm = jax.random.permutation(key, n)

        def body(i, carry):
            params, m, v, t, tot = carry
            idx = jax.lax.dynamic_slice(perm, (i * bs,), (bs,))
            xb = jnp.take(X, idx, axis=0)
            yb = jnp.take(y, idx, axis=0)
            loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
            params, m, v, t = adam(params, grads, m, v, t)
            return params, m, v, t, tot + loss

        params, m, v, t = state
        params, m, v, t, tot = jax.lax.fori_loop(0, nb, body, (params, m, v, t, jnp.float32(0.0)),
                                                  unroll=JAX_UNROLL)
        return (params, m, v, t), tot / nb

    _JAX_EPOCH = epoch
    return epoch


def _jax_init(key, sizes):
    import jax
    import jax.numpy as jnp

    params = []
    for din, dout in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        lim = (6.0 / (din + dout)) ** 0.5  # glorot uniform, like keras Dense
        params.append((jax.random.uniform(sub, (din, dout), jnp.float32, -lim, lim), jnp.zeros((dout,), jnp.float32)))
    return params


def fit_jax(X, y, bs, epochs):
    import jax
    import jax.numpy as jnp

    epoch = _jax_epoch_fn()
    Xd = jax.device_put(X)  # data resident on the device for the whole fit
    yd = jax.device_put(y)
    key = jax.random.PRNGKey(0)
    params = _jax_init(key, [X.shape[1], *HIDDEN, 1])
    zeros = jax.tree.map(jnp.zeros_like, params)
    state = (params, zeros, jax.tree.map(jnp.zeros_like, params), jnp.int32(0))
    loss, stamps = None, []
    for e in range(epochs):
        state, loss = epoch(state, Xd, yd, jax.random.fold_in(key, e + 1), bs)
        loss = float(loss)  # waits for the device, like keras' epoch-end logs
        stamps.append(time.perf_counter())
    return loss, stamps


FITTERS = {"skdeep": fit_skdeep, "keras": fit_keras, "jax": fit_jax}


def reset():
    try:
        sys.path.insert(0, HERE)
        from bench_cpu import skdeep_clear_caches

        skdeep_clear_caches()
    except Exception:  # noqa: BLE001
        pass
    gc.collect()
    try:
        import jax

        jax.clear_caches()
    except Exception:  # noqa: BLE001
        pass
    try:
        import keras

        keras.backend.clear_session()
    except Exception:  # noqa: BLE001
        pass


def timed_fit(name, X, y, bs, epochs, args):
    reset()
    fn = FITTERS[name]
    kw = {"engine": args.skdeep_engine} if name == "skdeep" else {}
    t0 = time.perf_counter()
    loss, stamps = fn(X, y, bs, epochs, **kw)
    total = time.perf_counter() - t0
    return total, loss, [b - a for a, b in zip([t0] + stamps[:-1], stamps)]


def main(argv=None):
    global JAX_UNROLL
    args = parse_args(argv)
    JAX_UNROLL = args.jax_unroll
    warnings.filterwarnings("ignore", category=UserWarning)
    import jax
    import keras

    assert keras.backend.backend() == "jax", keras.backend.backend()
    devices = jax.devices()
    print(f"jax devices: {devices}")
    if devices[0].platform == "cpu" and not args.quick:
        print("WARNING: no GPU visible to jax; this full run on CPU will be very slow (use --quick)")

    contenders = list(args.contenders)
    skipped = {}
    if "skdeep" in contenders:
        try:
            import skdeep  # noqa: F401
            from skdeep import KerasClassifier  # noqa: F401
        except Exception as exc:  # noqa: BLE001
            skipped["skdeep"] = f"{type(exc).__name__}: {exc}"
            contenders.remove("skdeep")

    X, y = make_data(args.n, args.features)
    n, E = args.n, args.epochs
    print(f"data {X.shape} float32, positives {y.mean():.3f}; batch sizes {args.batch_sizes}; E={E}; "
          f"repeats={args.repeats}; contenders={contenders}")

    # untimed warm-up: import / first-touch everything on a small slice
    for c in contenders:
        try:
            timed_fit(c, X[:2048], y[:2048], 256, 1, args)
        except Exception as exc:  # noqa: BLE001
            print(f"warm-up {c} failed: {type(exc).__name__}: {exc}")

    res = {}  # (contender, bs) -> list of dict
    errors = {}
    t_all = time.perf_counter()
    for rep in range(args.repeats):
        for bs in args.batch_sizes:
            rot = rep % max(len(contenders), 1)
            for c in contenders[rot:] + contenders[:rot]:
                try:
                    tE, loss, ep = timed_fit(c, X, y, bs, 1 + E, args)
                except Exception as exc:  # noqa: BLE001
                    errors[(c, bs)] = f"{type(exc).__name__}: {exc}"
                    print(f"[rep {rep + 1}] {c:<7} bs={bs:<5} ERROR {errors[(c, bs)]}")
                    traceback.print_exc(limit=3)
                    continue
                n_c = (n // bs) * bs if c == "jax" else n  # the jax loop drops the last partial batch
                if len(ep) != 1 + E:
                    print(f"  (warning: {c} reported {len(ep)} epoch ends, expected {1 + E})")
                steady = n_c / median(ep[1:]) if len(ep) > 1 else float("nan")
                e2e = (1 + E) * n_c / tE
                res.setdefault((c, bs), []).append(
                    {"t1": ep[0] if ep else float("nan"), "tE": tE, "epochs": ep, "steady": steady, "e2e": e2e,
                     "loss": loss})
                print(f"[rep {rep + 1}] {c:<7} bs={bs:<5} fit({1 + E} ep)={tE:7.2f}s epochs="
                      f"{', '.join(f'{x:.3f}' for x in ep)}s  steady={steady:,.0f} samples/s  "
                      f"end-to-end={e2e:,.0f} samples/s  loss={loss:.4f}", flush=True)
    total = time.perf_counter() - t_all

    headers = ["batch", "contender", "steady samples/s", "end-to-end samples/s", "1st epoch (incl. compile)",
               f"whole fit ({1 + E} epochs)", "final loss", "steady: jax / this", "steady: this / keras"]
    rows = []
    for bs in args.batch_sizes:
        ref_jax = median([r["steady"] for r in res.get(("jax", bs), [])])
        ref_keras = median([r["steady"] for r in res.get(("keras", bs), [])])
        for c in contenders:
            xs = res.get((c, bs))
            if not xs:
                rows.append([bs, c, "n/a", "", "", "", "", "", errors.get((c, bs), "")])
                continue
            st = median([r["steady"] for r in xs])
            rows.append([
                bs, c, f"{st:,.0f}", f"{median([r['e2e'] for r in xs]):,.0f}",
                f"{median([r['t1'] for r in xs]):.2f} s", f"{median([r['tE'] for r in xs]):.2f} s",
                fmt_num(median([r["loss"] for r in xs])),
                f"{ref_jax / st:.2f}x" if ref_jax else "n/a",
                f"{st / ref_keras:.2f}x" if ref_keras else "n/a",
            ])
    for k, v in skipped.items():
        rows.append(["", k, "skipped", "", "", "", "", "", v])
    print()
    print(f"=== {n:,} x {args.features}, Dense{HIDDEN}, medians of {args.repeats} (total {total:.0f} s) ===")
    print_table(headers, rows)

    info = machine_info(modules=("numpy", "keras", "jax", "jaxlib", "skdeep", "tensorflow"))
    info["GPU (nvidia-smi)"] = gpu_info()
    info["jax devices"] = ", ".join(str(d) for d in devices)
    info["keras backend"] = keras.backend.backend()
    cmd = "python benchmarks/gpu_jax.py " + " ".join(sys.argv[1:])
    lines = [
        "# skdeep GPU (JAX backend) throughput" + (" (QUICK smoke run, not representative)" if args.quick else ""),
        "",
        f"Generated by `KERAS_BACKEND=jax {cmd.strip()}` on {info['date']}; total {total:.0f} s.",
        "",
        "## Machine",
        "",
        md_table(["item", "value"], [[k, v] for k, v in info.items()]),
        "",
        "## Setup",
        "",
        f"- Data: {n:,} x {args.features} float32 synthetic binary classification (noisy random linear "
        "teacher), same numpy arrays for all.",
        f"- Network: Dense({HIDDEN[0]}, relu) -> Dense({HIDDEN[1]}, relu) -> Dense(1, sigmoid); Adam lr 1e-3; "
        "binary cross-entropy; float32.",
        f"- Each cell: one fresh {1 + E}-epoch fit paying its own compilation (jax caches, keras session and "
        "skdeep's trainer cache emptied first). Epoch ends are timed inside the fit (keras callback that waits "
        "for the epoch's logs; the JAX loop syncs on its loss). steady = n / median(epochs 2..); "
        f"end-to-end = {1 + E} x n / wall time of the fit.",
        "- skdeep gets the timing callback through `callbacks=[...]`; it has epoch hooks only, so skdeep "
        "stays on its compiled engine (it copies weights back to the Keras model once per epoch for it).",
        "- skdeep: `KerasClassifier(hidden_layer_sizes=(256, 128), batch_size=..., epochs=..., "
        f"random_state=0, verbose=0, engine={args.skdeep_engine!r}).fit(X, y)`.",
        "- keras: `Sequential` + `compile` + `model.fit(X, y, batch_size=..., epochs=..., verbose=0)` from numpy.",
        "- jax (ceiling): data on the device, one jitted epoch = permutation + `lax.fori_loop` over batches "
        f"(unroll={args.jax_unroll}) with on-device gather, hand-written Adam, BCE on logits; drops the final partial batch "
        "(its samples/s counts only the samples it trained on).",
        "",
        "## Results",
        "",
        md_table(headers, rows),
        "",
    ]
    with open(args.output, "w") as fh:
        fh.write("\n".join(lines))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
