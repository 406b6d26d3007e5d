"""random_state alone decides a fit: no other thread, no process history, no global state."""

import json
import os
import random
import subprocess
import sys
import textwrap
import threading

import keras
import numpy as np
import pytest

from skdeep import KerasClassifier
from skdeep._state import keras_seed_source, seeded

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def data(breast_cancer_scaled):
    X, y = breast_cancer_scaled
    return X[:200], y[:200]


def _first_weights(X, y, **params):
    est = KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0, **params).fit(X, y)
    return [w.copy() for w in est.model_.get_weights()]


def build_with_own_layers(n_features_in, n_outputs, output_activation):
    # Initializers and a dropout layer created by the user without seeds.
    inputs = keras.Input((n_features_in,))
    x = keras.layers.Dense(8, activation="relu", kernel_initializer=keras.initializers.HeNormal())(inputs)
    x = keras.layers.Dropout(0.3)(x)
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation=output_activation)(x))


@pytest.mark.parametrize("params", [{}, {"model": build_with_own_layers}], ids=["mlp", "build_fn"])
def test_another_thread_drawing_from_random_changes_nothing(data, params):
    # A Dask worker's event loop draws from Python's random (connection back-off)
    # while the worker's task thread builds: the first fit on a fresh worker used to differ.
    X, y = data
    expected = _first_weights(X, y, **params)
    stop = threading.Event()

    def event_loop():
        while not stop.is_set():
            random.random()

    noise = threading.Thread(target=event_loop)
    noise.start()
    try:
        got = [_first_weights(X, y, **params) for _ in range(3)]
    finally:
        stop.set()
        noise.join()
    for weights in got:
        for a, b in zip(weights, expected, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.slow  # 32 s: a fresh interpreter
def test_fresh_process_fits_like_a_used_one(data):
    # The first fit of a process against a fit after other fits (and other seeds) in this one.
    X, y = data
    for seed in (3, 4):
        KerasClassifier(hidden_layer_sizes=(16, 8), dropout=0.2, epochs=1, random_state=seed).fit(X, y)
    used = KerasClassifier(hidden_layer_sizes=(8,), dropout=0.2, epochs=3, random_state=0).fit(X, y)
    code = textwrap.dedent("""
        import json, sys
        import numpy as np
        from sklearn.datasets import load_breast_cancer
        from sklearn.preprocessing import StandardScaler
        from skdeep import KerasClassifier
        X, y = load_breast_cancer(return_X_y=True)
        X, y = StandardScaler().fit_transform(X)[:200], y[:200]
        est = KerasClassifier(hidden_layer_sizes=(8,), dropout=0.2, epochs=3, random_state=0).fit(X, y)
        print(json.dumps({"loss": est.history_["loss"], "proba": est.predict_proba(X[:5]).tolist()}))
    """)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    fresh = json.loads(out.stdout.strip().splitlines()[-1])
    assert fresh["loss"] == used.history_["loss"]
    np.testing.assert_array_equal(np.asarray(fresh["proba"]), used.predict_proba(X[:5]))


def test_seeded_reads_and_changes_no_global_random():
    state = random.getstate()
    with seeded(0):
        first = keras.initializers.GlorotUniform().seed
        assert random.getstate() == state
    with seeded(0):
        assert keras.initializers.GlorotUniform().seed == first
    assert random.getstate() == state


def test_keras_still_draws_default_seeds_where_skdeep_seeds_them():
    # A private Keras API: if it moves, random_state would silently stop working.
    source = keras_seed_source()
    with seeded(7):
        drawn = [source.make_default_seed() for _ in range(3)]
        dropout_state = keras.ops.convert_to_numpy(keras.layers.Dropout(0.5).seed_generator.state)
    expected = random.Random(7)
    assert drawn == [expected.randint(1, int(1e9)) for _ in range(3)]
    assert dropout_state[0] == expected.randint(1, int(1e9))  # the layer's seed came from the same source
    outside = [source.make_default_seed() for _ in range(2)]
    assert outside != drawn[:2]  # outside a fit: Python's random, as Keras had it
