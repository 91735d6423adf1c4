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
from dataclasses import dataclass

from sim.errors import ConfigError
from sim.model.decide import bayes
from sim.model.mechanisms import Mechanism, Outcome, Series, logistic
from sim.schema import KM_MAX, bias, days, num, prob, weight

__all__ = ["MECHANISM", "Ceasefire", "bayes"]


@dataclass
class Config:
    """Ceasefire offers, acceptance and breakdown, with the hidden type (sincere or pretext) of offers.

    The hidden type is that of the offers of the faction facing the front faction (Libya: the LNA's).

    A side's willingness w = w_weariness x (own losses / initial strength) + w_stalemate x (days the
    front has not moved / 30) - w_momentum x (own km gained over ``momentum_window`` days / 100)
    + w_pressure x patron pressure. It offers with daily probability logistic(offer_bias + w) and
    accepts a standing offer with logistic(accept_bias + w - w_distrust x (1 - belief the offer is
    sincere)). Seed: Haftar "announced on Saturday that he was ready to stop the fighting and enter
    talks", in Cairo; "the alleged cease-fire offer ... is just a pretext for launching Egyptian air
    strikes or any other military moves in order to support Haftar during the next week".
    """

    enabled: bool = False
    # The faction whose offer stands on day 0 (a faction id of the theatre), or "none". Theatre data: set
    # in configs/theatre/*.yaml (Libya: the Cairo offer of the LNA).
    initial_offer: str = "none"
    offer_valid_days: int = days(7, 1)
    pretext_prob: float = prob(0.5)  # the hidden type of the LNA's offers, drawn once per run
    offer_bias: float = bias(-6.0)
    # A pretext-type LNA offers more readily: for it the offer is a cheap tactic (the seed's Cairo offer
    # came the day its forces collapsed). ASSUMPTION.
    w_pretext_offer: float = weight(2.0)
    accept_bias: float = bias(-4.0)
    w_weariness: float = weight(15.0)
    w_stalemate: float = weight(0.8)
    w_momentum: float = weight(3.0)
    w_pressure: float = weight(3.0)
    w_distrust: float = weight(3.0)
    momentum_window: int = days(14, 1)
    stall_km: float = num(5.0, 0.0, KM_MAX)  # the front "has not moved" while it stays within this distance
    prior_sincere: float = prob(0.5)  # the GNA's belief that an LNA offer is sincere, before evidence
    # Daily chance the GNA observes suspicious LNA activity (arms flights, Egyptian deployments)
    # under each type; the GNA updates its belief by Bayes' rule. ASSUMPTION.
    signal_if_pretext: float = prob(0.4)
    signal_if_sincere: float = prob(0.1)
    # The GNA breaks a ceasefire once its belief that the LNA is sincere falls below this (and below
    # half its belief at the declaration).
    preempt_belief: float = prob(0.15)
    # Pretext: the LNA regroups (morale recovery and its patrons' reinforcements x regroup_factor)
    # for lull_days_min to lull_days_max days, then Egyptian air strikes come and the LNA resumes
    # fighting ("during the next week").
    lull_days_min: int = days(3, 1)
    lull_days_max: int = days(10, 1)
    regroup_factor: float = num(3.0, 1.0, 100.0)
    # The patron whose strikes end a pretext lull (a patron id, or "" for none). Theatre data.
    strike_patron: str = ""
    incident_hazard: float = prob(0.004)  # daily chance a ceasefire without a pretext lull breaks down
    pressure: float = prob(0.5)  # patron pressure to de-escalate while a ceasefire holds (ASSUMPTION)
    cooldown_days: int = days(30, 0)  # no new offer for this long after a ceasefire breaks


BELIEF_FLOOR = 0.01  # the GNA's belief stays in [0.01, 0.99]: evidence can always move it again


class Ceasefire(Mechanism):
    """The ceasefire mechanism's state and daily step."""

    key = "ceasefire"
    order = 30
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """Two factions; the first offer by one of them (or none); the strike patron exists."""
        factions = list(theatre.factions)
        if len(factions) != 2:
            raise ConfigError(f"mechanisms.ceasefire: needs a theatre of two factions, got {len(factions)}")
        if params.initial_offer not in (*factions, "none"):
            allowed = ", ".join([*factions, "none"])
            raise ConfigError(
                f"mechanisms.ceasefire.initial_offer: {params.initial_offer!r}; allowed: {allowed}"
            )
        if params.strike_patron not in ("", *theatre.patrons):
            allowed = ", ".join(["''", *theatre.patrons])
            raise ConfigError(
                f"mechanisms.ceasefire.strike_patron: {params.strike_patron!r}; allowed: {allowed}"
            )
        if params.lull_days_max < params.lull_days_min:
            raise ConfigError(
                f"mechanisms.ceasefire.lull_days_max: {params.lull_days_max} must be >= "
                f"lull_days_min ({params.lull_days_min})"
            )

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Declaration, breakdown and the run's hidden type (contract); who broke it, and after how long."""
        return (
            Outcome("ceasefire_declared_day", "day", unit="day", label="Ceasefire declared"),
            Outcome("ceasefire_broken_day", "day", unit="day", label="Ceasefire broken"),
            Outcome("ceasefire_pretext", "flag", off=False, label="Offers were a pretext"),
            Outcome("ceasefire_broken_by", "label", off="", label="Ceasefire broken by", contract=False),
            Outcome(
                "ceasefire_duration_days", "number", unit="days", label="Ceasefire lasted", contract=False
            ),
        )

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """Whether a ceasefire is in force; the front faction's belief that the offers are sincere."""
        front = theatre.front_faction
        return (
            Series("ceasefire_in_force", "0/1", "Ceasefire in force"),
            Series(
                f"{front.lower()}_belief_sincere", "probability", f"{front}'s belief the offers are sincere"
            ),
        )

    def __init__(self, model) -> None:
        """Draw the hidden type and put the initial offer (if any) on the table."""
        super().__init__(model)
        p = self.params
        self.belief_series = f"{model.theatre.front_faction.lower()}_belief_sincere"
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
            front = m.theatre.front_faction
            for f in self.factions:
                bonus = p.w_pretext_offer if (self.pretext and f != front) else 0.0
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
        front = m.theatre.front_faction
        other = next(f for f in self.factions if f != front)
        if pretext_lull and day >= self.lull_end:  # the lull is over: the patron strikes, the offerer attacks
            if p.strike_patron in m.patrons:
                m.patrons[p.strike_patron].intervene()
            self.belief = BELIEF_FLOOR
            self._break(day, other)
        elif not pretext_lull and m.rng.random() < p.incident_hazard:
            self._break(day, "incident")
        elif self.belief < min(p.preempt_belief, 0.5 * self.belief_at_declaration):
            self._break(day, front)

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
        self.model.series[self.belief_series][day] = self.belief

    def outcomes(self) -> dict:
        """Contract outcomes of the ceasefire."""
        return {
            "ceasefire_declared_day": self.declared_day,
            "ceasefire_broken_day": self.broken_day,
            "ceasefire_pretext": self.pretext,
            "ceasefire_broken_by": self.broken_by or "",
            "ceasefire_duration_days": self.broken_day - self.declared_day,
        }


MECHANISM = Ceasefire
