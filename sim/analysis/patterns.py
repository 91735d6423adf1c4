"""Pattern-oriented validation: sourced patterns of the record compared with an ensemble.

A patterns file lists patterns the model was not built to reproduce, each at its own scale, each a few
dated points on one daily series (the observations format of :mod:`sim.calibrate` for each point)::

    patterns:
      - id: oil_output
        text: Output stays under 100,000 b/d through the blockade, then recovers within two months
        scale: national economy, months
        variable: oil_output_bpd        # a daily series of the results (series.parquet)
        event: oil_output_2020          # the historical fact, or a list of them (default: the id)
        source: https://...             # required here or on every point
        points:                         # date, since, stat, op, value, tolerance as in sim.calibrate
          - {date: 2020-09-12, stat: max, op: le, value: 100000}
          - {date: 2020-11-13, op: near, value: 1215000, tolerance: 150000, source: https://...}

Each point's statistic is computed in every run (:func:`sim.analysis.observations.statistics`; the
``change`` statistic gives e.g. a month's deaths from a cumulative series). The observed interval (near:
value +- tolerance; le: up to value; ge: from value) is set against the ensemble's central 90 % band (5th
to 95th percentile) of that statistic: the point is *inside* when they overlap. A pattern is
*reproduced* when every point is inside, *not reproduced* when any is outside, and *not checked* when the
experiment has no value of its series (its mechanism off) or all its points come after the horizon.
Points can each be plausible while no run shows them together, so a pattern is reproduced only if at
least 5 % of the runs match every point at once (pattern-oriented modelling's joint test; Grimm et al.
2005, Science 310:987): rarer, the whole pattern is as far out as the tail the 90 % band leaves out.
That share is given with its interval; when the interval spans 5 %, the pattern is *not resolved*
(more runs would settle it). A pattern is marked in-sample when the experiment was
fitted to any of its events (:func:`sim.analysis.forecast_scores.fitted_events`): reproducing it tests
little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.observations import LATEST, Observation, check_observations, matches, statistics
from sim.analysis.series import BANDS
from sim.errors import UserError
from sim.inputs import known_fields, once, read_entries, show
from sim.limits import listing

__all__ = ["PATTERN_FIELDS", "POINT_FIELDS", "Pattern", "ValidationError", "compare", "load_patterns"]

PATTERN_FIELDS = ("id", "text", "scale", "variable", "event", "source", "points")
POINT_FIELDS = ("date", "since", "stat", "op", "value", "tolerance", "source", "text")
JOINT_SHARE = 0.05  # a pattern fewer runs show as a whole is as rare as the tail the 90 % band leaves out


class ValidationError(UserError):
    """Bad input to validation (one line, shown without a traceback)."""


@dataclass(frozen=True)
class Pattern:
    """A sourced pattern: points on one daily series (see the module docstring)."""

    id: str
    text: str
    scale: str
    variable: str
    events: tuple[str, ...]  # the facts it records: in-sample if the experiment was fitted to any
    source: str
    points: tuple[Observation, ...]  # those within the experiment's horizon
    later: tuple[str, ...] = field(default=())  # dates of the points after the horizon (left out)


def load_patterns(
    path: str | Path, start_date: str, horizon_days: int, variables: Sequence[str]
) -> list[Pattern]:
    """Read and check a patterns file against an experiment.

    Args:
        path: the YAML file.
        start_date: the experiment's day 0 (ISO date).
        horizon_days: its last day (points after it are kept in ``later``, not compared).
        variables: its series variables.

    Raises:
        ValidationError: one line naming ``FILE: patterns[i].field`` and what is allowed (point fields
            as ``patterns[i].points[j].field``, through :class:`~sim.analysis.observations.CalibrationError`).
    """
    entries = read_entries(path, "patterns", ValidationError)
    out, ids = [], {}
    for i, e in enumerate(entries):
        key = f"{path}: patterns[{i}]"
        _check_pattern(e, key, f"patterns[{i}]", ids, variables)
        pid = e["id"]
        points = []
        for j, p in enumerate(e["points"]):
            where = f"{key}.points[{j}]"
            known_fields(p, where, POINT_FIELDS, ValidationError, "a mapping with date, op, value")
            if not str(p.get("source") or e.get("source") or "").strip():
                raise ValidationError(f"{where}.source: missing; give the pattern's source or the point's")
            text = p.get("text", f"{e['text']} (point {j + 1})")
            source = p.get("source") or e["source"]
            events = _events(e, key, pid)
            points.append({**p, "id": f"{pid}.points[{j}]", "variable": e["variable"], "text": text,
                           "source": source, "event": events[0]})  # fmt: skip
        checked = check_observations(points, f"{key}.", "points", start_date, LATEST, None, variables)
        out.append(
            Pattern(
                id=pid,
                text=" ".join(str(e["text"]).split()),
                scale=str(e["scale"]),
                variable=e["variable"],
                events=_events(e, key, pid),
                source=" ".join(str(e.get("source") or "; ".join(o.source for o in checked)).split()),
                points=tuple(o for o in checked if o.day <= horizon_days),
                later=tuple(o.date for o in checked if o.day > horizon_days),
            )
        )
    return out


def _check_pattern(e: Any, key: str, entry: str, ids: dict[Any, str], variables: Sequence[str]) -> None:
    """A pattern's own fields: known, a new id, text where text belongs, a known variable, points."""
    known_fields(e, key, PATTERN_FIELDS, ValidationError, "a mapping with id, text, scale, variable, points")
    pid = e.get("id")
    if not isinstance(pid, str) or not pid.strip():
        raise ValidationError(f"{key}.id: got {show(pid)}; allowed: a unique non-empty name")
    once(ids, pid, f"{key}.id", entry, ValidationError)
    for name in ("text", "scale"):
        if not isinstance(e.get(name), str) or not e[name].strip():
            raise ValidationError(f"{key}.{name}: got {show(e.get(name))}; allowed: non-empty text")
    if "source" in e and not isinstance(e["source"], str):
        raise ValidationError(f"{key}.source: got {show(e['source'])}; allowed: text")
    if e.get("variable") not in variables:
        raise ValidationError(
            f"{key}.variable: got {show(e.get('variable'))}; allowed: {listing(sorted(variables))}"
        )
    if not isinstance(e.get("points"), list) or not e["points"]:
        raise ValidationError(
            f"{key}.points: got {show(e.get('points'))}; allowed: a non-empty list of points"
        )


