"""Epstein's (2002) civil-violence parameters: the one place their published values live.

Light (no Mesa, no numba): the unrest mechanism's schema takes its defaults from :data:`EPSTEIN`, and the
engine (:mod:`sim.model.epstein`) takes the rest (``k``, ``threshold``) from the same class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["EPSTEIN", "EpsteinParams"]


@dataclass(frozen=True)
class EpsteinParams:
    """Parameters of one grid; defaults are Epstein's Run 2 / NetLogo's defaults except cop density.

    Attributes:
        width: torus width in sites.
        height: torus height in sites.
        citizen_density: initial share of sites holding citizens.
        cop_density: initial share of sites holding cops (Run 2: 0.04; Runs 3-5 and Mesa: 0.074).
        citizen_vision: citizens' vision radius v (sites, Euclidean).
        cop_vision: cops' vision radius v*.
        legitimacy: initial regime legitimacy L.
        k: arrest-probability constant (ln 10 ~ 2.3: P = 0.9 with one cop and one active).
        threshold: activation threshold T.
        max_jail_term: J_max; jail terms are uniform on 0 ... J_max - 1 (use a large value for "infinite").
        movement: whether citizens move (cops always move, as in NetLogo).
    """

    width: int = 40
    height: int = 40
    citizen_density: float = 0.7
    cop_density: float = 0.074
    citizen_vision: float = 7.0
    cop_vision: float = 7.0
    legitimacy: float = 0.82
    k: float = 2.3
    threshold: float = 0.1
    max_jail_term: int = 30
    movement: bool = True

    def __post_init__(self) -> None:
        """Check every field; raise ``ValueError`` naming the first bad one."""

        def bad(name: str, allowed: str) -> ValueError:
            return ValueError(f"{name}: got {getattr(self, name)!r}; allowed: {allowed}")

        for name in ("width", "height", "max_jail_term"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise bad(name, "an integer >= 1")
        for name in ("citizen_density", "cop_density", "legitimacy"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise bad(name, "[0, 1]")
        for name in ("citizen_vision", "cop_vision"):
            if not 0.0 < getattr(self, name) < math.inf:
                raise bad(name, "a finite number > 0")
        if not 0.0 <= self.k < math.inf:
            raise bad("k", "a finite number >= 0")
        if not -math.inf < self.threshold < math.inf:
            raise bad("threshold", "a finite number")
        if self.citizen_density + self.cop_density > 1.0 + 1e-12:
            raise bad("cop_density", f"<= 1 - citizen_density = {1.0 - self.citizen_density}")
        if not isinstance(self.movement, bool | np.bool_):
            raise bad("movement", "True or False")


#: Epstein's published values (Run 2 / NetLogo defaults; cop density of Runs 3-5 and Mesa's example).
EPSTEIN = EpsteinParams()
