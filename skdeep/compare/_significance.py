"""Is one model's cross-validated score really better than another's? A paired test on the same folds.

Fold scores of k-fold cross-validation are not independent: any two training
sets share (k - 2) / (k - 1) of their rows, so a plain paired t-test on them
finds differences that are noise. Nadeau and Bengio's corrected resampled
t-test (Machine Learning 52, 2003) widens the variance of the mean difference
for that overlap:

    t = mean(d) / sqrt((1/n + n_test/n_train) * var(d)),   df = n - 1,

where ``d`` are the n paired per-fold differences (k folds times r repeats),
``var`` the sample variance (ddof=1), and ``n_test``/``n_train`` the sizes of a
fold's test and training sets. It is also the Bayesian correlated t-test of
Corani and Benavoli (Machine Learning 100, 2015): with correlation
rho = n_test / (n_test + n_train), rho / (1 - rho) = n_test / n_train, and the
posterior probability that the difference is below zero equals the one-sided
p-value. Repeating the cross-validation (``n_repeats``) gives the test power.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

BETTER, WORSE, SAME, UNTESTED, REFERENCE = "better", "worse", "no significant difference", "not tested", "reference"


@dataclass(frozen=True)
class PairedTest:
    """The corrected resampled t-test of ``a - b`` over paired fold scores."""

    difference: float  # mean of a - b over the pairs both scored
    statistic: float  # corrected t
    p_value: float  # two-sided
    df: int
    n_pairs: int

    def verdict(self, alpha: float = 0.05) -> str:
        """``"better"`` / ``"worse"`` (``a`` against ``b``) where p < alpha, else ``"no significant difference"``."""
        if not np.isfinite(self.p_value):
            return UNTESTED
        if self.p_value >= alpha:
            return SAME
        return BETTER if self.difference > 0 else WORSE


def corrected_resampled_ttest(a, b, *, n_train: float, n_test: float) -> PairedTest:
    """Nadeau and Bengio's corrected resampled t-test of the paired scores ``a`` against ``b``.

    Parameters
    ----------
    a, b : array-like of shape (n_folds,)
        Scores of two models on the same folds (all repeats of a repeated
        cross-validation, in the same order). Pairs where either is NaN (a
        failed fold) are left out.
    n_train, n_test : float
        Rows in a fold's training and test sets (their means if folds differ).

    Returns
    -------
    PairedTest
        ``difference`` (mean of ``a - b``), the corrected ``statistic``, its
        two-sided ``p_value`` with ``df = n_pairs - 1``. Fewer than two pairs:
        statistic and p-value NaN ("not tested").

    Examples
    --------
    >>> t = corrected_resampled_ttest([0.91, 0.93, 0.92, 0.95, 0.90], [0.90, 0.90, 0.91, 0.92, 0.90],
    ...                               n_train=80, n_test=20)
    >>> round(t.difference, 3), round(t.statistic, 3), round(t.p_value, 3), t.verdict()
    (0.016, 1.778, 0.15, 'no significant difference')
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must pair fold by fold; got {a.size} and {b.size} scores.")
    if not (n_train > 0 and n_test > 0):
        raise ValueError(f"n_train and n_test must be positive; got {n_train} and {n_test}.")
    d = (a - b)[np.isfinite(a) & np.isfinite(b)]
    n = d.size
    if n < 2:
        return PairedTest(float(d.mean()) if n else np.nan, np.nan, np.nan, max(n - 1, 0), n)
    mean = float(d.mean())
    variance = float(np.var(d, ddof=1)) * (1.0 / n + n_test / n_train)
    # The same difference on every fold (up to rounding: 0.9 - 0.8 != 0.8 - 0.7): no noise to test against.
    if np.ptp(d) <= 1e-12 * max(1.0, float(np.abs(d).max())):
        statistic = 0.0 if mean == 0.0 else np.copysign(np.inf, mean)
    else:
        statistic = mean / np.sqrt(variance)
    p_value = float(2.0 * stats.t.sf(abs(statistic), n - 1))
    return PairedTest(mean, float(statistic), p_value, n - 1, n)
