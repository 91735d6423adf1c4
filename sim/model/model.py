"""``ConflictModel``: a theatre's conflict as a Mesa model, one step = one day.

Process order each day (docs/ODD.md, "Process overview and scheduling"):

1. patrons replace aircraft and send reinforcements (creation order);
2. factions give their units objectives (creation order);
3. units move along roads (random order, ``shuffle_do``);
4. combat at contested places (place index order), captures;
5. morale recovery (not for units that fought an assault) and rallying; dead units leave;
6. supply from the factions' bases through held places;
7. cohesion;
8. the enabled mechanisms, in their declared order (:mod:`sim.model.mechanisms`; today oil economy,
   unrest, ceasefire, red line, patron bargaining; each reads the state the previous ones left);
9. the day's state is recorded.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.config import MechanismsConfig
from sim.errors import RunTimeout
from sim.model.agents import AirArm, FactionAgent, PatronAgent, Unit
from sim.model.combat import resolve_combat
from sim.model.contract import empty_outcomes, series_of, switched_on
from sim.model.mechanisms import Mechanism
from sim.model.supply_fields import SUPPLY_FIELDS
from sim.model.support import SupportDecision
from sim.theatre import Theatre, UnitSpec

__all__ = ["ConflictModel", "release_mesa_caches"]


class ConflictModel(mesa.Model):
    """Agent-based model of the 2020 Libyan war from the seed's early-June state.

    Args:
        theatre: the validated theatre (places, roads, forces, patrons, oil).
        params: mechanism parameters (``cfg.mechanisms``).
        horizon_days: number of days the run will last (sizes the series arrays).
        rng: seed or generator; the model owns it and every draw comes from it.
    """

    def __init__(
        self,
        theatre: Theatre,
        params: MechanismsConfig,
        horizon_days: int,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        """Build the initial state (7 June 2020 for the Libya theatre)."""
        super().__init__(rng=rng)
        self.theatre = theatre
        self.params = params
        self.horizon_days = horizon_days
        n = len(theatre.place_ids)

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from((theatre.index(r.a), theatre.index(r.b)) for r in theatre.roads)
        self.space = Network(graph, random=self.random)

        self.control = [theatre.places[p].control for p in theatre.place_ids]
        self.threatened: set[int] = set()
        self.assaulted_places: set[int] = set()  # places assaulted today (not mere skirmishes)
        self.captured_day: dict[str, float] = {p: math.nan for p in theatre.watch_places}
        self._control_version = 0
        self._supply_cache: dict[str, tuple[int, np.ndarray]] = {}
        self._held_front = (-1, math.nan)  # (control version, easternmost coastal place the front holds)
        self._coastal = {theatre.index(p): km for p, km in theatre.coastal_km.items()}

        self.factions = {fid: FactionAgent(self, f) for fid, f in theatre.factions.items()}
        self._build_air_powers(theatre)
        self.units_of: dict[str, list[Unit]] = {fid: [] for fid in theatre.factions}
        self.unit_by_key: dict[str, Unit] = {}
        self._units_made: list[Unit] = []  # the units alive in creation order: unit_set's order, as a list
        for spec in theatre.units.values():
            if spec.standby is None:
                self.add_unit(spec)
        self.faction_set = self.agents_by_type[FactionAgent]
        self.patron_set = self.agents_by_type.get(PatronAgent)
        self.unit_set = self.agents_by_type[Unit]

        self._shared_state()

        self.fatalities = 0.0
        self.losses_cum = {fid: 0.0 for fid in self.factions}
        self.initial_strength = {fid: self.strength(fid) for fid in self.factions}
        self.places_lost_today: dict[str, int] = defaultdict(int)
        self.places_lost_cum: dict[str, int] = defaultdict(int)
        for pa in self.patrons.values():  # private beliefs drawn in every run where the rule is on
            pa.decision = SupportDecision(pa) if params.patron_support.enabled else None
        self.mechanisms: list[Mechanism] = []
        self._build_mechanisms()
        self.series = {name: np.full(horizon_days + 1, np.nan) for name in self.series_names()}
        self._escalation_series = {pid: f"{pid}_escalation" for pid in self.escalation}
        self._faction_series = {f: (f"{f.lower()}_strength", f"{f.lower()}_cohesion") for f in self.factions}
        self._update_supply()
        self.series["front_km"][0] = self.front_km()
        self._record(0)

    def _build_air_powers(self, theatre: Theatre) -> None:
        """The patrons, and the factions' own air arms: each faction's list of them (patrons first)."""
        self.patrons = {pid: PatronAgent(self, p) for pid, p in theatre.patrons.items()}
        self.patrons_of: dict[str, list[PatronAgent]] = defaultdict(list)
        for p in self.patrons.values():
            self.patrons_of[p.client].append(p)
        # the factions' own air arms fly and cover beside their patrons' (after them, in faction order)
        self.air_arms = [AirArm(self, f) for f in theatre.factions.values() if f.assets or f.air_defence]
        for arm in self.air_arms:
            self.patrons_of[arm.client].append(arm)

    def _shared_state(self) -> None:
        """State that mechanisms set and core processes read (neutral values when no mechanism acts)."""
        self.ceasefire_in_force = False  # no combat; attack units hold (ceasefire mechanism)
        self.events: list[tuple[int, str, str, str, str]] = []  # (day, actor, kind, place, detail): log()
        self.offensives_frozen = False  # attack units hold (patrons' deal)
        self.assault_ratio_factor = 1.0  # assaults need this x the usual force ratio (patrons' deal)
        self.escalation = {pid: 0.5 for pid in self.patrons}  # each patron's chosen commitment (0-1)
        self.support = {pid: 1.0 for pid in self.patrons}  # x air sorties and reinforcements
        self.bargained: set[str] = set()  # patrons that choose their escalation in a bargaining game
        self.regroup = {fid: 1.0 for fid in self.factions}  # x morale recovery and patron reinforcement
        self.pressure_sources: dict[str, float] = {}  # patron pressure to de-escalate, by source
        self.unrest_share = 0.0  # active share in the rioting cities (unrest mechanism)
        # Mechanisms whose cost an attacker weighs before an assault (a patron's red line): each has
        # ``believed_cost(faction, place) -> float`` (see FactionAgent.deterrence).
        self.deterrents: list[Any] = []

    def _build_mechanisms(self) -> None:
        """Build one object per enabled mechanism, in step order (:func:`sim.model.mechanisms.registry`).

        A mechanism may look up the ones built before it.
        """
        for cls in switched_on(self.params):
            self.mechanisms.append(cls(self))

    def mechanism(self, cls: type) -> Mechanism | None:
        """The mechanism object of a class, or None if it is switched off."""
        return next((m for m in self.mechanisms if isinstance(m, cls)), None)

    def add_unit(self, spec: UnitSpec) -> Unit:
        """Create a unit from its spec (at start, or when a patron deploys a standby force)."""
        morale = (
            spec.morale if spec.morale is not None else self.theatre.factions[spec.faction].initial_morale
        )
        u = Unit(self, spec, morale=morale)
        self.units_of[u.faction].append(u)
        self.unit_by_key[u.key] = u
        self._units_made.append(u)
        return u

    def pressure(self) -> float:
        """Patron pressure to de-escalate, in [0, 1] (the strongest current source)."""
        return max(self.pressure_sources.values(), default=0.0)

    # -- queries ------------------------------------------------------------------------------------

    def series_names(self) -> list[str]:
        """The core's series and the mechanisms' (:func:`sim.model.contract.series_of`)."""
        return [s.name for s in series_of(self.params, self.theatre)]

    def all_units(self) -> list[Unit]:
        """Every unit alive, in creation order."""
        return [u for units in self.units_of.values() for u in units]

    def units_at(self, place: int) -> list[Unit]:
        """Units standing on a place (not on a road leaving it)."""
        return [u for u in self.space[place].agents if u.dest < 0]

    def enemy_power_near(self, place: int, faction: str, radius_km: float) -> float:
        """Power of the units of ``faction``'s enemies standing within ``radius_km`` by road of ``place``."""
        dist = self.theatre.dist[:, place]
        return sum(
            u.power
            for fid, units in self.units_of.items()
            if fid != faction
            for u in units
            if not u.broken and dist[u.node] <= radius_km
        )

    def strength(self, faction: str) -> float:
        """Total personnel of a faction (added in order, as sum() would: runs twice a day)."""
        total = 0
        for u in self.units_of[faction]:
            total += u.strength
        return total

    def front_km(self) -> float:
        """Front faction's easternmost held point along the coastal road, km from the origin."""
        ff = self.theatre.front_faction
        if self._held_front[0] != self._control_version:
            held = max((km for i, km in self._coastal.items() if self.control[i] == ff), default=math.nan)
            self._held_front = (self._control_version, held)
        best = self._held_front[1]
        road = self.theatre.road_km
        for u in self.units_of[ff]:
            if u.dest >= 0 and u.node in self._coastal and u.dest in self._coastal:
                a, b = self._coastal[u.node], self._coastal[u.dest]
                pos = a + math.copysign(u.km, b - a) * min(1.0, abs(b - a) / road[u.node, u.dest])
                best = max(best, pos)
        return best

    # -- state changes ------------------------------------------------------------------------------

    def log(self, kind: str, actor: str = "", place: str = "", detail: str = "") -> None:
        """Record an event of today: what happened, who did it, where (a place id), in words."""
        self.events.append((self.steps, actor, kind, place, detail))

    def capture(self, place: int, faction: str, attackers: list[Unit]) -> None:
        """``faction`` takes ``place``; its unbroken attackers in contact move in."""
        loser = self.control[place]
        self.control[place] = faction
        self._control_version += 1
        self.places_lost_today[loser] += 1
        self.places_lost_cum[loser] += 1
        pid = self.theatre.place_ids[place]
        self.log("capture", faction, pid, f"taken from {loser}")
        if faction == self.theatre.front_faction and pid in self.captured_day:
            if math.isnan(self.captured_day[pid]):
                self.captured_day[pid] = float(self.steps)
        standing = [u for u in attackers if not u.broken and u.strength >= 1]
        for u in standing:
            u.arrive(place)
        if len(standing) >= 2:  # the smallest unit stays as the garrison; the others may push on
            garrison = min(standing, key=lambda u: (u.strength, u.unique_id))
            garrison.role, garrison.home, garrison.target = "defend", place, place

    def step(self) -> None:
        """Advance one day."""
        for pa in self.patrons.values():  # patron_set.do("step"): the set holds these, in this order
            pa.step()
        for arm in self.air_arms:  # replace lost aircraft
            arm.step()
        for f in self.factions.values():  # faction_set.do("plan")
            f.plan()
        units = self._units_made.copy()  # unit_set.shuffle_do("move"): the same order and shuffle
        self.unit_set.random.shuffle(units)
        for u in units:
            u.move()
        losses, assaulted = resolve_combat(self)
        self._recover(assaulted)
        self._remove_dead()
        self._update_supply()
        for fid, f in self.factions.items():
            strength = self.strength(fid)
            share = losses.get(fid, 0.0) / strength if strength > 0 else 0.0
            f.update_cohesion(self.places_lost_today.get(fid, 0), share)
            self.losses_cum[fid] += losses.get(fid, 0.0)
        self.fatalities += self.params.combat.killed_share * sum(losses.values())
        self.series["front_km"][self.steps] = self.front_km()  # mechanisms read today's front line
        for m in self.mechanisms:
            m.step()
        self._record(self.steps)
        self.places_lost_today.clear()  # "today" = since the last step

    def _recover(self, assaulted: set[Unit]) -> None:
        """Daily morale recovery of every unit but those that fought an assault; broken units may rally.

        Recovery is scaled by the unit's supply and its faction's cohesion; a broken unit rallies at
        ``rally_threshold``. Each faction's rate is read once (runs daily).
        """
        p = self.params.morale
        rally, per_day = p.rally_threshold, p.recovery_per_day
        for fid, units in self.units_of.items():
            rate, cohesion = per_day * self.regroup[fid], self.factions[fid].cohesion
            for u in units:
                if u not in assaulted:
                    morale = u.morale + rate * u.supply * cohesion * (1.0 - u.morale)
                    u.morale = morale if morale < 1.0 else 1.0  # min(1.0, ...)
                if u.broken and u.morale >= rally:
                    u.broken = False

    def _remove_dead(self) -> None:
        for fid, units in self.units_of.items():
            alive = [u for u in units if u.strength >= 1]
            if len(alive) != len(units):
                for u in units:
                    if u.strength < 1:
                        self.unit_by_key.pop(u.key, None)
                        u.remove()
                self.units_of[fid] = alive
                self._units_made = [u for u in self._units_made if u.strength >= 1]

    def supply_distance(self, faction: str) -> np.ndarray:
        """Road distance from the faction's held supply bases through places it holds."""
        cached = self._supply_cache.get(faction)
        if cached is not None and cached[0] == self._control_version:
            return cached[1]
        shared = SUPPLY_FIELDS.of(self.theatre)
        key = (faction, tuple(self.control))
        d = shared.get(key)
        if d is None:
            d = shared[key] = self._supply_field(faction)
        self._supply_cache[faction] = (self._control_version, d)
        return d

    def _supply_field(self, faction: str) -> np.ndarray:
        """Dijkstra from the faction's held bases over the roads between places it holds (read-only)."""
        th = self.theatre
        held = np.array([c == faction for c in self.control])
        w = np.where(np.isfinite(th.road_km) & held[:, None] & held[None, :], th.road_km, 0.0)
        bases = [b for b in self.factions[faction].supply_bases if held[b]]
        if bases:
            d = dijkstra(csr_matrix(w), directed=False, indices=bases, min_only=True)
        else:
            d = np.full(len(held), np.inf)
        d.flags.writeable = False  # shared by runs (sim.model.supply_fields)
        return d

    def _update_supply(self) -> None:
        p = self.params.supply
        for fid, units in self.units_of.items():
            # plain floats: numpy scalars here would make supply, and through it morale and power, numpy
            # scalars (the same values, but every later operation on them slower)
            dist = self.supply_distance(fid).tolist()
            for u in units:
                d = dist[u.node] + (u.km if u.dest >= 0 else 0.0)
                if not math.isfinite(d):
                    u.supply = max(0.0, u.supply - p.cut_decay_per_day)
                elif d <= p.range_km:
                    u.supply = 1.0
                elif d - p.range_km >= p.decay_km:
                    u.supply = p.floor
                else:
                    u.supply = 1.0 - (1.0 - p.floor) * (d - p.range_km) / p.decay_km

    def _record(self, day: int) -> None:
        """The day's state after the mechanisms (``front_km`` is recorded before them)."""
        s = self.series
        for fid, f in self.factions.items():
            strength, cohesion = self._faction_series[fid]
            s[strength][day] = self.strength(fid)
            s[cohesion][day] = f.cohesion
        s["fatalities_cum"][day] = self.fatalities
        for pid, e in self.escalation.items():
            s[self._escalation_series[pid]][day] = e
        for m in self.mechanisms:
            m.record(day)

    # -- whole runs ---------------------------------------------------------------------------------

    def run(self, deadline: float | None = None) -> None:
        """Run to the horizon.

        Args:
            deadline: a :func:`time.monotonic` time; checked before each day, past it the run stops.

        Raises:
            RunTimeout: the deadline passed (the message says on which day the run stopped).
        """
        for _ in range(self.horizon_days):
            if deadline is not None and time.monotonic() > deadline:
                raise RunTimeout(f"stopped on day {self.steps} of {self.horizon_days}")
            self.step()

    def outcomes(self) -> dict[str, Any]:
        """Per-run outcomes of the results contract (call after :meth:`run`)."""
        out = empty_outcomes(self.params, self.theatre)
        for pid, day in self.captured_day.items():
            out[f"{pid}_captured_day"] = day
        out["front_km_final"] = self.front_km()
        out["fatalities_total"] = self.fatalities
        for pid, patron in self.patrons.items():
            if f"{pid}_intervened_day" in out:
                out[f"{pid}_intervened_day"] = patron.intervened_day
        for m in self.mechanisms:
            out.update(m.outcomes())
        for pid, holder in zip(self.theatre.place_ids, self.control, strict=True):
            out[f"holder_{pid}"] = holder  # who holds each place at the horizon (the report's map)
        return out


def release_mesa_caches(model: mesa.Model) -> None:
    """Drop what Mesa 3.3 keeps at class level for a finished model, so long ensembles stay flat."""
    from mesa.agent import Agent
    from mesa.discrete_space.cell import Cell

    Agent._ids.pop(model, None)
    Cell.get_neighborhood.cache_clear()
    Cell._neighborhood.cache_clear()
