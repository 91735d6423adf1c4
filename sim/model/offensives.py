"""A faction's choice of an offensive for its free reserves (docs/ODD.md 4.1, 7.2).

Expected value of sending the reserves against a place, in units of the place's value: the chance they
add, c' - c, less the cost of failing, (1 - c') x ``failure_cost``. c and c' are the believed chances
(:func:`sim.model.decide.win_chance`, Hirshleifer's ratio form) that the axis's attack units take the place
without and with the reserves, from the ratio of their power to the enemy power standing within
``defence_radius_km`` of it times the defender bonus, read through the faction's optimism (x e^optimism)
and divided by its deterrence there. Only a positive value is worth it. The choice reads the state and the
faction's beliefs, never the day number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.decide import win_chance

if TYPE_CHECKING:
    from sim.model.agents import FactionAgent, Unit

__all__ = ["choose", "is_free"]


def is_free(faction: FactionAgent, u: Unit) -> bool:
    """A reserve may leave unless it is the last defence of a supply base it stands on."""
    if u.dest >= 0 or u.node not in faction.supply_bases:
        return True
    return any(v.role == "defend" and v.node == u.node and not v.broken for v in faction.units())


def choose(faction: FactionAgent) -> int:
    """The objective of the faction's free reserves: the best next enemy-held place of an axis, or -1."""
    model = faction.model
    p = model.params.offensives
    if not p.enabled:
        return -1
    units = [u for u in faction.units() if not u.broken]
    reserve = sum(u.power for u in units if u.role == "reserve" and is_free(faction, u))
    if reserve <= 0:
        return -1
    best, best_value = -1, 0.0
    for axis, places in faction.axes.items():
        target = next((q for q in places if model.control[q] != faction.key), -1)
        if target < 0:
            continue
        already = sum(u.power for u in units if u.role == "attack" and u.axis == axis)
        defence = model.enemy_power_near(target, faction.key, p.defence_radius_km)
        defence *= model.params.combat.defender_bonus
        seen = math.exp(faction.optimism.mean) / faction.deterrence(target)
        before, after = (_chance(f, defence, seen, p.steepness) for f in (already, already + reserve))
        value = after - before - (1 - after) * p.failure_cost
        if value > best_value:
            best, best_value = target, value
    return best


def _chance(force: float, defence: float, seen: float, steepness: float) -> float:
    """Believed chance that ``force`` takes a place held by ``defence`` (``seen``: the faction's reading)."""
    if force <= 0:
        return 0.0
    ratio = force / defence * seen if defence > 0 else math.inf
    return win_chance(ratio, steepness)
