"""The theatre: places, roads, factions, patrons, units and oil as typed, validated data.

A theatre is data, not code (``configs/theatre/*.yaml``). :func:`build_theatre` turns the config node
into frozen objects and rejects bad data with a :class:`TheatreError` whose message is one line naming
the offending item. It also precomputes what every model run needs and never changes: place indices,
the road adjacency, all-pairs shortest road paths and each coastal place's distance along the coast.
The checks of each part of the data are in :mod:`sim.theatre_parts`.
"""

from __future__ import annotations

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
    """An undirected road link with its length in km and its speed (share of the normal road speed)."""

    a: str
    b: str
    km: float
    speed: float = 1.0

    @property
    def travel_km(self) -> float:
        """The length movement and supply reckon with: ``km / speed`` (a slow mountain road is "longer")."""
        return self.km / self.speed


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
class Faction:
    """A side in the conflict."""

    id: str
    name: str
    supply_bases: tuple[str, ...]
    axes: Mapping[str, tuple[str, ...]]
    defend_priority: tuple[str, ...]
    initial_morale: float
    initial_cohesion: float
    label: str = ""  # short label for tables and figures (the id when the theatre gives none)
    assets: tuple[AirAsset, ...] = ()  # its own aircraft (not a patron's)
    air_defence: tuple[AirDefenceSite, ...] = ()  # its own air-defence sites


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
    stake: float = 0.0


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
    patron: str | None = None


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
    road_km: np.ndarray  # (n, n) direct road length in travel km (km / speed), inf where no road
    dist: np.ndarray  # (n, n) shortest road distance, in travel km
    next_hop: np.ndarray  # (n, n) index of the next place on the shortest path, -1 if none
    air_km: np.ndarray  # (n, n) great-circle distance
    neighbours: tuple[tuple[int, ...], ...]  # road neighbours of each place

    def index(self, place_id: str) -> int:
        """Index of a place id."""
        return self.places[place_id].index

    def edge_km(self, a: str, b: str) -> float:
        """Length of the direct road between two places, in travel km."""
        return float(self.road_km[self.index(a), self.index(b)])


def build_theatre(cfg: Any) -> Theatre:
    """Validate a theatre config node and build the :class:`Theatre`.

    Args:
        cfg: the ``theatre`` node (an OmegaConf node or the ``TheatreConfig`` dataclass).

    Returns:
        The validated theatre with its precomputed road tables.

    Raises:
        TheatreError: one line naming the first invalid item.
    """
    from sim import theatre_parts as parts

    places = parts.build_places(cfg)
    roads = parts.build_roads(cfg, places)
    n = len(places)
    road_km = _road_table(places, roads)  # travel km: movement, supply, contact
    length_km = _road_table(places, roads, travel=False)  # km: positions given in the file, the front line
    factions = parts.build_factions(cfg, places)
    parts.require(
        cfg.front_faction in factions, f"theatre.front_faction: unknown faction {cfg.front_faction!r}"
    )
    for p in cfg.watch_places:
        parts.check_place("theatre.watch_places", p, places)
    patrons = parts.build_patrons(cfg, places)
    units = parts.build_units(cfg, places, length_km, road_km)
    oil = parts.build_oil(cfg, places)
    coastal = parts.coastal_km(cfg, places, length_km)

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


def _road_table(places: Mapping[str, Place], roads: tuple[Road, ...], travel: bool = True) -> np.ndarray:
    """(n, n) direct road lengths in travel km (or km): 0 on the diagonal, inf where no road joins two."""
    n = len(places)
    road_km = np.full((n, n), np.inf)
    np.fill_diagonal(road_km, 0.0)
    for r in roads:
        i, j = places[r.a].index, places[r.b].index
        road_km[i, j] = road_km[j, i] = r.travel_km if travel else r.km
    return road_km


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
