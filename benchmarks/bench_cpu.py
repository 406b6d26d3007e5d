#!/usr/bin/env python
"""skdeep vs scikeras vs raw keras.Model.fit vs sklearn MLP, in ONE run.

Every contender trains the same network on the same data:

    Dense(64, relu) -> Dense(32, relu) -> Dense(1, sigmoid)
    Adam(lr=1e-3), binary cross-entropy, batch_size=32, 20 epochs

Cases (all interleaved: each repetition runs every case for every contender,
contender order rotated per repetition; tables report medians):

    bc_fit       breast_cancer, StandardScaler -> model, one fit
    bc_cv        breast_cancer, 5-fold cross_val_score (StratifiedKFold)
    bc_grid      breast_cancer, GridSearchCV 2x2 grid (hidden sizes x lr), 3 folds
    big_fit      make_classification 100,000 x 50, one fit
    predict_1    predict() latency for 1 row (median of many calls, after the first call)
    predict_10k  predict() latency for 10,000 rows (same)
    reg_fit      (opt-in) make_regression 5,000 x 20, KerasRegressor / MLPRegressor

Every fit row also shows the final training loss (or CV / grid score), so a
speed-up bought with worse training is visible.

    python benchmarks/bench_cpu.py --quick          # smoke run, ~2-3 min on 2 cores
    python benchmarks/bench_cpu.py                  # full run -> benchmarks/RESULTS.md
    python benchmarks/bench_cpu.py --repeats 5 --contenders skdeep,keras
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import (  # noqa: E402
    Timer,
    fmt_num,
    fmt_ratio,
    fmt_time,
    machine_info,
    md_table,
    median,
    print_table,
)

ALL_CASES = ["bc_fit", "bc_cv", "bc_grid", "big_fit", "predict_1", "predict_10k", "reg_fit"]
DEFAULT_CASES = ["bc_fit", "bc_cv", "bc_grid", "big_fit", "predict_1", "predict_10k"]
ALL_CONTENDERS = ["skdeep", "scikeras", "keras", "mlp"]

HIDDEN = (64, 32)
LR = 1e-3
BATCH = 32
GRID_HIDDEN = [(64, 32), (32, 16)]
GRID_LR = [1e-3, 1e-2]
STREAM_BUDGET_MIB = 4  # skdeep(stream): big_fit's 100,000 x 50 float32 rows (~20 MiB) go in ~5 chunks


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 repeat, 5 epochs, big case 10,000 rows, fewer predict calls")
    p.add_argument("--repeats", type=int, default=None, help="repetitions of every case (default 3; --quick: 1)")
    p.add_argument("--big-repeats", type=int, default=None,
                   help="repetitions of big_fit (default: min(repeats, 2); it dominates run time)")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default 20; --quick: 5)")
    p.add_argument("--big-n", type=int, default=None, help="rows of the big case (default 100000; --quick: 10000)")
    p.add_argument("--cases", default=",".join(DEFAULT_CASES),
                   help=f"comma list from {ALL_CASES} or 'all' (default: all but reg_fit)")
    p.add_argument("--contenders", default=",".join(ALL_CONTENDERS),
                   help=f"comma list from {ALL_CONTENDERS} (default: all)")
    p.add_argument("--skdeep-variants", default="auto,auto:cold",
                   help="comma list of skdeep rows: ENGINE or ENGINE:cold, ENGINE one of auto/compiled/keras. "
                        "Plain = skdeep's compiled-trainer cache kept across runs (a long session); "
                        ":cold = that cache emptied before every timed run, so each run pays compilation "
                        "once, like a fresh process; :stream = a device budget of "
                        f"{STREAM_BUDGET_MIB} MiB, so big_fit streams its data in chunks (default: auto,auto:cold)")
    p.add_argument("--output", default=None,
                   help="markdown file (default benchmarks/RESULTS.md; --quick: benchmarks/RESULTS-quick.md)")
    p.add_argument("--json", default=None, help="also dump raw per-repetition numbers to this JSON file")
    p.add_argument("--no-clear-session", action="store_true",
                   help="do not call keras.backend.clear_session() between runs")
    a = p.parse_args(argv)
    a.repeats = a.repeats if a.repeats is not None else (1 if a.quick else 3)
    a.big_repeats = a.big_repeats if a.big_repeats is not None else min(a.repeats, 2)
    a.epochs = a.epochs if a.epochs is not None else (5 if a.quick else 20)
    a.big_n = a.big_n if a.big_n is not None else (10_000 if a.quick else 100_000)
    a.predict_iters_1 = 10 if a.quick else 50
    a.predict_iters_10k = 3 if a.quick else 10
    a.cases = ALL_CASES if a.cases == "all" else [c.strip() for c in a.cases.split(",") if c.strip()]
    a.contenders = [c.strip() for c in a.contenders.split(",") if c.strip()]
    a.skdeep_variants = [e.strip() for e in a.skdeep_variants.split(",") if e.strip()]
    for v in a.skdeep_variants:
        eng, _, mod = v.partition(":")
        if eng not in ("auto", "compiled", "keras") or mod not in ("", "cold", "stream"):
            p.error(f"bad skdeep variant {v!r}")
    for c in a.cases:
        if c not in ALL_CASES:
            p.error(f"unknown case {c!r}")
    for c in a.contenders:
        if c not in ALL_CONTENDERS:
            p.error(f"unknown contender {c!r}")
    if a.output is None:
        a.output = os.path.join(HERE, "RESULTS-quick.md" if a.quick else "RESULTS.md")
    return a


# ----------------------------------------------------------------------------
# contenders
# ----------------------------------------------------------------------------


class Runner:
    """One contender.  Sub-classes implement fit/predict/cv/grid for a task
    ("clf" or "reg")."""

    name = "?"
    label = "?"

    def __init__(self, epochs):
        self.epochs = epochs

    def seed(self):
        pass

    def before_run(self):
        """Called (untimed) before every timed run."""

    # returns (fitted object, final training loss)
    def fit(self, X, y, scale=True, task="clf", hidden=HIDDEN):
        raise NotImplementedError

    def predict(self, fitted, X):
        raise NotImplementedError

    def cross_val(self, X, y, cv):
        raise NotImplementedError

    def grid(self, X, y, cv):
        """returns (best mean CV accuracy, best params as 'hidden/lr' string)"""
        raise NotImplementedError


class SklearnStyleRunner(Runner):
    """skdeep, scikeras and MLP all take the sklearn path: Pipeline, cross_val_score, GridSearchCV."""

    def make(self, hidden=HIDDEN, lr=LR, task="clf"):
        raise NotImplementedError

    def final_loss(self, est):
        raise NotImplementedError

    grid_keys = ("hidden", "lr")  # estimator parameter names for the grid

    def grid_values(self):
        return {self.grid_keys[0]: GRID_HIDDEN, self.grid_keys[1]: GRID_LR}

    def _pipe(self, est, scale=True):
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        steps = ([("scale", StandardScaler())] if scale else []) + [("model", est)]
        return Pipeline(steps)

    def fit(self, X, y, scale=True, task="clf", hidden=HIDDEN):
        self.seed()
        pipe = self._pipe(self.make(hidden=hidden, task=task), scale)
        pipe.fit(X, y)
        return pipe, self.final_loss(pipe[-1])

    def predict(self, fitted, X):
        return fitted.predict(X)

    def cross_val(self, X, y, cv):
        from sklearn.model_selection import cross_val_score

        self.seed()
        return cross_val_score(self._pipe(self.make()), X, y, cv=cv, scoring="accuracy")

    def grid(self, X, y, cv):
        from sklearn.model_selection import GridSearchCV

        self.seed()
        grid = {f"model__{k}": v for k, v in self.grid_values().items()}
        gs = GridSearchCV(self._pipe(self.make()), grid, cv=cv, scoring="accuracy")
        gs.fit(X, y)
        bp = gs.best_params_
        return gs.best_score_, f"{bp[f'model__{self.grid_keys[0]}']}/{bp[f'model__{self.grid_keys[1]}']:g}"


class SkdeepRunner(SklearnStyleRunner):
    grid_keys = ("hidden_layer_sizes", "learning_rate")

    def __init__(self, epochs, variant="auto"):
        super().__init__(epochs)
        engine, _, mod = variant.partition(":")
        self.engine = engine
        self.cold = mod == "cold"
        self.stream = mod == "stream"
        self.name = ("skdeep" if engine == "auto" else f"skdeep[{engine}]") + (f"({mod})" if mod else "")
        self.label = f"skdeep (engine={engine!r}{', caches emptied before each run' if self.cold else ''}" + (
            f", device budget {STREAM_BUDGET_MIB} MiB)" if self.stream else ")")
        self.cold_how = None

    def before_run(self):
        if self.cold:
            self.cold_how = skdeep_clear_caches()

    def _budget(self):
        import skdeep

        budget = STREAM_BUDGET_MIB * 2**20 if self.stream else None
        return skdeep.config_context(device_budget_bytes=budget)

    def fit(self, *args, **kwargs):
        with self._budget():
            return super().fit(*args, **kwargs)

    def cross_val(self, *args, **kwargs):
        with self._budget():
            return super().cross_val(*args, **kwargs)

    def grid(self, *args, **kwargs):
        with self._budget():
            return super().grid(*args, **kwargs)

    def make(self, hidden=HIDDEN, lr=LR, task="clf"):
        import skdeep

        cls = skdeep.KerasClassifier if task == "clf" else skdeep.KerasRegressor
        # The same plain network as the other contenders: skdeep's tabular recipe (periodic
        # embeddings, robust scaling, dropout, cosine decay, early stopping, label smoothing)
        # turned off, so the rows compare engines, not recipes.
        plain = dict(dropout=0.0, numeric_transform=None, numeric_embedding=None, learning_rate_schedule=None,
                     early_stopping=False)
        if cls.__name__ == "KerasClassifier":
            plain["label_smoothing"] = 0.0
        return cls(hidden_layer_sizes=hidden, activation="relu", optimizer="adam", learning_rate=lr,
                   batch_size=BATCH, epochs=self.epochs, random_state=0, verbose=0, engine=self.engine, **plain)

    def final_loss(self, est):
        return float(est.history_["loss"][-1])


def skdeep_clear_caches():
    """Empty skdeep's process-wide caches of compiled trainers / forward
    functions, so the next fit pays compilation like a fresh process.  Uses a
    public function if skdeep has one, else the private module attributes.
    Returns a description of what was done."""
    import skdeep

    for name in ("clear_cache", "clear_caches", "clear_compiled_cache"):
        fn = getattr(skdeep, name, None)
        if callable(fn):
            fn()
            return f"skdeep.{name}()"
    return "NOTHING (no cache found)"


def _keras_build(n_features, hidden, task):
    import keras

    layers = [keras.Input((n_features,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
    layers.append(keras.layers.Dense(1, activation="sigmoid" if task == "clf" else None))
    return keras.Sequential(layers)


def _scikeras_build(hidden=HIDDEN, task="clf", meta=None):
    return _keras_build(meta["n_features_in_"], hidden, task)


class ScikerasRunner(SklearnStyleRunner):
    name = "scikeras"
    label = "scikeras.wrappers.KerasClassifier"
    grid_keys = ("model__hidden", "optimizer__learning_rate")

    def seed(self):
        # scikeras' own random_state= switches TF op determinism on (slower);
        # a plain user seeds globally instead, like the raw-keras row does.
        import keras

        keras.utils.set_random_seed(0)

    def make(self, hidden=HIDDEN, lr=LR, task="clf"):
        from scikeras.wrappers import KerasClassifier, KerasRegressor

        if task == "clf":
            return KerasClassifier(model=_scikeras_build, model__hidden=hidden, model__task="clf",
                                   optimizer="adam", optimizer__learning_rate=lr, loss="binary_crossentropy",
                                   batch_size=BATCH, epochs=self.epochs, verbose=0)
        return KerasRegressor(model=_scikeras_build, model__hidden=hidden, model__task="reg",
                              optimizer="adam", optimizer__learning_rate=lr, loss="mse",
                              batch_size=BATCH, epochs=self.epochs, verbose=0)

    def final_loss(self, est):
        return float(est.history_["loss"][-1])


class MLPRunner(SklearnStyleRunner):
    name = "mlp"
    label = "sklearn MLPClassifier/MLPRegressor"
    grid_keys = ("hidden_layer_sizes", "learning_rate_init")

    def make(self, hidden=HIDDEN, lr=LR, task="clf"):
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        cls = MLPClassifier if task == "clf" else MLPRegressor
        # alpha=0: no L2 penalty, so loss_curve_ is the same objective keras reports
        # tol=0 and n_iter_no_change=max_iter: always run all epochs
        return cls(hidden_layer_sizes=hidden, activation="relu", solver="adam", learning_rate_init=lr,
                   batch_size=BATCH, max_iter=self.epochs, tol=0.0, n_iter_no_change=self.epochs,
                   alpha=0.0, shuffle=True, random_state=0)

    def final_loss(self, est):
        loss = float(est.loss_curve_[-1])
        if est.__class__.__name__ == "MLPRegressor":
            loss *= 2.0  # sklearn's squared loss is MSE/2; report plain MSE like keras
        return loss


class KerasRunner(Runner):
    """The plain way: build a Sequential, compile, model.fit, model.predict."""

    name = "keras"
    label = "keras.Model.fit (plain)"

    def seed(self):
        import keras

        keras.utils.set_random_seed(0)

    def _fit_one(self, X, y, hidden=HIDDEN, lr=LR, scale=True, task="clf"):
        import keras
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X) if scale else None
        Xs = scaler.transform(X) if scale else X
        model = _keras_build(X.shape[1], hidden, task)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                      loss="binary_crossentropy" if task == "clf" else "mse")
        hist = model.fit(Xs, y, batch_size=BATCH, epochs=self.epochs, verbose=0)
        return (scaler, model, task), float(hist.history["loss"][-1])

    def fit(self, X, y, scale=True, task="clf", hidden=HIDDEN):
        self.seed()
        return self._fit_one(X, y, hidden=hidden, scale=scale, task=task)

    def predict(self, fitted, X):
        scaler, model, task = fitted
        Xs = scaler.transform(X) if scaler is not None else X
        out = model.predict(Xs, verbose=0)[:, 0]
        return (out > 0.5).astype(int) if task == "clf" else out

    def _score(self, X, y, train, test, hidden, lr):
        fitted, _ = self._fit_one(X[train], y[train], hidden, lr)
        return float((self.predict(fitted, X[test]) == y[test]).mean())

    def cross_val(self, X, y, cv):
        import numpy as np

        self.seed()
        return np.array([self._score(X, y, tr, te, HIDDEN, LR) for tr, te in cv.split(X, y)])

    def grid(self, X, y, cv):
        import numpy as np
        from sklearn.model_selection import ParameterGrid

        self.seed()
        best = None
        for params in ParameterGrid({"hidden": GRID_HIDDEN, "lr": GRID_LR}):
            s = np.mean([self._score(X, y, tr, te, params["hidden"], params["lr"]) for tr, te in cv.split(X, y)])
            if best is None or s > best[0]:
                best = (s, params)
        self._fit_one(X, y, best[1]["hidden"], best[1]["lr"])  # refit, as GridSearchCV does
        return float(best[0]), f"{best[1]['hidden']}/{best[1]['lr']:g}"


# ----------------------------------------------------------------------------
# benchmark driver
# ----------------------------------------------------------------------------


def make_runners(args):
    runners, skipped = [], {}
    for c in args.contenders:
        if c == "skdeep":
            try:
                import skdeep  # noqa: F401

                getattr(skdeep, "KerasClassifier")
            except Exception as exc:  # noqa: BLE001
                skipped["skdeep"] = f"{type(exc).__name__}: {exc}"
                continue
            runners += [SkdeepRunner(args.epochs, v) for v in args.skdeep_variants]
        elif c == "scikeras":
            try:
                import scikeras.wrappers  # noqa: F401
            except Exception as exc:  # noqa: BLE001
                skipped["scikeras"] = f"{type(exc).__name__}: {exc}"
                continue
            runners.append(ScikerasRunner(args.epochs))
        elif c == "keras":
            runners.append(KerasRunner(args.epochs))
        elif c == "mlp":
            runners.append(MLPRunner(args.epochs))
    return runners, skipped


def load_data(args):
    import numpy as np
    from sklearn.datasets import load_breast_cancer, make_classification, make_regression

    data = {}
    Xb, yb = load_breast_cancer(return_X_y=True)
    data["bc"] = (Xb, yb)
    rng = np.random.RandomState(0)
    data["bc_10k"] = Xb[rng.randint(0, len(Xb), size=10_000)]
    if "big_fit" in args.cases:
        Xg, yg = make_classification(n_samples=args.big_n + 10_000, n_features=50, n_informative=25,
                                     n_redundant=5, random_state=0)
        data["big"] = (Xg[: args.big_n], yg[: args.big_n], Xg[args.big_n:], yg[args.big_n:])
    if "reg_fit" in args.cases:
        Xr, yr = make_regression(n_samples=5_000, n_features=20, n_informative=10, noise=10.0, random_state=0)
        yr = (yr - yr.mean()) / yr.std()
        data["reg"] = (Xr, yr)
    return data


def cleanup(args, runner=None):
    if runner is not None:
        runner.before_run()
    gc.collect()
    if not args.no_clear_session:
        try:
            import keras

            keras.backend.clear_session()
        except Exception:  # noqa: BLE001
            pass


def load_avg():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except (OSError, AttributeError):
        return "?"


def latency(fn, X, iters):
    fn(X)  # first call (tracing / graph building) is excluded
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn(X)
        ts.append(time.perf_counter() - t0)
    return median(ts)


def run_case(case, runner, data, args):
    """Returns a dict {time, metric, extra} (lists for predict cases)."""
    from sklearn.model_selection import StratifiedKFold

    if case == "bc_fit":
        X, y = data["bc"]
        with Timer() as t:
            fitted, loss = runner.fit(X, y)
        acc = float((runner.predict(fitted, X) == y).mean())
        out = {"time": t.elapsed, "metric": loss, "extra": f"train acc {acc:.3f}"}
        if "predict_1" in args.cases or "predict_10k" in args.cases:
            # predict latency on the model this fit produced
            fn = lambda Z: runner.predict(fitted, Z)  # noqa: E731
            out["predict_1"] = latency(fn, X[:1], args.predict_iters_1) if "predict_1" in args.cases else None
            out["predict_10k"] = (latency(fn, data["bc_10k"], args.predict_iters_10k)
                                  if "predict_10k" in args.cases else None)
        return out
    if case == "bc_cv":
        X, y = data["bc"]
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        with Timer() as t:
            scores = runner.cross_val(X, y, cv)
        return {"time": t.elapsed, "metric": float(scores.mean()), "extra": f"std {scores.std():.3f}"}
    if case == "bc_grid":
        X, y = data["bc"]
        cv = StratifiedKFold(3, shuffle=True, random_state=0)
        with Timer() as t:
            score, best = runner.grid(X, y, cv)
        return {"time": t.elapsed, "metric": float(score), "extra": f"best {best}"}
    if case == "big_fit":
        X, y, Xt, yt = data["big"]
        with Timer() as t:
            fitted, loss = runner.fit(X, y, scale=False)
        acc = float((runner.predict(fitted, Xt) == yt).mean())
        return {"time": t.elapsed, "metric": loss, "extra": f"holdout acc {acc:.3f}"}
    if case == "reg_fit":
        X, y = data["reg"]
        with Timer() as t:
            fitted, loss = runner.fit(X, y, task="reg")
        return {"time": t.elapsed, "metric": loss, "extra": ""}
    raise ValueError(case)


def warmup(runners, data, args):
    """Untimed: one tiny 1-epoch fit of every configuration the cases use, so
    no timed run is charged with library loading / first-use costs.  (For the
    warm skdeep rows this also fills skdeep's compiled-trainer cache, which is
    the point of those rows; the :cold rows empty it before every timed run.)"""
    import numpy as np

    X, y = data["bc"]
    idx = np.r_[0:40, len(X) - 40:len(X)]
    jobs = [(X[idx], y[idx], True, "clf", HIDDEN)]
    if "bc_grid" in args.cases:
        jobs += [(X[idx], y[idx], True, "clf", h) for h in GRID_HIDDEN if h != HIDDEN]
    if "big" in data:
        jobs.append((data["big"][0][:64], data["big"][1][:64], False, "clf", HIDDEN))
    if "reg" in data:
        jobs.append((data["reg"][0][:64], data["reg"][1][:64], True, "reg", HIDDEN))
    saved = args.epochs
    for r in runners:
        r.epochs = 1
        for Xw, yw, scale, task, hidden in jobs:
            try:
                f, _ = r.fit(Xw, yw, scale=scale, task=task, hidden=hidden)
                r.predict(f, Xw[:5])
            except Exception as exc:  # noqa: BLE001
                print(f"  warm-up of {r.name} failed: {type(exc).__name__}: {exc}")
        r.epochs = saved
        cleanup(args)


METRIC_NAME = {
    "bc_fit": "final train loss",
    "bc_cv": "mean CV accuracy",
    "bc_grid": "best CV accuracy",
    "big_fit": "final train loss",
    "reg_fit": "final train MSE",
}

CASE_TITLE = {
    "bc_fit": "breast_cancer: single fit (StandardScaler + model)",
    "bc_cv": "breast_cancer: cross_val_score, 5 folds",
    "bc_grid": "breast_cancer: GridSearchCV 2x2 (hidden x lr), 3 folds, refit",
    "big_fit": "make_classification {n} x 50: single fit",
    "predict_1": "predict latency, 1 row (after first call)",
    "predict_10k": "predict latency, 10,000 rows (after first call)",
    "reg_fit": "make_regression 5,000 x 20: single fit (regressor, linear output, MSE)",
}


def main(argv=None):
    args = parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")  # silence "triggered tf.function retracing" chatter
    runners, skipped = make_runners(args)
    data = load_data(args)
    print(f"backend={backend} epochs={args.epochs} repeats={args.repeats} big_repeats={args.big_repeats} "
          f"big_n={args.big_n} contenders={[r.name for r in runners]} cases={args.cases}")
    for k, v in skipped.items():
        print(f"  SKIPPED {k}: {v}")

    load_start = load_avg()
    t_start = time.perf_counter()
    print("warm-up (untimed)...")
    warmup(runners, data, args)

    fit_cases = [c for c in args.cases if c not in ("predict_1", "predict_10k")]
    if ("predict_1" in args.cases or "predict_10k" in args.cases) and "bc_fit" not in fit_cases:
        fit_cases.insert(0, "bc_fit")  # latency is measured on the bc_fit model
    results = {c: {r.name: [] for r in runners} for c in fit_cases + [c for c in args.cases if c.startswith("predict")]}
    errors = {}

    n_reps = max(args.repeats, args.big_repeats)
    for rep in range(n_reps):
        rot = rep % len(runners) if runners else 0
        order = runners[rot:] + runners[:rot]
        for case in fit_cases:
            limit = args.big_repeats if case == "big_fit" else args.repeats
            if rep >= limit:
                continue
            for r in order:
                cleanup(args, r)
                try:
                    res = run_case(case, r, data, args)
                except Exception as exc:  # noqa: BLE001
                    msg = f"{type(exc).__name__}: {exc}"
                    errors.setdefault((case, r.name), msg)
                    print(f"[rep {rep + 1}/{n_reps}] {case:<10} {r.name:<16} ERROR {msg}")
                    traceback.print_exc(limit=3)
                    continue
                results[case][r.name].append(res)
                extra = f"  predict_1={fmt_time(res.get('predict_1'))} predict_10k={fmt_time(res.get('predict_10k'))}" \
                    if "predict_1" in res else ""
                print(f"[rep {rep + 1}/{n_reps}] {case:<10} {r.name:<16} {fmt_time(res['time']):>9}  "
                      f"{METRIC_NAME.get(case, 'metric')}={fmt_num(res['metric'])}  {res['extra']}{extra}",
                      flush=True)
                if case == "bc_fit":
                    for pc in ("predict_1", "predict_10k"):
                        if pc in results and res.get(pc) is not None:
                            results[pc][r.name].append({"time": res[pc], "metric": None, "extra": ""})
    total = time.perf_counter() - t_start

    # --------------------------------------------------------------- report
    ref_name = next((r.name for r in runners if r.name == "skdeep"), None) or \
        next((r.name for r in runners if r.name.startswith("skdeep")), None) or \
        next((r.name for r in runners if r.name == "keras"), None)
    headers = ["case", "contender", "median time", "min-max", "n", "quality (median)", "notes",
               f"time / {ref_name}"]
    rows = []
    summary = {}
    cases_out = [c for c in ALL_CASES if c in results]
    for case in cases_out:
        ref_t = median([x["time"] for x in results[case].get(ref_name, [])])
        for r in runners:
            xs = results[case][r.name]
            if not xs:
                err = errors.get((case, r.name)) or (errors.get(("bc_fit", r.name)) if case.startswith("predict") else None)
                rows.append([case, r.name, "n/a", "", 0, "", f"ERROR {err}" if err else "", ""])
                continue
            ts = [x["time"] for x in xs]
            mt = median(ts)
            metric = median([x["metric"] for x in xs])
            extras = xs[len(xs) // 2]["extra"] if xs else ""
            qual = "" if metric is None else f"{METRIC_NAME.get(case, '')} {fmt_num(metric)}"
            rows.append([case, r.name, fmt_time(mt), f"{fmt_time(min(ts))} - {fmt_time(max(ts))}", len(xs), qual,
                         extras, fmt_ratio(mt, ref_t)])
            summary.setdefault(case, {})[r.name] = mt
    for k, v in skipped.items():
        rows.append(["(all)", k, "skipped", "", 0, "", v, ""])

    print()
    print(f"=== results (medians over repetitions; total wall {fmt_time(total)}) ===")
    print_table(headers, rows)

    # compact ratio table: every non-skdeep contender's time divided by every skdeep row's time
    # (or by keras.fit when skdeep is not there)
    refs = [r.name for r in runners if r.name.startswith("skdeep")] or [ref_name]
    pairs = [(r.name, ref) for ref in refs for r in runners if not r.name.startswith("skdeep") and r.name != ref]
    pairs += [(r.name, refs[0]) for r in runners if r.name.startswith("skdeep") and r.name != refs[0]]
    ratio_headers = ["case"] + [f"{a} / {b}" for a, b in pairs]
    ratio_rows = []
    for case in cases_out:
        sm = summary.get(case, {})
        ratio_rows.append([case] + [fmt_ratio(sm.get(a), sm.get(b)) for a, b in pairs])
    print()
    print("=== ratios of median times (A / B > 1 means B is faster) ===")
    print_table(ratio_headers, ratio_rows)

    info = machine_info()
    info["keras backend"] = backend
    info["load average (1/5/15 min) at start / end"] = f"{load_start} / {load_avg()}"
    for r in runners:
        if getattr(r, "cold", False):
            info[f"{r.name}: cache emptied with"] = r.cold_how
    write_markdown(args, info, headers, rows, ratio_headers, ratio_rows, ref_name, skipped, total, results, runners)
    print(f"\nwrote {args.output}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": {k: v for k, v in vars(args).items()}, "machine": info, "results": results,
                       "errors": {f"{c}/{n}": m for (c, n), m in errors.items()}}, fh, indent=1, default=str)
        print(f"wrote {args.json}")
    return 0


def summary_of(results) -> dict:
    """{case: {contender: median time}} from the per-repetition results."""
    return {case: {name: median([x["time"] for x in xs]) for name, xs in per.items() if xs}
            for case, per in results.items()}


def target_rows(summary) -> list:
    """The engine issue's CPU targets, checked on the warm ``skdeep`` row's medians."""
    rows = []

    def get(case, name):
        return summary.get(case, {}).get(name)

    big = get("big_fit", "skdeep")
    for other, need in (("keras", 5.0), ("scikeras", 5.0), ("mlp", 1.0)):
        if big and get("big_fit", other):
            ratio = get("big_fit", other) / big
            word = f"at least {need:g}x" if need > 1 else "faster than"
            rows.append([f"big_fit: {word} {other}", f"{other} / skdeep = {ratio:.2f}x",
                         "yes" if ratio >= need and (need > 1 or ratio > 1) else "no"])
    cv, mlp = get("bc_cv", "skdeep"), get("bc_cv", "mlp")
    if cv and mlp:
        rows.append(["bc_cv: within 2x of mlp", f"skdeep / mlp = {cv / mlp:.2f}x", "yes" if cv <= 2 * mlp else "no"])
    p1 = get("predict_1", "skdeep")
    if p1:
        rows.append(["predict_1: under 1 ms after the first call", fmt_time(p1), "yes" if p1 < 1e-3 else "no"])
    return rows


def write_markdown(args, info, headers, rows, ratio_headers, ratio_rows, ref_name, skipped, total, results, runners):
    cmd = "python benchmarks/bench_cpu.py " + " ".join(sys.argv[1:])
    lines = [
        "# skdeep benchmark results" + (" (QUICK smoke run, not representative)" if args.quick else ""),
        "",
        f"Generated by `{cmd.strip()}` on {info['date']}; total wall time {fmt_time(total)}.",
        "",
        "## Machine",
        "",
        md_table(["item", "value"], [[k, v] for k, v in info.items()]),
        "",
        "## Setup",
        "",
        f"- Network everywhere: Dense({HIDDEN[0]}, relu) -> Dense({HIDDEN[1]}, relu) -> Dense(1, sigmoid); "
        f"Adam lr={LR:g}; binary cross-entropy; batch_size={BATCH}; epochs={args.epochs}.",
        "- sklearn MLP: `hidden_layer_sizes=(64, 32), activation='relu', solver='adam', learning_rate_init=1e-3, "
        f"batch_size=32, max_iter={args.epochs}, tol=0, n_iter_no_change=max_iter, alpha=0` "
        "(alpha=0 so its loss is the same objective; it always runs all epochs).",
        "- keras: `Sequential` + `compile(Adam(1e-3), 'binary_crossentropy')` + "
        "`model.fit(X, y, batch_size=32, epochs=..., verbose=0)` + `model.predict(X, verbose=0)`; "
        "CV and grid search are hand-written loops over the same folds (StandardScaler fitted per fold).",
        "- scikeras: `KerasClassifier(model=build_fn, optimizer='adam', optimizer__learning_rate=1e-3, "
        "loss='binary_crossentropy', batch_size=32, epochs=..., verbose=0)`, seeded with "
        "`keras.utils.set_random_seed(0)` (its own `random_state=` turns on TF op determinism, which is slower).",
        "- skdeep: `KerasClassifier(hidden_layer_sizes=(64, 32), activation='relu', optimizer='adam', "
        f"learning_rate=1e-3, batch_size=32, epochs=..., random_state=0, verbose=0, engine=..., dropout=0, "
        "numeric_transform=None, numeric_embedding=None, learning_rate_schedule=None, early_stopping=False, "
        "label_smoothing=0)` (the tabular recipe off: the same plain network as the others); "
        f"rows run: {args.skdeep_variants}. skdeep keeps compiled trainers in a process-wide cache keyed by "
        "architecture/optimizer/batch size/n_features (learning rate excluded), so CV folds and grid points "
        "reuse one compilation. `skdeep` rows keep that cache across repetitions (a long-running session; "
        "the warm-up fills it); `(cold)` rows empty it before every timed run (each run pays compilation once, "
        "as a fresh process would); `(stream)` rows run under `skdeep.config_context(device_budget_bytes="
        f"{STREAM_BUDGET_MIB} MiB)`, so the big case's training data are streamed to the device in chunks of "
        "whole batches every epoch instead of staying resident (the small cases fit the budget and stay resident).",
        "- breast_cancer (569 x 30) goes through `Pipeline([StandardScaler(), model])`; CV uses "
        "`StratifiedKFold(5, shuffle=True, random_state=0)`, the grid `StratifiedKFold(3, ...)` over "
        f"hidden {GRID_HIDDEN} x lr {GRID_LR} with accuracy scoring and refit.",
        f"- big case: `make_classification(n_samples={args.big_n}+10000, n_features=50, n_informative=25, "
        "n_redundant=5, random_state=0)`, float64 as generated, no scaler; the extra 10,000 rows are a holdout "
        "whose accuracy is computed outside the timed region.",
        f"- predict latency: the bc_fit model, 1 row and 10,000 rows (resampled from breast_cancer), "
        f"median of {args.predict_iters_1} / {args.predict_iters_10k} calls after one untimed first call; "
        "includes the StandardScaler transform and thresholding for every contender.",
        f"- Interleaving: every repetition runs every case for every contender, contender order rotated per "
        f"repetition; repeats={args.repeats}, big_fit repeats={args.big_repeats}; one untimed warm-up fit per "
        "contender first; `gc.collect()` + `keras.backend.clear_session()` between runs (outside the timings).",
        "- Times are wall-clock of the whole user-visible call (model building, compilation, fitting).",
        "- A load average well above the core count (see Machine) means other work shared the CPU and "
        "the absolute times are inflated; interleaving keeps the ratios roughly fair, but rerun on an idle "
        "machine for publishable numbers.",
        "",
        "## Results",
        "",
        md_table(headers, rows),
        "",
        "## Ratios of median times (A / B; > 1 means B is faster)",
        "",
        md_table(ratio_headers, ratio_rows),
        "",
    ]
    targets = target_rows(summary_of(results))
    if targets:
        lines += ["## Targets (issue 4), skdeep row against the others", "",
                  md_table(["target", "measured", "met"], targets), ""]
    if skipped:
        lines += ["## Skipped contenders", ""] + [f"- {k}: `{v}`" for k, v in skipped.items()] + [""]
    lines += [
        "## Notes",
        "",
        "- scikeras 0.13.0 (the newest release) installs and runs with keras 3.15 / scikit-learn 1.9 "
        "(fit, predict, cross_val_score, GridSearchCV all work, no warnings), but it does not implement "
        "scikit-learn's new `__sklearn_tags__`, so `sklearn.base.is_classifier()` returns False for it: "
        "`cv=5` would silently use plain KFold instead of StratifiedKFold and `scoring=None` would fall back to "
        "its own `score`. This benchmark therefore passes explicit `StratifiedKFold` objects and "
        "`scoring='accuracy'` to every contender.",
        "",
        "## Raw times per repetition (seconds)",
        "",
    ]
    raw_rows = []
    for case, per in results.items():
        for r in runners:
            ts = [f"{x['time']:.4g}" for x in per.get(r.name, [])]
            raw_rows.append([case, r.name, ", ".join(ts)])
    lines += [md_table(["case", "contender", "times"], raw_rows), ""]
    with open(args.output, "w") as fh:
        fh.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
