"""Assemble the report: compare, fit once, explain, draw, write one HTML file."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _html as H
from ._data import Dataset
from ._explained import Explained, fit_and_explain
from ._progress import Progress
from ._sections import render
from ._settings import Settings
from ._workflow import run_compare

# Multiclass beeswarms are drawn one per class up to this many classes.
MAX_BEESWARM_CLASSES = 3


def report_steps(settings: Settings) -> int:
    """Progress steps of :func:`generate_report`: one per compared model, fit, explain, figures."""
    return len(settings.model_list()) + 3


def generate_report(
    dataset: Dataset,
    settings: Settings | None = None,
    *,
    title: str | None = None,
    command: str | None = None,
    progress: bool | Progress = True,
    results: Any = None,
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
    results : pandas.DataFrame, optional
        The comparison, if already made by :func:`skdeep.report.run_compare`
        with the same settings (the network included); by default the
        report makes it.

    Returns
    -------
    str
    """
    settings = settings or Settings()
    if settings.models is not None and "network" not in settings.models:
        settings = Settings(**{**vars(settings), "models": ("network", *settings.models)})
    start = time.perf_counter()
    bar = progress if isinstance(progress, Progress) else Progress(
        report_steps(settings), "skdeep report", enabled=bool(progress))
    try:
        if results is None:
            results = run_compare(dataset, settings, bar)
        explained = fit_and_explain(dataset, settings, model="network", progress=bar)
        bar.start("drawing figures")
        figures = _figures(dataset, settings, results, explained)
        bar.done()
    finally:
        if not isinstance(progress, Progress):
            bar.close()
    seconds = time.perf_counter() - start
    return render(dataset, settings, results, explained, figures, title=title, command=command,
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


def _figures(dataset: Dataset, settings: Settings, results: Any, explained: Explained) -> dict[str, Any]:
    """Every figure of the page as a PNG ``data:`` URI (the beeswarms with their class, if any).

    Each figure is closed once saved; any other figure drawing leaves open is
    closed at the end, and the caller's own figures are left alone.
    """
    import matplotlib.pyplot as plt

    from ..explain import plot_bar
    from ..plot import plot_comparison, plot_history, plot_network

    network, explanation = explained.model, explained.explanation
    theirs = set(plt.get_fignums())
    try:
        return {
            "comparison": H.figure_to_data_uri(plot_comparison(results)),
            "history": H.figure_to_data_uri(plot_history(network)),
            "network": H.figure_to_data_uri(plot_network(network)),
            "bar": H.figure_to_data_uri(plot_bar(explanation, top_k=settings.top_k)),
            "beeswarm": [(name, H.figure_to_data_uri(fig))
                         for name, fig in _beeswarms(dataset, settings, explained, explanation)],
            "rows": [H.figure_to_data_uri(fig) for fig in _row_figures(dataset, settings, explained, explanation)],
        }
    finally:
        for number in set(plt.get_fignums()) - theirs:
            plt.close(number)


def _beeswarms(dataset: Dataset, settings: Settings, explained: Explained,
               expl: Any) -> list[tuple[str | None, Any]]:
    """One beeswarm (binary, regression), one per class up to MAX_BEESWARM_CLASSES, else none.

    ``expl`` is the explanation, as for :func:`_row_figures`.
    """
    from ..explain import plot_beeswarm

    n_classes = np.asarray(expl.values).shape[2] if np.ndim(expl.values) == 3 else 0
    if n_classes <= 2:
        return [(None, plot_beeswarm(expl, top_k=settings.top_k))]
    if n_classes > MAX_BEESWARM_CLASSES:
        return []
    return [(dataset.label(explained.model.classes_[pos]),
             plot_beeswarm(expl, class_index=label, top_k=settings.top_k))
            for pos, label in enumerate(expl.output_names)]


def _row_figures(dataset: Dataset, settings: Settings, explained: Explained, expl: Any) -> Iterator[Any]:
    """A decision plot (classification) or a waterfall (regression) per detailed row, one at a time."""
    from ..explain import plot_decision, plot_waterfall

    for row in explained.rows:
        if dataset.task == "classification":
            yield plot_decision(_one_row(expl, row.position), class_index=row.class_label, top_k=settings.top_k)
        else:
            yield plot_waterfall(expl, row.position, top_k=settings.top_k)
