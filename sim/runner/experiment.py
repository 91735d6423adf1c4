"""From a composed config to a ready experiment: validate it, build the theatre, check its references.

:func:`prepare` takes a config composed by :func:`sim.runner.compose.compose` (or a typed
:class:`sim.config.Config`) and returns the :class:`Experiment` the runner runs; every check that needs
no run is done here, with one line naming the first bad key or theatre item.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from sim.config import Config, ConfigError, validate
from sim.theatre import Theatre, build_theatre

__all__ = ["MAX_TOTAL_RUNS", "Experiment", "prepare", "to_config"]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the typed config, the theatre built from it, its uncertain parameters.

    ``posterior`` (a :class:`sim.runner.calibrated.JointPosterior`, from ``+calibrated=<name>``) replaces
    the priors in ``uncertain`` of the keys it covers.
    """

    config: Config
    theatre: Theatre
    uncertain: tuple = ()  # sim.runner.uncertainty.UncertainParameter, sorted by key
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
        """Identifies the experiment's numbers: its config minus how it is run (executor, progress).

        The config as sorted JSON, hashed (computed once per experiment).
        """
        if "_fingerprint" not in self.__dict__:  # frozen: cache it beside the fields
            import dataclasses
            import json

            from sim.config import ExecutorConfig
            from sim.runner.store import fingerprint

            mc = dataclasses.replace(self.config.mc, progress=True, resume=True)
            config = dataclasses.replace(self.config, executor=ExecutorConfig(), mc=mc)
            text = json.dumps(_plain(config), sort_keys=True, default=repr)
            self.__dict__["_fingerprint"] = fingerprint(text)
        return self.__dict__["_fingerprint"]

    @property
    def mechanisms_on(self) -> set[str]:
        """Names of the mechanisms switched on (those without a switch are always on)."""
        return {k for k, v in vars(self.config.mechanisms).items() if getattr(v, "enabled", True)}


def _plain(obj: Any) -> Any:
    """A config tree as plain dicts and lists (``dataclasses.asdict`` without its deep copies)."""
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


@contextmanager
def _without_hydra(cfg: DictConfig) -> Iterator[DictConfig]:
    """The config without its ``hydra`` node while the block runs (put back after; no copy of the rest)."""
    if "hydra" not in cfg:
        yield cfg
        return
    hydra_node = cfg._get_node("hydra")
    with open_dict(cfg):
        del cfg["hydra"]
    try:
        yield cfg
    finally:
        with open_dict(cfg):
            cfg["hydra"] = hydra_node


def _check_unknown_keys(node: DictConfig, prefix: str = "") -> None:
    """Every key of a schema-typed node is one of its fields (``+a.b=1`` adds keys past the schema)."""
    import dataclasses

    kind = OmegaConf.get_type(node)
    if dataclasses.is_dataclass(kind):
        fields = [f.name for f in dataclasses.fields(kind)]
        for k in node.keys():
            if k not in fields and not (not prefix and k == "hydra"):
                key = f"{prefix}.{k}" if prefix else str(k)
                raise ConfigError(f"{key}: unknown key; known keys here: {', '.join(fields)}")
    for k in node.keys():
        if not prefix and k == "hydra":
            continue
        child = node._get_node(k)
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(child, DictConfig):
            _check_unknown_keys(child, key)
        elif isinstance(child, ListConfig):
            for i, item in enumerate(child):
                if isinstance(item, DictConfig):
                    _check_unknown_keys(item, f"{key}[{i}]")


def to_config(cfg: DictConfig | Config) -> Config:
    """Typed :class:`Config` from a composed DictConfig (resolving interpolations).

    Raises:
        ConfigError: an unknown key, or a factory key (:func:`sim.safety.check_factories`).
    """
    from sim.safety import check_factories

    if isinstance(cfg, Config):
        return cfg
    with _without_hydra(cfg) as node:
        check_factories(OmegaConf.to_container(node, resolve=False))
        _check_unknown_keys(node)
        obj: Any = OmegaConf.to_object(node)
    if not isinstance(obj, Config):
        raise ConfigError("config: not composed from the base_config schema")
    _normalise_choices(obj)
    return obj


