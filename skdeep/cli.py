"""The ``skdeep`` command line: ``skdeep compare``, ``skdeep explain``, ``skdeep report``.

Each command works on a dataset bundled with scikit-learn (``--dataset
breast_cancer``, ``iris``, ``wine``, ``digits``, ``diabetes``) or on a CSV file
(``--dataset data.csv --target COLUMN``)::

    skdeep compare --dataset iris
    skdeep explain --dataset diabetes --rows 3
    skdeep report  --dataset breast_cancer --output report.html

:func:`main` returns the exit status instead of exiting, so it can be called
in-process: 0 on success, 2 for a usage error (bad option, unknown dataset,
missing or unknown target column, unusable columns) or data it cannot use
(infinite cells, a model failing on every fold, e.g. because training
diverged), 1 when something needed is not installed or fails unexpectedly.
Errors are one line on stderr; ``--debug`` shows tracebacks instead.
``python -m skdeep`` runs the same.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from . import _columns
from .report._data import BUNDLED, CATEGORICAL, TASKS, DatasetError, load_dataset
from .report._workflow import MODEL_ALIASES, Settings

PROG = "skdeep"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "csv", "json")


class UsageError(Exception):
    """Options that parse but cannot be used together (exit status 2)."""


class MissingDependency(Exception):
    """An optional dependency a command needs is not installed (exit status 1)."""


class DataError(Exception):
    """Data the command cannot use: non-finite cells, a model failing on every fold (exit status 2)."""


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
    names = tuple(n.strip() for n in text.split(",") if n.strip())
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


# -- the parser ------------------------------------------------------------
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
    g = p.add_argument_group("general")
    g.add_argument("--random-state", type=int, default=0, metavar="INT",
                   help="seed for the folds, splits and models (default 0)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
    g.add_argument("--debug", action="store_true",
                   help="show tracebacks, warnings and TensorFlow's start-up messages")
    return p


def _network_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("network")
    g.add_argument("--epochs", type=_int_at_least(1), default=None, metavar="INT",
                   help="training epochs (default: a budget sized to the data, with early stopping)")
    g.add_argument("--hidden-layer-sizes", type=_hidden_layer_sizes, default=None, metavar="SIZES",
                   help="units per hidden layer, comma-separated ('none' for no hidden layer; "
                        "default: the estimator's)")
    g.add_argument("--batch-size", type=_int_at_least(1), default=None, metavar="INT",
                   help="mini-batch size (default: sized to the data)")
    return p


def _cv_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("cross-validation")
    g.add_argument("--cv", type=_int_at_least(2), default=5, metavar="INT", help="number of folds (default 5)")
    g.add_argument("--n-jobs", type=int, default=None, metavar="INT",
                   help="folds fitted in parallel (default 1; -1 for all cores)")
    g.add_argument("--models", type=_model_list, default=MODEL_ALIASES, metavar="LIST",
                   help=f"models to compare, comma-separated from {','.join(MODEL_ALIASES)} (default all)")
    g.add_argument("--scoring", type=_scoring_list, default=None, metavar="LIST",
                   help="scikit-learn scorer names, comma-separated; the first ranks the models "
                        "(default accuracy,roc_auc or r2,neg_root_mean_squared_error)")
    return p


def _explain_options(rows: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("explanations")
    g.add_argument("--rows", type=_int_at_least(1), default=rows, metavar="INT",
                   help=f"held-out rows explained one by one (default {rows})")
    g.add_argument("--top", type=_int_at_least(1), default=10, metavar="INT",
                   help="features shown per table and plot (default 10)")
    g.add_argument("--background", type=_int_at_least(1), default=100, metavar="INT",
                   help="training rows used as the SHAP background (default 100)")
    g.add_argument("--global-rows", type=_int_at_least(1), default=100, metavar="INT",
                   help="held-out rows averaged for the global importance (default 100)")
    g.add_argument("--test-size", type=_fraction, default=0.2, metavar="FRACTION",
                   help="share of the rows held out from training (default 0.2)")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``skdeep`` argument parser."""
    from . import __version__

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
    p.set_defaults(handler=_cmd_compare, parser=p)

    p = sub.add_parser(
        "explain", parents=[data, net, _explain_options(rows=5)],
        help="fit a model and explain its held-out predictions with SHAP",
        description="Fit a model on a training split, then print the features with the largest mean "
                    "|SHAP| over held-out rows and the largest contributions for a few of those rows.",
        epilog="Example: skdeep explain --dataset breast_cancer --rows 3 --top 5")
    p.add_argument("--model", choices=MODEL_ALIASES, default="network",
                   help="the model to explain (default network)")
    p.set_defaults(handler=_cmd_explain, parser=p)

    p = sub.add_parser(
        "report", parents=[data, net, cv, _explain_options(rows=3)],
        help="write a self-contained HTML report",
        description="Compare, fit the network once (with a validation split), explain it, and write "
                    "everything as one HTML file with the figures embedded.",
        epilog="Example: skdeep report --dataset breast_cancer --output report.html")
    p.add_argument("--output", "-o", metavar="FILE.html", default=None,
                   help="where to write the report (default skdeep-report-<dataset>.html)")
    p.add_argument("--title", default=None, help="page title")
    p.set_defaults(handler=_cmd_report, parser=p)
    return parser


