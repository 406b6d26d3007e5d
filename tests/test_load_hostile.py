"""skdeep.load on hostile and damaged files: each is refused with one error, before anything in it is used."""

import io
import json
import zipfile

import keras
import numpy as np
import pytest

import skdeep
from skdeep import KerasClassifier
from skdeep import LoadError

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "clf.skdeep"
    skdeep.save(KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y), path)
    return path


def members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(path, files: dict, compression=zipfile.ZIP_DEFLATED):
    """A zip of ``files`` (name -> bytes; None leaves the member out)."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in files.items():
            if data is not None:
                zf.writestr(name, data)
    return path


def variant(saved, tmp_path, changes: dict):
    """The saved file with some members replaced, added or (None) removed."""
    return write_zip(tmp_path / "variant.skdeep", {**members(saved), **changes})


def zip_bytes(files: dict) -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, files)
    return buffer.getvalue()


def manifest(networks) -> bytes:
    return json.dumps({"format": 1, "skdeep_version": skdeep.__version__, "networks": networks}).encode()


def test_the_save_file_loads_within_a_small_max_size(saved):
    # Everything the checks count (members, and the zips inside them) stays far below the default.
    loaded = skdeep.load(saved, max_size=2**20)
    assert loaded.predict_proba(X).shape == (40, 2)
    assert issubclass(LoadError, ValueError)


def touch(marker):
    return lambda t: (open(marker, "w").close(), t)[1]


@pytest.mark.parametrize("member", ["networks/0.keras", "networks/0.h5"])
def test_hdf5_network_with_a_decoy_zip_is_refused_before_keras_sees_it(saved, tmp_path, monkeypatch, member):
    # CVE-2025-9905: Keras before 3.11.3 loaded HDF5 models ignoring safe_mode, running a Lambda's code.
    # A zip appended to the HDF5 file passes zipfile.is_zipfile and serves a benign config.json.
    marker = tmp_path / "ran"
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Lambda(touch(str(marker)))(inputs)))
    model.save(tmp_path / "payload.h5")
    marker.unlink()  # building the model ran it once
    keras.saving.load_model(tmp_path / "payload.h5", safe_mode=False)
    assert marker.exists(), "the payload runs when its Lambda is loaded"
    marker.unlink()
    polyglot = (tmp_path / "payload.h5").read_bytes() + members(saved)["networks/0.keras"]
    assert polyglot.startswith(b"\x89HDF") and zipfile.is_zipfile(io.BytesIO(polyglot))
    path = variant(saved, tmp_path, {"networks/0.keras": None, member: polyglot, "manifest.json": manifest([member])})

    monkeypatch.setattr(keras.saving, "load_model", lambda *a, **k: pytest.fail("Keras was given the file"))
    with pytest.raises(LoadError, match="HDF5|networks/<n>.keras"):
        skdeep.load(path)
    assert not marker.exists()


def test_a_decompression_bomb_is_refused_at_max_size(saved, tmp_path):
    bomb = bytes(8 * 2**20)  # 8 MiB of zeros deflate to 8 kB
    path = variant(saved, tmp_path, {"estimator.skops": bomb})
    assert path.stat().st_size < 200_000
    with pytest.raises(LoadError, match=r"estimator.skops would take loading past max_size=1048576 .*max_size="):
        skdeep.load(path, max_size=2**20)


def test_a_bomb_inside_the_network_is_counted_before_keras_inflates_it(saved, tmp_path):
    inner = members(io.BytesIO(members(saved)["networks/0.keras"]))
    network = zip_bytes({**inner, "model.weights.h5": bytes(8 * 2**20)})
    path = variant(saved, tmp_path, {"networks/0.keras": network})
    with pytest.raises(LoadError, match=r"networks/0.keras/model.weights.h5 would take loading past max_size"):
        skdeep.load(path, max_size=2**20)


def network_with(saved, changes):
    inner = members(io.BytesIO(members(saved)["networks/0.keras"]))
    return {"networks/0.keras": zip_bytes({**inner, **changes})}


MALFORMED = {
    "no manifest": (lambda s: {"manifest.json": None}, "it has no manifest.json"),
    "manifest not JSON": (lambda s: {"manifest.json": b"{not json"}, "manifest.json is not JSON"),
    "manifest of the wrong types": (lambda s: {"manifest.json": manifest("networks/0.keras")}, "not what skdeep.save"),
    "network outside networks/": (lambda s: {"manifest.json": manifest(["../0.keras"])}, "networks/<n>.keras"),
    "another format": (lambda s: {"manifest.json": b'{"format": 2}'}, r"not a file written by skdeep.save \(format 2"),
    "network listed but missing": (lambda s: {"networks/0.keras": None}, "it has no networks/0.keras"),
    "network not a zip": (lambda s: {"networks/0.keras": b"hello"}, "networks/0.keras is not a zip"),
    "network without config.json":
        (lambda s: network_with(s, {"config.json": None}), r"not a Keras v3 .keras file \(it has no config.json"),
    "network config not JSON": (lambda s: network_with(s, {"config.json": b"{"}), "config.json that is not JSON"),
    "no estimator.skops": (lambda s: {"estimator.skops": None}, "it has no estimator.skops"),
    "estimator.skops damaged": (lambda s: {"estimator.skops": b"garbage"}, "estimator.skops is damaged"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_raise_load_error(saved, tmp_path, case):
    change, message = MALFORMED[case]
    path = variant(saved, tmp_path, change(saved))
    with pytest.raises(LoadError, match=rf"^skdeep.load refused {path}: .*{message}"):
        skdeep.load(path)


@pytest.mark.parametrize("content", [b"not a zip at all", "truncated"])
def test_a_file_that_is_not_a_whole_zip_raises_load_error(saved, tmp_path, content):
    data = saved.read_bytes()
    path = tmp_path / "broken.skdeep"
    path.write_bytes(data[: len(data) // 2] if content == "truncated" else content)
    with pytest.raises(LoadError, match="not a file written by skdeep.save"):
        skdeep.load(path)


def state_arrays(saved) -> list:
    with np.load(io.BytesIO(members(saved)["networks/0.state.npz"])) as arrays:
        return [arrays[f"arr_{i}"] for i in range(len(arrays.files))]


def with_state(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)  # object arrays are pickled: the loader must not unpickle them
    return {"networks/0.state.npz": buffer.getvalue()}


def replaced(saved, i, value):
    arrays = state_arrays(saved)
    arrays[i] = value
    return arrays


STATES = {  # arrays: the input layer's center and scale (3,) float32, the seed generator's state (2,) int64
    "NaN": (lambda s: replaced(s, 0, np.array([0.0, np.nan, 0.0], "float32")), "NaN or infinite"),
    "wrong shape": (lambda s: replaced(s, 1, np.ones(4, "float32")), r"shape \(4,\), the variable \(3,\)"),
    "one array too many": (lambda s: [*state_arrays(s), np.zeros(1)], "holds 4 arrays for the network's 3"),
    "floats for the seed": (lambda s: replaced(s, 2, np.array([0.5, 1.0])), "float64, which does not cast to"),
    "a pickled object": (lambda s: replaced(s, 0, np.array([1, "a", None], dtype=object)), "dtype object"),
}


@pytest.mark.parametrize("case", list(STATES))
def test_a_state_that_does_not_fit_the_network_is_refused(saved, tmp_path, case):
    assert [a.shape for a in state_arrays(saved)] == [(3,), (3,), (2,)]
    arrays, message = STATES[case]
    path = variant(saved, tmp_path, with_state(arrays(saved)))
    with pytest.raises(LoadError, match=rf"its networks/0.state.npz does not fit the network: .*{message}"):
        skdeep.load(path)
