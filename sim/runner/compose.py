"""Composing the experiment config with Hydra, as ``python -m sim`` does, with no code from configs.

The CLI (``python -m sim``), :func:`sim.run`, notebooks and tests all compose through :func:`compose`, so
an experiment is set up the same way everywhere; :func:`sim.runner.experiment.prepare` then validates it.
Hydra's private API is reached through :mod:`sim.runner.hydra_api` only.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

from omegaconf import BooleanNode, DictConfig, OmegaConf, open_dict

from sim.config import Config, ConfigError, register_configs
from sim.runner import hydra_api

__all__ = ["CONFIG_DIR", "compose"]

#: The repository's ``configs/`` folder.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


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

    overrides, added = split_questions(list(overrides or []))
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
        cfg = _from_cache(root, config_name, extra, split[0], split[1])
    merge_questions(cfg, added)
    if not return_hydra_config and "hydra" in cfg:
        with open_dict(cfg):
            del cfg["hydra"]
    return cfg


def split_questions(overrides: list[str]) -> tuple[list[str], dict[str, Any]]:
    """The overrides that give a whole question as a mapping, apart from the others.

    OmegaConf cannot add an entry to the typed ``questions`` node through an override (neither
    ``+questions.q={...}`` nor ``+questions.q.text=...``), but merges a mapping into it: such overrides are
    taken out here and merged after composing (:func:`merge_questions`).

    Returns:
        The other overrides, in order, and question id -> its fields.
    """
    rest, added = [], {}
    for o in overrides:
        key, sep, _ = o.partition("=")
        name = key.lstrip("+")
        if sep and name.startswith("questions.") and name.count(".") == 1 and not key.startswith("++"):
            try:
                [parsed] = hydra_api.parse_overrides([o])
                value = None if parsed.is_sweep_override() else parsed.value()
            except Exception:  # not parsable: Hydra's own message comes when it composes
                value = None
            if isinstance(value, dict):
                added[name.removeprefix("questions.")] = value
                continue
        rest.append(o)
    return rest, added


def merge_questions(cfg: DictConfig, added: dict[str, Any]) -> None:
    """Merge questions given on the command line into a composed config (typed, with their defaults).

    Raises:
        ConfigError: ``questions.<id>.<field>: ...``: an unknown field, or a value of the wrong type.
    """
    import dataclasses

    from omegaconf.errors import OmegaConfBaseException

    from sim.config import QuestionConfig

    known = [f.name for f in dataclasses.fields(QuestionConfig)]
    for qid, fields in added.items():
        extra = [k for k in fields if k not in known]
        if extra:
            raise ConfigError(f"questions.{qid}.{extra[0]}: unknown key; known keys here: {', '.join(known)}")
        missing = [k for k in ("text", "outcome") if fields.get(k) is None and qid not in cfg.questions]
        if missing:
            raise ConfigError(f"questions.{qid}.{missing[0]}: missing; a new question needs text and outcome")
        try:
            with open_dict(cfg):
                cfg.merge_with({"questions": {qid: fields}})
        except OmegaConfBaseException as exc:
            field = str(getattr(exc, "key", None) or "")
            message = str(getattr(exc, "msg", exc)).splitlines()[0]
            raise ConfigError(f"questions.{qid}{'.' + field if field else ''}: {message}") from None


def _from_cache(
    root: str, config_name: str, extra: str | None, groups: list[str], values: list[Any]
) -> DictConfig:
    """The composition of the group choices (composed once, cached) with the value overrides applied."""
    key = (root, config_name, extra, tuple(groups))
    if key not in _COMPOSED:
        base = _hydra_composed(root, config_name, extra, groups)
        _check_safe(base, groups)
        while len(_COMPOSED) >= 4:  # a few bases at a time: each holds a whole theatre
            del _COMPOSED[next(iter(_COMPOSED))]
        _COMPOSED[key] = base
    cfg = copy.deepcopy(_COMPOSED[key])
    _check_switches(cfg, values)
    hydra_api.apply_overrides(values, cfg)  # what Hydra does after composing
    if any(o.is_hydra_override() for o in values):
        _check_safe(cfg, None, factories=False)  # only the results folders changed: checked again
    return cfg


def _hydra_composed(root: str, config_name: str, extra: str | None, overrides: list[str]) -> DictConfig:
    """Hydra's compose (with its ``hydra`` node) from ``root``, ``extra`` searched first."""
    from hydra import compose as hydra_compose

    _check_searchpath_first(root, config_name, extra, overrides)
    with hydra_api.fresh_hydra(root, extra):
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


