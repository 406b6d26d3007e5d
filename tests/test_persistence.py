"""Version-stamped pickles and skdeep.save / skdeep.load, a format safe to load."""

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skdeep
from skdeep import KerasClassifier, KerasRegressor
from skdeep._persistence import LoadError  # exported as skdeep.LoadError

rng = np.random.default_rng(0)
X = rng.normal(size=(50, 3))
y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
yr = X @ np.array([1.0, 2.0, -1.0]) * 1e6 + 3e9


@pytest.fixture(scope="module")
def clf():
    return KerasClassifier(hidden_layer_sizes=(5,), epochs=2, random_state=0).fit(X, y)


def test_pickle_warns_when_another_skdeep_version_wrote_it(clf):
    state = clf.__getstate__()
    assert state["_skdeep_version"] == skdeep.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error", skdeep.InconsistentVersionWarning)
        pickle.loads(pickle.dumps(clf))  # same version: silent
    old = pickle.dumps(clf).replace(skdeep.__version__.encode(), b"0.0.9")
    with pytest.warns(skdeep.InconsistentVersionWarning, match="saved with skdeep 0.0.9"):
        restored = pickle.loads(old)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_version_warning_is_sklearns(clf):
    from sklearn.exceptions import InconsistentVersionWarning

    assert issubclass(skdeep.InconsistentVersionWarning, InconsistentVersionWarning)


def test_save_load_round_trip_in_a_fresh_process(tmp_path, clf):
    pipe = make_pipeline(StandardScaler(), KerasRegressor(hidden_layer_sizes=(4,), epochs=2, random_state=0))
    pipe.fit(X, yr)
    skdeep.save(clf, tmp_path / "clf.skdeep")
    skdeep.save(pipe, tmp_path / "pipe.skdeep")
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(f"""
        import numpy as np, skdeep
        X = np.load({str(tmp_path / "X.npy")!r})
        clf = skdeep.load({str(tmp_path / "clf.skdeep")!r})
        pipe = skdeep.load({str(tmp_path / "pipe.skdeep")!r})
        np.save({str(tmp_path / "proba.npy")!r}, clf.predict_proba(X))
        np.save({str(tmp_path / "pred.npy")!r}, pipe.predict(X))
        print(type(clf).__name__, [str(c) for c in clf.classes_], clf.n_iter_)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "KerasClassifier ['a', 'b', 'c'] 2" in out.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), clf.predict_proba(X))
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), pipe.predict(X))


def test_saved_estimator_keeps_training(tmp_path, clf):
    skdeep.save(clf, tmp_path / "clf.skdeep")
    loaded = skdeep.load(tmp_path / "clf.skdeep")
    loaded.set_params(warm_start=True, epochs=1).fit(X, y)
    assert loaded.n_iter_ == 3 and clf.n_iter_ == 2
    # It goes on exactly as the original would: weights, optimizer state and the
    # dropout RNG's state (not in a .keras file; saved beside it) all came back.
    twin = pickle.loads(pickle.dumps(clf)).set_params(warm_start=True, epochs=1).fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), twin.predict_proba(X))


def lambda_build(n_features_in, n_outputs, output_activation):
    inputs = keras.Input((n_features_in,))
    doubled = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation=output_activation)(doubled))


def test_lambda_layer_is_refused_unless_trusted(tmp_path):
    est = KerasClassifier(lambda_build, epochs=1, random_state=0).fit(X, y)
    skdeep.save(est, tmp_path / "lambda.skdeep")
    # Keras's safe_mode refuses the Lambda before building it, so nothing ran: the message says so.
    with pytest.raises(LoadError, match="Lambda layer.*it was not loaded.*trusted=True"):
        skdeep.load(tmp_path / "lambda.skdeep")
    loaded = skdeep.load(tmp_path / "lambda.skdeep", trusted=True)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


class Doubling(keras.layers.Layer):  # deliberately not registered
    def call(self, x):
        return x * 2.0


def custom_build(n_features_in, n_outputs, output_activation):
    inputs = keras.Input((n_features_in,))
    return keras.Model(inputs, keras.layers.Dense(n_outputs, activation=output_activation)(Doubling()(inputs)))


def test_unregistered_custom_object_is_refused_with_its_name(tmp_path):
    est = KerasClassifier(custom_build, epochs=1, random_state=0).fit(X, y)
    est.model = None  # the build function is refused too; this test is about the layer
    skdeep.save(est, tmp_path / "custom.skdeep")
    with pytest.raises(ValueError, match="Doubling.*custom_objects"):
        skdeep.load(tmp_path / "custom.skdeep")


def plain_build(n_features_in, n_outputs):
    inputs = keras.Input((n_features_in,))
    return keras.Model(inputs, keras.layers.Dense(n_outputs)(inputs))


def test_untrusted_types_in_the_data_are_named(tmp_path):
    est = KerasRegressor(plain_build, epochs=1, random_state=0).fit(X, yr)
    skdeep.save(est, tmp_path / "fn.skdeep")
    with pytest.raises(ValueError, match=r"test_persistence.plain_build.*trusted="):
        skdeep.load(tmp_path / "fn.skdeep")
    loaded = skdeep.load(tmp_path / "fn.skdeep", trusted=[f"{__name__}.plain_build"])
    assert loaded.model is plain_build
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
