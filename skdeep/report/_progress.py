"""The progress bar of the commands: a tqdm bar on stderr, one step at a time."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """A tqdm bar on stderr counting steps, with the current step as its postfix.

    Disabled (a no-op) when ``enabled`` is false or tqdm is not installed.
    """

    def __init__(self, total: int, desc: str, enabled: bool = True):
        self._bar = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover - tqdm comes with shap
                return
            self._bar = tqdm(
                total=total, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}] {postfix}",
            )

    def start(self, label: str) -> None:
        """Show what is being done now."""
        if self._bar is not None:
            self._bar.set_postfix_str(label)

    def done(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str("done")
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class NoProgress(Progress):
    """A progress bar that shows nothing."""

    def __init__(self) -> None:
        self._bar = None
