"""Forecast questions over an ensemble: probabilities with intervals, numeric questions, outcome quantiles.

The ``summary.json`` of the results contract (:mod:`sim.results`). Works on the ``runs`` data frame only
(never the model). Failed runs are left out of every
probability and counted separately. Intervals are Wilson score or Jeffreys intervals (scipy) at the
``analysis.confidence`` level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta, binomtest

from sim.results.spread import parameter_spread

__all__ = [
    "INTERVALS",
    "QUANTILES",
    "answer",
    "assumed_by",
    "decided_day",
    "format_summary",
    "jeffreys_interval",
    "numeric_answer",
    "proportion_interval",
    "summarise",
    "wilson_interval",
]

CONFIDENCE = 0.90
INTERVALS = ("wilson", "jeffreys")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # of numeric questions, as p05 ... p95


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaN, NaN when n = 0)."""
    if n == 0:
        return math.nan, math.nan
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def jeffreys_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Jeffreys interval: equal-tailed Beta(k + 1/2, n - k + 1/2) quantiles, 0 at k = 0 and 1 at k = n."""
    if n == 0:
        return math.nan, math.nan
    tail = (1 - confidence) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(tail, k + 0.5, n - k + 0.5))
    hi = 1.0 if k == n else float(beta.ppf(1 - tail, k + 0.5, n - k + 0.5))
    return lo, hi


def proportion_interval(
    k: int, n: int, method: str = "wilson", confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Interval for a probability: ``method`` is ``wilson`` or ``jeffreys``."""
    if method == "wilson":
        return wilson_interval(k, n, confidence)
    if method == "jeffreys":
        return jeffreys_interval(k, n, confidence)
    raise ValueError(f"interval: {method!r}; allowed: {', '.join(INTERVALS)}")


def answer(runs: pd.DataFrame, question: Mapping[str, Any]) -> pd.Series:
    """Per-run yes/no answer of a question (``QuestionConfig`` fields) over the ok runs."""
    x = runs[question["outcome"]]
    op, value = question["op"], question.get("value")
    if op in ("happened", "not_happened"):
        by_day = question.get("by_day")
        happened = x.notna() if by_day is None else (x.astype(float) <= by_day).fillna(False)
        return happened if op == "happened" else ~happened
    if op == "true":
        return x.fillna(False).astype(bool)
    if op == "quantiles":
        raise ValueError(f"question on {question['outcome']!r}: op 'quantiles' has no yes/no answer")
    if value is None:
        raise ValueError(f"question on {question['outcome']!r}: op {op!r} needs a value")
    if op == "eq":  # a number or a label (who holds a place): equal, a missing value is no
        return (x == value).fillna(False).astype(bool)
    x = x.astype(float)
    result = {"le": x <= value, "lt": x < value, "ge": x >= value, "gt": x > value}[op]
    return result.fillna(False)


def decided_day(question: Mapping[str, Any], horizon: int) -> int:
    """The model day by which a yes/no question's answer is settled.

    The N of "within N days" (``le``/``lt`` on a ``*_day`` outcome), else its ``by_day``, else the horizon.
    """
    if question["op"] in ("le", "lt") and question["outcome"].endswith("_day"):
        return int(question["value"])
    by_day = question.get("by_day")
    return horizon if by_day is None else int(by_day)


def numeric_answer(values: pd.Series) -> dict[str, Any]:
    """Share defined, mean and quantiles (``QUANTILES``) of an outcome over the runs where it is defined."""
    x = values.astype(float)
    defined = x.dropna()
    qs = np.quantile(defined, QUANTILES).tolist() if len(defined) else [None] * len(QUANTILES)
    return {
        "defined": len(defined) / len(x) if len(x) else None,
        "mean": float(defined.mean()) if len(defined) else None,
        "quantiles": {f"p{round(100 * q):02d}": v for q, v in zip(QUANTILES, qs, strict=True)},
    }


