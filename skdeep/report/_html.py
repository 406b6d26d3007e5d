"""One self-contained HTML page: inline CSS, figures as base64 PNG, no script, no URL.

The page loads nothing: no JavaScript, stylesheet, font or image from anywhere
(the favicon is an empty ``data:`` URI so that browsers do not ask for one).
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd

from .. import _columns as C

CSS = """
:root { --fg: #1d2327; --muted: #5f6b73; --line: #d9dee2; --accent: #1e88e5;
        --pos: #c62828; --neg: #1565c0; --bg-soft: #f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.35em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1em; margin: 1.4em 0 0.4em; }
p { margin: 0.4em 0 0.8em; }
.lead { color: var(--muted); margin-top: 0; }
nav ul { display: flex; flex-wrap: wrap; gap: 4px 22px; list-style: none; padding: 0; margin: 0.5em 0 0; }
nav a, a { color: var(--accent); text-decoration: none; }
.glance { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin: 18px 0; }
.card { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 0.85em; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 1.25em; font-weight: 600; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.93em; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #e3f2fd; font-weight: 600; }
td.pos { color: var(--pos); } td.neg { color: var(--neg); }
.bar { display: inline-block; height: 10px; background: var(--accent); border-radius: 2px; vertical-align: middle; }
figure { margin: 0.8em 0 1.4em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.88em; margin-top: 4px; }
.row-grid { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(360px, 1.3fr);
            gap: 18px; align-items: start; }
@media (max-width: 900px) { .row-grid { grid-template-columns: 1fr; } }
.note { color: var(--muted); font-size: 0.9em; }
footer { margin-top: 3em; padding-top: 1em; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.85em; }
code { background: var(--bg-soft); padding: 1px 4px; border-radius: 3px; font-size: 0.92em; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def figure_to_data_uri(fig: Any, *, dpi: int = 96) -> str:
    """PNG of a matplotlib figure as a ``data:`` URI; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_html(uri: str, alt: str, caption: str = "", css_class: str = "") -> str:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure{cls}><img src="{uri}" alt="{esc(alt)}">{cap}</figure>'


def _metric_label(metric: str) -> str:
    if C.is_error(metric):
        return C.error_name(metric).replace("_", " ") + " ↓"
    return metric.replace("_", " ")


def comparison_table(results: pd.DataFrame) -> str:
    """The :func:`skdeep.compare.compare` table: mean ± std per score, best row highlighted."""
    metrics = list(results.attrs.get("metrics") or C.score_metrics(results))
    head = ['<th class="num">rank</th>', "<th>model</th>"]
    head += [f'<th class="num">{esc(_metric_label(m))}</th>' for m in metrics]
    head += ['<th class="num">fit time / fold</th>']
    reference = results.attrs.get("reference")
    tested = C.VERDICT in results.columns and reference is not None
    if tested:
        head += [f"<th>against {esc(reference)}</th>"]
    body = []
    for name, row in results.iterrows():
        rank = row.get(C.RANK)
        best = ' class="best"' if rank is not None and not pd.isna(rank) and int(rank) == 1 else ""
        cells = [f'<td class="num">{esc("" if pd.isna(rank) else int(rank))}</td>', f"<td>{esc(name)}</td>"]
        for m in metrics:
            mean, std = float(row[C.mean(m)]), float(row[C.std(m)])
            if C.is_error(m):
                mean = -mean
            text = "failed" if np.isnan(mean) else f"{mean:.4f} ± {std:.4f}"
            cells.append(f'<td class="num">{esc(text)}</td>')
        fit = float(row.get(C.mean(C.FIT_TIME), np.nan))
        cells.append(f'<td class="num">{esc("" if np.isnan(fit) else f"{fit:.2f} s")}</td>')
        if tested:
            p = float(row[C.P_VALUE])
            p_text = "" if np.isnan(p) else (" (p < 0.001)" if p < 0.001 else f" (p = {p:.3f})")
            cells.append(f"<td>{esc(row[C.VERDICT])}{esc(p_text)}</td>")
        body.append(f"<tr{best}>{''.join(cells)}</tr>")
    return (f'<table class="comparison"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def key_value_table(pairs: list[tuple[str, Any]], css_class: str = "facts") -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table class="{esc(css_class)}"><tbody>{rows}</tbody></table>'


def importance_table(importance: pd.Series, top_k: int) -> str:
    top = importance.iloc[:top_k]
    peak = float(top.max()) if len(top) and top.max() > 0 else 1.0
    rows = []
    for i, (feature, value) in enumerate(top.items(), 1):
        width = max(1, round(140 * float(value) / peak))
        rows.append(f'<tr><td class="num">{i}</td><td>{esc(feature)}</td>'
                    f'<td class="num">{float(value):.4g}</td>'
                    f'<td><span class="bar" style="width:{width}px"></span></td></tr>')
    return ('<table class="importance"><thead><tr><th class="num">#</th><th>feature</th>'
            '<th class="num">mean |SHAP|</th><th></th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def contributions_table(frame: pd.DataFrame) -> str:
    rows = []
    for _, r in frame.iterrows():
        value = float(r["shap"])
        cls = "pos" if value > 0 else "neg" if value < 0 else ""
        rows.append(f'<tr><td>{esc(r["feature"])}</td><td class="num">{esc(r["value"])}</td>'
                    f'<td class="num {cls}">{value:+.4g}</td></tr>')
    return ('<table class="contributions"><thead><tr><th>feature</th><th class="num">value</th>'
            '<th class="num">SHAP</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="skdeep">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
