"""docs/bad_input.md's table, row by row: each input does what the row says.

A row's second column names the expected exception (``raises `Type: message```)
or warning (``warns `Type: message```) by type and the start of its message;
a row without one describes behaviour that its case below asserts.
"""

from __future__ import annotations

import pathlib
import pickle
import re

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import r2_score

import skdeep
from skdeep import KerasClassifier, KerasRegressor

DOC = pathlib.Path(__file__).parents[1] / "docs" / "bad_input.md"
rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3)).astype("float32")
y = (X[:, 0] > 0).astype(int)
FAST = {"hidden_layer_sizes": (4,), "epochs": 1, "random_state": 0}


def clf(**kw):
    return KerasClassifier(**{**FAST, **kw})


def rows() -> dict[str, str]:
    text = DOC.read_text()
    table = text.split("<!-- bad-input-table -->")[1].split("<!-- /bad-input-table -->")[0]
    lines = [ln for ln in table.strip().splitlines()[2:] if ln.startswith("|")]
    return {cells[0]: cells[1] for cells in ([c.strip() for c in ln.strip("|").split(" | ")] for ln in lines)}


def _with(a, i, j, value):
    a = a.copy()
    a[i, j] = value
    return a


class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def interrupted_refit():
    est = clf(epochs=2).fit(X, y)
    before = (est.model_, list(est.history_["loss"]), est.n_iter_, est.n_features_in_)
    est.set_params(callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X[:, :2], y)
    assert (est.model_, est.history_["loss"], est.n_iter_, est.n_features_in_) == before


def huge_targets():
    signal = X.astype("float64") @ np.array([1.0, -0.5, 0.25])  # the target itself keeps its digits
    for target in (1e10 * signal, 1.7e9 + signal):
        pred = KerasRegressor(hidden_layer_sizes=(16,), epochs=40, learning_rate=0.01,
                              random_state=0).fit(X, target).predict(X)
        assert np.isfinite(pred).all() and r2_score(target, pred) > 0.5


def old_pickle():
    data = pickle.dumps(clf().fit(X, y)).replace(skdeep.__version__.encode(), b"0.0.9")
    pickle.loads(data)


def lambda_file(tmp_path):
    def build(n_features_in, n_outputs, output_activation):
        inputs = keras.Input((n_features_in,))
        hidden = keras.layers.Lambda(lambda t: t + 1.0)(inputs)
        return keras.Model(inputs, keras.layers.Dense(n_outputs, activation=output_activation)(hidden))

    est = clf(model=build).fit(X, y)
    path = tmp_path / "lambda.skdeep"
    est.model = None  # the build function itself is not what this row is about
    skdeep.save(est, path)
    skdeep.load(path)


def nan_is_imputed():
    Xn = _with(X, 3, 1, np.nan)
    assert np.isfinite(clf().fit(Xn, y).predict_proba(Xn)).all() and np.isnan(Xn[3, 1])


def sparse_trains():
    assert clf().fit(sp.csr_matrix(X), y).predict(sp.csr_matrix(X)).shape == (40,)


def user_model(n_features_in, n_outputs, output_activation):
    return keras.Sequential([keras.Input((n_features_in,)), keras.layers.Dense(n_outputs, activation=output_activation)])


def unseen_category():
    import pandas as pd

    frame = pd.DataFrame({"x": X[:, 0], "colour": np.where(y == 1, "red", "blue")})
    est = clf().fit(frame, y)
    assert est.predict_proba(pd.DataFrame({"x": [0.0], "colour": ["green"]})).shape == (1, 2)


def huge_value_is_clipped():
    est = clf().fit(X, y)
    row = np.zeros((1, 3), dtype="float32")
    # 1e9 is beyond CLIP_SATURATION (1e6) times the column's scale, so both inputs saturate exactly
    bound, huge = est.predict_proba(_with(row, 0, 0, 1e9)), est.predict_proba(_with(row, 0, 0, 1e20))
    assert np.array_equal(bound, huge) and not np.array_equal(huge, est.predict_proba(row))


def _frame():
    import pandas as pd

    return pd.DataFrame({"size": X[:, 0].astype("float64"), "colour": np.where(y == 1, "red", "blue")})


