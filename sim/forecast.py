r"""Forecasts as of dates, conditioned on the record known by then: ``python -m sim.forecast``.

Give a finished experiment, the dated record (an observations file, the format of :mod:`sim.calibrate`:
each fact a condition on a run's results with a tolerance), the as-of dates, and optionally the
resolutions (:mod:`sim.score`)::

    python -m sim.forecast RESULTS seeds/record_2020.yaml --as-of 2020-06-07 2020-07-07 2020-08-19 \\
        --resolutions seeds/resolutions_2020.yaml

For each date, the runs consistent with every fact dated up to it are kept, and each yes/no question
modelled (and not assumed by the scenario) and still open (its horizon ends after the date and it had
not resolved) is answered over them (:mod:`sim.analysis.as_of`). It prints a line per date (runs
consistent, a warning when fewer than 30 remain, each question's probability; with resolutions, the mean
Brier score of the questions it scores then) and writes ``forecast.json`` and
``figures/forecast_as_of.png`` (each question's probability against the as-of date) into the results
folder, or ``--out``. Default dates: day 0 and each fact's date. Facts dated after the experiment's
horizon are left out, with a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.as_of import MIN_MATCHED, as_of
from sim.analysis.forecast_scores import ScoreError, load_resolutions
from sim.analysis.observations import LATEST, CalibrationError, load_observations
from sim.command import ArgumentParser, run_command
from sim.inputs import a_date, output_folder, read_entries, writing
from sim.limits import clip, print_lines
from sim.results import load_experiment, write_json

__all__ = ["FORECAST_FILE", "main"]

FORECAST_FILE = "forecast.json"
SHOWN = 16  # questions printed per date (all are in forecast.json)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.forecast RESULTS RECORD.yaml [--as-of DATE ...] [--resolutions R.yaml] [--out DIR]``.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(prog="python -m sim.forecast", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder")
    ap.add_argument("record", help="YAML file of dated observations (the observations format)")
    ap.add_argument("--as-of", nargs="+", help="dates (YYYY-MM-DD); default: day 0 and each fact's date")
    ap.add_argument("--resolutions", help="YAML file of resolved questions, to score each date's forecast")
    ap.add_argument("--out", help="where to write forecast.json and figures/ (default: the results folder)")
    args = ap.parse_args(argv)
    out = output_folder(args.out or args.results, "--out" if args.out else "results folder", ScoreError)
    res = load_experiment(args.results, variables=lambda config, summary: _needed(args.record, summary))
    e = res.summary["experiment"]
    start, horizon = dt.date.fromisoformat(str(e["start_date"])), int(e["horizon_days"])
    variables = sorted(res.summary.get("series") or res.series["variable"].unique().tolist())
    record = load_observations(args.record, start.isoformat(), LATEST, list(res.runs.columns), variables)
    later = [o.id for o in record if o.day > horizon]  # the record goes on; the runs stop at the horizon
    record = [o for o in record if o.day <= horizon]
    questions = res.config.get("questions") or {}
    resolutions = None
    if args.resolutions:
        resolutions = {r["question"]: r for r in load_resolutions(args.resolutions, questions)}
    dates = _dates(args.as_of, record, start, horizon)
    ok = res.runs[res.runs["status"] == "ok"].reset_index(drop=True)
    answered = res.summary["questions"]  # not modelled, or assumed by the scenario: nothing to forecast
    modelled = {
        k: q
        for k, q in questions.items()
        if not (answered.get(k, {}).get("not_modelled") or answered.get(k, {}).get("assumed"))
    }
    steps = [as_of(ok, res.series, record, modelled, start, horizon, d, resolutions) for d in dates]
    doc = {"experiment": {k: e.get(k) for k in ("scenario", "start_date", "horizon_days")} | {"ok": len(ok)},
           "record": str(args.record), "min_matched": MIN_MATCHED, "as_of": steps}  # fmt: skip
    with writing(out):
        write_json(doc, out / FORECAST_FILE)
        figure = _figure(steps, {k: q["text"] for k, q in questions.items()}, str(e.get("scenario", "")), out)
    if later:
        left = ", ".join(clip(x, 40) for x in later[:SHOWN]) + (", ..." if len(later) > SHOWN else "")
        print(f"note: {len(later)} facts dated after the horizon (day {horizon}) left out: {left}")
    print_lines([_line(s) for s in steps], FORECAST_FILE)
    print(f"forecast: {out / FORECAST_FILE}; figure: {figure}")
    return 0


def _needed(record: str, summary: dict[str, Any]) -> list[str] | None:
    """The series the record's facts read; an ensemble's other series are not loaded.

    None (all of them) for results written before the summary listed its series. The record itself is
    checked after loading (:func:`load_observations`).
    """
    if not summary.get("series"):
        return None
    entries = read_entries(record, "observations", CalibrationError)
    return sorted(
        {x["variable"] for x in entries if isinstance(x, dict) and isinstance(x.get("variable"), str)}
    )


def _dates(given: list[str] | None, record, start: dt.date, horizon: int) -> list[dt.date]:
    """The as-of dates, checked to lie within the experiment, in order."""
    if not given:
        return sorted({start, *(dt.date.fromisoformat(o.date) for o in record)})
    dates = []
    for i, d in enumerate(given):
        date = a_date(d, f"--as-of[{i}]", ScoreError)
        if not 0 <= (date - start).days <= horizon:
            end = start + dt.timedelta(days=horizon)
            raise ScoreError(f"--as-of[{i}]: {date} lies outside the experiment ({start} to {end})")
        dates.append(date)
    return sorted(set(dates))


def _line(s: dict[str, Any]) -> str:
    """One date: runs consistent with the record, each open question's probability, the mean Brier."""
    warn = f" (fewer than {MIN_MATCHED}: rests on few runs)" if s["few"] else ""
    head = f"as of {s['date']} (day {s['day']}, {len(s['known'])} facts): "
    head += f"{s['matched']:,} of {s['runs']:,} runs consistent{warn}"
    shown = list(s["questions"].items())[:SHOWN]
    answers = ", ".join(f"{clip(k, 30)} {_pct(q['probability'])}" for k, q in shown)
    if len(s["questions"]) > SHOWN:
        answers += f", ... {len(s['questions']) - SHOWN} more in {FORECAST_FILE}"
    scored = [q["brier"] for q in s["questions"].values() if q.get("brier") is not None]
    score = f"; Brier {np.mean(scored):.3f} over {len(scored)} resolved" if scored else ""
    return f"{head}: {answers or 'no question open'}{score}"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.0f} %"


def _figure(steps: list[dict[str, Any]], texts: dict[str, str], scenario: str, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from sim.figures import save_png
    from sim.plots import plot_as_of

    return save_png(plot_as_of(steps, texts, scenario=scenario)[0], out / "figures" / "forecast_as_of.png")


if __name__ == "__main__":
    run_command(main)
