"""Dask workers for accelerators: one worker per device, one thread, memory on demand.

A grid search on a GPU cluster goes wrong in the same few ways: several
workers share one device and run out of its memory, one worker's TensorFlow or
JAX reserves the whole device at start-up, or a worker runs several fits in
threads on one device. The recipe skdeep documents (docs/scaling.md) is one
worker process per device, with one thread, seeing only its device, whose
backend allocates device memory as it needs it. This module writes that recipe
down once; it imports neither Dask nor a backend.
"""

from __future__ import annotations

from collections.abc import Sequence


def worker_env(device: int | str | None = None) -> dict[str, str]:
    """Environment variables for a worker process that trains on ``device``.

    Parameters
    ----------
    device : int, str or None, default=None
        The accelerator this worker may see (``CUDA_VISIBLE_DEVICES``); ``""``
        hides every GPU; None leaves the visible devices as they are.

    Returns
    -------
    dict of str to str
        ``TF_FORCE_GPU_ALLOW_GROWTH=true`` (TensorFlow takes device memory as
        needed rather than all of it), ``XLA_PYTHON_CLIENT_PREALLOCATE=false``
        (JAX likewise) and, when ``device`` is given, ``CUDA_VISIBLE_DEVICES``.
        They take effect only if set before the backend starts, so pass them to
        the worker process (a Dask ``Nanny``'s ``env=``, or the shell that runs
        ``dask worker``), not to a running one.

    Examples
    --------
    >>> from skdeep.scaling import worker_env
    >>> worker_env(1)["CUDA_VISIBLE_DEVICES"]
    '1'
    >>> worker_env()["TF_FORCE_GPU_ALLOW_GROWTH"]
    'true'
    """
    env = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    if device is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(device)
    return env


def device_worker_specs(devices: Sequence[int | str], **nanny_options) -> dict[str, dict]:
    """Worker specs for ``distributed.SpecCluster``: one single-threaded worker per device.

    Parameters
    ----------
    devices : sequence of int or str
        One worker is started per entry, seeing only that device
        (:func:`worker_env`).
    **nanny_options
        More options for each ``distributed.Nanny`` (``memory_limit``, ...).

    Returns
    -------
    dict
        ``{"device-<d>": {"cls": Nanny, "options": {...}}}``, for
        ``SpecCluster(workers=...)``.

    Examples
    --------
    >>> from skdeep.scaling import device_worker_specs
    >>> spec = device_worker_specs([0, 1])
    >>> sorted(spec), spec["device-1"]["options"]["nthreads"]
    (['device-0', 'device-1'], 1)
    """
    from distributed import Nanny

    if len(set(map(str, devices))) != len(devices):
        raise ValueError(f"Each device gets one worker; {list(devices)} names a device twice.")
    return {
        f"device-{d}": {"cls": Nanny, "options": {"nthreads": 1, "env": worker_env(d), **nanny_options}}
        for d in devices
    }