# -- shared helpers --------------------------------------------------------
def _settings(args: argparse.Namespace) -> Settings:
    fields = {
        "cv": getattr(args, "cv", 5),
        "epochs": args.epochs,
        "hidden_layer_sizes": args.hidden_layer_sizes,
        "batch_size": args.batch_size,
        "random_state": args.random_state,
        "n_jobs": getattr(args, "n_jobs", None),
        "models": getattr(args, "models", MODEL_ALIASES),
        "scoring": getattr(args, "scoring", None),
        "test_size": getattr(args, "test_size", 0.2),
        "rows": getattr(args, "rows", 3),
        "top_k": getattr(args, "top", 10),
        "background": getattr(args, "background", 100),
        "global_rows": getattr(args, "global_rows", 100),
    }
    return Settings(**fields)


def _note(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"{PROG}: {message}", file=sys.stderr)


def _load(args: argparse.Namespace):
    dataset = load_dataset(args.dataset, target=args.target, task=args.task,
                           categorical=args.categorical, sep=args.sep)
    for note in dataset.notes:
        _note(args, note)
    _check_finite_cells(dataset)
    return dataset


def _check_finite_cells(dataset) -> None:
    """Infinite cells cannot be imputed or scaled: stop before any model sees them."""
    import numpy as np
    import pandas as pd

    columns = [(c, dataset.X[c]) for c in dataset.X.columns if pd.api.types.is_numeric_dtype(dataset.X[c])]
    columns.append((dataset.target_name, pd.Series(np.asarray(dataset.y, dtype=float))))
    for name, values in columns:
        bad = np.flatnonzero(np.isinf(values.to_numpy(dtype=float, na_value=np.nan)))
        if len(bad):
            s = "" if len(bad) == 1 else "s"
            raise DataError(f"column {name!r} has {len(bad)} infinite value{s} (row {bad[0]}"
                            f"{', ...' if len(bad) > 1 else ''}); replace or drop {'it' if len(bad) == 1 else 'them'}.")


def _failed_model(dataset, settings: Settings, names) -> DataError | None:
    """The first of ``names`` whose fit on all rows fails, as a one-line error, or None.

    Cross-validation keeps only NaN scores (or "All the fits failed"); one fit
    on all rows gives the reason, e.g. ``Training diverged at epoch 3``.
    """
    from .report._workflow import build_models

    for name, est in build_models(dataset, settings).items():
        if name not in names:
            continue
        try:
            est.fit(dataset.X, dataset.y)
        except Exception as error:  # noqa: BLE001 - reported, not handled
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return DataError(f"{name} failed on every fold: {reason}")
    return None


def _run_compare_checked(dataset, settings: Settings, bar):
    """``run_compare``, turning a model that fails on every fold into a :class:`DataError`."""
    from .report._workflow import build_models, run_compare

    try:
        results = run_compare(dataset, settings, bar)
    except ValueError as error:
        if "fits failed" not in str(error):
            raise
        failed = _failed_model(dataset, settings, list(build_models(dataset, settings)))
        if failed is None:
            raise
        raise failed from None
    scores = results[_columns.mean(results.attrs["primary_metric"])]
    failed = _failed_model(dataset, settings, [n for n in results.index if scores.isna()[n]])
    if failed is not None:
        raise failed
    return results


def _check_folds(dataset, settings: Settings, *, what: str = "--cv") -> None:
    import numpy as np

    n = len(dataset.X)
    if settings.cv > n:
        raise UsageError(f"{what} {settings.cv} is more folds than the {n} rows.")
    if dataset.task == "classification":
        largest = int(np.bincount(dataset.y).max())
        if settings.cv > largest:
            raise UsageError(f"{what} {settings.cv} is more folds than the {largest} rows of the largest class.")


def _check_split(dataset, settings: Settings) -> None:
    n = len(dataset.X)
    n_test = int(round(settings.test_size * n))
    if n_test < 1 or n - n_test < 2:
        raise UsageError(f"--test-size {settings.test_size} leaves no rows to test or train on ({n} rows).")


