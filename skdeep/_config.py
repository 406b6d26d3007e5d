"""Process-wide settings, in scikit-learn's style: get, set, or set for a block.

Only settings that belong to no single estimator live here (today: how much
training data the compiled engine may hold on the device at once, and how much
of a memory-mapped or Dask array may be read into host memory at once). Like
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
    host_mib = os.environ.get("SKDEEP_HOST_BUDGET_MB")
    return {"device_budget_bytes": int(float(mib) * 2**20) if mib else 1 << 30,
            "host_budget_bytes": int(float(host_mib) * 2**20) if host_mib else 1 << 30}


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

    ``host_budget_bytes`` (default 1 GiB, or ``SKDEEP_HOST_BUDGET_MB``): the
    most bytes of a ``numpy.memmap`` or Dask array ``X`` read into host memory
    at once. A larger one is validated, trained on and predicted in chunks of
    whole batches (same batches and results as in memory); a smaller one is
    simply read into memory.

    Examples
    --------
    >>> import skdeep
    >>> skdeep.get_config()["device_budget_bytes"] > 0
    True
    """
    return dict(_settings())


def set_config(*, device_budget_bytes: int | None = None, host_budget_bytes: int | None = None) -> None:
    """Change settings for this thread; None leaves a setting as it is.

    Examples
    --------
    >>> import skdeep
    >>> old = skdeep.get_config()["device_budget_bytes"]
    >>> skdeep.set_config(device_budget_bytes=256 * 2**20)
    >>> skdeep.set_config(device_budget_bytes=old)
    """
    for name, value in (("device_budget_bytes", device_budget_bytes), ("host_budget_bytes", host_budget_bytes)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
        _settings()[name] = value


@contextlib.contextmanager
def config_context(*, device_budget_bytes: int | None = None,
                   host_budget_bytes: int | None = None) -> Iterator[None]:
    """Settings for the duration of a ``with`` block, restored after.

    Examples
    --------
    >>> import skdeep
    >>> with skdeep.config_context(device_budget_bytes=64 * 2**20):
    ...     skdeep.get_config()["device_budget_bytes"]
    67108864
    """
    saved = get_config()
    set_config(device_budget_bytes=device_budget_bytes, host_budget_bytes=host_budget_bytes)
    try:
        yield
    finally:
        _settings().update(saved)
