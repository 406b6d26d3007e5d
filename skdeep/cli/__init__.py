"""The ``skdeep`` command line: ``skdeep compare``, ``skdeep explain``, ``skdeep report``.

Each command works on a dataset bundled with scikit-learn (``--dataset
breast_cancer``, ``iris``, ``wine``, ``digits``, ``diabetes``) or on a CSV file
(``--dataset data.csv --target COLUMN``)::

    skdeep compare --dataset iris
    skdeep explain --dataset diabetes --rows 3
    skdeep report  --dataset breast_cancer --output report.html

:func:`main` returns the exit status instead of exiting, so it can be called
in-process: 0 on success, 2 for a usage error (bad option, unknown dataset,
missing or unknown target column, unusable columns, too few rows for the
folds) or data it cannot use (infinite cells, column names that collide once
stripped, a model failing on every fold, e.g. because training diverged, or
every model failing on every fold), 1 when something needed is not installed
or fails unexpectedly. Errors are one line on stderr; ``--debug`` shows
tracebacks and warnings instead (without it, no warning is shown).
``python -m skdeep`` runs the same. Whatever ``main`` changes in the process
while a command runs (TensorFlow's log level, warning filters, matplotlib's
backend) is restored when it returns.

Layout: :mod:`~skdeep.cli._parser` (options, every default taken from
:class:`skdeep.report.Settings`), :mod:`~skdeep.cli._commands` (the three
commands), :mod:`~skdeep.cli._checks` (checks before the work),
:mod:`~skdeep.cli._text` (plain-text output), :mod:`~skdeep.cli._session`
(process state, restored) and :mod:`~skdeep.cli._errors` (exit statuses).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ..report._data import (  # noqa: F401
    BUNDLED, CATEGORICAL, TASKS, DatasetError, UnusableDataError, load_dataset,
)
from ..report._settings import MODEL_ALIASES, Settings  # noqa: F401 - importable from here as before
from ._errors import (
    EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, PROG, DataError, MissingDependency, UsageError,
)
from ._parser import FORMATS, build_parser
from ._session import quiet_session

__all__ = [
    "EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "FORMATS", "PROG", "DataError", "MissingDependency",
    "UsageError", "build_parser", "main",
]


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

    Examples
    --------
    >>> from skdeep.cli import main
    >>> main(["compare", "--dataset", "no-such-dataset"])  # the message goes to stderr
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return _exit_code(stop.code)
    args.argv = argv
    debug = getattr(args, "debug", False)
    with quiet_session(debug):
        try:
            return args.handler(args)
        except (DataError, UnusableDataError) as error:
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
            return EXIT_INTERRUPTED
        except Exception as error:
            if debug:
                raise
            first = (str(error).strip().splitlines() or [""])[0]
            print(f"{PROG} {args.command}: error: {type(error).__name__}: {first} "
                  "(run with --debug for the traceback)", file=sys.stderr)
            return EXIT_FAILURE


def _exit_code(code: Any) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE
