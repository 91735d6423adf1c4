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

from sim.errors import UserError

__all__ = [
    "CalibratedConfig",
    "Config",
    "ConfigError",
    "ExecutorConfig",
    "MCConfig",
    "MechanismsConfig",
    "QuestionConfig",
    "ScenarioConfig",
    "TheatreConfig",
    "read_entries",
    "register_configs",
    "validate",
]


class ConfigError(UserError):
    """A configuration value is not allowed; the message is one line naming the key."""


def read_entries(
    path: Any, key: str, error: type[Exception] = ConfigError, *, non_empty: bool = True
) -> list[Any]:
    """The list under ``key`` of a YAML input file (resolutions, observations, claims), safely loaded.

    The file is parsed by :func:`sim.inputs.load_yaml`: a key given twice in a mapping is refused
    (``yaml.safe_load`` keeps the last value), and so are aliases expanding it beyond bounds.

    Raises:
        error: one line naming the file: missing, not valid YAML, a key twice, or without the list.
    """
    from sim.inputs import load_yaml

    doc = load_yaml(path, error)
    entries = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(entries, list) or (non_empty and not entries):
        raise error(f"{path}: needs a {'non-empty ' if non_empty else ''}list '{key}'")
    return entries


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


#: Upper bounds that keep every allowed value meaningful and every run finite (tests run each field at
#: both ends of its range): distances, day counts, and the weights and biases of logistic decisions.
KM_MAX = 10_000.0
DAYS_MAX = 3650
WEIGHT_MAX = 100.0
BIAS_MAX = 50.0
MAX_RUNS = 1_000_000  # mc.runs; an experiment of more runs (x replications, designs) is refused


def days(default: int, lo: int = 0):
    """A number of days, up to :data:`DAYS_MAX` (ten years)."""
    return _num(default, lo, DAYS_MAX)


def weight(default: float):
    """A weight of a logistic decision, in [0, :data:`WEIGHT_MAX`]."""
    return _num(default, 0.0, WEIGHT_MAX)


def bias(default: float):
    """The bias (log-odds) of a logistic decision, in [-:data:`BIAS_MAX`, :data:`BIAS_MAX`]."""
    return _num(default, -BIAS_MAX, BIAS_MAX)


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
    kill_rate: float = _num(0.003, 0.0, 1.0, lo_open=True)
    defender_bonus: float = _num(1.5, 1.0, 10.0)  # ASSUMPTION: prepared positions multiply defenders' fire
    # An attack goes in when the commander's estimate of attacker power / defender power (log-normal
    # noise of s.d. estimate_noise) reaches assault_ratio. ASSUMPTION, calibrated so that the GNA's
    # push stalls before Sirte in most baseline runs (as it did in June 2020) yet can still succeed
    # (about 1 run in 10 takes Sirte, in the first month, before LNA reserves arrive).
    assault_ratio: float = _num(1.1, 0.0, 100.0, lo_open=True)
    estimate_noise: float = _num(0.4, 0.0, 5.0)
    skirmish_intensity: float = prob(0.1)  # share of full intensity while forces hold in contact
    # attackers halt this far short of an enemy-held place
    engagement_km: float = _num(20.0, 0.0, KM_MAX, lo_open=True)
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
    speed_km_per_day: float = _num(80.0, 0.0, 2000.0, lo_open=True)


@dataclass
class AirConfig:
    """Air power: drones and jets of the patrons over contested places."""

    enabled: bool = True
    # Casualties per sortie. ASSUMPTION, calibrated so one day of strikes near Sirte kills ~10-20
    # (seed: "air strikes from warplanes and other drones ... the deaths of at least 19 people").
    kills_per_sortie_drone: float = _num(2.0, 0.0, 1000.0)
    kills_per_sortie_jet: float = _num(3.0, 0.0, 1000.0)
    # Probability a sortie is lost, per unit of enemy air-defence strength over the target. ASSUMPTION,
    # set so TB2s over Sirte (Pantsir cover 0.3, ~12 sorties a day in an assault) lose about 1-2 a week:
    # 2 TB2 were lost in the 6-11 June 2020 offensive (forces.md section 5). No GNA air defence covers
    # the Sirte front, so LNA aircraft are lost only near Misrata and Mitiga.
    loss_per_sortie: float = prob(0.05)


