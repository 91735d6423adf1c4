"""Golden summaries: a small seeded experiment per scenario, diffed against a committed summary.

A change in model behaviour shows up here and must be explained in the commit that makes it. To accept
new numbers deliberately: ``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and commit the files.

Each ``golden/<scenario>.txt`` reads top to bottom: comment lines (``#``), then ``[questions]`` with one
question per line (its probability and interval, or share defined and quantiles), then ``[runs]``: a table
with a header line and one run per line. Instead of a ``holder_<place>`` column per place, a run shows
``held`` (how many places each faction holds at the horizon) and ``changed`` (the places whose holder at
the horizon is not their day-0 holder, as ``place>holder``). ``-`` is empty text (e.g. no place changed).
"""

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.results.summary import summarise
from sim.runner.compose import compose
from sim.runner.experiment import prepare
from sim.runner.runs import run_experiment

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = ["baseline", "ceasefire_pretext", "turkey_russia_deal", "eastern_unrest"]
OVERRIDES = ["mc=smoke", "mc.runs=12", "horizon_days=60", "mc.seed=7"]
DIGITS = 10  # significant digits of a float in the files
REL_TEXT = "1e-9"  # the runs are deterministic: the tolerance only absorbs the float formatting above
REL = float(REL_TEXT)
QUESTION_FIELDS = ("probability", "interval", "defined", "quantiles")
FIRST_COLUMNS = ["run_id", "seed", "status"]  # then the other outcome columns by name, then held, changed
EMPTY = "-"


def small_experiment(scenario: str) -> tuple[pd.DataFrame, dict, dict[str, str]]:
    """The runs (one row each), the summary and each place's day-0 holder, from the current code."""
    exp = prepare(compose([f"scenario={scenario}", *OVERRIDES]))
    runs, _ = run_experiment(exp, executor="serial", progress=False)
    runs = runs.drop(columns=["design_point", "replication", "error"])
    questions = {k: vars(v) for k, v in exp.config.questions.items()}
    meta = {"scenario": scenario, "horizon_days": 60, "seed": 7}
    summary = summarise(runs, questions, meta, exp.mechanisms_on)
    day0 = {pid: place.control for pid, place in exp.theatre.places.items()}
    return runs, summary, day0


# ---- writing ---------------------------------------------------------------------------------------------


def fmt(x: Any) -> str:
    """One value as one token: floats with DIGITS significant digits and always a '.', 'e' or 'nan'."""
    if x is None:
        return "none"
    if isinstance(x, bool | np.bool_):
        return "true" if x else "false"
    if isinstance(x, int | np.integer):
        return str(int(x))
    if isinstance(x, float | np.floating):
        s = f"{float(x):.{DIGITS}g}"
        return s if any(c in s for c in ".en") else s + ".0"
    s = str(x)
    assert s != EMPTY and not any(c.isspace() for c in s), f"value {s!r} would not read back as one token"
    return s or EMPTY


def holders_summary(runs: pd.DataFrame, day0: dict[str, str]) -> pd.DataFrame:
    """The holder_<place> columns replaced by ``held`` and ``changed`` (place, faction ids from the data)."""
    places = sorted(c.removeprefix("holder_") for c in runs.columns if c.startswith("holder_"))
    factions = sorted({str(h) for p in places for h in runs[f"holder_{p}"]} | set(day0.values()))
    held, changed = [], []
    for _, row in runs.iterrows():
        now = {p: str(row[f"holder_{p}"]) for p in places}
        held.append(",".join(f"{f}:{sum(h == f for h in now.values())}" for f in factions))
        changed.append(",".join(f"{p}>{h}" for p, h in now.items() if h != day0[p]))
    out = runs.drop(columns=[f"holder_{p}" for p in places])
    return out.assign(held=held, changed=changed)


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def golden_text(scenario: str, runs: pd.DataFrame, summary: dict, day0: dict[str, str]) -> str:
    """The golden file of one scenario."""
    assert (runs["scenario"] == scenario).all()
    runs = holders_summary(runs.drop(columns=["scenario"]), day0)
    rest = sorted(c for c in runs.columns if c not in FIRST_COLUMNS and c not in ("held", "changed"))
    columns = [*FIRST_COLUMNS, *rest, "held", "changed"]
    e = summary["experiment"]
    lines = [
        f"# Golden summary: scenario={scenario} {' '.join(OVERRIDES)}, serial executor.",
        "# Written by tests/test_golden.py (UPDATE_GOLDEN=1 rewrites it), which compares it value by value:",
        f"# floats ({DIGITS} significant digits here) at rel {REL_TEXT}, integers, text and flags exactly.",
        "# held: places each faction holds at the horizon; changed: place>holder where the holder at the",
        "# horizon is not the day-0 holder; '-' is empty text.",
        f"# runs={e['runs']} ok={e['ok']} failed={e['failed']}; intervals: {e['interval']}",
        "",
        "[questions]",
    ]
    rows = []
    for qid, q in sorted(summary["questions"].items()):
        pairs = []
        for name in QUESTION_FIELDS:
            v = q.get(name)
            if isinstance(v, dict):
                pairs += [f"{k}={fmt(x)}" for k, x in v.items()]
            elif isinstance(v, list | tuple):
                pairs.append(f"{name}={','.join(fmt(x) for x in v)}")
            elif v is not None:
                pairs.append(f"{name}={fmt(v)}")
        rows.append([qid, " ".join(pairs) or f"not modelled ({q.get('not_modelled')})"])
    lines += table(rows)
    lines += ["", "[runs]"]
    lines += table([columns] + [[fmt(row[c]) for c in columns] for _, row in runs.iterrows()])
    return "\n".join(lines) + "\n"


