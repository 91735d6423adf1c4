"""A run's story: ``python -m sim.story RESULTS --run N``.

Replays run ``N`` of a finished experiment exactly (its saved config, the run's seed and sampled values: the
runner's determinism makes the replay the run) and tells what happened in it: the events the model
logs (captures, offensives, ceasefire offers, acceptances and breaches, red lines, interventions, deals,
clashes, protests, units sent home, the government's fall, the blockade lifted), one line each, and a strip
of control maps on the days that mattered (day 0, the days of the first few captures and turning points,
the last day). It checks the replay against the stored run (its outcomes) and says if they differ (the
code changed since the experiment ran).

Writes ``story-<N>.csv`` (the events) and ``figures/story-<N>.png`` (the strip) into the results folder, or
``--out``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.command import ArgumentParser, run_command
from sim.errors import UserError
from sim.inputs import output_folder, writing
from sim.limits import clip, print_lines
from sim.results import atomic_write, load_experiment

__all__ = ["TURNING_POINTS", "date_of", "main", "replay"]

#: Kinds of event that make a day worth a map, besides captures.
TURNING_POINTS = ("ceasefire_accepted", "ceasefire_broken", "intervention", "deal", "deal_broken",
                  "patrons_clash", "government_falls", "blockade_lifted")  # fmt: skip
MAPS = 6  # control maps in the strip
SHOWN = 60  # events printed (all are in the CSV)


class StoryError(UserError):
    """Bad input to sim.story (one line, shown without a traceback)."""


def replay(res: Any, run_id: int) -> tuple[Any, dict[int, list[str]], bool]:
    """Run ``run_id`` of ``res`` again; returns the model, control on each day, and whether it matches.

    Raises:
        StoryError: no such run, or a run that failed.
    """
    from omegaconf import OmegaConf

    from sim.config import Config, register_configs
    from sim.model import ConflictModel, release_mesa_caches
    from sim.runner.experiment import prepare
    from sim.runner.runs import task_setup
    from sim.runner.tasks import Task

    rows = res.runs[res.runs["run_id"] == run_id]
    if rows.empty:
        ids = res.runs["run_id"]
        raise StoryError(f"--run: no run {run_id} in {res.path}; allowed: {ids.min()} to {ids.max()}")
    row = rows.iloc[0]
    if row["status"] != "ok":
        why = clip(row.get("error", ""), 120)
        raise StoryError(f"--run: run {run_id} failed ({why}); a failed run has no story to replay")
    register_configs()
    exp = prepare(OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.create(res.config)))
    values = {k: _plain(row[k]) for k in exp.parameter_keys if k in row}
    task = Task(int(row["run_id"]), int(row["seed"]), int(row.get("design_point", 0)),
                int(row.get("replication", 0)), values)  # fmt: skip
    config, theatre = task_setup(exp, task)
    model = ConflictModel(theatre, config.mechanisms, config.horizon_days, rng=task.seed)
    control = {0: list(model.control)}
    try:
        for _ in range(config.horizon_days):
            model.step()
            control[model.steps] = list(model.control)
    finally:
        release_mesa_caches(model)
    outcomes = model.outcomes()
    same = all(_same(outcomes.get(k), row[k]) for k in ("front_km_final", "fatalities_total") if k in row)
    return model, control, same


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    except (TypeError, ValueError):
        return a == b


def date_of(start_date: str, day: int) -> str:
    """The calendar date (ISO) of model day ``day`` of a theatre starting on ``start_date``."""
    return (pd.Timestamp(start_date) + pd.Timedelta(days=int(day))).date().isoformat()


def events_frame(model: Any) -> pd.DataFrame:
    """The run's events (day, date, actor, kind, place, detail), in order."""
    df = pd.DataFrame(model.events, columns=["day", "actor", "kind", "place", "detail"])
    df.insert(1, "date", [date_of(model.theatre.start_date, d) for d in df["day"]])
    return df


def map_days(events: pd.DataFrame, horizon: int) -> list[int]:
    """Day 0, the days of the first captures and turning points (up to ``MAPS - 2``), and the last day."""
    key = events[(events["kind"] == "capture") | events["kind"].isin(TURNING_POINTS)]
    middle = list(dict.fromkeys(int(d) for d in key["day"] if 0 < d < horizon))[: MAPS - 2]
    return sorted({0, *middle, horizon})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.story RESULTS --run N [--out DIR]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(prog="python -m sim.story", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder")
    ap.add_argument("--run", type=int, required=True, help="the run's id (runs.parquet, run_id)")
    ap.add_argument("--out", help="where to write story-<N>.csv and figures/ (default: the results folder)")
    args = ap.parse_args(argv)
    out = output_folder(args.out or args.results, "--out" if args.out else "results folder", StoryError)
    res = load_experiment(args.results, variables=[])  # the runs and config: the replay makes the rest
    model, control, same = replay(res, args.run)
    events = events_frame(model)
    names = {pid: p.name for pid, p in model.theatre.places.items()}
    lines = [_line(e, names) for e in events.itertuples(index=False)]
    csv, figure = out / f"story-{args.run}.csv", out / "figures" / f"story-{args.run}.png"
    days = map_days(events, model.horizon_days)
    with writing(out):
        atomic_write(csv, lambda p: events.to_csv(p, index=False))
        title = f"Run {args.run} ({res.scenario}): who held what on the days that mattered"
        _strip(res, model, control, events, days, figure, title)
    row = res.runs[res.runs["run_id"] == args.run].iloc[0]
    print(f"Run {args.run} of {res.path} ({res.scenario}, seed {row['seed']}): {len(events)} events")
    print_lines(lines, csv.name, limit=SHOWN)
    if not same:
        print("warning: the replay differs from the stored run (the code changed since it ran?): "
              "the story is the replay's")  # fmt: skip
    print(f"events: {csv}; maps of days {', '.join(map(str, days))}: {figure}")
    return 0


def _line(e: Any, names: dict[str, str]) -> str:
    where = clip(names.get(e.place, e.place), 20)
    head = f"day {e.day:>3} {e.date}  {clip(e.actor or '-', 18):<18} {e.kind:<26} {where:<20}"
    return f"{head} {clip(e.detail, 70)}".rstrip()


def _strip(res, model, control, events: pd.DataFrame, days: list[int], path: Path, title: str) -> None:
    """Control maps of the given days, side by side (two per row), with each day's key events."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.report_tables import faction_colours, geography
    from sim.figures import save_png
    from sim.plots import one_run_shares, plot_map

    places, roads = geography(res)
    factions = faction_colours(res)
    images = []
    for d in days:
        shares = one_run_shares(control[d], model.theatre.place_ids, factions)
        key = (events["kind"] == "capture") | events["kind"].isin(TURNING_POINTS)
        today = events[(events["day"] == d) & key]
        what = "; ".join(f"{k} {p}".strip() for k, p in zip(today["kind"], today["place"], strict=True))
        date = date_of(model.theatre.start_date, d)
        title_d = clip(f"Day {d} ({date}): {what or 'control'}", 90)
        fig, _ = plot_map(places, roads, shares, factions=factions, title=title_d, one_run=True)
        buf = io.BytesIO()
        fig.savefig(buf, dpi=70, format="png", bbox_inches="tight")
        plt.close(fig)
        buf.seek(0)
        images.append(plt.imread(buf))
    rows = math.ceil(len(images) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(14, 5.2 * rows), squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img in zip(axes.ravel(), images, strict=False):
        ax.imshow(img)
    fig.suptitle(title, x=0.01, ha="left")
    save_png(fig, path, dpi=100)


if __name__ == "__main__":
    run_command(main)
