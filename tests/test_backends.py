"""Every Keras backend: a whole skdeep session on JAX and PyTorch never imports TensorFlow.

Each backend runs in a fresh interpreter (Keras picks its backend once per process).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SESSION = textwrap.dedent("""
    import os, sys, tempfile
    import numpy as np, pandas as pd
    import skdeep
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from skdeep.compare import compare
    from skdeep.explain import explain

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "c": rng.choice(["x", "y"], 60)})
    X.loc[3, "a"] = np.nan
    y = (X["b"] > 0).astype(int)
    fast = dict(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    clf = skdeep.KerasClassifier(**fast).fit(X, y)
    clf.predict_proba(X)
    cross_val_score(skdeep.KerasRegressor(**fast), X[["a", "b"]].fillna(0), X["b"], cv=2)
    GridSearchCV(skdeep.KerasClassifier(**fast), {"learning_rate": [1e-3, 1e-2]}, cv=2).fit(X, y)
    path = os.path.join(tempfile.mkdtemp(), "clf.skdeep")
    skdeep.save(clf, path)
    assert (skdeep.load(path).predict_proba(X) == clf.predict_proba(X)).all()
    explanation = explain(clf, X.iloc[:20], X.iloc[:5])
    assert explanation.values.shape == (5, 3, 2)
    compare(X, y, models={"net": skdeep.KerasClassifier(**fast)}, cv=2)
    import keras
    print(keras.backend.backend(), "tensorflow" in sys.modules)
""")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_session_on_another_backend_never_imports_tensorflow(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", SESSION], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == [backend, "False"], done.stdout
