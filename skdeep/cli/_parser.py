"""The ``skdeep`` argument parser: argument types, option groups and the three sub-commands.

Every default comes from :class:`skdeep.report.Settings` (the one place they
are written), and every option is stored under the name of the ``Settings``
field it sets, so :func:`skdeep.cli._commands.settings_from` reads them back by field name.
"""

from __future__ import annotations

import argparse

from ..report._data import BUNDLED, CATEGORICAL, TASKS
from ..report._settings import MODEL_ALIASES, MODEL_NAMES, Settings
from . import _commands
from ._errors import PROG

FORMATS = ("table", "csv", "json")
DEFAULTS = Settings()
EXPLAIN_ROWS = 5  # ``skdeep explain`` details more rows than the report does


# -- argument types (argparse turns ArgumentTypeError into a usage error) ------
def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {value}")
    return value


def _hidden_layer_sizes(text: str) -> tuple[int, ...]:
    """``"64,32"`` -> ``(64, 32)``; ``""`` or ``"none"`` -> ``()`` (no hidden layer)."""
    text = text.strip()
    if text.lower() in ("", "none", "()"):
        return ()
    sizes = []
    for part in text.replace(" ", "").strip("()").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(
                f"expected positive integers separated by commas, e.g. 64,32; got {text!r}")
        sizes.append(int(part))
    return tuple(sizes)


def _model_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in MODEL_ALIASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown model(s) {', '.join(unknown) or repr(text)}; choose from {', '.join(MODEL_ALIASES)}")
    return tuple(dict.fromkeys(names))


def _scoring_list(text: str) -> list[str]:
    from sklearn.metrics import get_scorer_names

    names = [n.strip() for n in text.split(",") if n.strip()]
    known = set(get_scorer_names())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scorer(s) {', '.join(unknown) or repr(text)}; see sklearn.metrics.get_scorer_names()")
    return names


# -- option groups shared by the sub-commands -----------------------------
def _data_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", required=True, metavar="NAME|FILE.csv",
                   help=f"a dataset bundled with scikit-learn ({', '.join(BUNDLED)}) "
                        "or the path of a CSV file")
    g.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (required for a CSV)")
    g.add_argument("--task", choices=TASKS, default="auto",
                   help="classification or regression; 'auto' (default) infers it from the target")
    g.add_argument("--categorical", choices=CATEGORICAL, default="native",
                   help="non-numeric CSV columns: 'native' (default) gives each model the encoding it "
                        "needs; 'onehot' one-hot encodes them for every model; 'error' stops")
    g.add_argument("--sep", default=None, help="CSV separator (default ',', tab for .tsv)")
    g.add_argument("--groups", metavar="COLUMN",
                   help="a CSV column of group ids (a customer, a patient): each group's rows stay in one fold "
                        "and on one side of the explanations' split; not a feature")
    g = p.add_argument_group("general")
    g.add_argument("--random-state", type=int, default=DEFAULTS.random_state, metavar="INT",
                   help=f"seed for the folds, splits and models (default {DEFAULTS.random_state})")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
    g.add_argument("--debug", action="store_true",
                   help="show tracebacks, warnings and TensorFlow's start-up messages")
    return p


def _network_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("network")
    g.add_argument("--epochs", type=_int_at_least(1), default=DEFAULTS.epochs, metavar="INT",
                   help="training epochs (default: a budget sized to the data, with early stopping)")
    g.add_argument("--hidden-layer-sizes", type=_hidden_layer_sizes, default=DEFAULTS.hidden_layer_sizes,
                   metavar="SIZES", help="units per hidden layer, comma-separated ('none' for no hidden "
                                         "layer; default: the estimator's)")
    g.add_argument("--batch-size", type=_int_at_least(1), default=DEFAULTS.batch_size, metavar="INT",
                   help="mini-batch size (default: sized to the data)")
    return p


