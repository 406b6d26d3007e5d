"""Hostile input, round two (issue 19): huge values, datetimes, sparse NaN, huge targets,
colliding routed parameters, ``validation_split=0`` and polars frames.

Each test failed before its fix: a huge value predicted as the column's centre, a
datetime's storage unit changed predictions, and so on (see each docstring).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skdeep import KerasClassifier, KerasRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 3)).astype("float32")
y = (X[:, 0] > 0).astype(int)
FAST = {"hidden_layer_sizes": (4,), "epochs": 2, "random_state": 0}


def _row(value, dtype="float32"):
    return np.array([[value, 0.0, 0.0]], dtype=dtype)


def test_a_huge_value_gets_the_clips_bound_not_the_centre():
    """Before: (z / 3)^2 overflowed in float32 from 5.5e19, so 1e20 predicted as the median did."""
    est = KerasClassifier(**FAST).fit(X, y)
    bound = est.predict_proba(_row(1e9))  # beyond CLIP_SATURATION (1e6) times the column's scale
    for value in (5e19, 1e20, 3e38):
        np.testing.assert_array_equal(est.predict_proba(_row(value)), bound)
    np.testing.assert_array_equal(est.predict_proba(_row(-3e38)), est.predict_proba(_row(-1e9)))
    centre = est.predict_proba(_row(np.median(X[:, 0])))
    assert not np.allclose(bound, centre)


@pytest.mark.parametrize("value", [1e39, 1e300])
def test_a_value_beyond_float32_in_a_mixed_frame_is_refused_by_name(value):
    """Before: the infinity check ran in float64, before the cast; predictions were arbitrary."""
    frame = pd.DataFrame({"size": X[:, 0].astype("float64"), "colour": np.where(y == 1, "red", "blue")})
    message = "Input X contains infinity or a value too large for float32 in column 'size'"
    with pytest.raises(ValueError, match=message):  # not "Training diverged ... lower learning_rate"
        KerasClassifier(**FAST).fit(frame.assign(size=np.where(y == 1, value, 0.0)), y)
    est = KerasClassifier(**FAST).fit(frame, y)
    with pytest.raises(ValueError, match=message):
        est.predict_proba(frame.assign(size=value))
    # float64 networks hold 1e39 and clip it.
    wide = KerasClassifier(**FAST, dtype="float64").fit(frame, y)
    if value < 1e300:
        assert np.isfinite(wide.predict_proba(frame.assign(size=value))).all()


def test_unclipped_inputs_too_large_are_refused_at_predict_as_at_fit():
    """Before: only fit checked the range; standard scaling let 1e18 reach the Dense layers at predict."""
    est = KerasClassifier(**FAST, numeric_transform="standard").fit(X, y)
    with pytest.raises(ValueError, match=r"X has values as large as .* in column 0"):
        est.predict(_row(1e18))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    raw = KerasClassifier(**FAST, numeric_transform=None, numeric_embedding=None).fit(frame, y)
    with pytest.raises(ValueError, match="in column 'b'"):
        raw.predict(frame.assign(b=1e20))


def _dated(unit: str, with_category: bool) -> pd.DataFrame:
    start = pd.Series(pd.to_datetime(["2020-01-01 00:00", "2021-06-30 12:00"] * 30))
    frame = pd.DataFrame({
        "when": (start + pd.to_timedelta(np.arange(60), unit="D")).astype(f"datetime64[{unit}]"),
        "took": pd.to_timedelta(np.arange(60) * 7, unit="s").astype(f"timedelta64[{unit}]"),
        "x": X[:, 0],
    })
    if with_category:
        frame["colour"] = np.where(y == 1, "red", "blue")
    return frame


@pytest.mark.parametrize("with_category", [False, True])
def test_datetimes_are_seconds_whatever_their_unit(with_category):
    """Before: raw integers in the storage unit with a categorical column, a NumPy error without."""
    est = KerasClassifier(**FAST).fit(_dated("us", with_category), y)
    expected = est.predict_proba(_dated("us", with_category))
    for unit in ("s", "ms", "ns"):
        np.testing.assert_array_equal(est.predict_proba(_dated(unit, with_category)), expected)
    # The same numbers as the seconds themselves, passed as floats.
    seconds = _dated("us", with_category).assign(
        when=lambda f: (f["when"] - pd.Timestamp(0)).dt.total_seconds(), took=lambda f: f["took"].dt.total_seconds())
    np.testing.assert_allclose(est.predict_proba(seconds), expected, rtol=1e-6)
    # NaT is a missing value, as NaN is (not -9.2e18).
    gap = _dated("us", with_category)
    gap.loc[0, "when"] = pd.NaT
    seconds.loc[0, "when"] = np.nan
    np.testing.assert_allclose(est.predict_proba(gap), est.predict_proba(seconds), rtol=1e-6)
    when = (_dated("us", False)["when"] - pd.Timestamp(0)).dt.total_seconds()
    assert est.feature_encoder_.center_[0] == np.quantile(when, 0.5, method="inverted_cdf")


def test_nan_in_a_sparse_matrix_is_refused_by_column():
    """Before: "Training diverged" at fit and arbitrary finite outputs at predict."""
    gap = X.copy()
    gap[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN in column 1 of a sparse matrix"):
        KerasClassifier(**FAST).fit(sp.csr_matrix(gap), y)
    est = KerasClassifier(**FAST).fit(sp.csr_matrix(X), y)
    with pytest.raises(ValueError, match="Input X contains NaN in column 1 of a sparse matrix"):
        est.predict(sp.csr_matrix(gap))


@pytest.mark.parametrize("size", [1e160, 1e300])
def test_huge_targets_are_standardized_without_overflow(size):
    """Before: |y| above ~1.3e154 made the scale inf; the fit succeeded and every prediction was inf."""
    Xr = X.astype("float64")
    target = Xr @ np.array([1.0, -0.5, 0.25])
    params = {"hidden_layer_sizes": (8,), "epochs": 5, "random_state": 0}
    small = KerasRegressor(**params).fit(Xr, target).predict(Xr)
    huge = KerasRegressor(**params).fit(Xr, target * size).predict(Xr)
    assert np.isfinite(huge).all()
    np.testing.assert_allclose(huge / size, small, rtol=1e-4, atol=1e-6)


def test_a_target_wider_than_float64_is_refused():
    target = np.r_[1.7e308, np.full(59, -1.7e308)]  # 1.7e308 minus a mean near -1.7e308 overflows
    with pytest.raises(ValueError, match="too wide to standardize in float64"):
        KerasRegressor(**FAST).fit(X, target)


@pytest.mark.parametrize("name, value, instead", [
    ("fit__epochs", 3, "use epochs instead"),
    ("fit__callbacks", [], "use callbacks instead"),
    ("fit__verbose", 0, "use verbose instead"),
    ("fit__batch_size", 8, "use batch_size instead"),
    ("fit__shuffle", True, "use random_state"),
    ("fit__sample_weight", None, r"use fit\(X, y, sample_weight=\.\.\.\) instead"),
    ("compile__loss", "mse", "use loss instead"),
])
def test_routed_parameters_that_collide_are_refused(name, value, instead):
    """Before: Python's "got multiple values for keyword argument", or (shuffle, batch_size) silently ignored."""
    est = KerasClassifier(**FAST, **{name: value})
    with pytest.raises(ValueError, match=rf"^{name} sets an argument of keras\.Model\.(fit|compile) that skdeep "
                                         rf"passes itself; {instead}"):
        est.fit(X, y)
    assert not hasattr(est, "model_")


