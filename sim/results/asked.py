"""Questions asked of finished results, without rerunning: ``python -m sim.report RESULTS --questions FILE``.

A questions file holds question id -> fields, as ``configs/questions/<set>.yaml`` (or under a top-level
``questions:`` key)::

    north_holds_port:
      text: The northern faction holds the port at the horizon
      outcome: holder_port           # any column of runs.parquet, holder_<place> included
      op: eq                         # le, lt, ge, gt, eq, happened, true, quantiles
      value: NORTH                   # a faction id of the theatre

Each question is checked against the results (its fields, its outcome column and operator, a ``by_day``
within the horizon, an id not already asked) with a one-line error, answered over the runs as the runner
answers its own (:func:`sim.results.summary.summarise`), and written beside the old ones: in
``summary.json`` and in the saved config, so the report and every command see them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import UserError
from sim.inputs import known_fields, load_yaml, show
from sim.results import CONFIG_FILE, SUMMARY_FILE, Results, atomic_write
from sim.results.check import QUESTION_OPS
from sim.results.questions import check_questions, question_problem
from sim.results.summary import summarise

__all__ = ["QUESTION_FIELDS", "QuestionsError", "add_questions", "read_questions"]

QUESTION_FIELDS = ("text", "outcome", "op", "value", "by_day", "unit", "requires")


class QuestionsError(UserError):
    """A bad questions file (one line, shown without a traceback)."""


def read_questions(path: str | Path, res: Results) -> dict[str, dict[str, Any]]:
    """The questions of a file, checked against the finished experiment ``res``.

    Raises:
        QuestionsError: one line naming ``FILE: <id>.<field>`` and what is allowed.
    """
    doc = load_yaml(path, QuestionsError)
    if isinstance(doc, dict) and isinstance(doc.get("questions"), dict):
        doc = doc["questions"]
    if not isinstance(doc, dict) or not doc:
        raise QuestionsError(f"{path}: needs question id -> text, outcome, op (a non-empty mapping)")
    horizon = int(res.summary["experiment"]["horizon_days"])
    out = {}
    for qid, q in doc.items():
        key = f"{path}: {qid}"
        if qid in res.summary["questions"]:
            raise QuestionsError(f"{key}: already a question of {res.path}; choose another id")
        out[str(qid)] = _question(q, key, horizon)
    mechanisms = res.config.get("mechanisms") or {}
    on = {k for k, m in mechanisms.items() if isinstance(m, dict) and m.get("enabled")}
    try:
        check_questions(out, columns(res), list(mechanisms), None, on)
    except UserError as exc:  # questions.<id>.<field>: ... named in the file
        raise QuestionsError(f"{path}: {str(exc).removeprefix('questions.')}") from None
    return out


def _question(q: Any, key: str, horizon: int) -> dict[str, Any]:
    """One question's fields, with their defaults, checked as the config schema checks them."""
    known_fields(q, key, QUESTION_FIELDS, QuestionsError, f"a mapping of {', '.join(QUESTION_FIELDS)}")
    q = {"op": "happened", "value": None, "by_day": None, "unit": "", "requires": []} | q
    for name in ("text", "outcome", "unit"):
        if not isinstance(q.get(name), str) or (name != "unit" and not q[name].strip()):
            raise QuestionsError(f"{key}.{name}: got {show(q.get(name))}; allowed: text")
    op, value = "true" if q["op"] is True else q["op"], q["value"]
    if op not in QUESTION_OPS:
        raise QuestionsError(f"{key}.op: got {show(op)}; allowed: {', '.join(QUESTION_OPS)}")
    problem = question_problem(op, value, q["by_day"], horizon)
    if problem is not None:
        raise QuestionsError(f"{key}.{problem[0]}: {problem[1]}")
    if not isinstance(q["requires"], list) or not all(isinstance(m, str) for m in q["requires"]):
        raise QuestionsError(f"{key}.requires: got {show(q['requires'])}; allowed: a list of mechanisms")
    return q | {"op": op}


def columns(res: Results) -> dict[str, str]:
    """Each runs column with its kind (``number``, ``flag`` or ``label``), as questions need them."""
    described = res.summary.get("columns") or {}
    out = {}
    for c in res.runs.columns:
        kind = (described.get(c) or {}).get("kind")
        if kind is None:
            x = res.runs[c]
            numeric = pd.api.types.is_numeric_dtype(x)
            kind = "flag" if pd.api.types.is_bool_dtype(x) else "number" if numeric else "label"
        out[c] = "number" if kind == "day" else kind
    return out


def add_questions(res: Results, questions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Answer ``questions`` over the runs and write them beside the old ones; returns their answers.

    ``summary.json`` and the saved config are each replaced whole (written beside, then renamed), the
    summary first: a folder cut between the two has a summary with more questions than its config,
    which :func:`sim.results.load` names.
    """
    a = res.config.get("analysis") or {}
    mechanisms = res.config.get("mechanisms") or {}
    on = {k for k, m in mechanisms.items() if isinstance(m, dict) and m.get("enabled")}
    e = res.summary["experiment"]
    method, level = str(a.get("interval", "wilson")), float(a.get("confidence", 0.9))
    answers = summarise(res.runs, questions, {"uncertain_parameters": e.get("uncertain_parameters") or []},
                        on, interval=method, confidence=level)["questions"]  # fmt: skip
    summary = dict(res.summary) | {"questions": res.summary["questions"] | answers}
    config = dict(res.config) | {"questions": (res.config.get("questions") or {}) | questions}
    root = Path(res.path)
    from sim.results import write_json

    write_json(summary, root / SUMMARY_FILE)
    atomic_write(root / CONFIG_FILE, lambda p: Path(p).write_text(yaml.safe_dump(config, sort_keys=False)))
    res.summary, res.config = summary, config
    return answers
