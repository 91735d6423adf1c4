"""A finished experiment opened in the viewer: its runs, each run's events, and its control on any day.

No Solara here. The runs and events come from the folder (``runs.parquet``, ``events.parquet``); control on
a given day is not stored, so a run's maps come from replaying it exactly (:func:`sim.story.replay`), as
``python -m sim.story`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError
from sim.viz.live import ViewerError, places_frame

__all__ = ["FinishedExperiment", "recent_experiments"]

RECENT = 20  # folders offered in the viewer's list
REPLAYS_KEPT = 4  # replayed runs kept for their maps (the oldest is dropped first)


def recent_experiments(*roots: str | os.PathLike, limit: int = RECENT) -> list[str]:
    """Finished experiment folders under ``roots`` (default ``outputs/`` and ``multirun/``), newest first."""
    found = []
    for root in roots or ("outputs", "multirun"):
        base = Path(root)
        if base.is_dir():
            found += list(base.glob("**/summary.json"))
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)  # when each experiment finished
    return [str(p.parent) for p in found[:limit]]


@dataclass(eq=False)
class FinishedExperiment:
    """A results folder opened for browsing (see :meth:`open`)."""

    results: Any
    headline: list[str]
    labels: dict[str, str]
    events: pd.DataFrame | None
    _replays: dict[int, tuple[Any, dict[int, list[str]], bool]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | os.PathLike) -> FinishedExperiment:
        """Load an experiment folder's runs, summary, config and events (not its series).

        Raises:
            ViewerError: not a finished experiment folder (a multirun folder names its experiments).
        """
        from sim.results import load_events, load_experiment

        try:
            res = load_experiment(str(path).strip(), variables=[])
            events = load_events(res.path)
        except UserError as exc:
            raise ViewerError(str(exc)) from None
        columns = res.summary.get("columns") or {}
        headline = [k for k, c in columns.items() if c.get("headline") and k in res.runs.columns]
        labels = {k: str(c.get("label") or k) for k, c in columns.items()}
        return cls(results=res, headline=headline, labels=labels, events=events)

    @property
    def title(self) -> str:
        """``<scenario>: N runs of D days (folder)``."""
        exp = self.results.summary.get("experiment", {})
        return (
            f"{self.results.scenario}: {exp.get('runs', len(self.results.runs))} runs of "
            f"{exp.get('horizon_days', '?')} days ({self.results.path})"
        )

    def runs(self) -> pd.DataFrame:
        """One row per run: run id, status, events recorded and the headline outcomes, labelled, as text.

        A day is shown as ``day N`` or ``never``; a number to three significant figures with its unit.
        """
        runs = self.results.runs
        frame = runs[["run_id", "status"]].copy()
        if self.events is not None:
            counts = self.events.groupby("run_id").size()
            frame["events"] = frame["run_id"].map(counts).fillna(0).astype(int)
        columns = self.results.summary.get("columns") or {}
        for name in self.headline:
            info = columns.get(name, {})
            label = self.labels.get(name, name) + (
                f" ({info['unit']})" if info.get("kind") == "number" else ""
            )
            frame[label] = [_cell(x, info.get("kind")) for x in runs[name]]
        return frame.reset_index(drop=True)

    def run_ids(self) -> list[int]:
        """The ids of the runs that finished."""
        runs = self.results.runs
        return [int(i) for i in runs.loc[runs["status"] == "ok", "run_id"]]

    def run_events(self, run_id: int) -> pd.DataFrame:
        """One run's events (day, date, actor, kind, place name, detail), from the folder or a replay."""
        if self.events is None:
            from sim.story import events_frame

            frame = events_frame(self.replay(run_id)[0])
        else:
            frame = self.events[self.events["run_id"] == run_id].drop(columns="run_id")
            frame.insert(1, "date", [self.date(d) for d in frame["day"]])
        places = self.results.config.get("theatre", {}).get("places", {})
        frame["place"] = [places.get(p, {}).get("name", p) for p in frame["place"]]
        return frame.reset_index(drop=True)

    @property
    def start_date(self) -> str:
        """The theatre's start date (day 0)."""
        return str(self.results.summary.get("experiment", {}).get("start_date"))

    def date(self, day: int) -> str:
        """The calendar date of ``day``."""
        from sim.story import date_of

        return date_of(self.start_date, day)

    @property
    def horizon(self) -> int:
        """The experiment's last day."""
        return int(self.results.summary.get("experiment", {}).get("horizon_days", 0))

    def replay(self, run_id: int) -> tuple[Any, dict[int, list[str]], bool]:
        """Run ``run_id`` again (the last few are kept): the model, control on each day, and a match flag.

        Raises:
            ViewerError: no such run, or a failed run.
        """
        from sim.story import replay

        if run_id not in self._replays:
            try:
                self._replays[run_id] = replay(self.results, int(run_id))
            except UserError as exc:
                raise ViewerError(str(exc)) from None
            while len(self._replays) > REPLAYS_KEPT:  # each holds a whole model: memory stays flat
                self._replays.pop(next(iter(self._replays)))
        return self._replays[run_id]

    def control(self, run_id: int, day: int) -> pd.DataFrame:
        """Places with coordinates and their holder on ``day`` of run ``run_id`` (clipped to the horizon)."""
        model, control, _ = self.replay(run_id)
        day = max(0, min(int(day), max(control)))
        frame = places_frame(model.theatre)
        frame["holder"] = control[day]
        return frame

    def colours(self) -> dict[str, str | None]:
        """Faction id -> its colour in the theatre (None: the palette's)."""
        factions = self.results.config.get("theatre", {}).get("factions", {})
        return {fid: (f.get("colour") or None) for fid, f in factions.items()}


def _cell(x: Any, kind: str | None) -> str:
    """An outcome as the runs table shows it: ``day 12`` or ``never``; ``1,025`` or ``0.512``; or text."""
    if kind == "day":
        return "never" if pd.isna(x) else f"day {int(x)}"
    if kind == "number" and not pd.isna(x):
        return f"{float(x):,.3g}" if abs(float(x)) < 1000 else f"{float(x):,.0f}"
    return "" if pd.isna(x) else str(x)
