"""One model run, built from a scenario and overrides and stepped a day at a time (the viewer's engine).

No Solara here: :class:`LiveRun` is plain Python, so the viewer's logic is tested without a page. The run
is run 0 of the experiment ``python -m sim scenario=NAME OVERRIDES`` would start: the same composed config,
the same checks, the same seed (from ``mc.seed``) and, with uncertain parameters, the same sampled values.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.errors import UserError

__all__ = [
    "LiveRun",
    "Snapshot",
    "ViewerError",
    "parameter_table",
    "places_frame",
    "prepared",
]


class ViewerError(UserError):
    """Bad input to the viewer (one line, shown on the page)."""


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the page shows of a run on one day (copies: stepping on does not change them)."""

    day: int
    date: str
    horizon: int
    control: pd.DataFrame  # index place id; name, lat, lon, kind, population, holder
    series: pd.DataFrame  # index day; the main series so far, labelled
    events: pd.DataFrame  # newest first
    holders: dict[str, int]  # places held by each faction


@dataclass(eq=False)
class LiveRun:
    """A model being stepped: its scenario, seed, sampled values and the model itself.

    Build one with :meth:`start`; call :meth:`step` until :attr:`done`. Stepping and :meth:`snapshot` hold a
    lock, so a player thread and the page's buttons can share the run.
    """

    scenario: str
    overrides: list[str]
    seed: int
    values: dict[str, Any]
    model: Any
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    main_series: list[str] = field(default_factory=list)
    colours: dict[str, str | None] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # series label -> unit
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, scenario: str, overrides: Sequence[str] = (), horizon_days: int | None = None) -> LiveRun:
        """Compose ``scenario=NAME`` with ``overrides`` as ``python -m sim`` would, and build run 0.

        Raises:
            ViewerError: a config the command line would refuse (the same one-line message).
        """
        from sim.model import ConflictModel
        from sim.model.contract import series_of
        from sim.runner.runs import check_before_run, plan, task_setup

        extra = [o.strip() for o in overrides if o.strip()]
        if horizon_days is not None:
            extra.append(f"horizon_days={int(horizon_days)}")
        exp = prepared(scenario, extra)
        try:
            check_before_run(exp)  # questions and the target, as the command line checks them
        except UserError as exc:
            raise ViewerError(str(exc)) from None
        task = plan(exp)[0]
        config, theatre = task_setup(exp, task)
        model = ConflictModel(theatre, config.mechanisms, config.horizon_days, rng=task.seed)
        declared = series_of(config.mechanisms, theatre)
        return cls(
            scenario=scenario,
            overrides=extra,
            seed=task.seed,
            values=dict(task.values),
            model=model,
            description=" ".join(str(config.scenario.description or "").split()),
            labels={s.name: s.label or s.name for s in declared},
            main_series=[s.name for s in declared if s.fan and s.name in model.series],
            colours={fid: f.colour or None for fid, f in config.theatre.factions.items()},
            units={s.label or s.name: s.unit for s in declared},
        )

    @property
    def day(self) -> int:
        """The day reached (0: the start state)."""
        return int(self.model.steps)

    @property
    def horizon(self) -> int:
        """The last day of the run."""
        return int(self.model.horizon_days)

    @property
    def done(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.day >= self.horizon

    @property
    def date(self) -> str:
        """The calendar date of :attr:`day`."""
        from sim.story import date_of

        return date_of(self.model.theatre.start_date, self.day)

    def step(self, days: int = 1) -> int:
        """Advance ``days`` days (fewer at the horizon); returns the days stepped."""
        with self._lock:
            n = max(0, min(int(days), self.horizon - self.day))
            for _ in range(n):
                self.model.step()
            if n and self.done:
                self.close()
        return n

    def snapshot(self) -> Snapshot:
        """Today's control, the series so far, the events so far and the places each faction holds."""
        with self._lock:
            return Snapshot(self.day, self.date, self.horizon, self.control(), self.series(), self.events(),
                            self.holders())  # fmt: skip

    def close(self) -> None:
        """Release what Mesa keeps at class level for this model (the model stays readable)."""
        from sim.model import release_mesa_caches

        release_mesa_caches(self.model)

    def control(self) -> pd.DataFrame:
        """Each place with its coordinates and today's holder (index id; name, lat, lon, kind, holder)."""
        frame = places_frame(self.model.theatre)
        frame["holder"] = list(self.model.control)
        return frame

    def series(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """The daily series so far (index day; one column per variable, labelled as declared)."""
        names = list(names if names is not None else self.main_series)
        data = {self.labels.get(n, n): self.model.series[n][: self.day + 1] for n in names}
        return pd.DataFrame(data, index=pd.RangeIndex(self.day + 1, name="day"))

    def events(self) -> pd.DataFrame:
        """The events so far (day, date, actor, kind, place name, detail), newest first."""
        from sim.story import events_frame

        frame = events_frame(self.model)
        names = {pid: p.name for pid, p in self.model.theatre.places.items()}
        frame["place"] = [names.get(p, p) for p in frame["place"]]
        return frame.iloc[::-1].reset_index(drop=True)

    def holders(self) -> dict[str, int]:
        """Places held by each faction today."""
        counts = pd.Series(list(self.model.control)).value_counts()
        return {f: int(counts.get(f, 0)) for f in self.model.theatre.factions}


def places_frame(theatre: Any) -> pd.DataFrame:
    """A theatre's places for a map (index id; name, lat, lon, kind, population)."""
    rows = {
        pid: {"name": p.name, "lat": p.lat, "lon": p.lon, "kind": p.kind, "population": p.population}
        for pid, p in theatre.places.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").loc[list(theatre.place_ids)]


def parameter_table(scenario: str) -> pd.DataFrame:
    """The model's parameters in a scenario: key, value, allowed range, meaning, source, sampling, group.

    As ``python -m sim.params scenario=NAME`` lists them: values of the composed scenario; meanings and
    sources from ``docs/ODD.md``, else the schema's comment; ``sampled``: the distribution the scenario
    samples the parameter from, if it does.

    Raises:
        ViewerError: the scenario does not compose.
    """
    from sim.params import odd_rows, parameters

    exp = prepared(scenario)
    docs = odd_rows()
    drawn = {p.key: ", ".join(f"{k} {v}" for k, v in dict(p.spec).items()) for p in exp.uncertain}
    table = pd.DataFrame(parameters(exp.config)).set_index("key")
    table["meaning"] = [docs.get(k, ("", ""))[0] for k in table.index]
    table["source"] = [docs.get(k, ("", ""))[1] or c for k, c in table["comment"].items()]
    table["sampled"] = [drawn.get(k, "") for k in table.index]
    table["group"] = [_group(k) for k in table.index]
    return table.drop(columns="comment")


def _group(key: str) -> str:
    """A parameter's group, as ``python -m sim.params`` names them: a mechanism, ``mc``, ``top level``."""
    parts = key.split(".")
    return (
        parts[1]
        if parts[0] == "mechanisms" and len(parts) > 2
        else parts[0]
        if len(parts) > 1
        else "top level"
    )


def prepared(scenario: str, overrides: Sequence[str] = ()) -> Any:
    """The experiment ``python -m sim scenario=NAME OVERRIDES`` would run, composed and checked.

    Raises:
        ViewerError: an unknown scenario (naming the allowed ones) or a config the command line refuses.
    """
    from sim.help_text import scenarios
    from sim.runner.compose import CONFIG_DIR, compose
    from sim.runner.experiment import prepare

    names = [name for name, _ in scenarios(CONFIG_DIR / "scenario")]
    if scenario not in names:
        raise ViewerError(f"scenario: unknown option {scenario!r}; allowed: {', '.join(names)}")
    try:
        return prepare(compose([f"scenario={scenario}", *overrides]))
    except UserError as exc:
        raise ViewerError(str(exc)) from None
    except Exception as exc:  # Hydra's own errors: an override that does not parse, an unknown group option
        raise ViewerError(f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
