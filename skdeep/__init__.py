"""skdeep: scikit-learn estimators backed by configurable Keras 3 deep networks.

The estimators are imported on first use, so ``import skdeep`` (and the
``skdeep --help`` command line) does not start Keras or its backend.
"""

from __future__ import annotations

import importlib

from ._config import config_context, get_config, set_config

__version__ = "0.1.0"
__all__ = [
    "InconsistentVersionWarning", "KerasClassifier", "KerasRegressor", "LoadError", "clear_cache", "config_context",
    "get_config", "load", "save", "set_config", "__version__",
]

_LAZY = {
    "KerasClassifier": "._classifier", "KerasRegressor": "._regressor",
    "clear_cache": "._engine._cache", "save": "._persistence", "load": "._persistence",
    "InconsistentVersionWarning": "._model_state", "LoadError": "._persistence",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'skdeep' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
