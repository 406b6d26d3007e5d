"""Saving fitted estimators: version-stamped pickles and a format safe to load.

Loading a pickle runs whatever code the file names, so a pickle from an
untrusted source is as dangerous as running its author's script. :func:`save`
writes a zip of data instead: each network as a ``.keras`` file (loaded with
Keras's ``safe_mode=True``, which refuses ``Lambda`` layers and other code)
and the rest of the estimator or pipeline with ``skops.io``, whose loader
refuses any type it does not know unless told to trust it.
"""

from __future__ import annotations

import json
import re
import os
import tempfile
import warnings
import zipfile
from typing import Any

from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning

__all__ = ["InconsistentVersionWarning", "load", "save"]

_FORMAT = 1
_VERSION_KEY = "_skdeep_version"
# skdeep's own types in the data part: trusted by load without being named.
_OWN_TYPES = (
    "skdeep._classifier.KerasClassifier",
    "skdeep._regressor.KerasRegressor",
    "skdeep._targets.ClassifierTargetEncoder",
    "skdeep._targets.RegressorTargetEncoder",
    "skdeep._features.FeatureEncoder",
    "skdeep._budget.Budget",
)


class InconsistentVersionWarning(_SklearnVersionWarning):
    """An estimator saved by another version of skdeep was loaded.

    A subclass of scikit-learn's warning, so filters and ``pytest.warns`` for one
    catch both.
    """

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved with skdeep {self.original_sklearn_version} "
            f"into skdeep {self.current_sklearn_version}. This might lead to breaking code or "
            "invalid results; refit it with this version to be sure."
        )


def _version() -> str:
    from . import __version__

    return __version__


def stamp(state: dict) -> dict:
    """``__getstate__``'s dict, stamped with the skdeep version that wrote it."""
    return {**state, _VERSION_KEY: _version()}


def check_stamp(estimator_name: str, state: dict) -> dict:
    """Remove the stamp from an unpickled state; warn when another version wrote it."""
    state = dict(state)
    saved = state.pop(_VERSION_KEY, "unknown (before 0.1.0)")
    if saved != _version():
        warnings.warn(InconsistentVersionWarning(
            estimator_name=estimator_name, current_sklearn_version=_version(),
            original_sklearn_version=saved), stacklevel=3)
    return state


def _skdeep_estimators(obj):
    """Every skdeep estimator inside ``obj`` (itself, pipeline steps, a search's best_estimator_...)."""
    from ._base import BaseKerasEstimator

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
            {"format": _FORMAT, "skdeep_version": _version(), "networks": names}))


def load(path: str | os.PathLike, *, trusted: bool | list[str] = False, custom_objects: dict | None = None):
    """Load what :func:`save` wrote, running no code from the file unless trusted.

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

    Returns
    -------
    The estimator or pipeline, with identical predictions.

    Raises
    ------
    ValueError
        When the file needs code to load, naming what and how to trust it.
    """
    import keras
    import skops.io as sio

    with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory() as tmp:
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a file written by skdeep.save (format {manifest.get('format')}).")
        if manifest["skdeep_version"] != _version():
            warnings.warn(InconsistentVersionWarning(
                estimator_name=os.fspath(path), current_sklearn_version=_version(),
                original_sklearn_version=manifest["skdeep_version"]), stacklevel=2)
        networks = {}
        for name in manifest["networks"]:
            zf.extract(name, tmp)
            networks[name] = _load_network(os.path.join(tmp, name), path, trusted is True, custom_objects, keras)
            if _state_name(name) in zf.namelist():
                _restore_state(networks[name], zf.read(_state_name(name)))
        data = zf.read("estimator.skops")
    untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in _OWN_TYPES]
    allowed = untrusted if trusted is True else list(trusted or [])
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        raise ValueError(
            f"skdeep.load refused {os.fspath(path)}: it refers to {refused}, which could run code "
            f"when loaded. If you trust the file, load it with trusted={refused!r} (or trusted=True)."
        )
    estimator = sio.loads(data, trusted=[*_OWN_TYPES, *allowed])
    for est in _skdeep_estimators(estimator):
        if not isinstance(getattr(est, "model_", None), str):
            continue
        est.model_ = networks[est.model_]
    return estimator


def _state_name(network: str) -> str:
    return network.replace(".keras", ".state.npz")


def _non_trainable_state(model) -> bytes:
    """Every non-trainable variable (the dropout RNG's state among them), which a ``.keras`` file
    does not keep, so that training resumes after loading exactly as it would have."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, *[np.asarray(v.numpy()) for v in model.non_trainable_variables])
    return buffer.getvalue()


def _restore_state(model, data: bytes) -> None:
    import io

    import numpy as np

    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:  # data only, never objects
        values = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    if len(values) == len(model.non_trainable_variables):
        for variable, value in zip(model.non_trainable_variables, values):
            variable.assign(value)


def _unregistered_objects(file: str, custom_objects, keras) -> list[str]:
    """Classes and functions the network's config names outside Keras, not registered nor given.

    Some Keras versions import such a class from its module path when loading,
    running that module's code; skdeep refuses them whatever the version.
    """
    with zipfile.ZipFile(file) as zf:
        config = json.loads(zf.read("config.json"))
    found, stack = [], [config]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            module, name = item.get("module"), item.get("class_name")
            # Serialized objects carry "module" (None or a path for user classes); tensors do not.
            if "module" not in item or not isinstance(name, str) or str(module).startswith("keras"):
                continue
            if name == "function" and isinstance(item.get("config"), str):
                name = item["config"]
            registered = item.get("registered_name") or name
            if name in (custom_objects or {}) or registered in (custom_objects or {}):
                continue
            if keras.saving.get_registered_object(registered) is None:
                found.append(name)
    return sorted(set(found))


def _load_network(file: str, path, trusted: bool, custom_objects, keras):
    from . import _layers  # noqa: F401  (registers skdeep's own layers before the check)

    unknown = [] if trusted else _unregistered_objects(file, custom_objects, keras)
    if unknown:
        raise ValueError(
            f"skdeep.load refused {os.fspath(path)}: its network uses {unknown[0]!r}, which is not "
            "registered with keras.saving.register_keras_serializable. If you trust the file, import "
            f"the code that registers it, or pass custom_objects={{{unknown[0]!r}: ...}} with trusted=True."
        )
    try:
        return keras.saving.load_model(file, custom_objects=custom_objects, safe_mode=not trusted)
    except Exception as exc:  # Keras raises ValueError or TypeError, naming the object
        text = str(exc)
        unknown = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
        if unknown:
            raise ValueError(
                f"skdeep.load refused {os.fspath(path)}: its network uses {unknown.group(1)!r}, which is "
                "not registered with keras.saving.register_keras_serializable. If you trust the file, "
                "import the code that registers it, or pass "
                f"custom_objects={{{unknown.group(1)!r}: ...}} with trusted=True."
            ) from None
        if "Lambda" in text or "safe_mode" in text:
            raise ValueError(
                f"skdeep.load refused {os.fspath(path)}: its network has a Lambda layer (Python code "
                "stored in the file, which would run on loading). Load it with trusted=True only if you "
                "trust the file as much as your own code."
            ) from None
        raise
