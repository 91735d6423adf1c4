"""Checking and building the parts of a theatre for :func:`sim.theatre.build_theatre`.

Each builder checks one part of the ``theatre`` config node (places, roads, factions, patrons, units,
oil, the coastal road) and turns it into the frozen objects of :mod:`sim.theatre`; the first invalid
item raises a :class:`~sim.theatre.TheatreError` whose message is one line naming it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.theatre import (
    ASSET_KINDS,
    FACTION_ROLES,
    AirAsset,
    AirDefenceSite,
    Faction,
    OilSystem,
    Patron,
    Place,
    Road,
    TheatreError,
    UnitSpec,
)

__all__ = [
    "build_factions",
    "build_oil",
    "build_patrons",
    "build_places",
    "build_roads",
    "build_units",
    "check_place",
    "coastal_km",
    "require",
]


def require(cond: bool, msg: str) -> None:
    """Raise a :class:`TheatreError` with ``msg`` unless ``cond`` holds."""
    if not cond:
        raise TheatreError(msg)


def check_place(ref: str, place: str | None, places: Mapping[str, Any]) -> None:
    """A place named at ``ref`` (None: none named) must be a place of the theatre."""
    if place is not None and place not in places:
        raise TheatreError(f"{ref}: unknown place {place!r}")


def _share(ref: str, x: float) -> None:
    require(0.0 <= x <= 1.0, f"{ref}: {x} is outside [0, 1]")


def _nonneg(ref: str, x: float) -> None:
    require(math.isfinite(x) and x >= 0, f"{ref}: {x} must be a finite number >= 0")


def build_places(cfg: Any) -> dict[str, Place]:
    """The places, indexed in file order: unique names, inside the bounding box, held by a known faction."""
    bbox = cfg.bbox
    places: dict[str, Place] = {}
    seen_names: dict[str, str] = {}
    for i, (pid, p) in enumerate(cfg.places.items()):
        ref = f"theatre.places.{pid}"
        require(p.name not in seen_names, f"{ref}: duplicate name {p.name!r} (also {seen_names.get(p.name)})")
        seen_names[p.name] = pid
        inside = bbox.lat_min <= p.lat <= bbox.lat_max and bbox.lon_min <= p.lon <= bbox.lon_max
        require(
            inside,
            f"{ref}: coordinates ({p.lat}, {p.lon}) outside the theatre's bounding box "
            f"lat [{bbox.lat_min}, {bbox.lat_max}], lon [{bbox.lon_min}, {bbox.lon_max}]",
        )
        require(p.control in cfg.factions, f"{ref}.control: unknown faction {p.control!r}")
        if p.population is not None:
            _nonneg(f"{ref}.population", p.population)
        places[pid] = Place(pid, i, p.name, p.lat, p.lon, p.kind, p.control, p.population)
    return places


def build_roads(cfg: Any, places: Mapping[str, Place]) -> tuple[Road, ...]:
    """The roads: between two different known places, of positive length, each pair once."""
    roads, seen = [], set()
    for i, r in enumerate(cfg.roads):
        ref = f"theatre.roads[{i}] ({r.a} - {r.b})"
        check_place(ref, r.a, places)
        check_place(ref, r.b, places)
        require(r.a != r.b, f"{ref}: a road must join two different places")
        require(math.isfinite(r.km) and r.km > 0, f"{ref}: length {r.km} km must be > 0")
        speed = float(getattr(r, "speed", 1.0))
        require(0 < speed <= 1, f"{ref}.speed: got {speed:g}; allowed (0, 1]")
        key = frozenset((r.a, r.b))
        require(key not in seen, f"{ref}: duplicate road")
        seen.add(key)
        roads.append(Road(r.a, r.b, float(r.km), speed))
    return tuple(roads)


def build_factions(cfg: Any, places: Mapping[str, Place]) -> dict[str, Faction]:
    """The factions: known places for bases, axes and priorities; morale and cohesion in [0, 1]."""
    factions = {}
    for fid, f in cfg.factions.items():
        ref = f"theatre.factions.{fid}"
        for b in f.supply_bases:
            check_place(f"{ref}.supply_bases", b, places)
        for axis, targets in f.axes.items():
            for t in targets:
                check_place(f"{ref}.axes.{axis}", t, places)
        for p in f.defend_priority:
            check_place(f"{ref}.defend_priority", p, places)
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
            str(f.label or fid),
            _build_assets(f"{ref}.assets", getattr(f, "assets", ()), places),
            _build_sites(f"{ref}.air_defence", getattr(f, "air_defence", ()), places),
        )
    return factions


def build_patrons(cfg: Any, places: Mapping[str, Place]) -> dict[str, Patron]:
    """The patrons: a known client, their air assets and air-defence sites, their reinforcements."""
    patrons = {}
    for pid, p in cfg.patrons.items():
        ref = f"theatre.patrons.{pid}"
        require(p.client in cfg.factions, f"{ref}.client: unknown faction {p.client!r}")
        assets = _build_assets(f"{ref}.assets", p.assets, places)
        standby = _build_assets(f"{ref}.standby_assets", p.standby_assets, places)
        sites = _build_sites(f"{ref}.air_defence", p.air_defence, places)
        _nonneg(f"{ref}.reinforcements_per_day", p.reinforcements_per_day)
        require(0 <= p.stake <= 100, f"{ref}.stake: {p.stake} is outside [0, 100]")
        if p.reinforce_unit is not None:
            require(p.reinforce_unit in cfg.units, f"{ref}.reinforce_unit: unknown unit {p.reinforce_unit!r}")
        patrons[pid] = Patron(
            pid,
            p.name,
            p.client,
            assets,
            sites,
            p.reinforcements_per_day,
            p.reinforce_unit,
            standby,
            float(p.stake),
        )
    return patrons


def _build_sites(ref: str, items: Any, places: Mapping[str, Place]) -> tuple[AirDefenceSite, ...]:
    """Air-defence sites: a known place, a radius >= 0 and a strength in [0, 1]."""
    sites = []
    for j, site in enumerate(items):
        sref = f"{ref}[{j}]"
        check_place(sref, site.place, places)
        _nonneg(f"{sref}.radius_km", site.radius_km)
        _share(f"{sref}.strength", site.strength)
        sites.append(AirDefenceSite(site.place, site.radius_km, site.strength))
    return tuple(sites)


def _build_assets(ref: str, items: Any, places: Mapping[str, Place]) -> tuple[AirAsset, ...]:
    assets = []
    for j, a in enumerate(items):
        aref = f"{ref}[{j}]"
        require(a.kind in ASSET_KINDS, f"{aref}.kind: {a.kind!r}; allowed: {', '.join(ASSET_KINDS)}")
        check_place(f"{aref}.base", a.base, places)
        for name in ("count", "sortie_rate", "range_km", "replacement_per_week"):
            _nonneg(f"{aref}.{name}", getattr(a, name))
        assets.append(AirAsset(a.kind, a.count, a.base, a.sortie_rate, a.range_km, a.replacement_per_week))
    return tuple(assets)


def build_units(
    cfg: Any, places: Mapping[str, Place], road_km: np.ndarray, travel_km: np.ndarray
) -> dict[str, UnitSpec]:
    """The units at day 0: known faction, role, axis, places and patron; a position on a road.

    A unit's ``km`` along a road is given in km (``road_km``) and kept in travel km (``travel_km``: the
    road's km / speed), the measure the model moves and supplies in.
    """
    units = {}
    for uid, u in cfg.units.items():
        ref = f"theatre.units.{uid}"
        require(u.faction in cfg.factions, f"{ref}.faction: unknown faction {u.faction!r}")
        require(u.role in FACTION_ROLES, f"{ref}.role: {u.role!r}; allowed: {', '.join(FACTION_ROLES)}")
        if u.role == "attack":
            axes = cfg.factions[u.faction].axes
            require(
                u.axis in axes, f"{ref}.axis: {u.axis!r} is not an axis of {u.faction} ({', '.join(axes)})"
            )
        require(u.strength >= 0, f"{ref}.strength: {u.strength} must be >= 0")
        require(u.quality > 0 and math.isfinite(u.quality), f"{ref}.quality: {u.quality} must be > 0")
        check_place(f"{ref}.place", u.place, places)
        check_place(f"{ref}.toward", u.toward, places)
        _nonneg(f"{ref}.km", u.km)
        if u.toward is not None:
            length = road_km[places[u.place].index, places[u.toward].index]
            require(math.isfinite(length), f"{ref}: no road from {u.place!r} to {u.toward!r}")
            require(u.km < length, f"{ref}.km: {u.km} must be shorter than the road ({length:g} km)")
        if u.standby is not None:
            require(u.standby in cfg.patrons, f"{ref}.standby: unknown patron {u.standby!r}")
        if u.morale is not None:
            _share(f"{ref}.morale", u.morale)
        if u.patron is not None:
            require(u.patron in cfg.patrons, f"{ref}.patron: unknown patron {u.patron!r}")
            client = cfg.patrons[u.patron].client
            require(client == u.faction, f"{ref}.patron: {u.patron!r} backs {client}, not {u.faction}")
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
            u.km
            if u.toward is None
            else u.km * travel_km[places[u.place].index, places[u.toward].index] / length,
            u.standby,
            u.morale,
            u.patron,
        )
    return units


def build_oil(cfg: Any, places: Mapping[str, Place]) -> dict[str, OilSystem]:
    """The oil systems: the places each requires, capacity and initial output; the blockading faction."""
    systems = {}
    _nonneg("theatre.oil.background_bpd", cfg.oil.background_bpd)
    _nonneg("theatre.oil.reference_bpd", cfg.oil.reference_bpd)
    blockader = cfg.oil.blockading_faction
    require(
        blockader is None or blockader in cfg.factions,
        f"theatre.oil.blockading_faction: unknown faction {blockader!r}",
    )
    for sid, s in cfg.oil.systems.items():
        ref = f"theatre.oil.systems.{sid}"
        require(len(s.requires) > 0, f"{ref}.requires: must name at least one place")
        for p in s.requires:
            check_place(f"{ref}.requires", p, places)
        _nonneg(f"{ref}.capacity_bpd", s.capacity_bpd)
        _nonneg(f"{ref}.initial_bpd", s.initial_bpd)
        require(s.initial_bpd <= s.capacity_bpd, f"{ref}.initial_bpd: exceeds capacity_bpd")
        systems[sid] = OilSystem(sid, tuple(s.requires), float(s.capacity_bpd), float(s.initial_bpd))
    return systems


def coastal_km(cfg: Any, places: Mapping[str, Place], road_km: np.ndarray) -> dict[str, float]:
    """Each coastal-road place's distance along the coast from the front's origin (km, signed)."""
    chain = list(cfg.coastal_road)
    for p in chain:
        check_place("theatre.coastal_road", p, places)
    require(
        cfg.front_origin in chain, f"theatre.front_origin: {cfg.front_origin!r} is not on the coastal road"
    )
    cum = [0.0]
    for a, b in itertools.pairwise(chain):
        length = road_km[places[a].index, places[b].index]
        require(math.isfinite(length), f"theatre.coastal_road: no road between {a!r} and {b!r}")
        cum.append(cum[-1] + float(length))
    origin = cum[chain.index(cfg.front_origin)]
    return {p: c - origin for p, c in zip(chain, cum, strict=True)}
