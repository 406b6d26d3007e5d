"""What :func:`skdeep.cli.main` changes in the process while a command runs, restored when it returns.

``main`` is documented as callable in-process (from a notebook, a test, another
program), so everything it changes is changed for the command's duration only:
TensorFlow's C++ log level (``TF_CPP_MIN_LOG_LEVEL``) and Python logger, the
warning filters, and matplotlib's backend (Agg while a command draws).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_session(debug: bool) -> Iterator[None]:
    """Quiet TensorFlow and every warning unless ``debug``; restore everything on exit."""
    with contextlib.ExitStack() as stack:
        if not debug:
            stack.enter_context(_environment_default("TF_CPP_MIN_LOG_LEVEL", "3"))
        # TensorFlow's Python-side warnings (e.g. tf.function retracing across the many
        # short fits of cross-validation) say nothing a command-line user can act on.
        stack.enter_context(_logger_level("tensorflow", logging.ERROR))
        stack.enter_context(warnings.catch_warnings())
        if not debug:
            import_backend_quietly()
            # Every warning, by category: a failed fold's FitFailedWarning (whose message starts
            # with a newline and carries the fold's traceback), numpy's overflow RuntimeWarnings,
            # scikit-learn's UndefinedMetricWarning... A failure that matters ends the command
            # with one line saying why (skdeep.cli._checks); --debug shows them all.
            warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def files_only_backend() -> Iterator[None]:
    """matplotlib's Agg backend (files, never a window) inside, the caller's backend again after.

    Asking for the current backend resolves it if nothing had chosen one yet,
    the same choice matplotlib makes at the first pyplot call, so the caller
    gets back the backend it would have had.
    """
    import matplotlib

    previous = matplotlib.get_backend()
    matplotlib.use("Agg")
    try:
        yield
    finally:
        matplotlib.use(previous)  # a no-op when it is Agg


@contextlib.contextmanager
def _environment_default(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` if unset, removed again on exit; a value already set is kept."""
    if name in os.environ:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)


@contextlib.contextmanager
def _logger_level(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


def import_backend_quietly() -> None:
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
