"""How long scikit-learn's estimator checks take on the *default* estimators (issue 18).

``check_estimator`` on ``KerasClassifier()`` and ``KerasRegressor()`` with every
default, in float32 and float64: the time of each, and how many checks passed.
(The test suite runs the same checks on small networks, every one passing:
``tests/test_sklearn_checks.py``; here only the cost of the defaults is measured.)

Usage::

    python benchmarks/default_checks.py          # all four: 270 s on 2 cores (the classifier alone took 321 s before issue 18's round two)
"""

from __future__ import annotations

import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    from sklearn.utils.estimator_checks import check_estimator

    from skdeep import KerasClassifier, KerasRegressor

    total = 0.0
    for make in (KerasClassifier, KerasRegressor):
        for dtype in ("float32", "float64"):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = check_estimator(make(random_state=0, dtype=dtype), on_fail=None)
            seconds = time.perf_counter() - t0
            total += seconds
            failed = [r["check_name"] for r in results if r["status"] == "failed"]
            passed = sum(r["status"] == "passed" for r in results)
            print(f"{make.__name__}(dtype={dtype!r}): {seconds:.0f} s, {passed} passed, "
                  f"{len(failed)} failed {failed}", flush=True)
    print(f"all four: {total:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
