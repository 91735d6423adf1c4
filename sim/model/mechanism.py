"""The mechanism interface: a switchable, separately testable piece of the model.

The model builds one object per mechanism whose config says ``enabled: true`` and steps them in a fixed
order after combat, supply and cohesion (docs/ODD.md, section 3). A scenario is therefore a config that
switches mechanisms on and sets their parameters; no scenario is an ``if`` in code. A mechanism
switched off is never built, so its outcomes stay NaN/False.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.model import ConflictModel

__all__ = ["Mechanism"]


class Mechanism:
    """Base class: state of one mechanism, its daily step, series and outcomes."""

    #: names of the per-day series this mechanism records (each an array in ``model.series``)
    series_names: tuple[str, ...] = ()

    def __init__(self, model: ConflictModel) -> None:
        """Attach to the model (the model owns the RNG: draw only from ``model.rng``)."""
        self.model = model

    def step(self) -> None:
        """Advance the mechanism by one day (called after combat, supply and cohesion)."""

    def record(self, day: int) -> None:
        """Write this day's values of ``series_names`` into ``model.series``."""

    def outcomes(self) -> dict[str, Any]:
        """Per-run outcomes this mechanism sets (contract names)."""
        return {}
