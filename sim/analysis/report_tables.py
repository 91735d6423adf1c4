"""The report's data: experiments found and loaded, and the tables and labels its figures are drawn from.

Everything here reads results only (:func:`sim.results.load`), never the model, and names no theatre: the
factions' labels and colours, the series' units and readable names come from each experiment's config and
summary. Nothing here imports matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError
from sim.inputs import show
from sim.limits import clip, listing
from sim.results import Results, ResultsError, experiment_folders, labelled, load_experiment

__all__ = [
    "FAN_VARIABLES",
    "REPORT_FILE",
    "Report",
    "ReportError",
    "check_target",
    "faction_colours",
    "fan_variables",
    "find_experiments",
    "geography",
    "holder_shares",
    "label_words",
    "load_experiments",
    "outcome_columns",
    "outcome_info",
    "questions_table",
    "report_series",
    "series_unit",
    "table_cell",
]

REPORT_FILE = "report.md"
FIGURES = "figures"
#: Daily series drawn as fan charts in results written before ``summary.json`` described its series (the
#: mechanisms now mark theirs with ``fan``), with their units; besides these, the cohesion of each faction
#: but the front faction (:func:`report_series`).
FAN_VARIABLES = {
    "front_km": "km",
    "oil_output_bpd": "b/d",
    "unrest_active_share": "share of citizens active",
}
COHESION = "_cohesion"  # a faction's cohesion series: <faction id, lower case>_cohesion
COHESION_UNIT = "0-1"
NOT_OUTCOMES = ("run_id", "seed", "design_point", "replication")  # runs columns that are no outcome


class ReportError(UserError):
    """Bad input to the report (one line, shown without a traceback)."""


@dataclass
class Report:
    """What :func:`sim.report.build_report` wrote: the Markdown file and the figures (name -> path)."""

    path: Path
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- finding and loading experiments -----------------------------------------------------------------


def find_experiments(paths: Sequence[str | Path]) -> list[Path]:
    """Experiment folders among ``paths``: each path is one, or a multirun folder holding several.

    Raises:
        ReportError: a path is neither, or does not exist.
    """
    found: list[Path] = []
    for p in paths:
        try:
            found += experiment_folders(p)
        except ResultsError as exc:
            raise ReportError(str(exc)) from None
    return found


def load_experiments(paths: Sequence[str | Path]) -> dict[str, Results]:
    """Load every experiment of ``paths``, labelled by scenario (folder name added if a scenario repeats).

    Only the series the report draws are loaded (:func:`report_series`).

    Raises:
        ReportError: a path is not an experiment nor a multirun folder.
        sim.results.ResultsError: a damaged file (one line naming it).
    """
    return labelled([load_experiment(f, variables=report_series) for f in find_experiments(paths)])


# -- what the theatre and the summary say about factions, series and outcomes ---------------------------


def _factions(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The theatre's factions (id -> its settings; settings that are not a mapping read as none)."""
    factions = (config.get("theatre") or {}).get("factions") or {}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in factions.items()}


