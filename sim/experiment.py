"""From config to a ready experiment: compose, validate, build the theatre.

The CLI (``python -m sim``), notebooks and tests all go through :func:`compose` and :func:`prepare`, so
an experiment is set up the same way everywhere.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import BooleanNode, DictConfig, OmegaConf

from sim.config import Config, ConfigError, register_configs, validate
from sim.theatre import Theatre, build_theatre

__all__ = ["CONFIG_DIR", "Experiment", "compose", "prepare"]

#: The repository's ``configs/`` folder.
CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the typed config, the theatre built from it, its uncertain parameters.

    ``posterior`` (a :class:`sim.uncertainty.JointPosterior`, from ``+calibrated=<name>``) replaces the
    priors in ``uncertain`` of the keys it covers.
    """

    config: Config
    theatre: Theatre
    uncertain: tuple = ()  # sim.uncertainty.UncertainParameter, sorted by key
    posterior: Any = None

    @property
    def parameter_keys(self) -> list[str]:
        """Keys of every parameter that varies between runs (uncertain, then calibrated)."""
        keys = [p.key for p in self.uncertain]
        return keys + list(self.posterior.keys if self.posterior is not None else ())

    @property
    def scenario(self) -> str:
        """Scenario name."""
        return self.config.scenario.name

    def fingerprint(self) -> str:
        """Identifies the experiment's numbers: its config minus how it is run (executor, progress)."""
        import dataclasses

        from sim.config import ExecutorConfig
        from sim.store import fingerprint

        mc = dataclasses.replace(self.config.mc, progress=True, resume=True)
        config = dataclasses.replace(self.config, executor=ExecutorConfig(), mc=mc)
        return fingerprint(OmegaConf.to_yaml(OmegaConf.structured(config)))

    @property
    def mechanisms_on(self) -> set[str]:
        """Names of the mechanisms switched on (those without a switch are always on)."""
        return {k for k, v in vars(self.config.mechanisms).items() if getattr(v, "enabled", True)}


def compose(overrides: list[str] | None = None, config_dir: str | Path | None = None) -> DictConfig:
    """Compose the experiment config with Hydra's compose API, as ``python -m sim`` would.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=baseline", "mc.runs=50"]``.
        config_dir: folder holding ``config.yaml`` (default: the repository's ``configs/``).

    Returns:
        The composed config (without the ``hydra`` node).
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    for o in overrides or []:
        key, _, value = o.partition("=")
        if TARGET in key.lstrip("+~").split("."):
            _check_target(key.lstrip("+~"), value)
    register_configs()
    root = str(config_dir or CONFIG_DIR)

    def hydra_composed(overrides: list[str]) -> DictConfig:
        if GlobalHydra.instance().is_initialized():
            GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=root, version_base="1.3"):
            return hydra_compose(config_name="config", overrides=overrides)

    split = _split_overrides(list(overrides or []), _groups(root))
    if split is None:  # unparsable: Hydra reports it
        return hydra_composed(list(overrides or []))
    groups, values, simple = split
    if not simple:  # deletions, sweeps, packages, Hydra settings: Hydra composes it all
        cfg = hydra_composed(list(overrides or []))
        _check_switches(cfg, values)
        return cfg
    key = (root, tuple(groups))
    if key not in _COMPOSED:
        base = hydra_composed(groups)
        while len(_COMPOSED) >= 4:  # a few bases at a time: each holds a whole theatre
            del _COMPOSED[next(iter(_COMPOSED))]
        _COMPOSED[key] = base
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    cfg = copy.deepcopy(_COMPOSED[key])
    _check_switches(cfg, values)
    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)  # what Hydra does after composing
    return cfg


def _check_switches(cfg: DictConfig, values: list[Any]) -> None:
    """OmegaConf would read 2 or "yes" as true: a switch (bool field) takes only true or false."""
    for o in values:
        parent_key, _, leaf = o.key_or_group.rpartition(".")
        parent = OmegaConf.select(cfg, parent_key) if parent_key else cfg
        node = parent._get_node(leaf) if isinstance(parent, DictConfig) and leaf in parent else None
        if isinstance(node, BooleanNode) and not isinstance(o.value(), bool):
            raise ConfigError(f"{o.key_or_group}: got {o.value()!r}; allowed: true, false")


# Value overrides (``a.b=1``, ``+a.c=2``) are applied the way Hydra applies them, to a copy of the config
# composed from the group choices alone; composing the YAML files again costs ~1 s each time.
_COMPOSED: dict[tuple, DictConfig] = {}


def _groups(root: str) -> set[str]:
    """The config groups of a config folder: its sub-folders."""
    return {p.name for p in Path(root).iterdir() if p.is_dir()}


def _split_overrides(overrides: list[str], group_names: set[str]) -> tuple[list[str], list[Any], bool] | None:
    """Split overrides into group choices and parsed value overrides (``a.b=1``, ``+a.c=2``).

    Returns:
        ``(groups, values, simple)``: ``simple`` is true when there is nothing else (deletions, sweeps,
        packages, Hydra settings), so the cached composition serves; None if they do not parse.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:
        return None
    groups, values, simple = [], [], True
    for o in parsed:
        key = o.key_or_group
        if o.is_delete() or o.is_sweep_override() or o.is_hydra_override() or o.package is not None:
            simple = False
        elif key in group_names or "/" in key:
            groups.append(o.input_line)
        else:
            values.append(o)
    return groups, values, simple


