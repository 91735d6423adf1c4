"""The Mesa conflict model and its mechanisms."""

from sim.model.model import OUTCOMES, SERIES, ConflictModel, empty_outcomes, release_mesa_caches

__all__ = ["OUTCOMES", "SERIES", "ConflictModel", "empty_outcomes", "release_mesa_caches"]
