"""Forecast questions over an ensemble: probabilities with Wilson intervals, outcome quantiles.

Works on the ``runs`` data frame only (never the model). Failed runs are left out of every
probability and counted separately.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

__all__ = ["NUMERIC_OUTCOMES", "answer", "format_summary", "summarise", "wilson_interval"]

#: Numeric outcomes summarised by quantiles, with their units.
NUMERIC_OUTCOMES = {
    "sirte_captured_day": "day",
    "jufra_captured_day": "day",
    "front_km_final": "km from Tripoli",
    "oil_output_final_bpd": "b/d",
    "fatalities_total": "killed",
}

CONFIDENCE = 0.90


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaN, NaN when n = 0)."""
    if n == 0:
        return math.nan, math.nan
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def answer(runs: pd.DataFrame, question: Mapping[str, Any]) -> pd.Series:
    """Per-run yes/no answer of a question (``QuestionConfig`` fields) over the ok runs."""
    x = runs[question["outcome"]]
    op, value = question["op"], question.get("value")
    if op == "happened":
        return x.notna()
    if op == "true":
        return x.fillna(False).astype(bool)
    if value is None:
        raise ValueError(f"question on {question['outcome']!r}: op {op!r} needs a value")
    x = x.astype(float)
    result = {"le": x <= value, "lt": x < value, "ge": x >= value, "gt": x > value}[op]
    return result.fillna(False)


def summarise(
    runs: pd.DataFrame,
    questions: Mapping[str, Mapping[str, Any]],
    experiment: Mapping[str, Any],
    mechanisms_on: set[str] | None = None,
) -> dict[str, Any]:
    """Build ``summary.json``: questions with probability and interval, outcome quantiles.

    Args:
        runs: the runs frame.
        questions: question id -> ``QuestionConfig`` fields.
        experiment: what to record about the experiment (scenario, horizon, ...).
        mechanisms_on: mechanisms switched on; a question whose ``requires`` names none of them is
            reported as not modelled (probability None). None: every question is answered.
    """
    ok = runs[runs["status"] == "ok"]
    n, failed = len(ok), int((runs["status"] != "ok").sum())
    out_q = {}
    for qid, q in questions.items():
        needs = list(q.get("requires") or [])
        if mechanisms_on is not None and needs and not set(needs) & mechanisms_on:
            out_q[qid] = {
                "text": q["text"],
                "probability": None,
                "interval": None,
                "not_modelled": f"needs one of: {', '.join(needs)}",
                "n": n,
                "failed": failed,
            }
            continue
        if q["outcome"] not in runs:
            raise ValueError(f"questions.{qid}.outcome: unknown outcome {q['outcome']!r}")
        k = int(answer(ok, q).sum()) if n else 0
        lo, hi = wilson_interval(k, n)
        out_q[qid] = {
            "text": q["text"],
            "probability": k / n if n else None,
            "interval": [lo, hi] if n else None,
            "interval_method": f"Wilson {CONFIDENCE:.0%}",
            "n": n,
            "failed": failed,
        }
    outcomes = {}
    for name, unit in NUMERIC_OUTCOMES.items():
        x = ok[name].astype(float) if n else pd.Series(dtype=float)
        happened = x.dropna()
        q = np.quantile(happened, [0.05, 0.5, 0.95]).tolist() if len(happened) else [None] * 3
        outcomes[name] = {
            "unit": unit,
            "share_defined": len(happened) / n if n else None,
            "p05": q[0],
            "median": q[1],
            "p95": q[2],
        }
    return {
        "experiment": {**experiment, "runs": len(runs), "ok": n, "failed": failed},
        "questions": out_q,
        "outcomes": outcomes,
    }


def _pct(p: float | None) -> str:
    return "  n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:4.0f}%"


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """The summary as a plain-text table for the terminal."""
    e = summary["experiment"]
    lines = [
        f"Scenario {e.get('scenario', '?')}: {e['ok']} runs ok, {e['failed']} failed, "
        f"horizon {e.get('horizon_days', '?')} days from {e.get('start_date', '?')}",
        "",
        f"{'question':<58} {'P':>5}  {'90% interval':>13}",
    ]
    for q in summary["questions"].values():
        if q.get("not_modelled"):
            lines.append(f"{q['text'][:58]:<58}   not modelled in this scenario")
            continue
        lo, hi = q["interval"] or (None, None)
        lines.append(f"{q['text'][:58]:<58} {_pct(q['probability'])}  [{_pct(lo)}, {_pct(hi)}]")
    lines += ["", f"{'outcome':<24} {'unit':<16} {'defined':>8} {'p05':>10} {'median':>10} {'p95':>10}"]
    for name, o in summary["outcomes"].items():
        lines.append(
            f"{name:<24} {o['unit']:<16} {_pct(o['share_defined']):>8} "
            f"{_num(o['p05']):>10} {_num(o['median']):>10} {_num(o['p95']):>10}"
        )
    return "\n".join(lines)