def _normalise_choices(obj: Any) -> None:
    """Give ``true``/``false`` choices back their option (a question's ``op: true``).

    YAML and Hydra read ``true`` and ``false`` as booleans, which a string field keeps as "True"/"False".
    """
    import dataclasses

    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            options = f.metadata.get("choices", ())
            if value in ("True", "False") and value.lower() in options:
                setattr(obj, f.name, value.lower())
            else:
                _normalise_choices(value)
    elif isinstance(obj, dict):
        for v in obj.values():
            _normalise_choices(v)
    elif isinstance(obj, list):
        for v in obj:
            _normalise_choices(v)


def _check_references(config: Config, theatre: Theatre) -> None:
    """Each enabled mechanism's theatre references (its own :meth:`check`), then the questions."""
    from sim.model.contract import check_mechanisms

    check_mechanisms(config.mechanisms, theatre)
    _check_questions(config)


def _check_questions(config: Config) -> None:
    """Questions need the fields their ``op`` uses, and a horizon within the experiment's."""
    from sim.results.questions import question_problem

    for qid, q in config.questions.items():
        problem = question_problem(q.op, q.value, q.by_day, config.horizon_days)
        if problem is not None:
            raise ConfigError(f"questions.{qid}.{problem[0]}: {problem[1]}")


def _check_tuned(config: Config) -> None:
    """Each ``analysis.tuned`` entry names a config field and at least one fact (event id)."""
    from sim.runner.uncertainty import _target

    for i, t in enumerate(config.analysis.tuned):
        key = f"analysis.tuned[{i}]"
        _target(config, t.parameter, f"{key}.parameter: ")
        if not t.to or not all(isinstance(e, str) and e.strip() for e in t.to):
            raise ConfigError(f"{key}.to: got {list(t.to)}; allowed: a non-empty list of event ids")


def _check_assumes(config: Config) -> None:
    """Each ``scenario.assumes`` entry names a question and says why the scenario fixes its answer."""
    for qid, why in config.scenario.assumes.items():
        key = f"scenario.assumes.{qid}"
        if qid not in config.questions:
            raise ConfigError(f"{key}: not a question; allowed: {', '.join(config.questions)}")
        if not str(why).strip():
            raise ConfigError(f"{key}: got nothing; allowed: why the scenario fixes the question's answer")


def _check_scenario_theatre(config: Config) -> None:
    """A scenario written for one theatre runs only with it."""
    wanted = config.scenario.theatre
    if wanted and wanted != config.theatre.name:
        raise ConfigError(
            f"scenario.theatre: scenario {config.scenario.name!r} is written for theatre {wanted!r}, "
            f"not {config.theatre.name!r}; allowed: theatre={wanted}, or a scenario for any theatre"
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
    from sim.runner.calibrated import parse_posterior
    from sim.runner.uncertainty import parse_uncertain

    _check_tuned(config)
    _check_assumes(config)
    _check_scenario_theatre(config)
    uncertain = tuple(parse_uncertain(config.uncertain, config)) if config.uncertain else ()
    posterior = parse_posterior(config.calibrated, config)
    if posterior is not None:
        uncertain = tuple(p for p in uncertain if p.key not in posterior.keys)
        if config.mc.design in ("sobol", "morris"):
            raise ConfigError(
                f"mc.design: {config.mc.design} splits variance by parameter, but +calibrated "
                f"({posterior.name}) draws its parameters jointly; allowed: monte_carlo, lhs"
            )
    exp = Experiment(config=config, theatre=theatre, uncertain=uncertain, posterior=posterior)
    _check_size(exp)
    return exp


#: Most runs one experiment may hold (its run list is planned in memory): ~0.3 KB each.
MAX_TOTAL_RUNS = 2_000_000


def _check_size(exp: Experiment) -> None:
    """Refuse an experiment of more than :data:`MAX_TOTAL_RUNS` runs (designs multiply ``mc.runs``)."""
    mc = exp.config.mc
    d = len(exp.uncertain) + (1 if exp.posterior is not None else 0)
    per_run = {"sobol": d + 2, "morris": d + 1}.get(mc.design, 1) if d else 1
    total = mc.runs * per_run * mc.replications
    if total > MAX_TOTAL_RUNS:
        raise ConfigError(
            f"mc.runs: {mc.runs:,} ({mc.design}, {d} uncertain parameters) x {mc.replications} replications "
            f"= {total:,} runs; allowed at most {MAX_TOTAL_RUNS:,} per experiment (split it into several)"
        )