def _events(e: dict[str, Any], key: str, pid: str) -> tuple[str, ...]:
    """The facts a pattern records: its ``event`` (a name or a list of names), else its id."""
    event = e.get("event", pid)
    events = [event] if isinstance(event, str) else event
    if (
        not isinstance(events, list)
        or not events
        or not all(isinstance(x, str) and x.strip() for x in events)
    ):
        raise ValidationError(
            f"{key}.event: got {show(event)}; allowed: a name, or a non-empty list of names"
        )
    return tuple(events)


def compare(
    patterns: Sequence[Pattern],
    runs: pd.DataFrame,
    series: pd.DataFrame,
    fitted: dict[str, list[str]],
    interval: Any,
) -> list[dict[str, Any]]:
    """Each pattern set against the ensemble (see the module docstring).

    Args:
        patterns: from :func:`load_patterns`.
        runs: the runs that finished (``status == "ok"``).
        series: the experiment's long series.
        fitted: event -> how the experiment was fitted to it (in-sample events).
        interval: ``(k, n) -> (low, high)``, the interval of a share of runs.

    Returns:
        One dict per pattern: its fields, ``sample`` (in/out), ``fitted``, ``status``, ``reason``,
        ``points`` (each with the observed ``low``/``high``, the band's quantiles, ``inside``, ``side``,
        ``share`` of runs matching and, for a near point, the observed value's ``percentile``) and
        ``joint`` (runs matching every point: ``k``, ``n``, ``share``, ``low``, ``high``).
    """
    out = []
    for p in patterns:
        row: dict[str, Any] = {
            "id": p.id, "text": p.text, "scale": p.scale, "variable": p.variable, "events": list(p.events),
            "source": p.source, "fitted": [how for x in p.events for how in fitted.get(x, [])],
            "sample": "in" if any(x in fitted for x in p.events) else "out", "later": list(p.later),
        }  # fmt: skip
        points = [_point(o, runs, series) for o in p.points]
        checked = [x for x in points if x["inside"] is not None]
        row["points"] = points
        if not checked:
            why = (
                "every point falls after the horizon" if not points else f"no run has a value of {p.variable}"
            )
            row.update(status="not checked", reason=why, joint=None)
            out.append(row)
            continue
        every = matches(p.points, runs, series).all(axis=1)
        k, n = int(every.sum()), len(every)
        low, high = interval(k, n)
        row["joint"] = {"k": k, "n": n, "share": k / n if n else None, "low": low, "high": high}
        row.update(_judge(points, checked, k, n, low, high))
        out.append(row)
    return out


