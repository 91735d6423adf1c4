"""Every use of Hydra's private API, in one place.

Hydra 1.3's public API composes a config and runs ``@hydra.main``; what ``python -m sim`` checks before
Hydra starts (every job of a sweep, config files as written, a cached composition) needs Hydra's
internals: its command-line parser, override parser, sweeper, config loader and search path. They are
called only here (``tests/test_architecture.py`` checks it), so a Hydra upgrade is one module to read.
Each is imported when first used: importing this module imports nothing of Hydra.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from omegaconf import DictConfig

__all__ = [
    "apply_overrides",
    "args_parser",
    "config_files",
    "fresh_hydra",
    "header",
    "parse_overrides",
    "skip_mode_probe",
    "split_sweep",
]


def args_parser() -> argparse.ArgumentParser:
    """Hydra's own command-line parser (``--multirun``, ``--cfg``, ``--config-dir``, overrides, ...)."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def parse_overrides(overrides: list[str], root: str | None = None, extra: str | None = None) -> list[Any]:
    """Hydra's parsed overrides (``Override`` objects: ``key_or_group``, ``is_sweep_override()``, ...).

    Given the config folders (``root``, and ``extra`` searched first), a ``glob(...)`` sweep over a group
    can list the group's options.

    Raises:
        hydra.errors.OverrideParseException: an override that does not parse.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if root is None:
        return OverridesParser.create().parse_overrides(overrides)
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery

    search = create_config_search_path(root)
    if extra:
        search.prepend(provider="command-line", path=f"file://{extra}", anchor=SearchPathQuery("schema"))
    loader = ConfigLoaderImpl(config_search_path=search)
    return OverridesParser.create(config_loader=loader).parse_overrides(overrides)


def split_sweep(parsed: list[Any]) -> list[list[str]]:
    """The override lists of a sweep's jobs, as Hydra's basic sweeper splits parsed overrides."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0]


def apply_overrides(values: list[Any], cfg: DictConfig) -> None:
    """Apply parsed value overrides to a composed config, as Hydra does after composing."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)


@contextmanager
def fresh_hydra(root: str, extra: str | None) -> Iterator[None]:
    """Hydra set up to compose from ``root`` (``extra`` searched first); its previous state put back after."""
    from hydra import version
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.config_search_path import SearchPathQuery
    from hydra.core.global_hydra import GlobalHydra
    from hydra.initialize import get_gh_backup, restore_gh_from_backup

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
        yield
    finally:
        restore_gh_from_backup(backup)


def config_files(config_name: str, overrides: list[str], paths: list[str]) -> dict[str, str]:
    """The folders the composition (inside :func:`fresh_hydra`) reads config ``paths`` from, if files.

    Returns:
        config path -> folder of the file source holding it (Hydra's and the schema's sources and paths
        not read from a file left out), in the order of ``paths``.
    """
    from hydra.core.global_hydra import GlobalHydra

    loader: Any = GlobalHydra.instance().config_loader()
    _, repo = loader._parse_overrides_and_create_caching_repo(config_name, overrides)  # with searchpath
    folders = {}
    for path in paths:
        source = next((s for s in repo.get_sources() if s.is_config(path)), None)
        if source is None or source.provider in ("hydra", "schema") or source.scheme() != "file":
            continue
        folders[path] = source.path
    return folders


def header(text: str) -> dict[str, str]:
    """The ``# @package ...`` header of a config file's first lines, as Hydra reads it."""
    from hydra.plugins.config_source import ConfigSource

    return ConfigSource._get_header_dict(text)


def skip_mode_probe() -> None:
    """Skip Hydra's composition of the whole config that only reads ``hydra.mode`` (~1 s).

    No config may set ``hydra.mode`` here (:mod:`sim.safety`), so the probe always finds nothing; Hydra's
    answer for that (``-m`` decides) is given at once.
    """
    from hydra._internal.hydra import Hydra

    Hydra.get_mode = lambda self, config_name, overrides: None  # type: ignore[method-assign]