@dataclass
class SupplyConfig:
    """Supply along roads through held places, from the faction's supply bases."""

    # full supply within this road distance of a base (ASSUMPTION)
    range_km: float = _num(350.0, 0.0, KM_MAX, lo_open=True)
    # supply falls linearly to `floor` over this further distance
    decay_km: float = _num(400.0, 0.0, KM_MAX, lo_open=True)
    floor: float = prob(0.3)
    cut_decay_per_day: float = prob(0.1)  # daily loss of supply when no road links a unit to a base


@dataclass
class MoraleConfig:
    """Unit morale: falls with losses, recovers out of combat; broken units retreat."""

    loss_sensitivity: float = _num(6.0, 0.0, 1000.0)  # morale lost per unit of daily fractional losses
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
    loss_per_casualty_share: float = _num(2.0, 0.0, 1000.0)
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
    ramp_days: float = _num(30.0, 0.0, DAYS_MAX, lo_open=True)
    # The blockade decision: daily lifting probability logistic(lift_bias + lift_per_30_days * months
    # + lift_pressure * patron pressure + lift_unrest * eastern active share). ASSUMPTION, calibrated so
    # that in the baseline about half the runs lift it within 6 months: the real blockade (from 17-18
    # Jan 2020) cost $6 bn by June and was lifted 18 Sep 2020 (day 103), weeks after the August
    # protests in the East (forces.md section 9; places.csv, al-Marj and al-Bayda notes).
    lift_enabled: bool = True
    lift_bias: float = bias(-8.0)
    lift_per_30_days: float = weight(0.7)
    lift_pressure: float = weight(3.0)
    lift_unrest: float = weight(15.0)
    # Hardship = hardship_weight x (1 - output / reference output), in [0, 1]. ASSUMPTION: oil is
    # ~95% of state revenue, but salaries were partly paid from reserves, so a total loss of output
    # raises hardship by 0.3 (on Epstein's 0-1 scale).
    hardship_weight: float = prob(0.3)
    hardship_cohesion: float = prob(0.002)  # daily cohesion loss of every faction per unit of hardship


@dataclass
class CeasefireConfig:
    """Ceasefire offers, acceptance and breakdown, with the LNA offer's hidden type (sincere or pretext).

    A side's willingness w = w_weariness x (own losses / initial strength) + w_stalemate x (days the
    front has not moved / 30) - w_momentum x (own km gained over ``momentum_window`` days / 100)
    + w_pressure x patron pressure. It offers with daily probability logistic(offer_bias + w) and
    accepts a standing offer with logistic(accept_bias + w - w_distrust x (1 - belief the offer is
    sincere)). Seed: Haftar "announced on Saturday that he was ready to stop the fighting and enter
    talks", in Cairo; "the alleged cease-fire offer ... is just a pretext for launching Egyptian air
    strikes or any other military moves in order to support Haftar during the next week".
    """

    enabled: bool = False
    initial_offer: str = choice("LNA", ("LNA", "GNA", "none"))  # the Cairo offer stands on day 0
    offer_valid_days: int = days(7, 1)
    pretext_prob: float = prob(0.5)  # the hidden type of the LNA's offers, drawn once per run
    offer_bias: float = bias(-6.0)
    # A pretext-type LNA offers more readily: for it the offer is a cheap tactic (the seed's Cairo offer
    # came the day its forces collapsed). ASSUMPTION.
    w_pretext_offer: float = weight(2.0)
    accept_bias: float = bias(-4.0)
    w_weariness: float = weight(15.0)
    w_stalemate: float = weight(0.8)
    w_momentum: float = weight(3.0)
    w_pressure: float = weight(3.0)
    w_distrust: float = weight(3.0)
    momentum_window: int = days(14, 1)
    stall_km: float = _num(5.0, 0.0, KM_MAX)  # the front "has not moved" while it stays within this distance
    prior_sincere: float = prob(0.5)  # the GNA's belief that an LNA offer is sincere, before evidence
    # Daily chance the GNA observes suspicious LNA activity (arms flights, Egyptian deployments)
    # under each type; the GNA updates its belief by Bayes' rule. ASSUMPTION.
    signal_if_pretext: float = prob(0.4)
    signal_if_sincere: float = prob(0.1)
    # The GNA breaks a ceasefire once its belief that the LNA is sincere falls below this (and below
    # half its belief at the declaration).
    preempt_belief: float = prob(0.15)
    # Pretext: the LNA regroups (morale recovery and its patrons' reinforcements x regroup_factor)
    # for lull_days_min to lull_days_max days, then Egyptian air strikes come and the LNA resumes
    # fighting ("during the next week").
    lull_days_min: int = days(3, 1)
    lull_days_max: int = days(10, 1)
    regroup_factor: float = _num(3.0, 1.0, 100.0)
    strike_patron: str = "egypt"
    incident_hazard: float = prob(0.004)  # daily chance a ceasefire without a pretext lull breaks down
    pressure: float = prob(0.5)  # patron pressure to de-escalate while a ceasefire holds (ASSUMPTION)
    cooldown_days: int = days(30, 0)  # no new offer for this long after a ceasefire breaks