def _need_explain_deps(command: str) -> None:
    missing = []
    for module in ("shap", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingDependency(
            f"'{PROG} {command}' needs {' and '.join(missing)}: pip install 'skdeep[explain]'")
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window


def _progress(args: argparse.Namespace, total: int, desc: str):
    from .report._workflow import Progress

    return Progress(total, desc, enabled=not args.quiet)


# -- commands --------------------------------------------------------------
def _cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    dataset = _load(args)
    settings = _settings(args)
    _check_folds(dataset, settings)
    with _progress(args, len(settings.models), "skdeep compare") as bar:
        results = _run_compare_checked(dataset, settings, bar)
    if args.format == "csv":
        results.to_csv(sys.stdout, float_format="%.6g")
    elif args.format == "json":
        payload = {
            "dataset": dataset.name,
            "task": results.attrs.get("task"),
            "primary_metric": results.attrs.get("primary_metric"),
            "n_splits": results.attrs.get("n_splits"),
            "results": json.loads(results.reset_index().to_json(orient="records")),
        }
        print(json.dumps(payload, indent=2))
    else:
        print(dataset.summary())
        print(f"{results.attrs['n_splits']}-fold cross-validation, best first by "
              f"{results.attrs['primary_metric']}; network: {settings.network_text()}")
        print()
        with pd.option_context("display.width", 250, "display.max_columns", None):
            print(results.to_string(float_format=lambda v: f"{v:.4f}"))
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from .report._workflow import fit_and_explain

    _need_explain_deps("explain")
    dataset = _load(args)
    settings = _settings(args)
    _check_split(dataset, settings)
    with _progress(args, 2, "skdeep explain") as bar:
        explained = fit_and_explain(dataset, settings, model=args.model, progress=bar)
    _print_explanation(dataset, settings, explained)
    return EXIT_OK


def _text_table(headers: list[str], rows: list[list[str]], numeric: list[bool], indent: str = "") -> str:
    """Plain-text table: text columns left-aligned, numbers right-aligned."""
    widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h) for j, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)]
        return (indent + "  ".join(parts)).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def _print_explanation(dataset, settings: Settings, explained) -> None:
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
    print(_text_table(["rank", "feature", "mean |SHAP|"], rows, [True, False, True], indent="  "))
    for row in explained.rows:
        print()
        print(f"Row {row.index}: predicted {row.predicted}, true {row.true}")
        print(f"  base value {row.base_value:.4g} -> output {row.output:.4g}")
        cells = [[str(r.feature), str(r.value), f"{r.shap:+.4g}"] for r in row.contributions.itertuples()]
        print(_text_table(["feature", "value", "SHAP"], cells, [False, True, True], indent="  "))


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report
    from .report._build import report_steps

    _need_explain_deps("report")
    dataset = _load(args)
    settings = _settings(args)
    if "network" not in settings.models:
        settings.models = ("network", *settings.models)
    _check_folds(dataset, settings)
    _check_split(dataset, settings)
    output = args.output or f"skdeep-report-{_slug(dataset.name)}.html"
    if os.path.isdir(output):
        raise UsageError(f"--output {output} is a directory; give a file name such as report.html.")
    command = " ".join([PROG, *(shlex.quote(a) for a in args.argv)])
    with _progress(args, report_steps(settings), "skdeep report") as bar:
        path = write_report(output, dataset, settings, title=args.title, command=command, progress=bar)
    size = os.path.getsize(path)
    print(f"Wrote {path} ({size / 1024:.0f} KiB)")
    return EXIT_OK


def _slug(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".csv", ".tsv")) else name
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem) or "data"


# -- entry point -----------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skdeep`` command line and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 2 for a usage error, 1 when a dependency is missing.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return _exit_code(stop.code)
    args.argv = argv
    debug = getattr(args, "debug", False)
    log_level = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    if log_level is None and not debug:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # TensorFlow's Python-side warnings (e.g. tf.function retracing across the many
    # short fits of cross-validation) say nothing a command-line user can act on.
    tf_logger = logging.getLogger("tensorflow")
    tf_level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            if not debug:
                _import_backend_quietly()
                # A failed fold scores NaN; the reason is reported once, not as a traceback per fold.
                warnings.filterwarnings("ignore", message=".*(fits failed|Scoring failed).*")
            return args.handler(args)
    except DataError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (DatasetError, UsageError) as error:
        print(f"{PROG} {args.command}: error: {error}\n"
              f"Run '{PROG} {args.command} --help' for the options.", file=sys.stderr)
        return EXIT_USAGE
    except MissingDependency as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if debug:
            raise
        first = (str(error).strip().splitlines() or [""])[0]
        print(f"{PROG} {args.command}: error: {type(error).__name__}: {first} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        tf_logger.setLevel(tf_level)
        if log_level is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)


def _import_backend_quietly() -> None:
    """Import Keras (and TensorFlow) with file descriptor 2 on /dev/null.

    TensorFlow's C++ start-up lines ("All log messages before absl::InitializeLog()
    ...", "Could not find cuda drivers ...") are written before its logging reads
    ``TF_CPP_MIN_LOG_LEVEL``, straight to the process's stderr. Errors still
    surface: they are Python exceptions.
    """
    if "keras" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _exit_code(code: Any) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