# ---- reading and comparing -------------------------------------------------------------------------------


@dataclass
class Golden:
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


def value(token: str) -> Any:
    """A token back to a value: int, float (has '.', 'e' or is nan/inf), or text (flags stay text)."""
    if re.fullmatch(r"[+-]?\d+", token):
        return int(token)
    if "," in token:
        return tuple(value(t) for t in token.split(","))
    try:
        return float(token)
    except ValueError:
        return "" if token == EMPTY else token


def parse(text: str) -> Golden:
    g, section = Golden(), None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line in ("[questions]", "[runs]"):
            section = line
        elif section == "[questions]":
            qid, rest = line.split(None, 1)
            if rest.startswith("not modelled"):
                g.questions[qid] = {"not_modelled": rest}
            else:
                g.questions[qid] = {k: value(v) for k, v in (p.split("=", 1) for p in rest.split())}
        elif section == "[runs]" and not g.columns:
            g.columns = line.split()
        elif section == "[runs]":
            tokens = line.split()
            assert len(tokens) == len(g.columns), f"line {n}: {len(tokens)} values, {len(g.columns)} columns"
            g.runs.append({c: t for c, t in zip(g.columns, tokens, strict=True)})
        else:
            raise AssertionError(f"line {n} is outside [questions] and [runs]: {line!r}")
    return g


def same(want: Any, got: Any) -> bool:
    if isinstance(want, tuple) or isinstance(got, tuple):
        return (
            isinstance(want, tuple)
            and isinstance(got, tuple)
            and len(want) == len(got)
            and all(same(w, g) for w, g in zip(want, got, strict=True))
        )
    if isinstance(want, float) and isinstance(got, float):
        return (math.isnan(want) and math.isnan(got)) or math.isclose(want, got, rel_tol=REL, abs_tol=0.0)
    return type(want) is type(got) and want == got


def differences(want: Golden, got: Golden) -> list[str]:
    """Every difference, one line each, naming the question or the run and column."""
    out = []
    for qid in sorted(want.questions.keys() | got.questions.keys()):
        w, g = want.questions.get(qid), got.questions.get(qid)
        if w is None or g is None:
            out.append(f"question {qid}: {'new' if w is None else 'gone'}")
            continue
        for k in sorted(w.keys() | g.keys()):
            if not same(w.get(k), g.get(k)):
                out.append(f"question {qid}, {k}: golden {w.get(k, 'absent')}, now {g.get(k, 'absent')}")
    if want.columns != got.columns:
        out.append(f"run columns: golden {want.columns}, now {got.columns}")
    if len(want.runs) != len(got.runs):
        out.append(f"runs: golden {len(want.runs)}, now {len(got.runs)}")
    for w, g in zip(want.runs, got.runs, strict=False):
        run = w.get("run_id", "?")
        for c in want.columns:
            if c in g and not same(value(w[c]), value(g[c])):
                out.append(f"run {run}, column {c}: golden {w[c]}, now {g[c]}")
    return out


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden_summary(scenario):
    path = GOLDEN / f"{scenario}.txt"
    text = golden_text(scenario, *small_experiment(scenario))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
        pytest.skip(f"golden file written: {path.name}")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 and commit it"
    diff = differences(parse(path.read_text()), parse(text))
    shown = "\n  ".join(diff[:30]) + (f"\n  ... and {len(diff) - 30} more" if len(diff) > 30 else "")
    head = f"{scenario}: {len(diff)} value(s) differ from {path.name} (floats at rel {REL_TEXT})"
    assert not diff, f"{head}:\n  {shown}"