def _cv_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("cross-validation")
    g.add_argument("--cv", type=_int_at_least(2), default=DEFAULTS.cv, metavar="INT",
                   help=f"number of folds (default {DEFAULTS.cv})")
    g.add_argument("--n-jobs", type=int, default=DEFAULTS.n_jobs, metavar="INT",
                   help="folds fitted in parallel (default 1; -1 for all cores)")
    g.add_argument("--models", type=_model_list, default=DEFAULTS.models, metavar="LIST",
                   help=f"models to compare, comma-separated from {','.join(MODEL_NAMES)} (default: all whose "
                        "library is installed; lightgbm, xgboost and catboost come with skdeep[boosting])")
    g.add_argument("--repeats", dest="n_repeats", type=_int_at_least(1), default=DEFAULTS.n_repeats, metavar="N",
                   help="repeat the cross-validation N times with different shuffles, for the paired test's "
                        f"power (default {DEFAULTS.n_repeats})")
    g.add_argument("--scoring", type=_scoring_list, default=DEFAULTS.scoring, metavar="LIST",
                   help="scikit-learn scorer names, comma-separated; the first ranks the models "
                        "(default accuracy,roc_auc or r2,neg_root_mean_squared_error)")
    return p


def _explain_options(rows: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("explanations")
    g.add_argument("--rows", type=_int_at_least(1), default=rows, metavar="INT",
                   help=f"held-out rows explained one by one (default {rows})")
    g.add_argument("--top", dest="top_k", type=_int_at_least(1), default=DEFAULTS.top_k, metavar="INT",
                   help=f"features shown per table and plot (default {DEFAULTS.top_k})")
    g.add_argument("--background", type=_int_at_least(1), default=DEFAULTS.background, metavar="INT",
                   help=f"training rows used as the SHAP background (default {DEFAULTS.background})")
    g.add_argument("--global-rows", type=_int_at_least(1), default=DEFAULTS.global_rows, metavar="INT",
                   help=f"held-out rows averaged for the global importance (default {DEFAULTS.global_rows})")
    g.add_argument("--test-size", type=_fraction, default=DEFAULTS.test_size, metavar="FRACTION",
                   help=f"share of the rows held out from training (default {DEFAULTS.test_size})")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``skdeep`` argument parser."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compare a Keras network with scikit-learn baselines, explain it with SHAP, "
                    "and write a one-file HTML report.",
        epilog="Examples:\n  skdeep compare --dataset iris\n"
               "  skdeep explain --dataset data.csv --target price --rows 3\n"
               "  skdeep report --dataset breast_cancer --output report.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    data, net, cv = _data_options(), _network_options(), _cv_options()

    p = sub.add_parser(
        "compare", parents=[data, net, cv], help="cross-validate the network against baselines",
        description="Cross-validate a skdeep network, a linear model, a random forest and gradient "
                    "boosting on the same folds and print the ranked table (skdeep.compare.compare).",
        epilog="Example: skdeep compare --dataset wine --cv 5 --epochs 30")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default), csv or json on stdout")
    p.set_defaults(handler=_commands.cmd_compare, parser=p)

    p = sub.add_parser(
        "explain", parents=[data, net, _explain_options(rows=EXPLAIN_ROWS)],
        help="fit a model and explain its held-out predictions with SHAP",
        description="Fit a model on a training split, then print the features with the largest mean "
                    "|SHAP| over held-out rows and the largest contributions for a few of those rows.",
        epilog="Example: skdeep explain --dataset breast_cancer --rows 3 --top 5")
    p.add_argument("--model", choices=MODEL_ALIASES, default="network",
                   help="the model to explain (default network)")
    p.set_defaults(handler=_commands.cmd_explain, parser=p)

    p = sub.add_parser(
        "report", parents=[data, net, cv, _explain_options(rows=DEFAULTS.rows)],
        help="write a self-contained HTML report",
        description="Compare, fit the network once (with a validation split), explain it, and write "
                    "everything as one HTML file with the figures embedded.",
        epilog="Example: skdeep report --dataset breast_cancer --output report.html")
    p.add_argument("--output", "-o", metavar="FILE.html", default=None,
                   help="where to write the report (default skdeep-report-<dataset>.html)")
    p.add_argument("--title", default=None, help="page title")
    p.set_defaults(handler=_commands.cmd_report, parser=p)
    return parser
