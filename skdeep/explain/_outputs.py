"""What an explanation is in, shared by the model inspection (``_model``) and the network side (``_keras``).

A leaf module: the explained outputs, the clipping of probabilities before
log-odds, and the rule that completes a binary model's single column with
class 0's.
"""

from __future__ import annotations

import numpy as np

OUTPUTS = ("probability", "log_odds", "raw")
# Probabilities are clipped to [EPS, 1 - EPS] before taking log-odds, here and in
# the network wrapper, so a saturated float32 sigmoid gives a finite value.
EPS = 1e-7


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds ``log(p / (1 - p))`` of probabilities clipped to ``[EPS, 1 - EPS]``."""
    p = np.clip(np.asarray(p, dtype=np.float64), EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def complete_binary(columns: np.ndarray, output: str) -> np.ndarray:
    """Add the class-0 column in front of a class-1-only last axis.

    Probabilities of class 0 are ``1 - p``; log-odds and margins are ``-z``. The
    same rule applies to SHAP values (``-phi``) since it is affine.
    """
    offset = 1.0 if output == "probability" else 0.0
    return np.concatenate([offset - columns, columns], axis=-1)


def complete_binary_values(values: np.ndarray) -> np.ndarray:
    """SHAP values for class 0 of a binary model are minus those of class 1."""
    return np.concatenate([-values, values], axis=-1)
