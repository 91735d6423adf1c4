"""From config to a ready experiment: compose, validate, build the theatre.

The CLI (``python -m sim``), notebooks and tests all go through :func:`compose` and :func:`prepare`, so
an experiment is set up the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config import Config, ConfigError, register_configs, validate
from sim.theatre import Theatre, build_theatre

__all__ = ["CONFIG_DIR", "Experiment", "compose", "prepare"]

#: The repository's ``configs/`` folder.
CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the typed config and the theatre built from it."""

    config: Config
    theatre: Theatre

    @property
    def scenario(self) -> str:
        """Scenario name."""
        return self.config.scenario.name


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

    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir or CONFIG_DIR), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=list(overrides or []))


def to_config(cfg: DictConfig | Config) -> Config:
    """Typed :class:`Config` from a composed DictConfig (resolving interpolations)."""
    if isinstance(cfg, Config):
        return cfg
    node = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]) if "hydra" in cfg else cfg
    obj: Any = OmegaConf.to_object(node)
    if not isinstance(obj, Config):
        raise ConfigError("config: not composed from the base_config schema")
    return obj


def prepare(cfg: DictConfig | Config) -> Experiment:
    """Validate a composed config and build its theatre.

    Raises:
        ConfigError: one line naming the first invalid key or theatre item.
    """
    config = to_config(cfg)
    validate(config)
    theatre = build_theatre(config.theatre)
    return Experiment(config=config, theatre=theatre)
