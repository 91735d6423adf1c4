"""The patrons' bargaining game: the value of escalating, the reservation share and the division.

Two patrons back opposite sides and bargain over a line of control (the share of the contested ground
each client keeps, value 1 in all). A patron compares fighting on with a deal (Fearon 1995, "Rationalist
explanations for war", International Organization 49: 379-414):

* **Fighting on** at escalation e (0, 0.5 or 1) is worth

      V(e) = p(e) (1 + S) - S - T [e (support_cost + F) + h e e_other c K]

  where p(e) is the patron's believed chance that its client takes the line, S its stake (its position in
  the country, lost if its client is defeated: bases, contracts, influence; Salehyan 2010), T the period
  it weighs (``period_days``), F its believed daily cost of losses at full escalation, h the daily chance
  of a direct clash with both at full escalation, c = 1 while the clients' forces are in contact (else 0)
  and K its own cost of a clash (private, drawn once per run).
* p(e) is the ratio-form contest success function (Hirshleifer 1989) of the patron's believed balance:
  the clients' power ratio as it reads it (its private misreading, shrinking with every battle: battles
  reveal the balance, Slantchev 2003), shifted by ``leverage`` x (e - e_other) (support moves the balance)
  and, when its client is advancing, by the advance it expects to continue (``trend_weight``).
* Its **reservation** m is max over e of V(e): the smallest share of the line it accepts rather than fight.
  A **deal** exists when m_1 + m_2 <= 1 (a bargaining range); the division splits the surplus equally
  (Nash 1950). It fails through information (mutual optimism: both misread the balance in their favour)
  or commitment (a client advancing fast: its patron counts the ground it expects to gain, the other only
  the present: Powell 2006, "War as a commitment problem", International Organization 60: 169-203).

Pure functions and a patron's beliefs: no model, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.model.decide import NormalBelief

__all__ = [
    "LEVELS",
    "PatronBeliefs",
    "View",
    "best_escalation",
    "chance_of",
    "division",
    "total_power",
    "war_value",
]

#: The escalation levels a patron chooses among: restraint, the current commitment, full escalation.
LEVELS = (0.0, 0.5, 1.0)
_LEVEL_INDEX = {e: i for i, e in enumerate(LEVELS)}  # LEVELS.index, as a lookup (runs daily)


@dataclass(slots=True)
class View:
    """What a patron sees and believes on a day (all values in units of the line's value)."""

    log_balance: float  # believed log power ratio of its client over the other's client
    other_escalation: float  # the other patron's escalation, seen
    stake: float  # S: its position, lost if its client is defeated
    contact: bool  # the clients' forces are in contact somewhere
    fight_cost: float  # F: believed daily cost of losses at full escalation
    clash_cost: float  # K: its own cost of a direct clash (private)


class PatronBeliefs:
    """A patron's private misreading of the balance and its belief of the daily cost of fighting.

    The misreading (log power ratio, drawn by the caller once per run) and the cost belief (at full
    escalation, in units of the line) are normal beliefs; a battle is an observation of the true balance
    (noise ``battle_noise``: battles reveal the balance, Slantchev 2003) and of the day's cost (its
    client's losses x ``casualty_cost`` per 1,000 + aircraft lost x ``aircraft_cost``). ``p``: a Config
    with those fields, ``optimism_sd`` and ``fight_cost_prior``.
    """

    __slots__ = ("fight_cost", "misreading")

    def __init__(self, misreading: float, p) -> None:
        """Start from a drawn misreading (its uncertainty ``optimism_sd``) and the prior cost belief."""
        self.misreading = NormalBelief(misreading, p.optimism_sd**2)
        self.fight_cost = NormalBelief(p.fight_cost_prior, p.fight_cost_prior**2 + 1e-12)

    def battle(self, own_losses: float, aircraft_lost: float, p) -> None:
        """Learn from a battle: the balance, and the day's cost of fighting."""
        self.misreading.observe(0.0, p.battle_noise**2)
        self.cost_seen(own_losses / 1000 * p.casualty_cost + aircraft_lost * p.aircraft_cost, p)

    def cost_seen(self, cost: float, p) -> None:
        """Move the cost belief toward a cost seen (a battle's, or a clash at the patron's own cost)."""
        self.fight_cost.observe(cost, p.fight_cost_prior**2 + 1e-12)

    @property
    def cost(self) -> float:
        """Believed daily cost of fighting at full escalation, never below 0."""
        cost = self.fight_cost.mean
        return cost if cost > 0.0 else 0.0  # max(0, .) without the call (runs daily)


def total_power(units) -> float:
    """A client's power: the sum of its units' ``Unit.power``, added in order (written out: runs daily)."""
    total = 0.0
    for u in units:
        total += u.strength * u.quality * u.supply * (0.5 + 0.5 * u.morale)
    return total


def chance_of(log_ratio: float, steepness: float) -> float:
    """:func:`sim.model.decide.win_chance` of the power ratio e^log_ratio, from its log (runs daily)."""
    x = steepness * log_ratio
    x = x if x > -700.0 else -700.0  # min(700, max(-700, x)) without the calls (NaN -> -700 as there)
    x = x if x < 700.0 else 700.0
    return 1.0 / (1.0 + math.exp(-x))


def war_value(view: View, e: float, p) -> float:
    """V(e): the expected value of fighting on for a period at escalation ``e`` (``p``: the Config)."""
    return _war_values(view, p, (e,))[0]


def _war_values(view: View, p, levels: Sequence[float] = LEVELS) -> list[float]:
    """V(e) at each escalation of ``levels`` (the one formula: :func:`war_value` calls it).

    chance = :func:`chance_of` (balance + leverage (e - e_other)), written out with the view and the
    Config read once: it runs several times a day for every patron.
    """
    balance, other, stake, exp = view.log_balance, view.other_escalation, view.stake, math.exp
    leverage, steepness, period = p.leverage, p.steepness, p.period_days
    running, won = p.support_cost + view.fight_cost, 1 + stake
    contact, clash_cost = view.contact, view.clash_cost
    hazard_rate = p.clash_hazard if contact else 0.0  # a support Config has no clash terms
    out = []
    for e in levels:
        x = steepness * (balance + leverage * (e - other))
        x = x if x > -700.0 else -700.0  # as chance_of
        x = x if x < 700.0 else 700.0
        hazard = hazard_rate * e * other if contact else 0.0
        out.append(1.0 / (1.0 + exp(-x)) * won - stake - period * (e * running + hazard * clash_cost))
    return out


def best_escalation(view: View, p, current: float | None = None) -> tuple[float, float]:
    """The escalation of highest value (the lowest among equals) and that value (the reservation m).

    A patron keeps its ``current`` choice unless another is worth more than ``p.switch_cost`` more:
    changing posture (redeploying, explaining it at home) has a cost, which also stops two patrons from
    chasing each other's moves round in a cycle when nothing in the war changes.
    """
    values = _war_values(view, p)  # runs daily: a list, not choose()'s dict
    v0, v1, v2 = values
    if math.isnan(v0 + v1 + v2):  # as choose(): a value not computed must not silently decide
        raise ValueError(f"best_escalation: NaN value among {values} ({view})")
    best = 0  # the first (lowest) of equals, as max() keeps it
    if v1 > v0:
        best = 1
    if v2 > values[best]:
        best = 2
    kept = _LEVEL_INDEX.get(current)
    if kept is not None and values[kept] >= values[best] - p.switch_cost:
        best = kept
    return LEVELS[best], values[best]


def division(m1: float, m2: float) -> tuple[float, float] | None:
    """Shares of the line (x1, x2) if the reservations leave a bargaining range (m1 + m2 <= 1), else None.

    Each gets its reservation plus half the surplus 1 - m1 - m2 (the Nash bargaining solution with equal
    weights).
    """
    surplus = 1.0 - m1 - m2
    if surplus < 0:
        return None
    return m1 + surplus / 2, m2 + surplus / 2
