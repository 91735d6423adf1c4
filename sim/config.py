"""Configuration schema: one dataclass per config group, registered with Hydra's ConfigStore.

Defaults live here and nowhere else. YAML files under ``configs/`` only select data (the theatre),
switch mechanisms on or off (scenarios) and override values. Each numeric field may carry bounds in
its metadata; :func:`validate` walks the composed config and turns the first violation into a
:class:`ConfigError` whose message is one line naming the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

__all__ = [
    "Config",
    "ConfigError",
    "MCConfig",
    "MechanismsConfig",
    "QuestionConfig",
    "ScenarioConfig",
    "TheatreConfig",
    "register_configs",
    "validate",
]


class ConfigError(ValueError):
    """A configuration value is not allowed; the message is one line naming the key."""


# --- field helpers: a default plus the range the validator enforces --------------------------------


def _num(default: float, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False):
    return field(default=default, metadata={"range": (lo, hi, lo_open)})


def prob(default: float):
    """A probability or share in [0, 1]."""
    return _num(default, 0.0, 1.0)


def nonneg(default: float):
    """A number >= 0."""
    return _num(default, 0.0)


def positive(default: float):
    """A number > 0."""
    return _num(default, 0.0, lo_open=True)


def choice(default: str, options: tuple[str, ...]):
    """A string from a fixed set."""
    return field(default=default, metadata={"choices": options})


# --- theatre (data; no defaults for the data itself) ---------------------------------------------


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
    link: str = ""
    source: str = MISSING


@dataclass
class FactionConfig:
    """A Libyan side: its supply bases, offensive axes and priorities."""

    name: str = MISSING
    supply_bases: list[str] = MISSING
    axes: dict[str, list[str]] = field(default_factory=dict)
    defend_priority: list[str] = field(default_factory=list)
    initial_morale: float = MISSING
    initial_cohesion: float = MISSING
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
class PatronConfig:
    """A foreign backer of one faction."""

    name: str = MISSING
    client: str = MISSING
    assets: list[AirAssetConfig] = field(default_factory=list)
    air_defence: list[AirDefenceConfig] = field(default_factory=list)
    reinforcements_per_day: float = 0.0
    reinforce_unit: str | None = None
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
    source: str = MISSING


@dataclass
class OilSystemConfig:
    """An oil field/terminal chain that produces while one side holds all it requires."""

    requires: list[str] = MISSING
    capacity_bpd: float = MISSING
    initial_bpd: float = 0.0
    source: str = MISSING


@dataclass
class OilDataConfig:
    """Oil systems of the theatre."""

    background_bpd: float = 0.0
    background_source: str = ""
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


# --- mechanisms (behavioural parameters, with their defaults and sources) ------------------------


@dataclass
class CombatConfig:
    """Stochastic Lanchester attrition at contested places (docs/ODD.md, 'Combat')."""

    law: str = choice("square", ("square", "linear"))
    # Per-capita daily casualty rate of effective ground forces under aimed fire. ASSUMPTION, calibrated
    # so a full assault by ~10,000 costs the defender ~30 casualties a day (order of the seed's "at least
    # 19" killed near Sirte on one day, counting air strikes).
    kill_rate: float = positive(0.003)
    defender_bonus: float = _num(1.5, 1.0)  # ASSUMPTION: prepared positions multiply defenders' fire
    # An attack goes in when the commander's estimate of attacker power / defender power (log-normal
    # noise of s.d. estimate_noise) reaches assault_ratio. ASSUMPTION, calibrated so that the GNA's
    # push stalls before Sirte in most baseline runs (as it did in June 2020) yet can still succeed
    # (about 1 run in 10 takes Sirte, in the first month, before LNA reserves arrive).
    assault_ratio: float = positive(1.1)
    estimate_noise: float = nonneg(0.4)
    skirmish_intensity: float = prob(0.1)  # share of full intensity while forces hold in contact
    engagement_km: float = positive(20.0)  # attackers halt this far short of an enemy-held place
    # Share of casualties that are deaths. ASSUMPTION (a ~1:2-1:3 killed:wounded ratio), no source in
    # the reference files.
    killed_share: float = prob(0.3)
    # False: ground and air losses are their expected values (the deterministic Lanchester limit);
    # the other draws (estimate noise, reinforcements, aircraft replacement) stay random.
    stochastic: bool = True


@dataclass
class MovementConfig:
    """Movement along roads."""

    # ASSUMPTION: motorised militia columns. The seed's chronology (Tarhuna entered on Friday, the
    # outskirts of Sirte reached by Saturday evening) shows advances of well over 100 km a day.
    speed_km_per_day: float = positive(80.0)


@dataclass
class AirConfig:
    """Air power: drones and jets of the patrons over contested places."""

    enabled: bool = True
    # Casualties per sortie. ASSUMPTION, calibrated so one day of strikes near Sirte kills ~10-20
    # (seed: "air strikes from warplanes and other drones ... the deaths of at least 19 people").
    kills_per_sortie_drone: float = nonneg(2.0)
    kills_per_sortie_jet: float = nonneg(3.0)
    # Probability a sortie is lost, per unit of enemy air-defence strength over the target. ASSUMPTION,
    # set so TB2s over Sirte (Pantsir cover 0.3, ~12 sorties a day in an assault) lose about 1-2 a week:
    # 2 TB2 were lost in the 6-11 June 2020 offensive (forces.md section 5). No GNA air defence covers
    # the Sirte front, so LNA aircraft are lost only near Misrata and Mitiga.
    loss_per_sortie: float = prob(0.05)


@dataclass
class SupplyConfig:
    """Supply along roads through held places, from the faction's supply bases."""

    range_km: float = positive(350.0)  # full supply within this road distance of a base (ASSUMPTION)
    decay_km: float = positive(400.0)  # supply falls linearly to `floor` over this further distance
    floor: float = prob(0.3)
    cut_decay_per_day: float = prob(0.1)  # daily loss of supply when no road links a unit to a base


