"""Process-wide settings, in scikit-learn's style: get, set, or set for a block.

Only settings that belong to no single estimator live here (today: how much
training data the compiled engine may hold on the device at once). Like
scikit-learn's ``set_config``, values are per thread; a new thread or a worker
process (joblib's loky) starts from the defaults, which environment variables
can set for every process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

_local = threading.local()


def _defaults() -> dict[str, Any]:
    mib = os.environ.get("SKDEEP_DEVICE_BUDGET_MB")
    return {"device_budget_bytes": int(float(mib) * 2**20) if mib else 1 << 30}


def _settings() -> dict[str, Any]:
    if not hasattr(_local, "settings"):
        _local.settings = _defaults()
    return _local.settings


def get_config() -> dict[str, Any]:
    """The current settings, as a new dict.

    ``device_budget_bytes`` (default 1 GiB, or ``SKDEEP_DEVICE_BUDGET_MB``
    mebibytes from the environment): the most bytes of training data (features,
    targets and sample weights) the compiled engine keeps on the device at once.
    Larger data is streamed to the device in chunks of whole batches, with the
    same batches and results as the resident path.

    Examples
    --------
    >>> import skdeep
    >>> skdeep.get_config()["device_budget_bytes"] > 0
    True
    """
    return dict(_settings())


def set_config(*, device_budget_bytes: int | None = None) -> None:
    """Change settings for this thread; None leaves a setting as it is.

    Examples
    --------
    >>> import skdeep
    >>> old = skdeep.get_config()["device_budget_bytes"]
    >>> skdeep.set_config(device_budget_bytes=256 * 2**20)
    >>> skdeep.set_config(device_budget_bytes=old)
    """
    if device_budget_bytes is not None:
        if isinstance(device_budget_bytes, bool) or not isinstance(device_budget_bytes, int) \
                or device_budget_bytes <= 0:
            raise ValueError(f"device_budget_bytes must be a positive int; got {device_budget_bytes!r}.")
        _settings()["device_budget_bytes"] = device_budget_bytes


@contextlib.contextmanager
def config_context(*, device_budget_bytes: int | None = None) -> Iterator[None]:
    """Settings for the duration of a ``with`` block, restored after.

    Examples
    --------
    >>> import skdeep
    >>> with skdeep.config_context(device_budget_bytes=64 * 2**20):
    ...     skdeep.get_config()["device_budget_bytes"]
    67108864
    """
    saved = get_config()
    set_config(device_budget_bytes=device_budget_bytes)
    try:
        yield
    finally:
        _settings().update(saved)
