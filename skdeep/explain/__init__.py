"""SHAP explanations for skdeep estimators, scikit-learn baselines and pipelines.

One entry point, :func:`explain` (or the reusable :class:`Explainer`), turns a
fitted model, background rows and new rows into a ``shap.Explanation``; the
``plot_*`` functions draw it and return the matplotlib Figure.

Examples
--------
>>> from sklearn.datasets import make_regression
>>> from sklearn.linear_model import Ridge
>>> from skdeep.explain import explain
>>> X, y = make_regression(n_samples=100, n_features=3, random_state=0)
>>> explanation = explain(Ridge().fit(X, y), X[:50], X[:4])
>>> explanation.values.shape
(4, 3)
"""

try:
    import shap  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("skdeep.explain needs shap: pip install shap") from error

from ._adapter import METHODS, Explainer, explain
from ._outputs import OUTPUTS
from ._plots import plot_bar, plot_beeswarm, plot_decision, plot_waterfall

__all__ = [
    "METHODS",
    "OUTPUTS",
    "Explainer",
    "explain",
    "plot_bar",
    "plot_beeswarm",
    "plot_decision",
    "plot_waterfall",
]
