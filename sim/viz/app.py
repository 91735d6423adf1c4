"""The viewer's page (Solara): run one model and watch it, or browse a finished experiment's runs.

Start it with ``python -m sim.viz`` (or ``solara run sim.viz.app``). Two tabs:

- **Run a model**: pick a scenario, a horizon and any overrides (as on the command line), build run 0 of
  that experiment, then step it, play it or run it to the end. The page shows the day, control on the map
  at real coordinates, the main daily series and the event log, newest first.
- **Browse an experiment**: open a results folder (recent ones are listed), see its runs with their
  headline outcomes, pick a run, and read its events and its map on any day (the days that mattered are
  one click away). Maps come from replaying the run exactly, as ``python -m sim.story`` does.

The logic lives in :mod:`sim.viz.live` and :mod:`sim.viz.browse`; this module only lays it out.
"""

from __future__ import annotations

import shlex
import threading
from html import escape
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.help_text import scenarios
from sim.runner.compose import CONFIG_DIR
from sim.viz.browse import FinishedExperiment, recent_experiments
from sim.viz.figures import MapCanvas, png, series_figure
from sim.viz.live import LiveRun, Snapshot, ViewerError, parameter_table

__all__ = ["BrowseView", "Page", "RunView", "scenario_names", "split_overrides"]

PLAY_DAYS = {"1 day": 1, "3 days": 3, "7 days": 7}  # days stepped per frame while playing
EVENT_ROWS = 15  # events per page of the log


def scenario_names() -> dict[str, str]:
    """Scenario name -> description, from the config folder (a new scenario file shows up here)."""
    return dict(scenarios(Path(CONFIG_DIR) / "scenario"))


def split_overrides(text: str) -> list[str]:
    """The overrides typed on the page, split as a shell splits a command line.

    Raises:
        ViewerError: an unclosed quote.
    """
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ViewerError(f"overrides: {exc} (quote a value with spaces as on the command line)") from None


def default_scenario(names: list[str]) -> str:
    """The scenario ``python -m sim`` runs when none is given (the primary config's default)."""
    from sim.runner.compose import compose

    try:
        name = str(compose([]).scenario.name)
    except Exception:  # a broken config: the page still opens, and building a run will say what is wrong
        name = ""
    return name if name in names else names[0]


@solara.component
def Page():
    """The whole page: a title and the two tabs."""
    solara.Title("sim viewer")
    solara.Text("Scenario viewer", style={"font-size": "1.6em", "margin": "8px 0 12px"})
    with solara.lab.Tabs():
        with solara.lab.Tab("Run a model"):
            RunView()
        with solara.lab.Tab("Browse an experiment"):
            BrowseView()


@solara.component
def RunView():
    """Pick a scenario, build run 0, step or play it; the map, the series and the event log."""
    names = solara.use_memo(scenario_names, dependencies=[])
    first = solara.use_memo(lambda: default_scenario(list(names)), dependencies=[])
    scenario = solara.use_reactive(first)
    horizon = solara.use_reactive(180)
    overrides = solara.use_reactive("")
    run = solara.use_reactive(None)  # the LiveRun
    shot = solara.use_reactive(None)  # its Snapshot
    error = solara.use_reactive("")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("1 day")

    def build():
        playing.set(False)
        try:
            live = LiveRun.start(scenario.value, split_overrides(overrides.value), horizon.value)
        except ViewerError as exc:
            error.set(str(exc))
            return
        if run.value is not None:
            run.value.close()  # the run it replaces: Mesa's class-level caches let it go
        error.set("")
        run.set(live)
        shot.set(live.snapshot())

    def advance(days: int):
        if run.value is not None:
            run.value.step(days)
            shot.set(run.value.snapshot())

    started_playing = playing.value  # as this render saw it: a late thread of a paused render stays idle

    def player(cancel: threading.Event):
        # Started each time `playing` changes; a pause or a new build cancels it. Only a player that played
        # to the horizon says it stopped: a late one that saw `playing` False must not stop the next.
        live = run.value
        if not started_playing or live is None:
            return
        while not cancel.is_set() and playing.value and live is run.value and not live.done:
            live.step(PLAY_DAYS[speed.value])
            shot.set(live.snapshot())
        if live.done and not cancel.is_set():
            playing.set(False)

    solara.use_thread(player, dependencies=[playing.value], intrusive_cancel=False)  # pauses between days
    with solara.Card("Scenario"):
        with solara.Row():
            solara.Select("Scenario", values=list(names), value=scenario)
            solara.InputInt("Horizon (days)", value=horizon, continuous_update=True)
        solara.InputText("Overrides, as on the command line (e.g. mechanisms.combat.defender_bonus=1.2)",
                         value=overrides, continuous_update=True)  # fmt: skip
        solara.Text(names.get(scenario.value, ""))
        ParameterPicker(scenario.value, overrides)
        solara.Button("Build the run", on_click=build, color="primary")
        if error.value:
            solara.Error(error.value)
    if run.value is not None and shot.value is not None:
        Controls(run.value, shot.value, playing, speed, advance)
        RunState(run.value, shot.value)


