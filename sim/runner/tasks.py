"""A run to do (:class:`Task`), what it returns (:class:`RunResult`), and their rows in the results contract.

:func:`runs_frame` and :func:`series_frame` lay out a chunk's results as ``runs.parquet`` and
``series.parquet`` hold them (:mod:`sim.results`); the runner (:mod:`sim.runner.runs`) makes the tasks
and runs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.contract import outcomes_of

if TYPE_CHECKING:
    from sim.runner.experiment import Experiment

__all__ = ["EVENTS_COLUMN", "RunResult", "Task", "events_frame", "runs_frame", "series_frame"]

#: The runs frame's column carrying each run's events (JSON) until compaction writes ``events.parquet``.
EVENTS_COLUMN = "_events"


@dataclass(frozen=True)
class Task:
    """One run to do: its id, seed, design coordinates and sampled parameter values."""

    run_id: int
    seed: int
    design_point: int = 0
    replication: int = 0
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """What one run returns: its outcomes and daily series, or its error."""

    task: Task
    status: str
    outcomes: dict
    series: dict[str, np.ndarray]
    error: str = ""
    events: list = field(default_factory=list)  # (day, actor, kind, place, detail) as the model logged


def runs_frame(exp: Experiment, results: list[RunResult]) -> pd.DataFrame:
    """The ``runs`` rows of some results (contract columns first, sampled parameters, outcomes)."""
    rows = []
    for r in results:
        t = r.task
        row = {"run_id": t.run_id, "seed": t.seed, "scenario": exp.scenario, "status": r.status}
        row.update({"design_point": t.design_point, "replication": t.replication})
        row.update(t.values)
        row.update(r.outcomes)
        row["error"] = r.error
        row[EVENTS_COLUMN] = json.dumps(r.events)  # taken out at compaction into events.parquet
        rows.append(row)
    df = pd.DataFrame(rows)
    for col in ("run_id", "seed", "design_point", "replication"):
        df[col] = df[col].astype("int64")
    for o in outcomes_of(exp.config.mechanisms, exp.theatre):
        if o.kind == "flag" and o.name in df:
            df[o.name] = df[o.name].astype(bool)
    return df


def series_frame(results: list[RunResult], horizon: int) -> pd.DataFrame:
    """Long-format ``series`` rows (run_id, day, variable, value), sorted by run, variable, day.

    Built as whole columns, one frame (not a frame per run and series: this runs for every run).

    Raises:
        ValueError: a series does not hold one value for each day 0..horizon.
    """
    days = np.arange(horizon + 1, dtype=np.int32)
    run_ids, names, values = [], [], []
    for r in results:
        for name, v in sorted(r.series.items()):
            if len(v) != len(days):
                raise ValueError(f"series {name!r} of run {r.task.run_id}: {len(v)} values, not {len(days)}")
            run_ids.append(r.task.run_id)
            names.append(name)
            values.append(v)
    if not values:
        return pd.DataFrame(
            {
                "run_id": pd.Series(dtype="int64"),
                "day": pd.Series(dtype="int32"),
                "variable": pd.Series(dtype="str"),
                "value": pd.Series(dtype="float64"),
            }
        )
    return pd.DataFrame(
        {
            "run_id": np.repeat(np.array(run_ids, dtype=np.int64), len(days)),
            "day": np.tile(days, len(names)),
            "variable": np.repeat(np.array(names, dtype=object), len(days)),
            "value": np.concatenate(values).astype(np.float64, copy=False),
        }
    )


EVENTS_SCHEMA_COLUMNS = ("run_id", "day", "actor", "kind", "place", "detail")


def events_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``events.parquet``'s rows from the runs frame's event column: one row per event, by run and day."""
    rows = []
    if EVENTS_COLUMN in runs:
        for run_id, text in zip(runs["run_id"], runs[EVENTS_COLUMN], strict=True):
            rows += [(int(run_id), *e) for e in json.loads(text or "[]")]
    df = pd.DataFrame(rows, columns=list(EVENTS_SCHEMA_COLUMNS))
    df = df.astype({"run_id": "int64", "day": "int32", "actor": "str", "kind": "str", "place": "str",
                    "detail": "str"})  # fmt: skip
    return df.sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)
