"""Rejection ABC (Pritchard et al. 1999; Beaumont 2010) on a finished prior experiment.

The method behind ``python -m sim.calibrate`` (:mod:`sim.calibrate` documents the observations file and
the command): keep the prior runs whose results match every observation within its tolerance
(:mod:`sim.analysis.observations`); their parameter values are draws from the approximate posterior,
written as the ``calibrated`` config group (:func:`posterior_config`, :func:`write_posterior`) with a
summary (:func:`calibrate`). Reads results only; running the prior experiment is the command's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.observations import CalibrationError, Observation, matches
from sim.results import Results, atomic_write

__all__ = [
    "MIN_ACCEPTED",
    "PRIOR_DESIGNS",
    "calibrate",
    "check_design",
    "posterior_config",
    "write_posterior",
]

PRIOR_DESIGNS = ("monte_carlo", "lhs")  # designs whose points are independent prior draws
MIN_ACCEPTED = 30  # fewer accepted runs than this: the posterior is rough, and the summary says so


def check_design(design: str) -> None:
    """Rejection ABC needs independent draws from the prior.

    Raises:
        CalibrationError: ``design`` is not one of :data:`PRIOR_DESIGNS`.
    """
    if design not in PRIOR_DESIGNS:
        raise CalibrationError(
            f"mc.design: {design} does not draw independent prior samples; "
            f"allowed: {', '.join(PRIOR_DESIGNS)}"
        )


def calibrate(res: Results, observations: Sequence[Observation], name: str) -> tuple[dict, dict]:
    """Rejection ABC on a finished prior experiment.

    Returns:
        ``(posterior, report)``: the ``calibrated`` config node (:func:`posterior_config`) and a
        summary (acceptance, each observation's match share in the prior runs, prior and posterior
        summaries of each parameter), the latter also kept as ``report["accepted_runs"]`` (run ids).

    Raises:
        CalibrationError: the experiment has no uncertain parameters, is not a prior sample, or no run
            matched every observation.
    """
    keys = list(res.summary.get("experiment", {}).get("uncertain_parameters") or [])
    if not keys:
        raise CalibrationError(
            f"{res.path}: the experiment has no uncertain parameters to calibrate "
            "(run it with uncertain=<group>)"
        )
    check_design((res.config.get("mc") or {}).get("design", "monte_carlo"))
    ok = res.runs[res.runs["status"] == "ok"].reset_index(drop=True)
    if ok.empty:
        raise CalibrationError(f"{res.path}: every run of the prior failed ({len(res.runs)} runs)")
    accept, shares = _matches(observations, ok, res.series)
    accepted = ok.loc[accept]
    posterior = posterior_config(
        name,
        accepted,
        keys,
        res.config,
        observations,
        prior_runs=len(ok),
        prior_experiment=str(res.path),
    )
    return posterior, _report(res, name, ok, accepted, keys, observations, shares, posterior)


def _matches(
    observations: Sequence[Observation], ok: pd.DataFrame, series: pd.DataFrame
) -> tuple[np.ndarray, dict[str, float]]:
    """Which runs match every observation, and each observation's share of matching runs.

    Raises:
        CalibrationError: no run matched every observation.
    """
    match = matches(observations, ok, series)
    accept = match.all(axis=1).to_numpy()
    shares = {o.id: float(match[o.id].mean()) for o in observations}
    if int(accept.sum()) == 0:
        worst = min(shares, key=shares.get)
        raise CalibrationError(
            f"no run of {len(ok)} matched every observation (least matched: {worst}, "
            f"{shares[worst]:.0%} of runs); loosen tolerances or run more prior draws"
        )
    return accept, shares


def _report(
    res: Results,
    name: str,
    ok: pd.DataFrame,
    accepted: pd.DataFrame,
    keys: Sequence[str],
    observations: Sequence[Observation],
    shares: Mapping[str, float],
    posterior: Mapping[str, Any],
) -> dict[str, Any]:
    """The summary of a calibration (see :func:`calibrate`)."""
    n_acc = len(accepted)
    return {
        "name": name,
        "method": "rejection ABC",
        "prior_experiment": str(res.path),
        "scenario": res.scenario,
        "prior_runs": len(ok),
        "failed_runs": int((res.runs["status"] != "ok").sum()),
        "accepted": n_acc,
        "acceptance_rate": n_acc / len(ok),
        "observations": [
            {**posterior["observations"][i], "tolerance": o.tolerance, "prior_match_share": shares[o.id]}
            for i, o in enumerate(observations)
        ],
        "parameters": {k: {"prior": _describe(ok[k]), "posterior": _describe(accepted[k])} for k in keys},
        "notes": (
            [f"only {n_acc} runs accepted (< {MIN_ACCEPTED}): the posterior is rough; run more prior draws"]
            if n_acc < MIN_ACCEPTED
            else []
        ),
        "accepted_runs": [int(r) for r in accepted["run_id"]],
    }


def _spec(config: Mapping[str, Any], key: str) -> Any:
    """The prior of ``key`` in the prior experiment's config: its ``uncertain`` spec or its posterior."""
    node: Any = config.get("uncertain") or {}
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, Mapping) and "dist" in node:
        return dict(node)
    cal = config.get("calibrated") or {}
    if any(p.get("key") == key for p in cal.get("parameters") or []):
        return {"calibrated": cal.get("name", "")}
    return {}


