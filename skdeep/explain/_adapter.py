"""The explainer adapter: one object from a fitted model to ``shap.Explanation``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _model, _outputs, _plots
from ._algorithms import LinearBackend, SamplingBackend, TreeBackend
from ._data import TabularCodec, as_rows, sample_rows, to_array

METHODS = ("auto", "deep", "gradient", "tree", "linear", "permutation", "exact", "kernel")
MODEL_AGNOSTIC = ("permutation", "exact", "kernel")
FEATURE_SPACES = ("original", "transformed")


class Explainer:
    """SHAP explanations for a fitted skdeep estimator, baseline or pipeline.

    Parameters
    ----------
    model : estimator or Pipeline
        A fitted ``KerasClassifier`` / ``KerasRegressor``, a fitted tree or
        linear scikit-learn model (RandomForest, HistGradientBoosting,
        LogisticRegression, Ridge, ...), any fitted estimator with
        ``predict`` / ``predict_proba``, or a fitted ``Pipeline`` ending in one.
    X_background : array-like or DataFrame of shape (n_background, n_features)
        Rows in the model's input space (before any pipeline preprocessing)
        whose average output is the base value; a masked feature takes the
        background's values.
    method : {"auto", "deep", "gradient", "tree", "linear", "permutation", "exact", "kernel"}
        SHAP algorithm. ``"auto"`` picks ``deep`` (DeepExplainer) for networks
        on the TensorFlow backend, ``tree`` for tree ensembles and ``linear``
        for linear models when they can explain the requested output, and
        otherwise a model-agnostic one: ``exact`` for up to 10 features,
        ``permutation`` beyond. If an automatically chosen gradient, tree or
        linear explainer fails, it warns and falls back the same way.
    output : {"probability", "log_odds", "raw"}, default=None
        What a classifier's SHAP values explain, one column per class:
        probabilities, their log-odds ``log(p / (1 - p))`` or the model's margin
        before its output link (network logits, ``decision_function``; for a
        binary model the margin is the class-1 log-odds). None means
        ``"probability"`` for classifiers and ``"raw"`` (target units) for
        regressors, which accept nothing else.
    feature_space : {"original", "transformed"}, default="original"
        ``"original"`` attributes to the columns the user passed. After
        column-wise preprocessing (scalers, imputers, ...) the final estimator
        is explained on the transformed data and each attribution belongs to
        its original column. After preprocessing that changes the columns
        (ColumnTransformer, OneHotEncoder, PCA, ...), the whole pipeline is
        explained by a model-agnostic method. ``"transformed"`` explains the
        final estimator on the preprocessed columns, named by
        ``get_feature_names_out``; ``.data`` then holds the transformed rows.
    max_background : int or None, default=100
        Background rows kept (sampled without replacement).
    max_evals : int or "auto", default="auto"
        Budget of the ``permutation`` (evaluations per row) and ``kernel``
        (``nsamples``) methods.
    random_state : int or None, default=0
        Seeds background sampling and the sampling explainers; NumPy's global
        RNG is restored afterwards.

    Attributes
    ----------
    method_ : str
        The algorithm in use.
    output_ : str
        The explained output.
    feature_space_ : str
        ``"original"`` or ``"transformed"``.
    feature_names_ : list of str
        Names of the explained features (``x0, x1, ...`` when none are known).
    output_names_ : list of str or None
        Class labels, target names, or None for a single target.
    background_ : array-like
        The background rows kept, as the user passed them.

    See Also
    --------
    explain : The same in one call.

    Notes
    -----
    Values follow shap's layout: (n_rows, n_features, n_classes) for every
    classifier (binary included, class 0 first) and multi-output regressor,
    (n_rows, n_features) for a single-output regressor; ``base_values`` is
    (n_rows, n_classes) or (n_rows,). Values plus base values reproduce the
    explained output.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    >>> forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    >>> explainer = Explainer(forest, X[:50])
    >>> explanation = explainer.explain(X[:5])
    >>> explanation.values.shape, explainer.method_
    ((5, 4, 2), 'tree')
    """

    def __init__(
        self,
        model: Any,
        X_background: Any,
        *,
        method: str = "auto",
        output: str | None = None,
        feature_space: str = "original",
        max_background: int | None = 100,
        max_evals: int | str = "auto",
        random_state: int | None = 0,
    ):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
        if feature_space not in FEATURE_SPACES:
            raise ValueError(f"feature_space must be one of {FEATURE_SPACES}; got {feature_space!r}.")
        self.model, self.method, self.output = model, method, output
        self.feature_space, self.max_background = feature_space, max_background
        self.max_evals, self.random_state = max_evals, random_state

        self._info = _model.inspect_model(model)
        self.output_ = _model.resolve_output(self._info, output)
        self.feature_space_ = feature_space if self._info.preprocessor is not None else "original"
        self.background_ = sample_rows(X_background, max_background, random_state)
        # Preprocessing that mixes or adds columns is explained as part of the model.
        self._whole_pipeline = self.feature_space_ == "original" and not self._info.columnwise
        self._codec = TabularCodec(self.background_) if self._whole_pipeline else None
        background = self._to_explained_space(self.background_)
        self._background = background
        self._f = self._prediction_function()
        self._n_outputs = self._f(background[:1]).shape[1]
        self.feature_names_ = _model.feature_names(
            self._info, self.background_, self.feature_space_, background.shape[1]
        )
        self.output_names_ = _model.output_names(self._info, self._n_outputs)
        if self._info.kind == "network":
            self._check_network_contract()
        self.method_ = self._choose_method(background.shape[1])
        self._backend = self._build_backend(self.method_)

    # -- set-up -------------------------------------------------------------
    def _to_explained_space(self, X: Any) -> np.ndarray:
        if self._whole_pipeline:
            return self._codec.encode(X)
        return _model.transform(self._info, X)

    def _prediction_function(self):
        f_final = _model.output_function(self._info, self.output_)
        if not self._whole_pipeline:
            return f_final
        info, codec = self._info, self._codec
        return lambda A: f_final(_model.transform(info, codec.decode(A)))

    def _check_network_contract(self) -> None:
        """The explained Keras model must agree with the estimator's public predictions."""
        info, rows = self._info, self._background[:20]
        final = info.final
        if self._whole_pipeline:
            decoded = self._codec.decode(rows)
            final_input = info.preprocessor.transform(decoded) if info.preprocessor is not None else decoded
            rows = _model.transform(info, decoded)
        else:
            final_input = _model.as_frame_for(final, rows)
        if info.is_classifier:
            expected = final.predict_proba(final_input)
            got = _model.output_function(info, "probability")(rows)
        else:
            expected = np.asarray(final.predict(final_input))
            got = _model.output_function(info, "raw")(rows)
        if not np.allclose(got, np.reshape(expected, got.shape), rtol=1e-4, atol=1e-5):
            raise RuntimeError(
                f"{type(final).__name__}.model_ does not reproduce the estimator's predictions "
                "on the background rows, so its SHAP values would explain something else."
            )

    def _specialised_reason(self, method: str) -> str | None:
        """Why ``method`` cannot explain this model and output, or None if it can."""
        info = self._info
        if self._whole_pipeline:
            return (
                "the preprocessing changes the columns, so only a model-agnostic method can "
                "attribute to the original columns (or pass feature_space='transformed')"
            )
        if method in ("deep", "gradient"):
            if info.kind != "network":
                return f"{type(info.final).__name__} is not a skdeep network"
            from .._retrieval import blends
            from ._keras import deep_available

            if blends(info.final):
                return "a neighbour vote is blended into its probabilities (retrieval_), which has no gradient"
            return None if deep_available() else "shap's Deep/Gradient explainers need the TensorFlow backend"
        supports = {"tree": _model.tree_supports, "linear": _model.linear_supports}[method]
        if info.kind != method:
            return f"{type(info.final).__name__} is not a {method} model"
        if not supports(info, self.output_):
            return f"TreeExplainer/LinearExplainer cannot explain output={self.output_!r} of this model"
        return None

    def _choose_method(self, n_features: int) -> str:
        if self.method in MODEL_AGNOSTIC:
            return self.method
        if self.method != "auto":
            reason = self._specialised_reason(self.method)
            if reason:
                raise ValueError(f"method={self.method!r} cannot be used: {reason}.")
            return self.method
        preferred = {"network": "deep", "tree": "tree", "linear": "linear"}.get(self._info.kind)
        if preferred and self._specialised_reason(preferred) is None:
            return preferred
        return self._agnostic_default(n_features)

    @staticmethod
    def _agnostic_default(n_features: int) -> str:
        # Up to 10 features KernelExplainer's default budget (2p + 2048 coalitions)
        # enumerates every coalition, so its values are the exact Shapley values,
        # without the ~15 s numba compilation shap's Exact/Permutation explainers
        # pay once per process. Beyond that, sampled permutations (shap's rule).
        return "kernel" if n_features <= 10 else "permutation"

    def _build_backend(self, method: str):
        try:
            return self._make_backend(method)
        except Exception as error:
            return self._fall_back(error)

    def _make_backend(self, method: str):
        info, background = self._info, self._background
        if method in MODEL_AGNOSTIC:
            return SamplingBackend(
                self._f, background, method=method, max_evals=self.max_evals, random_state=self.random_state
            )
        if method == "tree":
            return TreeBackend(info.final, background, output=self.output_)
        if method == "linear":
            return LinearBackend(info.final, background)
        from ._keras import DeepBackend, GradientBackend, network_for_deep

        network = network_for_deep(info.final, self.output_, info.is_classifier)
        if method == "gradient":
            return GradientBackend(network, background, random_state=self.random_state)
        return DeepBackend(network, background, output=self.output_)

    def _fall_back(self, error: Exception):
        if self.method != "auto" or self.method_ in MODEL_AGNOSTIC:
            raise error
        fallback = self._agnostic_default(self._background.shape[1])
        warnings.warn(
            f"method={self.method_!r} failed ({type(error).__name__}: {error}); "
            f"falling back to the model-agnostic {fallback!r} explainer.",
            RuntimeWarning,
            stacklevel=3,
        )
        self.method_ = fallback
        return self._make_backend(fallback)

    # -- explaining ---------------------------------------------------------
    def explain(self, X: Any) -> Any:
        """SHAP values for the rows ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features), or one row
            Rows in the model's input space, like ``X_background``.

        Returns
        -------
        shap.Explanation
            ``values``, ``base_values``, ``data`` (the rows as passed, or the
            transformed rows when ``feature_space_ == "transformed"``),
            ``feature_names`` and ``output_names``.
        """
        import shap

        X = as_rows(X)
        Z = self._to_explained_space(X)
        try:
            values, base = self._backend(Z)
        except Exception as error:
            self._backend = self._fall_back(error)
            values, base = self._backend(Z)
        values, base = self._to_convention(values, base, len(Z))
        data = Z if self.feature_space_ == "transformed" else to_array(X)
        return shap.Explanation(
            values=values,
            base_values=base,
            data=data,
            feature_names=list(self.feature_names_),
            output_names=self.output_names_,
        )

    __call__ = explain

    def _to_convention(self, values: np.ndarray, base: np.ndarray, n_rows: int):
        values = values.reshape(n_rows, values.shape[1], -1)
        base = base.reshape(n_rows, -1)
        if self._info.n_classes == 2 and values.shape[2] == 1:
            values = _outputs.complete_binary_values(values)
            base = _outputs.complete_binary(base, self.output_)
        if not self._info.is_classifier and values.shape[2] == 1:
            return values[:, :, 0], base[:, 0]
        return values, base

    # -- plots --------------------------------------------------------------
    def _explanation(self, explanation_or_X: Any):
        import shap

        if isinstance(explanation_or_X, shap.Explanation):
            return explanation_or_X
        return self.explain(explanation_or_X)

    def plot_decision(self, explanation_or_X: Any, *, class_index: Any = None, top_k: int = 10):
        """Decision plot (see :func:`plot_decision`); log-odds show as probabilities."""
        link = "logit" if self.output_ == "log_odds" else "identity"
        return _plots.plot_decision(
            self._explanation(explanation_or_X), class_index=class_index, top_k=top_k, link=link
        )

    def plot_waterfall(self, explanation_or_X: Any, row: int = 0, *, class_index: Any = None, top_k: int = 10):
        """Waterfall plot of one row (see :func:`plot_waterfall`)."""
        return _plots.plot_waterfall(
            self._explanation(explanation_or_X), row, class_index=class_index, top_k=top_k
        )

    def plot_bar(self, explanation_or_X: Any, *, class_index: Any = None, top_k: int = 10):
        """Global importance, mean |SHAP| per feature (see :func:`plot_bar`)."""
        return _plots.plot_bar(self._explanation(explanation_or_X), class_index=class_index, top_k=top_k)

    def plot_beeswarm(self, explanation_or_X: Any, *, class_index: Any = None, top_k: int = 10):
        """Beeswarm of every row's SHAP values (see :func:`plot_beeswarm`)."""
        return _plots.plot_beeswarm(self._explanation(explanation_or_X), class_index=class_index, top_k=top_k)


def explain(
    model: Any,
    X_background: Any,
    X: Any,
    *,
    method: str = "auto",
    output: str | None = None,
    feature_space: str = "original",
    max_background: int | None = 100,
    max_evals: int | str = "auto",
    random_state: int | None = 0,
) -> Any:
    """Explain a fitted model's predictions for ``X`` with SHAP values.

    A thin wrapper: ``Explainer(model, X_background, ...).explain(X)``; see
    :class:`Explainer` for the parameters and the layout of the result.

    Returns
    -------
    shap.Explanation

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    >>> explanation = explain(Ridge().fit(X, y), X[:50], X[:4])
    >>> explanation.values.shape
    (4, 3)
    """
    explainer = Explainer(
        model,
        X_background,
        method=method,
        output=output,
        feature_space=feature_space,
        max_background=max_background,
        max_evals=max_evals,
        random_state=random_state,
    )
    return explainer.explain(X)
