"""Unrest in the East: an Epstein civil-violence grid per eastern city, coupled to the war.

Seed: "Haftar will face challenges in his strongholds in the Libyan East, after he had excluded all of
his opponents without mercy in the past."

Each city in ``cities`` (held by the LNA at the start) is a grid_size x grid_size torus of citizens and
cops following Epstein's (2002) rules: one block of a :class:`sim.model.unrest.CivilViolence` grid owned by
a :class:`sim.model.unrest.CityUnrest` agent, so all cities step in one compiled call. Daily, the war sets
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
``govt_fall_threshold`` brings down the eastern government (``east_govt_fell_day``; a one-off cohesion
loss).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.mechanism import Mechanism
from sim.model.oil import OilEconomy
from sim.model.unrest import CityUnrest, EpsteinParams
from sim.theatre import UnitSpec

__all__ = ["EasternUnrest"]


class EasternUnrest(Mechanism):
    """Civil unrest in the eastern cities and its effects on the LNA."""

    series_names = ("unrest_active_share", "east_legitimacy", "east_cops_share")

    def __init__(self, model) -> None:
        """Build one Epstein grid per city, with its initial police strength."""
        super().__init__(model)
        p = self.params = model.params.unrest
        th = model.theatre
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
        self.unrest = CityUnrest(model, "east", grid, blocks=len(p.cities))
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
        m.east_unrest_share = self.share
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
        east = set(self.places)
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
            and u.node not in east
            and not (u.dest >= 0 and u.dest in east)
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
        s["east_legitimacy"][day] = self._legitimacy()
        s["east_cops_share"][day] = self.grid.n_cops / max(1, sum(self.base_cops))

    def outcomes(self) -> dict:
        """Contract outcomes of the unrest mechanism."""
        return {
            "unrest_peak_active_share": self.peak,
            "east_govt_fell_day": self.fell_day,
            "unrest_diversions": self.diversions,
        }
