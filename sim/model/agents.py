"""The agents of the conflict model: military units, factions and foreign patrons.

Units are Mesa ``CellAgent``s on the road network (one cell per place). A unit always occupies the cell
of the last place it reached; while on a road it also has ``dest`` (the next place) and ``km`` (how far
along that road it stands). Factions give their units objectives; patrons fly air assets and send
reinforcements. All randomness comes from the model's generators (``model.rng``, and ``model.random``
for Mesa's shuffles), both seeded from the run's seed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.discrete_space import CellAgent

from sim.model import offensives
from sim.model.decide import NormalBelief
from sim.theatre import AirAsset, Faction, Patron, UnitSpec

if TYPE_CHECKING:
    from sim.model.model import ConflictModel

__all__ = ["AirArm", "FactionAgent", "PatronAgent", "Unit"]


class Unit(CellAgent):
    """A military unit: personnel strength, quality, morale and supply, moving along roads."""

    def __init__(self, model: ConflictModel, spec: UnitSpec, morale: float) -> None:
        """Create a unit at its initial place (and road position) from theatre data."""
        super().__init__(model)
        th = model.theatre
        self.key = spec.id
        self.foreign = spec.patron is not None or spec.standby is not None  # a patron's own force
        self.faction = spec.faction
        self.role = spec.role
        self.axis = spec.axis
        self.strength = float(spec.strength)
        self.quality = spec.quality
        self.morale = morale
        self.supply = 1.0
        self.broken = False
        self.home = th.index(spec.place)  # the place a defender holds
        self.node = th.index(spec.place)
        self.dest = th.index(spec.toward) if spec.toward is not None else -1
        self.km = spec.km
        self.target = self.node
        self.holding = False  # attack units hold where they stand during a ceasefire or a deal
        self.cell = model.space[self.node]

    # -- derived state ------------------------------------------------------------------------------

    @property
    def effectiveness(self) -> float:
        """Combat power per person: quality x supply x (0.5 + 0.5 morale)."""
        return self.quality * self.supply * (0.5 + 0.5 * self.morale)

    @property
    def power(self) -> float:
        """Effective combat power."""
        return self.strength * (self.quality * self.supply * (0.5 + 0.5 * self.morale))  # x effectiveness

    def contact_place(self) -> int:
        """Index of the enemy-held place this unit is engaging, or -1."""
        model = self.model
        if self.broken or self.dest < 0 or model.control[self.dest] == self.faction:
            return -1
        remaining = model.theatre.road_km[self.node, self.dest] - self.km
        return self.dest if remaining <= model.params.combat.engagement_km + 1e-9 else -1

    # -- behaviour ----------------------------------------------------------------------------------

    def move(self) -> None:
        """Move up to a day's distance along the shortest road path toward ``target``.

        A unit never enters an enemy-held place: it halts ``engagement_km`` short of it (in contact)
        and the place changes hands only through combat.
        """
        if not self.broken and (self.holding or (self.dest < 0 and self.node == self.target)):
            return  # holding, or arrived (most units on most days): before anything is looked up
        model = self.model
        th = model.theatre
        budget = model.params.movement.speed_km_per_day
        if self.broken:
            self._retreat(0.5 * budget)
            return
        while budget > 1e-9:
            if self.dest < 0:
                if self.node == self.target:
                    return
                hop = int(th.next_hop[self.node, self.target])
                if hop < 0:
                    return
                self.dest, self.km = hop, 0.0
            elif self.dest != self.target:
                edge = th.road_km[self.node, self.dest]
                ahead = edge - self.km + th.dist[self.dest, self.target]
                back = self.km + th.dist[self.node, self.target]
                if back < ahead - 1e-9:  # the target is now behind: re-route
                    if self.km > 0:
                        self._turn_back()
                    else:
                        self.dest = -1
                    continue
            edge = float(th.road_km[self.node, self.dest])  # plain floats keep km (and supply) plain floats
            if model.control[self.dest] != self.faction:
                halt = max(edge - model.params.combat.engagement_km, 0.0)
                self.km = max(self.km, min(halt, self.km + budget))
                return
            if self.km + budget >= edge:
                budget -= edge - self.km
                self.arrive(self.dest)
            else:
                self.km += budget
                return

    def _retreat(self, budget: float) -> None:
        """A broken unit falls back toward its nearest supply base through places its side holds.

        It follows the supply-distance field (road km to the nearest held base through held places), so
        it never passes through an enemy-held place; cut off from every base, it stays where it is.
        """
        model = self.model
        th = model.theatre
        dist = model.supply_distance(self.faction)
        while budget > 1e-9:
            if self.dest >= 0:
                edge = float(th.road_km[self.node, self.dest])
                ahead, back = edge - self.km + dist[self.dest], self.km + dist[self.node]
                if back < ahead and self.km > 0:
                    self._turn_back()
                    continue
                if not np.isfinite(ahead):
                    return
                if self.km + budget >= edge:
                    budget -= edge - self.km
                    self.arrive(self.dest)
                else:
                    self.km += budget
                    return
            else:
                here = dist[self.node]
                if here == 0:
                    return
                options = [
                    (th.road_km[self.node, n] + dist[n], n)
                    for n in th.neighbours[self.node]
                    if np.isfinite(dist[n]) and dist[n] < here
                ]
                if not options:
                    return
                self.dest, self.km = min(options)[1], 0.0

    def _turn_back(self) -> None:
        """Reverse on the current road: the unit now comes from ``dest`` toward ``node``."""
        length = float(self.model.theatre.road_km[self.node, self.dest])
        self.node, self.dest = self.dest, self.node
        self.km = length - self.km
        self.cell = self.model.space[self.node]

    def arrive(self, place: int) -> None:
        """Enter a place (its cell) and stop on it."""
        self.node, self.dest, self.km = place, -1, 0.0
        self.cell = self.model.space[place]

    def take_losses(self, losses: float) -> None:
        """Remove ``losses`` personnel and lower morale by the share lost."""
        if losses <= 0 or self.strength <= 0:
            return
        # min(1, .) and max(0, .) as conditional expressions (the same values; runs per unit and battle)
        share = losses / self.strength
        share = share if share < 1.0 else 1.0
        left = self.strength - losses
        self.strength = left if left > 0.0 else 0.0
        morale = self.morale - self.model.params.morale.loss_sensitivity * share
        self.morale = morale if morale > 0.0 else 0.0
        if self.morale < self.model.params.morale.break_threshold:
            self.broken = True


class FactionAgent(mesa.Agent):
    """A Libyan side: assigns objectives to its units and carries coalition cohesion."""

    def __init__(self, model: ConflictModel, spec: Faction) -> None:
        """Create the faction from theatre data."""
        super().__init__(model)
        self.key = spec.id
        self.spec = spec
        self.cohesion = spec.initial_cohesion
        th = model.theatre
        self.axes = {k: [th.index(p) for p in v] for k, v in spec.axes.items()}
        self._priority = [th.index(p) for p in spec.defend_priority]
        self.supply_bases = [th.index(p) for p in spec.supply_bases]
        sd = model.params.offensives.optimism_sd
        # its belief about its own edge (log factor on the force ratios it reckons), private to the run
        self.optimism = NormalBelief(float(model.rng.normal(0.0, sd)) if sd > 0 else 0.0, sd * sd)
        self.objective = -1  # the place its reserves attack (-1: none)

    def units(self) -> list[Unit]:
        """This faction's units, in creation order."""
        return self.model.units_of[self.key]

    def plan(self) -> None:
        """Give each unit its objective for the day."""
        model = self.model
        control = model.control
        threatened = [p for p in self._priority if control[p] == self.key and p in model.threatened]
        hold = model.ceasefire_in_force or model.offensives_frozen
        before, self.objective = self.objective, -1 if threatened or hold else self.choose_offensive()
        if self.objective >= 0 and self.objective != before:
            model.log("offensive", self.key, model.theatre.place_ids[self.objective], "its reserves attack")
        for u in self.units():
            u.holding = hold and u.role == "attack" and not u.broken
            if u.broken:
                u.target = self._retreat_place(u)
            elif u.role == "attack":
                u.target = next((p for p in self.axes[u.axis] if control[p] != self.key), u.node)
            elif u.role == "reserve":
                u.target = self._reserve_target(u, threatened)
            else:  # defend
                if control[u.home] != self.key:
                    u.home = self._retreat_place(u)
                u.target = u.home

    def _reserve_target(self, u: Unit, threatened: list[int]) -> int:
        """A reserve answers the first threat, else joins the offensive, else stays (or goes on)."""
        if threatened:
            return threatened[0]
        if self.objective >= 0 and self._free(u):
            return self.objective
        if u.dest < 0:
            return u.node
        if self.model.control[u.target] != self.key:  # an offensive called off: back to where it came from
            return u.node
        return u.target

    def _free(self, u: Unit) -> bool:
        """A reserve may leave: it is not the last defence of a supply base it stands on."""
        return offensives.is_free(self, u)

    def choose_offensive(self) -> int:
        """The objective of its free reserves, or -1 (:func:`sim.model.offensives.choose`)."""
        return offensives.choose(self)

    def observe_battle(self, edge_seen: float) -> None:
        """Learn from an assault it fought: ``edge_seen`` = log(inflicted / taken) over its expected value.

        That is a noisy sight of its true edge (zero: the combat rule is what it is), so battles pull its
        optimism toward the truth and make it surer (Slantchev 2003).
        """
        noise = self.model.params.offensives.battle_noise_sd
        self.optimism.observe(edge_seen, noise * noise)

    def deterrence(self, place: int) -> float:
        """Factor on the force ratio this faction demands before assaulting ``place`` (>= 1).

        exp(sum of the believed costs of taking it: :attr:`ConflictModel.deterrents`). Each believed cost is
        in units of the place's value to the attacker, so the attacker needs a larger edge in power to make
        the assault worth its risk (Schelling 1966: a threat deters through the attacker's expectation).
        """
        deterrents = self.model.deterrents
        if not deterrents:
            return 1.0
        return math.exp(sum(d.believed_cost(self.key, place) for d in deterrents))

    def _retreat_place(self, u: Unit) -> int:
        """Nearest held supply base by road (else the nearest held place)."""
        model, th = self.model, self.model.theatre
        held = [b for b in self.supply_bases if model.control[b] == self.key]
        if not held:
            held = [i for i in range(len(th.place_ids)) if model.control[i] == self.key]
        if not held:
            return u.node
        return min(held, key=lambda b: th.dist[u.node, b])

    def update_cohesion(self, places_lost: int, casualty_share: float) -> None:
        """Cohesion falls with lost places and the day's losses, and recovers slowly."""
        p = self.model.params.cohesion
        c = self.cohesion - p.loss_per_place * places_lost - p.loss_per_casualty_share * casualty_share
        c += p.recovery_per_day * (1.0 - c)
        self.cohesion = min(1.0, max(0.0, c))


