"""Ceasefire: offers, acceptance, honouring and breaking as the sides' choices (docs/ODD.md 4.1, 7.11).

Seed: Haftar "announced on Saturday that he was ready to stop the fighting and enter talks", an offer
made in Cairo; Lacher: "the alleged cease-fire offer that was announced in Cairo is just a pretext for
launching Egyptian air strikes or any other military moves in order to support Haftar during the next
week".

Each side compares fighting on with a ceasefire (Fearon 1995; Powell 2006). Fighting on is worth its
*stake* (private, drawn once per run) times its believed chance of gaining ground, a Beta belief
updated by each day of battle (a capture is a success, a day of fighting without one a failure; old
battles weigh less: Slantchev 2003, Reiter 2009); a ceasefire is worth the relief from its losses and
its strain (low cohesion) and what its patrons press for. Its *willingness* w is the difference. It
offers when ``offer_bias + w > 0`` and accepts a standing offer when ``accept_bias + w - w_distrust x
(1 - trust) > 0``. No day number and no daily dice: with no battle nothing moves.

The pretext is the LNA's choice (the faction facing the front faction). Its private valuation v of
renewed fighting is drawn once, log-normal with P(v > 1) = ``pretext_prob`` (the analysts' reading as a
prior over types). During a ceasefire it regroups (``regroup_factor`` x morale recovery and patron
reinforcement) when reneging would pay once regrouped (v x help > cost of reneging), and breaks the
ceasefire once v x regroup progress x help exceeds that cost. Regroup progress is the rise of its power
relative to the front faction's since the declaration, as a share of ``regroup_need``. The GNA sees
signals of regrouping (Bayes) and breaks pre-emptively when its belief the LNA is sincere falls enough.

Outcomes: ``ceasefire_declared_day``, ``ceasefire_broken_day`` (the first of each), ``ceasefire_pretext``
(the LNA broke a ceasefire in which it had regrouped: it used the lull to regroup and strike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from sim.errors import ConfigError
from sim.model.decide import bayes, clamp, pays
from sim.model.mechanisms import Mechanism, Outcome, Series
from sim.schema import bias, num, prob, weight

__all__ = ["MECHANISM", "Ceasefire"]


@dataclass
class Config:
    """Ceasefire offers, acceptance and breaking, each a comparison of expected values.

    Willingness of a side w = w_weariness x (own losses / initial strength) + w_strain x (1 - cohesion)
    + w_pressure x patron pressure - stake x believed chance of gaining by fighting. Seed: Haftar
    "announced on Saturday that he was ready to stop the fighting and enter talks", in Cairo; "the alleged
    cease-fire offer ... is just a pretext for launching Egyptian air strikes or any other military moves
    in order to support Haftar during the next week".
    """

    enabled: bool = False
    # The faction whose offer stands on day 0 (a faction id of the theatre), or "none". Theatre data: set
    # in configs/theatre/*.yaml (Libya: the Cairo offer of the LNA).
    initial_offer: str = "none"
    # Whether that offer was accepted before day 0, so the ceasefire is in force on day 0 (e.g. a truce
    # agreed the night before the start date). Theatre data; needs an initial_offer.
    in_force_on_day_0: bool = False
    # The faction whose private type may make a ceasefire a pretext (it regroups in the lull and strikes
    # once that pays); the other faction watches for signs of it and may pre-empt. "" = the faction facing
    # the theatre's front faction (Libya: the LNA). Theatre data: a theatre whose advancing side is the one
    # analysts suspect (the stronger side pausing to regroup) names that side here.
    pretext_faction: str = ""
    # Prior over the LNA's private type: the share of types whose valuation of renewed fighting exceeds a
    # cost of reneging of 1 (at full regrouping, no help, no outside pressure).
    pretext_prob: float = prob(0.5)
    type_sd: float = num(1.0, 0.0, 5.0)  # ASSUMPTION: spread (log scale) of that valuation across types
    # ASSUMPTION: the value of a ceasefire over fighting before the drivers; offering shows weakness,
    # so it costs more than accepting.
    offer_bias: float = bias(-0.5)
    # An LNA that would renege once regrouped values a lull more: for it the offer is a cheap tactic (the
    # seed's Cairo offer came the day its forces collapsed). ASSUMPTION.
    w_pretext_offer: float = weight(0.5)
    accept_bias: float = bias(-0.3)  # ASSUMPTION, as offer_bias
    w_weariness: float = weight(4.0)  # ASSUMPTION: per unit of own losses / initial strength
    w_strain: float = weight(1.0)  # ASSUMPTION: per unit of (1 - cohesion): strain at home
    w_pressure: float = weight(1.0)  # ASSUMPTION: per unit of patron pressure
    w_distrust: float = weight(1.0)  # ASSUMPTION: per unit of (1 - belief) the offer is sincere
    # Stake of fighting on: a side's value of gaining ground, private, log-normal with this median and
    # log-sd (Fearon 1995: resolve is private information). ASSUMPTION.
    stake: float = num(4.0, 0.0, 100.0)
    stake_sd: float = num(0.5, 0.0, 3.0)
    # The sides' belief in their chance of gaining ground on a day of fighting: Beta prior with this mean
    # and weight (pseudo-battles); each battle's weight decays by ``memory`` per later battle. ASSUMPTION.
    prior_gain: float = prob(0.5)
    prior_weight: float = num(2.0, 0.0, 1000.0, lo_open=True)
    memory: float = prob(0.9)
    prior_sincere: float = prob(0.5)  # the GNA's belief that an LNA offer is sincere, before evidence
    # Daily chance the GNA observes suspicious LNA activity (arms flights, Egyptian deployments) while the
    # LNA regroups and while it does not; the GNA updates its belief by Bayes' rule. ASSUMPTION.
    signal_if_pretext: float = prob(0.4)
    signal_if_sincere: float = prob(0.1)
    # The GNA breaks a ceasefire once its belief that the LNA is sincere falls below this (and below
    # half its belief at the declaration).
    preempt_belief: float = prob(0.15)
    # Regrouping: morale recovery and the LNA patrons' reinforcements x regroup_factor (seed: "during the
    # next week"); the strike pays fully once the LNA's power relative to the GNA's has risen by
    # regroup_need since the declaration. ASSUMPTION.
    regroup_factor: float = num(3.0, 1.0, 100.0)
    regroup_need: float = num(0.05, 0.0, 10.0, lo_open=True)
    # The LNA's cost of reneging (reputation with patrons, the GNA's reaction), x (1 + outside pressure).
    # ASSUMPTION: 1, the reference against which pretext_prob is read.
    renege_cost: float = num(1.0, 0.0, 100.0)
    # The patron whose strikes the LNA counts on (a patron id, or "" for none; theatre data): once it has
    # intervened, renewed fighting is worth (1 + patron_help) times more. ASSUMPTION.
    strike_patron: str = ""
    patron_help: float = num(0.5, 0.0, 10.0)
    pressure: float = prob(0.5)  # patron pressure to de-escalate while a ceasefire holds (ASSUMPTION)


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
        if params.in_force_on_day_0 and params.initial_offer == "none":
            raise ConfigError(
                "mechanisms.ceasefire.in_force_on_day_0: true needs an initial_offer; allowed: "
                f"initial_offer one of {', '.join(factions)}, or in_force_on_day_0 false"
            )
        if params.pretext_faction not in ("", *factions):
            allowed = ", ".join(["''", *factions])
            raise ConfigError(
                f"mechanisms.ceasefire.pretext_faction: {params.pretext_faction!r}; allowed: {allowed}"
            )
        if params.strike_patron not in ("", *theatre.patrons):
            allowed = ", ".join(["''", *theatre.patrons])
            raise ConfigError(
                f"mechanisms.ceasefire.strike_patron: {params.strike_patron!r}; allowed: {allowed}"
            )

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Declaration, breakdown and pretext (contract); who broke it, after how long, the LNA's type."""
        return (
            Outcome("ceasefire_declared_day", "day", unit="day", label="Ceasefire declared"),
            Outcome("ceasefire_broken_day", "day", unit="day", label="Ceasefire broken"),
            Outcome("ceasefire_pretext", "flag", off=False, label="Lull used to regroup and strike"),
            Outcome("ceasefire_broken_by", "label", off="", label="Ceasefire broken by", contract=False),
            Outcome(
                "ceasefire_duration_days", "number", unit="days", label="Ceasefire lasted", contract=False
            ),
            Outcome("ceasefire_renege_type", "flag", off=False, label="Reneging would pay", contract=False),
        )

    @staticmethod
    def sides(params, theatre) -> tuple[str, str]:
        """(the watcher, the possible schemer): the faction that may use a lull as a pretext is the second."""
        factions = list(theatre.factions)
        schemer = params.pretext_faction or next(f for f in factions if f != theatre.front_faction)
        return next(f for f in factions if f != schemer), schemer

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """Whether a ceasefire is in force; the watcher's belief that the offers are sincere."""
        front, _ = cls.sides(params, theatre)
        return (
            Series("ceasefire_in_force", "0/1", "Ceasefire in force"),
            Series(
                f"{front.lower()}_belief_sincere", "probability", f"{front}'s belief the offers are sincere"
            ),
        )

    def __init__(self, model) -> None:
        """Draw the private types (stakes, the LNA's valuation) and put the initial offer on the table."""
        super().__init__(model)
        p = self.params
        # `front` watches, `other` may scheme: the front faction and the one facing it unless the theatre
        # names the possible schemer (pretext_faction). The LNA and the GNA in Libya.
        self.front, self.other = self.sides(p, model.theatre)
        self.factions = list(model.factions)
        self.belief_series = f"{self.front.lower()}_belief_sincere"
        self.stake = {f: p.stake * math.exp(p.stake_sd * model.rng.standard_normal()) for f in self.factions}
        shift = NormalDist().inv_cdf(clamp(p.pretext_prob, 1e-9, 1 - 1e-9))
        self.valuation = math.exp(p.type_sd * (model.rng.standard_normal() + shift))
        self.wins = {f: 0.0 for f in self.factions}  # discounted battles won and not won
        self.fails = {f: 0.0 for f in self.factions}
        self.offerer: str | None = None if p.initial_offer == "none" else p.initial_offer
        if self.offerer is not None:
            model.log("ceasefire_offer", self.offerer, "", "its offer stands on day 0")
        self.offer_day = 0
        self.in_force = False
        self.belief = p.prior_sincere  # the GNA's belief that the LNA's offers are sincere
        self.declared_day = math.nan
        self.broken_day = math.nan
        self.broken_by: str | None = None
        self.pretext = False
        self.fought_since_break = True
        self.regrouping = False
        self.ratio_at_declaration = 1.0
        self.belief_at_declaration = self.belief
        if p.in_force_on_day_0 and self.offerer is not None:
            receiver = next(f for f in self.factions if f != self.offerer)
            model.log("ceasefire_accepted", receiver, "", f"accepted {self.offerer}'s offer before day 0")
            self._declare(0)
            model.ceasefire_in_force = True

    # -- what the sides believe and value ---------------------------------------------------------

    def observe_battles(self) -> None:
        """A day of fighting is a battle: a side that took a place won it; otherwise it did not."""
        m, lam = self.model, self.params.memory
        if not m.threatened or m.ceasefire_in_force:  # no fighting today: nothing to learn
            return
        self.fought_since_break = True
        for f in self.factions:
            won = any(n > 0 for loser, n in m.places_lost_today.items() if loser != f)
            self.wins[f] = lam * self.wins[f] + won
            self.fails[f] = lam * self.fails[f] + (not won)

    def chance_of_gain(self, faction: str) -> float:
        """Believed chance that a day of fighting gains ground (Beta posterior mean)."""
        p = self.params
        a = p.prior_gain * p.prior_weight + self.wins[faction]
        return a / (p.prior_weight + self.wins[faction] + self.fails[faction])

    def willingness(self, faction: str) -> float:
        """Value of a ceasefire over fighting on for ``faction`` (log-odds-like units of its stake)."""
        p, m = self.params, self.model
        weariness = m.losses_cum[faction] / max(1.0, m.initial_strength[faction])
        strain = 1.0 - m.factions[faction].cohesion
        fight = self.stake[faction] * self.chance_of_gain(faction)
        return p.w_weariness * weariness + p.w_strain * strain + p.w_pressure * m.pressure() - fight

    def _trust(self, receiver: str) -> float:
        """Belief that the standing offer is sincere, as the receiver sees it."""
        return self.belief if receiver == self.front else 1.0

    def renege_cost(self) -> float:
        """The LNA's cost of breaking a ceasefire: its reputation, x (1 + pressure beyond the ceasefire's)."""
        outside = max((v for k, v in self.model.pressure_sources.items() if k != "ceasefire"), default=0.0)
        return self.params.renege_cost * (1.0 + outside)

    def help(self) -> float:
        """Factor on renewed fighting's value: the strike patron's help once it has intervened."""
        patron = self.model.patrons.get(self.params.strike_patron)
        return 1.0 + self.params.patron_help if patron is not None and patron.intervened else 1.0

    def reneging_pays(self) -> bool:
        """Whether reneging would pay the LNA once fully regrouped (its type, given help and pressure)."""
        return pays(self.valuation * self.help(), self.renege_cost())

    def power_ratio(self) -> float:
        """The LNA's total combat power over the GNA's (each side knows its own and sees the other's)."""
        m = self.model
        mine = sum(u.power for u in m.units_of[self.other])
        theirs = sum(u.power for u in m.units_of[self.front])
        return mine / theirs if theirs > 0 else math.inf

    def strike_value(self) -> float:
        """The LNA's value of renewed fighting now: v x regroup progress x help."""
        gain = self.power_ratio() / self.ratio_at_declaration - 1.0
        progress = clamp(gain / self.params.regroup_need) if math.isfinite(gain) else 1.0
        return self.valuation * progress * self.help()

    # -- daily step -----------------------------------------------------------------------------

    def step(self) -> None:
        """Learn from today's battles; then honour or break, accept, or offer."""
        m, p = self.model, self.params
        self.observe_battles()
        if self.in_force:
            self._while_in_force(m.steps)
        elif self.offerer is not None:
            receiver = next(f for f in self.factions if f != self.offerer)
            x = p.accept_bias + self.willingness(receiver) - p.w_distrust * (1 - self._trust(receiver))
            if pays(x):
                m.log("ceasefire_accepted", receiver, "", f"accepts the offer of {self.offerer}")
                self._declare(m.steps)
            elif not self.would_offer(self.offerer):
                m.log("ceasefire_offer_withdrawn", self.offerer)
                self.offerer = None  # withdrawn: the offerer no longer prefers a ceasefire
        if not self.in_force and self.offerer is None and self.fought_since_break:
            self._offers(m.steps)
        m.ceasefire_in_force = self.in_force
        if self.in_force:
            m.pressure_sources["ceasefire"] = p.pressure
        else:
            m.pressure_sources.pop("ceasefire", None)

    def would_offer(self, faction: str) -> bool:
        """Whether a ceasefire is worth more to ``faction`` than fighting on (it offers or keeps one)."""
        p = self.params
        bonus = p.w_pretext_offer if (faction == self.other and self.reneging_pays()) else 0.0
        return pays(p.offer_bias + bonus + self.willingness(faction))

    def _offers(self, day: int) -> None:
        """Each side in theatre order offers if a ceasefire is worth more to it than fighting on."""
        for f in self.factions:
            if self.would_offer(f):
                self.offerer, self.offer_day = f, day
                self.model.log("ceasefire_offer", f, "", "offers a ceasefire")
                return

    def _declare(self, day: int) -> None:
        self.in_force = True
        self.belief_at_declaration = self.belief
        self.ratio_at_declaration = self.power_ratio()
        if math.isnan(self.declared_day):
            self.declared_day = float(day)
        self.offerer = None

    def _while_in_force(self, day: int) -> None:
        """The LNA regroups or not, and strikes once it pays; the GNA reads signals and may pre-empt."""
        m, p = self.model, self.params
        self.regrouping = self.reneging_pays()
        m.regroup[self.other] = p.regroup_factor if self.regrouping else 1.0
        likely = p.signal_if_pretext if self.regrouping else p.signal_if_sincere
        if m.rng.random() < likely:  # suspicious activity seen: Bayes update toward "pretext"
            self.belief = bayes(self.belief, p.signal_if_sincere, p.signal_if_pretext)
        else:
            self.belief = bayes(self.belief, 1 - p.signal_if_sincere, 1 - p.signal_if_pretext)
        self.belief = clamp(self.belief, BELIEF_FLOOR, 1 - BELIEF_FLOOR)  # never certain
        if self.regrouping and pays(self.strike_value(), self.renege_cost()):
            self.pretext = True  # it used the lull to regroup, and strikes
            self.belief = BELIEF_FLOOR
            m.log("ceasefire_broken", self.other, "", "regrouped in the lull, and strikes")
            self._break(day, self.other)
        elif self.belief < min(p.preempt_belief, 0.5 * self.belief_at_declaration):
            m.log(
                "ceasefire_broken",
                self.front,
                "",
                f"pre-empts: believes the offer a pretext ({self.belief:.0%})",
            )
            self._break(day, self.front)

    def _break(self, day: int, by: str) -> None:
        m = self.model
        self.in_force = False
        self.regrouping = False
        self.fought_since_break = False  # no new offer before a battle has been fought
        for f in m.regroup:
            m.regroup[f] = 1.0
        if math.isnan(self.broken_day):
            self.broken_day = float(day)
            self.broken_by = by

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
            "ceasefire_renege_type": self.valuation > self.params.renege_cost,
        }


MECHANISM = Ceasefire
