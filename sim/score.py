"""Score forecasts against what happened: ``python -m sim.score RESULTS_DIR RESOLUTIONS.yaml``.

A resolutions file records what happened to some of the forecast questions (``configs/questions/``)::

    resolutions:
      - question: east_govt_falls       # a question id of the experiment
        outcome: true                   # yes/no questions: did it happen (within the question's horizon)
        date: 2020-09-13                # when it resolved
        source: https://...             # where that is recorded (required)
        base_rate: 0.2                  # optional: a climatological probability to compare with
      - question: front_line_km         # numeric questions (op: quantiles): the value that happened
        value: 443
        date: 2020-12-04
        source: ...

Scores (lower is better, :mod:`sim.analysis.scoring`): Brier and log score for yes/no questions, next to
the same scores of two reference forecasts (every question at 0.5, and the base rate where given); CRPS of
the run ensemble for numeric ones. ``scores.json`` and ``figures/scores.png`` (plus
``figures/reliability.png`` with at least ``RELIABILITY_MIN`` yes/no questions) go into the results
folder, or ``--out``. Questions not modelled in the experiment's scenario are skipped and listed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.scoring import brier, crps_ensemble, log_score, reliability
from sim.errors import UserError
from sim.results import Results, ResultsError, load, write_json
from sim.summary import answer

__all__ = ["RELIABILITY_MIN", "ScoreError", "load_resolutions", "main", "score"]

RELIABILITY_MIN = 8  # yes/no questions needed for a reliability diagram


class ScoreError(UserError):
    """Bad input (one line, shown without a traceback)."""


def load_resolutions(path: str | Path, questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Read and check a resolutions file against the experiment's questions.

    Raises:
        ScoreError: one line naming the entry and field at fault.
    """
    from sim.config import read_entries

    entries = read_entries(path, "resolutions", ScoreError)
    out = []
    for i, e in enumerate(entries):
        key = f"resolutions[{i}]"
        if not isinstance(e, dict):
            raise ScoreError(f"{key}: expected a mapping with question, outcome or value, date, source")
        qid = e.get("question")
        if qid not in questions:
            raise ScoreError(f"{key}.question: {qid!r}; allowed: {', '.join(sorted(questions))}")
        numeric = questions[qid]["op"] == "quantiles"
        field = "value" if numeric else "outcome"
        if field not in e:
            raise ScoreError(
                f"{key}.{field}: missing (question {qid!r} is {'numeric' if numeric else 'yes/no'})"
            )
        if numeric and not isinstance(e["value"], int | float):
            raise ScoreError(f"{key}.value: got {e['value']!r}; allowed: a number")
        if not numeric and not isinstance(e["outcome"], bool):
            raise ScoreError(f"{key}.outcome: got {e['outcome']!r}; allowed: true or false")
        if not str(e.get("source") or "").strip():
            raise ScoreError(f"{key}.source: missing; every resolution names where it is recorded")
        try:
            date = dt.date.fromisoformat(str(e.get("date")))
        except ValueError:
            raise ScoreError(f"{key}.date: got {e.get('date')!r}; allowed: YYYY-MM-DD") from None
        base = e.get("base_rate")
        if base is not None and not (isinstance(base, int | float) and 0 <= base <= 1):
            raise ScoreError(f"{key}.base_rate: got {base!r}; allowed range [0, 1]")
        out.append({**e, "question": qid, "date": date.isoformat(), "numeric": numeric})
    return out


