"""What each experiment assumes, for the top of its report (``summary.json``'s ``scenario``).

Its scenario's description, the mechanisms on, every value that differs from the theatre's baseline, the
parameters its runs sample with their distributions, and, for several experiments, the values in which they
differ from one another (the first is the reference of the comparisons).
"""

from __future__ import annotations

from typing import Any

from sim.analysis.report_tables import table_cell
from sim.limits import MAX_ROWS, clip
from sim.results import Results

__all__ = ["differing", "scenario_sections"]


def scenario_sections(results: dict[str, Results]) -> list[str]:
    """Markdown lines: one subsection per experiment, then what differs between them."""
    md = ["", "## What each experiment assumes", ""]
    if len(results) > 1:
        md.append(
            f"The first, **{clip(next(iter(results)), 60)}**, is the reference of the comparisons below."
        )
        md.append("")
    for label, r in list(results.items())[:MAX_ROWS]:
        md += _one(label, r, several=len(results) > 1)
    if len(results) > 1:
        md += _between(results)
    return md


def _one(label: str, r: Results, *, several: bool) -> list[str]:
    s = r.summary.get("scenario")
    md = [f"### {clip(label, 80)}", ""] if several else []
    if not s:
        return [
            *md,
            f"Scenario `{r.scenario}`: what it assumes was not recorded (results written before it was).",
            "",
        ]
    md.append(f"Scenario `{s['name']}`: {s.get('description') or '(no description)'}")
    md += ["", f"Mechanisms on: {', '.join(f'`{m}`' for m in s.get('mechanisms_on') or []) or 'none'}."]
    differs = s.get("differs") or []
    if not s.get("baseline"):
        md += [
            "",
            "The values that differ from the baseline were not recorded (the baseline did not compose).",
        ]
    elif not differs:
        md += ["", "Every value is the theatre's baseline: the scenario and the command line change nothing."]
    else:
        md += [
            "",
            "Values that differ from the theatre's baseline (the scenario file and the command line):",
            "",
        ]
        md += ["| setting | here | baseline |", "|---|---|---|"]
        md += [
            f"| `{clip(d['key'], 80)}` | {_v(d['value'])} | {_v(d['baseline'])} |" for d in differs[:MAX_ROWS]
        ]
        total = int(s.get("differs_total") or len(differs))
        if total > min(len(differs), MAX_ROWS):
            md += [
                "",
                f"(showing {min(len(differs), MAX_ROWS)} of {total:,}; all in `summary.json`, `scenario`.)",
            ]
    sampled = s.get("sampled") or []
    if sampled:
        md += ["", "Sampled by the runs (each run draws its own value; `runs.parquet` records it):", ""]
        for p in sampled[:MAX_ROWS]:
            spec = ", ".join(f"{k} {_v(v)}" for k, v in p.items() if k not in ("key", "dist"))
            md.append(f"- `{clip(p['key'], 80)}`: {p.get('dist', '?')} ({spec})")
    else:
        md += ["", "No parameter is sampled: the runs differ only by their seeds."]
    if s.get("posterior"):
        md += ["", f"Parameters drawn from the calibrated posterior `{s['posterior']}`."]
    for qid, why in (s.get("assumes") or {}).items():
        md += ["", f"Assumed by the scenario, not forecast: `{qid}` ({clip(why, 200)})."]
    return [*md, ""]


def differing(results: dict[str, Results]) -> dict[str, dict[str, Any]]:
    """Setting -> experiment label -> its value, for the settings whose values differ between experiments."""
    values: dict[str, dict[str, Any]] = {}
    base: dict[str, Any] = {}
    for label, r in results.items():
        for d in (r.summary.get("scenario") or {}).get("differs") or []:
            values.setdefault(d["key"], {})[label] = d["value"]
            base[d["key"]] = d["baseline"]
    out = {}
    for key, got in values.items():
        row = {label: got.get(label, base[key]) for label in results}
        if len({repr(v) for v in row.values()}) > 1:
            out[key] = row
    return out


def _between(results: dict[str, Results]) -> list[str]:
    labels = list(results)[:8]
    diff = differing(results)
    md = ["### What differs between the experiments", ""]
    if not diff:
        same = {r.scenario for r in results.values()}
        return [
            *md,
            "No recorded setting differs between them" + (" (one scenario)." if len(same) == 1 else "."),
        ]
    md.append("| setting | " + " | ".join(clip(k, 30) for k in labels) + " |")
    md.append("|---" * (len(labels) + 1) + "|")
    for key, row in list(diff.items())[:MAX_ROWS]:
        md.append(f"| `{clip(key, 70)}` | " + " | ".join(_v(row[k]) for k in labels) + " |")
    if len(diff) > MAX_ROWS or len(results) > len(labels):
        md += ["", f"(showing at most {MAX_ROWS} settings and {len(labels)} experiments.)"]
    return md


def _v(x: Any) -> str:
    if isinstance(x, bool):
        return "on" if x else "off"
    if isinstance(x, float):
        return f"{x:g}"
    return table_cell(x, 60)
