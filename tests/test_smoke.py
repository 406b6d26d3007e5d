"""A quick end-to-end pass, run by CI on every Keras backend (KERAS_BACKEND=jax too)."""

import pickle

import keras
import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import KerasClassifier, KerasRegressor


def test_classifier_pipeline_cv_and_pickle():
    X, y = load_iris(return_X_y=True)
    # The defaults, as a new user fits them: below 500 rows a (128, 128) network, ~2 s for the three folds.
    clf = make_pipeline(StandardScaler(), KerasClassifier(metrics=["accuracy"], random_state=0))
    assert cross_val_score(clf, X, y, cv=3).mean() > 0.9
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_regressor_and_engines_agree():
    X, y = load_diabetes(return_X_y=True)
    fits = [KerasRegressor(hidden_layer_sizes=(8,), dropout=0.1, epochs=3, validation_split=0.2,
                           random_state=0, engine=engine).fit(X, y) for engine in ("compiled", "keras")]
    for key in fits[0].history_:
        np.testing.assert_allclose(fits[0].history_[key], fits[1].history_[key], rtol=1e-4)
    assert fits[0].predict(X).shape == (len(X),)


def test_runs_on_the_requested_backend():
    import os

    # CI's JAX pass sets KERAS_BACKEND=jax; this proves it did not silently run TensorFlow.
    assert keras.backend.backend() == os.environ.get("KERAS_BACKEND", "tensorflow")


def test_import_skdeep_starts_no_backend():
    import subprocess
    import sys

    code = "import sys, skdeep; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
