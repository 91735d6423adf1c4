"""The theatre: places, roads, factions, patrons, units and oil as typed, validated data.

A theatre is data, not code (``configs/theatre/*.yaml``). :func:`build_theatre` turns the config node
into frozen objects and rejects bad data with a :class:`TheatreError` whose message is one line naming
the offending item. It also precomputes what every model run needs and never changes: place indices,
the road adjacency, all-pairs shortest road paths and each coastal place's distance along the coast.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from sim.config import ConfigError

__all__ = [
    "AirAsset",
    "AirDefenceSite",
    "Faction",
    "OilSystem",
    "Patron",
    "Place",
    "Road",
    "Theatre",
    "TheatreError",
    "UnitSpec",
    "build_theatre",
    "great_circle_km",
]

FACTION_ROLES = ("attack", "defend", "reserve")
ASSET_KINDS = ("drone", "jet")


class TheatreError(ConfigError):
    """Theatre data is invalid; the message is one line naming the item."""


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km (R = 6371.0 km, as ../shared/reference/roads_notes.md)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Place:
    """A place on the road network."""

    id: str
    index: int
    name: str
    lat: float
    lon: float
    kind: str
    control: str
    population: int | None


@dataclass(frozen=True)
class Road:
    """An undirected road link with its length in km."""

    a: str
    b: str
    km: float


@dataclass(frozen=True)
class Faction:
    """A Libyan side."""

    id: str
    name: str
    supply_bases: tuple[str, ...]
    axes: Mapping[str, tuple[str, ...]]
    defend_priority: tuple[str, ...]
    initial_morale: float
    initial_cohesion: float


@dataclass(frozen=True)
class AirAsset:
    """Aircraft of one kind flying from a base."""

    kind: str
    count: int
    base: str
    sortie_rate: float
    range_km: float
    replacement_per_week: float


@dataclass(frozen=True)
class AirDefenceSite:
    """An air-defence site."""

    place: str
    radius_km: float
    strength: float


@dataclass(frozen=True)
class Patron:
    """A foreign backer."""

    id: str
    name: str
    client: str
    assets: tuple[AirAsset, ...]
    air_defence: tuple[AirDefenceSite, ...]
    reinforcements_per_day: float
    reinforce_unit: str | None
    standby_assets: tuple[AirAsset, ...] = ()


@dataclass(frozen=True)
class UnitSpec:
    """A unit's initial state."""

    id: str
    name: str
    faction: str
    role: str
    axis: str | None
    strength: int
    quality: float
    place: str
    toward: str | None
    km: float
    standby: str | None = None
    morale: float | None = None


@dataclass(frozen=True)
class OilSystem:
    """Oil production that needs every place in ``requires`` held by one side."""

    id: str
    requires: tuple[str, ...]
    capacity_bpd: float
    initial_bpd: float


@dataclass(frozen=True)
class Theatre:
    """A validated theatre plus precomputed road-network tables."""

    name: str
    start_date: str
    places: Mapping[str, Place]
    roads: tuple[Road, ...]
    factions: Mapping[str, Faction]
    patrons: Mapping[str, Patron]
    units: Mapping[str, UnitSpec]
    oil_systems: Mapping[str, OilSystem]
    oil_background_bpd: float
    oil_reference_bpd: float
    oil_blockader: str | None
    front_faction: str
    watch_places: tuple[str, ...]
    coastal_km: Mapping[str, float]
    place_ids: tuple[str, ...]
    road_km: np.ndarray  # (n, n) direct road length, inf where no road
    dist: np.ndarray  # (n, n) shortest road distance
    next_hop: np.ndarray  # (n, n) index of the next place on the shortest path, -1 if none
    air_km: np.ndarray  # (n, n) great-circle distance
    neighbours: tuple[tuple[int, ...], ...]  # road neighbours of each place

    def index(self, place_id: str) -> int:
        """Index of a place id."""
        return self.places[place_id].index

    def edge_km(self, a: str, b: str) -> float:
        """Length of the direct road between two places."""
        return float(self.road_km[self.index(a), self.index(b)])


