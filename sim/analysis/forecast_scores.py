"""Forecasts scored against what happened: the resolutions read and checked, the score table.

The engine of ``python -m sim.score`` (:mod:`sim.score` documents the resolutions file, the scores and
the command): :func:`load_resolutions` checks a resolutions file against the experiment's questions,
:func:`score` scores each resolved question's forecast with the proper scores of
:mod:`sim.analysis.scoring`. Reads results only.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.scoring import brier, crps_ensemble, log_score
from sim.errors import UserError
from sim.inputs import a_date, finite_number, known_fields, once, read_entries, show
from sim.limits import listing
from sim.results import Results
from sim.results.summary import answer, decided_day

__all__ = ["FIELDS", "ScoreError", "fitted_events", "load_resolutions", "score"]


class ScoreError(UserError):
    """Bad input (one line, shown without a traceback)."""


FIELDS = ("question", "outcome", "value", "date", "source", "base_rate", "event")


def load_resolutions(path: str | Path, questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Read and check a resolutions file against the experiment's questions.

    Raises:
        ScoreError: one line naming the file, the entry and field at fault, and what is allowed; a
            question resolved twice is refused too.
    """
    entries = read_entries(path, "resolutions", ScoreError)
    if not questions:
        raise ScoreError(f"{path}: the experiment has no questions to resolve")
    out, seen = [], {}
    for i, e in enumerate(entries):
        entry = f"resolutions[{i}]"
        key = f"{path}: {entry}"
        known_fields(e, key, FIELDS, ScoreError, "a mapping with question, outcome or value, date, source")
        qid = e.get("question")
        if not isinstance(qid, str) or qid not in questions:
            raise ScoreError(f"{key}.question: got {show(qid)}; allowed: {listing(questions)}")
        once(seen, qid, f"{key}.question", entry, ScoreError)
        numeric = questions[qid]["op"] == "quantiles"
        field, other = ("value", "outcome") if numeric else ("outcome", "value")
        kind = "numeric" if numeric else "yes/no"
        if field not in e:
            raise ScoreError(f"{key}.{field}: missing (question {show(qid)} is {kind})")
        if other in e:
            raise ScoreError(f"{key}.{other}: not for question {show(qid)} ({kind}); give its {field} only")
        if numeric:
            finite_number(e["value"], f"{key}.value", ScoreError)
        elif not isinstance(e["outcome"], bool):
            raise ScoreError(f"{key}.outcome: got {show(e['outcome'])}; allowed: true or false")
        source = e.get("source")
        if not str(source or "").strip():
            raise ScoreError(f"{key}.source: missing; every resolution names where it is recorded")
        if not isinstance(source, str):
            raise ScoreError(f"{key}.source: got {show(source)}; allowed: text naming where it is recorded")
        date = a_date(e.get("date"), f"{key}.date", ScoreError)
        base = e.get("base_rate")
        if base is not None and numeric:
            raise ScoreError(
                f"{key}.base_rate: not for question {show(qid)} (numeric); allowed on yes/no questions"
            )
        event = e.get("event", qid)
        if not isinstance(event, str) or not event.strip():
            raise ScoreError(f"{key}.event: got {show(event)}; allowed: the id of the fact it resolves on")
        row = {"question": qid, "date": date.isoformat(), "source": source.strip(), "numeric": numeric}
        row["event"] = event.strip()
        if numeric:
            row["value"] = e["value"]
        else:
            row["outcome"] = e["outcome"]
            if base is not None:
                row["base_rate"] = finite_number(base, f"{key}.base_rate", ScoreError, low=0, high=1)
        out.append(row)
    return out


