"""Unrest in one faction's cities (Libya: the East): an Epstein civil-violence grid per city.

Seed: "Haftar will face challenges in his strongholds in the Libyan East, after he had excluded all of
his opponents without mercy in the past."

Each city in ``cities`` (held by the LNA at the start) is a grid_size x grid_size torus of citizens and
cops following Epstein's (2002) rules: one block of a :class:`sim.model.epstein.CivilViolence` grid owned by
a :class:`sim.model.epstein.CityUnrest` agent, so all cities step in one compiled call. Daily, the war sets
the drivers, then the grid steps:

* legitimacy L = legitimacy_base - exclusion_penalty - legitimacy_drop_per_defeat x places the
  faction has lost - legitimacy_drop_per_1000_killed x fatalities / 1,000 (clipped to [0, 1]);
* hardship shift = the change in the oil mechanism's hardship since day 0 (lost revenue; negative once
  output recovers), 0 if oil is off: the grievances people already had on day 0 are Epstein's
  H ~ U(0, 1) at the base legitimacy;
* cops = cop_density x cells x (police_floor + (1 - police_floor) x the faction's strength now in the
  city / at the start), so units sent to the front take cops away.

Then the coupling back: the population-weighted active share lowers the faction's cohesion by
``cohesion_weight`` x share a day and feeds the blockade decision; a city whose active share, averaged
over ``divert_days``, exceeds ``divert_threshold`` makes the faction detach ``divert_strength``
personnel from its strongest unit outside the East and march them home to that city (a detachment
unit that later diversions reinforce), as long as the city's forces are below their initial strength; a
mean share averaged over ``govt_fall_days`` above
``govt_fall_threshold`` brings down the region's government (``<region>_govt_fell_day``; a one-off
cohesion loss).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.errors import ConfigError
from sim.model.epstein_params import EPSTEIN, EpsteinParams
from sim.model.mechanisms import Mechanism, Outcome, Series, name_part
from sim.schema import days, num, prob

__all__ = ["MECHANISM", "Unrest"]


@dataclass
class Config:
    """Civil unrest in one faction's cities (Libya: the LNA's East): an Epstein (2002) grid per city.

    Legitimacy L = legitimacy_base - exclusion_penalty - legitimacy_drop_per_defeat x places the LNA
    has lost - legitimacy_drop_per_1000_killed x fatalities / 1,000; hardship rises with lost oil
    revenue (``oil.hardship``); cops scale with the LNA strength left in the city (never below
    police_floor of the initial). Seed: "Haftar will face challenges in his strongholds in the Libyan
    East, after he had excluded all of his opponents without mercy in the past."
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
    # Share of a city's security forces that remain (police, local units) when its army units leave.
    # ASSUMPTION.
    police_floor: float = prob(0.5)
    # A city whose active share, averaged over divert_days, exceeds divert_threshold makes the LNA
    # detach divert_strength personnel from its strongest unit outside the East (not attacking) and
    # march them home; then the city's count restarts. ASSUMPTION: a battalion-size detachment.
    divert_threshold: float = prob(0.04)
    divert_days: int = days(7, 1)
    divert_strength: float = num(1000.0, 0.0, 1_000_000.0)
    # The eastern government falls when the population-weighted active share, averaged over
    # govt_fall_days, exceeds govt_fall_threshold (the al-Thinni cabinet resigned on 13 Sep 2020 after
    # weeks of protests; places.csv, al-Bayda note). ASSUMPTION for both values.
    govt_fall_threshold: float = prob(0.04)
    govt_fall_days: int = days(21, 1)
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
        """Build one Epstein grid per city, with its initial police strength."""
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
            legitimacy=self._legitimacy(),
            max_jail_term=p.max_jail_term,
        )
        self.unrest = CityUnrest(model, r, grid, blocks=len(p.cities))
        self.grid = self.unrest.grid
        for _ in range(
            p.warmup_steps
        ):  # settle each society at its day-0 drivers (Epstein grids start quiet)
            self.unrest.step()
        self.oil = model.mechanism(OilEconomy)  # built before this mechanism (MECHANISMS order)
        self.hardship0 = self.oil.hardship if self.oil is not None else 0.0
        self.base_cops = self.grid.cops_per_block().tolist()
        self.cops = list(self.base_cops)
        self.base_strength = [self._strength_at(i) for i in self.places]
        self.history = np.zeros((model.horizon_days + 1, len(p.cities)))  # active share per day
        self.since_divert = [0] * len(p.cities)
        self.share = float(self.weights @ self.grid.active_shares())  # after warm-up
        self.peak = self.share
        self.fell_day = math.nan
        self.diversions = 0

    def _strength_at(self, place: int) -> float:
        return sum(u.strength for u in self.model.units_at(place) if u.faction == self.faction)

    def _legitimacy(self) -> float:
        p, m = self.params, self.model
        lost = m.places_lost_cum.get(self.faction, 0)
        x = p.legitimacy_base - p.exclusion_penalty - p.legitimacy_drop_per_defeat * lost
        x -= p.legitimacy_drop_per_1000_killed * m.fatalities / 1000
        return min(1.0, max(0.0, x))

    def step(self) -> None:
        """Set the drivers, step the grids, feed unrest back into the war."""
        m, p = self.model, self.params
        g = self.grid
        g.legitimacy = self._legitimacy()
        g.hardship_shift = (self.oil.hardship - self.hardship0) if self.oil is not None else 0.0
        for k, place in enumerate(self.places):
            base = self.base_strength[k]
            ratio = min(1.0, self._strength_at(place) / base) if base > 0 else 1.0
            cops = round(self.base_cops[k] * (p.police_floor + (1 - p.police_floor) * ratio))
            if cops != self.cops[k]:
                g.set_cops(cops, k)
                self.cops[k] = cops
        self.unrest.step()
        shares = g.active_shares()
        day = m.steps
        self.history[day] = shares
        window = None  # mean shares over the last divert_days days, when a city's counter is due
        for k, place in enumerate(self.places):
            self.since_divert[k] += 1
            if self.since_divert[k] >= p.divert_days:
                if window is None:
                    window = self.history[max(1, day - p.divert_days + 1) : day + 1].mean(axis=0)
                if window[k] > p.divert_threshold:
                    self._divert(k, place)
                    self.since_divert[k] = 0
        self.share = float(self.weights @ shares)
        self.peak = max(self.peak, self.share)
        m.unrest_share = self.share
        faction = m.factions[self.faction]
        faction.cohesion = max(0.0, faction.cohesion - p.cohesion_weight * self.share)
        if day >= p.govt_fall_days and math.isnan(self.fell_day):
            recent = self.history[max(1, day - p.govt_fall_days + 1) : day + 1] @ self.weights
            if recent.mean() > p.govt_fall_threshold:  # sustained unrest
                self.fell_day = float(day)
                faction.cohesion = max(0.0, faction.cohesion - p.govt_fall_cohesion)

    def _divert(self, k: int, place: int) -> None:
        """Detach ``divert_strength`` from the strongest unit outside the East and send it home.

        Only while the city's forces, counting a detachment still on its way, are below their initial
        strength: more troops than that cannot restore a legitimacy the regime has lost.
        """
        m = self.model
        cities = set(self.places)
        key = f"{self.faction.lower()}_{m.theatre.place_ids[place]}_detachment"
        on_way = (
            m.unit_by_key[key].strength if key in m.unit_by_key and m.unit_by_key[key].node != place else 0.0
        )
        if self._strength_at(place) + on_way >= self.base_strength[k]:
            return
        candidates = [
            u
            for u in m.units_of[self.faction]
            if not u.broken
            and u.role != "attack"
            and u.key != key
            and u.node not in cities
            and not (u.dest >= 0 and u.dest in cities)
        ]
        if not candidates:
            return
        donor = max(candidates, key=lambda u: (u.strength, -u.unique_id))
        moved = min(self.params.divert_strength, donor.strength - 1)
        if moved < 1:
            return
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

    def record(self, day: int) -> None:
        """Mean active share, legitimacy and the share of cops left."""
        s = self.model.series
        s["unrest_active_share"][day] = self.share
        s[self.names[0]][day] = self._legitimacy()
        s[self.names[1]][day] = self.grid.n_cops / max(1, sum(self.base_cops))

    def outcomes(self) -> dict:
        """Contract outcomes of the unrest mechanism."""
        return {
            "unrest_peak_active_share": self.peak,
            self.names[2]: self.fell_day,
            "unrest_diversions": self.diversions,
        }


MECHANISM = Unrest
