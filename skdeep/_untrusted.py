"""Checks on a file from elsewhere, before anything in it is used: :func:`skdeep.load`'s guards.

Every member is decompressed in chunks against one allowance of bytes (a
decompression bomb stops at the limit), zips inside the file are counted by
what they declare before Keras, skops or numpy open them, a network must be a
Keras v3 ``.keras`` zip by content, and saved state is checked against its
variables before it is assigned. What fails raises :class:`LoadError`.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib

ZIP_MAGIC = b"PK\x03\x04"  # a zip's first local header: what a .keras file starts with
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_CHUNK = 1 << 20


class LoadError(ValueError):
    """A file :func:`skdeep.load` refused, with the reason after ``skdeep.load refused <path>:``.

    Raised when the file needs code to load (a ``Lambda`` layer, an unregistered
    layer, a type skops does not trust), is damaged or was not written by
    ``skdeep.save``, holds a network state that does not fit its network, or would
    decompress past ``max_size``. A subclass of ``ValueError``, so handlers for
    the ``ValueError`` that earlier versions raised still catch it.
    """


def refuse(path, reason: str) -> LoadError:
    return LoadError(f"skdeep.load refused {os.fspath(path)}: {reason}")


class Allowance:
    """The bytes loading may still decompress; every member and inner zip member takes its share."""

    def __init__(self, max_size: int, path):
        self.left, self.max_size, self.path = max_size, max_size, path

    def take(self, size: int, what: str) -> None:
        if size > self.left:
            raise refuse(self.path, (
                f"{what} would take loading past max_size={self.max_size} bytes (a decompression bomb, or a "
                "network larger than the limit). If you trust the file, load it with a larger max_size=."))
        self.left -= size


def copy(zf: zipfile.ZipFile, name: str, allowance: Allowance, out) -> None:
    """Decompress member ``name`` into ``out`` in chunks, within the allowance.

    The declared size is taken before anything is decompressed, and the bytes are
    counted as they come, so a header that understates its member stops at the
    limit too (CPython's zipfile also stops there, then fails the CRC check).
    """
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise refuse(allowance.path, f"it has no {name}") from None
    allowance.take(info.file_size, name)
    written = 0
    try:
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise refuse(allowance.path, f"{name} is larger than its zip header says")
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise refuse(allowance.path, f"{name} is damaged ({exc})") from None


def read(zf: zipfile.ZipFile, name: str, allowance: Allowance) -> bytes:
    buffer = io.BytesIO()
    copy(zf, name, allowance, buffer)
    return buffer.getvalue()


def count_zip(source, name: str, allowance: Allowance, required=()) -> None:
    """Take from the allowance what a zip inside the file declares, before Keras, skops or numpy
    decompress it (they read each member whole; CPython's zipfile stops at the declared size)."""
    try:
        with zipfile.ZipFile(source) as inner:
            infos = inner.infolist()
    except zipfile.BadZipFile as exc:
        raise refuse(allowance.path, f"{name} is damaged ({exc})") from None
    for info in infos:
        allowance.take(info.file_size, f"{name}/{info.filename}")
    missing = sorted(set(required) - {info.filename for info in infos})
    if missing:
        raise refuse(allowance.path, f"{name} is not a Keras v3 .keras file (it has no {', '.join(missing)})")


def state_array(npz: zipfile.ZipFile, name: str, variable, member: str, path):
    """One array of a state file, its header checked against the variable before its data is read."""
    import keras
    import numpy as np
    from numpy.lib import format as npy

    def unfit(problem):
        return refuse(path, f"its {member} does not fit the network: {name} (for {variable.path}) {problem}")

    try:
        with npz.open(name) as file:
            if npy.read_magic(file) != (1, 0):  # the version np.savez writes for numeric arrays
                raise unfit("is not in the .npy format np.savez writes")
            shape, _, dtype = npy.read_array_header_1_0(file)
        if shape != tuple(variable.shape):
            raise unfit(f"has shape {shape}, the variable {tuple(variable.shape)}")
        if dtype.kind not in "biuf" or (dtype.kind == "f" and not keras.backend.is_float_dtype(variable.dtype)):
            raise unfit(f"has dtype {dtype}, which does not cast to the variable's {variable.dtype}")
        with npz.open(name) as file:
            value = npy.read_array(file, allow_pickle=False)
    except LoadError:
        raise
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise unfit(f"is damaged ({exc})") from None
    if not np.isfinite(value).all():
        raise unfit("holds NaN or infinite values")
    if keras.backend.is_int_dtype(variable.dtype) and value.size:
        limits = np.iinfo(variable.dtype)
        if value.min() < limits.min or value.max() > limits.max:
            raise unfit(f"holds values outside {variable.dtype}")
    return value


def unregistered_objects(file: str, custom_objects, keras) -> list[str]:
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
