"""SHAP algorithms for tree, linear and any model, behind one calling convention.

A backend is built once on the background rows and called on the rows to
explain; it returns ``(values, base)`` with ``values`` of shape (n, p) or
(n, p, k) and ``base`` of shape (n, k). The adapter then completes binary
classes and squeezes single outputs.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._state import seeded_numpy


def _per_output(base: Any, n_rows: int) -> np.ndarray:
    """A base value per output, (k,) or scalar, repeated for each row: (n, k)."""
    return np.tile(np.asarray(base, dtype=np.float64).reshape(1, -1), (n_rows, 1))


class TreeBackend:
    """``shap.TreeExplainer``: exact SHAP values for tree ensembles.

    Interventional (the background is integrated out) for all trees except
    HistGradientBoosting: with shap 0.51 and scikit-learn 1.9 the interventional
    values of HistGradientBoosting models miss the model output by a constant,
    so those are explained with ``tree_path_dependent`` (the background given
    by the training data the trees saw) and the background is not used.
    """

    def __init__(self, final: Any, background: np.ndarray, *, output: str):
        import shap

        model_output = "probability" if output == "probability" else "raw"
        hist = type(final).__name__.startswith("HistGradientBoosting")
        if hist:
            self._explainer = shap.TreeExplainer(final, feature_perturbation="tree_path_dependent")
        else:
            self._explainer = shap.TreeExplainer(
                final,
                data=background,
                feature_perturbation="interventional",
                model_output=model_output,
            )

    def __call__(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = self._explainer.shap_values(Z)
        return np.asarray(values, dtype=np.float64), _per_output(self._explainer.expected_value, len(Z))


class LinearBackend:
    """``shap.LinearExplainer``: exact interventional SHAP values of the margin."""

    def __init__(self, final: Any, background: np.ndarray):
        import shap

        self._explainer = shap.LinearExplainer(final, background)

    def __call__(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = self._explainer.shap_values(Z)
        return np.asarray(values, dtype=np.float64), _per_output(self._explainer.expected_value, len(Z))


class SamplingBackend:
    """Model-agnostic SHAP on a prediction function: kernel, permutation or exact.

    The background is the independent masker: a masked feature takes the
    background rows' values and the output is averaged over them, so the base
    value is the mean output on the background. All three are efficient by
    construction (values plus base value reproduce the output). ``exact``
    enumerates all 2**p coalitions; ``kernel`` (KernelSHAP, no L1 feature
    selection) fits a weighted linear model on coalitions and, when its budget
    covers all 2**p of them (p <= 10 with the default), gives the exact Shapley
    values too; ``permutation`` averages antithetic feature orderings.

    ``max_evals`` is shap's budget of model evaluations per row for
    ``permutation`` (``"auto"``: 10 forward and backward permutations) and its
    ``nsamples`` for ``kernel`` (``"auto"``: 2p + 2048).
    """

    def __init__(
        self,
        f: Callable[[np.ndarray], np.ndarray],
        background: np.ndarray,
        *,
        method: str,
        max_evals: int | str = "auto",
        random_state: int | None = 0,
    ):
        import shap

        self._method, self._max_evals, self._seed = method, max_evals, random_state
        if method == "kernel":
            self._explainer = shap.KernelExplainer(f, background)
            return
        masker = shap.maskers.Independent(background, max_samples=len(background))
        cls = shap.PermutationExplainer if method == "permutation" else shap.ExactExplainer
        self._explainer = cls(f, masker)

    def __call__(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with seeded_numpy(self._seed):
            if self._method == "kernel":
                values = self._explainer.shap_values(
                    Z, nsamples=self._max_evals, l1_reg=False, silent=True
                )
                return np.asarray(values, dtype=np.float64), _per_output(
                    self._explainer.expected_value, len(Z)
                )
            kwargs = {"silent": True}
            if self._method == "permutation" or self._max_evals != "auto":
                kwargs["max_evals"] = self._max_evals
            explanation = self._explainer(Z, **kwargs)
        base = np.asarray(explanation.base_values, dtype=np.float64).reshape(len(Z), -1)
        return np.asarray(explanation.values, dtype=np.float64), base
