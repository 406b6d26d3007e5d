"""All-or-nothing fits: a fit that raises or is interrupted changes nothing.

``fit`` builds a new network and optimizer before it replaces the fitted ones,
but sklearn's ``validate_data(reset=True)`` sets ``n_features_in_`` and
``feature_names_in_`` on the estimator at once, and training a warm-started
network updates its weights in place. :func:`all_or_nothing` snapshots what a
fit may change and puts it back when the fit ends in an exception, including
``KeyboardInterrupt``:

- a first fit that fails leaves the estimator unfitted (``NotFittedError``);
- a refit that fails keeps the fitted network, ``history_``, ``n_iter_`` and
  input metadata (the old network still takes the old columns);
- an interrupted ``warm_start`` fit or ``partial_fit`` call is undone whole:
  weights, optimizer state and ``history_`` are those of the last call that
  completed, so they always match each other. To keep progress within an
  interrupted call, save it with a callback (e.g. ``keras.callbacks.ModelCheckpoint``).
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from ._model_state import assign_values, state_variables


def _fitted_attributes(est) -> dict:
    """The attributes fit sets (``name_``), with copies of what fit extends in place."""
    attrs = {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("__")}
    if isinstance(attrs.get("history_"), dict):
        attrs["history_"] = {k: list(v) for k, v in attrs["history_"].items()}
    return attrs


def all_or_nothing(fit):
    """Decorate ``_fit(self, ..., reset=...)``: on any exception, restore the estimator.

    With ``reset=False`` (warm start, ``partial_fit``) the fitted network is
    trained in place, so its weights and optimizer state are copied first: one
    copy of the weights per call, small next to an epoch.
    """

    @functools.wraps(fit)
    def wrapper(est, *args, reset: bool, **kwargs):
        attrs = _fitted_attributes(est)
        model = None if reset else attrs.get("model_")
        values = None
        if model is not None:
            values = [np.array(keras.ops.convert_to_numpy(v.value)) for v in state_variables(model)]
        try:
            return fit(est, *args, reset=reset, **kwargs)
        except BaseException:
            for name in [k for k in _fitted_attributes(est) if k not in attrs]:
                delattr(est, name)
            for name, value in attrs.items():
                setattr(est, name, value)
            if model is not None:
                assign_values(state_variables(model), values)
            raise

    return wrapper