def summarise(
    runs: pd.DataFrame,
    questions: Mapping[str, Mapping[str, Any]],
    experiment: Mapping[str, Any],
    mechanisms_on: set[str] | None = None,
    *,
    interval: str = "wilson",
    confidence: float = CONFIDENCE,
    outcomes: Mapping[str, Mapping[str, Any]] | None = None,
    series: Mapping[str, Mapping[str, Any]] | None = None,
    assumed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build ``summary.json``: questions with probability and interval (or quantiles), outcome quantiles.

    An event question of an experiment with uncertain parameters also gets ``over_parameters``
    (:func:`sim.results.spread.parameter_spread`; None unless design points are run several times).

    Args:
        runs: the runs frame.
        questions: question id -> ``QuestionConfig`` fields.
        experiment: what to record about the experiment (scenario, horizon, ...).
        mechanisms_on: mechanisms switched on; a question whose ``requires`` names none of them is
            reported as not modelled (probability None). None: every question is answered.
        interval: ``wilson`` or ``jeffreys``.
        confidence: level of the intervals.
        outcomes: every outcome column described (name -> ``kind``, ``unit``, ``label``, ``headline``;
            :func:`sim.model.contract.outcomes_of`); the headline ones get quantiles under ``outcomes``,
            and all are kept under ``columns`` for reports. None: no outcome is summarised.
        series: every series variable described (name -> ``unit``, ``label``, ``fan``;
            :func:`sim.model.contract.describe_series`), kept under ``series``: the report draws those
            with ``fan`` as fan charts. None: none described.
        assumed: question id -> why the scenario fixes its answer (``scenario.assumes``): those questions
            get ``assumed``, as do events on day 0 of every run (:func:`assumed_by`).
    """
    ok = runs[runs["status"] == "ok"]
    n, failed = len(ok), int((runs["status"] != "ok").sum())
    method = f"{interval.capitalize()} {confidence:.0%}"
    spread = bool(experiment.get("uncertain_parameters")) and "design_point" in ok  # sim.results.spread
    out_q = {}
    for qid, q in questions.items():
        out_q[qid] = _question(runs, ok, qid, q, mechanisms_on, interval, confidence)
        if out_q[qid]["kind"] == "event" and out_q[qid]["probability"] is not None:
            _beyond_chance(out_q[qid], ok, q, spread, (assumed or {}).get(qid))
    described = {k: dict(v) for k, v in (outcomes or {}).items()}
    bad = runs.loc[runs["status"] != "ok"].head(FAILED_LISTED)
    failed_runs = [  # the runs frame of the results contract carries run_id, seed and error
        {"run_id": int(r.get("run_id", i)), "seed": int(r.get("seed", -1)), "error": str(r.get("error", ""))}
        for i, r in bad.iterrows()
    ]
    run_counts = {"runs": len(runs), "ok": n, "failed": failed}
    return {
        "experiment": {**experiment, **run_counts, "interval": method, "failed_runs": failed_runs},
        "questions": out_q,
        "outcomes": _headline(ok, runs, described),
        "columns": described,
        "series": {k: dict(v) for k, v in (series or {}).items()},
    }


def _question(
    runs: pd.DataFrame,
    ok: pd.DataFrame,
    qid: str,
    q: Mapping[str, Any],
    mechanisms_on: set[str] | None,
    interval: str,
    confidence: float,
) -> dict[str, Any]:
    """One question: what it asks, and its answer over the ok runs (see :func:`_answer`)."""
    numeric = q["op"] == "quantiles"
    base = {"text": q["text"], "kind": "numeric" if numeric else "event", "outcome": q["outcome"]}
    base.update(n=len(ok), failed=len(runs) - len(ok))
    if not numeric and q.get("by_day") is not None:
        base["by_day"] = q["by_day"]
    return {**base, **_answer(runs, ok, qid, q, mechanisms_on, interval, confidence)}


def _answer(
    runs: pd.DataFrame,
    ok: pd.DataFrame,
    qid: str,
    q: Mapping[str, Any],
    mechanisms_on: set[str] | None,
    interval: str,
    confidence: float,
) -> dict[str, Any]:
    """One question's answer over the ok runs: probability and interval, quantiles, or not modelled."""
    n, needs = len(ok), list(q.get("requires") or [])
    numeric = q["op"] == "quantiles"
    if mechanisms_on is not None and needs and not set(needs) & mechanisms_on:
        empty = {"defined": None, "mean": None, "quantiles": None} if numeric else {"interval": None}
        return {"probability": None, **empty, "not_modelled": f"needs one of: {', '.join(needs)}"}
    if q["outcome"] not in runs:
        raise ValueError(f"questions.{qid}.outcome: unknown outcome {q['outcome']!r}")
    if numeric:
        return {"unit": q.get("unit", ""), **numeric_answer(ok[q["outcome"]])}
    k = int(answer(ok, q).sum()) if n else 0
    lo, hi = proportion_interval(k, n, interval, confidence)
    return {
        "probability": k / n if n else None,
        "interval": [lo, hi] if n else None,
        "interval_method": f"{interval.capitalize()} {confidence:.0%}",
        "k": k,
    }


def _beyond_chance(
    out: dict[str, Any], ok: pd.DataFrame, q: Mapping[str, Any], spread: bool, declared: Any
) -> None:
    """Add to a modelled event question its spread over the parameters and whether it is assumed."""
    if spread:
        out["over_parameters"] = parameter_spread(ok["design_point"], answer(ok, q))
    why = assumed_by(ok, q, declared)
    if why:
        out["assumed"] = why


def assumed_by(ok: pd.DataFrame, q: Mapping[str, Any], declared: str | None) -> str | None:
    """Why a yes/no question's answer is the scenario's assumption, not a forecast (None: it is a forecast).

    Either the scenario says so (``scenario.assumes``), or the question's event happens on day 0 in every
    run: the initial state the scenario sets decides it.
    """
    if declared:
        return str(declared)
    days = pd.to_numeric(ok[q["outcome"]], errors="coerce") if q["outcome"].endswith("_day") else None
    if days is not None and len(days) and (days == 0).all():
        return "it happens on day 0 in every run: the scenario's initial state decides it"
    return None


def _headline(ok: pd.DataFrame, runs: pd.DataFrame, described: Mapping[str, Mapping[str, Any]]) -> dict:
    """Quantiles over the ok runs of the headline outcomes (those described with ``headline``)."""
    n = len(ok)
    headline = {}
    for name, info in described.items():
        if not info.get("headline") or name not in runs:
            continue
        x = ok[name].astype(float) if n else pd.Series(dtype=float)
        happened = x.dropna()
        q = np.quantile(happened, [0.05, 0.5, 0.95]).tolist() if len(happened) else [None] * 3
        headline[name] = {
            "unit": info.get("unit", ""),
            "label": info.get("label", ""),
            "share_defined": len(happened) / n if n else None,
            "p05": q[0],
            "median": q[1],
            "p95": q[2],
        }
    return headline


def _pct(p: float | None) -> str:
    return "  n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:4.0f}%"


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}"