def _judge(
    points: list[dict], checked: list[dict], k: int, n: int, low: float, high: float
) -> dict[str, str]:
    """A checked pattern's status and the reason, from its points and the runs matching every point."""
    outside = [x for x in checked if not x["inside"]]
    rare = not outside and k < JOINT_SHARE * n
    if not outside and low < JOINT_SHARE <= high:
        status = "not resolved"
        reason = (
            "each point inside the ensemble's 90 % band, but the interval of the share of runs matching "
            f"every point at once spans {100 * JOINT_SHARE:.0f} %: more runs would settle it"
        )
    elif outside:
        status, reason = (
            "not reproduced",
            f"{len(outside)} of {len(points)} points outside the ensemble's 90 % band",
        )
    elif rare:
        status = "not reproduced"
        reason = (
            f"each point inside the ensemble's 90 % band, but only {k} of {n} runs match every point "
            f"at once (fewer than {100 * JOINT_SHARE:.0f} %)"
        )
    else:
        status, reason = "reproduced", f"all {len(checked)} points inside the ensemble's 90 % band"
    if len(checked) < len(points):
        reason += f"; {len(points) - len(checked)} without a value in any run"
    return {"status": status, "reason": reason}


def _point(o: Observation, runs: pd.DataFrame, series: pd.DataFrame) -> dict[str, Any]:
    """One point: the observed interval, the ensemble's quantiles of its statistic, their overlap."""
    x = statistics([o], runs, series)[o.id].to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    low, high = _observed(o)
    point: dict[str, Any] = {
        "date": o.date, "day": o.day, "since_day": o.since_day, "stat": o.stat, "op": o.op,
        "value": o.value, "tolerance": o.tolerance, "describe": o.describe(), "source": o.source,
        "low": low, "high": high, "runs": int(x.size),
    }  # fmt: skip
    if not x.size:
        return point | {"inside": None, "side": None, "share": None}
    q = np.quantile(x, list(BANDS.values()))
    point.update({name: float(v) for name, v in zip(BANDS, q, strict=True)})
    side = "above" if low is not None and low > point["p95"] else None
    side = "below" if high is not None and high < point["p05"] else side
    hit = (low is None or x >= low) & (high is None or x <= high)
    point.update(inside=side is None, side=side, share=float(np.mean(hit)))
    if o.op == "near":
        point["percentile"] = float(np.mean(x < o.value))
    return point


def _observed(o: Observation) -> tuple[float | None, float | None]:
    """The observed interval of a point (None: open on that side)."""
    if o.op == "le":
        return None, o.value + o.tolerance
    if o.op == "ge":
        return o.value - o.tolerance, None
    return o.value - o.tolerance, o.value + o.tolerance
