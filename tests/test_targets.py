"""The target encoders on their own, without training a network.

``skdeep._targets`` (behind ``KerasClassifier``/``KerasRegressor``) and
``skdeep.scikeras.utils.transformers`` (behind the scikeras-compatible wrappers)
encode ``y`` for the network and decode its outputs. Each step is a plain
transformer method, so each is checked here directly: what ``fit`` learns,
what ``transform`` hands the network, and that decoding gives back the user's
labels, in their order and type, or values in the target's own units.
"""

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skdeep._targets import ClassifierTargetEncoder, RegressorTargetEncoder
from skdeep.scikeras.utils.transformers import (ClassifierLabelEncoder, TargetReshaper,
                                                 is_categorical_crossentropy)
from skdeep.scikeras.utils.transformers import RegressorTargetEncoder as ScikerasRegressorTargetEncoder


def _outputs_for(codes, n_classes):
    """Network-like outputs that put most mass on the given class codes."""
    out = np.full((len(codes), n_classes), 0.1 / max(n_classes - 1, 1))
    out[np.arange(len(codes)), codes] = 0.9
    return out


# -- ClassifierTargetEncoder ----------------------------------------------------------------------

@pytest.mark.parametrize("labels, dtype", [
    (["no", "yes", "yes", "no"], np.str_),
    ([3, 7, 7, 3], np.int64),
    ([-1.0, 2.0, 2.0, -1.0], np.float64),  # integral floats are classes; 0.5 would be continuous
    ([True, False, False, True], np.bool_),
])
def test_binary_is_one_sigmoid_column_and_decodes_to_the_labels_type(labels, dtype):
    y = np.array(labels)
    enc = ClassifierTargetEncoder().fit(y)
    assert enc.task_ == "binary" and enc.n_outputs_ == 1
    np.testing.assert_array_equal(enc.classes_, np.sort(np.unique(y)))  # sorted, as in sklearn
    codes = enc.transform(y)
    assert codes.shape == (4, 1) and codes.dtype == np.float32
    np.testing.assert_array_equal(codes[:, 0], (y == enc.classes_[1]).astype("float32"))
    # a sigmoid output of p is P(classes_[1]); columns sum to one
    proba = enc.proba(np.array([[0.2], [0.9]], dtype="float32"))
    np.testing.assert_allclose(proba, [[0.8, 0.2], [0.1, 0.9]], rtol=1e-6)
    assert proba.dtype == np.float64
    decoded = enc.inverse_transform(enc.proba(codes))
    np.testing.assert_array_equal(decoded, y)
    assert decoded.dtype.type is np.dtype(dtype).type


def test_multiclass_label_order_indices_and_one_hot():
    y = np.array(["dog", "cat", "bird", "cat", "dog"])
    enc = ClassifierTargetEncoder().fit(y)
    assert enc.task_ == "multiclass" and enc.n_outputs_ == 3
    assert enc.classes_.tolist() == ["bird", "cat", "dog"]  # probability columns in this order
    codes = enc.transform(y)
    assert codes.dtype == np.int32 and codes.tolist() == [2, 1, 0, 1, 2]  # for a sparse loss
    one_hot = ClassifierTargetEncoder(one_hot=True).fit(y)
    rows = one_hot.transform(y)
    assert rows.dtype == np.float32 and rows.shape == (5, 3)
    np.testing.assert_array_equal(rows, np.eye(3, dtype="float32")[codes])
    # decoding: the arg-max column's label, either encoding
    for e in (enc, one_hot):
        np.testing.assert_array_equal(e.inverse_transform(e.proba(_outputs_for(codes, 3))), y)