TARGET = "_target_"


def _check_target(key: str, value: Any) -> None:
    """Configs never instantiate objects; a ``_target_`` may only name something in the ``sim`` package."""
    if not (isinstance(value, str) and value.strip().startswith("sim.")):
        raise ConfigError(
            f"{key}: got {value!r}; a config may not name Python objects to create (_target_ outside sim.)"
        )


def _reject_targets(node: Any, prefix: str = "") -> None:
    """Raise :class:`ConfigError` for the first ``_target_`` outside ``sim.`` in a plain config tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        key = f"{prefix}.{k}" if isinstance(k, str) else f"{prefix}[{k}]"
        key = key.lstrip(".")
        if k == TARGET:
            _check_target(key, v)
        _reject_targets(v, key)


def to_config(cfg: DictConfig | Config) -> Config:
    """Typed :class:`Config` from a composed DictConfig (resolving interpolations)."""
    if isinstance(cfg, Config):
        return cfg
    node = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
    _reject_targets(OmegaConf.to_container(node, resolve=False))
    obj: Any = OmegaConf.to_object(node)
    if not isinstance(obj, Config):
        raise ConfigError("config: not composed from the base_config schema")
    return obj


def _check_references(config: Config, theatre: Theatre) -> None:
    """Mechanism settings that name theatre items must name existing ones."""
    mech = config.mechanisms

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConfigError(message)

    patrons, places = sorted(theatre.patrons), sorted(theatre.places)
    need(
        mech.red_line.patron in theatre.patrons,
        f"mechanisms.red_line.patron: {mech.red_line.patron!r}; allowed: {', '.join(patrons)}",
    )
    for p in mech.red_line.places:
        need(p in theatre.places, f"mechanisms.red_line.places: unknown place {p!r}")
    strike = mech.ceasefire.strike_patron
    need(
        strike == "" or strike in theatre.patrons,
        f"mechanisms.ceasefire.strike_patron: {strike!r}; allowed: '', {', '.join(patrons)}",
    )
    need(
        mech.ceasefire.lull_days_max >= mech.ceasefire.lull_days_min,
        f"mechanisms.ceasefire.lull_days_max: {mech.ceasefire.lull_days_max} must be >= "
        f"lull_days_min ({mech.ceasefire.lull_days_min})",
    )
    b = mech.bargaining
    need(
        len(b.patrons) == 2, f"mechanisms.bargaining.patrons: name exactly two patrons, got {list(b.patrons)}"
    )
    for p in b.patrons:
        need(p in theatre.patrons, f"mechanisms.bargaining.patrons: {p!r}; allowed: {', '.join(patrons)}")
    need(
        theatre.patrons[b.patrons[0]].client != theatre.patrons[b.patrons[1]].client,
        "mechanisms.bargaining.patrons: the two patrons must back different sides",
    )
    need(
        len(b.initial_escalation) == 2,
        "mechanisms.bargaining.initial_escalation: give two values, one per patron",
    )
    for e in b.initial_escalation:
        need(0 <= e <= 1, f"mechanisms.bargaining.initial_escalation: {e} is outside [0, 1]")
    u = mech.unrest
    need(len(u.cities) > 0, "mechanisms.unrest.cities: name at least one city")
    for c in u.cities:
        need(
            c in theatre.places,
            f"mechanisms.unrest.cities: unknown place {c!r} (places: {', '.join(places)})",
        )
    holders = {theatre.places[c].control for c in u.cities}
    need(len(holders) == 1, "mechanisms.unrest.cities: all cities must be held by one faction at the start")
    need(
        u.citizen_density + u.cop_density <= 1,
        "mechanisms.unrest.cop_density: citizen_density + cop_density must be <= 1",
    )
    _check_questions(config)


def _check_questions(config: Config) -> None:
    """Questions need the fields their ``op`` uses, and a horizon within the experiment's."""
    for qid, q in config.questions.items():
        key = f"questions.{qid}"
        if q.op in ("le", "lt", "ge", "gt") and q.value is None:
            raise ConfigError(f"{key}.value: op {q.op!r} needs a value")
        if q.by_day is not None:
            if q.op != "happened":
                raise ConfigError(f"{key}.by_day: only for op 'happened' (use op le with value for {q.op!r})")
            if not 0 <= q.by_day <= config.horizon_days:
                raise ConfigError(
                    f"{key}.by_day: got {q.by_day}; allowed range [0, horizon_days = {config.horizon_days}]"
                )


def prepare(cfg: DictConfig | Config) -> Experiment:
    """Validate a composed config and build its theatre.

    Raises:
        ConfigError: one line naming the first invalid key or theatre item.
    """
    config = to_config(cfg)
    validate(config)
    theatre = build_theatre(config.theatre)
    _check_references(config, theatre)
    from sim.uncertainty import parse_posterior, parse_uncertain

    uncertain = tuple(parse_uncertain(config.uncertain, config)) if config.uncertain else ()
    posterior = parse_posterior(config.calibrated, config)
    if posterior is not None:
        uncertain = tuple(p for p in uncertain if p.key not in posterior.keys)
        if config.mc.design in ("sobol", "morris"):
            raise ConfigError(
                f"mc.design: {config.mc.design} splits variance by parameter, but +calibrated "
                f"({posterior.name}) draws its parameters jointly; allowed: monte_carlo, lhs"
            )
    return Experiment(config=config, theatre=theatre, uncertain=uncertain, posterior=posterior)
