"""Exit statuses and the errors the commands raise, each mapped to one status by :func:`main`."""

from __future__ import annotations

PROG = "skdeep"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's status for a Ctrl-C


class UsageError(Exception):
    """Options that parse but cannot be used together (exit status 2)."""


class MissingDependency(Exception):
    """An optional dependency a command needs is not installed (exit status 1)."""


class DataError(Exception):
    """Data the command cannot use: infinite cells, a model (or every model) failing on every fold (exit 2)."""
