"""The validation section of a report: sourced patterns against the ensemble (``validation.json``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sim.analysis.report_tables import table_cell
from sim.limits import MAX_ROWS, clip

__all__ = ["FIGURE", "VALIDATION_FILE", "report_sections", "summary_line", "tally", "validation_section"]

VALIDATION_FILE = "validation.json"
FIGURE = "figures/validation.png"


def tally(compared: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Patterns per sample (out, in) and status: ``{"out": {"reproduced": 2, ...}, "in": {...}}``."""
    out: dict[str, dict[str, int]] = {"out": {}, "in": {}}
    for c in compared:
        counts = out[c["sample"]]
        counts[c["status"]] = counts.get(c["status"], 0) + 1
    return out


def _counted(counts: dict[str, int]) -> str:
    checked = sum(counts.get(x, 0) for x in ("reproduced", "not reproduced", "not resolved"))
    text = f"{counts.get('reproduced', 0)} of {checked} reproduced"
    if counts.get("not resolved"):
        text += f", {counts['not resolved']} not resolved"
    if counts.get("not checked"):
        text += f", {counts['not checked']} not checked"
    return text


def summary_line(compared: list[dict[str, Any]]) -> str:
    """``Out-of-sample patterns: 1 of 3 reproduced; in-sample: 1 of 1 reproduced (they test little)``."""
    t = tally(compared)
    parts = []
    if t["out"]:
        parts.append(f"out-of-sample patterns: {_counted(t['out'])}")
    if t["in"]:
        parts.append(f"in-sample: {_counted(t['in'])} (the model was fitted to them: they test little)")
    return "; ".join(parts).capitalize() if parts else "No pattern"


def report_sections(results: dict[str, Any], out: Path) -> list[str]:
    """The section of each experiment validated (a ``validation.json`` in its folder) for ``report.md``.

    Args:
        results: scenario label -> :class:`sim.results.Results`.
        out: the folder of ``report.md`` (figure links are relative to it).
    """
    md: list[str] = []
    for label, res in results.items():
        path = Path(res.path) / VALIDATION_FILE
        if not path.is_file():
            continue
        doc = json.loads(path.read_text())
        figure = Path(res.path) / FIGURE
        link = os.path.relpath(figure, out) if figure.is_file() else None
        md += validation_section(doc, link, label if len(results) > 1 else None)
    return md


def validation_section(doc: dict[str, Any], figure: str | None, label: str | None = None) -> list[str]:
    """Markdown lines of the section, from a ``validation.json`` document and the figure's link."""
    compared = doc["patterns"]
    md = ["", "## Validation against sourced patterns" + (f": {label}" if label else ""), ""]
    md.append(
        f"Patterns of the record (`{doc['file']}`), each at its own scale, set against the "
        f"{doc['experiment']['ok']:,} runs of this experiment. A pattern is **reproduced** when every "
        "observed point lies inside the ensemble's 90 % band of that point (5th to 95th percentile over "
        "the runs) and at least 5 % of the runs match every point at once (points can each be plausible "
        "while no run shows them together); otherwise it is **not reproduced**. The last column gives "
        "that share; when its interval spans 5 % the pattern is **not resolved** (more runs would "
        "settle it). A pattern marked in-sample is one the model was fitted to (a parameter tuned to its "
        "fact, or a calibration on it): reproducing it tests little."
    )
    md += ["", f"**{summary_line(compared)}.** These verdicts are about the runs of this experiment (its "
           "scenario and parameters): a pattern not reproduced points to a mechanism or an assumption to "
           "examine.", ""]  # fmt: skip
    md += ["| pattern | scale | sample | verdict | runs matching every point |", "|---|---|---|---|---|"]
    for c in compared[:MAX_ROWS]:
        j = c.get("joint")
        joint = "-" if not j else f"{100 * j['share']:.0f} % [{100 * j['low']:.0f}, {100 * j['high']:.0f}]"
        cells = [table_cell(c["text"], 120), table_cell(c["scale"], 120), c["sample"],
                 f"{c['status']}: {table_cell(c['reason'], 120)}", joint]  # fmt: skip
        md.append("| " + " | ".join(cells) + " |")
    md += [
        "",
        "| pattern | point | observed | ensemble median [90 % band] | inside |",
        "|---|---|---|---|---|",
    ]
    shown = 0
    for c in compared:
        for p in c["points"]:
            if shown == MAX_ROWS:
                break
            shown += 1
            band = "-" if p.get("p50") is None else f"{_n(p['p50'])} [{_n(p['p05'])}, {_n(p['p95'])}]"
            inside = {True: "yes", False: f"no (observed {p['side']} the band)", None: "no value"}[
                p.get("inside")
            ]
            md.append(
                f"| {c['id']} | {p['date']}: {table_cell(p['describe'], 120)} | {_observed(p)} | {band} "
                f"| {inside} |"
            )
    hidden = sum(len(c["points"]) for c in compared) - shown
    if hidden > 0 or len(compared) > MAX_ROWS:
        md += ["", f"(Tables cut to {MAX_ROWS} rows; every pattern and point is in `{VALIDATION_FILE}`.)"]
    later = [f"{c['id']} ({', '.join(c['later'])})" for c in compared if c.get("later")]
    if later:
        md += ["", "Points dated after the horizon, left out: " + clip("; ".join(later), 300) + "."]
    if figure:
        md += ["", f"![The observed patterns over the ensemble's bands]({figure})"]
    md += ["", "Sources: " + "; ".join(f"{c['id']}: {clip(c['source'], 200)}" for c in compared[:MAX_ROWS])]
    return md


def _observed(p: dict[str, Any]) -> str:
    if p["op"] == "near":
        return f"{_n(p['value'])} +- {_n(p['tolerance'])}" if p["tolerance"] else _n(p["value"])
    return f"{'at most' if p['op'] == 'le' else 'at least'} {_n(p['value'])}"


def _n(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
