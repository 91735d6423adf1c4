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
from functools import cache
from typing import Any

from omegaconf import MISSING

from sim.errors import ConfigError
from sim.inputs import read_entries  # re-exported: the analysis commands' entry lists
from sim.schema import (  # noqa: F401  (re-exported: the bounds are part of the schema)
    BIAS_MAX,
    DAYS_MAX,
    KM_MAX,
    MAX_RUNS,
    WEIGHT_MAX,
    bias,
    choice,
    days,
    nonneg,
    num,
    positive,
    prob,
    weight,
)

__all__ = [
    "CalibratedConfig",
    "Config",
    "ConfigError",
    "ExecutorConfig",
    "MCConfig",
    "MechanismsConfig",  # noqa: F822 (module __getattr__: built from the plug-ins on first use)
    "QuestionConfig",
    "ScenarioConfig",
    "TheatreConfig",
    "mechanisms_config",
    "read_entries",
    "register_configs",
    "validate",
]


#: Longest per-run time limit, in seconds (about 11.6 days): beyond it the clocks' arithmetic overflows.
RUN_TIMEOUT_MAX = 1_000_000.0


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
    # Air assets committed only if the patron intervenes (e.g. Egypt crossing its red line).
    standby_assets: list[AirAssetConfig] = field(default_factory=list)
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


# --- mechanisms (behavioural parameters, with their defaults and sources) ------------------------


@dataclass
class CombatConfig:
    """Stochastic Lanchester attrition at contested places (docs/ODD.md, 'Combat')."""

    law: str = choice("square", ("square", "linear"))
    # Per-capita daily casualty rate of effective ground forces under aimed fire. ASSUMPTION, calibrated
    # so a full assault by ~10,000 costs the defender ~30 casualties a day (order of the seed's "at least
    # 19" killed near Sirte on one day, counting air strikes).
    kill_rate: float = num(0.003, 0.0, 1.0, lo_open=True)
    defender_bonus: float = num(1.5, 1.0, 10.0)  # ASSUMPTION: prepared positions multiply defenders' fire
    # An attack goes in when the commander's estimate of attacker power / defender power (log-normal
    # noise of s.d. estimate_noise) reaches assault_ratio. ASSUMPTION, calibrated so that the GNA's
    # push stalls before Sirte in most baseline runs (as it did in June 2020) yet can still succeed
    # (about 1 run in 10 takes Sirte, in the first month, before LNA reserves arrive).
    assault_ratio: float = num(1.1, 0.0, 100.0, lo_open=True)
    estimate_noise: float = num(0.4, 0.0, 5.0)
    skirmish_intensity: float = prob(0.1)  # share of full intensity while forces hold in contact
    # attackers halt this far short of an enemy-held place
    engagement_km: float = num(20.0, 0.0, KM_MAX, lo_open=True)
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
    speed_km_per_day: float = num(80.0, 0.0, 2000.0, lo_open=True)


@dataclass
class AirConfig:
    """Air power: drones and jets of the patrons over contested places."""

    enabled: bool = True
    # Casualties per sortie. ASSUMPTION, calibrated so one day of strikes near Sirte kills ~10-20
    # (seed: "air strikes from warplanes and other drones ... the deaths of at least 19 people").
    kills_per_sortie_drone: float = num(2.0, 0.0, 1000.0)
    kills_per_sortie_jet: float = num(3.0, 0.0, 1000.0)
    # Probability a sortie is lost, per unit of enemy air-defence strength over the target. ASSUMPTION,
    # set so TB2s over Sirte (Pantsir cover 0.3, ~12 sorties a day in an assault) lose about 1-2 a week:
    # 2 TB2 were lost in the 6-11 June 2020 offensive (forces.md section 5). No GNA air defence covers
    # the Sirte front, so LNA aircraft are lost only near Misrata and Mitiga.
    loss_per_sortie: float = prob(0.05)


@dataclass
class SupplyConfig:
    """Supply along roads through held places, from the faction's supply bases."""

    # full supply within this road distance of a base (ASSUMPTION)
    range_km: float = num(350.0, 0.0, KM_MAX, lo_open=True)
    # supply falls linearly to `floor` over this further distance
    decay_km: float = num(400.0, 0.0, KM_MAX, lo_open=True)
    floor: float = prob(0.3)
    cut_decay_per_day: float = prob(0.1)  # daily loss of supply when no road links a unit to a base


