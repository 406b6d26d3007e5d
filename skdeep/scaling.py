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


def virtual_cpu_devices(n: int) -> None:
    """Split this process's CPU into ``n`` devices, to try ``distribution=`` without accelerators.

    Data-parallel training (``KerasClassifier(distribution="auto")``) spreads
    each batch over the devices the backend sees; on a machine without
    accelerators that is one CPU. This asks the backend named by
    ``KERAS_BACKEND`` (TensorFlow by default) for ``n`` CPU devices instead,
    as skdeep's own tests and ``benchmarks/data_parallel.py`` do. The devices
    share the same cores, so it checks results, not speed.

    Call it before Keras starts its backend (before the first fit or Keras
    import on JAX; before TensorFlow's devices are initialised on TensorFlow).

    Parameters
    ----------
    n : int
        Number of CPU devices, at least 1.

    Raises
    ------
    RuntimeError
        When the backend has already started.
    ValueError
        For a backend other than JAX or TensorFlow, or ``n < 1``.
    """
    import os
    import sys

    if int(n) < 1:
        raise ValueError(f"n must be at least 1; got {n!r}.")
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "jax":
        if "jax" in sys.modules:
            raise RuntimeError("virtual_cpu_devices must be called before JAX is imported.")
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={int(n)}".strip()
    elif backend == "tensorflow":
        import tensorflow as tf  # the backend asked for; this function's whole job

        cpu = tf.config.list_physical_devices("CPU")[0]
        # Raises RuntimeError once TensorFlow's devices are initialised.
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * int(n))
    else:
        raise ValueError(f"virtual_cpu_devices supports the JAX and TensorFlow backends; KERAS_BACKEND is "
                         f"{backend!r}.")
