"""Saving fitted estimators: version-stamped pickles and a format safe to load.

Loading a pickle runs whatever code the file names, so a pickle from an
untrusted source is as dangerous as running its author's script. :func:`save`
writes a zip of data instead: each network as a ``.keras`` file (loaded with
Keras's ``safe_mode=True``, which refuses ``Lambda`` layers and other code)
and the rest of the estimator or pipeline with ``skops.io``, whose loader
refuses any type it does not know unless told to trust it. :func:`load` checks
the file before Keras, skops or numpy see any part of it (layout, the format of
each network, how much it decompresses, the saved state against its network)
and refuses what does not pass with :class:`LoadError`.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from typing import Any

from . import _state, _untrusted
from ._base import BaseKerasEstimator
from ._model_state import InconsistentVersionWarning, assign_values, non_trainable_values, version, warn_if_other_version
from ._untrusted import Allowance, LoadError, refuse

__all__ = ["InconsistentVersionWarning", "LoadError", "load", "save"]

_FORMAT = 1
# skdeep's own types in the data part: trusted by load without being named.
_OWN_TYPES = (
    "skdeep._classifier.KerasClassifier",
    "skdeep._regressor.KerasRegressor",
    "skdeep._targets.ClassifierTargetEncoder",
    "skdeep._targets.RegressorTargetEncoder",
    "skdeep._features.FeatureEncoder",
    "skdeep._budget.Budget",
    "skdeep._retrieval.Retrieval",
)
# The only members that may hold networks: no other name (an .h5, a path out of the folder) is loaded.
_NETWORK = re.compile(r"networks/(?:0|[1-9][0-9]*)\.keras")
# What load may decompress by default: generous for any tabular network (see load's max_size), bounded
# against decompression bombs, which reach gigabytes from a file of a few megabytes.
_MAX_SIZE = 2 * 1024**3


def _skdeep_estimators(obj):
    """Every skdeep estimator inside ``obj`` (itself, pipeline steps, a search's best_estimator_...)."""
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, BaseKerasEstimator):
            yield item
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "get_params") and hasattr(item, "__dict__"):
            stack.extend(vars(item).values())


@_state.tensorflow_left_unloaded()  # on JAX or torch, saving never imports TensorFlow
def save(estimator: Any, path: str | os.PathLike) -> None:
    """Save a fitted estimator or pipeline in a format that is safe to load.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Fitted or not; any skdeep estimators inside it (pipeline steps, a
        search's ``best_estimator_``) keep their networks.
    path : str or path-like
        The file to write (a zip; ``.skdeep`` is a good extension).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import skdeep
    >>> X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    >>> clf = skdeep.KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.skdeep")
    >>> skdeep.save(clf, path)
    >>> (skdeep.load(path).predict_proba(X) == clf.predict_proba(X)).all()
    np.True_
    """
    import skops.io as sio

    owners = [est for est in _skdeep_estimators(estimator) if hasattr(est, "model_")]
    models = [est.model_ for est in owners]
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        names = []
        for i, model in enumerate(models):
            name = f"networks/{i}.keras"
            model.save(os.path.join(tmp, f"{i}.keras"))
            zf.write(os.path.join(tmp, f"{i}.keras"), name)
            zf.writestr(_state_name(name), _non_trainable_state(model))
            names.append(name)
        try:
            for est, name in zip(owners, names):
                est.model_ = name  # a reference to the .keras member while skops writes the rest
            data = sio.dumps(estimator)
        finally:
            for est, model in zip(owners, models):
                est.model_ = model
        zf.writestr("estimator.skops", data)
        zf.writestr("manifest.json", json.dumps(
            {"format": _FORMAT, "skdeep_version": version(), "networks": names}))


