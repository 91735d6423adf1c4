"""Two runs' stories in a report: a typical run, and one in which the headline event happened.

Rules, stated in the report:

* **typical**: the finished run closest to the ensemble's medians of its headline numeric outcomes
  (``summary.json``'s ``outcomes``): the smallest sum of ``|value - median| / IQR`` over those with a
  spread (ties: the lowest run id);
* **headline**: the lowest run id in which ``analysis.target``'s event happened (when the target is a
  yes/no question), else none.

Each is told by its key events from ``events.parquet`` (captures and turning points; protests and units
sent home are counted), with the command that replays it with maps (``python -m sim.story``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.limits import clip
from sim.results import EVENTS_FILE, Results, load_events
from sim.results.summary import answer

__all__ = ["KEY_EVENTS", "headline_run", "story_section", "typical_run"]

KEY_EVENTS = 15  # key events listed per run
ROUTINE = ("protests", "sent_home")  # counted, not listed


def typical_run(r: Results) -> int | None:
    """The ok run closest to the medians of the headline numeric outcomes (see the module docstring)."""
    ok = r.runs[r.runs["status"] == "ok"]
    names = [k for k, v in (r.summary.get("outcomes") or {}).items() if k in ok and isinstance(v, dict)]
    score = pd.Series(0.0, index=ok.index)
    used = 0
    for name in names:
        x = pd.to_numeric(ok[name], errors="coerce")
        q1, med, q3 = x.quantile([0.25, 0.5, 0.75])
        if not np.isfinite(q3 - q1) or q3 <= q1:
            continue
        score += ((x - med).abs() / (q3 - q1)).fillna(np.inf)
        used += 1
    if ok.empty:
        return None
    best = ok.assign(_s=score).sort_values(["_s", "run_id"], kind="stable")
    return int(best["run_id"].iloc[0]) if used else int(ok["run_id"].min())


def headline_run(r: Results) -> tuple[int | None, str]:
    """The lowest run id in which the target event happened, and the target's text."""
    target = (r.config.get("analysis") or {}).get("target") or ""
    q = (r.config.get("questions") or {}).get(target)
    if not q or q.get("op") == "quantiles" or q.get("outcome") not in r.runs:
        return None, ""
    ok = r.runs[r.runs["status"] == "ok"]
    if r.summary["questions"].get(target, {}).get("not_modelled"):
        return None, str(q.get("text", target))
    yes = ok[answer(ok, q).to_numpy()]
    return (int(yes["run_id"].min()) if len(yes) else None), str(q.get("text", target))


def story_section(results: dict[str, Results]) -> list[str]:
    """Markdown lines: for each experiment with events (at most two), its typical and headline runs."""
    md = ["", "## Two runs' stories", ""]
    md.append(
        "A **typical** run is the one closest to the ensemble's medians of the headline outcomes (the "
        "smallest sum of distances to the median in interquartile ranges); the **headline** run is the "
        "first (lowest run id) in which the report's target event happened. Key events only: captures, "
        "offensives, ceasefires, red lines, interventions, deals, the government's fall, the blockade; "
        "protests and units sent home are counted. Replay a run with its maps: `python -m sim.story "
        "FOLDER --run N`."
    )
    told = 0
    for label, r in results.items():
        if told == 2:
            break
        if not (Path(r.path) / EVENTS_FILE).is_file():
            md += [
                "",
                f"*{clip(label, 60)}*: no events recorded (results written before runs recorded them).",
            ]
            continue
        told += 1
        typical = typical_run(r)
        headline, text = headline_run(r)
        if typical is not None:
            md += _story(label, r, typical, "typical run")
        if headline is not None:
            md += _story(label, r, headline, f"headline run ({clip(text, 60)})")
        elif text:
            md += ["", f"*{clip(label, 60)}*: no headline run: in no run did this happen: {clip(text, 80)}."]
    return md


def _story(label: str, r: Results, run_id: int, what: str) -> list[str]:
    mine = load_events(r.path, run_id)  # this run's rows only: an ensemble's events can be many
    key = mine[~mine["kind"].isin(ROUTINE)]
    counts = {k: int((mine["kind"] == k).sum()) for k in ROUTINE}
    start = pd.Timestamp(str(r.summary["experiment"].get("start_date")))
    md = ["", f"### {clip(label, 60)}: {what}, run {run_id}", ""]
    for e in key.head(KEY_EVENTS).itertuples(index=False):
        date = (start + pd.Timedelta(days=int(e.day))).date()
        who = f"**{e.actor}** " if e.actor else ""
        where = f" at {e.place}" if e.place else ""
        detail = f": {clip(e.detail, 100)}" if e.detail else ""
        md.append(f"- day {e.day} ({date}): {who}{e.kind.replace('_', ' ')}{where}{detail}")
    if len(key) > KEY_EVENTS:
        md.append(f"- ... {len(key) - KEY_EVENTS} more key events")
    if not len(key):
        md.append("- no key event: the war goes on as it stood")
    routine = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
    if routine:
        md += ["", f"Also: {routine}."]
    md += ["", f"`python -m sim.story {r.path} --run {run_id}`"]
    return md
