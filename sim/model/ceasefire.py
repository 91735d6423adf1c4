"""Ceasefire: offers, acceptance, the LNA offer's hidden type, the GNA's belief, breakdown.

Seed: Haftar "announced on Saturday that he was ready to stop the fighting and enter talks", an offer
made in Cairo; Lacher: "the alleged cease-fire offer that was announced in Cairo is just a pretext for
launching Egyptian air strikes or any other military moves in order to support Haftar during the next
week".

Each run draws the type of the LNA's offers once: *pretext* with probability ``pretext_prob``, else
*sincere*. Daily, in this order:

1. **Offers.** With no ceasefire, no standing offer and no cooldown, each side (in theatre order)
   offers with probability logistic(offer_bias + willingness), plus ``w_pretext_offer`` for a
   pretext-type LNA. The Cairo offer stands on day 0.
2. **Acceptance.** The other side accepts a standing offer with probability logistic(accept_bias +
   willingness - w_distrust x (1 - belief it is sincere)); offers lapse after ``offer_valid_days``.
   Willingness = w_weariness x own losses / initial strength + w_stalemate x stalled days / 30
   - w_momentum x own km gained over the momentum window / 100 + w_pressure x patron pressure.
3. **In force.** No combat; attack units hold. The GNA watches for suspicious activity (signal with
   daily probability ``signal_if_pretext`` during a pretext lull, ``signal_if_sincere`` otherwise) and
   updates its belief that the LNA is sincere by Bayes' rule (kept within [0.01, 0.99]). Under a
   pretext the LNA regroups (``regroup_factor``) for ``lull_days_min``-``lull_days_max`` days; then the
   strike patron (Egypt) intervenes and the LNA resumes fighting: the ceasefire is broken by the LNA
   and the GNA's belief drops to 0.01. A ceasefire without a pretext lull breaks in an incident with
   probability ``incident_hazard`` a day. Either way the GNA breaks it pre-emptively once its belief
   falls below both ``preempt_belief`` and half what it was when the ceasefire was declared.

Outcomes: ``ceasefire_declared_day``, ``ceasefire_broken_day`` (the first of each), ``ceasefire_pretext``
(the run's hidden type).
"""

from __future__ import annotations

import math

from sim.model.mechanism import Mechanism
from sim.model.oil import logistic

__all__ = ["Ceasefire", "bayes"]


def bayes(prior: float, likelihood: float, likelihood_else: float) -> float:
    """Posterior of a hypothesis after evidence with these likelihoods under it and under its negation.

    Evidence that neither hypothesis could produce (both likelihoods 0 at the given prior) leaves the
    belief where it was.
    """
    num = prior * likelihood
    total = num + (1 - prior) * likelihood_else
    return num / total if total > 0 else prior


BELIEF_FLOOR = 0.01  # the GNA's belief stays in [0.01, 0.99]: evidence can always move it again


