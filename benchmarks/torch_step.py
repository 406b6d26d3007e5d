#!/usr/bin/env python
"""Per-step cost of skdeep's PyTorch trainer (issue 20), one thread, in milliseconds.

Network Dense(64, relu) -> Dense(32, relu) -> Dense(1, sigmoid) on 50 features,
batch 32, Adam(1e-3), binary cross-entropy, sample weights. Contenders:

    keras_step    TorchTrainer._keras_step: Keras's layers, loss and optimizer (the old step)
    fast_step     TorchTrainer._step: the raw-torch step of skdeep/_engine/_torch_fast.py
                  (the Adam update in torch's fused CPU kernel)
    fast_foreach  the same with Keras's own _foreach Adam update (_torch_fast.FUSED = False)
    plain_torch   torch.nn.Sequential + torch.optim.Adam + BCEWithLogitsLoss, as skorch steps

Each: median per-step time over --steps steps after --warmup steps, in --rounds
interleaved rounds (median of the round medians).

    KERAS_BACKEND=torch python benchmarks/torch_step.py [--steps 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ["KERAS_BACKEND"] = "torch"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from skdeep._engine import _torch_fast  # noqa: E402
from skdeep._engine._torch import TorchTrainer  # noqa: E402

N_FEATURES, BATCH = 50, 32


def keras_trainer():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy())
    model.optimizer.build(model.trainable_variables)
    return TorchTrainer(model, model.loss, [], BATCH)


def plain_torch_step():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(N_FEATURES, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                              torch.nn.ReLU(), torch.nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    crit = torch.nn.BCEWithLogitsLoss()

    def step(x, y, sw):
        opt.zero_grad(set_to_none=True)
        loss = crit(net(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def timed(step, batches, warmup, steps):
    for i in range(warmup):
        step(*batches[i % len(batches)])
    times = []
    for i in range(steps):
        b = batches[i % len(batches)]
        t = time.perf_counter()
        step(*b)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(size=(BATCH * 64, N_FEATURES)).astype("float32"))
    y = torch.as_tensor(rng.integers(0, 2, size=(BATCH * 64, 1)).astype("float32"))
    sw = torch.as_tensor(rng.uniform(0.5, 1.5, size=BATCH * 64).astype("float32"))
    batches = [(x[i:i + BATCH], y[i:i + BATCH], sw[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    old, new = keras_trainer(), keras_trainer()
    _torch_fast.FUSED = False  # read when a trainer is made
    foreach = keras_trainer()
    _torch_fast.FUSED = True
    assert new._fast is not None, "the fast step does not apply to the benchmark network"
    contenders = {"keras_step": old._keras_step, "fast_step": new._step, "fast_foreach": foreach._step,
                  "plain_torch": plain_torch_step()}
    results = {k: [] for k in contenders}
    for _ in range(args.rounds):
        for name, step in contenders.items():
            results[name].append(timed(step, batches, args.warmup, args.steps))
    base = statistics.median(results["plain_torch"])
    print(f"{'step':<14} {'ms/step':>8} {'vs plain torch':>15}")
    for name, r in results.items():
        ms = statistics.median(r)
        print(f"{name:<14} {ms:8.3f} {base / ms:14.2f}x")


if __name__ == "__main__":
    main()