def test_one_hot_multiclass_decides_at_fit_and_refits_like_new():
    multiclass, binary = np.array([0, 1, 2, 1]), np.array([0, 1, 1, 0])
    enc = ClassifierTargetEncoder(one_hot="multiclass")
    assert enc.fit(multiclass).transform(multiclass).shape == (4, 3) and enc.one_hot_  # one-hot rows
    assert enc.get_params() == {"one_hot": "multiclass", "dtype": "float32"}  # fit leaves the parameter as given
    # refitting (or cloning) on a binary target encodes it as binary: one column, not one-hot
    for e in (enc.fit(binary), clone(enc).fit(binary)):
        assert not e.one_hot_ and e.n_outputs_ == 1 and e.transform(binary).shape == (4, 1)


def test_explicit_classes_cover_labels_not_in_y():
    y = np.array(["b", "a", "b"])  # partial_fit's first batch may miss classes
    enc = ClassifierTargetEncoder().fit(y, classes=["c", "a", "b"])
    assert enc.task_ == "multiclass" and enc.classes_.tolist() == ["a", "b", "c"]
    assert enc.transform(["c", "a"]).tolist() == [2, 0]


def test_unseen_labels_and_unsupported_targets_are_refused():
    enc = ClassifierTargetEncoder().fit(["a", "b"])
    with pytest.raises(ValueError, match="unseen labels"):
        enc.transform(["a", "z"])
    with pytest.raises(ValueError, match="only one class"):
        ClassifierTargetEncoder().fit([1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type|continuous"):
        ClassifierTargetEncoder().fit([0.1, 0.7, 1.3])
    with pytest.raises(ValueError, match="Unsupported target type 'multiclass-multioutput'"):
        ClassifierTargetEncoder().fit(np.array([[0, 2], [1, 0], [2, 1]]))
    with pytest.raises(NotFittedError):
        ClassifierTargetEncoder().transform(["a"])


def test_multilabel_passes_indicators_and_thresholds_at_one_half():
    y = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 0]], dtype=np.int8)
    enc = ClassifierTargetEncoder(one_hot="multiclass").fit(y)
    assert enc.task_ == "multilabel" and enc.n_outputs_ == 3 and enc.classes_.tolist() == [0, 1, 2]
    assert enc.one_hot == "multiclass" and not enc.one_hot_  # this target is not multiclass
    targets = enc.transform(y)
    assert targets.dtype == np.float32
    np.testing.assert_array_equal(targets, y)
    # per-label probabilities are clipped, not normalised across labels
    outputs = np.array([[0.9, 0.2, 0.7], [0.1, 0.6, 1.2], [0.8, 0.51, 0.49], [-0.1, 0.3, 0.0]])
    proba = enc.proba(outputs)
    assert proba.min() == 0.0 and proba.max() == 1.0 and not np.allclose(proba.sum(axis=1), 1)
    decoded = enc.inverse_transform(proba)
    assert decoded.dtype == np.int8
    np.testing.assert_array_equal(decoded, y)