def _plain(x: Any) -> Any:
    """A YAML-friendly scalar; floats keep 7 significant digits (the draws' spread is far coarser)."""
    if isinstance(x, np.generic):
        x = x.item()
    return float(f"{x:.7g}") if isinstance(x, float) else x


def posterior_config(
    name: str,
    accepted: pd.DataFrame,
    keys: Sequence[str],
    prior_config: Mapping[str, Any],
    observations: Sequence[Observation],
    *,
    prior_runs: int,
    prior_experiment: str,
) -> dict[str, Any]:
    """The ``calibrated`` config node (:class:`sim.config.CalibratedConfig`) of a rejection posterior."""
    return {
        "name": name,
        "method": "rejection ABC",
        "created": dt.date.today().isoformat(),
        "prior_experiment": prior_experiment,
        "accepted": len(accepted),
        "prior_runs": prior_runs,
        "observations": [
            {
                "id": o.id,
                "event": o.event,
                "text": o.text,
                "condition": o.describe(),
                "date": o.date,
                "source": o.source,
            }
            for o in observations
        ],
        "parameters": [
            {"key": k, "prior": _spec(prior_config, k), "values": [_plain(v) for v in accepted[k]]}
            for k in keys
        ],
    }


def write_posterior(node: Mapping[str, Any], path: Path, usage: str) -> None:
    """Write a posterior config group file (``# @package calibrated``), atomically."""
    import yaml

    header = (
        "# @package calibrated\n"
        f"# Joint posterior of rejection ABC, written by `python -m sim.calibrate` on {node['created']}:\n"
        f"# {node['accepted']} of {node['prior_runs']} prior runs ({node['prior_experiment']})\n"
        "# matched every observation below (each with its source). Draw i of every parameter is one\n"
        "# accepted run.\n"
        f"# Use: {usage}\n"
    )
    body = yaml.safe_dump(dict(node), sort_keys=False, width=110, allow_unicode=True, default_flow_style=None)
    atomic_write(path, lambda p: p.write_text(header + body))


def _describe(x: pd.Series) -> dict[str, Any]:
    v = pd.to_numeric(x, errors="coerce")
    if v.notna().all() and x.map(lambda y: not isinstance(y, bool | np.bool_)).all():
        q = v.quantile([0.05, 0.5, 0.95]).to_numpy()
        return {
            "mean": v.mean(),
            "sd": v.std(ddof=1) if len(v) > 1 else 0.0,
            "q05": q[0],
            "median": q[1],
            "q95": q[2],
        }
    return {"shares": {str(k): float(c) for k, c in x.value_counts(normalize=True).items()}}