FAILED_LISTED = 50  # failed runs named (with seed and error) in the summary; runs.parquet has them all


def format_summary(summary: Mapping[str, Any]) -> str:
    """The summary as a plain-text table for the terminal (at most ``MAX_ROWS`` questions of each kind)."""
    from sim.limits import MAX_ROWS, more

    e = summary["experiment"]
    level = e.get("interval", f"Wilson {CONFIDENCE:.0%}").split()[-1]
    lines = [
        f"Scenario {e.get('scenario', '?')}: {e['ok']} runs ok, {e['failed']} failed, "
        f"horizon {e.get('horizon_days', '?')} days from {e.get('start_date', '?')}",
        *[
            f"  failed run {r['run_id']} (seed {r['seed']}): {r['error']}"
            for r in e.get("failed_runs", [])[:5]
        ],
        *([f"  ... {e['failed'] - 5} more in runs.parquet (status, error)"] if e["failed"] > 5 else []),
        "",
        f"{'question':<58} {'P':>5}  {level + ' interval':>13}",
    ]
    numeric, events = [], []
    for q in summary["questions"].values():
        (numeric if q.get("kind") == "numeric" else events).append(q)
    for q in events[:MAX_ROWS]:
        if q.get("not_modelled"):
            lines.append(f"{q['text'][:58]:<58}   not modelled in this scenario")
        elif q.get("assumed"):
            lines.append(
                f"{q['text'][:58]:<58} {_pct(q['probability'])}  assumed by the scenario, not forecast"
            )
        else:
            lo, hi = q["interval"] or (None, None)
            lines.append(f"{q['text'][:58]:<58} {_pct(q['probability'])}  [{_pct(lo)}, {_pct(hi)}]")
    if len(events) > MAX_ROWS:
        lines.append(f"  {more(len(events) - MAX_ROWS, 'summary.json')}")
    if numeric:
        lines += ["", f"{'numeric question':<58} {'median':>10}  {'p05':>10} {'p95':>10}"]
        for q in numeric[:MAX_ROWS]:
            if q.get("not_modelled"):
                lines.append(f"{q['text'][:58]:<58}   not modelled in this scenario")
                continue
            qs = q["quantiles"] or {}
            lines.append(
                f"{q['text'][:58]:<58} {_num(qs.get('p50')):>10}  {_num(qs.get('p05')):>10} "
                f"{_num(qs.get('p95')):>10}"
            )
        if len(numeric) > MAX_ROWS:
            lines.append(f"  {more(len(numeric) - MAX_ROWS, 'summary.json')}")
    lines += ["", f"{'outcome':<24} {'unit':<16} {'defined':>8} {'p05':>10} {'median':>10} {'p95':>10}"]
    for name, o in summary["outcomes"].items():
        lines.append(
            f"{name:<24} {o['unit']:<16} {_pct(o['share_defined']):>8} "
            f"{_num(o['p05']):>10} {_num(o['median']):>10} {_num(o['p95']):>10}"
        )
    return "\n".join(lines)