# --- validation helpers ---------------------------------------------------------------------------


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise TheatreError(msg)


def _check_place(ref: str, place: str | None, places: Mapping[str, Any]) -> None:
    if place is not None and place not in places:
        raise TheatreError(f"{ref}: unknown place {place!r}")


def _share(ref: str, x: float) -> None:
    _require(0.0 <= x <= 1.0, f"{ref}: {x} is outside [0, 1]")


def _nonneg(ref: str, x: float) -> None:
    _require(math.isfinite(x) and x >= 0, f"{ref}: {x} must be a finite number >= 0")


def _build_places(cfg: Any) -> dict[str, Place]:
    bbox = cfg.bbox
    places: dict[str, Place] = {}
    seen_names: dict[str, str] = {}
    for i, (pid, p) in enumerate(cfg.places.items()):
        ref = f"theatre.places.{pid}"
        _require(
            p.name not in seen_names, f"{ref}: duplicate name {p.name!r} (also {seen_names.get(p.name)})"
        )
        seen_names[p.name] = pid
        inside = bbox.lat_min <= p.lat <= bbox.lat_max and bbox.lon_min <= p.lon <= bbox.lon_max
        _require(
            inside,
            f"{ref}: coordinates ({p.lat}, {p.lon}) outside the theatre's bounding box "
            f"lat [{bbox.lat_min}, {bbox.lat_max}], lon [{bbox.lon_min}, {bbox.lon_max}]",
        )
        _require(p.control in cfg.factions, f"{ref}.control: unknown faction {p.control!r}")
        if p.population is not None:
            _nonneg(f"{ref}.population", p.population)
        places[pid] = Place(pid, i, p.name, p.lat, p.lon, p.kind, p.control, p.population)
    return places


def _build_roads(cfg: Any, places: Mapping[str, Place]) -> tuple[Road, ...]:
    roads, seen = [], set()
    for i, r in enumerate(cfg.roads):
        ref = f"theatre.roads[{i}] ({r.a} - {r.b})"
        _check_place(ref, r.a, places)
        _check_place(ref, r.b, places)
        _require(r.a != r.b, f"{ref}: a road must join two different places")
        _require(math.isfinite(r.km) and r.km > 0, f"{ref}: length {r.km} km must be > 0")
        key = frozenset((r.a, r.b))
        _require(key not in seen, f"{ref}: duplicate road")
        seen.add(key)
        roads.append(Road(r.a, r.b, float(r.km)))
    return tuple(roads)


def _build_factions(cfg: Any, places: Mapping[str, Place]) -> dict[str, Faction]:
    factions = {}
    for fid, f in cfg.factions.items():
        ref = f"theatre.factions.{fid}"
        for b in f.supply_bases:
            _check_place(f"{ref}.supply_bases", b, places)
        for axis, targets in f.axes.items():
            for t in targets:
                _check_place(f"{ref}.axes.{axis}", t, places)
        for p in f.defend_priority:
            _check_place(f"{ref}.defend_priority", p, places)
        _share(f"{ref}.initial_morale", f.initial_morale)
        _share(f"{ref}.initial_cohesion", f.initial_cohesion)
        axes = {k: tuple(v) for k, v in f.axes.items()}
        factions[fid] = Faction(
            fid,
            f.name,
            tuple(f.supply_bases),
            axes,
            tuple(f.defend_priority),
            f.initial_morale,
            f.initial_cohesion,
        )
    return factions


