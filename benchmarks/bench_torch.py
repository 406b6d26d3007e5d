#!/usr/bin/env python
"""skdeep on PyTorch vs skorch vs raw keras.Model.fit on PyTorch, in ONE run (issue 20).

Keras runs on its torch backend (``KERAS_BACKEND=torch``, set below before any
import of keras or skdeep). Every contender trains the same network on the same
data, as in ``bench_cpu.py``:

    Dense(64, relu) -> Dense(32, relu) -> Dense(1, sigmoid)
    Adam(lr=1e-3), binary cross-entropy, batch_size=32, 20 epochs

Contenders:

    skdeep   skdeep.KerasClassifier, the plain network (the tabular recipe off), engine as
             given by --skdeep-variants (default "auto": the PyTorch trainer of skdeep/_engine/_torch.py)
    skorch   skorch.NeuralNetBinaryClassifier on a torch.nn.Module
             Linear(n, 64)/ReLU/Linear(64, 32)/ReLU/Linear(32, 1) (logits; BCEWithLogitsLoss is the
             sigmoid + binary cross-entropy of the others), Glorot-uniform weights and zero biases
             like Keras's Dense, torch.optim.Adam(lr=1e-3), batch_size=32, max_epochs=20,
             train_split=None, iterator_train__shuffle=True, verbose=0
    keras    keras.Sequential + compile + model.fit(batch_size=32, epochs=20, verbose=0) on torch

Cases (interleaved: each repetition runs every case for every contender, contender
order rotated per repetition; tables report medians):

    bc_fit   breast_cancer, StandardScaler -> model, one fit
    bc_cv    breast_cancer, 5-fold cross_val_score (StratifiedKFold)
    big_fit  make_classification 100,000 x 50, one fit

Each row also shows the final training loss (or the mean CV accuracy), so a
speed-up bought with worse training shows.

    python benchmarks/bench_torch.py --quick      # smoke run, 5 epochs, big case 10,000 rows
    python benchmarks/bench_torch.py              # full run (3 repeats of the bc cases, 1 of big_fit)
    python benchmarks/bench_torch.py --big-epochs 10 --output /tmp/torch.md
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras / skdeep are imported (bench_cpu imports them lazily)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import fmt_num, fmt_ratio, fmt_time, machine_info, md_table, median, print_table  # noqa: E402
from bench_cpu import (  # noqa: E402
    BATCH,
    HIDDEN,
    LR,
    KerasRunner,
    SkdeepRunner,
    SklearnStyleRunner,
    cleanup,
    load_avg,
    load_data,
    run_case,
    warmup,
)

ALL_CASES = ["bc_fit", "bc_cv", "big_fit"]
ALL_CONTENDERS = ["skdeep", "skorch", "keras"]
METRIC_NAME = {"bc_fit": "final train loss", "bc_cv": "mean CV accuracy", "big_fit": "final train loss"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: 1 repeat, 5 epochs, big case 10,000 rows")
    p.add_argument("--repeats", type=int, default=None, help="repetitions of bc_fit / bc_cv (default 3; --quick: 1)")
    p.add_argument("--big-repeats", type=int, default=1, help="repetitions of big_fit (default 1: it dominates)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of the bc cases (default 20; --quick: 5)")
    p.add_argument("--big-epochs", type=int, default=None, help="epochs of big_fit (default: --epochs)")
    p.add_argument("--big-n", type=int, default=None, help="rows of the big case (default 100000; --quick: 10000)")
    p.add_argument("--cases", default=",".join(ALL_CASES), help=f"comma list from {ALL_CASES}")
    p.add_argument("--contenders", default=",".join(ALL_CONTENDERS), help=f"comma list from {ALL_CONTENDERS}")
    p.add_argument("--skdeep-variants", default="auto",
                   help="comma list of skdeep engines (auto/compiled/keras, optionally ':cold'), as in bench_cpu.py")
    p.add_argument("--threads", type=int, default=None,
                   help="torch.set_num_threads(N) for every contender (default: torch's default). On a CPU shared "
                        "with other work, 1 avoids the OpenMP stalls of torch's default thread pool")
    p.add_argument("--output", default=None, help="also write the markdown section to this file")
    p.add_argument("--json", default=None, help="also dump raw per-repetition numbers to this JSON file")
    p.add_argument("--no-clear-session", action="store_true",
                   help="do not call keras.backend.clear_session() between runs")
    a = p.parse_args(argv)
    a.repeats = a.repeats if a.repeats is not None else (1 if a.quick else 3)
    if a.quick:
        a.big_repeats = 1
    a.epochs = a.epochs if a.epochs is not None else (5 if a.quick else 20)
    a.big_epochs = a.big_epochs if a.big_epochs is not None else a.epochs
    a.big_n = a.big_n if a.big_n is not None else (10_000 if a.quick else 100_000)
    a.cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    a.contenders = [c.strip() for c in a.contenders.split(",") if c.strip()]
    a.skdeep_variants = [v.strip() for v in a.skdeep_variants.split(",") if v.strip()]
    for c in a.cases:
        if c not in ALL_CASES:
            p.error(f"unknown case {c!r}")
    for c in a.contenders:
        if c not in ALL_CONTENDERS:
            p.error(f"unknown contender {c!r}")
    # bench_cpu's helpers read these
    a.predict_iters_1 = a.predict_iters_10k = 0
    return a


# ----------------------------------------------------------------------------
# skorch
# ----------------------------------------------------------------------------


def _skorch_module(n_features, hidden=HIDDEN):
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            sizes = [n_features, *hidden]
            layers = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(a, b), nn.ReLU()]
            layers.append(nn.Linear(sizes[-1], 1))  # logits; the sigmoid is in BCEWithLogitsLoss
            self.net = nn.Sequential(*layers)
            for m in self.net:
                if isinstance(m, nn.Linear):  # Keras Dense defaults: Glorot uniform, zero bias
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

        def forward(self, X):
            return self.net(X).squeeze(-1)

    del torch
    return MLP


def _to_float32(X):
    """skorch's torch module wants float32 (StandardScaler gives float64)."""
    import numpy as np

    return np.asarray(X, dtype=np.float32)


