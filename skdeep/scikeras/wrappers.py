"""``from skdeep.scikeras.wrappers import KerasClassifier`` replaces ``from scikeras.wrappers import ...``."""

from ._estimators import KerasClassifier, KerasRegressor
from ._wrapper import BaseWrapper

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]
