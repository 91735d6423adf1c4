"""Checks of a results folder's files for :func:`sim.results.load`: damage is one line naming the file.

A truncated or overwritten file, a Parquet file without the columns the analysis commands read, JSON or
YAML that does not parse or holds the wrong types, and files that disagree with each other (a runs file of
another experiment, a config cut short) each raise :class:`~sim.results.ResultsError`, never a pyarrow,
json or yaml exception. Only what the commands read is checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from sim.inputs import a_date, finite_number, load_yaml, show
from sim.results import ResultsError

__all__ = ["check_config", "check_consistent", "check_summary", "read_parquet"]

#: as QuestionConfig.op
QUESTION_OPS = ("le", "lt", "ge", "gt", "eq", "happened", "not_happened", "true", "quantiles")


def _fail(message: str) -> NoReturn:
    raise ResultsError(message)


# -- Parquet -------------------------------------------------------------------------------------------


def _kind_of(t: Any) -> set[str]:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    kinds = set()
    if pa.types.is_integer(t):
        kinds |= {"integer", "number", "outcome"}
    if pa.types.is_floating(t):
        kinds |= {"number", "outcome"}
    if pa.types.is_boolean(t) or pa.types.is_null(t):
        kinds.add("outcome")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        kinds.add("string")
    return kinds


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def read_parquet(
    path: Path, required: Mapping[str, str], **kwargs: Any
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Read a results Parquet file that must hold ``required`` columns (name -> integer, number, string).

    Returns:
        The frame, and each column's kinds (``integer``, ``number``, ``string``; ``outcome``: a number or
        a boolean).

    Raises:
        ResultsError: unreadable, a column missing, twice, or of the wrong type.
    """
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... on a damaged file
        _fail(f"{path}: not a readable Parquet file ({_reason(exc)})")
    names = list(schema.names)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        _fail(f"{path}: column {twice[0]!r} appears twice; the file is damaged")
    kinds = {n: _kind_of(schema.field(n).type) for n in names}
    for column, kind in required.items():
        if column not in kinds:
            _fail(f"{path}: missing column {column!r}; needed: {', '.join(required)}")
        if kind not in kinds[column]:
            _fail(f"{path}: column {column!r} holds {schema.field(column).type}; allowed: {kind}")
    try:
        frame = pd.read_parquet(path, **kwargs)
    except MemoryError:
        raise
    except Exception as exc:
        _fail(f"{path}: not a readable Parquet file ({_reason(exc)})")
    return frame, kinds


# -- summary.json ------------------------------------------------------------------------------------------


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{path}: not UTF-8 text (byte {exc.start}); the file is damaged")
    except OSError as exc:
        _fail(f"{path}: cannot read ({exc.strerror or type(exc).__name__})")


def _is(ok: bool, where: str, got: Any, allowed: str) -> None:
    if not ok:
        _fail(f"{where}: got {show(got)}; allowed: {allowed}")


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _optional_number(x: Any, where: str, **bounds: float) -> None:
    if x is not None:
        finite_number(x, where, ResultsError, **bounds)


