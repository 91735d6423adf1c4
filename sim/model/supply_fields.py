"""Supply-distance fields shared by the runs of one theatre in a process (a cache of Dijkstra results)."""

from __future__ import annotations

import weakref

import numpy as np

from sim.theatre import Theatre

__all__ = ["SUPPLY_FIELDS", "SupplyFields"]


class SupplyFields:
    """Supply-distance fields shared by the runs of one theatre (each a Dijkstra over the road network).

    A field is a function of the theatre, the faction and who holds each place only, and an ensemble's runs
    revisit the same few control states (10 distinct ones in 40 runs of ``combined``, computed 208 times).
    Only the latest theatre's fields are kept, at most ``limit`` of them; they are read-only.
    """

    limit = 4096

    def __init__(self) -> None:
        self._theatre: weakref.ref | None = None
        self._fields: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def of(self, theatre: Theatre) -> dict[tuple[str, tuple[str, ...]], np.ndarray]:
        """The fields of ``theatre`` by (faction, holder of each place)."""
        if self._theatre is None or self._theatre() is not theatre or len(self._fields) >= self.limit:
            self._theatre, self._fields = weakref.ref(theatre), {}
        return self._fields


SUPPLY_FIELDS = SupplyFields()  # the one cache of a process
