"""Assemble the report: compare, fit once, explain, draw, write one HTML file."""

from __future__ import annotations

import datetime as _dt
import os
import time
from typing import Any

import numpy as np

from .. import _columns as C
from . import _html as H
from ._data import Dataset
from ._workflow import Explained, Progress, Settings, fit_and_explain, run_compare

# Multiclass beeswarms are drawn one per class up to this many classes.
MAX_BEESWARM_CLASSES = 3


def report_steps(settings: Settings) -> int:
    """Progress steps of :func:`generate_report`: one per compared model, fit, explain, figures."""
    return len(settings.models) + 3


def generate_report(
    dataset: Dataset,
    settings: Settings | None = None,
    *,
    title: str | None = None,
    command: str | None = None,
    progress: bool | Progress = True,
) -> str:
    """Run the whole analysis of ``dataset`` and return the report as one HTML string.

    The page holds the cross-validated comparison of the default models, the
    training curves and drawing of the network (fitted once on a training
    split with a validation split), global SHAP importance (table, bar chart
    and beeswarm) and per-row explanations (decision plots for
    classification, waterfalls for regression) of held-out rows. Figures are
    embedded as base64 PNG; the page references no file or URL.

    Parameters
    ----------
    dataset : Dataset
        From :func:`skdeep.report.load_dataset`.
    settings : Settings, optional
        Cross-validation, network and explanation options.
    title : str, optional
        Page title; defaults to ``"skdeep report: <dataset>"``.
    command : str, optional
        The command line that made the report, shown in the footer.
    progress : bool or Progress, default=True
        Show a progress bar on stderr.

    Returns
    -------
    str
    """
    import matplotlib.pyplot as plt

    from ..explain import plot_bar, plot_beeswarm, plot_decision, plot_waterfall
    from ..plot import plot_comparison, plot_history, plot_network

    settings = settings or Settings()
    if "network" not in settings.models:
        settings = Settings(**{**vars(settings), "models": ("network", *settings.models)})
    start = time.perf_counter()
    bar = progress if isinstance(progress, Progress) else Progress(
        report_steps(settings), "skdeep report", enabled=bool(progress))
    try:
        results = run_compare(dataset, settings, bar)
        explained = fit_and_explain(dataset, settings, model="network", progress=bar)

        bar.start("drawing figures")
        network = explained.model
        figures: dict[str, Any] = {
            "comparison": H.figure_to_data_uri(plot_comparison(results)),
            "history": H.figure_to_data_uri(plot_history(network)),
            "network": H.figure_to_data_uri(plot_network(network)),
            "bar": H.figure_to_data_uri(plot_bar(explained.explanation, top_k=settings.top_k)),
        }
        beeswarms = []
        expl = explained.explanation
        n_classes = np.asarray(expl.values).shape[2] if np.ndim(expl.values) == 3 else 0
        if n_classes <= 2:
            beeswarms.append((None, plot_beeswarm(expl, top_k=settings.top_k)))
        elif n_classes <= MAX_BEESWARM_CLASSES:
            for pos, label in enumerate(expl.output_names):
                beeswarms.append((dataset.label(network.classes_[pos]),
                                  plot_beeswarm(expl, class_index=label, top_k=settings.top_k)))
        figures["beeswarm"] = [(name, H.figure_to_data_uri(fig)) for name, fig in beeswarms]
        row_figures = []
        for row in explained.rows:
            if dataset.task == "classification":
                fig = plot_decision(_one_row(expl, row.position), class_index=row.class_label,
                                    top_k=settings.top_k)
            else:
                fig = plot_waterfall(expl, row.position, top_k=settings.top_k)
            row_figures.append(H.figure_to_data_uri(fig))
        figures["rows"] = row_figures
        plt.close("all")
        bar.done()
    finally:
        if not isinstance(progress, Progress):
            bar.close()
    seconds = time.perf_counter() - start
    return _render(dataset, settings, results, explained, figures, title=title, command=command,
                   seconds=seconds)