@dataclass
class MoraleConfig:
    """Unit morale: falls with losses, recovers out of combat; broken units retreat."""

    loss_sensitivity: float = nonneg(6.0)  # morale lost per unit of daily fractional losses
    recovery_per_day: float = prob(0.03)  # toward 1, scaled by supply and faction cohesion
    break_threshold: float = prob(0.2)
    rally_threshold: float = prob(0.45)


@dataclass
class CohesionConfig:
    """Coalition cohesion of each faction: falls with lost places and losses, recovers slowly.

    Initial values are theatre data (``factions.<id>.initial_cohesion``).
    """

    loss_per_place: float = prob(0.05)
    loss_per_casualty_share: float = nonneg(2.0)  # per unit of the day's losses / the faction's strength
    recovery_per_day: float = prob(0.002)


@dataclass
class ReinforcementsConfig:
    """Foreign fighters arriving through the patrons."""

    enabled: bool = True


@dataclass
class OilConfig:
    """Oil production by who holds fields and terminals, and the LNA blockade."""

    enabled: bool = True
    blockade: bool = True  # LNA blockade in force since 17-18 Jan 2020 (forces.md section 9)
    # Days to ramp a restarted system to capacity. Sharara restarted 11 Oct 2020 and national output
    # reached 1.2 mb/d by 13 Nov 2020 (forces.md section 9): about a month.
    ramp_days: float = positive(30.0)


@dataclass
class MechanismsConfig:
    """All mechanisms of the model; scenarios switch them and set their parameters."""

    combat: CombatConfig = field(default_factory=CombatConfig)
    movement: MovementConfig = field(default_factory=MovementConfig)
    air: AirConfig = field(default_factory=AirConfig)
    supply: SupplyConfig = field(default_factory=SupplyConfig)
    morale: MoraleConfig = field(default_factory=MoraleConfig)
    cohesion: CohesionConfig = field(default_factory=CohesionConfig)
    reinforcements: ReinforcementsConfig = field(default_factory=ReinforcementsConfig)
    oil: OilConfig = field(default_factory=OilConfig)


# --- scenario, Monte Carlo, questions -------------------------------------------------------------


@dataclass
class ScenarioConfig:
    """Name and description of the scenario (set by ``configs/scenario/*.yaml``)."""

    name: str = "baseline"
    description: str = ""


@dataclass
class MCConfig:
    """Monte Carlo settings."""

    runs: int = _num(500, 1)
    seed: int = _num(20200607, 0)
    executor: str = choice("processes", ("serial", "processes"))
    workers: int = _num(0, 0)  # 0 = all local cores
    progress: bool = True


@dataclass
class QuestionConfig:
    """A forecast question over the per-run outcomes.

    ``op`` is one of ``le``/``lt``/``ge``/``gt`` (compare ``outcome`` with ``value``; a NaN outcome, an
    event that never happened, counts as no), ``happened`` (the ``*_day`` outcome is not NaN) or
    ``true`` (a boolean outcome).
    """

    text: str = MISSING
    outcome: str = MISSING
    op: str = choice("happened", ("le", "lt", "ge", "gt", "happened", "true"))
    value: float | None = None


@dataclass
class Config:
    """The whole composed configuration of an experiment."""

    horizon_days: int = _num(180, 1, 3650)
    theatre: TheatreConfig = MISSING
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    mc: MCConfig = field(default_factory=MCConfig)
    questions: dict[str, QuestionConfig] = field(default_factory=dict)


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (call before composing)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)


# --- validation -----------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:g}"


def _check_field(key: str, value: Any, meta: Any) -> None:
    if "choices" in meta:
        if value not in meta["choices"]:
            allowed = ", ".join(meta["choices"])
            raise ConfigError(f"{key}: got {value!r}; allowed: {allowed}")
        return
    if "range" not in meta or isinstance(value, bool) or value is None:
        return
    lo, hi, lo_open = meta["range"]
    if not math.isfinite(float(value)):
        raise ConfigError(f"{key}: got {value}; must be a finite number")
    bad_lo = lo is not None and (value <= lo if lo_open else value < lo)
    bad_hi = hi is not None and value > hi
    if bad_lo or bad_hi:
        left = "(" if lo_open else "["
        lo_s = _fmt(lo) if lo is not None else "-inf"
        hi_s = _fmt(hi) if hi is not None else "inf"
        raise ConfigError(f"{key}: got {value}; allowed range {left}{lo_s}, {hi_s}]")


def validate(obj: Any, prefix: str = "") -> None:
    """Check every bounded field of a config dataclass tree; raise :class:`ConfigError` on the first.

    Args:
        obj: a config dataclass instance (e.g. from ``OmegaConf.to_object``).
        prefix: dotted key of ``obj`` in the whole config.
    """
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            key = f"{prefix}.{f.name}" if prefix else f.name
            value = getattr(obj, f.name)
            _check_field(key, value, f.metadata)
            validate(value, key)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            validate(v, f"{prefix}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            validate(v, f"{prefix}[{i}]")
