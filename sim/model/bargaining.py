"""Patron bargaining: Turkey and Russia weigh escalation against a deal.

Seed: "Analysts expect that Turkey and Russia will avoid direct confrontation in Libya, and thus may
reach a new agreement between them."

Each of the two patrons carries an escalation level e in [0, 1]: it rises by ``escalation_rate`` on a
day its client loses a place or ground over the last week, and falls by ``deescalation_rate``
otherwise. Its air sorties and reinforcements are scaled by (0.5 + e). Daily, in this order:

1. **Clash.** With probability ``clash_hazard`` x e1 x e2 the patrons' forces clash directly (first day
   recorded as ``tr_clash_day``); both escalate to 1. Rare unless both have escalated.
2. **Deal.** Without a deal in force, one is struck with probability logistic(deal_bias +
   w_stalemate x days the front has not moved / 30 + w_cost x costs + w_clash_risk x e1 x e2), costs =
   clients' losses / 1,000 + patrons' aircraft lost / 5 (``tr_deal_day``, the first). A deal freezes the
   front where it stands (the clients' attack units hold), makes assaults need ``restraint`` x the
   usual force ratio, and cuts both patrons' sorties and reinforcements by ``reinforcement_cut``; it
   puts patron pressure 1 on both clients (read by the ceasefire and oil mechanisms).
3. **Breakdown.** A deal in force breaks with probability ``break_hazard`` a day, or at once if either
   client takes a place from the other.
"""

from __future__ import annotations

import math

from sim.model.mechanism import Mechanism
from sim.model.oil import logistic

__all__ = ["PatronBargaining"]


class PatronBargaining(Mechanism):
    """Escalation, deal and clash between two patrons backing opposite sides."""

    def __init__(self, model) -> None:
        """Look up the two patrons and set their initial escalation."""
        super().__init__(model)
        p = self.params = model.params.bargaining
        self.patrons = [model.patrons[k] for k in p.patrons]
        self.series_names = ("tr_deal_in_force", *(f"{k}_escalation" for k in p.patrons))
        self.escalation = {pa.key: float(e) for pa, e in zip(self.patrons, p.initial_escalation, strict=True)}
        self.in_force = False
        self.deal_day = math.nan
        self.clash_day = math.nan
        self.deal_broken_day = math.nan
        self._apply()

    def _client_losing(self, client: str) -> bool:
        m = self.model
        if m.places_lost_today.get(client, 0):
            return True
        h, week = m.series["front_km"], max(0, m.steps - 7)
        gained = float(h[m.steps] - h[week])
        return (
            gained < -self.params.stall_km
            if client == m.theatre.front_faction
            else gained > self.params.stall_km
        )

    def _costs(self) -> float:
        m = self.model
        losses = sum(m.losses_cum[pa.client] for pa in self.patrons)
        return losses / 1000 + sum(pa.aircraft_lost for pa in self.patrons) / 5

    def _apply(self) -> None:
        """Push the current escalation and deal state into the model's support and restraint."""
        m, p = self.model, self.params
        cut = (1 - p.reinforcement_cut) if self.in_force else 1.0
        for pa in self.patrons:
            m.support[pa.key] = (0.5 + self.escalation[pa.key]) * cut
        m.offensives_frozen = self.in_force
        m.assault_ratio_factor = p.restraint if self.in_force else 1.0
        if self.in_force:
            m.pressure_sources["deal"] = p.deal_pressure
        else:
            m.pressure_sources.pop("deal", None)

    def step(self) -> None:
        """Escalation, clash, deal, breakdown."""
        m, p = self.model, self.params
        for pa in self.patrons:
            e = self.escalation[pa.key]
            e = e + p.escalation_rate if self._client_losing(pa.client) else e - p.deescalation_rate
            self.escalation[pa.key] = min(1.0, max(0.0, e))
        e1, e2 = (self.escalation[pa.key] for pa in self.patrons)
        if m.rng.random() < p.clash_hazard * e1 * e2:
            if math.isnan(self.clash_day):
                self.clash_day = float(m.steps)
            for pa in self.patrons:
                self.escalation[pa.key] = 1.0
        if not self.in_force:
            x = p.deal_bias + p.w_stalemate * m.stalled_days(p.stall_km) / 30
            x += p.w_cost * self._costs() + p.w_clash_risk * e1 * e2
            if m.rng.random() < logistic(x):
                self.in_force = True
                if math.isnan(self.deal_day):
                    self.deal_day = float(m.steps)
        else:
            violated = any(m.places_lost_today.get(pa.client, 0) for pa in self.patrons)
            if violated or m.rng.random() < p.break_hazard:
                self.in_force = False
                if math.isnan(self.deal_broken_day):
                    self.deal_broken_day = float(m.steps)
        self._apply()

    def record(self, day: int) -> None:
        """Deal in force and each patron's escalation."""
        s = self.model.series
        s["tr_deal_in_force"][day] = float(self.in_force)
        for pa in self.patrons:
            s[f"{pa.key}_escalation"][day] = self.escalation[pa.key]

    def outcomes(self) -> dict:
        """Contract outcomes of the bargaining."""
        return {
            "tr_deal_day": self.deal_day,
            "tr_clash_day": self.clash_day,
            "tr_deal_broken_day": self.deal_broken_day,
        }
