"""Write benchmarks/TABULAR.md from the cached results of tabular.py.

Ranks: per data set, the six ranked contenders (skdeep, CatBoost, LightGBM, XGBoost,
HistGB, linear) are ranked on the main metric's fold mean (ROC AUC for classification,
R² for regression; 1 = best, ties share the better rank). MLP, RandomForest and
skdeep 0.1's default are shown beside them but not ranked.

Two win / tie / loss counts of the default network against each model:

- by fold std: a tie when the two means differ by at most one fold standard deviation
  (the larger of the two models' standard deviations over those folds);
- by the paired test: Nadeau and Bengio's corrected resampled t-test
  (`skdeep.compare.corrected_resampled_ttest`; over repeated k-fold CV it is Bouckaert
  and Frank's corrected repeated k-fold test) on the paired fold scores of the main
  metric, n_train = 4/5 and n_test = 1/5 of the rows, alpha = 0.05; "no significant
  difference" is a tie. It has little power with five folds (4 degrees of freedom;
  14 with fifteen): a tie means "not shown to differ", not "equal".

Each pair is compared on the folds both ran: the fifteen of 5-fold CV repeated three
times for two ranked models, the first five (the same five folds) where an unranked
model is one of the pair.
"""

from __future__ import annotations

import platform

import numpy as np

from skdeep.compare import corrected_resampled_ttest

RANKED = ["skdeep", "CatBoost", "LightGBM", "XGBoost", "HistGB", "linear"]
SHOWN = ["skdeep", "CatBoost", "LightGBM", "XGBoost", "HistGB", "linear", "MLP", "RandomForest",
         "skdeep 0.1 default"]
OPPONENTS = [m for m in SHOWN if m != "skdeep"]
MAIN = {"classification": "roc_auc", "regression": "r2"}
SECOND = {"classification": "neg_log_loss", "regression": "neg_root_mean_squared_error"}
SECOND_LABEL = {"classification": "log-loss", "regression": "RMSE"}
ALPHA = 0.05


def _stats(entry: dict, metric: str) -> tuple[float, float]:
    v = np.asarray(entry["folds"][metric], dtype=float)
    return float(v.mean()), float(v.std())