def score(res: Results, resolutions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score the experiment's forecasts of the resolved questions (see :mod:`sim.score`).

    Raises:
        ScoreError: no run finished ok.
    """
    questions = res.config.get("questions", {})
    ok = res.runs[res.runs["status"] == "ok"]
    if ok.empty:
        raise ScoreError(f"{res.path}: no run finished ok (all {len(res.runs):,} failed); nothing to score")
    start = dt.date.fromisoformat(str(res.summary["experiment"].get("start_date")))
    horizon = int(res.summary["experiment"].get("horizon_days", 0))
    rows, skipped, notes = [], [], []
    fitted = fitted_events(res.config)
    for r in resolutions:
        qid = r["question"]
        q = questions[qid]
        summary_q = res.summary["questions"].get(qid, {})
        if summary_q.get("not_modelled"):
            skipped.append({"question": qid, "why": f"not modelled ({summary_q['not_modelled']})"})
            continue
        if summary_q.get("assumed"):  # the scenario's answer, not a forecast
            skipped.append({"question": qid, "why": f"assumed by the scenario ({summary_q['assumed']})"})
            continue
        row: dict[str, Any] = {"question": qid, "text": q["text"], "date": r["date"], "source": r["source"]}
        row.update(event=r["event"], fitted=fitted.get(r["event"], []))
        row["sample"] = "in" if row["fitted"] else "out"
        if r["numeric"]:
            if not _score_numeric(row, r, q, ok):
                skipped.append({"question": qid, "why": "the outcome is not defined in any run"})
                continue
        else:
            notes += _score_binary(row, r, q, ok, start, horizon)
        rows.append(row)
    return {
        "experiment": {
            k: res.summary["experiment"].get(k) for k in ("scenario", "start_date", "horizon_days")
        }
        | {"folder": str(res.path), "ok": len(ok)},
        "questions": rows,
        "overall": _overall(rows)
        | {f"{k}_sample": _overall([x for x in rows if x["sample"] == k]) for k in ("in", "out")},
        "skipped": skipped,
        "notes": notes,
    }


def fitted_events(config: dict[str, Any]) -> dict[str, list[str]]:
    """The facts the experiment's model was fitted to (event id -> how), from its saved config.

    A fact is in-sample if a parameter was set by hand to reproduce it (``analysis.tuned``) or if the
    experiment draws from a posterior calibrated on it (``+calibrated=<name>``: its observations' events).
    """
    out: dict[str, list[str]] = {}
    for t in (config.get("analysis") or {}).get("tuned") or []:
        for event in t.get("to") or []:
            out.setdefault(event, []).append(f"tuned: {t.get('parameter')}")
    calibrated = config.get("calibrated") or {}
    for o in calibrated.get("observations") or []:
        event = o.get("event") or o.get("id")
        out.setdefault(event, []).append(f"calibrated: {calibrated.get('name')} (observation {o.get('id')})")
    return out


def _score_numeric(row: dict[str, Any], r: dict[str, Any], q: dict[str, Any], ok: pd.DataFrame) -> bool:
    """Add a numeric question's CRPS to ``row``; False if its outcome is defined in no run."""
    values = pd.to_numeric(ok[q["outcome"]], errors="coerce").astype(float).dropna()
    if values.empty:
        return False
    row.update(kind="numeric", value=r["value"], median=float(values.median()), n=len(values))
    row["crps"] = crps_ensemble(values.to_numpy(), float(r["value"]))
    return True


def _score_binary(
    row: dict[str, Any], r: dict[str, Any], q: dict[str, Any], ok: pd.DataFrame, start: dt.date, horizon: int
) -> list[str]:
    """Add a yes/no question's forecast and scores to ``row``; a note if it resolved 'no' too early."""
    p = float(answer(ok, q).mean())
    o = bool(r["outcome"])
    row.update(kind="binary", forecast=p, outcome=o, n=len(ok))
    row.update(brier=brier(p, o), log=log_score(p, o), brier_half=0.25, log_half=math.log(2))
    if r.get("base_rate") is not None:
        b = float(r["base_rate"])
        row.update(base_rate=b, brier_base_rate=brier(b, o), log_base_rate=log_score(b, o))
    end = start + dt.timedelta(days=decided_day(q, horizon))
    if not o and dt.date.fromisoformat(r["date"]) < end:
        return [f"{row['question']}: resolved 'no' on {r['date']}, before the question's horizon ({end})"]
    return []


def _overall(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean scores over the yes/no questions (and those with a base rate), CRPS of each numeric one."""
    binary = [x for x in rows if x["kind"] == "binary"]
    overall: dict[str, Any] = {"binary": None, "numeric": None}
    if binary:
        bs = float(np.mean([x["brier"] for x in binary]))
        overall["binary"] = {
            "n": len(binary),
            "brier": bs,
            "log": float(np.mean([x["log"] for x in binary])),
            "brier_half": 0.25,
            "log_half": math.log(2),
            "brier_skill_vs_half": 1 - bs / 0.25,
        }
        with_base = [x for x in binary if "brier_base_rate" in x]
        if with_base:
            overall["binary"]["with_base_rate"] = {
                "n": len(with_base),
                "brier": float(np.mean([x["brier"] for x in with_base])),
                "brier_base_rate": float(np.mean([x["brier_base_rate"] for x in with_base])),
            }
    numeric = [x for x in rows if x["kind"] == "numeric"]
    if numeric:
        overall["numeric"] = {"n": len(numeric), "crps": {x["question"]: x["crps"] for x in numeric}}
    return overall
