"""A patron's choice of how much to back its client (docs/ODD.md 4.1, patrons' support).

Every patron with something in the theatre (aircraft, or fighters it sends) chooses each day its
escalation e among restraint, its current commitment and full escalation (0, 0.5, 1); its sorties and the
reinforcements it sends are multiplied by 0.5 + e (1 at the day-0 commitment). It values fighting on for
``period_days`` at escalation e as

    V(e) = p(e) (1 + S) - S - T e (support_cost + F)

(:func:`sim.model.patron_game.war_value` without the clash term, which only two patrons in a bargaining
game face), where p(e) is its believed chance that its client prevails: Hirshleifer's contest success
function of the clients' power ratio as it reads it (its private misreading, drawn once per run, which
battles shrink: Slantchev 2003), shifted by ``leverage`` x (e - the opposing patrons' mean escalation);
S is its stake in the country (theatre data, lost if its client is defeated: Salehyan 2010), F its
believed daily cost of losses at full escalation (aircraft it lost, its client's losses: it moves with
each battle). Support pays where it changes the outcome: a patron escalates for a client in a close fight
and holds back for one that wins anyway or is lost anyway (Regan 2002, "Third-party interventions and the
duration of intrastate conflicts", Journal of Conflict Resolution 46: 55-73).

The choice keeps the current posture unless another is worth ``switch_cost`` more, and the escalation
moves toward it by at most ``escalation_rate`` up or ``deescalation_rate`` down a day (deployments take
time). Patrons in a bargaining game (:mod:`sim.model.mechanisms.bargaining`) choose there instead. The
rule reads the state and the patron's beliefs, never the day number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.decide import clamp
from sim.model.patron_game import PatronBeliefs, View, best_escalation, total_power

if TYPE_CHECKING:
    from sim.model.agents import PatronAgent

__all__ = ["SupportDecision", "powers"]


def powers(model) -> dict[str, float]:
    """Each faction's power today (sum of its units' :attr:`Unit.power`), computed once a day."""
    cached = getattr(model, "_powers_today", None)
    if cached is not None and cached[0] == model.steps:
        return cached[1]
    out = {fid: total_power(units) for fid, units in model.units_of.items()}
    model._powers_today = (model.steps, out)
    return out


class SupportDecision:
    """One patron's beliefs and its daily choice of escalation (``mechanisms.patron_support``)."""

    def __init__(self, patron: PatronAgent) -> None:
        """Draw the patron's private misreading of the balance (once per run) and set its priors."""
        self.patron = patron
        model = patron.model
        p = model.params.patron_support
        self.params = p
        self.stake = patron.spec.stake * p.stake_scale
        self.beliefs = PatronBeliefs(p.optimism_sd * float(model.rng.standard_normal()), p)
        self.choice = model.escalation[patron.key]
        self.rivals = [q for q in model.patrons.values() if q.client != patron.client]
        # cumulative losses of the client and aircraft lost, to take daily differences
        self._seen = (model.losses_cum[patron.client], patron.aircraft_lost)
        self._view = View(0.0, 0.5, self.stake, False, 0.0, 0.0)  # refilled daily (it runs every day)

    def observe(self) -> None:
        """A day with an assault (a battle) reveals the balance and the cost of fighting; a quiet day nothing.

        Losses are tallied from the patron's last decision (the day before): yesterday's fighting.
        """
        p, pa = self.params, self.patron
        lost, aircraft_lost = pa.model.losses_cum[pa.client], pa.aircraft_lost
        own, aircraft = lost - self._seen[0], aircraft_lost - self._seen[1]
        self._seen = (lost, aircraft_lost)
        if pa.model.assaulted_places:
            self.beliefs.battle(own, aircraft, p)

    def view(self) -> View:
        """What the patron sees and believes today."""
        m, client = self.patron.model, self.patron.client
        own, enemy = 0.0, 0.0
        for f, power in powers(m).items():
            if f == client:
                own = power
            else:
                enemy += power
        n, total = 0, 0.0
        for q in self.rivals:
            if q.committed:
                n, total = n + 1, total + m.escalation[q.key]
        own = 1e-9 if 1e-9 > own else own  # max(own, 1e-9) without the call (runs daily; NaN kept)
        enemy = 1e-9 if 1e-9 > enemy else enemy
        v = self._view
        v.log_balance = math.log(own / enemy) + self.beliefs.misreading.mean
        v.other_escalation = total / n if n else 0.5
        v.fight_cost = self.beliefs.cost
        return v

    def step(self) -> None:
        """Learn from the day's battle, choose, and move the escalation toward the choice."""
        p, m, key = self.params, self.patron.model, self.patron.key
        self.observe()
        self.choice, _ = best_escalation(self.view(), p, self.choice)
        e = m.escalation[key]
        m.escalation[key] = clamp(e + clamp(self.choice - e, -p.deescalation_rate, p.escalation_rate))
        m.support[key] = 0.5 + m.escalation[key]
