"""Regression with a mean-absolute-error loss and R² monitored per epoch.

Reproduces the regression cases of two seed tutorials:

* seed 000 ("Deep Learning with Python: Neural Networks"): "in a regression
  problem I usually set MAE as the loss and R-squared as the metric", i.e.
  ``compile(optimizer="adam", loss="mean_absolute_error", metrics=[R2])`` -
  here ``loss="mean_absolute_error", metrics=["mae", "r2"]``, no hand-written
  R² needed; and its SHAP waterfall plot for a regression prediction;
* seed 001 ("Deep Learning Quick Reference", chapter 2): a one-hidden-layer MLP
  (32 ReLU units) against a deeper network (32-32-32-32-16), Adam, MAE loss,
  batch size 32, inputs standardized with a StandardScaler, and the MAE reported
  on the training, validation and test sets.

Data: the seed used the UCI wine-quality set, which cannot be downloaded here;
scikit-learn's bundled diabetes set (10 features, a continuous disease
progression score) stands in for it. A plain linear regression is printed as
a baseline: on small tabular data it is hard to beat, and worth knowing.

Note: skdeep's KerasRegressor standardizes ``y`` before training (its
``target_encoder_``: mean and standard deviation of ``y``), so the network
learns in standardized units; ``predict`` maps the outputs back, and the
metrics in ``history_`` (MAE here) are in the target's own units, while
``loss`` is in standardized units (docs/estimators.md, "Regression").

Writes training curves and (with ``shap``) a waterfall plot to
``$SKDEEP_EXAMPLE_OUTPUT/03_regression_mae_r2`` or a temporary directory.
Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of epochs.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.metrics import mean_absolute_error, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import KerasRegressor  # noqa: E402

NAME = "03_regression_mae_r2"


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
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    # 80% train / 10% validation / 10% test, as in the seed.
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.1, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=1 / 9, random_state=0)
    out = output_dir()
    epochs = n_epochs(200)

    common = dict(loss="mean_absolute_error", metrics=["mae", "r2"], optimizer="adam",
                  batch_size=32, epochs=epochs, random_state=0)
    models = {
        "MLP (32)": KerasRegressor(hidden_layer_sizes=(32,), **common),
        "deep (32-32-32-32-16)": KerasRegressor(hidden_layer_sizes=(32, 32, 32, 32, 16), **common),
    }
    fitted = {}
    print(f"{'model':24s} {'train MAE':>10s} {'val MAE':>8s} {'test MAE':>9s} {'test R2':>8s}")
    for name, reg in models.items():
        pipe = make_pipeline(StandardScaler(), reg).fit(X_train, y_train)
        fitted[name] = pipe
        scores = [mean_absolute_error(yy, pipe.predict(XX))
                  for XX, yy in ((X_train, y_train), (X_val, y_val), (X_test, y_test))]
        print(f"{name:24s} {scores[0]:10.2f} {scores[1]:8.2f} {scores[2]:9.2f} "
              f"{r2_score(y_test, pipe.predict(X_test)):8.3f}")
    baseline = make_pipeline(StandardScaler(), LinearRegression()).fit(X_train, y_train)
    print(f"{'linear regression':24s} {mean_absolute_error(y_train, baseline.predict(X_train)):10.2f} "
          f"{mean_absolute_error(y_val, baseline.predict(X_val)):8.2f} "
          f"{mean_absolute_error(y_test, baseline.predict(X_test)):9.2f} "
          f"{r2_score(y_test, baseline.predict(X_test)):8.3f}")

    mlp = fitted["MLP (32)"][-1]
    print(f"\nper-epoch entries recorded in history_: {sorted(mlp.history_)}")
    print(f"MLP: loss (MAE) first/last epoch {mlp.history_['loss'][0]:.2f} / "
          f"{mlp.history_['loss'][-1]:.2f}; R2 last epoch {mlp.history_['r2'][-1]:.3f}")

    try:
        import matplotlib
        import matplotlib.pyplot as plt

        from skdeep.plot import plot_history
    except ImportError:
        print("(matplotlib not installed: no plots)")
        return
    path = os.path.join(out, "mlp_training_curves.png")
    plot_history(mlp, metrics=["loss", "r2"]).savefig(path, dpi=100, bbox_inches="tight")
    print(f"saved {path}")

    try:
        from skdeep.explain import Explainer
    except ImportError:
        print("(shap not installed: no explanation)")
    else:
        # Why did the MLP predict this value for the first test row?
        explainer = Explainer(fitted["MLP (32)"], X_train)
        explanation = explainer.explain(X_test.iloc[:5])
        row = 0
        print(f"\nSHAP ({explainer.method_}) for test row {row}: base value "
              f"{explanation.base_values[row]:.1f} + contributions "
              f"{explanation.values[row].sum():+.1f} = prediction "
              f"{fitted['MLP (32)'].predict(X_test.iloc[[row]])[0]:.1f}")
        path = os.path.join(out, "shap_waterfall.png")
        explainer.plot_waterfall(explanation, row=row, top_k=10).savefig(
            path, dpi=100, bbox_inches="tight")
        print(f"saved {path}")

    if matplotlib.get_backend().lower() == "agg":
        plt.close("all")
    else:
        plt.show()


if __name__ == "__main__":
    main()