class SkorchRunner(SklearnStyleRunner):
    name = "skorch"
    label = "skorch.NeuralNetBinaryClassifier"
    grid_keys = ("module__hidden", "lr")

    def __init__(self, epochs):
        super().__init__(epochs)
        self.n_features = None

    def seed(self):
        import torch

        torch.manual_seed(0)

    def make(self, hidden=HIDDEN, lr=LR, task="clf"):
        import torch
        from skorch import NeuralNetBinaryClassifier

        if task != "clf":
            raise ValueError("only the classifier cases are benchmarked")
        return NeuralNetBinaryClassifier(
            _skorch_module(self.n_features, hidden), optimizer=torch.optim.Adam, lr=lr, batch_size=BATCH,
            max_epochs=self.epochs, train_split=None, verbose=0, iterator_train__shuffle=True)

    def _pipe(self, est, scale=True):
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        from sklearn.preprocessing import FunctionTransformer

        steps = ([("scale", StandardScaler())] if scale else []) + \
            [("float32", FunctionTransformer(_to_float32)), ("model", est)]
        return Pipeline(steps)

    # BCEWithLogitsLoss needs a float target: a skorch user casts y (inside the timings here)
    def fit(self, X, y, scale=True, task="clf", hidden=HIDDEN):
        import numpy as np

        self.n_features = X.shape[1]
        return super().fit(X, np.asarray(y, dtype=np.float32), scale=scale, task=task, hidden=hidden)

    def cross_val(self, X, y, cv):
        import numpy as np

        self.n_features = X.shape[1]
        return super().cross_val(X, np.asarray(y, dtype=np.float32), cv)

    def final_loss(self, est):
        return float(est.history[-1, "train_loss"])


# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------


def make_runners(args):
    runners, skipped = [], {}
    for c in args.contenders:
        if c == "skdeep":
            runners += [SkdeepRunner(args.epochs, v) for v in args.skdeep_variants]
        elif c == "skorch":
            try:
                import skorch  # noqa: F401
            except Exception as exc:  # noqa: BLE001
                skipped["skorch"] = f"{type(exc).__name__}: {exc}"
                continue
            runners.append(SkorchRunner(args.epochs))
        elif c == "keras":
            runners.append(KerasRunner(args.epochs))
    return runners, skipped