def temporal_columns():
    import pandas as pd

    when = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(40), unit="h"))
    frame = pd.DataFrame({"when": when, "took": pd.to_timedelta(np.arange(40), unit="s"), "x": X[:, 0]})
    est = clf().fit(frame, y)
    as_seconds = frame.assign(when=frame["when"].astype("datetime64[s]"), took=frame["took"].astype("timedelta64[ms]"))
    assert np.array_equal(est.predict_proba(frame), est.predict_proba(as_seconds))
    frame.loc[0, "when"] = pd.NaT
    assert np.isfinite(est.predict_proba(frame)).all()


def polars_frame():
    import pandas as pd

    pl = pytest.importorskip("polars")
    colour = np.where(y == 1, "red", "blue").tolist()
    frame = pl.DataFrame({"x": X[:, 0].astype("float64"), "colour": colour, "kind": pl.Series(colour, dtype=pl.Categorical)})
    same = pd.DataFrame({"x": X[:, 0].astype("float64"), "colour": colour, "kind": colour})
    assert np.array_equal(clf().fit(frame, y).predict_proba(frame), clf().fit(same, y).predict_proba(same))


def huge_target():
    target = X.astype("float64") @ np.array([1.0, -0.5, 0.25])
    small = KerasRegressor(**FAST).fit(X, target).predict(X)
    huge = KerasRegressor(**FAST).fit(X, target * 1e300).predict(X)
    assert np.isfinite(huge).all()
    np.testing.assert_allclose(huge / 1e300, small, rtol=1e-4, atol=1e-6)


def tampered(tmp_path, changes: dict, **load_kwargs):
    """Load a saved classifier whose members ``changes`` replaces (None removes one)."""
    import zipfile

    path = tmp_path / "clf.skdeep"
    skdeep.save(clf().fit(X, y), path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members.update(changes)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            if data is not None:
                zf.writestr(name, data)
    skdeep.load(path, **load_kwargs)


def hdf5_network(tmp_path):
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "net.h5")
    tampered(tmp_path, {"networks/0.keras": (tmp_path / "net.h5").read_bytes()})


def nan_state(tmp_path):
    import io

    state = [np.asarray(v.numpy()) for v in clf().fit(X, y).model_.non_trainable_variables]
    floats = [i for i, a in enumerate(state) if a.dtype.kind == "f"]
    state[floats[0]] = np.full_like(state[floats[0]], np.nan)
    buffer = io.BytesIO()
    np.savez(buffer, *state)
    tampered(tmp_path, {"networks/0.state.npz": buffer.getvalue()})