@dataclass
class MoraleConfig:
    """Unit morale: falls with losses, recovers out of combat; broken units retreat."""

    loss_sensitivity: float = num(6.0, 0.0, 1000.0)  # morale lost per unit of daily fractional losses
    recovery_per_day: float = prob(0.03)  # toward 1, scaled by supply and faction cohesion
    break_threshold: float = prob(0.2)
    rally_threshold: float = prob(0.45)


@dataclass
class CohesionConfig:
    """Coalition cohesion of each faction: falls with lost places and losses, recovers slowly.

    Initial values are theatre data (``factions.<id>.initial_cohesion``).
    """

    loss_per_place: float = prob(0.05)
    # per unit of the day's losses / the faction's strength
    loss_per_casualty_share: float = num(2.0, 0.0, 1000.0)
    recovery_per_day: float = prob(0.002)


@dataclass
class ReinforcementsConfig:
    """Foreign fighters arriving through the patrons."""

    enabled: bool = True


#: The core processes' parameters (always on); the switchable mechanisms follow from the registry.
CORE = (
    ("combat", CombatConfig),
    ("movement", MovementConfig),
    ("air", AirConfig),
    ("supply", SupplyConfig),
    ("morale", MoraleConfig),
    ("cohesion", CohesionConfig),
    ("reinforcements", ReinforcementsConfig),
)


@cache
def mechanisms_config() -> type:
    """``mechanisms``: the core processes, then every registered mechanism's schema under its key.

    Assembled from the plug-ins (:func:`sim.model.mechanisms.registry`) on first use, not at import, so
    the layers that import this module only for its errors and checks (results, analysis) never import
    the model package. ``sim.config.MechanismsConfig`` names the same class.
    """
    from sim.model.mechanisms import registry

    fields = [(key, cls, field(default_factory=cls)) for key, cls in CORE]
    fields += [(m.key, m.Config, field(default_factory=m.Config)) for m in registry()]
    cls = dataclasses.make_dataclass("MechanismsConfig", fields)
    cls.__module__ = __name__  # pickled by reference (workers), as a class defined here
    cls.__doc__ = "All mechanisms of the model; scenarios switch them and set their parameters."
    globals()["MechanismsConfig"] = cls  # resolves the annotation of Config.mechanisms
    return cls


def _new_mechanisms() -> Any:
    return mechanisms_config()()


def __getattr__(name: str) -> Any:
    if name == "MechanismsConfig":
        return mechanisms_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- scenario, Monte Carlo, questions -------------------------------------------------------------


@dataclass
class ScenarioConfig:
    """Name and description of the scenario (set by ``configs/scenario/*.yaml``)."""

    name: str = "baseline"
    description: str = ""


@dataclass
class MCConfig:
    """Monte Carlo settings: how many runs, which design, which seed."""

    # Design points (monte_carlo, lhs), base samples N (sobol: N x (d + 2) points) or trajectories
    # (morris: N x (d + 1) points) over the uncertain parameters; without any, simply the runs.
    runs: int = num(500, 1, MAX_RUNS)
    replications: int = num(1, 1, 10_000)  # seeds per design point
    design: str = choice("monte_carlo", ("monte_carlo", "lhs", "sobol", "morris"))
    seed: int = num(20200607, 0, 2**63 - 1)
    progress: bool = True  # a progress bar when stderr is a terminal
    resume: bool = True  # rerunning into a folder that holds part of this experiment runs only the rest


@dataclass
class ExecutorConfig:
    """Where runs are computed (``configs/executor/``): results are the same on every executor."""

    kind: str = choice("processes", ("serial", "processes", "dask"))
    # 0 = all usable cores; local workers (processes, local Dask cluster) are capped at the usable cores and
    # the number of chunks, with a line on stderr when a request is capped
    workers: int = num(0, 0, 1024)
    address: str | None = None  # dask: scheduler address, e.g. tcp://10.0.0.5:8786; none = LocalCluster
    chunk: int = num(0, 0, MAX_RUNS)  # runs per task sent to a worker; 0 = automatic
    max_tasks_per_child: int = num(200, 1, 1_000_000)  # processes: recycle a worker after this many chunks
    # A run's time limit in seconds (0 = none); a run over it is recorded as failed (RunTimeout) and the
    # experiment goes on. 900 s is ~1,000x a 365-day run of the heaviest scenario here (< 1 s), so only a
    # run that hangs meets it. The model checks it before each day; serial and processes also stop a run
    # stuck inside a day after the limit plus 10 % (at least 1 s). Not in the experiment's fingerprint.
    run_timeout_s: float = num(900.0, 0.0, RUN_TIMEOUT_MAX)


