"""Grid search and K-fold cross-validation through the scikit-learn interface.

Seed tutorial 001 ("Deep Learning Quick Reference", chapter 1) notes that
Keras models can be put behind scikit-learn's interface "which lets us do
K-fold, stratified K-fold, and even grid search with K-fold". skdeep
estimators *are* scikit-learn estimators, so this example does exactly that:

* ``GridSearchCV`` over a ``StandardScaler -> KerasClassifier`` pipeline,
  searching the architecture (``kerasclassifier__hidden_layer_sizes``) and the
  optimizer's learning rate (``kerasclassifier__optimizer__learning_rate``: a
  *routed* parameter, passed to the optimizer's constructor) with stratified
  3-fold cross-validation and ROC AUC as the score;
* ``cross_val_score`` of the best configuration with a 5-fold ``KFold``.

Fits of the same architecture share one compiled training function, so the
grid's many fits do not each pay compilation again.

Data: scikit-learn's bundled breast-cancer set (binary). Writes the grid
results as CSV to ``$SKDEEP_EXAMPLE_OUTPUT/09_grid_search_kfold`` or a
temporary directory. Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of
epochs per fit.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402

NAME = "09_grid_search_kfold"


def n_epochs(default):
    """``$SKDEEP_EXAMPLE_EPOCHS`` when set (the tests use 2), else ``default``."""
    return int(os.environ.get("SKDEEP_EXAMPLE_EPOCHS", default))


def output_dir():
    """``$SKDEEP_EXAMPLE_OUTPUT/<example>`` when set, else a new temporary directory."""
    base = os.environ.get("SKDEEP_EXAMPLE_OUTPUT")
    if not base:
        return tempfile.mkdtemp(prefix=f"skdeep-{NAME}-")
    path = os.path.join(base, NAME)
    os.makedirs(path, exist_ok=True)
    return path


def main():
    X, y = load_breast_cancer(return_X_y=True)
    out = output_dir()
    pipe = make_pipeline(StandardScaler(), KerasClassifier(epochs=n_epochs(30), random_state=0))

    param_grid = {
        "kerasclassifier__hidden_layer_sizes": [(16,), (64, 32)],
        "kerasclassifier__optimizer__learning_rate": [1e-3, 1e-2],
    }
    search = GridSearchCV(pipe, param_grid, scoring="roc_auc",
                          cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0))
    search.fit(X, y)

    results = pd.DataFrame(search.cv_results_)[
        ["param_kerasclassifier__hidden_layer_sizes",
         "param_kerasclassifier__optimizer__learning_rate",
         "mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"]]
    results.columns = ["hidden_layer_sizes", "learning_rate", "mean ROC AUC", "std", "rank", "fit s"]
    print("grid search, stratified 3-fold, ROC AUC:")
    print(results.sort_values("rank").to_string(index=False, float_format="%.4f"))
    print(f"\nbest parameters: {search.best_params_}")
    best_net = search.best_estimator_[-1]
    print(f"refit on all rows: optimizer {type(best_net.model_.optimizer).__name__}, "
          f"learning rate {float(best_net.model_.optimizer.learning_rate):g}")
    path = os.path.join(out, "grid_results.csv")
    results.to_csv(path, index=False)
    print(f"saved {path}")

    # K-fold estimate of the chosen configuration (a fresh, unfitted copy per fold).
    best = clone(pipe).set_params(**search.best_params_)
    scores = cross_val_score(best, X, y, cv=KFold(n_splits=5, shuffle=True, random_state=0),
                             scoring="accuracy")
    print(f"\n5-fold KFold accuracy: {scores.round(4).tolist()}")
    print(f"mean {scores.mean():.4f} +/- {scores.std():.4f}")
    # Note: these folds were also used to choose the parameters (via the grid),
    # so this estimate is optimistic; nest the search in an outer CV for an unbiased one.


if __name__ == "__main__":
    main()
