"""Differences between scenarios: which are signal and which are noise.

For an event question, the difference of probabilities between a scenario and the reference scenario
gets Newcombe's (1998) hybrid score interval (method 10, built from the two Wilson intervals), which
keeps its coverage near the nominal level for small counts and probabilities near 0 or 1. For a numeric
outcome, the two samples of runs are compared with a Mann-Whitney U test (a shift in location) and a
two-sample Kolmogorov-Smirnov test (any difference in distribution), both from scipy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp, mannwhitneyu

from sim.results.summary import wilson_interval

__all__ = ["compare_numeric", "compare_questions", "newcombe_interval"]


def newcombe_interval(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.9
) -> tuple[float, float, float]:
    """Difference p1 - p2 of two proportions with Newcombe's hybrid score interval.

    Returns:
        ``(difference, low, high)``; NaNs when either sample is empty.
    """
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    return d, d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def compare_questions(
    summaries: Mapping[str, Mapping[str, Any]], reference: str | None = None, confidence: float = 0.9
) -> pd.DataFrame:
    """Each event question's probability in every scenario minus that in the reference scenario.

    Args:
        summaries: scenario -> its ``summary.json`` (as written by the CLI).
        reference: the scenario compared against (default: the first).
        confidence: level of the intervals.

    Returns:
        One row per (question, scenario other than the reference) answered in both: columns question,
        text, scenario, reference, difference, low, high, ``clear`` (the interval excludes 0).
    """
    names = list(summaries)
    ref = reference or names[0]
    if ref not in summaries:
        raise ValueError(f"reference: {ref!r}; allowed: {', '.join(names)}")
    rows = []
    for qid, rq in summaries[ref]["questions"].items():
        if rq.get("kind", "event") != "event" or rq.get("probability") is None:
            continue
        for name in names:
            q = summaries[name]["questions"].get(qid)
            if name == ref or q is None or q.get("probability") is None:
                continue
            k1, n1 = _count(q), q["n"]
            k2, n2 = _count(rq), rq["n"]
            d, lo, hi = newcombe_interval(k1, n1, k2, n2, confidence)
            rows.append(
                {
                    "question": qid,
                    "text": rq["text"],
                    "scenario": name,
                    "reference": ref,
                    "difference": d,
                    "low": lo,
                    "high": hi,
                    "clear": bool(lo > 0 or hi < 0),
                }
            )
    columns = ["question", "text", "scenario", "reference", "difference", "low", "high", "clear"]
    return pd.DataFrame(rows, columns=columns)


def _count(q: Mapping[str, Any]) -> int:
    return int(q["k"]) if "k" in q else round(q["probability"] * q["n"])


def compare_numeric(
    samples: Mapping[str, Mapping[str, pd.Series]], reference: str | None = None
) -> pd.DataFrame:
    """Two-sample tests of numeric outcomes between every scenario and the reference.

    Args:
        samples: outcome -> (scenario -> per-run values). NaNs (an outcome not defined in a run) are
            left out; an outcome with fewer than 2 values in either scenario is skipped.
        reference: the scenario compared against (default: the first scenario of the first outcome).

    Returns:
        One row per (outcome, scenario): columns outcome, scenario, reference, n, n_reference, median,
        median_reference, median_difference, mannwhitney_p, ks_p.
    """
    rows = []
    for outcome, by_scenario in samples.items():
        names = list(by_scenario)
        ref = reference or names[0]
        if ref not in by_scenario:
            continue
        b = np.asarray(by_scenario[ref], dtype=float)
        b = b[~np.isnan(b)]
        for name in names:
            a = np.asarray(by_scenario[name], dtype=float)
            a = a[~np.isnan(a)]
            if name == ref or len(a) < 2 or len(b) < 2:
                continue
            rows.append(
                {
                    "outcome": outcome,
                    "scenario": name,
                    "reference": ref,
                    "n": len(a),
                    "n_reference": len(b),
                    "median": float(np.median(a)),
                    "median_reference": float(np.median(b)),
                    "median_difference": float(np.median(a) - np.median(b)),
                    "mannwhitney_p": float(mannwhitneyu(a, b, alternative="two-sided").pvalue),
                    "ks_p": float(ks_2samp(a, b).pvalue),
                }
            )
    columns = [
        "outcome", "scenario", "reference", "n", "n_reference", "median", "median_reference",
        "median_difference", "mannwhitney_p", "ks_p",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