def score(res: Results, resolutions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score the experiment's forecasts of the resolved questions (see the module docstring)."""
    questions = res.config.get("questions", {})
    ok = res.runs[res.runs["status"] == "ok"]
    start = dt.date.fromisoformat(str(res.summary["experiment"].get("start_date")))
    horizon = int(res.summary["experiment"].get("horizon_days", 0))
    rows, skipped, notes = [], [], []
    for r in resolutions:
        qid = r["question"]
        q = questions[qid]
        summary_q = res.summary["questions"].get(qid, {})
        if summary_q.get("not_modelled"):
            skipped.append({"question": qid, "why": f"not modelled ({summary_q['not_modelled']})"})
            continue
        row: dict[str, Any] = {"question": qid, "text": q["text"], "date": r["date"], "source": r["source"]}
        if r["numeric"]:
            values = ok[q["outcome"]].astype(float).dropna()
            if values.empty:
                skipped.append({"question": qid, "why": "the outcome is not defined in any run"})
                continue
            row.update(kind="numeric", value=r["value"], median=float(values.median()), n=len(values))
            row["crps"] = crps_ensemble(values.to_numpy(), float(r["value"]))
        else:
            p = float(answer(ok, q).mean())
            o = bool(r["outcome"])
            row.update(kind="binary", forecast=p, outcome=o, n=len(ok))
            row.update(brier=brier(p, o), log=log_score(p, o), brier_half=0.25, log_half=math.log(2))
            if r.get("base_rate") is not None:
                b = float(r["base_rate"])
                row.update(base_rate=b, brier_base_rate=brier(b, o), log_base_rate=log_score(b, o))
            by = q.get("by_day")
            if q["op"] in ("le", "lt") and q["outcome"].endswith("_day"):
                by = q["value"]  # "within N days": the question's own horizon
            end = start + dt.timedelta(days=int(by if by is not None else horizon))
            if not o and dt.date.fromisoformat(r["date"]) < end:
                notes.append(f"{qid}: resolved 'no' on {r['date']}, before the question's horizon ({end})")
        rows.append(row)
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
    return {
        "experiment": {
            k: res.summary["experiment"].get(k) for k in ("scenario", "start_date", "horizon_days")
        }
        | {"folder": str(res.path), "ok": len(ok)},
        "questions": rows,
        "overall": overall,
        "skipped": skipped,
        "notes": notes,
    }


def _figures(scores: dict[str, Any], folder: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    from sim.figures import plot_reliability, plot_scores

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    table = pd.DataFrame([x for x in scores["questions"] if x["kind"] == "binary"])
    figures = []
    if len(table):
        figures.append(("scores", plot_scores(table, scenario=scores["experiment"]["scenario"])[0]))
    if len(table) >= RELIABILITY_MIN:
        rel = reliability(table["forecast"], table["outcome"].astype(float))
        figures.append(("reliability", plot_reliability(rel, n=len(table))[0]))
    for name, fig in figures:
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.score RESULTS_DIR RESOLUTIONS.yaml [--out DIR]``; returns the exit code."""
    ap = argparse.ArgumentParser(prog="python -m sim.score", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder")
    ap.add_argument("resolutions", help="YAML file of resolved questions")
    ap.add_argument("--out", help="where to write scores.json and figures/ (default: the results folder)")
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        try:
            res = load(args.results)
        except ResultsError as exc:
            raise ScoreError(str(exc)) from None
        resolutions = load_resolutions(args.resolutions, res.config.get("questions", {}))
        scores = score(res, resolutions)
    except ScoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path(args.results)
    figures = _figures(scores, out / "figures")
    write_json(scores, out / "scores.json")
    b = scores["overall"]["binary"]
    if b:
        print(
            f"{b['n']} yes/no questions: Brier {b['brier']:.3f} (0.5 everywhere: 0.250), log {b['log']:.3f} "
            f"(0.5: {math.log(2):.3f}), Brier skill vs 0.5: {b['brier_skill_vs_half']:+.2f}"
        )
    for x in scores["questions"]:
        if x["kind"] == "numeric":
            print(
                f"{x['question']}: CRPS {x['crps']:,.1f} "
                f"(value {x['value']:,}, ensemble median {x['median']:,.0f})"
            )
    for s in scores["skipped"]:
        print(f"skipped {s['question']}: {s['why']}")
    for n in scores["notes"]:
        print(f"note: {n}")
    print(f"scores: {out / 'scores.json'}; figures: {', '.join(str(f) for f in figures) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