@dataclass
class QuestionConfig:
    """A forecast question over the per-run outcomes.

    ``op`` is one of ``le``/``lt``/``ge``/``gt`` (compare ``outcome`` with ``value``; a NaN outcome, an
    event that never happened, counts as no), ``happened`` (the ``*_day`` outcome is not NaN, and at most
    ``by_day`` if given: the question's horizon, else the experiment's), ``true`` (a boolean outcome) or
    ``quantiles`` (a numeric question: the outcome's distribution over the runs where it is defined).
    """

    text: str = MISSING
    outcome: str = MISSING
    op: str = choice("happened", ("le", "lt", "ge", "gt", "happened", "true", "quantiles"))
    value: float | None = None
    by_day: int | None = None  # op happened: the event by this day (<= horizon_days); none = the horizon
    unit: str = ""  # op quantiles: the outcome's unit, for tables and figures
    # Mechanisms (keys of ``mechanisms``) of which at least one must be on for the question to be
    # answerable; otherwise the summary says "not modelled" instead of a probability of 0.
    requires: list[str] = field(default_factory=list)


@dataclass
class AnalysisConfig:
    """How summaries and reports are computed from the results (``python -m sim.report`` reads it too)."""

    confidence: float = num(0.9, 0.5, 0.999)  # level of every interval
    interval: str = choice("wilson", ("wilson", "jeffreys"))  # interval for probabilities (scipy)
    # The question (id in ``questions``, an event) or outcome column that sensitivity analysis and
    # scenario discovery (PRIM) explain from the uncertain parameters.
    target: str = ""  # set by the theatre file; "" = no explanation of any question
    report: bool = True  # write report.md and figures/ at the end of every experiment


@dataclass
class CalibratedParameterConfig:
    """One parameter of a calibrated posterior: its config key, its prior and its posterior draws."""

    key: str = MISSING
    prior: dict[str, Any] = field(default_factory=dict)  # the prior's distribution spec (a record)
    values: list[Any] = MISSING  # draw i of every parameter belongs to the same accepted run


@dataclass
class CalibratedConfig:
    """A joint posterior written by ``python -m sim.calibrate`` (``configs/calibrated/<name>.yaml``).

    Selected with ``+calibrated=<name>``: each run draws one accepted run's parameter values (all its
    parameters together, so their correlations are kept), replacing the priors of the same keys in
    ``uncertain``.
    """

    name: str = ""
    method: str = ""
    created: str = ""
    prior_experiment: str = ""  # results folder the prior runs came from
    accepted: int = 0
    prior_runs: int = 0
    observations: list[dict[str, Any]] = field(default_factory=list)  # what was matched (a record)
    parameters: list[CalibratedParameterConfig] = field(default_factory=list)


@dataclass
class Config:
    """The whole composed configuration of an experiment."""

    horizon_days: int = num(180, 1, DAYS_MAX)
    theatre: TheatreConfig = MISSING
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mechanisms: MechanismsConfig = field(default_factory=_new_mechanisms)  # noqa: F821 (built on first use)
    mc: MCConfig = field(default_factory=MCConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    # Uncertain parameters: a tree mirroring config paths whose leaves are distributions, e.g.
    # {mechanisms: {combat: {kill_rate: {dist: uniform, low: 0.002, high: 0.004}}}} (sim/uncertainty.py).
    uncertain: dict[str, Any] = field(default_factory=dict)
    questions: dict[str, QuestionConfig] = field(default_factory=dict)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    calibrated: CalibratedConfig = field(default_factory=CalibratedConfig)  # +calibrated=<name>


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (call before composing)."""
    from hydra.core.config_store import ConfigStore

    mechanisms_config()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)


# --- validation -----------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


def _check_field(key: str, value: Any, meta: Any) -> None:
    if "choices" in meta:
        if value not in meta["choices"]:
            allowed = ", ".join(meta["choices"])
            raise ConfigError(f"{key}: got {value!r}; allowed: {allowed}")
        return
    if isinstance(value, float) and not math.isfinite(value):  # bounded or not, NaN/inf is never meant
        raise ConfigError(f"{key}: got {value}; must be a finite number")
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
