"""Points of an experimental design in the unit cube, and their regeneration from a design record.

The unit-cube half of a design (:mod:`sim.runner.design` maps the points to parameter values). It sits
below the runner and the analysis: the runner draws its design here, and the analysis
(:mod:`sim.analysis.sensitivity`) regenerates the same points from a results folder's design record
(:func:`salib_inputs`), without importing the runner.

Row counts for ``n`` and d parameters:

- ``monte_carlo``: n independent uniform points.
- ``lhs``: n points of a Latin hypercube (each of n equal bins of every axis holds exactly one point).
- ``sobol``: Saltelli's scheme for first- and total-order Sobol indices (SALib, second order off):
  n base points -> n (d + 2) points; n should be a power of 2.
- ``morris``: n Morris trajectories on a grid of ``morris_levels`` levels -> n (d + 1) points.

Morris grid levels are moved to the centres of ``morris_levels`` equal bins, k / (p - 1) -> (k + 1/2) / p,
so every point maps to a finite value; SALib's Morris analysis uses the inputs only for the direction of
each step, so its elementary effects are those of the level grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.errors import ConfigError

__all__ = ["DESIGNS", "salib_inputs", "unit_sample"]

#: Names of the designs.
DESIGNS = ("monte_carlo", "lhs", "sobol", "morris")


def _unit_problem(n_params: int) -> dict[str, Any]:
    return {
        "num_vars": n_params,
        "names": [f"x{j}" for j in range(n_params)],
        "bounds": [[0.0, 1.0]] * n_params,
    }


def unit_sample(design: str, n_params: int, n: int, seed: int, *, morris_levels: int = 4) -> np.ndarray:
    """Points of a design in the unit cube [0, 1)^n_params.

    Args:
        design: one of :data:`DESIGNS`.
        n_params: number of dimensions d (0 gives an ``(n, 0)`` array for every design).
        n: sample size: points (``monte_carlo``, ``lhs``), base points (``sobol``: n (d + 2) rows) or
            trajectories (``morris``: n (d + 1) rows).
        seed: root of the design's randomness; the same arguments give the same points.
        morris_levels: grid levels of a Morris design (even, >= 2).

    Returns:
        An array of shape (rows, n_params).

    Raises:
        ConfigError: unknown design or invalid sizes.
    """
    if design not in DESIGNS:
        raise ConfigError(f"design: unknown design {design!r}; allowed: {', '.join(DESIGNS)}")
    if n < 1 or n_params < 0:
        raise ConfigError(f"design: n must be >= 1 and n_params >= 0, got n={n}, n_params={n_params}")
    if design == "morris" and (morris_levels < 2 or morris_levels % 2):
        raise ConfigError(f"design: morris_levels must be even and >= 2, got {morris_levels}")
    if n_params == 0:
        return np.empty((n, 0))
    if design == "monte_carlo":
        return np.random.default_rng(seed).random((n, n_params))
    if design == "lhs":
        return qmc.LatinHypercube(n_params, rng=seed).random(n)
    if design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(_unit_problem(n_params), n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    grid = morris.sample(_unit_problem(n_params), n, num_levels=morris_levels, seed=seed)
    return (grid * (morris_levels - 1) + 0.5) / morris_levels


def salib_inputs(table: pd.DataFrame) -> np.ndarray:
    """The unit-cube sample of a design table, one row per design point (SALib's ``X``).

    The table is :func:`sim.runner.design.design_table`'s, or one with its ``attrs["design"]`` record.

    Raises:
        ValueError: the table has lost its ``attrs["design"]`` record.
    """
    meta = table.attrs.get("design")
    if not meta:
        raise ValueError("table has no attrs['design'] record; make it with design_table")
    return unit_sample(
        meta["design"], len(meta["names"]), meta["n"], meta["seed"], morris_levels=meta["morris_levels"]
    )
