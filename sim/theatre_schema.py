"""Schema of a theatre data file (``configs/theatre/*.yaml``): places, roads, factions, patrons, units, oil.

Part of the configuration schema (:mod:`sim.config` re-exports every class). The data itself has no
defaults: a theatre file gives it all, and :func:`sim.theatre.build_theatre` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

__all__ = [
    "AirAssetConfig",
    "AirDefenceConfig",
    "BBoxConfig",
    "FactionConfig",
    "OilDataConfig",
    "OilSystemConfig",
    "PatronConfig",
    "PlaceConfig",
    "RoadConfig",
    "TheatreConfig",
    "UnitConfig",
]


@dataclass
class BBoxConfig:
    """Geographic bounding box every place must fall inside."""

    lat_min: float = MISSING
    lat_max: float = MISSING
    lon_min: float = MISSING
    lon_max: float = MISSING


@dataclass
class PlaceConfig:
    """A place on the map: city, air base, oil field or terminal."""

    name: str = MISSING
    lat: float = MISSING
    lon: float = MISSING
    kind: str = MISSING
    control: str = MISSING
    population: int | None = None
    source: dict[str, str] = field(default_factory=dict)


@dataclass
class RoadConfig:
    """A road link between two places, with its (estimated) length in km."""

    a: str = MISSING
    b: str = MISSING
    km: float = MISSING
    # share of the normal road speed on this link, in (0, 1]: mountain roads and passes are slower. Movement
    # and supply reckon the link as km / speed long ("travel km"); the front line is measured in km.
    speed: float = 1.0
    link: str = ""
    source: str = MISSING


@dataclass
class AirAssetConfig:
    """A patron's air asset: drones or jets flying from a base."""

    kind: str = MISSING
    count: int = MISSING
    base: str = MISSING
    sortie_rate: float = MISSING
    range_km: float = MISSING
    replacement_per_week: float = 0.0


@dataclass
class AirDefenceConfig:
    """An air-defence site protecting places within its radius."""

    place: str = MISSING
    radius_km: float = MISSING
    strength: float = MISSING


@dataclass
class FactionConfig:
    """A side of the conflict: its supply bases, offensive axes and priorities."""

    name: str = MISSING
    supply_bases: list[str] = MISSING
    axes: dict[str, list[str]] = field(default_factory=dict)
    defend_priority: list[str] = field(default_factory=list)
    initial_morale: float = MISSING
    initial_cohesion: float = MISSING
    source: str = MISSING
    label: str = ""  # a short label for tables and figures (default: the faction's id)
    colour: str = ""  # its colour on maps and figures, e.g. "#0072B2" (default: the palette, in order)
    # Its own air arm: aircraft and air-defence sites (the fields of a patron's). They fly and cover for the
    # faction whatever its patrons choose (a patron's de-escalation or a deal scales the patron's own only).
    assets: list[AirAssetConfig] = field(default_factory=list)
    air_defence: list[AirDefenceConfig] = field(default_factory=list)


@dataclass
class PatronConfig:
    """A foreign backer of one faction."""

    name: str = MISSING
    client: str = MISSING
    assets: list[AirAssetConfig] = field(default_factory=list)
    air_defence: list[AirDefenceConfig] = field(default_factory=list)
    reinforcements_per_day: float = 0.0
    reinforce_unit: str | None = None
    # Air assets committed only if the patron intervenes (e.g. Egypt crossing its red line).
    standby_assets: list[AirAssetConfig] = field(default_factory=list)
    # Its position in the country, lost if its client is defeated (bases, contracts, influence), in units
    # of the value of the contested ground (docs/ODD.md 4.1, patrons' support). 0: only the ground itself.
    stake: float = 0.0
    source: str = MISSING


@dataclass
class UnitConfig:
    """A military unit at day 0."""

    name: str = MISSING
    faction: str = MISSING
    role: str = MISSING
    axis: str | None = None
    strength: int = MISSING
    quality: float = 1.0
    place: str = MISSING
    toward: str | None = None
    km: float = 0.0
    standby: str | None = None  # patron whose intervention deploys this unit (absent until then)
    morale: float | None = None  # initial morale if not the faction's (e.g. a fresh foreign force)
    # A patron's own force fighting with its client (e.g. mercenaries): the client cannot send it home.
    patron: str | None = None
    source: str = MISSING


@dataclass
class OilSystemConfig:
    """An oil field/terminal chain: stopped while a place it requires is blockaded or fought over."""

    requires: list[str] = MISSING
    capacity_bpd: float = MISSING
    initial_bpd: float = 0.0
    source: str = MISSING


@dataclass
class OilDataConfig:
    """Oil systems of the theatre."""

    background_bpd: float = 0.0
    background_source: str = ""
    reference_bpd: float = 0.0  # normal output; the shortfall against it is hardship
    reference_source: str = ""
    blockading_faction: str | None = None
    systems: dict[str, OilSystemConfig] = field(default_factory=dict)


@dataclass
class TheatreConfig:
    """Schema of a theatre data file (``configs/theatre/*.yaml``)."""

    name: str = MISSING
    start_date: str = MISSING
    source: str = ""
    bbox: BBoxConfig = field(default_factory=BBoxConfig)
    coastal_road: list[str] = MISSING
    front_origin: str = MISSING
    front_faction: str = MISSING
    watch_places: list[str] = field(default_factory=list)
    places: dict[str, PlaceConfig] = MISSING
    roads: list[RoadConfig] = MISSING
    factions: dict[str, FactionConfig] = MISSING
    patrons: dict[str, PatronConfig] = field(default_factory=dict)
    units: dict[str, UnitConfig] = MISSING
    oil: OilDataConfig = field(default_factory=OilDataConfig)