def main(argv=None):
    args = parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)

    import keras
    import torch

    backend = keras.backend.backend()
    assert backend == "torch", backend
    if args.threads:
        torch.set_num_threads(args.threads)  # one process: the same for every contender
    runners, skipped = make_runners(args)
    data = load_data(args)
    print(f"backend={backend} torch={torch.__version__} threads={torch.get_num_threads()} epochs={args.epochs} "
          f"big_epochs={args.big_epochs} repeats={args.repeats} big_repeats={args.big_repeats} big_n={args.big_n} "
          f"contenders={[r.name for r in runners]} cases={args.cases}", flush=True)
    for k, v in skipped.items():
        print(f"  SKIPPED {k}: {v}")

    load_start = load_avg()
    t_start = time.perf_counter()
    print("warm-up (untimed)...", flush=True)
    warmup(runners, data, args)

    results = {c: {r.name: [] for r in runners} for c in args.cases}
    errors = {}
    n_reps = max(args.repeats, args.big_repeats)
    for rep in range(n_reps):
        rot = rep % len(runners) if runners else 0
        order = runners[rot:] + runners[:rot]
        for case in args.cases:
            if rep >= (args.big_repeats if case == "big_fit" else args.repeats):
                continue
            for r in order:
                r.epochs = args.big_epochs if case == "big_fit" else args.epochs
                cleanup(args, r)
                try:
                    res = run_case(case, r, data, args)
                except Exception as exc:  # noqa: BLE001
                    msg = f"{type(exc).__name__}: {exc}"
                    errors.setdefault((case, r.name), msg)
                    print(f"[rep {rep + 1}/{n_reps}] {case:<8} {r.name:<10} ERROR {msg}", flush=True)
                    traceback.print_exc(limit=5)
                    continue
                results[case][r.name].append(res)
                print(f"[rep {rep + 1}/{n_reps}] {case:<8} {r.name:<10} {fmt_time(res['time']):>9}  "
                      f"{METRIC_NAME[case]}={fmt_num(res['metric'])}  {res['extra']}", flush=True)
    total = time.perf_counter() - t_start

    names = [r.name for r in runners]
    ref = next((n for n in names if n.startswith("skdeep")), None)
    others = [n for n in names if n != ref]
    headers = ["case", "contender", "median time", "min-max", "n", "quality (median)", "notes"] + \
        ([f"{ref} / {o}" for o in others] if ref else [])
    rows, summary = [], {}
    for case in args.cases:
        sm = {n: median([x["time"] for x in results[case][n]]) for n in names}
        summary[case] = sm
        for n in names:
            xs = results[case][n]
            if not xs:
                err = errors.get((case, n))
                rows.append([case, n, "n/a", "", 0, "", f"ERROR {err}" if err else ""] + [""] * len(others))
                continue
            ts = [x["time"] for x in xs]
            metric = median([x["metric"] for x in xs])
            ratios = [fmt_ratio(sm[ref], sm[o]) for o in others] if (ref and n == ref) else [""] * len(others)
            rows.append([case, n, fmt_time(sm[n]), f"{fmt_time(min(ts))} - {fmt_time(max(ts))}", len(xs),
                         f"{METRIC_NAME[case]} {fmt_num(metric)}", xs[len(xs) // 2]["extra"]] + ratios)
    print()
    print(f"=== results (medians; total wall {fmt_time(total)}) ===")
    print_table(headers, rows)

    targets = []
    big = summary.get("big_fit", {})
    if ref and big.get(ref):
        if big.get("skorch"):
            r = big["skorch"] / big[ref]
            targets.append(["big_fit: skdeep at least 2x faster than skorch", f"skorch / skdeep = {r:.2f}x",
                            "yes" if r >= 2 else "no"])
        if big.get("keras"):
            r = big["keras"] / big[ref]
            targets.append(["big_fit: skdeep faster than keras.Model.fit", f"keras / skdeep = {r:.2f}x",
                            "yes" if r > 1 else "no"])
    if targets:
        print()
        print_table(["target", "measured", "met"], targets)

    info = machine_info(modules=("numpy", "sklearn", "keras", "torch", "skorch", "skdeep"))
    info["keras backend"] = backend
    info["torch threads (intra-op)"] = torch.get_num_threads()
    info["load average (1/5/15 min) at start / end"] = f"{load_start} / {load_avg()}"
    cmd = "python benchmarks/bench_torch.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [f"Generated by `{cmd.strip()}` on {info['date']}; total wall time {fmt_time(total)}.", "",
             md_table(["item", "value"], [[k, v] for k, v in info.items()]), "",
             md_table(headers, rows), ""]
    if targets:
        lines += [md_table(["target", "measured", "met"], targets), ""]
    raw = [[c, n, ", ".join(f"{x['time']:.4g}" for x in results[c][n])] for c in args.cases for n in names]
    lines += ["Raw times per repetition (seconds):", "", md_table(["case", "contender", "times"], raw), ""]
    md = "\n".join(lines)
    print()
    print(md)
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(md)
        print(f"wrote {args.output}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "machine": info, "results": results,
                       "errors": {f"{c}/{n}": m for (c, n), m in errors.items()}}, fh, indent=1, default=str)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
