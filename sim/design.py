"""Experimental designs: points in the unit cube, mapped to parameter values through each ``ppf``.

A design gives points in [0, 1)^d (:func:`unit_sample`); :func:`design_table` maps column j through
parameter j's :meth:`~sim.uncertainty.UncertainParameter.ppf` and repeats each design point for the
replications (the runner gives every run its own seed). Row counts for ``n`` and d parameters:

- ``monte_carlo``: n independent uniform points.
- ``lhs``: n points of a Latin hypercube (each of n equal bins of every axis holds exactly one point).
- ``sobol``: Saltelli's scheme for first- and total-order Sobol indices (SALib, second order off):
  n base points -> n (d + 2) points; n should be a power of 2.
- ``morris``: n Morris trajectories on a grid of ``morris_levels`` levels -> n (d + 1) points.

With no uncertain parameters every design gives n points of nothing, so a design table is plain Monte
Carlo over seeds.

Sensitivity analysis runs on unit-cube inputs: pass :func:`salib_problem` and :func:`salib_inputs` (the
unit sample, one row per design point) with the outcomes averaged over replications by
``design_point`` to ``SALib.analyze.sobol.analyze(..., calc_second_order=False)`` or
``SALib.analyze.morris.analyze(..., num_levels=morris_levels)``. Morris grid levels are moved to the
centres of ``morris_levels`` equal bins, k / (p - 1) -> (k + 1/2) / p, so every point maps to a finite
value; SALib's Morris analysis uses the inputs only for the direction of each step, so its elementary
effects are those of the level grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.config import ConfigError
from sim.uncertainty import JointPosterior, UncertainParameter

__all__ = ["DESIGNS", "design_table", "salib_inputs", "salib_problem", "unit_sample"]

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


def salib_problem(params: list[UncertainParameter]) -> dict[str, Any]:
    """SALib problem over the unit cube: ``num_vars``, ``names`` (the parameter keys), ``bounds`` [0, 1]."""
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [[0.0, 1.0]] * len(params),
    }


def design_table(
    params: list[UncertainParameter],
    design: str,
    n: int,
    seed: int,
    replications: int = 1,
    *,
    morris_levels: int = 4,
    joint: JointPosterior | None = None,
) -> pd.DataFrame:
    """The runs of an experiment: design points x replications, with each parameter's value.

    Args:
        params: the uncertain parameters (e.g. from :func:`sim.uncertainty.parse_uncertain`).
        design: one of :data:`DESIGNS`.
        n: sample size (see :func:`unit_sample` for the number of design points it gives).
        seed: seed of the design (not of the runs).
        replications: runs per design point.
        morris_levels: grid levels of a Morris design.
        joint: a calibrated posterior, given the design's last column: its parameters' columns follow
            those of ``params``.

    Returns:
        One row per run, indexed by ``run_id`` (0 .. rows - 1), design-point-major: columns
        ``design_point``, ``replication``, then one column per parameter key. ``attrs["design"]`` holds
        the arguments (design, n, seed, replications, morris_levels, names), from which
        :func:`salib_inputs` regenerates the unit sample.
    """
    if replications < 1:
        raise ConfigError(f"design: replications must be >= 1, got {replications}")
    unit = unit_sample(design, len(params) + (joint is not None), n, seed, morris_levels=morris_levels)
    points = len(unit)
    data: dict[str, Any] = {
        "design_point": np.repeat(np.arange(points), replications),
        "replication": np.tile(np.arange(replications), points),
    }
    for j, p in enumerate(params):
        values = p.ppf(unit[:, j])
        if isinstance(values, list):  # categories: let pandas infer the column type
            data[p.key] = [v for v in values for _ in range(replications)]
        else:
            data[p.key] = np.repeat(values, replications)
    if joint is not None:
        picked = joint.pick(unit[:, len(params)])
        for k in joint.keys:
            data[k] = np.repeat(np.array([row[k] for row in picked]), replications)
    table = pd.DataFrame(data, index=pd.RangeIndex(points * replications, name="run_id"))
    table.attrs["design"] = {
        "design": design,
        "n": n,
        "seed": seed,
        "replications": replications,
        "morris_levels": morris_levels,
        "names": [p.key for p in params] + ([f"calibrated:{joint.name}"] if joint is not None else []),
    }
    return table


def salib_inputs(table: pd.DataFrame) -> np.ndarray:
    """The unit-cube sample of a :func:`design_table`, one row per design point (SALib's ``X``).

    Raises:
        ValueError: the table has lost its ``attrs["design"]`` record.
    """
    meta = table.attrs.get("design")
    if not meta:
        raise ValueError("table has no attrs['design'] record; make it with design_table")
    return unit_sample(
        meta["design"], len(meta["names"]), meta["n"], meta["seed"], morris_levels=meta["morris_levels"]
    )
