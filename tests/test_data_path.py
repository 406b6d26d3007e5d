"""Each datum converted once on its way to the network.

``X`` is checked and converted to the network's dtype by scikit-learn's
``validate_data`` (numeric input) or by the feature encoder (frames it reads
column by column), and nowhere else; a numeric array already in that dtype reaches
the engine as the caller's own memory. The target encoders hand the network its
dtype. Copies are counted two ways: whether the engine reads the caller's memory,
and tracemalloc's peak (numpy registers its buffers with it) during a call,
in units of one float32 copy of ``X``.
"""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import skdeep._engine as engine
from skdeep import KerasClassifier, KerasRegressor
from skdeep._features import FeatureEncoder
from skdeep._targets import ClassifierTargetEncoder, RegressorTargetEncoder

ROWS, COLUMNS = 40_000, 50  # well above the engine's prediction chunk (8,192 rows)


def _small(estimator_class, **params):
    return estimator_class(hidden_layer_sizes=(8,), epochs=1, numeric_embedding=None, random_state=0, **params)


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(ROWS, COLUMNS))
    return X, (X[:, 0] > 0).astype(int)


def _peak_copies(fn, X) -> float:
    """tracemalloc's peak while ``fn`` runs, in float32 copies of ``X``."""
    fn()  # warm: first-call allocations (traced functions, caches) are not the data path's
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak / (X.size * 4)


def _spy(monkeypatch, name):
    """Record the arrays ``skdeep._engine.<name>`` receives."""
    seen, original = [], getattr(engine, name)

    def spy(model, data, *args, **kwargs):
        seen.append(data)
        return original(model, data, *args, **kwargs)

    monkeypatch.setattr(engine, name, spy)
    return seen


def test_a_float32_array_reaches_the_engine_uncopied(monkeypatch, big):
    X = np.ascontiguousarray(big[0][:400], dtype="float32")  # below 500 rows: no validation split
    y = big[1][:400]
    trained, predicted = _spy(monkeypatch, "train"), _spy(monkeypatch, "predict")
    clf = _small(KerasClassifier).fit(X, y)
    clf.predict_proba(X)
    assert np.shares_memory(trained[0].x, X)
    assert np.shares_memory(predicted[0], X)
    assert trained[0].y.dtype == np.float32  # the binary target, in the network's dtype


def test_predict_converts_X_once_and_a_float32_X_not_at_all(big):
    X, y = big
    clf = _small(KerasClassifier).fit(X[:300], y[:300])
    X32 = X.astype("float32")
    # Before: 4.0 and 3.0 (validate_data's cast, an index copy, a float64 block, a cast back).
    # Now one float32 copy for float64 input, none for float32; the rest is one 8,192-row chunk.
    assert _peak_copies(lambda: clf.predict_proba(X), X) < 1.5
    assert _peak_copies(lambda: clf.predict_proba(X32), X) < 0.5


def test_fit_converts_X_once(big):
    X, y = big
    clf = _small(KerasClassifier)
    # initialize() runs the whole data path of a fit up to the engine: validation, statistics
    # (measured a column at a time in float64), the encoded X and y.
    assert _peak_copies(lambda: clf.initialize(X, y), X) < 1.5


def test_missing_values_are_filled_in_a_copy_never_in_the_callers_array():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4)).astype("float32")
    clf = _small(KerasClassifier).fit(X, (X[:, 0] > 0).astype(int))  # no missing value at fit
    X_new = X[:5].copy()
    X_new[0, 2] = np.nan
    before = X_new.copy()
    expected = X_new.copy()
    expected[0, 2] = clf.feature_encoder_.center_[2]  # a gap where fit saw none: the column's centre
    np.testing.assert_array_equal(clf.feature_encoder_.transform(X_new), expected)
    np.testing.assert_allclose(clf.predict_proba(X_new), clf.predict_proba(expected))
    np.testing.assert_array_equal(X_new, before)  # the caller's array is untouched


def test_the_feature_encoder_builds_a_frame_once_in_the_networks_dtype():
    frame = pd.DataFrame({"size": [1.0, 2.5, None, 4.0], "colour": ["red", "blue", "red", None],
                          "when": pd.to_datetime(["2020-01-01", "2020-01-02", None, "2020-01-04"])})
    for dtype in ("float32", "float64"):
        out = FeatureEncoder(dtype=dtype).fit(frame).transform(frame)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out[:, 1], [2, 1, 2, 0])  # codes: 1..K, 0 for missing
    assert FeatureEncoder(dtype="float32").fit(frame).transform(frame)[0, 2] == np.float32(1577836800.0)


def test_the_target_encoders_output_the_networks_dtype():
    y = np.array([1e6 + 0.125, 1e6 + 0.25, 1e6 + 0.5, 1e6 + 1.0])
    exact = RegressorTargetEncoder(dtype="float64").fit(y)
    z = exact.transform(y)
    assert z.dtype == np.float64
    np.testing.assert_array_equal(z.ravel(), (y - exact.mean_) / exact.scale_)  # not rounded to float32 first
    assert RegressorTargetEncoder().fit(y).transform(y).dtype == np.float32
    labels = ["a", "b", "c", "a"]
    assert ClassifierTargetEncoder(one_hot=True, dtype="float64").fit(labels).transform(labels).dtype == np.float64
    assert ClassifierTargetEncoder().fit(labels).transform(labels).dtype == np.int32  # class indices


def test_a_float64_network_trains_on_float64_targets(monkeypatch):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, 2.0, 3.0] + 1e6
    trained = _spy(monkeypatch, "train")
    reg = _small(KerasRegressor, dtype="float64").fit(X, y)
    assert trained[0].x.dtype == trained[0].y.dtype == np.float64
    assert np.shares_memory(trained[0].x, X)  # already float64: not copied
    np.testing.assert_array_equal(trained[0].y.ravel(), reg.target_encoder_.transform(y).ravel())