class PatronAgent(mesa.Agent):
    """A foreign backer: air assets over its client's battles and reinforcements."""

    def __init__(self, model: ConflictModel, spec: Patron) -> None:
        """Create the patron from theatre data."""
        super().__init__(model)
        self.key = spec.id
        self.spec = spec
        self.client = spec.client
        self.assets = list(spec.assets)
        self.aircraft = [float(a.count) for a in self.assets]
        self.reinforcements_sent = 0.0
        self.aircraft_lost = 0
        self.intervened_day = float("nan")
        self.decision = None  # its choice of support (sim.model.support), set by the model
        th = model.theatre
        self._bases = [th.index(a.base) for a in self.assets]
        self._ad = [(th.index(s.place), s.radius_km, s.strength) for s in spec.air_defence]

    @property
    def scale(self) -> float:
        """Its chosen support: x its sorties and reinforcements (``model.support``)."""
        return self.model.support[self.key]

    @property
    def intervened(self) -> bool:
        """Whether the patron has intervened."""
        return not math.isnan(self.intervened_day)

    @property
    def committed(self) -> bool:
        """Whether it has something in the theatre (aircraft, or fighters it sends) to scale."""
        return bool(self.assets) or self.spec.reinforcements_per_day > 0

    def intervene(self) -> None:
        """Commit the standby air assets and deploy the standby units (once)."""
        model = self.model
        if self.intervened:
            return
        self.intervened_day = float(model.steps)
        model.log("intervention", self.key, "", f"commits its standby forces for {self.client}")
        for a in self.spec.standby_assets:
            self.assets.append(a)
            self.aircraft.append(float(a.count))
            self._bases.append(model.theatre.index(a.base))
        for spec in model.theatre.units.values():
            if spec.standby == self.key and spec.id not in model.unit_by_key:
                model.add_unit(spec)

    def step(self) -> None:
        """Choose its support; replace lost aircraft and send reinforcements to the designated unit."""
        rng = self.model.rng
        if self.decision is not None and self.committed and self.key not in self.model.bargained:
            self.decision.step()
        for i, a in enumerate(self.assets):
            if a.replacement_per_week > 0 and self.aircraft[i] < a.count:
                self.aircraft[i] = min(a.count, self.aircraft[i] + rng.poisson(a.replacement_per_week / 7))
        if not self.model.params.reinforcements.enabled or self.spec.reinforce_unit is None:
            return
        unit = self.model.unit_by_key.get(self.spec.reinforce_unit)
        if unit is None or unit.strength <= 0:
            return
        rate = self.spec.reinforcements_per_day * self.scale
        rate *= self.model.regroup[self.client]
        arrivals = int(rng.poisson(rate))
        unit.strength += arrivals
        self.reinforcements_sent += arrivals

    def sorties_over(self, place: int) -> list[tuple[int, AirAsset, float]]:
        """(asset index, asset, sorties per contested place) of assets that can reach ``place``."""
        model = self.model
        out = []
        for i, a in enumerate(self.assets):
            base = self._bases[i]
            if model.control[base] != self.client or self.aircraft[i] <= 0:
                continue
            if model.theatre.air_km[base, place] > a.range_km:
                continue
            out.append((i, a, self.aircraft[i] * a.sortie_rate * self.scale))
        return out

    def air_defence_over(self, place: int) -> float:
        """Strongest of this patron's air-defence sites covering ``place`` (held by its client)."""
        model = self.model
        best = 0.0
        for site, radius, strength in self._ad:
            if model.control[site] == self.client and model.theatre.air_km[site, place] <= radius:
                best = max(best, strength)
        return best


class AirArm(PatronAgent):
    """A faction's own air arm (``factions.<id>.assets`` and ``air_defence``).

    Flown as a patron's assets are, but at full strength whatever the patrons choose, with no decision,
    reinforcements or intervention.
    """

    def __init__(self, model: ConflictModel, faction: Faction) -> None:
        """Create the air arm of ``faction`` from theatre data."""
        spec = Patron(f"{faction.id} air arm", f"{faction.name}: its own air arm", faction.id,
                      faction.assets, faction.air_defence, 0.0, None)  # fmt: skip
        super().__init__(model, spec)

    @property
    def scale(self) -> float:
        """Always 1: no patron's choice scales a faction's own aircraft."""
        return 1.0
