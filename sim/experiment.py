"""From config to a ready experiment: compose, validate, build the theatre.

The CLI (``python -m sim``), notebooks and tests all go through :func:`compose` and :func:`prepare`, so
an experiment is set up the same way everywhere.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import BooleanNode, DictConfig, ListConfig, OmegaConf, open_dict

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
        """Identifies the experiment's numbers: its config minus how it is run (executor, progress).

        The config as sorted JSON, hashed (computed once per experiment).
        """
        if "_fingerprint" not in self.__dict__:  # frozen: cache it beside the fields
            import dataclasses
            import json

            from sim.config import ExecutorConfig
            from sim.store import fingerprint

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


def compose(
    overrides: list[str] | None = None,
    config_dir: str | Path | None = None,
    *,
    config_name: str = "config",
    extra_dir: str | Path | None = None,
    return_hydra_config: bool = False,
) -> DictConfig:
    """Compose the experiment config with Hydra's compose API, as ``python -m sim`` would.

    Whatever composed it (group files, overrides), the config may not name code to run
    (:mod:`sim.safety`): Hydra settings beyond the results folders, search path and plugin choice, or a
    factory key (``_target_`` outside ``sim.``, ``()``), are refused.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=baseline", "mc.runs=50"]``.
        config_dir: folder holding the primary config (default: the repository's ``configs/``).
        config_name: the primary config's name (``--config-name``).
        extra_dir: a config folder searched first (``--config-dir``).
        return_hydra_config: keep the ``hydra`` node (the results folders).

    Returns:
        The composed config (without the ``hydra`` node unless asked for).

    Raises:
        sim.config.ConfigError: a config that names code to run (one line naming the key).
    """
    from sim.safety import check_target_override

    overrides = list(overrides or [])
    for o in overrides:
        key, _, value = o.partition("=")
        check_target_override(key.lstrip("+~"), value)
    register_configs()
    root = str(config_dir or CONFIG_DIR)
    extra = str(Path(extra_dir).resolve()) if extra_dir else None
    split = _split_overrides(overrides, _groups(root) | (_groups(extra) if extra else set()))
    if split is None or not split[2]:  # unparsable (Hydra reports it), or deletions, sweeps, Hydra settings
        cfg = _hydra_composed(root, config_name, extra, overrides)
        _check_safe(cfg, overrides if split is not None else None)
        if split is not None:
            _check_switches(cfg, split[1])
    else:
        groups, values, _ = split
        key = (root, config_name, extra, tuple(groups))
        if key not in _COMPOSED:
            base = _hydra_composed(root, config_name, extra, groups)
            _check_safe(base, groups)
            while len(_COMPOSED) >= 4:  # a few bases at a time: each holds a whole theatre
                del _COMPOSED[next(iter(_COMPOSED))]
            _COMPOSED[key] = base
        from hydra._internal.config_loader_impl import ConfigLoaderImpl

        cfg = copy.deepcopy(_COMPOSED[key])
        _check_switches(cfg, values)
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)  # what Hydra does after composing
        if any(o.is_hydra_override() for o in values):
            _check_safe(cfg, None, factories=False)  # only the results folders changed: checked again
    if not return_hydra_config and "hydra" in cfg:
        with open_dict(cfg):
            del cfg["hydra"]
    return cfg


def _hydra_composed(root: str, config_name: str, extra: str | None, overrides: list[str]) -> DictConfig:
    """Hydra's compose (with its ``hydra`` node) from ``root``, ``extra`` searched first."""
    from hydra import compose as hydra_compose
    from hydra import version
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery
    from hydra.core.global_hydra import GlobalHydra
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

    _check_searchpath_first(root, config_name, extra, overrides)
    backup = get_gh_backup()
    try:
        version.setbase("1.3")
        if GlobalHydra.instance().is_initialized():
            GlobalHydra.instance().clear()
        search_path = create_config_search_path(root)
        if extra:
            search_path.prepend(
                provider="command-line", path=f"file://{extra}", anchor=SearchPathQuery(provider="schema")
            )
        Hydra.create_main_hydra2(task_name="app", config_search_path=search_path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cfg = hydra_compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
        for w in caught:  # Hydra only warns about a search path folder that is not there
            text = str(w.message)
            if "is not available" in text and "path=" in text:
                where = text.split("path=", 1)[1].removesuffix(" is not available.")
                raise ConfigError(f"hydra.searchpath: {where} is not available (no such folder)")
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        _check_file_switches(cfg, config_name, overrides)
        return cfg
    finally:
        restore_gh_from_backup(backup)


def _check_searchpath_first(root: str, config_name: str, extra: str | None, overrides: list[str]) -> None:
    """Refuse a search path that is not a folder before Hydra sees it: Hydra imports a ``pkg://`` one.

    Hydra reads ``hydra.searchpath`` from the command line, else from the primary config file itself
    (not from its defaults), and imports a ``pkg://`` entry's package while composing, before any check
    of the composed config could run. Only folders (``file://`` or a plain path) are allowed.

    Raises:
        ConfigError: ``hydra.searchpath: 'pkg://x'; allowed: folders ...`` (one line).
    """
    import yaml
    from hydra.core.override_parser.overrides_parser import OverridesParser

    entries: Any = None
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:  # a malformed override: Hydra's own message comes when it composes
        parsed = []
    for o in parsed:
        if o.get_key_element().lstrip("+~") == "hydra.searchpath":
            entries = o.value() if not o.is_delete() else []
            break
    if entries is None:
        for folder in (extra, root):
            path = Path(folder) / f"{config_name}.yaml" if folder else None
            if path is not None and path.is_file():
                try:
                    doc = yaml.safe_load(path.read_text())
                except (OSError, UnicodeDecodeError, yaml.YAMLError):
                    return  # Hydra reports the file
                hydra_node = doc.get("hydra") if isinstance(doc, dict) else None
                entries = hydra_node.get("searchpath") if isinstance(hydra_node, dict) else None
                break
    for entry in entries if isinstance(entries, list | tuple) else []:
        scheme = str(entry).partition("://")[0] if "://" in str(entry) else "file"
        if scheme != "file":
            raise ConfigError(
                f"hydra.searchpath: {entry!r}; allowed: folders (file://DIR or DIR), "
                f"never {scheme}:// (Hydra imports the package to search it)"
            )


def _check_file_switches(cfg: DictConfig, config_name: str, overrides: list[str]) -> None:
    """A switch set in a config file takes only true or false, as on the command line.

    OmegaConf would read ``2`` as true when it merges a file into the schema, so the files of the
    composition (the primary config and each group choice; Hydra's own left out) are read as written and
    checked; a file whose package holds no switch in the schema (a theatre) is not parsed again.
    """
    from hydra.core.global_hydra import GlobalHydra
    from hydra.plugins.config_source import ConfigSource

    loader: Any = GlobalHydra.instance().config_loader()
    _, repo = loader._parse_overrides_and_create_caching_repo(config_name, overrides)  # with searchpath
    choices = OmegaConf.select(cfg, "hydra.runtime.choices") or {}
    paths = [config_name] + [f"{g}/{o}" for g, o in choices.items() if o and not g.startswith("hydra/")]
    for path in paths:
        source = next((s for s in repo.get_sources() if s.is_config(path)), None)
        if source is None or source.provider in ("hydra", "schema") or source.scheme() != "file":
            continue
        file = Path(source.path) / f"{path}.yaml"
        with open(file, encoding="utf-8") as f:
            header = ConfigSource._get_header_dict(f.read(512))
        package = header.get("package") or ("" if path == config_name else path.rpartition("/")[0])
        parts = [] if package == "_global_" else [p for p in package.replace("/", ".").split(".") if p]
        if not _holds_switches(parts):
            continue
        node = OmegaConf.to_container(OmegaConf.load(file), resolve=False)
        _check_switch_values(node, parts, f"{path}.yaml in {source.path}")


def _schema_type(path: list[str]) -> Any:
    """The schema's type at a dotted path (None if the path leaves the schema)."""
    import dataclasses
    import typing

    kind: Any = Config
    for part in path:
        if dataclasses.is_dataclass(kind):
            kind = typing.get_type_hints(kind).get(part)
        elif typing.get_origin(kind) is dict:
            kind = typing.get_args(kind)[1]
        else:
            return None
    return kind


def _holds_switches(path: list[str]) -> bool:
    """Whether the schema has a switch (bool field) at or below ``path``."""
    import dataclasses
    import typing

    def has(kind: Any) -> bool:
        if kind is bool:
            return True
        if dataclasses.is_dataclass(kind):
            return any(has(h) for h in typing.get_type_hints(kind).values())
        if typing.get_origin(kind) is dict:
            return has(typing.get_args(kind)[1])
        return False

    return has(_schema_type(path))


def _check_switch_values(node: Any, path: list[str], source: str) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if not path and k in ("hydra", "defaults"):
                continue
            _check_switch_values(v, [*path, str(k)], source)
        return
    if _schema_type(path) is bool and not isinstance(node, bool):
        if not (isinstance(node, str) and node.startswith("${")):  # an interpolation resolves later
            raise ConfigError(f"{'.'.join(path)}: got {node!r}; allowed: true, false ({source})")


def _check_safe(cfg: DictConfig, overrides: list[str] | None, *, factories: bool = True) -> None:
    """No code from configs (:mod:`sim.safety`): Hydra settings against the project's own, factory keys."""
    from sim.safety import check_factories, check_hydra

    if "hydra" in cfg:
        user = OmegaConf.to_container(cfg.hydra, resolve=False)
        choices = user.get("runtime", {}).get("choices", {})
        reference = _reference_hydra(choices.get("hydra/launcher"), choices.get("hydra/sweeper"))
        check_hydra(user, reference, overrides)
    if factories:
        tree = OmegaConf.to_container(cfg, resolve=False)
        check_factories({k: v for k, v in tree.items() if k != "hydra"})


_REFERENCE: dict[tuple, dict] = {}


def _reference_hydra(launcher: str | None, sweeper: str | None) -> dict:
    """The project's own ``hydra`` node (``configs/config.yaml``) with this launcher and sweeper."""
    key = (launcher, sweeper)
    if key not in _REFERENCE:
        import shutil
        import tempfile

        picks = [f"hydra/{g}={c}" for g, c in (("launcher", launcher), ("sweeper", sweeper)) if c]
        folder = tempfile.mkdtemp(prefix="sim-hydra-reference-")
        try:
            # configs/config.yaml's Hydra part alone: the groups (a whole theatre) change nothing there
            OmegaConf.save(_hydra_part(CONFIG_DIR / "config.yaml"), Path(folder) / "config.yaml")
            cfg = _hydra_composed(folder, "config", None, picks)
        except Exception as exc:
            group = "hydra/launcher" if launcher and launcher != "basic" else "hydra/sweeper"
            raise ConfigError(
                f"{group}: {launcher if group.endswith('launcher') else sweeper!r} is not an installed "
                f"plugin ({_first_line(str(exc))})"
            ) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _REFERENCE[key] = OmegaConf.to_container(cfg.hydra, resolve=False)
    return _REFERENCE[key]


def _hydra_part(primary: Path) -> DictConfig:
    """A primary config's Hydra settings: its ``hydra`` node and its ``override hydra/...`` defaults."""
    raw = OmegaConf.load(primary)
    keep = [
        d
        for d in raw.get("defaults", [])
        if d == "_self_"
        or (isinstance(d, DictConfig) and all(str(k).startswith("override hydra/") for k in d))
    ]
    return OmegaConf.create({"defaults": OmegaConf.to_container(OmegaConf.create(keep)), "hydra": raw.hydra})


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


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
    folder = Path(root)
    return {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()


#: Hydra settings applied like value overrides to the cached composition (they choose no file).
FOLDER_SETTINGS = ("run.dir", "sweep.dir", "sweep.subdir")


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
        folder = o.is_hydra_override() and key.removeprefix("hydra.") in FOLDER_SETTINGS and not o.is_add()
        if o.is_delete() or o.is_sweep_override() or o.package is not None:
            simple = False
        elif o.is_hydra_override() and not folder:
            simple = False
        elif key in group_names or "/" in key:
            groups.append(o.input_line)
        else:
            values.append(o)
    return groups, values, simple


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
