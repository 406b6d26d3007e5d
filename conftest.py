"""Doctest collection of ``skdeep/``: skip engine modules whose backend is not installed.

Each engine module imports its framework at the top (it is only imported on that backend),
so collecting its doctests without the framework would be an import error, not a test.
"""

import importlib.util

_ENGINES = {"torch": "skdeep/_engine/_torch*.py", "jax": "skdeep/_engine/_jax.py"}

collect_ignore_glob = [path for module, path in _ENGINES.items() if importlib.util.find_spec(module) is None]