def write_report(path: str | os.PathLike, dataset: Dataset, settings: Settings | None = None,
                 **kwargs: Any) -> str:
    """:func:`generate_report`, written to ``path`` (UTF-8); returns the absolute path."""
    text = generate_report(dataset, settings, **kwargs)
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _one_row(explanation: Any, i: int) -> Any:
    import shap

    return shap.Explanation(
        values=np.asarray(explanation.values)[i:i + 1],
        base_values=np.asarray(explanation.base_values)[i:i + 1],
        data=np.asarray(explanation.data)[i:i + 1],
        feature_names=explanation.feature_names,
        output_names=explanation.output_names,
    )


def _render(dataset: Dataset, settings: Settings, results: Any, explained: Explained,
            figures: dict[str, Any], *, title: str | None, command: str | None, seconds: float) -> str:
    from .. import __version__

    esc = H.esc
    title = title or f"skdeep report: {dataset.name}"
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    primary = results.attrs.get("primary_metric", "")
    best = results.index[0]
    best_score = float(results.iloc[0][C.mean(primary)])
    if C.is_error(primary):
        best_score = -best_score
    what = dataset.task
    if dataset.class_names is not None:
        what += f", {dataset.n_classes} classes"
    net = explained.model_name
    parts = []

    parts.append(f"<header><h1>{esc(title)}</h1>"
                 f'<p class="lead">{esc(len(dataset.X))} rows, {esc(dataset.X.shape[1])} features, '
                 f"{esc(what)}. Generated {esc(now)} by skdeep {esc(__version__)} in {seconds:.0f} s.</p>"
                 "</header>")
    parts.append('<nav aria-label="contents"><ul>'
                 '<li><a href="#data">Data</a></li><li><a href="#comparison">Model comparison</a></li>'
                 '<li><a href="#training">Training curves</a></li><li><a href="#network">Network</a></li>'
                 '<li><a href="#importance">Feature importance</a></li>'
                 '<li><a href="#rows">Per-row explanations</a></li></ul></nav>')
    top3 = ", ".join(explained.importance.index[:3])
    cards = [
        ("best model (cross-validated)", f"{best}", f"{C.error_name(primary)} {best_score:.3f}"),
        (f"{net} held out", f"{explained.score_name} {explained.score:.3f}",
         f"on {explained.n_test} unseen rows"),
        ("most important features", top3, "by mean |SHAP|"),
    ]
    parts.append('<div class="glance">' + "".join(
        f'<div class="card"><div class="label">{esc(a)}</div><div class="value">{esc(b)}</div>'
        f'<div class="note">{esc(c)}</div></div>' for a, b, c in cards) + "</div>")

    # -- data
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
    for note in dataset.notes:
        facts.append(("note", note))
    parts.append('<section id="data"><h2>Data</h2>' + H.key_value_table(facts) + "</section>")

    # -- comparison
    parts.append(
        '<section id="comparison"><h2>Model comparison</h2>'
        f"<p>{esc(results.attrs.get('n_splits', settings.cv))}-fold cross-validation, the same folds for every "
        f"model; mean ± standard deviation over the folds, best first by <code>{esc(primary)}</code>. "
        f"The network: {esc(settings.network_text())}. Scores marked ↓ are errors (lower is better).</p>"
        + H.comparison_table(results)
        + H.figure_html(figures["comparison"], "bar chart of cross-validated scores per model",
                        f"{esc(primary)} per model, ±1 standard deviation; the best is highlighted.")
        + "</section>")

    # -- training
    network = explained.model[-1] if hasattr(explained.model, "steps") else explained.model
    history = network.history_
    n_epochs = len(history.get("loss", []))
    val_note = ""
    if "val_loss" in history:
        best_epoch = int(np.nanargmin(history["val_loss"])) + 1
        val_note = (f" The validation loss was lowest at epoch {best_epoch} of {n_epochs}; "
                    "a validation curve turning up while the training curve keeps falling means over-fitting.")
    parts.append(
        '<section id="training"><h2>Training curves</h2>'
        f"<p>{esc(net)} fitted once on {explained.n_train} training rows, "
        f"{settings.validation_split:.0%} of them held back as validation data, for {n_epochs} epochs "
        f"({explained.fit_seconds:.1f} s). {esc(explained.score_name)} on the "
        f"{explained.n_test} held-out rows: <strong>{explained.score:.4f}</strong>.{esc(val_note)}</p>"
        + H.figure_html(figures["history"], "training and validation curves per epoch",
                        "Training (solid) and validation (dashed) per epoch; the star marks the best epoch.")
        + "</section>")

    # -- network
    steps = (" → ".join(type(step).__name__ for _, step in explained.model.steps)
             if hasattr(explained.model, "steps") else type(network).__name__)
    parts.append('<section id="network"><h2>Network</h2>'
                 f"<p>{esc(settings.network_text())}. Pipeline: {esc(steps)} "
                 f"({esc(network._own_preprocessing())}).</p>"
                 + H.figure_html(figures["network"], "drawing of the network's layers and units",
                                 "Inputs (green), hidden units (blue) and outputs (red); "
                                 "wide layers are drawn truncated.")
                 + "</section>")

    # -- importance
    n_rows = len(explained.X_explained)
    unit = explained.output
    beeswarm_html = "".join(
        H.figure_html(uri, "beeswarm of SHAP values per feature",
                      "Every held-out row's SHAP value per feature, coloured by the feature's value"
                      + (f"; class {esc(name)}" if name else "") + ".")
        for name, uri in figures["beeswarm"])
    if not figures["beeswarm"]:
        beeswarm_html = (f'<p class="note">Beeswarms are per class and are left out for '
                         f"{dataset.n_classes} classes; the bar chart averages over the classes.</p>")
    parts.append(
        '<section id="importance"><h2>Global feature importance</h2>'
        f"<p>SHAP values of the network's predictions for {n_rows} held-out rows "
        f"(<code>{esc(explained.explainer.method_)}</code> explainer, in {esc(unit)}, against "
        f"{len(explained.explainer.background_)} training rows as background). A feature's importance is "
        "its mean absolute SHAP value"
        + (", averaged over the classes" if dataset.task == "classification" else "") + ".</p>"
        + H.importance_table(explained.importance, settings.top_k)
        + H.figure_html(figures["bar"], "bar chart of mean absolute SHAP value per feature",
                        "Mean |SHAP| per feature.")
        + beeswarm_html + "</section>")

    # -- rows
    kind = "decision plot" if dataset.task == "classification" else "waterfall"
    pushed = "predicted class probability" if dataset.task == "classification" else "prediction"
    row_parts = []
    for row, uri in zip(explained.rows, figures["rows"]):
        row_parts.append(
            f'<article class="row-explanation"><h3>Row {esc(row.index)}: predicted {esc(row.predicted)}, '
            f"true {esc(row.true)}</h3>"
            f"<p>Base value (average prediction on the background) {row.base_value:.4g}; the features "
            f"below move it to {row.output:.4g}.</p>"
            '<div class="row-grid"><div>' + H.contributions_table(row.contributions) + "</div><div>"
            + H.figure_html(uri, f"{kind} of row {row.index}", f"{kind.capitalize()} of row {esc(row.index)}.")
            + "</div></div></article>")
    parts.append('<section id="rows"><h2>Per-row explanations</h2>'
                 f"<p>{len(explained.rows)} held-out rows"
                 + (" (the first of each predicted class, then the first in order)"
                    if dataset.task == "classification" else "")
                 + ", each with its largest contributions "
                 f"(positive SHAP values push the {pushed} up).</p>"
                 + "".join(row_parts) + "</section>")

    settings_text = (f"cv={settings.cv}, epochs={settings.epochs or 'auto'}, hidden_layer_sizes="
                     f"{'default' if settings.hidden_layer_sizes is None else tuple(settings.hidden_layer_sizes)}, "
                     f"batch_size={settings.batch_size or 'auto'}, "
                     f"random_state={settings.random_state}, test_size={settings.test_size}, "
                     f"validation_split={settings.validation_split}, background={settings.background}")
    footer = f"<p>Settings: {esc(settings_text)}.</p>"
    if command:
        footer += f"<p>Command: <code>{esc(command)}</code></p>"
    footer += (f"<p>Made by skdeep {esc(__version__)}. This file is self-contained: "
               "it loads no script, stylesheet, font or image from anywhere.</p>")
    parts.append(f"<footer>{footer}</footer>")
    return H.page(title, "\n".join(parts))