@_state.tensorflow_left_unloaded()
def load(path: str | os.PathLike, *, trusted: bool | list[str] = False, custom_objects: dict | None = None,
         max_size: int = _MAX_SIZE):
    """Load what :func:`save` wrote, running no code from the file unless trusted.

    The file is checked before anything in it is used: it must have the layout
    :func:`save` writes, each network must be a Keras v3 ``.keras`` zip (never an
    HDF5 file, whose Keras loader ignored ``safe_mode`` before Keras 3.11.3), the
    networks' saved state must fit them, and nothing may inflate past ``max_size``.

    Parameters
    ----------
    path : str or path-like
    trusted : bool or list of str, default=False
        False loads only data: types skdeep, scikit-learn, numpy and Keras know,
        and networks of registered Keras layers (Keras ``safe_mode``). A list
        names further types to trust (as the error message lists them). True
        trusts everything in the file, ``Lambda`` layers included: only for files
        you trust as much as your own code.
    custom_objects : dict, optional
        Custom Keras classes or functions of the networks, by name, as for
        ``keras.saving.load_model``.
    max_size : int, default=2 GiB
        The most bytes loading may decompress, counting every member of the file
        and of the zips inside it (each ``.keras`` network, the skops data), which
        Keras and skops decompress in turn. It bounds the memory and temporary disk
        a decompression bomb can take. The default holds a network of about 80
        million weights with its Adam state; skdeep's default networks need well
        under 1 MB.

    Returns
    -------
    The estimator or pipeline, with identical predictions.

    Raises
    ------
    LoadError
        When the file is refused: it needs code to load (naming what and how to
        trust it), is damaged or not written by :func:`save`, does not fit its
        networks, or inflates past ``max_size``. A subclass of ``ValueError``.
    """
    import keras
    import skops.io as sio

    if not isinstance(max_size, int) or max_size <= 0:
        raise ValueError(f"max_size must be a positive number of bytes, got {max_size!r}.")
    allowance = Allowance(max_size, path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise refuse(path, f"it is not a file written by skdeep.save ({exc})") from None
    with archive as zf, tempfile.TemporaryDirectory() as tmp:
        manifest = _manifest(zf, allowance)
        warn_if_other_version(manifest["skdeep_version"], os.fspath(path), stacklevel=2)
        networks = {}
        for i, name in enumerate(manifest["networks"]):
            file = os.path.join(tmp, f"{i}.keras")  # no name from the file reaches the disk
            networks[name] = _load_network(zf, name, file, allowance, trusted is True, custom_objects, keras)
            if _state_name(name) in zf.namelist():
                state = _state_name(name)
                _restore_state(networks[name], _untrusted.read(zf, state, allowance), state, allowance)
        data = _untrusted.read(zf, "estimator.skops", allowance)
    _untrusted.count_zip(io.BytesIO(data), "estimator.skops", allowance)
    try:
        untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in _OWN_TYPES]
    except Exception as exc:  # skops parses the file here: anything it raises means a damaged file
        raise refuse(path, f"its estimator.skops is damaged ({type(exc).__name__}: {exc})") from exc
    allowed = untrusted if trusted is True else list(trusted or [])
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        raise refuse(path, f"it refers to {refused}, which could run code when loaded. If you trust the file, "
                            f"load it with trusted={refused!r} (or trusted=True).")
    try:
        estimator = sio.loads(data, trusted=[*_OWN_TYPES, *allowed])
    except Exception as exc:
        raise refuse(path, f"its estimator.skops is damaged ({type(exc).__name__}: {exc})") from exc
    for est in _skdeep_estimators(estimator):
        if not isinstance(getattr(est, "model_", None), str):
            continue
        if est.model_ not in networks:
            raise refuse(path, f"its estimator.skops refers to a network {est.model_!r} the manifest does not list")
        est.model_ = networks[est.model_]
    return estimator