class Ceasefire(Mechanism):
    """The ceasefire mechanism's state and daily step."""

    series_names = ("ceasefire_in_force", "gna_belief_sincere")

    def __init__(self, model) -> None:
        """Draw the hidden type and put the Cairo offer on the table."""
        super().__init__(model)
        p = self.params = model.params.ceasefire
        self.pretext = bool(model.rng.random() < p.pretext_prob)
        self.offerer: str | None = None if p.initial_offer == "none" else p.initial_offer
        self.offer_day = 0
        self.in_force = False
        self.belief = p.prior_sincere  # the GNA's belief that the LNA's offers are sincere
        self.declared_day = math.nan
        self.broken_day = math.nan
        self.broken_by: str | None = None
        self.cooldown_until = -1
        self.lull_end = -1
        self.belief_at_declaration = self.belief
        self.factions = list(model.factions)

    # -- the sides' calculus --------------------------------------------------------------------

    def momentum(self, faction: str) -> float:
        """Km of coastal front gained by ``faction`` over the momentum window (negative: lost)."""
        m, w = self.model, self.params.momentum_window
        h = m.series["front_km"]
        gained = float(h[m.steps] - h[max(0, m.steps - w)])
        return gained if faction == m.theatre.front_faction else -gained

    def willingness(self, faction: str) -> float:
        """Log-odds shift toward a ceasefire for ``faction`` today."""
        p, m = self.params, self.model
        weariness = m.losses_cum[faction] / max(1.0, m.initial_strength[faction])
        return (
            p.w_weariness * weariness
            + p.w_stalemate * m.stalled_days(p.stall_km) / 30
            - p.w_momentum * self.momentum(faction) / 100
            + p.w_pressure * m.pressure()
        )

    def _trust(self, receiver: str) -> float:
        """Belief that the standing offer is sincere, as the receiver sees it."""
        return self.belief if receiver == self.model.theatre.front_faction else 1.0

    # -- daily step -----------------------------------------------------------------------------

    def step(self) -> None:
        """Offers, acceptance, belief, breakdown."""
        m, p = self.model, self.params
        day = m.steps
        if self.in_force:
            self._while_in_force(day)
        elif self.offerer is not None:
            receiver = next(f for f in self.factions if f != self.offerer)
            x = p.accept_bias + self.willingness(receiver) - p.w_distrust * (1 - self._trust(receiver))
            if m.rng.random() < logistic(x):
                self._declare(day)
            elif day - self.offer_day >= p.offer_valid_days:
                self.offerer = None
        elif day >= self.cooldown_until:
            gna = m.theatre.front_faction
            for f in self.factions:
                bonus = p.w_pretext_offer if (self.pretext and f != gna) else 0.0
                if m.rng.random() < logistic(p.offer_bias + bonus + self.willingness(f)):
                    self.offerer, self.offer_day = f, day
                    break
        m.ceasefire_in_force = self.in_force
        if self.in_force:
            m.pressure_sources["ceasefire"] = p.pressure
        else:
            m.pressure_sources.pop("ceasefire", None)

    def _declare(self, day: int) -> None:
        m, p = self.model, self.params
        self.in_force = True
        self.belief_at_declaration = self.belief
        if math.isnan(self.declared_day):
            self.declared_day = float(day)
        if self.offerer != m.theatre.front_faction and self.pretext:
            lull = int(m.rng.integers(p.lull_days_min, max(p.lull_days_min, p.lull_days_max) + 1))
            self.lull_end = day + lull
            m.regroup[self.offerer] = p.regroup_factor
        self.offerer = None

    def _while_in_force(self, day: int) -> None:
        m, p = self.model, self.params
        pretext_lull = self.lull_end >= 0  # only the LNA's own offers are exploited
        likely = p.signal_if_pretext if pretext_lull else p.signal_if_sincere
        if m.rng.random() < likely:  # suspicious activity seen: Bayes update toward "pretext"
            self.belief = bayes(self.belief, p.signal_if_sincere, p.signal_if_pretext)
        else:
            self.belief = bayes(self.belief, 1 - p.signal_if_sincere, 1 - p.signal_if_pretext)
        self.belief = min(1 - BELIEF_FLOOR, max(BELIEF_FLOOR, self.belief))  # never certain
        gna = m.theatre.front_faction
        lna = next(f for f in self.factions if f != gna)
        if pretext_lull and day >= self.lull_end:  # the lull is over: Egyptian strikes, the LNA attacks
            if p.strike_patron in m.patrons:
                m.patrons[p.strike_patron].intervene()
            self.belief = BELIEF_FLOOR
            self._break(day, lna)
        elif not pretext_lull and m.rng.random() < p.incident_hazard:
            self._break(day, "incident")
        elif self.belief < min(p.preempt_belief, 0.5 * self.belief_at_declaration):
            self._break(day, gna)

    def _break(self, day: int, by: str) -> None:
        m = self.model
        self.in_force = False
        self.lull_end = -1
        for f in m.regroup:
            m.regroup[f] = 1.0
        if math.isnan(self.broken_day):
            self.broken_day = float(day)
            self.broken_by = by
        self.cooldown_until = day + self.params.cooldown_days

    def record(self, day: int) -> None:
        """Whether a ceasefire is in force, and the GNA's belief."""
        self.model.series["ceasefire_in_force"][day] = float(self.in_force)
        self.model.series["gna_belief_sincere"][day] = self.belief

    def outcomes(self) -> dict:
        """Contract outcomes of the ceasefire."""
        return {
            "ceasefire_declared_day": self.declared_day,
            "ceasefire_broken_day": self.broken_day,
            "ceasefire_pretext": self.pretext,
            "ceasefire_broken_by": self.broken_by or "",
            "ceasefire_duration_days": self.broken_day - self.declared_day,
        }
