"""A deep classifier with dropout, its training curves, and SHAP explanations.

Reproduces the "Deep Neural Networks", "Train & Test" and "Explainability"
parts of seed tutorial 000: two hidden Dense layers of ``(n_features + 1) / 2``
and ``(n_features + 1) / 4`` ReLU units, each followed by 20% dropout, a sigmoid
output, binary cross-entropy with accuracy and F1 monitored per epoch, 30% of
the training data held out for validation, then a SHAP decision plot that
answers "why did the model say 1 rather than 0 for this row?".

Data: the seed trained on random numbers; here the bundled breast-cancer set
(30 features, binary target) stands in, so the explanations mean something.
The network sits in a Pipeline after a StandardScaler; ``skdeep.explain``
explains the whole pipeline in the original feature units.

Writes the training curves, a network diagram and two SHAP plots (PNG) to
``$SKDEEP_EXAMPLE_OUTPUT/02_deep_classifier_shap`` or a temporary directory.
Set ``SKDEEP_EXAMPLE_EPOCHS`` to change the number of epochs. Needs ``shap``
and ``matplotlib``.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import KerasClassifier  # noqa: E402
from skdeep.explain import Explainer  # noqa: E402
from skdeep.plot import plot_history, plot_network  # noqa: E402

NAME = "02_deep_classifier_shap"


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


def save(fig, path):
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"saved {path}")


def main():
    data = load_breast_cancer(as_frame=True)
    X, y = data.data, data.target  # a DataFrame keeps the feature names
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    out = output_dir()

    # The seed's rule of thumb: hidden units between the input and output sizes.
    n_features = X.shape[1]
    h1, h2 = round((n_features + 1) / 2), round((n_features + 1) / 4)
    clf = KerasClassifier(
        hidden_layer_sizes=(h1, h2),
        activation="relu",
        dropout=0.2,                   # Dropout(0.2) after each hidden layer
        metrics=["accuracy", "f1"],    # F1 is built in; no hand-written metric needed
        batch_size=32,
        epochs=n_epochs(100),
        validation_split=0.3,          # as model.fit(..., validation_split=0.3)
        random_state=0,
    )
    model = make_pipeline(StandardScaler(), clf).fit(X_train, y_train)

    net = model[-1].model_
    print(f"DeepNN: hidden layers {(h1, h2)}, dropout 0.2, "
          f"{net.count_params()} trainable parameters")
    print("layers:", [layer.name for layer in net.layers])
    last = {k: round(v[-1], 4) for k, v in clf.history_.items()}
    print(f"last epoch ({clf.n_iter_} epochs):", last)
    print(f"test accuracy: {model.score(X_test, y_test):.3f}")

    save(plot_history(model), os.path.join(out, "training_curves.png"))
    save(plot_network(model), os.path.join(out, "network.png"))

    # SHAP: the background rows define the "average" prediction each row is compared to.
    explainer = Explainer(model, X_train, output="log_odds", max_background=100)
    explanation = explainer.explain(X_test.iloc[:20])
    print(f"\nSHAP method: {explainer.method_}, output: {explainer.output_}, "
          f"values shape {explanation.values.shape} (rows, features, classes)")

    # Explain the test row the network is least sure about (the seed explains one row).
    proba = model.predict_proba(X_test.iloc[:20])[:, 1]
    i = int(np.argmin(np.abs(proba - 0.5)))
    contrib = pd.Series(explanation.values[i, :, 1], index=explainer.feature_names_)
    top = contrib.reindex(contrib.abs().sort_values(ascending=False).index)[:10]
    print(f"row {i}: P(class 1 = {data.target_names[1]}) = {proba[i]:.3f}")
    print("top 10 features pushing the log-odds of class 1:")
    print(top.round(3).to_string())
    # Values + base value reproduce the model's log-odds for that row
    # (skdeep.explain clips probabilities to [1e-7, 1 - 1e-7] before the log).
    p = np.clip(proba[i], 1e-7, 1 - 1e-7)
    print(f"base value {explanation.base_values[i, 1]:+.3f} + sum of SHAP {contrib.sum():+.3f} "
          f"= {explanation.base_values[i, 1] + contrib.sum():+.3f}; "
          f"model log-odds = {np.log(p / (1 - p)):+.3f}")

    # For a log-odds explanation the decision plot uses link="logit": a probability
    # axis, as in the seed's shap.decision_plot(..., link="logit").
    save(explainer.plot_decision(explanation, class_index=1, top_k=10),
         os.path.join(out, "shap_decision.png"))
    save(explainer.plot_bar(explanation, class_index=1, top_k=10),
         os.path.join(out, "shap_importance.png"))

    if matplotlib.get_backend().lower() == "agg":
        plt.close("all")
    else:
        plt.show()


if __name__ == "__main__":
    main()
