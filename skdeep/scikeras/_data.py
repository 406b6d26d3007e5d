"""Input checks with scikeras's fitted attributes and messages.

``X`` may be N-dimensional or sparse; ``y`` keeps its own dtype (labels of any
type). At fit the shapes and dtypes are recorded (``X_shape_``, ``X_dtype_``,
``y_dtype_``, ``y_ndim_``, ``n_features_in_``, ``target_type_``); later calls
are checked against them.
"""

from __future__ import annotations

import keras
import numpy as np
from scipy.sparse import issparse, lil_matrix
from sklearn.utils.validation import _check_sample_weight, check_array, check_X_y


def _numeric_dtype(arr, force: bool):
    """floatx for text/object arrays that must be numbers; None keeps the dtype."""
    kind = np.asarray(arr).dtype.kind if not issparse(arr) else arr.dtype.kind
    return keras.backend.floatx() if force and kind in ("O", "U", "S") else None


def validate_data(est, X=None, y=None, *, reset: bool, y_numeric: bool = False):
    """Check ``X`` and ``y``; record their meta-parameters on ``est`` (``reset``) or compare with them."""
    name = type(est).__name__
    if X is not None and y is not None:
        X, y = check_X_y(X, y, accept_sparse=True, allow_nd=True, multi_output=True, dtype=None)
    if y is not None:
        y = check_array(y, ensure_2d=False, allow_nd=False, dtype=_numeric_dtype(y, y_numeric))
        if reset:
            est.target_type_ = est._type_of_target(y)
            est.y_dtype_, est.y_ndim_ = y.dtype, y.ndim
        else:
            if not np.can_cast(y.dtype, est.y_dtype_):
                raise ValueError(f"Got y with dtype {y.dtype}, but this {name} expected {est.y_dtype_} and "
                                 f"casting from {y.dtype} to {est.y_dtype_} is not safe!")
            if est.y_ndim_ != y.ndim:
                raise ValueError(f"y has {y.ndim} dimensions, but this {name} is expecting "
                                 f"{est.y_ndim_} dimensions in y.")
    if X is not None:
        if issparse(X):
            X = lil_matrix(X)
        X = check_array(X, allow_nd=True, dtype=_numeric_dtype(X, True), accept_sparse=True)
        if reset:
            est.X_dtype_, est.X_shape_, est.n_features_in_ = X.dtype, X.shape, X.shape[1]
        else:
            if not np.can_cast(X.dtype, est.X_dtype_):
                raise ValueError(f"Got X with dtype {X.dtype}, but this {name} expected {est.X_dtype_} and "
                                 f"casting from {X.dtype} to {est.X_dtype_} is not safe!")
            if len(X.shape) != len(est.X_shape_):
                raise ValueError(f"X has {len(X.shape)} dimensions, but this {name} is expecting "
                                 f"{len(est.X_shape_)} dimensions in X.")
            if X.shape[1:] != est.X_shape_[1:]:
                raise ValueError(f"X has shape {X.shape[1:]}, but this {name} is expecting X of shape "
                                 f"{est.X_shape_[1:]}")
    return X, y


def validate_sample_weight(X, y, sample_weight):
    """Weights as a float array; rows weighted zero are dropped, as scikeras does."""
    if sample_weight is not None and np.all(np.asarray(sample_weight) == 0):
        raise ValueError("No training samples had any weight; only zeros were passed in sample_weight. "
                         "That means there's nothing to train on by definition, so training can not be "
                         "completed.")
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.dtype(keras.backend.floatx()))
    keep = sample_weight != 0
    return X[keep, ...], y[keep, ...], sample_weight[keep, ...]
