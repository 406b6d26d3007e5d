"""Data-parallel training on two virtual CPU devices, per backend, in a fresh process each."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).with_name("distributed_fit.py")


# A fresh interpreter per backend (~30 s each on two cores): opt-in, as every slow test.
slow = pytest.mark.slow


@pytest.fixture(scope="module", params=["jax", "tensorflow"])
def run(request):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, str(SCRIPT), request.param, "2"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT "))
    return request.param, json.loads(line[len("RESULT "):])


@slow
def test_two_devices_share_every_batch(run):
    _, out = run
    assert out["many"]["replicas"] == [2] * 6
    assert out["one"]["replicas"] == out["keras_one"]["replicas"] == [1] * 6


@slow
def test_two_devices_reach_the_same_loss_within_one_percent(run):
    _, out = run
    # Same batches, same mean gradient: only the order of float additions differs.
    np.testing.assert_allclose(out["many"]["loss"], out["one"]["loss"], rtol=0.01)
    np.testing.assert_allclose(out["many"]["loss"], out["keras_one"]["loss"], rtol=1e-4)
    np.testing.assert_allclose(out["many"]["val_loss"], out["one"]["val_loss"], rtol=0.01)
    np.testing.assert_allclose(out["many"]["proba"], out["one"]["proba"], atol=1e-3)


@slow
def test_the_fitted_model_is_an_ordinary_single_device_model(run):
    _, out = run
    assert out["many"]["model_type"] == out["one"]["model_type"]
    assert out["many"]["model_devices"] == 1
    assert out["warm"] == {"n_iter": 12, "finite": True}


def test_distribution_asks_for_devices_it_does_not_have():
    from skdeep import KerasClassifier

    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="asks for 64 devices, but this process sees"):
        KerasClassifier(hidden_layer_sizes=(4,), epochs=1, distribution=64).fit(X, y)
    # One device found: "auto" trains as without distribution.
    a = KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0, distribution="auto").fit(X, y)
    b = KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
    np.testing.assert_allclose(a.history_["loss"], b.history_["loss"])


def test_virtual_cpu_devices_refuses_a_started_backend():
    from skdeep import KerasClassifier
    from skdeep.scaling import virtual_cpu_devices

    with pytest.raises(ValueError, match="at least 1"):
        virtual_cpu_devices(0)
    X = np.random.default_rng(0).normal(size=(20, 2))
    KerasClassifier(hidden_layer_sizes=(2,), epochs=1).fit(X, np.arange(20) % 2)  # the backend has started
    with pytest.raises(RuntimeError):
        virtual_cpu_devices(2)