def test_validation_split_zero_holds_out_nothing():
    """Before: 0.0 still held out 10% from 500 rows on; "auto" (the default) now does that."""
    X6 = np.tile(X, (10, 1))
    y6 = np.tile(y, 10)
    params = {"hidden_layer_sizes": (4,), "epochs": 2, "random_state": 0}
    auto = KerasClassifier(**params).fit(X6, y6)
    assert auto.validation_split == "auto" and auto.budget_.validation_split == 0.1 and "val_loss" in auto.history_
    none = KerasClassifier(**params, validation_split=0.0).fit(X6, y6)
    assert none.budget_.validation_split == 0.0 and not none.budget_.early_stopping and "val_loss" not in none.history_


def test_polars_frames_with_text_and_categories():
    """Before: String and Categorical polars columns were refused ("could not convert string to float")."""
    pl = pytest.importorskip("polars")
    colour = np.where(y == 1, "red", "blue").tolist()
    frame = pl.DataFrame({"x": X[:, 0].astype("float64"), "colour": colour,
                          "kind": pl.Series(colour, dtype=pl.Categorical), "flag": [True, None] * 30})
    est = KerasClassifier(**FAST).fit(frame, y)
    assert list(est.feature_names_in_) == ["x", "colour", "kind", "flag"]
    as_pandas = pd.DataFrame({"x": X[:, 0].astype("float64"), "colour": colour, "kind": pd.Categorical(colour),
                              "flag": pd.array([True, None] * 30, dtype="boolean")})
    np.testing.assert_array_equal(est.predict_proba(frame), KerasClassifier(**FAST).fit(as_pandas, y).predict_proba(as_pandas))