def _check_searchpath_first(root: str, config_name: str, extra: str | None, overrides: list[str]) -> None:
    """Refuse a search path that is not a folder before Hydra sees it: Hydra imports a ``pkg://`` one.

    Hydra reads ``hydra.searchpath`` from the command line, else from the primary config file itself
    (not from its defaults), and imports a ``pkg://`` entry's package while composing, before any check
    of the composed config could run. Only folders (``file://`` or a plain path) are allowed.

    Raises:
        ConfigError: ``hydra.searchpath: 'pkg://x'; allowed: folders ...`` (one line).
    """
    entries: Any = None
    try:
        parsed = hydra_api.parse_overrides(overrides)
    except Exception:  # a malformed override: Hydra's own message comes when it composes
        parsed = []
    for o in parsed:
        if o.get_key_element().lstrip("+~") == "hydra.searchpath":
            entries = o.value() if not o.is_delete() else []
            break
    if entries is None:
        entries = _primary_searchpath(root, config_name, extra)
    for entry in entries if isinstance(entries, list | tuple) else []:
        scheme = str(entry).partition("://")[0] if "://" in str(entry) else "file"
        if scheme != "file":
            raise ConfigError(
                f"hydra.searchpath: {entry!r}; allowed: folders (file://DIR or DIR), "
                f"never {scheme}:// (Hydra imports the package to search it)"
            )


def _primary_searchpath(root: str, config_name: str, extra: str | None) -> Any:
    """``hydra.searchpath`` as written in the primary config file (None if it sets none)."""
    import yaml

    for folder in (extra, root):
        path = Path(folder) / f"{config_name}.yaml" if folder else None
        if path is not None and path.is_file():
            try:
                doc = yaml.safe_load(path.read_text())
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return None  # Hydra reports the file
            hydra_node = doc.get("hydra") if isinstance(doc, dict) else None
            return hydra_node.get("searchpath") if isinstance(hydra_node, dict) else None
    return None


def _check_file_switches(cfg: DictConfig, config_name: str, overrides: list[str]) -> None:
    """A switch set in a config file takes only true or false, as on the command line.

    OmegaConf would read ``2`` as true when it merges a file into the schema, so the files of the
    composition (the primary config and each group choice; Hydra's own left out) are read as written and
    checked; a file whose package holds no switch in the schema (a theatre) is not parsed again.
    """
    choices = OmegaConf.select(cfg, "hydra.runtime.choices") or {}
    paths = [config_name] + [f"{g}/{o}" for g, o in choices.items() if o and not g.startswith("hydra/")]
    for path, folder in hydra_api.config_files(config_name, overrides, paths).items():
        file = Path(folder) / f"{path}.yaml"
        with open(file, encoding="utf-8") as f:
            header = hydra_api.header(f.read(512))
        package = header.get("package") or ("" if path == config_name else path.rpartition("/")[0])
        parts = [] if package == "_global_" else [p for p in package.replace("/", ".").split(".") if p]
        if not _holds_switches(parts):
            continue
        node = OmegaConf.to_container(OmegaConf.load(file), resolve=False)
        _check_switch_values(node, parts, f"{path}.yaml in {folder}")


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
    try:
        parsed = hydra_api.parse_overrides(overrides)
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
