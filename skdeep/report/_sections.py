"""The report's HTML, one function per section, in page order.

:func:`render` joins the sections: header and contents, the cards at a glance,
then data, model comparison, training curves, network, global feature
importance and per-row explanations, and the footer. Each section function
takes what it shows and returns its HTML; the table and figure helpers are in
:mod:`skdeep.report._html`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from .. import _columns as C
from ..compare import network_preprocessing
from . import _html as H
from ._data import Dataset
from ._explained import Explained
from ._settings import Settings
from ._words import cv_text, libraries_text, verdict_lines

esc = H.esc


def render(dataset: Dataset, settings: Settings, results: Any, explained: Explained,
           figures: dict[str, Any], *, title: str | None, command: str | None, seconds: float) -> str:
    """The whole page: every section below, in order, inside :func:`skdeep.report._html.page`."""
    title = title or f"skdeep report: {dataset.name}"
    parts = [
        header(dataset, title, seconds),
        contents(),
        glance(results, explained),
        data_section(dataset),
        comparison_section(settings, results, figures["comparison"]),
        training_section(settings, explained, figures["history"]),
        network_section(settings, explained, figures["network"]),
        importance_section(dataset, settings, explained, figures["bar"], figures["beeswarm"]),
        rows_section(dataset, explained, figures["rows"]),
        footer(settings, command),
    ]
    return H.page(title, "\n".join(parts))


def _task_text(dataset: Dataset) -> str:
    what = dataset.task
    if dataset.class_names is not None:
        what += f", {dataset.n_classes} classes"
    return what


def _network(explained: Explained) -> Any:
    """The fitted skdeep estimator: the model itself, or the last step of its pipeline."""
    return explained.model[-1] if hasattr(explained.model, "steps") else explained.model


def header(dataset: Dataset, title: str, seconds: float) -> str:
    from .. import __version__

    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"<header><h1>{esc(title)}</h1>"
            f'<p class="lead">{esc(len(dataset.X))} rows, {esc(dataset.X.shape[1])} features, '
            f"{esc(_task_text(dataset))}. Generated {esc(now)} by skdeep {esc(__version__)} in {seconds:.0f} s.</p>"
            "</header>")


def contents() -> str:
    return ('<nav aria-label="contents"><ul>'
            '<li><a href="#data">Data</a></li><li><a href="#comparison">Model comparison</a></li>'
            '<li><a href="#training">Training curves</a></li><li><a href="#network">Network</a></li>'
            '<li><a href="#importance">Feature importance</a></li>'
            '<li><a href="#rows">Per-row explanations</a></li></ul></nav>')


def glance(results: Any, explained: Explained) -> str:
    """Three cards: the best cross-validated model, the network's held-out score, the top features."""
    primary = results.attrs.get("primary_metric", "")
    best_score = float(results.iloc[0][C.mean(primary)])
    if C.is_error(primary):
        best_score = -best_score
    cards = [
        ("best model (cross-validated)", f"{results.index[0]}", f"{C.error_name(primary)} {best_score:.3f}"),
        (f"{explained.model_name} held out", f"{explained.score_name} {explained.score:.3f}",
         f"on {explained.n_test} unseen rows"),
        ("most important features", ", ".join(explained.importance.index[:3]), "by mean |SHAP|"),
    ]
    return '<div class="glance">' + "".join(
        f'<div class="card"><div class="label">{esc(a)}</div><div class="value">{esc(b)}</div>'
        f'<div class="note">{esc(c)}</div></div>' for a, b, c in cards) + "</div>"


def data_section(dataset: Dataset) -> str:
    facts = [("rows", len(dataset.X)), ("features", dataset.X.shape[1]), ("task", dataset.task),
             ("target", dataset.target_name)]
    if dataset.class_names is not None:
        counts = np.bincount(dataset.y, minlength=dataset.n_classes)
        facts.append(("classes", ", ".join(f"{n} ({c})" for n, c in zip(dataset.class_names, counts))))
    else:
        y = np.asarray(dataset.y, dtype=float)
        facts.append(("target range", f"{y.min():.4g} to {y.max():.4g} (mean {y.mean():.4g}, std {y.std():.4g})"))
    if dataset.categorical:
        how = "one-hot encoded columns" if dataset.preprocessor is not None else "categorical columns"
        facts.append((how, ", ".join(dataset.categorical)))
    facts.append(("source", dataset.source or "-"))
    facts += [("note", note) for note in dataset.notes]
    return '<section id="data"><h2>Data</h2>' + H.key_value_table(facts) + "</section>"


def comparison_section(settings: Settings, results: Any, figure: str) -> str:
    primary = results.attrs.get("primary_metric", "")
    verdicts = verdict_lines(results)
    tests = ""
    if verdicts:
        items = "".join(f"<li>{esc(line.strip())}</li>" for line in verdicts[1:])
        tests = f"<p>{esc(verdicts[0])}</p><ul>{items}</ul>"
    return (
        '<section id="comparison"><h2>Model comparison</h2>'
        f"<p>{esc(cv_text(results))}, the same folds for every "
        f"model; mean ± standard deviation over the folds, best first by <code>{esc(primary)}</code>. "
        f"The network: {esc(settings.network_text())}. Scores marked ↓ are errors (lower is better). "
        f"{esc(libraries_text(results.attrs.get('libraries', {})))}</p>"
        + H.comparison_table(results) + tests
        + H.figure_html(figure, "bar chart of cross-validated scores per model",
                        f"{esc(primary)} per model, ±1 standard deviation; the best is highlighted.")
        + "</section>")


