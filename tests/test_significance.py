"""The corrected resampled t-test of skdeep.compare, against a published worked example and by hand."""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_moons
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold
from sklearn.svm import SVC

from skdeep.compare import corrected_resampled_ttest


def test_reproduces_scikit_learns_worked_example():
    # scikit-learn's gallery example "Statistical comparison of models using grid search"
    # (examples/model_selection/plot_grid_search_stats.py) applies Nadeau and Bengio's test to the
    # two best SVC kernels, 10 x 10-fold ROC AUC on 100 moons, and prints
    # "Corrected t-value: 0.750, Corrected p-value: 0.227" (one-sided, rbf better than linear).
    X, y = make_moons(noise=0.352, random_state=1, n_samples=100)
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=10, random_state=0)
    grid = [{"kernel": ["linear"]}, {"kernel": ["poly"], "degree": [2, 3]}, {"kernel": ["rbf"]}]
    search = GridSearchCV(SVC(random_state=0), grid, scoring="roc_auc", cv=cv).fit(X, y)
    res = search.cv_results_
    scores = {p["kernel"] + str(p.get("degree", "")): np.array([res[f"split{i}_test_score"][j] for i in range(100)])
              for j, p in enumerate(res["params"])}
    train, test = next(cv.split(X, y))
    t = corrected_resampled_ttest(scores["rbf"], scores["linear"], n_train=len(train), n_test=len(test))
    assert round(t.statistic, 3) == 0.750
    assert round(t.p_value / 2, 3) == 0.227  # ours is two-sided
    assert t.df == 99 and t.n_pairs == 100
    assert t.verdict() == "no significant difference"
    # The uncorrected paired t-test on the same scores calls it significant: the correction matters.
    assert stats.ttest_1samp(scores["rbf"] - scores["linear"], 0).pvalue < 0.05


def test_formula_by_hand():
    # d = [.01, .03, .01, .03, 0]: mean .016, sample variance 1.8e-4; corrected by 1/5 + 20/80 = .45,
    # so the standard error is sqrt(8.1e-5) = .009 and t = .016 / .009 = 1.7778 on 4 degrees of freedom.
    t = corrected_resampled_ttest([0.91, 0.93, 0.92, 0.95, 0.90], [0.90, 0.90, 0.91, 0.92, 0.90],
                                  n_train=80, n_test=20)
    assert t.difference == pytest.approx(0.016)
    assert t.statistic == pytest.approx(0.016 / 0.009)
    assert t.p_value == pytest.approx(2 * stats.t.sf(0.016 / 0.009, 4))
    # Swapping the models flips the sign and the verdict's direction, not the p-value.
    s = corrected_resampled_ttest([0.90, 0.90, 0.91, 0.92, 0.90], [0.91, 0.93, 0.92, 0.95, 0.90],
                                  n_train=80, n_test=20)
    assert s.statistic == pytest.approx(-t.statistic) and s.p_value == pytest.approx(t.p_value)
    assert corrected_resampled_ttest([0.9] * 5 + [0.95] * 5, [0.8] * 5 + [0.85] * 5, n_train=90,
                                     n_test=10).verdict() == "better"
    assert corrected_resampled_ttest([0.8] * 5 + [0.85] * 5, [0.9] * 5 + [0.95] * 5, n_train=90,
                                     n_test=10).verdict() == "worse"


def test_failed_folds_and_degenerate_cases():
    a = [0.9, np.nan, 0.92, 0.95]
    b = [0.8, 0.85, np.nan, 0.90]
    t = corrected_resampled_ttest(a, b, n_train=30, n_test=10)
    assert t.n_pairs == 2 and t.difference == pytest.approx(0.075)  # only the pairs both scored
    one = corrected_resampled_ttest([0.9, np.nan], [0.8, 0.8], n_train=30, n_test=10)
    assert np.isnan(one.p_value) and one.verdict() == "not tested"
    same = corrected_resampled_ttest([0.9, 0.8, 0.7], [0.9, 0.8, 0.7], n_train=30, n_test=10)
    assert same.p_value == 1.0 and same.verdict() == "no significant difference"
    constant = corrected_resampled_ttest([0.9, 0.8, 0.7], [0.8, 0.7, 0.6], n_train=30, n_test=10)
    assert constant.p_value == 0.0 and constant.verdict() == "better"
    with pytest.raises(ValueError, match="pair fold by fold"):
        corrected_resampled_ttest([1, 2, 3], [1, 2], n_train=10, n_test=5)
    with pytest.raises(ValueError, match="positive"):
        corrected_resampled_ttest([1, 2], [1, 2], n_train=0, n_test=5)
