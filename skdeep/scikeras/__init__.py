"""scikeras 0.13's public API on skdeep: change ``scikeras`` to ``skdeep.scikeras`` in your imports.

``skdeep.scikeras.wrappers`` holds ``KerasClassifier``, ``KerasRegressor`` and
``BaseWrapper``; ``skdeep.scikeras.utils`` holds ``loss_name`` and ``metric_name``;
``skdeep.scikeras.utils.transformers`` holds the target encoders. Parameter
names, defaults, routing, ``meta`` and fitted attributes are scikeras's; training
runs on skdeep's engine. Differences are listed in ``docs/scikeras.md``.
"""

__version__ = "0.13.0"  # the scikeras API version mirrored
