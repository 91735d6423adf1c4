"""Unrest in one faction's cities (Libya: the East): an Epstein civil-violence grid per city.

Seed: "Haftar will face challenges in his strongholds in the Libyan East, after he had excluded all of
his opponents without mercy in the past."

Each city in ``cities`` (held by the LNA at the start) is a grid_size x grid_size torus of citizens and
cops following Epstein's (2002) rules: one block of a :class:`sim.model.epstein.CivilViolence` grid owned by
a :class:`sim.model.epstein.CityUnrest` agent, so all cities step in one compiled call. Daily, the war sets
the drivers, then the grid steps:

* legitimacy L = legitimacy_base - exclusion_penalty - legitimacy_drop_per_defeat x places the
  faction has lost - legitimacy_drop_per_1000_killed x fatalities / 1,000 - legitimacy_drop_per_jailed x
  the share of citizens in jail (repression breeds grievance: Lichbach 1987, Davenport 2007), in [0, 1];
* hardship shift = the change in the oil mechanism's hardship since day 0 (its strain stock: it rises while
  revenue stays lost, falls once output recovers), 0 if oil is off;
* cops = cop_density x cells x (police_floor + (1 - police_floor) x the faction's strength now in the
  city / at the start), so units sent to the front take cops away.

Then the faction's decisions, from what it sees (no day-number term; its two tolerances are private,
drawn once per run):

* **forces home**: a city whose mean active share over ``divert_days`` exceeds the faction's tolerance x
  (1 + the threat at the donor's place) gets a detachment, the donor being the least-threatened unit
  outside the cities (threat = enemy / own power within ``threat_km`` of where it stands or is going,
  whichever is worse), the size the city's shortfall (capped), one order at a time; the donor is weaker at
  once, the detachment marches home by road;
* **the government's fall**: the regime sacrifices the region's government when the smoothed active share
  (time constant ``govt_fall_days``, from the warmed-up level) exceeds the level it had weathered by more
  than its tolerance (a one-off cohesion loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.errors import ConfigError
from sim.model.epstein_params import EPSTEIN, EpsteinParams
from sim.model.mechanisms import Mechanism, Outcome, Series, name_part
from sim.schema import days, num, prob

__all__ = ["MECHANISM", "OUTBURST", "Unrest"]

#: A city's active share above which its protests are logged as an outburst: Epstein's (2002) Run 2 counts
#: an outburst at more than 50 actives among 1,120 citizens (../shared/reference/epstein.md).
OUTBURST = 50 / 1120


@dataclass
class Config:
    """Civil unrest in one faction's cities (Libya: the LNA's East): an Epstein (2002) grid per city.

    Legitimacy falls with places lost, fatalities and the jailed share; hardship rises with lost oil
    revenue (``oil.hardship``); cops scale with the LNA strength left in the city. The faction decides to
    send forces home and to sacrifice the government from what it sees. Seed: "Haftar will face challenges
    in his strongholds in the Libyan East, after he had excluded all of his opponents without mercy in the
    past."
    """

    enabled: bool = False
    # Theatre data (configs/theatre/*.yaml): the cities that can riot (all held by one faction on day 0),
    # and the region's name, the prefix of the outcome and series names (``<region>_govt_fell_day``).
    cities: list[str] = field(default_factory=list)
    region: str = "region"
    grid_size: int = num(20, 5, 200)  # each city is a grid_size x grid_size torus (a scaled sample)
    # grid steps at the day-0 drivers before day 0, so runs start settled
    warmup_steps: int = num(30, 0, 1000)
    citizen_density: float = prob(EPSTEIN.citizen_density)  # Epstein Table 2
    cop_density: float = prob(EPSTEIN.cop_density)  # Epstein runs 3-5
    # Epstein's vision (7 on a 40 x 40 grid) scaled to the default 20 x 20 grid
    vision: float = num(EPSTEIN.citizen_vision * 20 / EPSTEIN.width, 0.0, 20.0, lo_open=True)
    max_jail_term: int = num(EPSTEIN.max_jail_term, 1, 10_000)  # Epstein run 2
    # ASSUMPTION: base - exclusion_penalty = 0.9, Epstein's legitimacy for a quiet society at these cop
    # densities (Table 2, runs 3-4), before the defeats of June 2020.
    legitimacy_base: float = prob(0.95)
    exclusion_penalty: float = prob(0.05)  # the seed's "excluded all of his opponents"
    legitimacy_drop_per_defeat: float = prob(0.03)
    legitimacy_drop_per_1000_killed: float = prob(0.01)
    # Repression feedback: legitimacy lost per unit of the share of citizens in jail. Arrests raise
    # grievance (Lichbach 1987, "Deterrence or escalation?", J. Conflict Resolution 31: 266-297; Davenport
    # 2007, "State repression and political order", Annu. Rev. Polit. Sci. 10: 1-23). ASSUMPTION: 10%
    # jailed costs 0.03, as much as one place lost.
    legitimacy_drop_per_jailed: float = prob(0.3)
    # Share of a city's security forces that remain (police, local units) when its army units leave.
    # ASSUMPTION.
    police_floor: float = prob(0.5)
    # Forces home: the faction's tolerance of a city's mean active share over divert_days before it sends
    # forces home from a place under no threat (doubled when the enemy there is as strong as its own
    # forces). Private, drawn once per run from U(1 - tolerance_spread, 1 + tolerance_spread) x
    # divert_threshold. ASSUMPTION: Epstein's outbursts at these densities reach 0.02-0.1.
    divert_threshold: float = prob(0.04)
    divert_days: int = days(7, 1)
    divert_strength: float = num(1000.0, 0.0, 1_000_000.0)  # most persons per order. ASSUMPTION: a battalion
    divert_donor_share: float = prob(0.5)  # most of a donor's strength it gives. ASSUMPTION
    threat_km: float = num(150.0, 0.0, 5000.0)  # ASSUMPTION: about two days' march (80 km/day)
    # The government's fall: the regime sacrifices it (the al-Thinni cabinet offered its resignation on 13
    # Sep 2020 after three days of protests over power cuts and living conditions in Benghazi, al-Marj and
    # al-Bayda: https://crisis24.garda.com/fr/product/370746) when the active share smoothed over
    # govt_fall_days exceeds the level it weathered before day 0 by more than its tolerance, drawn once per
    # run as divert_threshold is. ASSUMPTION for both values.
    govt_fall_threshold: float = prob(0.01)
    govt_fall_days: int = days(60, 1)
    tolerance_spread: float = prob(0.5)  # ASSUMPTION: the faction's private tolerances vary by +-50%
    cohesion_weight: float = prob(0.01)  # daily LNA cohesion loss per unit of active share
    govt_fall_cohesion: float = prob(0.1)  # one-off LNA cohesion loss when the government falls


class Unrest(Mechanism):
    """Civil unrest in one faction's cities and its effects on that faction."""

    key = "unrest"
    order = 20
    Config = Config

    @classmethod
    def check(cls, params, theatre) -> None:
        """At least one city, each a place of the theatre, all held by one faction on day 0."""
        if not params.cities:
            raise ConfigError("mechanisms.unrest.cities: name at least one city")
        for c in params.cities:
            if c not in theatre.places:
                places = ", ".join(sorted(theatre.places))
                raise ConfigError(f"mechanisms.unrest.cities: unknown place {c!r} (places: {places})")
        if len({theatre.places[c].control for c in params.cities}) != 1:
            raise ConfigError("mechanisms.unrest.cities: all cities must be held by one faction at the start")
        if params.citizen_density + params.cop_density > 1:
            raise ConfigError("mechanisms.unrest.cop_density: citizen_density + cop_density must be <= 1")

    @classmethod
    def declare_outcomes(cls, params, theatre) -> tuple[Outcome, ...]:
        """Peak unrest and the government's fall (contract), the detachments sent home."""
        r = name_part(params.region, "region")
        return (
            Outcome(
                "unrest_peak_active_share", "number", unit="share", label="Peak share of citizens rioting"
            ),
            Outcome(f"{r}_govt_fell_day", "day", unit="day", label=f"Government of the {r} fell"),
            Outcome(
                "unrest_diversions",
                "number",
                unit="detachments",
                label="Detachments sent home",
                contract=False,
            ),
            Outcome("unrest_persons_sent", "number", unit="persons", label="Sent home", contract=False),
        )

    @classmethod
    def declare_series(cls, params, theatre) -> tuple[Series, ...]:
        """The population-weighted active share (a contract variable), legitimacy and the cops left."""
        r = name_part(params.region, "region")
        return (
            Series("unrest_active_share", "share", "Share of citizens rioting", contract=True, fan=True),
            Series(f"{r}_legitimacy", "0-1", "Legitimacy"),
            Series(f"{r}_cops_share", "share", "Share of cops left"),
        )

    def __init__(self, model) -> None:
        """Build one Epstein grid per city, settle it, and draw the faction's private tolerances."""
        from sim.model.epstein import CityUnrest  # the engine (Mesa, numba): only when the mechanism is on
        from sim.model.mechanisms.oil import OilEconomy

        super().__init__(model)
        p = self.params
        th = model.theatre
        r = name_part(p.region, "region")
        self.names = (f"{r}_legitimacy", f"{r}_cops_share", f"{r}_govt_fell_day")
        self.places = [th.index(c) for c in p.cities]
        self.faction = model.control[self.places[0]]
        pops = np.array([float(th.places[c].population or 1) for c in p.cities])
        self.weights = pops / pops.sum()
        grid = EpsteinParams(
            width=p.grid_size,
            height=p.grid_size,
            citizen_density=p.citizen_density,
            cop_density=p.cop_density,
            citizen_vision=p.vision,
            cop_vision=p.vision,
            legitimacy=self._legitimacy(0.0),
            max_jail_term=p.max_jail_term,
        )
        self.unrest = CityUnrest(model, r, grid, blocks=len(p.cities))
        self.grid = self.unrest.grid
        self.reference = self._warm_up()  # the level of unrest the regime had weathered before day 0
        self.smoothed = self.reference
        model.unrest_share = self.smoothed  # the sustained level others read (the blockade decision)
        # private, drawn once per run (Fearon 1995): how much unrest the faction tolerates
        spread = p.tolerance_spread
        self.divert_tolerance = p.divert_threshold * (1 + spread * (2 * float(model.rng.random()) - 1))
        self.fall_tolerance = p.govt_fall_threshold * (1 + spread * (2 * float(model.rng.random()) - 1))
        self.oil = model.mechanism(OilEconomy)  # built before this mechanism (MECHANISMS order)
        self.hardship0 = self.oil.hardship if self.oil is not None else 0.0
        self.base_cops = self.grid.cops_per_block().tolist()
        self.cops = list(self.base_cops)
        self.base_strength = self._strengths()
        self.strength = list(self.base_strength)  # today's, per city (set daily before the decisions)
        self.history = np.zeros((model.horizon_days + 1, len(p.cities)))  # active share per day
        self.share = float(self.weights @ self.grid.active_shares())  # after warm-up
        self.peak = self.share
        self.fell_day = math.nan
        self.out = [False] * len(self.places)  # in an outburst (above OUTBURST) yesterday, per city
        self.diversions = 0
        self.persons_sent = 0.0

    def _warm_up(self) -> float:
        """Settle each society at its day-0 drivers (grids start quiet); the mean share of the last half."""
        shares = []
        for _ in range(self.params.warmup_steps):
            self.grid.legitimacy = self._legitimacy(self.grid.jailed_share)
            self.unrest.step()
            shares.append(float(self.weights @ self.grid.active_shares()))
        half = shares[len(shares) // 2 :]
        return float(np.mean(half)) if half else 0.0

    def _strengths(self) -> list[float]:
        """Strength of the faction's units standing in each city (one pass over its units: runs daily)."""
        at = dict.fromkeys(self.places, 0.0)
        for u in self.model.units_of[self.faction]:
            if u.dest < 0 and u.node in at:
                at[u.node] += u.strength
        return [at[i] for i in self.places]

    def _legitimacy(self, jailed: float) -> float:
        p, m = self.params, self.model
        lost = m.places_lost_cum.get(self.faction, 0)
        x = p.legitimacy_base - p.exclusion_penalty - p.legitimacy_drop_per_defeat * lost
        x -= p.legitimacy_drop_per_1000_killed * m.fatalities / 1000 + p.legitimacy_drop_per_jailed * jailed
        return min(1.0, max(0.0, x))

    def _set_cops(self) -> None:
        p, g = self.params, self.grid
        self.strength = self._strengths()
        for k in range(len(self.places)):
            base = self.base_strength[k]
            ratio = min(1.0, self.strength[k] / base) if base > 0 else 1.0
            cops = round(self.base_cops[k] * (p.police_floor + (1 - p.police_floor) * ratio))
            if cops != self.cops[k]:
                g.set_cops(cops, k)
                self.cops[k] = cops

    def step(self) -> None:
        """Set the drivers, step the grids, then the faction's decisions and the coupling to the war."""
        m, p = self.model, self.params
        g = self.grid
        g.legitimacy = self._legitimacy(g.jailed_share)
        g.hardship_shift = (self.oil.hardship - self.hardship0) if self.oil is not None else 0.0
        self._set_cops()
        self.unrest.step()
        shares = g.active_shares()
        day = m.steps
        for k, place in enumerate(self.places):  # an outburst (Epstein's level) begins, or ends (half)
            if not self.out[k] and shares[k] > OUTBURST:
                m.log("protests", "", m.theatre.place_ids[place], f"{shares[k]:.0%} of citizens active")
                self.out[k] = True
            elif self.out[k] and shares[k] < OUTBURST / 2:
                self.out[k] = False
        self.history[day] = shares
        recent = self.history[max(1, day - p.divert_days + 1) : day + 1]
        window = (np.add.reduce(recent, axis=0) / len(recent)).tolist()  # .mean(axis=0), without its overhead
        for k, place in enumerate(self.places):
            if window[k] <= self.divert_tolerance:
                continue  # forces_home's first test, without the call (most cities, most days)
            choice = self.forces_home(k, window[k])
            if choice is not None:
                self._detach(*choice, place)
        self.share = float(self.weights @ shares)
        self.peak = max(self.peak, self.share)
        faction = m.factions[self.faction]
        faction.cohesion = max(0.0, faction.cohesion - p.cohesion_weight * self.share)
        self.smoothed += (self.share - self.smoothed) / p.govt_fall_days
        m.unrest_share = self.smoothed
        if self.fall_due():
            m.log("government_falls", self.faction, "", f"sustained unrest {self.smoothed:.1%}")
            self.fell_day = float(day)  # the regime sacrifices the government
            faction.cohesion = max(0.0, faction.cohesion - p.govt_fall_cohesion)

    def _detachment_key(self, place: int) -> str:
        return f"{self.faction.lower()}_{self.model.theatre.place_ids[place]}_detachment"

    def threat(self, place: int) -> float:
        """Enemy power / own power within ``threat_km`` by road of a place (0 with no enemy near)."""
        m = self.model
        near = m.theatre.dist[place] <= self.params.threat_km
        own = enemy = 0.0
        for u in m.all_units():
            if near[u.node] and not u.broken:
                if u.faction == self.faction:
                    own += u.power
                else:
                    enemy += u.power
        return enemy / own if own > 0 else (math.inf if enemy > 0 else 0.0)

    def forces_home(self, k: int, share: float):
        """The faction's choice for city ``k`` at this mean active share: (donor, persons) or None.

        Expected cost of the city's unrest, in units of the faction's tolerance: share / tolerance; expected
        cost at the front of a detachment from a donor: 1 + the threat where the donor stands or is going.
        The donor is the least-threatened unit outside the cities; the size is the city's shortfall against
        its day-0 strength, capped by ``divert_strength`` and the donor's share; while a detachment is on
        its way, none (the faction waits to see its effect). Reads the state, never the day.
        """
        m, p = self.model, self.params
        if share <= self.divert_tolerance:
            return None  # sending cannot pay: the threat is never below 0
        place = self.places[k]
        det = m.unit_by_key.get(self._detachment_key(place))
        shortfall = self.base_strength[k] - self.strength[k]  # as the cops were set today
        if (det is not None and det.node != place) or shortfall < 1:
            return None
        cities = set(self.places)
        candidates = [
            u
            for u in m.units_of[self.faction]
            if not (u.broken or u.foreign)
            and u.role != "attack"
            and u.node not in cities
            and u.target not in cities
        ]
        if not candidates:
            return None
        memo = {q: self.threat(q) for q in {u.node for u in candidates} | {u.target for u in candidates}}
        threats = {u: max(memo[u.node], memo[u.target]) for u in candidates}
        donor = min(candidates, key=lambda u: (threats[u], -u.strength, u.unique_id))
        front = 1 + threats[donor]  # vs the city's share / tolerance
        if math.isinf(front) or share <= self.divert_tolerance * front:
            return None  # the front needs them more
        moved = min(p.divert_strength, shortfall, p.divert_donor_share * donor.strength)
        return (donor, moved) if moved >= 1 else None

    def fall_due(self) -> bool:
        """Whether the regime sacrifices the government: smoothed unrest above the weathered + tolerance."""
        return math.isnan(self.fell_day) and self.smoothed - self.reference > self.fall_tolerance

    def _detach(self, donor, moved: float, place: int) -> None:
        """Move ``moved`` persons from the donor (weaker at once) to the city's detachment, marching home."""
        m = self.model
        key = self._detachment_key(place)
        donor.strength -= moved
        unit = m.unit_by_key.get(key)
        if unit is None:  # a new detachment, marching home from where the donor stands
            from sim.theatre import UnitSpec

            spec = UnitSpec(
                id=key,
                name=f"Detachment sent home to {m.theatre.places[m.theatre.place_ids[place]].name}",
                faction=self.faction,
                role="defend",
                axis=None,
                strength=int(moved),
                quality=donor.quality,
                place=m.theatre.place_ids[donor.node],
                toward=None,
                km=0.0,
            )
            unit = m.add_unit(spec)
            unit.home = unit.target = place
            unit.morale, unit.supply = donor.morale, donor.supply
        else:
            unit.strength += moved
        self.diversions += 1
        self.persons_sent += moved
        m.log(
            "sent_home",
            donor.key,
            m.theatre.place_ids[place],
            f"{moved:,.0f} persons sent against the unrest",
        )

    def record(self, day: int) -> None:
        """Mean active share, legitimacy and the share of cops left."""
        s = self.model.series
        s["unrest_active_share"][day] = self.share
        s[self.names[0]][day] = self.grid.legitimacy
        s[self.names[1]][day] = self.grid.n_cops / max(1, sum(self.base_cops))

    def outcomes(self) -> dict:
        """Contract outcomes of the unrest mechanism, and the detachments sent home."""
        return {
            "unrest_peak_active_share": self.peak,
            self.names[2]: self.fell_day,
            "unrest_diversions": self.diversions,
            "unrest_persons_sent": self.persons_sent,
        }


MECHANISM = Unrest
