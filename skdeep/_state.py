"""Every guard skdeep puts on process-wide state, in one place.

A fit must change nothing global and must not depend on what other threads do.
The process-wide state that Keras, TensorFlow and NumPy keep, and how each is
guarded (each guard is safe to use from several threads at once):

* **Keras's default seeds** (:func:`seeded`). Keras gives every initializer,
  ``SeedGenerator`` and dropout layer created without an explicit seed a
  default one, drawn with ``randint`` from Python's process-wide ``random``
  module (``keras.src.random.seed_generator``). Seeding that module for the
  duration of a build is not enough: any other thread that draws from it in
  between shifts the seeds. A Dask worker's event loop does (connection
  back-off, retry jitter), most of all while a fresh worker process connects,
  which is exactly when its first fit builds a network; that fit then differed
  from the same fit in a laptop process (issue 13). So skdeep never seeds
  ``random``. Once, on first use, it hands Keras's seed source a stand-in
  (:class:`_DefaultSeeds`): inside :func:`seeded` a draw comes from a
  ``random.Random(seed)`` that belongs to the calling thread (thread-local);
  everywhere else (other threads, code outside a fit) it is Python's
  ``random`` as before. Every default seed of a build is then a function of
  the fit's seed alone.
* **A fit's seed** (:func:`draw_seed`): from the estimator's ``random_state``,
  or fresh entropy; never from NumPy's global generator.
* **NumPy's global generator**, which shap samples from (:func:`seeded_numpy`):
  seeded for an explanation and restored after it, under a lock so two
  explanations in two threads do not interleave their seeds.
* **Keras's auto-naming counters** (:func:`keras_names_kept`): restored after a
  fit, so names are reused (flat memory: TensorFlow keeps ~35 KB per distinct
  variable name) and the user's next auto-named layer gets the name it would
  have had. The counters are process-wide; a fit in another thread may see
  names reused, which only names, never weights, depend on.
* **TensorFlow's gradient registry** (:func:`custom_gradients_released`):
  training's traces register custom gradients that are removed when the last
  training running in the process ends (a counter under a lock).
* **Keras's lazy TensorFlow handle** (:func:`tensorflow_left_unloaded`): on
  JAX or torch it answers "not available" while skdeep works, so Keras never
  imports TensorFlow for a user who chose another backend; restored after.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator

import numpy as np

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
    >>> from skdeep._state import seeded
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


def draw_seed(random_state) -> int:
    """A seed for one fit; from fresh entropy when ``random_state`` is None (no global draw).

    Examples
    --------
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    from sklearn.utils import check_random_state

    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    return int(check_random_state(random_state).randint(2**31 - 1))


_numpy_lock = threading.RLock()


@contextlib.contextmanager
def seeded_numpy(seed: int | None) -> Iterator[None]:
    """Seed NumPy's global RNG (which shap samples from) for the block and restore it afterwards.

    Examples
    --------
    >>> before = np.random.get_state()[1][0]
    >>> with seeded_numpy(0):
    ...     a = np.random.rand()
    >>> with seeded_numpy(0):
    ...     b = np.random.rand()
    >>> bool(a == b and np.random.get_state()[1][0] == before)
    True
    """
    if seed is None:
        yield
        return
    with _numpy_lock:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


@contextlib.contextmanager
def keras_names_kept():
    """Restore Keras's auto-naming counters on exit (``"adam_7"``, ``"seed_generator_12"``).

    Under TensorFlow every distinct variable name costs ~35 KB that is never
    freed, so a fit that created fresh names would grow memory with every fit.
    With the counters restored, each fit reuses the same names, and the user's
    next auto-named layer gets the name it would have had without the fit.
    """
    from . import _compat

    saved = dict(_compat.keras_name_uids())
    try:
        yield
    finally:
        uids = _compat.keras_name_uids()
        uids.clear()
        uids.update(saved)


_training = {"active": 0, "registered_before": frozenset()}
_training_lock = threading.Lock()


@contextlib.contextmanager
def custom_gradients_released():
    """Unregister, after training, the custom gradients that training's traces registered (TensorFlow).

    Every trace of a ``tf.custom_gradient`` registers a gradient function under a
    fresh name (``CustomGradient-N``) in TensorFlow's process-wide registry, which
    is never emptied and keeps the traced graph alive. Keras's optimizers
    all-reduce gradients through one, so each ``keras.Model.fit`` of a new model
    would keep ~2 MiB for the life of the process. A training graph is never
    differentiated again once traced, so these names are removed when the last
    training running in the process ends (not sooner: another thread's trace may
    still need its own).
    """
    from . import _compat

    registry = _compat.tf_gradient_registry()
    with _training_lock:
        if _training["active"] == 0:
            _training["registered_before"] = frozenset(registry)
        _training["active"] += 1
    try:
        yield
    finally:
        with _training_lock:
            _training["active"] -= 1
            if _training["active"] == 0:
                before = _training["registered_before"]
                for name in [n for n in registry if n.startswith("CustomGradient-") and n not in before]:
                    del registry[name]


_tf_unloaded = {"active": 0, "saved": None}
_tf_unloaded_lock = threading.Lock()


@contextlib.contextmanager
def tensorflow_left_unloaded() -> Iterator[None]:
    """On JAX or torch, keep Keras from importing TensorFlow for skdeep's work.

    Keras serializes a model's config (a fit's cache key, a clone, a save) with
    an ``isinstance`` check against TensorFlow types that imports TensorFlow when
    it is installed: seconds of start-up and its log lines for a user who chose
    another backend. While skdeep works, Keras's lazy handle answers "not
    available" (nothing of TensorFlow can be in a model TensorFlow never loaded);
    after, it is as it was. Left alone where TensorFlow is the backend or already
    imported. Counted under a lock, so overlapping fits in threads restore it once.
    """
    import sys

    import keras

    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        yield
        return
    from ._compat import keras_tensorflow_handle

    handle = keras_tensorflow_handle()
    with _tf_unloaded_lock:
        if _tf_unloaded["active"] == 0:
            _tf_unloaded["saved"] = handle._available
            handle._available = False
        _tf_unloaded["active"] += 1
    try:
        yield
    finally:
        with _tf_unloaded_lock:
            _tf_unloaded["active"] -= 1
            if _tf_unloaded["active"] == 0:
                handle._available = _tf_unloaded["saved"]


def training_state_kept():
    """What training leaves in the backend's process-wide state is released after it."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return custom_gradients_released()
    return contextlib.nullcontext()
