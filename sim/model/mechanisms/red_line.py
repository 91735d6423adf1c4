"""A patron's red line: Egypt's Sirte-Jufra line, its decision to intervene, and the deterrence it casts.

Forces.md section 8: on 20 Jun 2020 (day 13) Sisi declared "The line of Sirte, al-Jufra is a red line
for Egypt and its national security" and ordered his forces to be ready to act "outside our borders";
Egypt's parliament authorised a combat deployment on 20 Jul 2020.

**The patron decides** (docs/ODD.md 4.1, 7.12). Its resolve r (the weight of its stake) is private, drawn
once per run. Once it has declared the line, it intervenes (``PatronAgent.intervene``) on the first day
that r x threat + audience cost x [line crossed] > intervention cost x (1 + w_clash x the enemy's patrons'
support), where threat = (red-line places the client's enemy holds + w_contested x those it attacks) /
their number + w_collapse x the client's collapse (its cohesion below ``collapse_cohesion``). Not acting
once a declared line is crossed costs face (audience costs: Fearon 1994). No daily dice: in a frozen
war the decision stays put.

**Deterrence** (Schelling 1966). The client's enemy believes with probability b that the patron would
intervene; b starts at ``prior_resolve``, moves by Bayes' rule on the declaration (a costly signal) and
when the patron moves forces to the border (once: when its value of intervening reaches ``alert_share``
of the cost), falls each time the enemy takes a red-line place and the patron does not act, and is 1
once it has acted. Its believed cost of assaulting a red-line place is b x ``harm`` (in units of the
place's value), registered in ``model.deterrents`` (``FactionAgent.deterrence``). Outcome:
``<patron>_intervened_day``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.errors import ConfigError
from sim.model.decide import bayes, pays
from sim.model.mechanisms import Mechanism, Outcome, Series
from sim.schema import days, num, prob, weight

__all__ = ["MECHANISM", "RedLine"]


@dataclass
class Config:
    """A patron's red line around some places: its decision to intervene and the deterrence it casts.

    forces.md section 8 (not the seed, which predates it): on 20 Jun 2020 (day 13) Sisi declared "The
    line of Sirte, al-Jufra is a red line for Egypt"; Egypt's parliament authorised combat deployment
    on 20 Jul 2020.
    """

    enabled: bool = False
    # Theatre data (configs/theatre/*.yaml): the patron drawing the line, and the places it protects.
    patron: str = ""
    places: list[str] = field(default_factory=list)
    declared_day: int = days(13, 0)  # the day the line is declared (a historical event, not a clock)
    # The patron's resolve: weight of its stake, private, log-normal with this median and log-sd
    # (Fearon 1995). ASSUMPTION.
    resolve: float = num(1.0, 0.0, 100.0)
    resolve_sd: float = num(0.8, 0.0, 3.0)
    # ASSUMPTION: a red-line place under attack threatens the stake this much (a lost one: 1)
    w_contested: float = weight(0.2)
    w_collapse: float = weight(1.0)  # ASSUMPTION: a collapsing client threatens the stake as a lost place
    collapse_cohesion: float = prob(0.4)  # ASSUMPTION: the client's cohesion below which it is collapsing
    # Reputation cost of not acting once the declared line is crossed (Fearon 1994, audience costs).
    audience_cost: float = num(0.5, 0.0, 100.0)  # ASSUMPTION
    # Cost of intervening (losses, money), x (1 + w_clash x support of the enemy's patrons: the risk of a
    # clash with them). ASSUMPTION.
    intervene_cost: float = num(0.8, 0.0, 100.0)
    w_clash: float = weight(0.25)
    # The enemy's belief that the patron would intervene if the line were crossed: prior; likelihood of a
    # declaration under a resolved and an unresolved patron; chance a resolved patron acts on the day a
    # place is taken (not acting that day lowers the belief). ASSUMPTION.
    prior_resolve: float = prob(0.3)
    declare_if_resolved: float = prob(0.9)
    declare_if_not: float = prob(0.5)
    act_if_resolved: float = prob(0.5)
    # Deployments: once the patron's value of intervening reaches alert_share of its cost, it moves forces
    # to the border (once), a signal the enemy reads with these likelihoods (resolved / not). ASSUMPTION.
    alert_share: float = prob(0.7)
    deploy_if_resolved: float = prob(0.8)
    deploy_if_not: float = prob(0.4)
    # Cost to the enemy of the patron's intervention, in units of a red-line place's value. ASSUMPTION.
    harm: float = num(1.5, 0.0, 50.0)


class RedLine(Mechanism):
    """A red line drawn by one patron around some places."""

    key = "red_line"
    order = 40
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """The patron and at least one place exist."""
        if params.patron not in theatre.patrons:
            allowed = ", ".join(sorted(theatre.patrons)) or "(the theatre has no patrons)"
            raise ConfigError(f"mechanisms.red_line.patron: {params.patron!r}; allowed: {allowed}")
        if not params.places:
            raise ConfigError("mechanisms.red_line.places: name at least one place")
        for p in params.places:
            if p not in theatre.places:
                raise ConfigError(f"mechanisms.red_line.places: unknown place {p!r}")

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """The day the line was first crossed (the patron's intervention is a core outcome)."""
        return (Outcome("red_line_crossed_day", "day", unit="day", label="Red line crossed", contract=False),)

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """The enemy's belief that the patron would intervene."""
        return (Series("red_line_belief_resolve", "probability", "Belief the red line's patron would act"),)

    def __init__(self, model) -> None:
        """Look up the patron and places; draw the patron's private resolve; register as a deterrent."""
        super().__init__(model)
        p = self.params
        self.patron = model.patrons[p.patron]
        self.places = [model.theatre.index(x) for x in p.places]
        self.place_set = set(self.places)
        self.crossed_day = float("nan")
        self.declared = False
        self.deployed = False  # forces moved to the border (a signal)
        self.held = 0  # red-line places the client's enemy holds
        self.resolve = p.resolve * math.exp(p.resolve_sd * model.rng.standard_normal())
        self.belief = p.prior_resolve
        model.deterrents.append(self)

    def believed_cost(self, faction: str, place: int) -> float:
        """The attacker's believed cost of taking ``place``: b x harm, for the client's enemy on the line."""
        if not self.declared or faction == self.patron.client or place not in self.place_set:
            return 0.0
        return self.belief * self.params.harm

    def threat(self) -> float:
        """The patron's stake under threat: share of the line held by the enemy, and the client's collapse."""
        p, m = self.params, self.model
        collapse = max(0.0, p.collapse_cohesion - m.factions[self.patron.client].cohesion) / max(
            p.collapse_cohesion, 1e-9
        )
        contested = sum(i in m.threatened and m.control[i] == self.patron.client for i in self.places)
        return (self.held + p.w_contested * contested) / len(self.places) + p.w_collapse * collapse

    def value_and_cost(self) -> tuple[float, float]:
        """Resolve x threat + audience cost if crossed; cost x (1 + w_clash x the rivals' support)."""
        p, m = self.params, self.model
        rivals = [q for q in m.patrons.values() if q.client != self.patron.client]
        clash = max((m.support[q.key] for q in rivals), default=0.0)
        gain = self.resolve * self.threat() + (p.audience_cost if self.held else 0.0)
        return gain, p.intervene_cost * (1.0 + p.w_clash * clash)

    def intervention_pays(self) -> bool:
        """Whether intervening is worth its cost to the patron today."""
        return pays(*self.value_and_cost())

    def step(self) -> None:
        """Declare on the historical day; then decide; the enemy learns from what the patron does."""
        m, p = self.model, self.params
        if not self.declared:
            if m.steps < p.declared_day:
                return
            self.declared = True  # the declaration is a signal
            m.log(
                "red_line_declared",
                self.patron.key,
                "",
                "a red line at " + ", ".join(m.theatre.place_ids[i] for i in self.places),
            )
            self.belief = bayes(self.belief, p.declare_if_resolved, p.declare_if_not)
        client = self.patron.client
        held = sum(m.control[i] != client for i in self.places)
        newly_taken, self.held = held > self.held, held
        if held and math.isnan(self.crossed_day):
            self.crossed_day = float(m.steps)
        if self.patron.intervened:
            self.belief = 1.0
            return
        gain, cost = self.value_and_cost()  # only read before the patron has intervened
        if pays(gain, cost):
            self.patron.intervene()
            self.belief = 1.0
        elif not self.deployed and gain >= p.alert_share * cost:  # forces to the border: a signal
            self.deployed = True
            self.belief = bayes(self.belief, p.deploy_if_resolved, p.deploy_if_not)
        elif newly_taken:  # the line was crossed and the patron did not act
            self.belief = bayes(self.belief, 1 - p.act_if_resolved, 1.0)

    def record(self, day: int) -> None:
        """The enemy's belief in the patron's resolve."""
        self.model.series["red_line_belief_resolve"][day] = self.belief

    def outcomes(self) -> dict:
        """The day the red line was first crossed (after it was drawn)."""
        return {"red_line_crossed_day": self.crossed_day}


MECHANISM = RedLine
