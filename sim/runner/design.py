"""Experimental designs: points in the unit cube, mapped to parameter values through each ``ppf``.

A design gives points in [0, 1)^d (:func:`sim.sampling.unit_sample`); :func:`design_table` maps
column j through parameter j's :meth:`~sim.runner.uncertainty.UncertainParameter.ppf` and repeats each
design point for the replications (the runner gives every run its own seed). The designs and their
row counts are those of :mod:`sim.sampling`; with no uncertain parameters every design gives n points of
nothing, so a design table is plain Monte Carlo over seeds.

Sensitivity analysis runs on unit-cube inputs: pass :func:`salib_problem` and
:func:`sim.sampling.salib_inputs` (the unit sample, one row per design point) with the outcomes averaged
over replications by ``design_point`` to ``SALib.analyze.sobol.analyze(..., calc_second_order=False)``
or ``SALib.analyze.morris.analyze(..., num_levels=morris_levels)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.runner.calibrated import JointPosterior
from sim.runner.uncertainty import UncertainParameter
from sim.sampling import DESIGNS, salib_inputs, unit_sample

__all__ = ["DESIGNS", "design_table", "salib_inputs", "salib_problem", "unit_sample"]


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
        params: the uncertain parameters (e.g. from :func:`sim.runner.uncertainty.parse_uncertain`).
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
