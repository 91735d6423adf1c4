"""Configuration schema: one dataclass per config group, registered with Hydra's ConfigStore.

This module holds the core processes' parameters, the whole :class:`Config` and its validation; the
theatre data schema is in :mod:`sim.theatre_schema` and the experiment's settings (scenario, mc,
executor, questions, analysis, calibrated) in :mod:`sim.settings_schema`, every class re-exported here.

Defaults live in these schemas and nowhere else. YAML files under ``configs/`` only select data (the theatre),
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
from sim.settings_schema import (  # noqa: F401  (re-exported: the settings groups are part of the schema)
    RUN_TIMEOUT_MAX,
    AnalysisConfig,
    CalibratedConfig,
    CalibratedParameterConfig,
    ExecutorConfig,
    MCConfig,
    QuestionConfig,
    ScenarioConfig,
    TunedConfig,
)
from sim.theatre_schema import (  # noqa: F401  (re-exported: the theatre data schema)
    AirAssetConfig,
    AirDefenceConfig,
    BBoxConfig,
    FactionConfig,
    OilDataConfig,
    OilSystemConfig,
    PatronConfig,
    PlaceConfig,
    RoadConfig,
    TheatreConfig,
    UnitConfig,
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


# --- mechanisms (behavioural parameters, with their defaults and sources) ------------------------


@dataclass
class CombatConfig:
    """Stochastic Lanchester attrition at contested places (docs/ODD.md, 'Combat')."""

    law: str = choice("square", ("square", "linear"))
    # Per-capita daily casualty rate of effective ground forces under aimed fire. ASSUMPTION, calibrated
    # so a full assault by ~10,000 costs the defender ~30 casualties a day (order of the seed's "at least
    # 19" killed near Sirte on one day, counting air strikes). Tuned to: sirte_strike_deaths_2020-06.
    kill_rate: float = num(0.003, 0.0, 1.0, lo_open=True)
    defender_bonus: float = num(1.5, 1.0, 10.0)  # ASSUMPTION: prepared positions multiply defenders' fire
    # An attack goes in when the commander's estimate of attacker power / defender power (log-normal
    # noise of s.d. estimate_noise) reaches assault_ratio. ASSUMPTION, calibrated so that the GNA's
    # push stalls before Sirte in most baseline runs (as it did in June 2020) yet can still succeed
    # (about 1 run in 10 took Sirte, in the first month, before LNA reserves arrive). Tuned to:
    # sirte_stays_lna_2020, front_stops_at_sirte_2020 (in-sample: analysis.tuned of the theatre file).
    # Tuned before issue 15: with the factions' optimism and the patrons' support choice the baseline now
    # takes Sirte in 28 % of runs (300 runs, 270 days).
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
    # Tuned to: sirte_strike_deaths_2020-06.
    kills_per_sortie_drone: float = num(2.0, 0.0, 1000.0)
    kills_per_sortie_jet: float = num(3.0, 0.0, 1000.0)
    # Probability a sortie is lost, per unit of enemy air-defence strength over the target. ASSUMPTION,
    # set so TB2s over Sirte (Pantsir cover 0.3, ~12 sorties a day in an assault) lose about 1-2 a week:
    # 2 TB2 were lost in the 6-11 June 2020 offensive (forces.md section 5). No GNA air defence covers
    # the Sirte front, so LNA aircraft are lost only near Misrata and Mitiga. Tuned to: tb2_losses_june_2020.
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
class OffensivesConfig:
    """The factions' choice of an offensive for their free reserves, and their optimism (docs/ODD.md 4.1).

    A faction weighs, for the next place it does not hold on each of its axes, the chance that an
    offensive takes it, c = r^k / (1 + r^k) with r its believed force ratio there (Hirshleifer 1989),
    against the cost of a failed offensive: expected value c - (1 - c) x failure_cost, in units of the
    place's value. It sends its reserves to the best objective if that value is positive.
    """

    enabled: bool = True
    # k: how decisive an edge in power is. ASSUMPTION: k = 2 makes a 2:1 edge win four times in five,
    # the order of the 3:1 rule of thumb for attack (Mearsheimer 1989, "Assessing the conventional
    # balance: the 3:1 rule and its critics", International Security 13(4)) once the defender's bonus
    # is counted in the ratio.
    steepness: float = num(2.0, 0.1, 20.0)
    # Cost of a failed offensive (losses, exposure of the rear) per unit of the objective's value.
    # ASSUMPTION: a failed offensive costs as much as the place is worth, so a faction attacks when it
    # believes its chance is better than even.
    failure_cost: float = num(1.0, 0.0, 100.0)
    # Enemy forces within this road distance of an objective count in its defence. ASSUMPTION: two days'
    # march at the default speed.
    defence_radius_km: float = num(160.0, 0.0, KM_MAX)
    # Each faction's optimism: a belief about its own edge (log of the factor by which it over- or
    # under-rates its force ratios), drawn once per run from N(0, optimism_sd^2) (private information
    # that makes war possible: Fearon 1995; mutual optimism: Blainey 1973). ASSUMPTION: s.d. 0.3, a
    # typical misreading of +-35 %.
    optimism_sd: float = num(0.3, 0.0, 5.0)
    # Battles reveal the true balance (Slantchev 2003; Reiter 2009): after each assault both sides observe
    # the log of (losses inflicted / losses taken) against what they expected, with this noise s.d., and
    # update their optimism by the normal (Kalman) rule. ASSUMPTION.
    battle_noise_sd: float = num(0.5, 0.01, 10.0)


@dataclass
class ReinforcementsConfig:
    """Foreign fighters arriving through the patrons."""

    enabled: bool = True


@dataclass
class PatronSupportConfig:
    """Each patron's daily choice of its escalation, hence of its support (docs/ODD.md 4.1).

    The rule is in sim/model/support.py: V(e) = p(e) (1 + S) - S - T e (support_cost + F), values in units
    of the contested ground's value; S is the patron's ``stake`` (theatre data) x ``stake_scale``. Patrons
    in a bargaining game choose there (mechanisms.bargaining, with its own copy of these assumptions).
    """

    enabled: bool = True
    # ASSUMPTION: multiplies the theatre's stakes (for sensitivity analysis; 1 = as the theatre says)
    stake_scale: float = num(1.0, 0.0, 100.0)
    period_days: int = days(30, 1)  # ASSUMPTION: the period a patron weighs its commitment over
    # ASSUMPTION: steepness of the contest success function: a 2:1 edge in power gives an 80 % chance
    steepness: float = num(2.0, 0.0, 20.0)
    # ASSUMPTION: full support against none shifts the believed balance by this (log power ratio): e^0.3 =
    # 1.35x, the order the model itself gives: Turkey's support at 1.5 rather than 0.5 moves the clients'
    # log power ratio on day 90 by 0.31, Russia's by 0.15 (baseline, 60 runs; not fitted to any event)
    leverage: float = num(0.3, 0.0, 10.0)
    optimism_sd: float = num(0.8, 0.0, 5.0)  # ASSUMPTION: s.d. of a patron's misreading (log power ratio)
    battle_noise: float = num(3.0, 0.01, 100.0)  # ASSUMPTION: s.d. of an assault's evidence (log power ratio)
    # ASSUMPTION: money a day at full escalation (a month: 1.5 % of the ground's value)
    support_cost: float = num(0.0005, 0.0, 1.0)
    aircraft_cost: float = num(0.01, 0.0, 10.0)  # ASSUMPTION: one aircraft lost (a TB2 is ~US$5 m)
    casualty_cost: float = num(0.02, 0.0, 10.0)  # ASSUMPTION: per 1,000 of its client's personnel lost
    # ASSUMPTION: believed daily cost of losses at full escalation before any battle
    fight_cost_prior: float = num(0.001, 0.0, 1.0)
    switch_cost: float = num(0.02, 0.0, 1.0)  # ASSUMPTION: cost of changing posture (2 % of the ground)
    escalation_rate: float = prob(0.05)  # ASSUMPTION: most escalation rises in a day (deployments take time)
    deescalation_rate: float = prob(0.05)  # ASSUMPTION: most it falls in a day


#: The core processes' parameters (always on); the switchable mechanisms follow from the registry.
CORE = (
    ("combat", CombatConfig),
    ("movement", MovementConfig),
    ("air", AirConfig),
    ("supply", SupplyConfig),
    ("morale", MoraleConfig),
    ("cohesion", CohesionConfig),
    ("reinforcements", ReinforcementsConfig),
    ("offensives", OffensivesConfig),
    ("patron_support", PatronSupportConfig),
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


# --- the whole configuration ----------------------------------------------------------------------


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
    # Forecast questions; the command line adds one with +questions.q='{text: ..., outcome: ..., op: ...}'
    # (sim.runner.compose.expand_questions makes it one override per field, which OmegaConf can add).
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
