"""KerasClassifier and KerasRegressor with scikeras's API.

Unlike scikeras 0.13 on scikit-learn >= 1.6, both declare themselves to
scikit-learn (``is_classifier`` / ``is_regressor`` are True), so ``cv=5`` is
stratified for the classifier and ``scoring=None`` uses accuracy / R^2.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from ._wrapper import BaseWrapper
from .utils.transformers import ClassifierLabelEncoder, RegressorTargetEncoder


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """scikeras's ``KerasClassifier``: labels of any type, ``predict_proba``, ``class_weight``.

    Parameters are :class:`BaseWrapper`'s plus ``class_weight`` (dict, "balanced" or None).

    Examples
    --------
    >>> import keras, numpy as np
    >>> def build(meta, hidden=8):
    ...     return keras.Sequential([keras.Input((meta["n_features_in_"],)),
    ...                              keras.layers.Dense(hidden, activation="relu"),
    ...                              keras.layers.Dense(meta["n_classes_"], activation="softmax")])
    >>> X, y = np.random.default_rng(0).normal(size=(30, 4)), np.array(["a", "b", "c"] * 10)
    >>> clf = KerasClassifier(build, hidden=4, loss="sparse_categorical_crossentropy", verbose=0,
    ...                       random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.classes_.tolist()
    ((30, 3), ['a', 'b', 'c'])
    """

    def __init__(self, model=None, *, build_fn=None, warm_start=False, random_state=None, optimizer="rmsprop",
                 loss=None, metrics=None, batch_size=None, validation_batch_size=None, verbose=1,
                 callbacks=None, validation_split=0.0, shuffle=True, run_eagerly=False, epochs=1,
                 class_weight=None, **kwargs):
        super().__init__(model=model, build_fn=build_fn, warm_start=warm_start, random_state=random_state,
                         optimizer=optimizer, loss=loss, metrics=metrics, batch_size=batch_size,
                         validation_batch_size=validation_batch_size, verbose=verbose, callbacks=callbacks,
                         validation_split=validation_split, shuffle=shuffle, run_eagerly=run_eagerly,
                         epochs=epochs, **kwargs)
        self.class_weight = class_weight

    @property
    def _fit_kwargs(self) -> set:
        return BaseWrapper._fit_kwargs - {"class_weight"}  # applied as sample weights in fit

    def _type_of_target(self, y) -> str:
        target_type = type_of_target(y)
        if target_type == "binary" and getattr(self, "classes_", None) is not None:
            target_type = type_of_target(self.classes_)
        return target_type

    @staticmethod
    def scorer(y_true, y_pred, **kwargs) -> float:
        """Accuracy."""
        return accuracy_score(y_true, y_pred, **kwargs)

    @property
    def target_encoder(self):
        """:class:`ClassifierLabelEncoder` for ``loss`` (one-hot for categorical cross-entropy)."""
        classes = getattr(self, "classes_", None)
        return ClassifierLabelEncoder(loss=self.loss, categories="auto" if classes is None else [classes])

    def _weighted(self, y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        weights = compute_sample_weight(class_weight=self.class_weight, y=y)
        return weights if sample_weight is None else np.asarray(sample_weight) * weights

    def initialize(self, X, y):
        """Build (and compile) the model for ``(X, y)`` without training it."""
        self.classes_ = None
        return super().initialize(X, y)

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new model (unless ``warm_start``) and train it; ``**kwargs`` go to ``Model.fit``."""
        self.classes_ = None
        return super().fit(X, y, sample_weight=self._weighted(y, sample_weight), **kwargs)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train one more epoch; ``classes`` lists every label on the first call if ``y`` lacks some."""
        self.classes_ = classes if classes is not None else getattr(self, "classes_", None)
        return super().partial_fit(X, y, sample_weight=self._weighted(y, sample_weight), **kwargs)

    def predict_proba(self, X, **kwargs):
        """Class probabilities, shape (n_samples, n_classes)."""
        raw = self._predict_raw(X, **kwargs)  # checks fitted first
        return self.target_encoder_.inverse_transform(raw, return_proba=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class KerasRegressor(RegressorMixin, BaseWrapper):
    """scikeras's ``KerasRegressor``: single- and multi-output regression, scored with R^2.

    Examples
    --------
    >>> import keras, numpy as np
    >>> def build(meta):
    ...     return keras.Sequential([keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)])
    >>> X = np.random.default_rng(0).normal(size=(30, 4))
    >>> reg = KerasRegressor(build, loss="mse", verbose=0, random_state=0).fit(X, X[:, 0])
    >>> reg.predict(X).shape
    (30,)
    """

    @staticmethod
    def scorer(y_true, y_pred, **kwargs) -> float:
        """R^2."""
        return r2_score(y_true, y_pred, **kwargs)

    def _validate_data(self, X=None, y=None, reset: bool = False, y_numeric: bool = False):
        return super()._validate_data(X=X, y=y, reset=reset, y_numeric=True)

    @property
    def target_encoder(self):
        """:class:`RegressorTargetEncoder`."""
        return RegressorTargetEncoder()