def _manifest(zf: zipfile.ZipFile, allowance: Allowance) -> dict:
    """The manifest, checked to have the layout :func:`save` writes."""
    data = _untrusted.read(zf, "manifest.json", allowance)
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError):
        raise refuse(allowance.path, "its manifest.json is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise refuse(allowance.path, f"it is not a file written by skdeep.save (format {found!r})")
    names = manifest.get("networks")
    if (not isinstance(manifest.get("skdeep_version"), str) or not isinstance(names, list)
            or not all(isinstance(n, str) and _NETWORK.fullmatch(n) for n in names) or len(set(names)) < len(names)):
        raise refuse(allowance.path, "its manifest.json is not what skdeep.save writes (a skdeep_version "
                                      "string and the networks as distinct names networks/<n>.keras)")
    return manifest


def _state_name(network: str) -> str:
    return network.replace(".keras", ".state.npz")


def _non_trainable_state(model) -> bytes:
    """Every non-trainable variable (the dropout RNG's state among them), which a ``.keras`` file
    does not keep, so that training resumes after loading exactly as it would have."""
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, *non_trainable_values(model))
    return buffer.getvalue()


def _restore_state(model, data: bytes, member: str, allowance: Allowance) -> None:
    """Assign the saved non-trainable state once every array is checked against its variable:
    a state that does not fit (NaN statistics, another network's arrays) would change predictions silently."""
    variables = model.non_trainable_variables
    names = [f"arr_{i}.npy" for i in range(len(variables))]
    _untrusted.count_zip(io.BytesIO(data), member, allowance)
    with zipfile.ZipFile(io.BytesIO(data)) as npz:
        if sorted(npz.namelist()) != sorted(names):
            raise refuse(allowance.path, f"its {member} does not fit the network: it holds {len(npz.namelist())} "
                                          f"arrays for the network's {len(variables)} non-trainable variables")
        values = [_untrusted.state_array(npz, name, var, member, allowance.path) for name, var in zip(names, variables)]
    assign_values(variables, values)


def _unregistered(path, name: str) -> LoadError:
    return refuse(path, (
        f"its network uses {name!r}, which is not registered with keras.saving.register_keras_serializable. "
        f"If you trust the file, import the code that registers it, or pass custom_objects={{{name!r}: ...}} "
        "with trusted=True."))


def _load_network(zf, name: str, file: str, allowance: Allowance, trusted: bool, custom_objects, keras):
    """Extract network ``name`` to ``file`` and load it, once its content is known to be a ``.keras`` zip.

    Checked by content, not name: an HDF5 model reaches Keras's legacy loader,
    which ran its code whatever ``safe_mode`` said before Keras 3.11.3, and an
    HDF5 file with a zip appended passes ``zipfile.is_zipfile`` (which looks at
    the end), so the zip's local-header magic must open the file.
    """
    from . import _layers  # noqa: F401  (registers skdeep's own layers before the check)

    path = allowance.path
    with open(file, "wb") as out:
        _untrusted.copy(zf, name, allowance, out)
    with open(file, "rb") as f:
        head = f.read(len(_untrusted.HDF5_MAGIC))
    if not head.startswith(_untrusted.ZIP_MAGIC):
        kind = "an HDF5 (legacy .h5) model" if head == _untrusted.HDF5_MAGIC else "not a zip"
        raise refuse(path, f"its network {name} is {kind}, not the Keras v3 .keras file skdeep.save writes")
    _untrusted.count_zip(file, name, allowance, required=("config.json", "metadata.json"))
    try:
        unknown = [] if trusted else _untrusted.unregistered_objects(file, custom_objects, keras)
    except (ValueError, RecursionError):
        raise refuse(path, f"its network {name} has a config.json that is not JSON") from None
    if unknown:
        raise _unregistered(path, unknown[0])
    try:
        return keras.saving.load_model(file, custom_objects=custom_objects, safe_mode=not trusted)
    except Exception as exc:  # Keras raises ValueError or TypeError, naming the object
        text = str(exc)
        unknown = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
        if unknown:
            raise _unregistered(path, unknown.group(1)) from None
        if "safe_mode" in text:  # safe_mode refuses an object before building it: none of its code ran
            what = "a Lambda layer (Python code stored in the file)" if "Lambda" in text else (
                f"an object Keras's safe_mode refuses ({text.splitlines()[0]})")
            raise refuse(path, f"its network has {what}; it was not loaded. Load it with trusted=True only if "
                                "you trust the file as much as your own code.") from None
        raise refuse(path, f"its network {name} does not load in Keras {keras.__version__} "
                            f"({type(exc).__name__}: {exc})") from exc
