"""Keras's default seeds, drawn from the fit's own generator, in the fitting thread only.

Keras gives every initializer, ``SeedGenerator`` and dropout layer created
without an explicit seed a default one, drawn with ``randint`` from Python's
process-wide ``random`` module (``keras.src.random.seed_generator``). Seeding
that module for the duration of a build is not enough: any other thread that
draws from it in between shifts the seeds. A Dask worker's event loop does
(connection back-off, retry jitter), most of all while a fresh worker process
connects, which is exactly when its first fit builds a network; that fit then
differed from the same fit in a laptop process (issue 13).

So skdeep never seeds ``random``. Once, on first use, it hands Keras's seed
source a stand-in (:class:`_DefaultSeeds`): inside :func:`seeded` a draw comes
from a ``random.Random(seed)`` that belongs to the calling thread; everywhere
else (other threads, code outside a fit) it is Python's ``random`` as before.
Every default seed of a build is then a function of the fit's seed alone.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator

_local = threading.local()
_install_lock = threading.Lock()


class _DefaultSeeds:
    """Stands in for the ``random`` module where Keras draws default seeds."""

    def __getattr__(self, name: str):
        rng = getattr(_local, "rng", None)
        return getattr(rng if rng is not None else random, name)


def keras_seed_source():
    """The module Keras's ``make_default_seed`` draws from: see :func:`skdeep._compat.keras_seed_source`."""
    from ._compat import keras_seed_source as source

    return source()


def _install() -> None:
    source = keras_seed_source()
    if not isinstance(source.python_random, _DefaultSeeds):
        with _install_lock:
            if not isinstance(source.python_random, _DefaultSeeds):
                source.python_random = _DefaultSeeds()


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Draw Keras's default seeds from ``random.Random(seed)`` in this thread for the block.

    No global random state is read or changed, and fits in other threads (or a
    Dask worker's event loop) neither see nor disturb this block's seeds.

    Examples
    --------
    >>> import keras
    >>> from skdeep._seeding import seeded
    >>> with seeded(0):
    ...     a = keras.initializers.GlorotUniform().seed
    >>> with seeded(0):
    ...     b = keras.initializers.GlorotUniform().seed
    >>> a == b
    True
    """
    if seed is None:
        yield
        return
    _install()
    saved = getattr(_local, "rng", None)
    _local.rng = random.Random(seed)
    try:
        yield
    finally:
        _local.rng = saved