def check_summary(path: Path) -> dict[str, Any]:
    """``summary.json``, parsed (strict JSON) and checked where the commands read it.

    Raises:
        ResultsError: not valid JSON, or a field missing or of the wrong type.
    """
    try:
        doc = json.loads(_text(path), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _fail(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); the file is damaged")
    except (ValueError, RecursionError) as exc:
        _fail(f"{path}: not valid JSON ({_reason(exc)}); the file is damaged")
    _is(isinstance(doc, dict), str(path), doc, "a JSON object with experiment and questions")
    e, questions = doc.get("experiment"), doc.get("questions")
    _is(isinstance(e, dict), f"{path}: experiment", e, "a JSON object")
    _is(isinstance(questions, dict), f"{path}: questions", questions, "a JSON object")
    where = f"{path}: experiment"
    a_date(e.get("start_date"), f"{where}.start_date", ResultsError)
    _is(
        _int(e.get("horizon_days")) and e["horizon_days"] >= 0,
        f"{where}.horizon_days",
        e.get("horizon_days"),
        "a whole number >= 0",
    )
    for k in ("runs", "ok", "failed"):
        _is(k not in e or (_int(e[k]) and e[k] >= 0), f"{where}.{k}", e.get(k), "a whole number >= 0")
    for k in ("scenario", "theatre", "interval", "design"):
        _is(k not in e or isinstance(e[k], str), f"{where}.{k}", e.get(k), "text")
    params = e.get("uncertain_parameters")
    _is(
        params is None or (isinstance(params, list) and all(isinstance(p, str) for p in params)),
        f"{where}.uncertain_parameters",
        params,
        "a list of parameter keys",
    )
    for qid, q in questions.items():
        _check_summary_question(q, f"{path}: questions.{qid}")
    _check_series_described(doc.get("series"), f"{path}: series")
    return doc


def _check_series_described(series: Any, where: str) -> None:
    """``series`` (absent in older results): variable -> {unit, label: text; fan: true/false}."""
    _is(series is None or isinstance(series, dict), where, series, "a JSON object")
    for name, info in (series or {}).items():
        _is(isinstance(info, dict), f"{where}.{name}", info, "a JSON object")
        for k in ("unit", "label"):
            _is(isinstance(info.get(k, ""), str), f"{where}.{name}.{k}", info.get(k), "text")
        _is(isinstance(info.get("fan", False), bool), f"{where}.{name}.fan", info.get("fan"), "true or false")


def _check_summary_question(q: Any, where: str) -> None:
    _is(isinstance(q, dict), where, q, "a JSON object")
    for k in ("text", "outcome"):
        _is(isinstance(q.get(k), str), f"{where}.{k}", q.get(k), "text")
    _is(q.get("kind", "event") in ("event", "numeric"), f"{where}.kind", q.get("kind"), "event, numeric")
    for k in ("n", "failed", "k"):
        _is(k not in q or (_int(q[k]) and q[k] >= 0), f"{where}.{k}", q.get(k), "a whole number >= 0")
    _is("n" in q, f"{where}.n", None, "a whole number >= 0")
    for k in ("unit", "interval_method"):
        _is(k not in q or isinstance(q[k], str), f"{where}.{k}", q.get(k), "text")
    _is(
        q.get("not_modelled") in (None, False) or isinstance(q["not_modelled"], str),
        f"{where}.not_modelled",
        q.get("not_modelled"),
        "text, or null",
    )
    _optional_number(q.get("probability"), f"{where}.probability", low=0, high=1)
    interval = q.get("interval")
    _is(
        interval is None or (isinstance(interval, list) and len(interval) == 2),
        f"{where}.interval",
        interval,
        "[low, high], or null",
    )
    for i, x in enumerate(interval or []):
        _optional_number(x, f"{where}.interval[{i}]", low=0, high=1)
    quantiles = q.get("quantiles")
    _is(quantiles is None or isinstance(quantiles, dict), f"{where}.quantiles", quantiles, "an object")
    for k, x in (quantiles or {}).items():
        _optional_number(x, f"{where}.quantiles.{k}")


# -- .hydra/config.yaml -----------------------------------------------------------------------------------


def check_config(path: Path) -> dict[str, Any]:
    """``.hydra/config.yaml`` (safe loader, no key twice), checked where the commands read it.

    Raises:
        ResultsError: not valid YAML, or a field of the wrong type.
    """
    doc = load_yaml(path, ResultsError)
    _is(isinstance(doc, dict), str(path), doc, "a mapping (the composed config)")
    sections = {
        k: doc[k] for k in ("theatre", "mc", "analysis", "questions", "uncertain", "calibrated") if k in doc
    }
    for k, v in sections.items():
        _is(isinstance(v, dict), f"{path}: {k}", v, "a mapping")
    for qid, q in (doc.get("questions") or {}).items():
        where = f"{path}: questions.{qid}"
        _is(isinstance(q, dict), where, q, "a mapping")
        for k in ("text", "outcome"):
            _is(isinstance(q.get(k), str), f"{where}.{k}", q.get(k), "text")
        _is(q.get("op") in QUESTION_OPS, f"{where}.op", q.get("op"), ", ".join(QUESTION_OPS))
        if not (q.get("op") == "eq" and isinstance(q.get("value"), str)):  # eq: a label too
            _optional_number(q.get("value"), f"{where}.value")
        _is(
            q.get("by_day") is None or _int(q["by_day"]), f"{where}.by_day", q.get("by_day"), "a whole number"
        )
    analysis = doc.get("analysis") or {}
    _optional_number(analysis.get("confidence"), f"{path}: analysis.confidence", low=0.5, high=0.999)
    _is(
        isinstance(analysis.get("target", ""), str),
        f"{path}: analysis.target",
        analysis.get("target"),
        "text",
    )
    mc = doc.get("mc") or {}
    for k in ("runs", "seed", "replications"):
        _is(k not in mc or _int(mc[k]), f"{path}: mc.{k}", mc.get(k), "a whole number")
    _is(isinstance(mc.get("design", ""), str), f"{path}: mc.design", mc.get("design"), "text")
    _check_theatre(doc.get("theatre") or {}, f"{path}: theatre")
    cal = doc.get("calibrated") or {}
    parameters = cal.get("parameters") or []
    _is(
        isinstance(parameters, list) and all(isinstance(p, dict) for p in parameters),
        f"{path}: calibrated.parameters",
        parameters,
        "a list of mappings",
    )
    return doc


def _check_theatre(th: dict[str, Any], where: str) -> None:
    places, roads = th.get("places") or {}, th.get("roads") or []
    _is(isinstance(places, dict), f"{where}.places", places, "a mapping")
    _is(isinstance(roads, list), f"{where}.roads", roads, "a list")
    for pid, p in places.items():
        _is(isinstance(p, dict), f"{where}.places.{pid}", p, "a mapping")
        finite_number(p.get("lat"), f"{where}.places.{pid}.lat", ResultsError, low=-90, high=90)
        finite_number(p.get("lon"), f"{where}.places.{pid}.lon", ResultsError, low=-180, high=180)
        _optional_number(p.get("population"), f"{where}.places.{pid}.population", low=0)
    for i, r in enumerate(roads):
        ok = isinstance(r, dict) and isinstance(r.get("a"), str) and isinstance(r.get("b"), str)
        _is(ok, f"{where}.roads[{i}]", r, "a mapping with a and b (place ids)")


# -- the files together ------------------------------------------------------------------------------------


def check_series(path: Path, series: pd.DataFrame, runs: pd.DataFrame, summary: dict[str, Any]) -> None:
    """The series' days lie in 0..horizon_days and its runs are the runs file's.

    Raises:
        ResultsError: naming the series file (a flipped byte can leave Parquet readable but a day absurd).
    """
    horizon = summary["experiment"]["horizon_days"]
    day = series["day"]
    if len(day) and (day.min() < 0 or day.max() > horizon):
        bad = day[(day < 0) | (day > horizon)].iloc[0]
        _fail(f"{path}: day {bad} outside the experiment's days 0-{horizon}; the file is damaged")
    unknown = ~series["run_id"].isin(runs["run_id"])
    if unknown.any():
        _fail(
            f"{path}: run_id {series['run_id'][unknown].iloc[0]} is not a run of the runs file; "
            "the file is damaged or from another experiment"
        )


def check_consistent(
    root: Path,
    runs: pd.DataFrame,
    kinds: dict[str, set[str]],
    summary: dict[str, Any],
    config: dict[str, Any],
) -> None:
    """The files describe one experiment: run counts, the questions and their outcome columns agree.

    Raises:
        ResultsError: naming the file that disagrees.
    """
    from sim.results import CONFIG_FILE, RUNS_FILE, SUMMARY_FILE

    runs_file, summary_file, config_file = root / RUNS_FILE, root / SUMMARY_FILE, root / CONFIG_FILE
    e = summary["experiment"]
    if "runs" in e and e["runs"] != len(runs):
        _fail(
            f"{runs_file}: {len(runs):,} runs, but {summary_file} counts {e['runs']:,}; "
            "the file is damaged or from another experiment"
        )
    repeated = runs["run_id"][runs["run_id"].duplicated()]
    if len(repeated):
        _fail(f"{runs_file}: run_id {repeated.iloc[0]} appears twice; the file is damaged")
    for qid, q in summary["questions"].items():
        if q.get("not_modelled"):
            continue
        column = q["outcome"]
        if column not in runs:
            _fail(f"{runs_file}: missing column {column!r} (the outcome of question {qid} in {summary_file})")
        label = ((config.get("questions") or {}).get(qid) or {}).get("op") == "eq"  # eq: a label column too
        if not label and "outcome" not in kinds.get(column, {"outcome"}):
            _fail(
                f"{runs_file}: column {column!r} (the outcome of question {qid}) holds text; allowed: numbers"
            )
    for p in e.get("uncertain_parameters") or []:
        if p not in runs:
            _fail(f"{runs_file}: missing column {p!r} (an uncertain parameter in {summary_file})")
    questions = config.get("questions") or {}
    if set(questions) != set(summary["questions"]):  # a config cut short loses its questions
        differ = sorted(set(questions) ^ set(summary["questions"]))[0]
        _fail(
            f"{config_file}: its questions differ from {summary_file}'s (e.g. {differ!r}); "
            "the file is damaged or from another experiment"
        )
    for qid, q in questions.items():
        numeric = q["op"] == "quantiles"
        if numeric != (summary["questions"][qid].get("kind") == "numeric"):
            _fail(
                f"{config_file}: questions.{qid}.op is {q['op']} but {summary_file} "
                "answers it otherwise; the files are from different experiments"
            )