def _build_patrons(cfg: Any, places: Mapping[str, Place]) -> dict[str, Patron]:
    patrons = {}
    for pid, p in cfg.patrons.items():
        ref = f"theatre.patrons.{pid}"
        _require(p.client in cfg.factions, f"{ref}.client: unknown faction {p.client!r}")
        assets = _build_assets(f"{ref}.assets", p.assets, places)
        standby = _build_assets(f"{ref}.standby_assets", p.standby_assets, places)
        sites = []
        for j, s in enumerate(p.air_defence):
            sref = f"{ref}.air_defence[{j}]"
            _check_place(sref, s.place, places)
            _nonneg(f"{sref}.radius_km", s.radius_km)
            _share(f"{sref}.strength", s.strength)
            sites.append(AirDefenceSite(s.place, s.radius_km, s.strength))
        _nonneg(f"{ref}.reinforcements_per_day", p.reinforcements_per_day)
        if p.reinforce_unit is not None:
            _require(
                p.reinforce_unit in cfg.units, f"{ref}.reinforce_unit: unknown unit {p.reinforce_unit!r}"
            )
        patrons[pid] = Patron(
            pid,
            p.name,
            p.client,
            assets,
            tuple(sites),
            p.reinforcements_per_day,
            p.reinforce_unit,
            standby,
        )
    return patrons


def _build_assets(ref: str, items: Any, places: Mapping[str, Place]) -> tuple[AirAsset, ...]:
    assets = []
    for j, a in enumerate(items):
        aref = f"{ref}[{j}]"
        _require(a.kind in ASSET_KINDS, f"{aref}.kind: {a.kind!r}; allowed: {', '.join(ASSET_KINDS)}")
        _check_place(f"{aref}.base", a.base, places)
        for name in ("count", "sortie_rate", "range_km", "replacement_per_week"):
            _nonneg(f"{aref}.{name}", getattr(a, name))
        assets.append(AirAsset(a.kind, a.count, a.base, a.sortie_rate, a.range_km, a.replacement_per_week))
    return tuple(assets)


def _build_units(cfg: Any, places: Mapping[str, Place], road_km: np.ndarray) -> dict[str, UnitSpec]:
    units = {}
    for uid, u in cfg.units.items():
        ref = f"theatre.units.{uid}"
        _require(u.faction in cfg.factions, f"{ref}.faction: unknown faction {u.faction!r}")
        _require(u.role in FACTION_ROLES, f"{ref}.role: {u.role!r}; allowed: {', '.join(FACTION_ROLES)}")
        if u.role == "attack":
            axes = cfg.factions[u.faction].axes
            _require(
                u.axis in axes, f"{ref}.axis: {u.axis!r} is not an axis of {u.faction} ({', '.join(axes)})"
            )
        _require(u.strength >= 0, f"{ref}.strength: {u.strength} must be >= 0")
        _require(u.quality > 0 and math.isfinite(u.quality), f"{ref}.quality: {u.quality} must be > 0")
        _check_place(f"{ref}.place", u.place, places)
        _check_place(f"{ref}.toward", u.toward, places)
        _nonneg(f"{ref}.km", u.km)
        if u.toward is not None:
            length = road_km[places[u.place].index, places[u.toward].index]
            _require(math.isfinite(length), f"{ref}: no road from {u.place!r} to {u.toward!r}")
            _require(u.km < length, f"{ref}.km: {u.km} must be shorter than the road ({length:g} km)")
        if u.standby is not None:
            _require(u.standby in cfg.patrons, f"{ref}.standby: unknown patron {u.standby!r}")
        if u.morale is not None:
            _share(f"{ref}.morale", u.morale)
        units[uid] = UnitSpec(
            uid,
            u.name,
            u.faction,
            u.role,
            u.axis,
            int(u.strength),
            float(u.quality),
            u.place,
            u.toward,
            u.km,
            u.standby,
            u.morale,
        )
    return units


def _build_oil(cfg: Any, places: Mapping[str, Place]) -> dict[str, OilSystem]:
    systems = {}
    _nonneg("theatre.oil.background_bpd", cfg.oil.background_bpd)
    _nonneg("theatre.oil.reference_bpd", cfg.oil.reference_bpd)
    blockader = cfg.oil.blockading_faction
    _require(
        blockader is None or blockader in cfg.factions,
        f"theatre.oil.blockading_faction: unknown faction {blockader!r}",
    )
    for sid, s in cfg.oil.systems.items():
        ref = f"theatre.oil.systems.{sid}"
        _require(len(s.requires) > 0, f"{ref}.requires: must name at least one place")
        for p in s.requires:
            _check_place(f"{ref}.requires", p, places)
        _nonneg(f"{ref}.capacity_bpd", s.capacity_bpd)
        _nonneg(f"{ref}.initial_bpd", s.initial_bpd)
        _require(s.initial_bpd <= s.capacity_bpd, f"{ref}.initial_bpd: exceeds capacity_bpd")
        systems[sid] = OilSystem(sid, tuple(s.requires), float(s.capacity_bpd), float(s.initial_bpd))
    return systems


