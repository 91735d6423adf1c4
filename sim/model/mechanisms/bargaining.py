"""Patron bargaining: two patrons choose their escalation and bargain over a line of control.

Seed: "Analysts expect that Turkey and Russia will avoid direct confrontation in Libya, and thus may
reach a new agreement between them." The game itself (values, reservations, division) is in
:mod:`sim.model.patron_game`. Each patron draws its private information once, when the mechanism is built:
its misreading of the balance of power (normal, s.d. ``optimism_sd``, in log power ratio) and its cost of a
direct clash (log-normal around ``clash_cost``). Daily, in this order:

1. **Evidence.** On a battle day (the clients lose ``battle_losses`` or more between them) each patron's
   misreading shrinks (a battle is an observation of the true balance, noise ``battle_noise``) and its
   belief of the daily cost of fighting moves toward the day's cost (aircraft it lost, its client's losses).
2. **Clash.** On a day of an assault between the clients, with chance ``clash_hazard`` x e1 x e2 the
   patrons' forces clash (``<prefix>_clash_day``): both lose aircraft and men, and the clash, priced at
   each one's own clash cost, enters their belief of the cost of fighting.
3. **Choice.** Each patron chooses the escalation (0, 0.5, 1) of highest value; its escalation moves toward
   it by at most ``escalation_rate`` up or ``deescalation_rate`` down a day (deployments take time).
4. **Deal.** Without a deal: if the reservations leave a bargaining range the deal is struck
   (``<prefix>_deal_day``, first): it freezes the front, makes assaults need ``restraint`` x the usual force
   ratio, cuts both patrons' support by ``reinforcement_cut`` and puts patron pressure ``deal_pressure`` on
   both clients. With a deal: it breaks (``<prefix>_deal_broken_day``) if a client loses a place to the
   other, or a patron's reservation exceeds its share by more than ``renege_cost``.
5. **Tacit understanding.** Without a deal, both choosing restraint (``<prefix>_tacit_day``, first).
6. **Own forces.** A patron's own units (``patron_units``) go to their posts (``unit_posts``) under a deal or
   an understanding, forward as a reserve while their patron chooses full escalation; they move by road.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.errors import ConfigError
from sim.model.decide import clamp
from sim.model.mechanisms import Mechanism, Outcome, Series, name_part
from sim.model.patron_game import PatronBeliefs, View, best_escalation, chance_of, division, total_power
from sim.schema import days, num, prob

__all__ = ["MECHANISM", "PatronBargaining"]


@dataclass
class Config:
    """Patron bargaining: escalation chosen by expected value, a deal when a bargaining range exists.

    Values are in units of the line of control's value (the whole line = 1); the rule is in
    sim/model/patron_game.py. Seed: see the module's docstring.
    """

    enabled: bool = False
    # Theatre data (configs/theatre/*.yaml): the two patrons (backing opposite sides), their escalation on
    # day 0 (empty: 0.5 each), the prefix of the outcome names (``<prefix>_deal_day``), their stakes
    # (empty: each patron's ``stake`` in the theatre), the patrons' own units and the post each goes to
    # under a deal (both may be empty).
    patrons: list[str] = field(default_factory=list)
    initial_escalation: list[float] = field(default_factory=list)
    prefix: str = "patrons"
    stakes: list[float] = field(default_factory=list)
    patron_units: list[str] = field(default_factory=list)
    unit_posts: list[str] = field(default_factory=list)
    # ASSUMPTION: multiplies the theatre's stakes (for sensitivity analysis; 1 = as the theatre says)
    stake_scale: float = num(1.0, 0.0, 100.0)
    period_days: int = days(30, 1)  # ASSUMPTION: the period a patron weighs fighting on against a deal
    # ASSUMPTION: steepness of the contest success function: a 2:1 edge in power gives an 80 % chance
    steepness: float = num(2.0, 0.0, 20.0)
    # ASSUMPTION: full support against none shifts the believed balance by this (log power ratio): e^1 = 2.7x
    leverage: float = num(1.0, 0.0, 10.0)
    optimism_sd: float = num(0.8, 0.0, 5.0)  # ASSUMPTION: s.d. of a patron's misreading (log power ratio)
    battle_noise: float = num(3.0, 0.01, 100.0)  # ASSUMPTION: s.d. of a battle's evidence (log power ratio)
    # ASSUMPTION: clients' losses in a day (both together) that make it a battle (a real assault)
    battle_losses: float = num(200.0, 0.0, 1e6)
    # ASSUMPTION: log power ratio a patron adds per 100 km its client advanced over trend_days
    trend_weight: float = num(1.0, 0.0, 100.0)
    trend_days: int = days(7, 1)  # ASSUMPTION: a week's advance is "gaining fast"
    # ASSUMPTION: money a day at full escalation (a month: 1.5 % of the line)
    support_cost: float = num(0.0005, 0.0, 1.0)
    aircraft_cost: float = num(0.01, 0.0, 10.0)  # ASSUMPTION: one aircraft lost (a TB2 is ~US$5 m)
    casualty_cost: float = num(0.02, 0.0, 10.0)  # ASSUMPTION: per 1,000 of its client's personnel lost
    # ASSUMPTION: believed daily cost of losses at full escalation before any battle
    fight_cost_prior: float = num(0.001, 0.0, 1.0)
    switch_cost: float = num(0.02, 0.0, 1.0)  # ASSUMPTION: cost of changing posture (2 % of the line)
    clash_hazard: float = prob(0.003)  # ASSUMPTION: chance of a clash on an assault day at e1 = e2 = 1
    clash_cost: float = num(0.3, 0.0, 100.0)  # ASSUMPTION: median cost of a direct clash (0.3 of the line)
    clash_cost_sd: float = num(0.7, 0.0, 5.0)  # ASSUMPTION: log-normal spread of the private clash cost
    clash_aircraft: int = num(2, 0, 100)  # ASSUMPTION: aircraft each patron loses in a clash
    clash_casualties: float = num(100.0, 0.0, 1e5)  # ASSUMPTION: personnel each side loses in a clash
    escalation_rate: float = prob(0.05)  # ASSUMPTION: most escalation rises in a day (deployments take time)
    deescalation_rate: float = prob(0.05)  # ASSUMPTION: most it falls in a day
    caution: float = num(1.0, 0.0, 10.0)  # ASSUMPTION: s.d. of its estimate a patron wants the range to clear
    # ASSUMPTION: reputation a patron loses by breaking a deal (Fearon 1997: audience costs)
    renege_cost: float = num(0.1, 0.0, 10.0)
    # Under a deal: the clients' attack units hold where they are, assaults need restraint x the
    # usual force ratio, and the two patrons' sorties and reinforcements fall by reinforcement_cut.
    restraint: float = num(3.0, 1.0, 100.0)
    reinforcement_cut: float = prob(0.8)
    deal_pressure: float = prob(1.0)  # patron pressure on both clients while a deal holds


class PatronBargaining(Mechanism):
    """Escalation, deal, tacit understanding and clash between two patrons backing opposite sides."""

    key = "bargaining"
    order = 50
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """Two patrons backing different sides; one escalation and stake each; own units and their posts."""
        patrons = ", ".join(sorted(theatre.patrons)) or "(the theatre has no patrons)"
        if len(params.patrons) != 2:
            raise ConfigError(
                f"mechanisms.bargaining.patrons: name exactly two patrons, got {list(params.patrons)}"
            )
        for p in params.patrons:
            if p not in theatre.patrons:
                raise ConfigError(f"mechanisms.bargaining.patrons: {p!r}; allowed: {patrons}")
        a, b = (theatre.patrons[p].client for p in params.patrons)
        if a == b:
            raise ConfigError("mechanisms.bargaining.patrons: the two patrons must back different sides")
        for name in ("initial_escalation", "stakes"):
            if len(getattr(params, name)) not in (0, 2):
                raise ConfigError(f"mechanisms.bargaining.{name}: give two values, one per patron")
        for e in params.initial_escalation:
            if not 0 <= e <= 1:
                raise ConfigError(f"mechanisms.bargaining.initial_escalation: {e} is outside [0, 1]")
        for s in params.stakes:
            if not 0 <= s <= 100:
                raise ConfigError(f"mechanisms.bargaining.stakes: {s} is outside [0, 100]")
        cls._check_units(params, theatre, (a, b))

    @classmethod
    def _check_units(cls, params, theatre, clients) -> None:
        if len(params.unit_posts) != len(params.patron_units):
            raise ConfigError("mechanisms.bargaining.unit_posts: give one post per unit of patron_units")
        for u in params.patron_units:
            if u not in theatre.units or theatre.units[u].faction not in clients:
                raise ConfigError(f"mechanisms.bargaining.patron_units: {u!r} is not a unit of a client")
        for place in params.unit_posts:
            if place not in theatre.places:
                raise ConfigError(f"mechanisms.bargaining.unit_posts: {place!r} is not a place")

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Deal and clash (contract); a breakdown, a tacit understanding, a deal held at the horizon."""
        x, extra = name_part(params.prefix, "patrons"), {"contract": False}
        return (
            Outcome(f"{x}_deal_day", "day", unit="day", label="Patrons' deal struck"),
            Outcome(f"{x}_clash_day", "day", unit="day", label="Patrons' forces clashed"),
            Outcome(f"{x}_deal_broken_day", "day", unit="day", label="Patrons' deal broken", **extra),
            Outcome(f"{x}_tacit_day", "day", unit="day", label="Patrons' tacit understanding", **extra),
            Outcome(f"{x}_deal_held", "flag", off=False, label="Patrons' deal held at the horizon", **extra),
        )

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """Whether a deal or an understanding is in force (each patron's escalation is a core series)."""
        x = name_part(params.prefix, "patrons")
        return (
            Series(f"{x}_deal_in_force", "0/1", "Patrons' deal in force"),
            Series(f"{x}_tacit_in_force", "0/1", "Patrons' tacit understanding in force"),
        )

    def __init__(self, model) -> None:
        """Look up the patrons, their units and posts; draw each patron's private information once."""
        super().__init__(model)
        p = self.params
        self.patrons = [model.patrons[k] for k in p.patrons]
        self.rival = {a.key: b for a, b in zip(self.patrons, self.patrons[::-1], strict=True)}  # the other
        x = name_part(p.prefix, "patrons")
        self.deal_series, self.tacit_series = f"{x}_deal_in_force", f"{x}_tacit_in_force"
        initial = p.initial_escalation or [0.5, 0.5]
        stakes = p.stakes or [pa.spec.stake for pa in self.patrons]
        keys = [pa.key for pa in self.patrons]
        self.keys = tuple(keys)
        model.bargained.update(keys)  # they choose here, not by sim.model.support
        self.escalation = {k: float(e) for k, e in zip(keys, initial, strict=True)}
        self.choice = dict(self.escalation)
        self.stake = {k: float(s) * p.stake_scale for k, s in zip(keys, stakes, strict=True)}
        self.beliefs = {k: PatronBeliefs(p.optimism_sd * model.rng.standard_normal(), p) for k in keys}
        sd = p.clash_cost_sd
        self.clash_cost = {k: p.clash_cost * math.exp(sd * model.rng.standard_normal()) for k in keys}
        clients = {pa.client: pa.key for pa in self.patrons}
        th = model.theatre
        self.own_units = [
            (u, clients[th.units[u].faction], th.index(post))
            for u, post in zip(p.patron_units, p.unit_posts, strict=True)
        ]
        self.in_force = self.tacit = False
        self.share: dict[str, float] = {}
        self.deal_day = self.clash_day = self.deal_broken_day = self.tacit_day = math.nan
        self._seen = self._tally()
        # each patron's view and its estimate of the other's, refilled daily (they run several times a day)
        self._views = {k: View(0.0, 0.0, 0.0, False, 0.0, 0.0) for k in keys}
        self._their_views = {k: View(0.0, 0.0, 0.0, False, 0.0, 0.0) for k in keys}
        self._sense()
        self._apply()

    # -- what the patrons see -----------------------------------------------------------------------

    def _tally(self) -> list[tuple[float, float]]:
        """Each patron's client's cumulative losses and its aircraft lost (to take daily differences)."""
        losses = self.model.losses_cum
        return [(losses[pa.client], float(pa.aircraft_lost)) for pa in self.patrons]

    def _sense(self) -> None:
        """Today's power of each client and whether they are in contact (read once a day by every view)."""
        m = self.model
        self._powers = {pa.client: total_power(m.units_of[pa.client]) for pa in self.patrons}
        self._contact = any(m.control[c] in self._powers for c in m.threatened)

    def _advance(self, client: str) -> float:
        """Km the client advanced along the front line over the last ``trend_days`` (0 if unknown)."""
        m = self.model
        h = m.series["front_km"]
        moved = h.item(m.steps) - h.item(max(0, m.steps - self.params.trend_days))  # plain floats
        if math.isnan(moved):
            return 0.0
        return moved if client == m.theatre.front_faction else -moved

    def _balance(self, pa, other) -> float:
        """Log power ratio of ``pa``'s client over the other's, as the state shows it (no misreading)."""
        own, theirs = self._powers[pa.client], self._powers[other.client]
        own = 1e-9 if 1e-9 > own else own  # max(own, 1e-9) without the call (NaN kept, as there)
        theirs = 1e-9 if 1e-9 > theirs else theirs
        return math.log(own / theirs)

    def view(self, pa, of=None) -> View:
        """What patron ``pa`` sees and believes today; with ``of``: its estimate of the other's view.

        Its estimate of the other's view reads the balance as ``pa`` does (mirrored), and the other's clash
        cost as the median (``clash_cost``: the other's own is private); stakes and losses are public.
        """
        p, k = self.params, pa.key
        other = self.rival[k]
        balance = self._balance(pa, other) + self.beliefs[k].misreading.mean
        if of is not None:
            v = self._their_views[k]
            v.log_balance, v.other_escalation, v.stake = -balance, self.escalation[k], self.stake[other.key]
            v.contact, v.fight_cost, v.clash_cost = self._contact, self.beliefs[other.key].cost, p.clash_cost
            return v
        advance = self._advance(pa.client)
        balance += p.trend_weight * (advance if advance > 0.0 else 0.0) / 100.0  # max(0, advance)
        v = self._views[k]
        v.log_balance, v.other_escalation, v.stake = balance, self.escalation[other.key], self.stake[k]
        v.contact, v.fight_cost, v.clash_cost = self._contact, self.beliefs[k].cost, self.clash_cost[k]
        return v

    def sees_range(self, pa, reservation: float) -> bool:
        """Whether ``pa`` believes a bargaining range exists.

        It does if its reservation, plus its estimate of the other's, plus ``caution`` s.d. of that
        estimate, is at most the whole line.
        The estimate's s.d. is the spread of the other's reservation from what the other may still misread
        of the balance (its misreading's s.d., which battles shrink; public: both see the same battles).
        """
        p = self.params
        other = self.rival[pa.key]
        v = self.view(pa, of=other)
        _, m_other = best_escalation(v, p)
        chance = chance_of(v.log_balance, p.steepness)
        slope = p.steepness * chance * (1 - chance) * (1 + v.stake)
        sd = slope * self.beliefs[other.key].misreading.sd
        return reservation + m_other + p.caution * sd <= 1.0

    def _observe(self) -> None:
        """Battles reveal the balance and the cost of fighting (nothing is learnt on a quiet day)."""
        p, now, seen = self.params, self._tally(), self._seen
        self._seen = now
        today = [(lost - lost0, air - air0) for (lost, air), (lost0, air0) in zip(now, seen, strict=True)]
        if sum(lost for lost, _ in today) < max(p.battle_losses, 1e-9):
            return
        for pa, (lost, air) in zip(self.patrons, today, strict=True):
            self.beliefs[pa.key].battle(lost, air, p)

    # -- the day ------------------------------------------------------------------------------------

    def _clash(self) -> None:
        """A direct clash in an assault between the clients with both patrons escalated (a physical hazard).

        Only an assault exposes the patrons' forces to each other: a quiet standoff brings no clash.
        """
        m, p = self.model, self.params
        if not m.assaulted_places:  # most days (no draw either way)
            return
        clients = {pa.client for pa in self.patrons}
        places = sorted(c for c in m.assaulted_places if m.control[c] in clients)
        e1, e2 = (self.escalation[pa.key] * (1 - p.reinforcement_cut * self.in_force) for pa in self.patrons)
        if not places or m.rng.random() >= p.clash_hazard * e1 * e2:
            return
        if math.isnan(self.clash_day):
            self.clash_day = float(m.steps)
        place = places[0]
        m.log("patrons_clash", "-".join(self.keys), m.theatre.place_ids[place], "their forces clash directly")
        for pa in self.patrons:
            for i in range(len(pa.aircraft)):
                lost = min(int(p.clash_aircraft), int(pa.aircraft[i]))
                if lost > 0:
                    pa.aircraft[i] -= lost
                    pa.aircraft_lost += lost
                    break
            near = [u for u in m.units_of[pa.client] if u.node == place or u.contact_place() == place]
            own = {k for k, owner, _ in self.own_units if owner == pa.key}
            near.sort(key=lambda u: (u.key not in own, -u.strength))
            if near:
                near[0].take_losses(min(p.clash_casualties, near[0].strength))
            self.beliefs[pa.key].cost_seen(self.clash_cost[pa.key], p)

    def _choose(self) -> dict[str, float]:
        """Each patron's chosen escalation and reservation; escalation moves toward the choice."""
        p = self.params
        reservation = {}
        for pa in self.patrons:  # a view reads the escalations (they move below), not the choices
            k = pa.key
            self.choice[k], reservation[k] = best_escalation(self.view(pa), p, self.choice.get(k))
        for k, e in self.escalation.items():
            step = clamp(self.choice[k] - e, -p.deescalation_rate, p.escalation_rate)
            self.escalation[k] = clamp(e + step)
        return reservation

    def _bargain(self, reservation: dict[str, float]) -> None:
        """Strike a deal when a bargaining range exists; break one on a violation or when a patron reneges."""
        m, p = self.model, self.params
        k1, k2 = self.keys
        if not self.in_force:
            shares = division(reservation[k1], reservation[k2])
            if shares is not None and all(self.sees_range(pa, reservation[pa.key]) for pa in self.patrons):
                self.in_force, self.share = True, dict(zip((k1, k2), shares, strict=True))
                m.log("deal", f"{k1}-{k2}", "", f"a deal freezes the line ({k1} {shares[0]:.0%})")
                if math.isnan(self.deal_day):
                    self.deal_day = float(m.steps)
            return
        violated = any(m.places_lost_today.get(pa.client, 0) for pa in self.patrons)
        reneged = any(reservation[k] > self.share[k] + p.renege_cost for k in (k1, k2))
        if violated or reneged:
            self.in_force, self.share = False, {}
            m.log("deal_broken", f"{k1}-{k2}", "", "a client lost ground" if violated else "a patron reneged")
            if math.isnan(self.deal_broken_day):
                self.deal_broken_day = float(m.steps)

    def _place_own_units(self) -> None:
        """Posts under a deal or an understanding; forward as a reserve at full escalation; else hold."""
        m = self.model
        for key, owner, post in self.own_units:
            u = m.unit_by_key.get(key)
            if u is None:
                continue
            if self.in_force or self.tacit:
                u.role, u.home = "defend", post
            elif self.choice[owner] >= 1.0:
                u.role = "reserve"
            elif u.role == "reserve":
                u.role, u.home = "defend", (u.node if u.dest < 0 else u.target)

    def step(self) -> None:
        """Evidence, clash, choice, deal or breakdown, tacit understanding, own forces."""
        self._observe()
        self._clash()
        self._sense()
        reservation = self._choose()
        self._bargain(reservation)
        tacit, self.tacit = self.tacit, not self.in_force and all(self.choice[k] == 0.0 for k in self.keys)
        if self.tacit and not tacit:
            self.model.log("tacit_understanding", "-".join(self.keys), "", "both hold back, with no deal")
        if self.tacit and math.isnan(self.tacit_day):
            self.tacit_day = float(self.model.steps)
        self._place_own_units()
        self._apply()

    def _apply(self) -> None:
        """Push the current escalation and deal state into the model's support and restraint."""
        m, p = self.model, self.params
        cut = (1 - p.reinforcement_cut) if self.in_force else 1.0
        for pa in self.patrons:
            m.escalation[pa.key] = self.escalation[pa.key]
            m.support[pa.key] = (0.5 + self.escalation[pa.key]) * cut
        m.offensives_frozen = self.in_force
        m.assault_ratio_factor = p.restraint if self.in_force else 1.0
        if self.in_force:
            m.pressure_sources["deal"] = p.deal_pressure
        else:
            m.pressure_sources.pop("deal", None)

    def record(self, day: int) -> None:
        """Deal and understanding in force."""
        s = self.model.series
        s[self.deal_series][day] = float(self.in_force)
        s[self.tacit_series][day] = float(self.tacit)

    def outcomes(self) -> dict:
        """Outcomes of the bargaining."""
        x = name_part(self.params.prefix, "patrons")
        return {
            f"{x}_deal_day": self.deal_day,
            f"{x}_clash_day": self.clash_day,
            f"{x}_deal_broken_day": self.deal_broken_day,
            f"{x}_tacit_day": self.tacit_day,
            f"{x}_deal_held": bool(self.in_force),
        }


MECHANISM = PatronBargaining
