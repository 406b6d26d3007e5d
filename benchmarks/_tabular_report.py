"""Write benchmarks/TABULAR.md from the cached results of tabular.py.

Ranks: per data set, the five contenders (skdeep, MLP, linear, HistGB, RandomForest)
are ranked on the main metric's fold mean (ROC AUC for classification, R² for
regression; 1 = best, ties share the better rank). Win / tie / loss against
HistGB: a tie when the two means differ by at most one fold standard deviation
(the larger of the two models' standard deviations over the five folds).
"""

from __future__ import annotations

import platform

import numpy as np

RANKED = ["skdeep", "MLP", "linear", "HistGB", "RandomForest"]
SHOWN = ["skdeep", "skdeep 0.1 default", "MLP", "linear", "HistGB", "RandomForest"]
MAIN = {"classification": "roc_auc", "regression": "r2"}
SECOND = {"classification": "neg_log_loss", "regression": "neg_root_mean_squared_error"}
SECOND_LABEL = {"classification": "log-loss", "regression": "RMSE"}


def _stats(entry: dict, metric: str) -> tuple[float, float]:
    v = np.asarray(entry["folds"][metric], dtype=float)
    return float(v.mean()), float(v.std())


def verdict(a: dict, b: dict, metric: str) -> str:
    """'win', 'tie' or 'loss' of ``a`` against ``b`` (higher is better)."""
    (ma, sa), (mb, sb) = _stats(a, metric), _stats(b, metric)
    if abs(ma - mb) <= max(sa, sb):
        return "tie"
    return "win" if ma > mb else "loss"


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
        names = [n for n, d in datasets.items() if d[4] == half and d[3] == task
                 and all(f"{n}|{m}" in cache for m in RANKED)]
        if not names:
            continue
        metric, second = MAIN[task], SECOND[task]
        sign = -1.0  # neg_* scores are shown as positive errors
        lines += [f"### {task.capitalize()} ({'ROC AUC' if task == 'classification' else 'R²'}, "
                  f"mean ± fold std; {SECOND_LABEL[task]} below)", ""]
        shown = [m for m in SHOWN if any(f"{n}|{m}" in cache for n in names)]
        lines.append("| data set (rows × cols, categorical) | " + " | ".join(shown) + " | skdeep vs HistGB |")
        lines.append("|---|" + "---|" * (len(shown) + 1))
        rank_sum = {m: 0.0 for m in RANKED}
        wtl = {"win": 0, "tie": 0, "loss": 0}
        below_linear = []
        for n in names:
            e0 = cache[f"{n}|skdeep"]
            cells, seconds = [], []
            best = max(_stats(cache[f"{n}|{m}"], metric)[0] for m in shown if f"{n}|{m}" in cache)
            for m in shown:
                e = cache.get(f"{n}|{m}")
                if e is None:
                    cells.append("")
                    seconds.append("")
                    continue
                mu, sd = _stats(e, metric)
                cell = f"{mu:.4f} ± {sd:.4f}"
                cells.append(f"**{cell}**" if mu == best else cell)
                seconds.append(f"{sign * _stats(e, second)[0]:.4g}")
            v = verdict(e0, cache[f"{n}|HistGB"], metric)
            wtl[v] += 1
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
        lines.append("Average rank (of 5): " + ", ".join(f"{m} {avg[m]:.1f}" for m in RANKED)
                     + f". skdeep against HistGB: {wtl['win']} wins, {wtl['tie']} ties, {wtl['loss']} losses."
                     + (f" Worse than linear beyond one fold std on: {', '.join(below_linear)}."
                        if below_linear else " Never worse than linear beyond one fold std."))
        lines.append("")
    return lines


def overall(cache: dict, datasets: dict) -> list[str]:
    """Both halves together: average ranks per task, win / tie / loss against HistGB."""
    lines = ["| task | data sets | skdeep | MLP | linear | HistGB | RandomForest | skdeep vs HistGB (W/T/L) |",
             "|---|---|---|---|---|---|---|---|"]
    total = {"win": 0, "tie": 0, "loss": 0}
    for task in ("classification", "regression"):
        names = [n for n, d in datasets.items() if d[3] == task and all(f"{n}|{m}" in cache for m in RANKED)]
        if not names:
            continue
        metric = MAIN[task]
        rank_sum = {m: 0.0 for m in RANKED}
        wtl = {"win": 0, "tie": 0, "loss": 0}
        for n in names:
            for m, r in ranks(cache, n, metric).items():
                rank_sum[m] += r
            wtl[verdict(cache[f"{n}|skdeep"], cache[f"{n}|HistGB"], metric)] += 1
        for k in total:
            total[k] += wtl[k]
        lines.append(f"| {task} | {len(names)} | " + " | ".join(f"{rank_sum[m] / len(names):.1f}" for m in RANKED)
                     + f" | {wtl['win']}/{wtl['tie']}/{wtl['loss']} |")
    lines += ["", f"All data sets: skdeep against HistGB {total['win']} wins, {total['tie']} ties, "
                  f"{total['loss']} losses.", ""]
    return lines


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
    return lines + [""]


def quiet_timing(path) -> list[str]:
    import json

    if not path.exists():
        return ["(not measured yet: `python benchmarks/tabular.py --time`)", ""]
    data = json.loads(path.read_text())
    lines = ["One fit of the default network on a fold's training rows, no other fits running (a pip install was: load ~2; median of 3",
             "after a warm-up):", "", "| data set | training rows | seconds | epochs run (budget) | batch |",
             "|---|---|---|---|---|"]
    for name, e in data.items():
        lines.append(f"| {name} | {e['rows']} | {e['seconds']:.2f} | {e['epochs']} ({e['budget_epochs']}) | "
                     f"{e['batch_size']} |")
    return lines + [""]


def write_report(cache: dict, datasets: dict, path) -> None:
    pre = {m: next((cache[k]["preprocessing"] for k in cache if k.endswith(f"|{m}")), "") for m in SHOWN}
    lines = [
        "# skdeep on real tabular data",
        "",
        "Generated by `python benchmarks/tabular.py` (results cached in `tabular_results.json`).",
        f"Machine: {_machine()}.",
        "",
        "Five-fold CV (stratified for classification), the same folds for every model, `random_state=0`.",
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
        "target units); `skdeep` rows on the final code.",
        "",
        "Fit times were measured on a machine shared with other jobs (load average 5 to 15 on 2 cores),",
        "so they are upper bounds and their ratios are noisy (HistGradientBoosting's threads suffer most);",
        "a quiet-machine measurement of skdeep at 10,000 rows is in the last section.",
        "",
        __doc__.split("\n\n", 1)[1].strip(),
        "",
        "## Summary: average rank (of 5) on the main metric, all ten data sets",
        "",
        *overall(cache, datasets),
        "## Data sets used to choose the defaults",
        "",
        *table(cache, datasets, "selection"),
        "### How the defaults were chosen",
        "",
        *selection_table(path.parent / "tabular_selection.json"),
        "## Held-out data sets (not looked at while choosing)",
        "",
        *table(cache, datasets, "held_out"),
        "## Fit time per fold (median of 5 folds, seconds, shared machine)",
        "",
        *fit_times(cache, datasets),
        "",
        "## Fit time on a quiet machine",
        "",
        *quiet_timing(path.parent / "tabular_timing.json"),
    ]
    path.write_text("\n".join(lines))
