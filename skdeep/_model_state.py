"""A fitted network's state, in one place: what a fit changes, what a pickle adds, the version stamp.

A leaf module (it imports nothing of skdeep's but the version, lazily), read by
the estimator's pickling (``_base``), the safe format (``_persistence``), the
all-or-nothing fit (``_transaction``), the divergence guard (``_engine/_guard``) and
the engine's trainers (``_engine/_trainer``):

* :func:`state_variables`: every variable a fit changes, in one fixed order
  (weights, then non-trainable state such as batch-norm statistics and dropout
  seeds, then the optimizer's slots);
* :func:`non_trainable_values` / :func:`assign_values`: the non-trainable state
  Keras's own pickle and ``.keras`` files leave out (the dropout RNG's state),
  so that training resumes after loading exactly as it would have;
* :func:`stamp` / :func:`check_stamp`: the skdeep version that wrote a state,
  and :class:`InconsistentVersionWarning` when another one reads it.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning

VERSION_KEY = "_skdeep_version"


class InconsistentVersionWarning(_SklearnVersionWarning):
    """An estimator saved by another version of skdeep was loaded.

    A subclass of scikit-learn's warning, so filters and ``pytest.warns`` for one
    catch both.
    """

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved with skdeep {self.original_sklearn_version} "
            f"into skdeep {self.current_sklearn_version}. This might lead to breaking code or "
            "invalid results; refit it with this version to be sure."
        )


def version() -> str:
    """The running skdeep's version."""
    from . import __version__  # the package's __init__ imports no module of skdeep's eagerly

    return __version__


def warn_if_other_version(saved: str, what: str, stacklevel: int = 2) -> None:
    """Warn (:class:`InconsistentVersionWarning`) when ``saved`` is not the running version.

    ``stacklevel`` as the caller would give ``warnings.warn``.
    """
    if saved != version():
        warnings.warn(InconsistentVersionWarning(
            estimator_name=what, current_sklearn_version=version(), original_sklearn_version=saved),
            stacklevel=stacklevel + 1)


def stamp(state: dict) -> dict:
    """``__getstate__``'s dict, stamped with the skdeep version that wrote it."""
    return {**state, VERSION_KEY: version()}


def check_stamp(estimator_name: str, state: dict) -> dict:
    """Remove the stamp from an unpickled state; warn when another version wrote it."""
    state = dict(state)
    warn_if_other_version(state.pop(VERSION_KEY, "unknown (before 0.1.0)"), estimator_name, stacklevel=3)
    return state


def state_variables(model, optimizer=None) -> list:
    """Everything a fit changes, in one fixed order: weights, non-trainable state, optimizer slots.

    ``optimizer`` defaults to the model's own (none if it is not compiled).
    """
    optimizer = getattr(model, "optimizer", None) if optimizer is None else optimizer
    return [*model.trainable_variables, *model.non_trainable_variables,
            *(optimizer.variables if optimizer is not None else [])]


def non_trainable_values(model) -> list[np.ndarray]:
    """Copies of every non-trainable variable (batch-norm statistics, the dropout RNG's state)."""
    return [np.array(v.numpy()) for v in model.non_trainable_variables]


def assign_values(variables, values) -> None:
    """Assign saved ``values`` to ``variables``, one for one."""
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)