def _coastal_km(cfg: Any, places: Mapping[str, Place], road_km: np.ndarray) -> dict[str, float]:
    chain = list(cfg.coastal_road)
    for p in chain:
        _check_place("theatre.coastal_road", p, places)
    _require(
        cfg.front_origin in chain, f"theatre.front_origin: {cfg.front_origin!r} is not on the coastal road"
    )
    cum = [0.0]
    for a, b in itertools.pairwise(chain):
        length = road_km[places[a].index, places[b].index]
        _require(math.isfinite(length), f"theatre.coastal_road: no road between {a!r} and {b!r}")
        cum.append(cum[-1] + float(length))
    origin = cum[chain.index(cfg.front_origin)]
    return {p: c - origin for p, c in zip(chain, cum, strict=True)}


def build_theatre(cfg: Any) -> Theatre:
    """Validate a theatre config node and build the :class:`Theatre`.

    Args:
        cfg: the ``theatre`` node (an OmegaConf node or the ``TheatreConfig`` dataclass).

    Returns:
        The validated theatre with its precomputed road tables.

    Raises:
        TheatreError: one line naming the first invalid item.
    """
    places = _build_places(cfg)
    roads = _build_roads(cfg, places)
    n = len(places)
    road_km = np.full((n, n), np.inf)
    np.fill_diagonal(road_km, 0.0)
    for r in roads:
        i, j = places[r.a].index, places[r.b].index
        road_km[i, j] = road_km[j, i] = r.km
    factions = _build_factions(cfg, places)
    _require(cfg.front_faction in factions, f"theatre.front_faction: unknown faction {cfg.front_faction!r}")
    for p in cfg.watch_places:
        _check_place("theatre.watch_places", p, places)
    patrons = _build_patrons(cfg, places)
    units = _build_units(cfg, places, road_km)
    oil = _build_oil(cfg, places)
    coastal = _coastal_km(cfg, places, road_km)

    weights = np.where(np.isfinite(road_km), road_km, 0.0)
    dist, pred = shortest_path(csr_matrix(weights), directed=False, return_predecessors=True)
    next_hop = _next_hops(pred)
    coords = [(p.lat, p.lon) for p in places.values()]
    air_km = np.array([[great_circle_km(*a, *b) for b in coords] for a in coords])
    return Theatre(
        name=cfg.name,
        start_date=cfg.start_date,
        places=places,
        roads=roads,
        factions=factions,
        patrons=patrons,
        units=units,
        oil_systems=oil,
        oil_background_bpd=float(cfg.oil.background_bpd),
        oil_reference_bpd=float(cfg.oil.reference_bpd),
        oil_blockader=cfg.oil.blockading_faction,
        front_faction=cfg.front_faction,
        watch_places=tuple(cfg.watch_places),
        coastal_km=coastal,
        place_ids=tuple(places),
        road_km=road_km,
        dist=dist,
        next_hop=next_hop,
        air_km=air_km,
        neighbours=tuple(
            tuple(int(j) for j in np.flatnonzero(np.isfinite(road_km[i]) & (np.arange(n) != i)))
            for i in range(n)
        ),
    )


def _next_hops(pred: np.ndarray) -> np.ndarray:
    """Turn scipy's predecessor matrix (pred[i, j] = node before j on i->j) into next hops from i."""
    n = pred.shape[0]
    nxt = np.full((n, n), -1, dtype=np.int64)
    for i in range(n):
        for j in range(n):
            if i == j or pred[i, j] < 0:
                continue
            k = j
            while pred[i, k] != i:
                k = pred[i, k]
            nxt[i, j] = k
    return nxt