@dataclass
class RedLineConfig:
    """A patron's red line: if its client's enemy holds any of ``places``, it may intervene.

    forces.md section 8 (not the seed, which predates it): on 20 Jun 2020 (day 13) Sisi declared "The
    line of Sirte, al-Jufra is a red line for Egypt"; Egypt's parliament authorised combat deployment
    on 20 Jul 2020.
    """

    enabled: bool = False
    patron: str = "egypt"
    places: list[str] = field(default_factory=lambda: ["sirte", "jufra"])
    declared_day: int = days(13, 0)
    intervene_prob_per_day: float = prob(0.15)  # ASSUMPTION: a decision within about a week


@dataclass
class BargainingConfig:
    """Patron bargaining (Turkey-Russia): escalation, a deal that freezes the front, or a clash.

    Each patron's escalation e in [0, 1] rises by escalation_rate on days its client loses ground or a
    place, and falls by deescalation_rate otherwise; its air sorties and reinforcements scale with
    (0.5 + e). A deal is struck with daily probability logistic(deal_bias + w_stalemate x stalled
    months + w_cost x costs + w_clash_risk x e1 e2), costs = (clients' losses / 1,000) + (aircraft
    lost / 5). A direct clash happens with daily probability clash_hazard x e1 x e2 (rare unless both
    escalate). Seed: "Analysts expect that Turkey and Russia will avoid direct confrontation in Libya,
    and thus may reach a new agreement between them."
    """

    enabled: bool = False
    patrons: list[str] = field(default_factory=lambda: ["turkey", "russia"])
    initial_escalation: list[float] = field(default_factory=lambda: [0.6, 0.5])  # ASSUMPTION
    escalation_rate: float = prob(0.05)
    deescalation_rate: float = prob(0.01)
    deal_bias: float = bias(-7.0)
    w_stalemate: float = weight(1.0)
    w_cost: float = weight(1.0)
    w_clash_risk: float = weight(3.0)
    stall_km: float = _num(5.0, 0.0, KM_MAX)
    clash_hazard: float = prob(0.01)
    # Under a deal: the clients' attack units hold where they are, assaults need restraint x the
    # usual force ratio, and the two patrons' sorties and reinforcements fall by reinforcement_cut.
    restraint: float = _num(3.0, 1.0, 100.0)
    reinforcement_cut: float = prob(0.8)
    deal_pressure: float = prob(1.0)  # patron pressure on both clients while a deal holds
    break_hazard: float = prob(0.003)  # daily chance the deal breaks down


