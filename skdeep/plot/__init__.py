"""Plots for skdeep: training curves, network diagrams and model comparisons.

matplotlib is an optional dependency (``pip install 'skdeep[plot]'``); it is
imported only when a plotting function is called.

Functions
---------
plot_history
    Train vs. validation curves from an estimator's ``history_``.
plot_network
    Circles-and-lines drawing of a dense network.
plot_comparison
    Scores with error bars from :func:`skdeep.compare.compare`.
"""

from ._comparison import plot_comparison
from ._history import plot_history
from ._network import plot_network

__all__ = ["plot_comparison", "plot_history", "plot_network"]
