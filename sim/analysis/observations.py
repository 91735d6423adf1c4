"""Observations for calibration: dated facts read and checked, and how far each run misses each one.

The observations file format is documented in :mod:`sim.calibrate`. :func:`load_observations` checks a
file against an experiment (one-line :class:`CalibrationError` naming ``FILE: observations[i].field``),
:func:`statistics` computes each observation's statistic in each run, :func:`distances` how far each run
misses it, :func:`matches` whether it matches within the tolerance (used by calibration and by as-of
forecasts). Reads results only (rejection ABC itself is :mod:`sim.analysis.abc`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.inputs import a_date, finite_number, known_fields, once, read_entries, show
from sim.limits import listing

__all__ = [
    "LATEST",
    "OBSERVATION_FIELDS",
    "OPS",
    "STATS",
    "CalibrationError",
    "Observation",
    "check_observations",
    "distances",
    "load_observations",
    "matches",
    "statistics",
]

OPS = ("le", "ge", "near")
LATEST = 100 * 366  # a record may run past an experiment's horizon (callers leave those facts out)
STATS = ("value", "min", "max", "mean", "range", "change")  # change: value on the date - on since


class CalibrationError(UserError):
    """Bad input or an empty posterior (one line, shown without a traceback)."""


@dataclass(frozen=True)
class Observation:
    """A dated fact as a condition on one run's results (see the module docstring)."""

    id: str
    text: str
    source: str
    date: str
    day: int  # the date as a model day
    op: str
    value: float
    tolerance: float = 0.0
    outcome: str | None = None
    variable: str | None = None
    stat: str = "value"
    since_day: int = 0
    event: str = ""  # the historical fact it records (default: its id); see sim.analysis.forecast_scores

    def describe(self) -> str:
        """A short formula, e.g. ``range(front_km, days 0-60) <= 50``."""
        if self.outcome:
            what = self.outcome
        elif self.stat == "value":
            what = f"{self.variable} on day {self.day}"
        else:
            what = f"{self.stat}({self.variable}, days {self.since_day}-{self.day})"
        sign = {"le": "<=", "ge": ">=", "near": "="}[self.op]
        tol = f" +- {_number_text(self.tolerance)}" if self.tolerance else ""
        return f"{what} {sign} {_number_text(self.value)}{tol}"


def _number_text(x: float) -> str:
    """``1036035`` -> ``1,036,035``; ``0.045`` -> ``0.045`` (no exponent for the numbers of a record)."""
    return f"{x:,.0f}" if abs(x) >= 1000 and float(x).is_integer() else f"{x:g}"


OBSERVATION_FIELDS = ("id", "text", "source", "date", "since", "op", "value", "tolerance", "outcome",
                      "variable", "stat", "event")  # fmt: skip


def load_observations(
    path: str | Path,
    start_date: str,
    horizon_days: int,
    runs_columns: Sequence[str] | None,
    variables: Sequence[str] | None,
) -> list[Observation]:
    """Read and check an observations file against an experiment.

    Args:
        path: the YAML file.
        start_date: the experiment's day 0 (ISO date).
        horizon_days: its last day.
        runs_columns: outcome columns of its runs (None: not checked yet).
        variables: its series variables (None: not checked yet).

    Raises:
        CalibrationError: one line naming ``FILE: observations[i].field`` and what is allowed; an id
            given twice is refused too.
    """
    entries = read_entries(path, "observations", CalibrationError)
    return check_observations(entries, f"{path}: ", "observations", start_date, horizon_days, runs_columns,
                              variables)  # fmt: skip


def check_observations(
    entries: Sequence[Any],
    where: str,
    label: str,
    start_date: str,
    horizon_days: int,
    runs_columns: Sequence[str] | None,
    variables: Sequence[str] | None,
) -> list[Observation]:
    """Observations from entries already read (as :func:`load_observations`).

    Args:
        entries: the entries, mappings in the observations format.
        where: the start of every error message (e.g. ``FILE: ``).
        label: the entries' name in errors (``observations`` names ``observations[i].field``).
        start_date: as :func:`load_observations`.
        horizon_days: as :func:`load_observations`.
        runs_columns: as :func:`load_observations`.
        variables: as :func:`load_observations`.
    """
    start = dt.date.fromisoformat(start_date)
    out: list[Observation] = []
    ids: dict[Any, str] = {}
    for i, e in enumerate(entries):
        entry = f"{label}[{i}]"
        key = f"{where}{entry}"
        oid = _check_entry(e, key, entry, ids)
        date = a_date(e.get("date"), f"{key}.date", CalibrationError)
        day = (date - start).days
        if not 0 <= day <= horizon_days:
            raise CalibrationError(
                f"{key}.date: {date} is day {day}; allowed: day 0 ({start}) to the horizon ({horizon_days})"
            )
        op, value, tol = _condition(e, key)
        stat, since_day = _what(e, key, start, day, runs_columns, variables)
        out.append(
            Observation(
                id=oid,
                text=str(e.get("text") or oid),
                source=str(e["source"]).strip(),
                date=date.isoformat(),
                day=day,
                op=op,
                value=value,
                tolerance=tol,
                outcome=e.get("outcome"),
                variable=e.get("variable"),
                stat=stat,
                since_day=since_day,
                event=str(e.get("event") or oid),
            )
        )
    return out


