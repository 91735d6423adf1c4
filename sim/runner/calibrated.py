"""A calibrated joint posterior (``+calibrated=<name>``): parameters drawn together, from accepted runs.

:mod:`sim.calibrate` writes the accepted runs' values as a config group; :func:`parse_posterior` checks
that group's ``calibrated`` node against the config, and a design (:mod:`sim.runner.design`) gives the
posterior one unit-cube column, so the parameters keep their joint distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import ConfigError, _check_field
from sim.runner.uncertainty import _coerce, _target

if TYPE_CHECKING:
    from sim.config import Config

__all__ = ["JointPosterior", "parse_posterior"]


@dataclass(frozen=True)
class JointPosterior:
    """Posterior draws of several parameters together (rows of accepted runs, ``sim.calibrate``).

    A design gives it one unit-cube column: ``u`` picks draw ``floor(u * n)``, so the parameters keep
    their joint distribution (correlations included).
    """

    name: str
    keys: tuple[str, ...]
    draws: tuple[tuple[Any, ...], ...]

    def pick(self, u: np.ndarray) -> list[dict[str, Any]]:
        """The parameter values of the draws picked by unit coordinates ``u`` in [0, 1)."""
        idx = np.clip((np.asarray(u, dtype=float) * len(self.draws)).astype(np.int64), 0, len(self.draws) - 1)
        return [dict(zip(self.keys, self.draws[i], strict=True)) for i in idx]


def parse_posterior(node: Any, config: Config) -> JointPosterior | None:
    """Check the ``calibrated`` node (a :class:`sim.config.CalibratedConfig`) against ``config``.

    Returns:
        The joint posterior, or None when no posterior is selected.

    Raises:
        ConfigError: one line naming ``calibrated.parameters[i]...`` and what is allowed.
    """
    params = list(node.parameters)
    if not params:
        if node.name:
            raise ConfigError(f"calibrated: posterior {node.name!r} has no parameters")
        return None
    n = len(params[0].values)
    columns, seen = [], set()
    for i, p in enumerate(params):
        where = f"calibrated.parameters[{i}]"
        if p.key in seen:
            raise ConfigError(f"{where}.key: {p.key!r} appears twice")
        seen.add(p.key)
        kind, meta = _target(config, p.key, f"{where}.key: ")
        if len(p.values) != n or n == 0:
            raise ConfigError(
                f"{where}.values: got {len(p.values)} draws; every parameter needs the same number (>= 1)"
            )
        column = []
        for j, v in enumerate(p.values):
            value = _coerce(f"{where}.values[{j}]", kind, v)
            _check_field(f"{where}.values[{j}] ({p.key})", value, meta)
            column.append(value)
        columns.append(column)
    draws = tuple(zip(*columns, strict=True))
    return JointPosterior(node.name or "calibrated", tuple(p.key for p in params), draws)