@dataclass
class UnrestConfig:
    """Civil unrest in the LNA's eastern cities: an Epstein (2002) grid per city.

    Legitimacy L = legitimacy_base - exclusion_penalty - legitimacy_drop_per_defeat x places the LNA
    has lost - legitimacy_drop_per_1000_killed x fatalities / 1,000; hardship rises with lost oil
    revenue (``oil.hardship``); cops scale with the LNA strength left in the city (never below
    police_floor of the initial). Seed: "Haftar will face challenges in his strongholds in the Libyan
    East, after he had excluded all of his opponents without mercy in the past."
    """

    enabled: bool = False
    cities: list[str] = field(default_factory=lambda: ["benghazi", "bayda", "marj", "tobruk", "derna"])
    grid_size: int = _num(20, 5, 200)  # each city is a grid_size x grid_size torus (a scaled sample)
    # grid steps at the day-0 drivers before day 0, so runs start settled
    warmup_steps: int = _num(30, 0, 1000)
    citizen_density: float = prob(0.7)  # Epstein Table 2
    cop_density: float = prob(0.074)  # Epstein runs 3-5
    # Epstein's 7 on a 40 x 40 grid, scaled to the smaller grid
    vision: float = _num(3.5, 0.0, 20.0, lo_open=True)
    max_jail_term: int = _num(30, 1, 10_000)  # Epstein run 2
    # ASSUMPTION: base - exclusion_penalty = 0.9, Epstein's legitimacy for a quiet society at these cop
    # densities (Table 2, runs 3-4), before the defeats of June 2020.
    legitimacy_base: float = prob(0.95)
    exclusion_penalty: float = prob(0.05)  # the seed's "excluded all of his opponents"
    legitimacy_drop_per_defeat: float = prob(0.03)
    legitimacy_drop_per_1000_killed: float = prob(0.01)
    # Share of a city's security forces that remain (police, local units) when its army units leave.
    # ASSUMPTION.
    police_floor: float = prob(0.5)
    # A city whose active share, averaged over divert_days, exceeds divert_threshold makes the LNA
    # detach divert_strength personnel from its strongest unit outside the East (not attacking) and
    # march them home; then the city's count restarts. ASSUMPTION: a battalion-size detachment.
    divert_threshold: float = prob(0.04)
    divert_days: int = days(7, 1)
    divert_strength: float = _num(1000.0, 0.0, 1_000_000.0)
    # The eastern government falls when the population-weighted active share, averaged over
    # govt_fall_days, exceeds govt_fall_threshold (the al-Thinni cabinet resigned on 13 Sep 2020 after
    # weeks of protests; places.csv, al-Bayda note). ASSUMPTION for both values.
    govt_fall_threshold: float = prob(0.04)
    govt_fall_days: int = days(21, 1)
    cohesion_weight: float = prob(0.01)  # daily LNA cohesion loss per unit of active share
    govt_fall_cohesion: float = prob(0.1)  # one-off LNA cohesion loss when the government falls


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
    ceasefire: CeasefireConfig = field(default_factory=CeasefireConfig)
    red_line: RedLineConfig = field(default_factory=RedLineConfig)
    bargaining: BargainingConfig = field(default_factory=BargainingConfig)
    unrest: UnrestConfig = field(default_factory=UnrestConfig)


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
    runs: int = _num(500, 1, MAX_RUNS)
    replications: int = _num(1, 1, 10_000)  # seeds per design point
    design: str = choice("monte_carlo", ("monte_carlo", "lhs", "sobol", "morris"))
    seed: int = _num(20200607, 0, 2**63 - 1)
    progress: bool = True  # a progress bar when stderr is a terminal
    resume: bool = True  # rerunning into a folder that holds part of this experiment runs only the rest


@dataclass
class ExecutorConfig:
    """Where runs are computed (``configs/executor/``): results are the same on every executor."""

    kind: str = choice("processes", ("serial", "processes", "dask"))
    # 0 = all usable cores; local workers (processes, local Dask cluster) are capped at the usable cores and
    # the number of chunks, with a line on stderr when a request is capped
    workers: int = _num(0, 0, 1024)
    address: str | None = None  # dask: scheduler address, e.g. tcp://10.0.0.5:8786; none = LocalCluster
    chunk: int = _num(0, 0)  # runs per task sent to a worker; 0 = automatic
    max_tasks_per_child: int = _num(200, 1)  # processes: recycle a worker after this many chunks
    # A run's time limit in seconds (0 = none); a run over it is recorded as failed (RunTimeout) and the
    # experiment goes on. 900 s is ~1,000x a 365-day run of the heaviest scenario here (< 1 s), so only a
    # run that hangs meets it. The model checks it before each day; serial and processes also stop a run
    # stuck inside a day after the limit plus 10 % (at least 1 s). Not in the experiment's fingerprint.
    run_timeout_s: float = _num(900.0, 0.0)


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

    confidence: float = _num(0.9, 0.5, 0.999)  # level of every interval
    interval: str = choice("wilson", ("wilson", "jeffreys"))  # interval for probabilities (scipy)
    # The question (id in ``questions``, an event) or outcome column that sensitivity analysis and
    # scenario discovery (PRIM) explain from the uncertain parameters.
    target: str = "gna_takes_sirte"
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

    horizon_days: int = _num(180, 1, DAYS_MAX)
    theatre: TheatreConfig = MISSING
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
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
