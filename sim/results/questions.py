"""Checks of forecast questions: their operator against the outcome columns, their value and horizon.

Used before any run (:mod:`sim.runner`) and for questions asked of finished results
(:mod:`sim.results.asked`), so both refuse the same questions with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["OP_KINDS", "check_questions", "question_problem"]

#: The kind of outcome each question operator reads: numbers (``*_day`` outcomes are numbers, NaN when the
#: event never happened), flags (true/false) or labels (strings, e.g. the faction holding a place).
#: ``eq`` reads any kind (a number, or a label such as the faction holding a place).
OP_KINDS = {"happened": "number", "not_happened": "number", "true": "flag", "le": "number", "lt": "number",
            "ge": "number", "gt": "number", "quantiles": "number"}  # fmt: skip


def question_problem(op: str, value: Any, by_day: Any, horizon: int) -> tuple[str, str] | None:
    """What is wrong with a question's ``value`` or ``by_day`` for its ``op``: (field, what), or None.

    The one rule of the config's questions (:mod:`sim.runner.experiment`) and of questions asked of
    finished results (:mod:`sim.results.asked`).
    """
    from sim.inputs import show

    number = isinstance(value, int | float) and not isinstance(value, bool)
    if op in ("le", "lt", "ge", "gt", "eq") and value is None:
        return "value", f"op {op!r} needs a value"
    if op in ("le", "lt", "ge", "gt") and not number:
        return "value", f"got {show(value)}; allowed: a number (op {op!r})"
    if op == "eq" and not (number or isinstance(value, str)):
        return "value", f"got {show(value)}; allowed: a number or a label (op 'eq')"
    if by_day is not None:
        if op not in ("happened", "not_happened"):
            return "by_day", f"only for op 'happened' or 'not_happened' (use op le with value for {op!r})"
        if not isinstance(by_day, int) or isinstance(by_day, bool) or not 0 <= by_day <= horizon:
            return "by_day", f"got {show(by_day)}; allowed: a whole day in [0, {horizon}] (the horizon)"
    return None


def check_questions(
    questions: Mapping[str, Any],
    columns: Mapping[str, str],
    mechanisms: Sequence[str],
    target: str | None,
    mechanisms_on: set[str] | None = None,
) -> None:
    """Check questions and the analysis target against the outcome columns an experiment will write.

    Args:
        questions: question id -> ``QuestionConfig`` (or its fields).
        columns: runs column -> kind (``number``, ``flag`` or ``label``).
        mechanisms: the mechanism keys a question may require.
        target: ``analysis.target``: a question id or a number or flag column (None: not checked).
        mechanisms_on: the mechanisms switched on: a question that requires none of them is not modelled
            (its outcome may not exist), so only its ``requires`` is checked.

    Raises:
        sim.config.ConfigError: one line naming ``questions.<id>.<field>`` (or ``analysis.target``).
    """
    from sim.errors import ConfigError

    def allowed(kind: str) -> str:
        names = [c for c, k in columns.items() if k == kind and not c.startswith("holder_")]
        holders = kind == "label" and any(c.startswith("holder_") for c in columns)
        return ", ".join(names + (["holder_<place>"] if holders else [])) or "(none)"

    for qid, q in questions.items():
        get = q.get if isinstance(q, Mapping) else lambda k, q=q: getattr(q, k, None)
        key, outcome, op = f"questions.{qid}", get("outcome"), get("op")
        for m in get("requires") or []:
            if m not in mechanisms:
                allowed_m = ", ".join(mechanisms)
                raise ConfigError(f"{key}.requires: {m!r} is not a mechanism; allowed: {allowed_m}")
        needs = set(get("requires") or [])
        if mechanisms_on is not None and needs and not needs & mechanisms_on:
            continue  # not modelled in this scenario: the summary says so
        if outcome not in columns:
            raise ConfigError(
                f"{key}.outcome: {outcome!r} is not an outcome of this experiment; "
                f"allowed: {allowed('number')}, {allowed('flag')}, {allowed('label')}"
            )
        need = OP_KINDS.get(op)
        if need is not None and columns[outcome] != need:
            raise ConfigError(
                f"{key}.op: {op!r} needs a {need} outcome, but {outcome!r} is a {columns[outcome]}; "
                f"{need} outcomes: {allowed(need)}"
            )
    if target is not None and target not in questions and columns.get(target) not in ("number", "flag"):
        raise ConfigError(
            f"analysis.target: {target!r} names no question or outcome; allowed: a question id "
            f"({', '.join(questions) or 'none'}) or an outcome ({allowed('number')}, {allowed('flag')})"
        )
