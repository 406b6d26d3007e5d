"""Plain-text output of ``skdeep explain``."""

from __future__ import annotations

from ..report._settings import Settings


def text_table(headers: list[str], rows: list[list[str]], numeric: list[bool], indent: str = "") -> str:
    """Plain-text table: text columns left-aligned, numbers right-aligned."""
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)]
        return (indent + "  ".join(parts)).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def print_explanation(dataset, settings: Settings, explained) -> None:
    """The fitted model, its held-out score, the top features and each detailed row."""
    explainer = explained.explainer
    print(dataset.summary())
    print(f"{explained.model_name} fitted on {explained.n_train} rows"
          + (f" ({settings.network_text()})" if explained.model_name.startswith("Keras") else "")
          + f"; held-out {explained.score_name} {explained.score:.4f} on {explained.n_test} rows.")
    print(f"SHAP: {explainer.method_} explainer, values in {explained.output}, "
          f"background of {len(explainer.background_)} training rows.")
    print()
    k = min(settings.top_k, len(explained.importance))
    n = len(explained.X_explained)
    averaged = ", averaged over the classes" if dataset.task == "classification" else ""
    print(f"Top {k} features by mean |SHAP| over {n} held-out rows{averaged}:")
    top = explained.importance.iloc[:k]
    rows = [[str(i), str(name), f"{value:.4g}"] for i, (name, value) in enumerate(top.items(), 1)]
    print(text_table(["rank", "feature", "mean |SHAP|"], rows, [True, False, True], indent="  "))
    for row in explained.rows:
        print()
        print(f"Row {row.index}: predicted {row.predicted}, true {row.true}")
        print(f"  base value {row.base_value:.4g} -> output {row.output:.4g}")
        cells = [[str(r.feature), str(r.value), f"{r.shap:+.4g}"] for r in row.contributions.itertuples()]
        print(text_table(["feature", "value", "SHAP"], cells, [False, True, True], indent="  "))
