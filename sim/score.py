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

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.scoring import brier, crps_ensemble, log_score, reliability
from sim.command import ArgumentParser, run_command
from sim.errors import UserError
from sim.inputs import a_date, finite_number, once, output_folder, show, writing
from sim.limits import clip, listing, print_lines
from sim.results import Results, atomic_write, load, write_json
from sim.results.summary import answer

__all__ = ["RELIABILITY_MIN", "ScoreError", "load_resolutions", "main", "score"]

RELIABILITY_MIN = 8  # yes/no questions needed for a reliability diagram
SCORES_FILE = "scores.json"


class ScoreError(UserError):
    """Bad input (one line, shown without a traceback)."""


FIELDS = ("question", "outcome", "value", "date", "source", "base_rate")


def load_resolutions(path: str | Path, questions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Read and check a resolutions file against the experiment's questions.

    Raises:
        ScoreError: one line naming the file, the entry and field at fault, and what is allowed; a
            question resolved twice is refused too.
    """
    from sim.config import read_entries

    entries = read_entries(path, "resolutions", ScoreError)
    if not questions:
        raise ScoreError(f"{path}: the experiment has no questions to resolve")
    out, seen = [], {}
    for i, e in enumerate(entries):
        entry = f"resolutions[{i}]"
        key = f"{path}: {entry}"
        if not isinstance(e, dict):
            raise ScoreError(
                f"{key}: got {show(e)}; allowed: a mapping with question, outcome or value, date, source"
            )
        extra = [f for f in e if f not in FIELDS]
        if extra:
            raise ScoreError(f"{key}.{clip(extra[0], 40)}: unknown field; allowed: {', '.join(FIELDS)}")
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
        row = {"question": qid, "date": date.isoformat(), "source": source.strip(), "numeric": numeric}
        if numeric:
            row["value"] = e["value"]
        else:
            row["outcome"] = e["outcome"]
            if base is not None:
                row["base_rate"] = finite_number(base, f"{key}.base_rate", ScoreError, low=0, high=1)
        out.append(row)
    return out


def score(res: Results, resolutions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score the experiment's forecasts of the resolved questions (see the module docstring)."""
    questions = res.config.get("questions", {})
    ok = res.runs[res.runs["status"] == "ok"]
    if ok.empty:
        raise ScoreError(f"{res.path}: no run finished ok (all {len(res.runs):,} failed); nothing to score")
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
            values = pd.to_numeric(ok[q["outcome"]], errors="coerce").astype(float).dropna()
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
        scenario = scores["experiment"]["scenario"]
        figures.append(("scores", plot_scores(table, scenario=scenario, where=SCORES_FILE)[0]))
    if len(table) >= RELIABILITY_MIN:
        rel = reliability(table["forecast"], table["outcome"].astype(float))
        figures.append(("reliability", plot_reliability(rel, n=len(table))[0]))
    for name, fig in figures:
        path = folder / f"{name}.png"
        atomic_write(path, lambda p, fig=fig: fig.savefig(p, dpi=120, bbox_inches="tight", format="png"))
        plt.close(fig)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.score RESULTS_DIR RESOLUTIONS.yaml [--out DIR]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(prog="python -m sim.score", description=__doc__.splitlines()[0])
    ap.add_argument("results", help="a finished experiment folder")
    ap.add_argument("resolutions", help="YAML file of resolved questions")
    ap.add_argument("--out", help="where to write scores.json and figures/ (default: the results folder)")
    args = ap.parse_args(argv)
    out = output_folder(args.out or args.results, "--out" if args.out else "results folder", ScoreError)
    res = load(args.results)
    resolutions = load_resolutions(args.resolutions, res.config.get("questions", {}))
    scores = score(res, resolutions)
    import matplotlib

    matplotlib.use("Agg")
    with writing(out):
        figures = _figures(scores, out / "figures")
        write_json(scores, out / SCORES_FILE)
    b = scores["overall"]["binary"]
    if b:
        print(
            f"{b['n']:,} yes/no questions: Brier {b['brier']:.3f} (0.5 everywhere: 0.250), "
            f"log {b['log']:.3f} (0.5: {math.log(2):.3f}), "
            f"Brier skill vs 0.5: {b['brier_skill_vs_half']:+.2f}"
        )
    numeric = [
        f"{clip(x['question'], 40)}: CRPS {x['crps']:,.1f} "
        f"(value {x['value']:,}, ensemble median {x['median']:,.0f})"
        for x in scores["questions"]
        if x["kind"] == "numeric"
    ]
    print_lines(numeric, SCORES_FILE)
    print_lines([f"skipped {clip(s['question'], 40)}: {s['why']}" for s in scores["skipped"]], SCORES_FILE)
    print_lines([f"note: {clip(n, 200)}" for n in scores["notes"]], SCORES_FILE)
    print(f"scores: {out / SCORES_FILE}; figures: {', '.join(str(f) for f in figures) or 'none'}")
    return 0


if __name__ == "__main__":
    run_command(main)