def test_proba_normalises_softmax_rows_and_clips_negatives():
    enc = ClassifierTargetEncoder().fit([0, 1, 2])
    proba = enc.proba(np.array([[0.2, 0.2, 0.4], [-1e-7, 0.5, 0.5]], dtype="float32"))
    np.testing.assert_allclose(proba, [[0.25, 0.25, 0.5], [0.0, 0.5, 0.5]], rtol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


# -- RegressorTargetEncoder -----------------------------------------------------------------------

def test_regression_standardizes_and_restores_the_target_units():
    rng = np.random.default_rng(0)
    y = rng.normal(50.0, 8.0, size=200)
    enc = RegressorTargetEncoder().fit(y)
    assert enc.n_outputs_ == 1 and enc.task_ == "regression"
    assert enc.mean_ == pytest.approx([y.mean()]) and enc.scale_ == pytest.approx([y.std()])
    z = enc.transform(y)
    assert z.shape == (200, 1) and z.dtype == np.float32
    assert z.mean() == pytest.approx(0.0, abs=1e-6) and z.std() == pytest.approx(1.0, rel=1e-6)
    back = enc.inverse_transform(z)
    assert back.shape == (200,) and back.dtype == np.float64  # 1-D in, 1-D out, float64
    np.testing.assert_allclose(back, y, rtol=1e-6)
    # a network output of 1 is one standard deviation above the mean, in the target's units
    assert enc.inverse_transform(np.array([[1.0]]))[0] == pytest.approx(y.mean() + y.std())


def test_regression_keeps_digits_float32_alone_would_lose():
    y = 1.7e9 + np.arange(10.0)  # timestamps: float32 spacing at 1.7e9 is 128
    assert np.abs(y.astype("float32") - y).max() >= 1  # what the network would see unscaled
    enc = RegressorTargetEncoder().fit(y)
    np.testing.assert_allclose(enc.inverse_transform(enc.transform(y)), y, rtol=0, atol=1e-5)
    huge = np.array([1e10, 3e10, 2e10])  # gradients of order one, not 1e20
    assert np.abs(RegressorTargetEncoder().fit(huge).transform(huge)).max() < 2


def test_regression_multi_output_per_column_weights_and_constant_columns():
    y = np.column_stack([np.arange(6.0), 100.0 + 10.0 * np.arange(6.0), np.full(6, 7.0)])
    enc = RegressorTargetEncoder().fit(y)
    assert enc.n_outputs_ == 3
    np.testing.assert_allclose(enc.mean_, [2.5, 125.0, 7.0])
    np.testing.assert_allclose(enc.scale_, [np.std(np.arange(6.0)), 10 * np.std(np.arange(6.0)), 1.0])
    z = enc.transform(y)
    np.testing.assert_allclose(z[:, 0], z[:, 1], rtol=1e-6)  # same shape, different units
    np.testing.assert_array_equal(z[:, 2], 0.0)  # a constant column is centred, not divided by zero
    back = enc.inverse_transform(z)
    assert back.shape == (6, 3)
    np.testing.assert_allclose(back, y, rtol=1e-6, atol=1e-6)  # float32 rounding of z, in target units
    # a (n, 1) target stays two-dimensional on the way back
    assert RegressorTargetEncoder().fit(y[:, :1]).inverse_transform(z[:, :1]).shape == (6, 1)

    weights = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])  # only the last three rows count
    weighted = RegressorTargetEncoder().fit(y[:, 0], sample_weight=weights)
    assert weighted.mean_ == pytest.approx([4.0]) and weighted.scale_ == pytest.approx([np.std([3.0, 4, 5])])


# -- the scikeras-compatible encoders -------------------------------------------------------------

def test_is_categorical_crossentropy_by_name_function_class_and_object():
    for loss in ("categorical_crossentropy", "cce", "CategoricalCrossentropy",
                 keras.losses.categorical_crossentropy, keras.losses.CategoricalCrossentropy,
                 keras.losses.CategoricalCrossentropy()):
        assert is_categorical_crossentropy(loss), loss
    for loss in (None, "sparse_categorical_crossentropy", "binary_crossentropy",
                 keras.losses.SparseCategoricalCrossentropy(), keras.losses.BinaryCrossentropy):
        assert not is_categorical_crossentropy(loss), loss


def test_target_reshaper_round_trip():
    r = TargetReshaper()
    with pytest.raises(NotFittedError):
        r.inverse_transform(np.zeros((2, 1)))
    y = np.array([1, 2, 3])
    col = r.fit(y).transform(y)
    assert col.shape == (3, 1)
    np.testing.assert_array_equal(r.inverse_transform(col), y)
    y2 = np.arange(6).reshape(3, 2)
    assert r.fit(y2).transform(y2) is y2 and r.inverse_transform(y2) is y2


def test_label_encoder_binary_codes_and_decoding():
    y = np.array(["b", "a", "b", "a"])
    enc = ClassifierLabelEncoder().fit(y)
    assert enc.classes_.tolist() == ["a", "b"] and enc.n_classes_ == 2
    codes = enc.transform(y)
    assert codes.shape == (4, 1) and codes.dtype == np.dtype(keras.backend.floatx())
    assert codes.ravel().tolist() == [1.0, 0.0, 1.0, 0.0]
    sigmoid = np.array([[0.9], [0.1], [0.6], [0.4]])
    decoded = enc.inverse_transform(sigmoid)
    assert decoded.shape == (4,) and decoded.tolist() == y.tolist()
    # probabilities: one column per class from a single sigmoid unit
    np.testing.assert_allclose(enc.inverse_transform(sigmoid, return_proba=True), np.c_[1 - sigmoid, sigmoid])
    assert enc.get_metadata() == {"classes_": enc.classes_, "n_classes_": 2, "n_outputs_": 1,
                                  "n_outputs_expected_": 1}


