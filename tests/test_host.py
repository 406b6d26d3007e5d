"""Features larger than host memory: memmaps and Dask arrays are read in chunks, same results."""

import json
import os
import subprocess
import sys

import dask.array as da
import numpy as np
import pytest

import skdeep
from skdeep import KerasClassifier, KerasRegressor
from skdeep._engine import _host

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# early_stopping=False: in memory, "auto" would hold 10% out, which streamed rows never do.
PARAMS = dict(hidden_layer_sizes=(8,), epochs=3, batch_size=64, early_stopping=False, random_state=0)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    path = tmp_path_factory.mktemp("host") / "X.npy"
    np.save(path, X)
    return X, y, np.load(path, mmap_mode="r")


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_memmap_over_the_host_budget_trains_like_memory(data, engine):
    X, y, mm = data
    ref = KerasClassifier(engine=engine, **PARAMS).fit(X, y)
    with skdeep.config_context(host_budget_bytes=16_000):  # 200 rows of float32 features at a time
        assert _host.streams(mm, "float32")
        est = KerasClassifier(engine=engine, **PARAMS).fit(mm, y)
        proba = est.predict_proba(mm)
    assert est.history_ == ref.history_
    np.testing.assert_array_equal(proba, ref.predict_proba(X))
    assert est.n_features_in_ == 10


def test_dask_array_is_computed_chunk_by_chunk(data):
    X, y, _ = data
    target = X[:, 0] * 2.0 + 1.0
    ref = KerasRegressor(**PARAMS).fit(X, target)
    dx = da.from_array(X, chunks=(300, 10))
    with skdeep.config_context(host_budget_bytes=16_000):
        assert _host.streams(dx, "float32")
        est = KerasRegressor(**PARAMS).fit(dx, target)
        pred = est.predict(dx)
    assert est.history_ == ref.history_
    np.testing.assert_array_equal(pred, ref.predict(X))


def test_dask_array_of_unknown_size_is_refused_clearly(data):
    X, y, _ = data
    dx = da.from_array(X, chunks=(300, 10))
    unknown = dx[dx[:, 0] > -10]  # the same rows, but Dask cannot know how many
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        KerasClassifier(**PARAMS).fit(unknown, y)


def test_within_the_budget_a_memmap_is_simply_read(data):
    X, y, mm = data
    assert not _host.streams(mm, "float32")  # 80 kB against the 1 GiB default
    assert not _host.streams(X, "float32")  # in memory already: never streamed
    est = KerasClassifier(**PARAMS).fit(mm, y)
    assert est.history_ == KerasClassifier(**PARAMS).fit(X, y).history_


def test_streamed_input_is_validated_block_by_block(data, tmp_path):
    X, y, mm = data
    bad = np.array(X)
    bad[1900, 3] = np.nan  # in the last block
    np.save(tmp_path / "bad.npy", bad)
    with skdeep.config_context(host_budget_bytes=16_000):
        with pytest.raises(ValueError, match="NaN"):
            KerasClassifier(**PARAMS).fit(np.load(tmp_path / "bad.npy", mmap_mode="r"), y)
        with pytest.raises(ValueError, match="validation_split"):
            KerasClassifier(validation_split=0.2, **PARAMS).fit(mm, y)
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            KerasClassifier(**PARAMS).fit(mm, y[:-1])
        fitted = KerasClassifier(**PARAMS).fit(mm, y)
        with pytest.raises(ValueError, match="5 features"):
            fitted.predict(mm[:, :5])


def test_host_budget_is_a_positive_int():
    with pytest.raises(ValueError, match="host_budget_bytes"):
        skdeep.set_config(host_budget_bytes=0)
    with skdeep.config_context(host_budget_bytes=1234):
        assert skdeep.get_config()["host_budget_bytes"] == 1234
    assert skdeep.get_config()["host_budget_bytes"] == 1 << 30


@pytest.mark.slow  # 37 s: a 96 MB memmap, trained in a subprocess
def test_memmap_larger_than_the_budget_trains_in_bounded_memory(tmp_path):
    # benchmarks/memmap_peak.py writes a 96 MB memmap and fits it under an 8 MiB host budget,
    # then the same rows in memory, in a fresh process (the RESULTS.md row runs the same script).
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "memmap_peak.py"), str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    streamed, in_memory = result["memmap"], result["memory"]
    assert streamed["peak"] < result["data_bytes"] / 2, f"peak RSS growth {streamed['peak'] / 2**20:.0f} MiB"
    assert streamed["history"] == in_memory["history"]
    np.testing.assert_array_equal(streamed["proba"], in_memory["proba"])