def training_section(settings: Settings, explained: Explained, figure: str) -> str:
    history = _network(explained).history_
    n_epochs = len(history.get("loss", []))
    val_note = ""
    if "val_loss" in history:
        best_epoch = int(np.nanargmin(history["val_loss"])) + 1
        val_note = (f" The validation loss was lowest at epoch {best_epoch} of {n_epochs}; "
                    "a validation curve turning up while the training curve keeps falling means over-fitting.")
    return (
        '<section id="training"><h2>Training curves</h2>'
        f"<p>{esc(explained.model_name)} fitted once on {explained.n_train} training rows, "
        f"{settings.validation_split:.0%} of them held back as validation data, for {n_epochs} epochs "
        f"({explained.fit_seconds:.1f} s). {esc(explained.score_name)} on the "
        f"{explained.n_test} held-out rows: <strong>{explained.score:.4f}</strong>.{esc(val_note)}</p>"
        + H.figure_html(figure, "training and validation curves per epoch",
                        "Training (solid) and validation (dashed) per epoch; the star marks the best epoch.")
        + "</section>")


def network_section(settings: Settings, explained: Explained, figure: str) -> str:
    network = _network(explained)
    steps = (" → ".join(type(step).__name__ for _, step in explained.model.steps)
             if hasattr(explained.model, "steps") else type(network).__name__)
    return ('<section id="network"><h2>Network</h2>'
            f"<p>{esc(settings.network_text())}. Pipeline: {esc(steps)} "
            f"({esc(network_preprocessing(network))}).</p>"
            + H.figure_html(figure, "drawing of the network's layers and units",
                            "Inputs (green), hidden units (blue) and outputs (red); "
                            "wide layers are drawn truncated.")
            + "</section>")


def importance_section(dataset: Dataset, settings: Settings, explained: Explained, bar: str,
                       beeswarms: list[tuple[str | None, str]]) -> str:
    beeswarm_html = "".join(
        H.figure_html(uri, "beeswarm of SHAP values per feature",
                      "Every held-out row's SHAP value per feature, coloured by the feature's value"
                      + (f"; class {esc(name)}" if name else "") + ".")
        for name, uri in beeswarms)
    if not beeswarms:
        beeswarm_html = (f'<p class="note">Beeswarms are per class and are left out for '
                         f"{dataset.n_classes} classes; the bar chart averages over the classes.</p>")
    return (
        '<section id="importance"><h2>Global feature importance</h2>'
        f"<p>SHAP values of the network's predictions for {len(explained.X_explained)} held-out rows "
        f"(<code>{esc(explained.explainer.method_)}</code> explainer, in {esc(explained.output)}, against "
        f"{len(explained.explainer.background_)} training rows as background). A feature's importance is "
        "its mean absolute SHAP value"
        + (", averaged over the classes" if dataset.task == "classification" else "") + ".</p>"
        + H.importance_table(explained.importance, settings.top_k)
        + H.figure_html(bar, "bar chart of mean absolute SHAP value per feature", "Mean |SHAP| per feature.")
        + beeswarm_html + "</section>")


def rows_section(dataset: Dataset, explained: Explained, figures: list[str]) -> str:
    classification = dataset.task == "classification"
    kind = "decision plot" if classification else "waterfall"
    pushed = "predicted class probability" if classification else "prediction"
    articles = "".join(_row_article(row, uri, kind) for row, uri in zip(explained.rows, figures))
    return ('<section id="rows"><h2>Per-row explanations</h2>'
            f"<p>{len(explained.rows)} held-out rows"
            + (" (the first of each predicted class, then the first in order)" if classification else "")
            + ", each with its largest contributions "
            f"(positive SHAP values push the {pushed} up).</p>"
            + articles + "</section>")


def _row_article(row: Any, uri: str, kind: str) -> str:
    return (f'<article class="row-explanation"><h3>Row {esc(row.index)}: predicted {esc(row.predicted)}, '
            f"true {esc(row.true)}</h3>"
            f"<p>Base value (average prediction on the background) {row.base_value:.4g}; the features "
            f"below move it to {row.output:.4g}.</p>"
            '<div class="row-grid"><div>' + H.contributions_table(row.contributions) + "</div><div>"
            + H.figure_html(uri, f"{kind} of row {row.index}", f"{kind.capitalize()} of row {esc(row.index)}.")
            + "</div></div></article>")


def footer(settings: Settings, command: str | None) -> str:
    from .. import __version__

    settings_text = (f"cv={settings.cv}, epochs={settings.epochs or 'auto'}, hidden_layer_sizes="
                     f"{'default' if settings.hidden_layer_sizes is None else tuple(settings.hidden_layer_sizes)}, "
                     f"batch_size={settings.batch_size or 'auto'}, "
                     f"random_state={settings.random_state}, test_size={settings.test_size}, "
                     f"validation_split={settings.validation_split}, background={settings.background}")
    text = f"<p>Settings: {esc(settings_text)}.</p>"
    if command:
        text += f"<p>Command: <code>{esc(command)}</code></p>"
    text += (f"<p>Made by skdeep {esc(__version__)}. This file is self-contained: "
             "it loads no script, stylesheet, font or image from anywhere.</p>")
    return f"<footer>{text}</footer>"