@pytest.mark.parametrize("loss, shape", [(None, (5, 1)), ("categorical_crossentropy", (5, 3))])
def test_label_encoder_multiclass_ordinal_or_one_hot(loss, shape):
    y = np.array([30, 10, 20, 10, 30])
    enc = ClassifierLabelEncoder(loss=loss).fit(y)
    assert enc.classes_.tolist() == [10, 20, 30] and enc.n_classes_ == 3
    codes = enc.transform(y)
    assert codes.shape == shape
    expected = np.array([2, 0, 1, 0, 2])
    if shape[1] == 1:
        np.testing.assert_array_equal(codes.ravel(), expected)
    else:
        np.testing.assert_array_equal(codes, np.eye(3)[expected])
    decoded = enc.inverse_transform(_outputs_for(expected, 3))
    assert decoded.dtype == y.dtype
    np.testing.assert_array_equal(decoded, y)
    with pytest.raises(ValueError, match="unknown categories"):
        enc.transform(np.array([10, 40]))


def test_label_encoder_categories_make_a_partial_batch_multiclass():
    enc = ClassifierLabelEncoder(categories=[np.array(["a", "b", "c"])]).fit(np.array(["a", "b"]))
    assert enc.n_classes_ == 3 and enc.transform(np.array(["c"])).ravel().tolist() == [2.0]


def test_label_encoder_one_hot_multilabel_and_multioutput_targets():
    one_hot = np.eye(3, dtype=int)[[0, 2, 1, 2]]
    enc = ClassifierLabelEncoder().fit(one_hot)
    assert enc.n_classes_ == 3 and enc.classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(enc.transform(one_hot), one_hot)  # already what the network needs
    np.testing.assert_array_equal(enc.inverse_transform(_outputs_for([0, 2, 1, 2], 3)), one_hot)

    multilabel = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]])
    enc = ClassifierLabelEncoder().fit(multilabel)
    assert enc.n_classes_ == 3
    np.testing.assert_array_equal(enc.inverse_transform(np.array(multilabel * 0.8 + 0.1)), multilabel)

    multioutput = np.array([[0, 2], [1, 0], [2, 1]])
    enc = ClassifierLabelEncoder().fit(multioutput)
    assert enc.classes_ is None and enc.n_classes_ is None
    with pytest.raises(NotImplementedError, match="multiclass-multioutput"):
        enc.inverse_transform(np.zeros((3, 2)))
    np.testing.assert_array_equal(enc.inverse_transform(np.ones((3, 2)), return_proba=True), np.ones((3, 2)))


def test_label_encoder_refuses_continuous_targets():
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        ClassifierLabelEncoder().fit(np.array([0.1, 0.5, 2.3]))


def test_scikeras_regressor_encoder_checks_outputs_and_restores_shape():
    enc = ScikerasRegressorTargetEncoder().fit(np.arange(4.0))
    assert enc.get_metadata() == {"n_outputs_": 1, "n_outputs_expected_": 1}
    y = np.arange(4.0)
    assert enc.transform(y) is y  # no scaling: scikeras leaves the target alone
    assert enc.inverse_transform(np.arange(4.0).reshape(4, 1)).shape == (4,)
    with pytest.raises(ValueError, match="2 outputs"):
        enc.transform(np.zeros((4, 2)))
    two = ScikerasRegressorTargetEncoder().fit(np.zeros((4, 2)))
    assert two.n_outputs_ == 2 and two.inverse_transform(np.zeros(8)).shape == (4, 2)
