"""A one-file HTML report, and the work behind the ``skdeep`` command line.

:func:`write_report` (or :func:`generate_report` for the HTML string) compares
the network with baselines, fits it once, explains it with SHAP and writes a
single self-contained HTML page: figures are embedded as base64 PNG and the
page loads no script, stylesheet, font or URL. It needs shap and matplotlib
(``pip install 'skdeep[explain]'``).

Examples
--------
>>> from skdeep.report import Settings, load_dataset, write_report
>>> dataset = load_dataset("breast_cancer")
>>> path = write_report("report.html", dataset, Settings(epochs=30))  # doctest: +SKIP
"""

from ._build import generate_report, write_report
from ._data import BUNDLED, Dataset, DatasetError, UnusableDataError, load_dataset
from ._explained import Explained, RowExplanation, fit_and_explain
from ._progress import Progress
from ._settings import MODEL_ALIASES, Settings
from ._workflow import build_models, run_compare

__all__ = [
    "BUNDLED",
    "MODEL_ALIASES",
    "Dataset",
    "DatasetError",
    "Explained",
    "Progress",
    "RowExplanation",
    "Settings",
    "UnusableDataError",
    "build_models",
    "fit_and_explain",
    "generate_report",
    "load_dataset",
    "run_compare",
    "write_report",
]
