"""Forecasts as of a date: the ensemble conditioned on what was known by then (``python -m sim.forecast``).

An analyst updates as events unfold. As of a date, the dated observations of the record up to that date
are known (:mod:`sim.analysis.observations`: a condition on a run's results, with a tolerance); the runs
consistent with every one of them are the model's futures that remain possible, and each question still
open is answered over those runs (rejection conditioning, as rejection ABC keeps runs: Pritchard et al.
1999). A question is open as of a date if its horizon ends after it and, when a resolution is given, it
had not resolved by then. With fewer than ``MIN_MATCHED`` consistent runs the answer is flagged as resting
on too few runs; with none, there is no answer.

Scoring each date's answers against the resolutions shows whether the forecast improves as evidence
arrives. Reads results only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.observations import Observation, matches
from sim.analysis.scoring import brier
from sim.results.summary import answer, decided_day, wilson_interval

__all__ = ["MIN_MATCHED", "as_of", "decided_day"]  # decided_day: sim.results.summary

#: Fewer consistent runs than this: the as-of answer rests on too few runs (flagged).
MIN_MATCHED = 30


def as_of(
    ok: pd.DataFrame,
    series: pd.DataFrame,
    observations: Sequence[Observation],
    questions: dict[str, dict[str, Any]],
    start: dt.date,
    horizon: int,
    date: dt.date,
    resolutions: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The forecast as of ``date``: the runs consistent with the record so far, and each open question.

    Args:
        ok: the experiment's ok runs.
        series: its series (for observations of a variable).
        observations: the record (all dates; those after ``date`` are not used).
        questions: question id -> ``QuestionConfig`` fields (yes/no ones are answered).
        start: day 0.
        horizon: the experiment's last day.
        date: the as-of date.
        resolutions: question id -> its resolution (``outcome``, ``date``), to score and to close
            questions already resolved by ``date``.

    Returns:
        ``date``, ``day``, ``known`` (observation ids used), ``matched`` (consistent runs), ``runs``,
        ``few`` (fewer than :data:`MIN_MATCHED`), and ``questions``: id -> ``probability``, ``interval``,
        and, when resolved, ``outcome`` and ``brier`` (None without consistent runs).
    """
    day = (date - start).days
    known = [o for o in observations if o.day <= day]
    match = np.ones(len(ok), dtype=bool)
    if known:
        match = matches(known, ok, series).all(axis=1).to_numpy()
    runs = ok.loc[match]
    out: dict[str, Any] = {"date": date.isoformat(), "day": day, "known": [o.id for o in known]}
    out.update(matched=int(match.sum()), runs=len(ok), few=int(match.sum()) < MIN_MATCHED, questions={})
    for qid, q in questions.items():
        if q["op"] == "quantiles" or q["outcome"] not in ok or decided_day(q, horizon) <= day:
            continue
        r = (resolutions or {}).get(qid)
        if r is not None and dt.date.fromisoformat(str(r["date"])) <= date:
            continue  # resolved by then: nothing left to forecast
        row: dict[str, Any] = {"probability": None, "interval": None}
        if len(runs):
            k = int(answer(runs, q).sum())
            row.update(probability=k / len(runs), interval=list(wilson_interval(k, len(runs))))
        if r is not None and "outcome" in r:
            row["outcome"] = bool(r["outcome"])
            row["brier"] = None if row["probability"] is None else brier(row["probability"], row["outcome"])
        out["questions"][qid] = row
    return out
