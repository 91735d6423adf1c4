"""What drives an experiment's target: sensitivity of it to the uncertain parameters, and PRIM for an event.

The target is a question id or an outcome column (``analysis.target`` of the experiment's config unless
given); an experiment without uncertain parameters, or without a target, is not explained. Reads results
only, never the model; nothing here imports matplotlib.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.report_tables import REPORT_FILE, Report, ok_runs, outcome_columns
from sim.inputs import show
from sim.results import Results
from sim.results.summary import answer

__all__ = ["explain"]


def explain(
    r: Results, target: str | None = None, label: str | None = None, report: Report | None = None
) -> dict[str, Any] | None:
    """Sensitivity and PRIM of one experiment's target over its uncertain parameters (None if it has none).

    Args:
        r: the experiment.
        target: question id or outcome column (default: the experiment's ``analysis.target``; with neither,
            nothing is explained).
        label: the experiment's name in notes (default: its scenario).
        report: collects notes on what could not be done (default: the returned ``notes``).

    Returns:
        ``label`` (what is explained), ``target``, ``event`` (yes/no target), ``sensitivity`` (a table, or
        None), ``prim`` (a :class:`~sim.analysis.prim.PrimResult` for an event target, or None) and
        ``notes``; None if the experiment has no uncertain parameters or the target does not apply.
    """
    label = label or r.scenario
    report = report if report is not None else Report(Path(REPORT_FILE))
    first_note = len(report.notes)
    params = list(r.summary["experiment"].get("uncertain_parameters") or [])
    target = target or (r.config.get("analysis") or {}).get("target")
    if not params or not target:
        return None
    values = _target_values(r, target, label, report)
    if values is None:
        return None
    y, name, event = values
    ok = ok_runs(r)
    X = ok[params].apply(pd.to_numeric, errors="coerce")
    numeric = [c for c in params if X[c].notna().all()]
    out: dict[str, Any] = {"label": name, "target": target, "event": event, "sensitivity": None, "prim": None}
    out["sensitivity"] = _sensitivity(r, X, numeric, y, label, report)
    if event and numeric and 0 < y.sum() < len(y):
        from sim.analysis.prim import prim

        out["prim"] = prim(X[numeric], y)
    elif event:
        report.notes.append(f"{label}: no scenario discovery (the event happens in all runs or in none)")
    out["notes"] = report.notes[first_note:]
    return out


def _target_values(
    r: Results, target: str, label: str, report: Report
) -> tuple[np.ndarray, str, bool] | None:
    """Per ok run, the target's answer (yes/no) or value, what it is called and whether it is an event.

    None (with a note) if the target is not modelled in this scenario, or is neither a question nor an
    outcome.
    """
    ok = ok_runs(r)
    q = (r.config.get("questions") or {}).get(target)
    if q is not None and r.summary["questions"].get(target, {}).get("not_modelled"):
        report.notes.append(f"{label}: the target {show(target)} is not modelled in this scenario")
        return None
    if q is not None and q.get("op") != "quantiles":
        return answer(ok, q).to_numpy(dtype=bool), q["text"], True
    outcome = q["outcome"] if q is not None else target
    if outcome not in outcome_columns(r):
        report.notes.append(f"{label}: analysis.target {show(target)} is neither a question nor an outcome")
        return None
    y = pd.to_numeric(ok[outcome].map(_number), errors="coerce").to_numpy(dtype=float)
    return y, outcome, False


def _number(v: Any) -> float:
    return math.nan if v is None else float(v)


def _sensitivity(r: Results, X: pd.DataFrame, numeric: list[str], y, label: str, report: Report):
    """The sensitivity table of ``y`` to the parameters (None, with a note, if it cannot be computed).

    Sobol and Morris need every design point: with failed runs, rank correlation over the numeric
    parameters instead.
    """
    from sim.analysis.sensitivity import sensitivity

    ok = ok_runs(r)
    mc = r.config.get("mc", {})
    design = {
        "design": mc.get("design", "monte_carlo"),
        "n": mc.get("runs"),
        "seed": mc.get("seed"),
        "replications": mc.get("replications", 1),
        "morris_levels": 4,
        "names": list(X.columns),
    }
    failed = int((r.runs["status"] != "ok").sum())
    method = "auto" if not failed else "spearman"
    if failed and design["design"] in ("sobol", "morris"):
        report.notes.append(f"{label}: {failed} failed runs, so sensitivity falls back to rank correlation")
    try:
        table = sensitivity(
            X[numeric] if method == "spearman" else X,
            y,
            method=method,
            design=design,
            design_point=ok["design_point"].to_numpy() if "design_point" in ok else None,
        )
    except ValueError as exc:
        report.notes.append(f"{label}: no sensitivity analysis ({exc})")
        return None
    table.attrs["n"] = len(ok)
    if (
        table.attrs.get("method") in ("sobol", "morris")
        and (table["conf"] > 0.5 * table["index"].max()).any()
    ):
        report.notes.append(
            f"{label}: the {table.attrs['method']} indices are uncertain at mc.runs={design['n']} "
            "(wide ± columns); more runs narrow them"
        )
    return table
