"""skdeep: scikit-learn estimators backed by configurable Keras 3 deep networks."""

from ._classifier import KerasClassifier
from ._regressor import KerasRegressor

__version__ = "0.1.0"
__all__ = ["KerasClassifier", "KerasRegressor", "__version__"]