CASES = {
    "NaN in `X` (numeric or categorical column)": lambda tmp: nan_is_imputed(),
    "NaN in `X` with your own model (`model=...`)": lambda tmp: clf(model=user_model).fit(_with(X, 3, 1, np.nan), y),
    "infinity in `X`": lambda tmp: clf().fit(_with(X, 3, 1, np.inf), y),
    "a value beyond the network's dtype in a DataFrame column (e.g. `1e39` in float32)":
        lambda tmp: clf().fit(_frame().assign(size=1e39), y),
    "a huge finite value (e.g. `1e20`) with the default `numeric_transform=\"robust\"`": lambda tmp: huge_value_is_clipped(),
    "datetime or timedelta columns in a DataFrame": lambda tmp: temporal_columns(),
    "a polars DataFrame with String or Categorical columns": lambda tmp: polars_frame(),
    "NaN in a sparse `X`": lambda tmp: clf().fit(sp.csr_matrix(_with(X, 3, 1, np.nan)), y),
    "a sparse `X`": lambda tmp: sparse_trains(),
    "text columns in a numeric array": lambda tmp: clf().fit(_with(X.astype(object), 0, 0, "red"), y),
    "a category at `predict` never seen at `fit`": lambda tmp: unseen_category(),
    "no columns in `X`": lambda tmp: clf().fit(np.empty((40, 0)), y),
    "features too large for the network's dtype (e.g. `X * 1e20` in float32) reaching the network unclipped "
    "(`numeric_transform=None` or `\"standard\"`, or your own model)":
        lambda tmp: clf(numeric_transform=None, numeric_embedding=None).fit(_with(X, 0, 0, 1e20), y),
    "a learning rate so large that training diverges":
        lambda tmp: KerasRegressor(**{**FAST, "optimizer": "sgd", "learning_rate": 1e30}).fit(X * 1e3, X[:, 0]),
    "a regression target around 1e10, or timestamps near 1.7e9 plus a small signal": lambda tmp: huge_targets(),
    "a regression target around 1e300": lambda tmp: huge_target(),
    "a regression target wider than float64 holds (values near 1.7e308 of both signs)":
        lambda tmp: KerasRegressor(**FAST).fit(X, np.r_[1.7e308, np.full(39, -1.7e308)]),
    "NaN in `y`": lambda tmp: KerasRegressor(**FAST).fit(X, np.where(y == 1, np.nan, 1.0)),
    "a single class in `y`": lambda tmp: clf().fit(X, np.zeros(40)),
    "a continuous `y` for a classifier": lambda tmp: clf().fit(X, X[:, 0]),
    "labels in `partial_fit` never seen or declared": lambda tmp: clf().partial_fit(X, y).partial_fit(X, y + 5),
    "a negative `sample_weight`": lambda tmp: clf().fit(X, y, sample_weight=np.where(y == 1, -1.0, 1.0)),
    "all-zero `sample_weight`": lambda tmp: clf().fit(X, y, sample_weight=np.zeros(40)),
    "a negative `class_weight`": lambda tmp: clf(class_weight={0: 1.0, 1: -1.0}).fit(X, y),
    "a parameter out of range, e.g. `dropout=1.5`": lambda tmp: clf(dropout=1.5).fit(X, y),
    "a routed parameter skdeep passes itself, e.g. `fit__epochs=5` (also `fit__callbacks`, `fit__verbose`, "
    "`fit__batch_size`, `fit__shuffle`, `fit__sample_weight`, `compile__loss`...)": lambda tmp: clf(fit__epochs=5).fit(X, y),
    "an unknown parameter, e.g. `foo=1`": lambda tmp: clf(foo=1).fit(X, y),
    "`hidden_layer_sizes=(2.5,)` or `(0,)`": lambda tmp: clf(hidden_layer_sizes=(2.5,)).fit(X, y),
    "`callbacks=[object()]`": lambda tmp: clf(callbacks=[object()]).fit(X, y),
    "an unknown optimizer": lambda tmp: clf(optimizer="nope").fit(X, y),
    "an unknown loss": lambda tmp: clf(loss="nope").fit(X, y),
    "`predict` before `fit`": lambda tmp: clf().predict(X),
    "a different number of features at `predict`": lambda tmp: clf().fit(X, y).predict(X[:, :2]),
    "Ctrl-C (`KeyboardInterrupt`) during a refit": lambda tmp: interrupted_refit(),
    "a pickle written by another skdeep version": lambda tmp: old_pickle(),
    "a `skdeep.save` file whose network has a `Lambda` layer": lambda tmp: lambda_file(tmp),
    "a `skdeep.save` file whose network is an HDF5 (`.h5`) model, however named, even with a zip appended":
        lambda tmp: hdf5_network(tmp),
    "a `skdeep.save` file that decompresses past `max_size` (default 2 GiB; a zip bomb)":
        lambda tmp: tampered(tmp, {"estimator.skops": bytes(8 << 20)}, max_size=1 << 20),
    "a file that is not a whole `skdeep.save` zip (not a zip, truncated, no manifest, a member missing)":
        lambda tmp: tampered(tmp, {"manifest.json": None}),
    "a `skdeep.save` file whose saved network state does not fit its network (NaN, another shape or count)":
        lambda tmp: nan_state(tmp),
}


def test_every_row_has_a_case_and_every_case_a_row():
    assert set(rows()) == set(CASES)


@pytest.mark.parametrize("row", list(CASES))
def test_row(row, tmp_path):
    expected = rows()[row]
    found = re.search(r"(raises|warns) `(\w+): ([^`]*)`", expected)
    if found is None:
        CASES[row](tmp_path)  # behaviour rows assert in their case
        return
    kind, name, message = found.groups()
    if kind == "raises":
        with pytest.raises(Exception) as info:
            CASES[row](tmp_path)
        assert type(info.value).__name__ == name
        assert str(info.value).startswith(message), f"{info.value!s} does not start with {message!r}"
    else:
        with pytest.warns(Warning) as record:
            CASES[row](tmp_path)
        assert any(type(w.message).__name__ == name and str(w.message).startswith(message) for w in record), \
            [str(w.message) for w in record]
