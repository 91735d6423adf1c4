"""Scenario forecasting and simulation toolkit.

Layers (data flows one way): theatre data -> :class:`sim.model.ConflictModel` (Mesa) -> Monte Carlo
runner (:mod:`sim.runner`) -> results folder (:mod:`sim.results`) -> summaries and figures.
``import sim`` stays light: it imports neither matplotlib nor the model.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