@solara.component
def ParameterPicker(scenario: str, overrides: Any):
    """A parameter's value in the scenario, allowed range, meaning, source and sampling; set a new value."""
    table = solara.use_memo(lambda: _parameters(scenario), dependencies=[scenario])
    group = solara.use_reactive(None)
    key = solara.use_reactive(None)
    value = solara.use_reactive("")
    if isinstance(table, str):
        solara.Error(table)
        return

    def add():
        try:
            kept = [o for o in split_overrides(overrides.value) if o.partition("=")[0] != key.value]
        except ViewerError:  # an unclosed quote in what was typed: keep it, Build will say what is wrong
            kept = [overrides.value]
        else:
            kept = [shlex.quote(o) for o in kept]
        overrides.set(" ".join([*kept, shlex.quote(f"{key.value}={value.value.strip()}")]))

    with solara.Details("Parameters: value, allowed range, meaning and source"):
        with solara.Row():
            solara.Select("Group", values=list(dict.fromkeys(table["group"])), value=group,
                          on_value=lambda _: key.set(None))  # fmt: skip
            keys = list(table.index[table["group"] == group.value])
            solara.Select("Parameter", values=keys, value=key)
        if key.value in table.index:
            row = table.loc[key.value]
            facts = {"value in this scenario": _value(row["value"]), "allowed": row["allowed"]}
            facts |= {name: row[name] for name in ("meaning", "source", "sampled")}
            for name, text in facts.items():
                if text and text != "—":
                    Line(f"{name}: ", str(text))
            with solara.Row():
                solara.InputText("New value", value=value, continuous_update=True)
                solara.Button("Add to the overrides", on_click=add, disabled=not value.value.strip())


def _parameters(scenario: str) -> Any:
    """The scenario's parameter table, or the error that stopped it."""
    try:
        return parameter_table(scenario)
    except ViewerError as exc:
        return str(exc)


@solara.component
def Controls(live: LiveRun, shot: Snapshot, playing: Any, speed: Any, advance: Any):
    """Step, play or pause, run to the end; what run this is."""
    done = shot.day >= shot.horizon
    busy = done or playing.value
    with solara.Row():
        solara.Button("Step 1 day", on_click=lambda: advance(1), disabled=busy)
        solara.Button("Step 7 days", on_click=lambda: advance(7), disabled=busy)
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                      disabled=done)  # fmt: skip
        solara.ToggleButtonsSingle(value=speed, values=list(PLAY_DAYS))
        solara.Button("Run to the end", on_click=lambda: advance(shot.horizon), disabled=busy)
    sampled = ", ".join(f"{k} = {_value(v)}" for k, v in live.values.items())
    command = f"python -m sim scenario={live.scenario}{''.join(' ' + o for o in live.overrides)}"
    Line(f"Day {shot.day} of {shot.horizon}", f" ({shot.date}) · run 0 of {command} · seed {live.seed}"
         + (f" · sampled: {sampled}" if sampled else ""))  # fmt: skip


@solara.component
def RunState(live: LiveRun, shot: Snapshot):
    """The map of today's control, the places each side holds, the series so far and the event log."""
    held = ", ".join(f"{f}: {n} places" for f, n in shot.holders.items())
    title = f"Day {shot.day} ({shot.date}): who holds each place"
    image = use_map(live, live.model.theatre, shot.control, live.colours, title)
    chart = solara.use_memo(
        lambda: png(series_figure(shot.series, shot.horizon, live.units)), dependencies=[shot]
    )
    with solara.Columns([3, 2]):
        with solara.Column():
            Line(f"Control on day {shot.day}", f": {held}")
            solara.Image(image, width="100%")
        with solara.Column():
            Line("Main series")
            solara.Image(chart, width="100%")
    EventLog(shot.events, f"Event log: {len(shot.events)} events so far, newest first")