def _check_entry(e: Any, key: str, entry: str, ids: dict[Any, str]) -> str:
    """An entry's shape: a mapping of known fields, a new id, text where text belongs, a source."""
    shape = "a mapping with id, outcome or variable, op, value, date"
    known_fields(e, key, sorted(OBSERVATION_FIELDS), CalibrationError, shape)
    oid = e.get("id")
    if not isinstance(oid, str) or not oid.strip():
        raise CalibrationError(f"{key}.id: got {show(oid)}; allowed: a unique non-empty name")
    once(ids, oid, f"{key}.id", entry, CalibrationError)
    for field in ("text", "source", "outcome", "variable", "stat", "op", "event"):
        if field in e and not isinstance(e[field], str):
            raise CalibrationError(f"{key}.{field}: got {show(e[field])}; allowed: text")
    if not str(e.get("source") or "").strip():
        raise CalibrationError(f"{key}.source: missing; every observation names where it is recorded")
    return oid


def _condition(e: dict[str, Any], key: str) -> tuple[str, float, float]:
    """An entry's op, value and tolerance; it names exactly one of outcome and variable."""
    op = e.get("op")
    if op not in OPS:
        raise CalibrationError(f"{key}.op: got {show(op)}; allowed: {', '.join(OPS)}")
    value = finite_number(e.get("value"), f"{key}.value", CalibrationError)
    tol = finite_number(e.get("tolerance", 0), f"{key}.tolerance", CalibrationError, low=0)
    if (e.get("outcome") is None) == (e.get("variable") is None):
        raise CalibrationError(f"{key}: give exactly one of outcome (a runs column) or variable (a series)")
    return op, value, tol


def _what(
    e: dict[str, Any],
    key: str,
    start: dt.date,
    day: int,
    runs_columns: Sequence[str] | None,
    variables: Sequence[str] | None,
) -> tuple[str, int]:
    """An entry's outcome or variable checked against the experiment; its stat and first day."""
    outcome, variable = e.get("outcome"), e.get("variable")
    stat, since_day = e.get("stat", "value"), 0
    if outcome is not None:
        if runs_columns is not None and outcome not in runs_columns:
            allowed = listing(c for c in runs_columns if not c.startswith("holder_"))
            raise CalibrationError(f"{key}.outcome: got {show(outcome)}; allowed: {allowed}")
        if "stat" in e or "since" in e:
            raise CalibrationError(f"{key}: stat and since apply to a variable, not an outcome")
    else:
        if variables is not None and variable not in variables:
            raise CalibrationError(
                f"{key}.variable: got {show(variable)}; allowed: {listing(sorted(variables))}"
            )
        if stat not in STATS:
            raise CalibrationError(f"{key}.stat: got {show(stat)}; allowed: {', '.join(STATS)}")
        if "since" in e:
            since_day = (a_date(e["since"], f"{key}.since", CalibrationError) - start).days
            if not 0 <= since_day <= day:
                raise CalibrationError(
                    f"{key}.since: day {since_day}; allowed: day 0 to the date's day {day}"
                )
    return stat, since_day


def statistics(observations: Sequence[Observation], runs: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Each observation's statistic in each run (index ``run_id``, one column per observation id).

    A ``*_day`` outcome that never happened (NaN) is +inf; any other missing value stays NaN.
    """
    index = pd.Index(runs["run_id"].to_numpy(), name="run_id")
    columns: dict[str, np.ndarray] = {}
    for o in observations:
        if o.outcome is not None:
            x = pd.to_numeric(runs[o.outcome].map(_number), errors="coerce").to_numpy(dtype=float)
            if o.outcome.endswith("_day"):
                x = np.where(np.isnan(x), np.inf, x)
            columns[o.id] = x
            continue
        s = series[(series["variable"] == o.variable) & series["day"].between(o.since_day, o.day)]
        if o.stat == "value":
            stat = s[s["day"] == o.day].set_index("run_id")["value"]
        elif o.stat == "change":  # e.g. the deaths of a month from a cumulative series
            end = s[s["day"] == o.day].set_index("run_id")["value"]
            stat = end - s[s["day"] == o.since_day].set_index("run_id")["value"].reindex(end.index)
        else:
            g = s.groupby("run_id")["value"]
            stat = g.max() - g.min() if o.stat == "range" else g.agg(o.stat)
        columns[o.id] = stat.reindex(index).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=index, columns=[o.id for o in observations])


def _number(v: Any) -> Any:
    """A value of a runs column as a number where it is one (yes/no as 1/0, text as NaN)."""
    if v is None or isinstance(v, str):
        return math.nan
    return float(v) if isinstance(v, bool | np.bool_) else v


def distances(observations: Sequence[Observation], stats: pd.DataFrame) -> pd.DataFrame:
    """How far each run misses each observation (0 = satisfied; NaN statistics are infinitely far)."""
    columns: dict[str, np.ndarray] = {}
    for o in observations:
        x = stats[o.id].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            if o.op == "le":
                d = np.maximum(0.0, x - o.value)
            elif o.op == "ge":
                d = np.maximum(0.0, o.value - x)
            else:
                d = np.abs(x - o.value)
        columns[o.id] = np.where(np.isnan(d), np.inf, d)
    return pd.DataFrame(columns, index=stats.index, columns=[o.id for o in observations])


def matches(observations: Sequence[Observation], runs: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Whether each run matches each observation within its tolerance (index ``run_id``, a column per id)."""
    dist = distances(observations, statistics(observations, runs, series))
    return dist.le(pd.Series({o.id: o.tolerance for o in observations}), axis=1)