def _common(a: dict, b: dict, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The fold scores both ran: every repeat's folds start with the same five."""
    va, vb = (np.asarray(e["folds"][metric], dtype=float) for e in (a, b))
    k = min(va.size, vb.size)
    return va[:k], vb[:k]


def verdict(a: dict, b: dict, metric: str) -> str:
    """'win', 'tie' or 'loss' of ``a`` against ``b`` (higher is better), on their common folds."""
    va, vb = _common(a, b, metric)
    (ma, sa), (mb, sb) = (va.mean(), va.std()), (vb.mean(), vb.std())
    if abs(ma - mb) <= max(sa, sb):
        return "tie"
    return "win" if ma > mb else "loss"


def paired(a: dict, b: dict, metric: str):
    """The corrected resampled t-test of ``a``'s fold scores against ``b``'s."""
    rows = a["rows"]
    return corrected_resampled_ttest(*_common(a, b, metric), n_train=rows * 4 / 5, n_test=rows / 5)


def paired_verdict(a: dict, b: dict, metric: str) -> str:
    return {"better": "win", "worse": "loss"}.get(paired(a, b, metric).verdict(ALPHA), "tie")


def complete(cache: dict, datasets: dict, half: str | None = None, task: str | None = None) -> list[str]:
    """Data sets (of a half / task) with every ranked model in the cache."""
    return [n for n, d in datasets.items() if (half is None or d[4] == half) and (task is None or d[3] == task)
            and all(f"{n}|{m}" in cache for m in RANKED)]


def ranks(cache: dict, name: str, metric: str) -> dict[str, int]:
    means = {m: _stats(cache[f"{name}|{m}"], metric)[0] for m in RANKED if f"{name}|{m}" in cache}
    order = sorted(means.values(), reverse=True)
    return {m: order.index(v) + 1 for m, v in means.items()}


def _machine() -> str:
    import keras
    import sklearn

    return (f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores; "
            f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
            f"keras {keras.__version__} ({keras.backend.backend()})")


def table(cache: dict, datasets: dict, half: str) -> list[str]:
    lines = []
    for task in ("classification", "regression"):
        names = complete(cache, datasets, half, task)
        if not names:
            continue
        metric, second = MAIN[task], SECOND[task]
        sign = -1.0  # neg_* scores are shown as positive errors
        lines += [f"### {task.capitalize()} ({'ROC AUC' if task == 'classification' else 'R²'}, "
                  f"mean ± fold std; {SECOND_LABEL[task]} below)", ""]
        shown = [m for m in SHOWN if any(f"{n}|{m}" in cache for n in names)]
        lines.append("| data set (rows × cols, categorical) | " + " | ".join(shown)
                     + " | skdeep vs CatBoost (fold std / paired) |")
        lines.append("|---|" + "---|" * (len(shown) + 1))
        rank_sum = {m: 0.0 for m in RANKED}
        below_linear = []
        for n in names:
            e0 = cache[f"{n}|skdeep"]
            cells, seconds = [], []
            best = max(_stats(cache[f"{n}|{m}"], metric)[0] for m in shown if f"{n}|{m}" in cache)
            for m in shown:
                e = cache.get(f"{n}|{m}")
                if e is None:
                    cells.append("not run")
                    seconds.append("")
                    continue
                mu, sd = _stats(e, metric)
                cell = f"{mu:.4f} ± {sd:.4f}"
                cells.append(f"**{cell}**" if mu == best else cell)
                seconds.append(f"{sign * _stats(e, second)[0]:.4g}")
            cb = cache[f"{n}|CatBoost"]
            v = f"{verdict(e0, cb, metric)} / {paired_verdict(e0, cb, metric)}"
            if verdict(e0, cache[f"{n}|linear"], metric) == "loss":
                below_linear.append(n)
            for m, r in ranks(cache, n, metric).items():
                rank_sum[m] += r
            missing = ", missing values" if e0["missing"] else ""
            lines.append(f"| {n} ({e0['rows']} × {e0['columns']}, {e0['categorical']}{missing}) | "
                         + " | ".join(cells) + f" | {v} |")
            lines.append(f"| {SECOND_LABEL[task]} | " + " | ".join(seconds) + " | |")
        lines.append("")
        avg = {m: rank_sum[m] / len(names) for m in RANKED}
        lines.append(f"Average rank (of {len(RANKED)}): " + ", ".join(f"{m} {avg[m]:.2f}" for m in RANKED) + "."
                     + (f" skdeep worse than linear beyond one fold std on: {', '.join(below_linear)}."
                        if below_linear else " skdeep never worse than linear beyond one fold std."))
        lines.append("")
    return lines


def _wtl(cache: dict, names: list[str], opponent: str, how) -> tuple[int, int, int] | None:
    pairs = [(cache[f"{n}|skdeep"], cache[f"{n}|{opponent}"], MAIN[cache[f"{n}|skdeep"]["task"]])
             for n in names if f"{n}|{opponent}" in cache]
    if not pairs:
        return None
    out = [how(a, b, m) for a, b, m in pairs]
    return out.count("win"), out.count("tie"), out.count("loss")


def half_summary(cache: dict, datasets: dict) -> list[str]:
    """Per half: average ranks among the ranked set; W/T/L of skdeep against each model, both ways."""
    lines = ["| half | data sets | " + " | ".join(RANKED) + " |", "|---|---|" + "---|" * len(RANKED)]
    for half in ("selection", "held_out", None):
        names = complete(cache, datasets, half)
        if not names:
            continue
        rank_sum = {m: 0.0 for m in RANKED}
        for n in names:
            for m, r in ranks(cache, n, MAIN[cache[f"{n}|skdeep"]["task"]]).items():
                rank_sum[m] += r
        lines.append(f"| {half or 'both'} | {len(names)} | "
                     + " | ".join(f"{rank_sum[m] / len(names):.2f}" for m in RANKED) + " |")
    lines += ["", "skdeep's wins / ties / losses against each model (by fold std; by the paired test, alpha 0.05),",
              "over the data sets where both ran:", "",
              "| opponent | " + " | ".join(f"{h} fold std | {h} paired" for h in ("selection", "held_out", "both"))
              + " |", "|---|" + "---|" * 6]
    for opp in OPPONENTS:
        cells = []
        for half in ("selection", "held_out", None):
            names = [n for n, d in datasets.items() if (half is None or d[4] == half) and f"{n}|skdeep" in cache]
            for how in (verdict, paired_verdict):
                w = _wtl(cache, names, opp, how)
                cells.append("–" if w is None else f"{w[0]}/{w[1]}/{w[2]} ({sum(w)})")
        lines.append(f"| {opp} | " + " | ".join(cells) + " |")
    return lines + [""]


def catboost_table(cache: dict, datasets: dict) -> list[str]:
    """Per data set: the default network against CatBoost, by fold std and by the paired test."""
    lines = ["| data set | half | task | skdeep − CatBoost (main metric) | fold std verdict | t | p | paired verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for n, d in datasets.items():
        a, b = cache.get(f"{n}|skdeep"), cache.get(f"{n}|CatBoost")
        if a is None or b is None:
            continue
        metric = MAIN[d[3]]
        t = paired(a, b, metric)
        word = {"better": "skdeep better", "worse": "CatBoost better"}.get(t.verdict(ALPHA), t.verdict(ALPHA))
        lines.append(f"| {n} | {d[4]} | {d[3]} | {t.difference:+.4f} | {verdict(a, b, metric)} | "
                     f"{t.statistic:.2f} | {t.p_value:.3f} | {word} |")
    return lines + [""]


def missing_lines(cache: dict, datasets: dict) -> list[str]:
    """Which (data set, model) pairs the cache lacks; nothing is filled in for them."""
    out = []
    for n in datasets:
        lost = [m for m in SHOWN if f"{n}|{m}" not in cache]
        if lost:
            out.append(f"- {n}: {', '.join(lost)}")
    if not out:
        return ["Every data set has every model.", ""]
    return ["Not run (missing from `tabular_results.json`; these cells are left empty and a data set without",
            "every ranked model is left out of the ranks and tables above; the W/T/L counts use the pairs that ran):",
            "", *out, ""]


def fit_times(cache: dict, datasets: dict) -> list[str]:
    lines = ["| data set | rows | " + " | ".join(SHOWN) + " |", "|---|---|" + "---|" * len(SHOWN)]
    for n in datasets:
        if f"{n}|skdeep" not in cache:
            continue
        cells = []
        for m in SHOWN:
            e = cache.get(f"{n}|{m}")
            cells.append(f"{np.median(e['fit_times']):.2f}" if e else "")
        lines.append(f"| {n} | {cache[f'{n}|skdeep']['rows']} | " + " | ".join(cells) + " |")
    return lines


def selection_table(path) -> list[str]:
    """The ablations measured while choosing the defaults (``tabular_selection.json``)."""
    import json

    if not path.exists():
        return []
    data = json.loads(path.read_text())
    lines = [data["note"], "", "| variant | " + " | ".join(data["columns"]) + " |",
             "|---|" + "---|" * len(data["columns"])]
    for name, values in data["rows"]:
        lines.append(f"| {name} | " + " | ".join("–" if v is None else f"{v:.4f}" for v in values) + " |")
    if "later_rows" in data:  # the defaults chosen since, one row per choice, with their evidence
        lines += ["", data["later_note"], "", "| " + " | ".join(data["later_columns"]) + " |",
                  "|" + "---|" * len(data["later_columns"])]
        lines += ["| " + " | ".join(row) + " |" for row in data["later_rows"]]
    return lines + [""]


def quiet_timing(path) -> list[str]:
    import json

    if not path.exists():
        return ["(not measured yet: `python benchmarks/tabular.py --time`)", ""]
    data = json.loads(path.read_text())
    lines = ["One fit of the default network on a fold's training rows, no other job running (2026-12-05, round twelve's",
             "defaults; median of 3 after a warm-up):", "", "| data set | training rows | seconds | epochs run (budget) | batch |",
             "|---|---|---|---|---|"]
    for name, e in data.items():
        lines.append(f"| {name} | {e['rows']} | {e['seconds']:.2f} | {e['epochs']} ({e['budget_epochs']}) | "
                     f"{e['batch_size']} |")
    return lines + [""]


def write_report(cache: dict, datasets: dict, path) -> None:
    pre = {m: next((cache[k]["preprocessing"] for k in cache if k.endswith(f"|{m}")), "") for m in SHOWN}
    halves = {h: [n for n, d in datasets.items() if d[4] == h] for h in ("selection", "held_out")}
    lines = [
        "# skdeep on real tabular data",
        "",
        "Generated by `python benchmarks/tabular.py` (results cached in `tabular_results.json`).",
        f"Machine: {_machine()}.",
        "",
        "Five-fold CV (stratified for classification), the same folds for every model, `random_state=0`;",
        "the six ranked models repeat it three times with other shuffles (15 folds; the first five are",
        "the plain 5-fold CV's). Means, standard deviations and ranks are over each model's folds.",
        "Each model gets the preprocessing it needs, from `skdeep.compare.default_models`:",
        "",
    ]
    lines += [f"- **{m}**: {pre[m]}" for m in SHOWN if pre[m]]
    lines += [
        "",
        "`skdeep` is `KerasClassifier()` / `KerasRegressor()` with every default; `skdeep 0.1 default` is",
        "the previous default (hidden (100,), Adam 1e-3, batch 32, 100 epochs, no early stopping) behind",
        "imputation + standardization + one-hot, as the issue measured it; MLP is scikit-learn's default",
        "`MLPClassifier` / `MLPRegressor` behind the same preprocessing. Bold: best mean in the row.",
        "The `skdeep 0.1 default` rows were run on the code before this change (its regressor's loss in",
        "target units); `skdeep` rows on the final code. On the ten data sets added for issue 21 (creditcard",
        "onwards) every row, `skdeep 0.1 default` included, was run on the code of that change.",
        "CatBoost, LightGBM and XGBoost are `default_models`' entries (library defaults, native categories).",
        "",
        "The six ranked models were rerun with the repeated folds (RESULTS.md \"Round eleven\"): two or three",
        "benchmark processes at once on 2 cores, `OMP_NUM_THREADS=1`; the other rows earlier, on a machine shared",
        "with other jobs (load average 5 to 15). Fit times are upper bounds and their ratios are noisy",
        "(`benchmarks/default_cost.py` measures them one process at a time); a quiet-machine measurement of",
        "skdeep at 10,000 rows is in the last section. skdeep's regression rows were rerun on the final code",
        "(the regressor's ensemble, RESULTS.md \"Round twelve\"), one benchmark process beside another job;",
        "its classification rows with the neighbour vote (`retrieval`, RESULTS.md \"Round sixteen\"), beside two",
        "to three other processes: their fit times include that load.",
        "",
        __doc__.split("\n\n", 1)[1].strip(),
        "",
        f"Data sets: {len(datasets)}; selection: {', '.join(halves['selection'])}; "
        f"held out: {', '.join(halves['held_out'])}.",
        "",
        f"## Summary: average rank (of {len(RANKED)}: {', '.join(RANKED)}) on the main metric, per half",
        "",
        *half_summary(cache, datasets),
        "## skdeep against CatBoost, per data set",
        "",
        "Paired test: corrected resampled t-test on the fifteen fold scores of the main metric (ROC AUC / R²),",
        "two-sided, alpha 0.05. 'no significant difference' is weak evidence either way.",
        "",
        *catboost_table(cache, datasets),
        "## Missing results",
        "",
        *missing_lines(cache, datasets),
        "## Data sets used to choose the defaults",
        "",
        *table(cache, datasets, "selection"),
        "### How the defaults were chosen",
        "",
        *selection_table(path.parent / "tabular_selection.json"),
        "## Held-out data sets (not looked at while choosing)",
        "",
        *table(cache, datasets, "held_out"),
        "## Fit time per fold (median over the folds, seconds, shared machine)",
        "",
        *fit_times(cache, datasets),
        "",
        "## Fit time on a quiet machine",
        "",
        *quiet_timing(path.parent / "tabular_timing.json"),
    ]
    path.write_text("\n".join(lines))