def use_map(owner: Any, theatre: Any, control: Any, colours: Any, title: str) -> bytes:
    """A hook: the PNG of ``control`` on a map drawn once per ``owner`` (a run) and recoloured per frame."""
    canvas = solara.use_memo(lambda: MapCanvas(theatre, control, colours, title), dependencies=[owner])
    solara.use_effect(lambda: canvas.close, dependencies=[canvas])  # the figure goes with its run
    return solara.use_memo(lambda: canvas.frame(control, title), dependencies=[canvas, title])


@solara.component
def Line(bold: str, rest: str = ""):
    """A line of text starting in bold (plain HTML: Solara's Markdown would fetch KaTeX from a CDN)."""
    html = f"<b>{escape(bold)}</b>{escape(rest)}"
    solara.HTML(tag="div", unsafe_innerHTML=html, style="margin: 10px 0 4px")


@solara.component
def EventLog(events: Any, heading: str):
    """A run's events as a table (day, date, actor, kind, place, detail)."""
    Line(heading)
    if len(events):
        solara.DataFrame(events, items_per_page=EVENT_ROWS)
    else:
        solara.Text("No event yet.")


@solara.component
def BrowseView():
    """Open a results folder; its runs; one run's events and its map on a chosen day."""
    recent = solara.use_memo(recent_experiments, dependencies=[])
    folder = solara.use_reactive(recent[0] if recent else "")
    opened = solara.use_reactive(None)  # the FinishedExperiment
    error = solara.use_reactive("")

    def open_folder():
        try:
            opened.set(FinishedExperiment.open(folder.value))
            error.set("")
        except ViewerError as exc:
            error.set(str(exc))

    with solara.Card("Results folder"):
        if recent:
            solara.Select("Recent experiments (outputs/, multirun/)", values=recent, value=folder)
        solara.InputText("Folder", value=folder, continuous_update=True)
        solara.Button("Open", on_click=open_folder, color="primary")
        if error.value:
            solara.Error(error.value)
    if opened.value is not None:
        ExperimentView(opened.value)


@solara.component
def ExperimentView(exp: FinishedExperiment):
    """The runs of an opened experiment, and the chosen run's story."""
    ids = exp.run_ids()
    run_id = solara.use_reactive(ids[0] if ids else None)
    Line(exp.title)
    solara.DataFrame(exp.runs(), items_per_page=10)
    if not ids:
        solara.Warning("No run finished: there is no story to show.")
        return
    if run_id.value not in ids:  # another experiment was opened: its first run
        run_id.set(ids[0])
        return
    solara.Select("Run", values=ids, value=run_id)
    RunStory(exp, run_id.value)


@solara.component
def RunStory(exp: FinishedExperiment, run_id: int):
    """One finished run: the days that mattered, the map on the chosen day, the event log."""
    from sim.story import map_days

    day = solara.use_reactive(0)
    result = solara.use_memo(lambda: _replayed(exp, run_id), dependencies=[run_id])
    if isinstance(result, str):
        solara.Error(result)
        return
    events = exp.run_events(run_id)
    with solara.Row():
        solara.Text("Days that mattered:")
        for d in map_days(events, exp.horizon):
            solara.Button(f"day {d}", on_click=lambda d=d: day.set(d), text=True)
    solara.SliderInt("Day", value=day, min=0, max=exp.horizon)
    if not result:
        solara.Warning("The replay differs from the stored run (has the code changed since it ran?): "
                       "the map is the replay's.")  # fmt: skip
    StoryMap(exp, run_id, day.value)
    EventLog(events, f"Run {run_id}: {len(events)} events")


@solara.component
def StoryMap(exp: FinishedExperiment, run_id: int, day: int):
    """Control on one day of a finished run (replayed), with the places each side holds."""
    control = exp.control(run_id, day)
    held = ", ".join(f"{f}: {n} places" for f, n in control["holder"].value_counts().sort_index().items())
    title = f"Run {run_id}, day {day} ({exp.date(day)}): who holds each place"
    image = use_map((exp, run_id), exp.replay(run_id)[0].theatre, control, exp.colours(), title)
    Line(f"Run {run_id}, day {day} ({exp.date(day)})", f": {held}")
    solara.Image(image, width="60%")


def _replayed(exp: FinishedExperiment, run_id: int) -> bool | str:
    """Whether the replay of ``run_id`` matches the stored run, or the error that stopped it."""
    try:
        return exp.replay(run_id)[2]
    except ViewerError as exc:
        return str(exc)


def _value(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)