def report_series(config: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> list[str]:
    """The daily series the report draws as fan charts, in the order the experiment declared them.

    Those ``summary.json`` marks with ``fan`` (the mechanisms' and the core model's declarations,
    :func:`sim.model.contract.describe_series`). Results written before the summary described its series:
    :data:`FAN_VARIABLES`, then the cohesion (``<faction id, lower case>_cohesion``) of each faction but the
    front faction (``theatre.front_faction``, whose advance ``front_km`` measures).

    Args:
        config: an experiment's composed config (``Results.config``).
        summary: its ``summary.json`` (``Results.summary``); None reads as an older summary.
    """
    described = (summary or {}).get("series")
    if isinstance(described, dict) and described:
        return [name for name, info in described.items() if isinstance(info, dict) and info.get("fan")]
    front = (config.get("theatre") or {}).get("front_faction")
    cohesion = [f"{fid.lower()}{COHESION}" for fid in _factions(config) if fid != front]
    return list(dict.fromkeys([*FAN_VARIABLES, *cohesion]))


def fan_variables(results: Mapping[str, Results]) -> list[str]:
    """The series drawn as fan charts for these experiments: those of :func:`report_series`, in order."""
    return list(dict.fromkeys(v for r in results.values() for v in report_series(r.config, r.summary)))


def outcome_info(r: Results, name: str) -> dict[str, Any]:
    """What the summary says about an outcome or series (``columns``, ``outcomes`` or ``series.<name>``).

    Returns:
        That entry (``unit``, ``label``, ...), or an empty dict when the summary has none (older results).
    """
    for part in ("columns", "outcomes", "series"):
        info = (r.summary.get(part) or {}).get(name)
        if isinstance(info, dict):
            return info
    return {}


def described(results: Mapping[str, Results], name: str) -> dict[str, Any]:
    """:func:`outcome_info` from the first experiment that describes ``name`` (one with its mechanism on)."""
    return next((info for r in results.values() if (info := outcome_info(r, name))), {})


def landmarks(results: Mapping[str, Results], name: str) -> dict[str, float] | None:
    """Named values on the scale of an outcome or series (the towns along the front's road), if recorded."""
    return next((m[name] for r in results.values() if name in (m := r.summary.get("landmarks") or {})), None)


def modelled(r: Results, outcome: str) -> bool:
    """Whether an experiment models an outcome: some question about it is answered, or none asks."""
    asked = [q for q in r.summary["questions"].values() if q.get("outcome") == outcome]
    return not asked or any(not q.get("not_modelled") for q in asked)


def series_unit(r: Results, variable: str) -> str:
    """A daily series' unit, for its figure's axis.

    The summary's (:func:`outcome_info`: the series' declaration) when it gives one; for results written
    before the summary described its series, ``km from <front_origin's name>`` for the front line, else
    :data:`FAN_VARIABLES`'s, else ``0-1`` for any ``*_cohesion`` series, else none.
    """
    unit = outcome_info(r, variable).get("unit")
    if unit:
        return str(unit)
    if variable == "front_km":
        theatre = r.config.get("theatre") or {}
        origin = (theatre.get("places") or {}).get(theatre.get("front_origin"))
        if isinstance(origin, dict) and origin.get("name"):
            return f"km from {origin['name']}"
    if variable in FAN_VARIABLES:
        return FAN_VARIABLES[variable]
    return COHESION_UNIT if variable.endswith(COHESION) else ""


def label_words(results: Mapping[str, Results] | Results) -> dict[str, str]:
    """Words of column names to write as the factions' labels (``words=`` of the :mod:`sim.plots` figures).

    Each of the theatre's ``factions.<id>`` gives ``<id, lower case>`` -> its ``label``, else the id as
    written (``north_cohesion`` reads "NORTH cohesion" for a faction ``NORTH``).
    """
    many = results.values() if isinstance(results, Mapping) else [results]
    return {fid.lower(): str(f.get("label") or fid) for r in many for fid, f in _factions(r.config).items()}


def faction_colours(r: Results) -> dict[str, str | None]:
    """Faction id -> the theatre's ``factions.<id>.colour`` (None where not given: the figure picks one)."""
    return {fid: f.get("colour") for fid, f in _factions(r.config).items()}


# -- tables ---------------------------------------------------------------------------------------------


def questions_table(summaries: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The questions of several summaries as one table (the input of :func:`sim.plots.plot_forest`).

    Args:
        summaries: scenario -> its ``summary.json``.

    Returns:
        One row per (question, scenario): question, kind (event or numeric), text, scenario,
        probability, low, high (NaN if not modelled or numeric), n, failed, unit, outcome, not_modelled,
        assumed (why the scenario fixes the answer, or ""), and p05 ... p95 for numeric questions.
    """
    rows = []
    for name, s in summaries.items():
        for qid, q in s["questions"].items():
            lo, hi = q.get("interval") or (math.nan, math.nan)
            p = q.get("probability")
            qs = q.get("quantiles") or {}
            rows.append(
                {
                    "question": qid,
                    "kind": q.get("kind", "event"),
                    "text": q["text"],
                    "scenario": name,
                    "probability": math.nan if p is None else p,
                    "low": math.nan if lo is None else lo,
                    "high": math.nan if hi is None else hi,
                    "n": q["n"],
                    "failed": q.get("failed", 0),
                    "unit": q.get("unit", ""),
                    "outcome": q.get("outcome", ""),
                    "not_modelled": bool(q.get("not_modelled")),
                    "assumed": q.get("assumed") or "",
                    **{k: (math.nan if v is None else v) for k, v in qs.items()},
                }
            )
    return pd.DataFrame(rows)


def distribution_outcomes(results: dict[str, Results]) -> list[tuple[str, str, str]]:
    """(outcome, kind, unit) to draw: event days the questions ask about, and the numeric questions.

    A numeric outcome's unit is its question's, else the summary's (:func:`outcome_info`), else none.
    """
    out: dict[str, tuple[str, str]] = {}
    for r in results.values():
        for q in r.summary["questions"].values():
            o = q.get("outcome", "")
            if q.get("not_modelled") or o not in r.runs:
                continue
            if q.get("kind") == "numeric":
                unit = q.get("unit") or outcome_info(r, o).get("unit") or ""
                out.setdefault(o, ("numeric", unit))
            elif o.endswith("_day") and ok_runs(r)[o].notna().any():
                out.setdefault(o, ("event_day", "day"))
    return [(o, kind, unit) for o, (kind, unit) in out.items()]


def outcome_columns(r: Results) -> list[str]:
    """The runs columns that are outcomes: numbers or yes/no (not ids, parameters, places' holders, text)."""
    params = set(r.summary["experiment"].get("uncertain_parameters") or [])
    out = []
    for c in r.runs.columns:
        if c in NOT_OUTCOMES or c in params or str(c).startswith("holder_"):
            continue
        x = r.runs[c]
        if pd.api.types.is_bool_dtype(x) or pd.api.types.is_numeric_dtype(x):
            out.append(c)
        elif x.dtype == object and x.map(lambda v: v is None or isinstance(v, bool | float)).all():
            out.append(c)  # yes/no with missing values (failed runs)
    return out


def check_target(results: dict[str, Results], target: str) -> None:
    """``--target`` names a question or an outcome column of at least one experiment.

    Raises:
        ReportError: one line listing what is allowed.
    """
    allowed: dict[str, None] = {}
    for r in results.values():
        questions = r.config.get("questions") or {}
        if target in questions or target in outcome_columns(r):
            return
        allowed.update(dict.fromkeys(questions))
        allowed.update(dict.fromkeys(outcome_columns(r)))
    raise ReportError(
        f"--target: got {show(target)}; allowed: a question id or an outcome ({listing(allowed)})"
    )


def holder_shares(r: Results) -> pd.DataFrame | None:
    """Share of ok runs in which each faction holds each place at the horizon (None: not recorded)."""
    cols = [c for c in r.runs.columns if c.startswith("holder_")]
    ok = ok_runs(r)
    if not cols or not len(ok):
        return None
    shares = {c.removeprefix("holder_"): ok[c].value_counts(normalize=True) for c in cols}
    return pd.DataFrame(shares).T.fillna(0.0).sort_index(axis=1)


def geography(r: Results) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Places (index id; name, lat, lon, kind, population) and roads of an experiment's theatre (for maps)."""
    th = r.config.get("theatre", {})
    keys = ("name", "lat", "lon", "kind", "population")
    places = pd.DataFrame({pid: {k: p.get(k) for k in keys} for pid, p in th.get("places", {}).items()}).T
    roads = [(x["a"], x["b"]) for x in th.get("roads", [])]
    return places, roads


def ok_runs(r: Results) -> pd.DataFrame:
    """The runs that finished (``status`` ok)."""
    return r.runs[r.runs["status"] == "ok"]


def has_series(r: Results, variable: str) -> bool:
    """Whether the loaded series hold ``variable`` with a value (a mechanism switched off records NaN)."""
    values = r.series.loc[r.series["variable"] == variable, "value"]
    return bool(values.notna().any())


def table_cell(x: Any, width: int = 200) -> str:
    """Text for a Markdown table cell: one line, ``|`` escaped, at most ``width`` characters."""
    return clip(x, width).replace("|", "\\|")
