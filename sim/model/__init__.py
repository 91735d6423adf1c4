"""The Mesa conflict model and its mechanisms.

Imports lazily: the config layer imports :mod:`sim.model.mechanisms` (for the schemas) without Mesa.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConflictModel", "release_mesa_caches"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim.model import model

        return getattr(model, name)
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
