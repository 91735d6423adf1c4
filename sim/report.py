"""Reports: the figures and tables of one experiment, or a comparison of several.

``python -m sim.report DIR [DIR ...]`` takes experiment folders and ``-m`` multirun folders (whose
numbered subfolders are experiments) and writes ``report.md`` with its ``figures/`` (into the folder
given, for a single folder, else ``--out``). The main CLI calls :func:`build_report` at the end of every
experiment. Everything here reads results only (through :func:`sim.results.load`), never the model.

The report holds:

* the experiments (scenario, runs ok and failed, horizon, design, uncertain parameters);
* the forecast questions per scenario with their intervals (a forest plot and a table), and the numeric
  questions' quantiles;
* differences between each scenario and the first (the reference): probabilities with Newcombe
  intervals, numeric outcomes with Mann-Whitney and Kolmogorov-Smirnov p-values;
* distributions of the outcomes the questions ask about, fan charts of the daily series, and a map of who
  holds each place at the horizon;
* for experiments with uncertain parameters: which of them move ``analysis.target`` most (Sobol, Morris
  or rank correlation) and, for an event target, the parameter box in which it is most likely (PRIM).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.command import ArgumentParser, run_command
from sim.errors import UserError
from sim.inputs import output_folder, show, writing
from sim.limits import MAX_PANELS, MAX_ROWS, clip, listing, more, print_lines, showing
from sim.results import SUMMARY_FILE, Results, atomic_write, load
from sim.summary import answer

__all__ = [
    "REPORT_FILE",
    "Report",
    "ReportError",
    "build_report",
    "explain",
    "find_experiments",
    "geography",
    "holder_shares",
    "load_experiments",
    "main",
    "questions_table",
]

REPORT_FILE = "report.md"
FIGURES = "figures"
FAN_VARIABLES = {
    "front_km": "km from Tripoli",
    "oil_output_bpd": "b/d",
    "unrest_active_share": "share of citizens active",
    "lna_cohesion": "cohesion (0-1)",
}


class ReportError(UserError):
    """Bad input to the report (one line, shown without a traceback)."""


# -- finding and loading experiments -----------------------------------------------------------------


def find_experiments(paths: Sequence[str | Path]) -> list[Path]:
    """Experiment folders among ``paths``: each path is one, or a multirun folder holding several.

    Raises:
        ReportError: a path is neither, or does not exist.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            raise ReportError(f"{p}: no such folder")
        if (p / SUMMARY_FILE).is_file():
            found.append(p)
            continue
        try:
            subs = sorted(
                (d for d in p.iterdir() if d.is_dir() and (d / SUMMARY_FILE).is_file()), key=_job_key
            )
        except OSError as exc:
            raise ReportError(f"{p}: cannot read the folder ({exc.strerror or type(exc).__name__})") from None
        if not subs:
            raise ReportError(
                f"{p}: not a finished experiment (no {SUMMARY_FILE}) nor a multirun folder holding any"
            )
        found.extend(subs)
    return found


def _job_key(d: Path) -> tuple[int, str]:
    head = d.name.split("_", 1)[0]
    return (int(head), d.name) if head.isdigit() else (math.inf, d.name)  # type: ignore[return-value]


def load_experiments(paths: Sequence[str | Path]) -> dict[str, Results]:
    """Load every experiment of ``paths``, labelled by scenario (folder name added if a scenario repeats).

    Raises:
        ReportError: a path is not an experiment nor a multirun folder.
        sim.results.ResultsError: a damaged file (one line naming it).
    """
    folders = find_experiments(paths)
    loaded = [load(f, variables=list(FAN_VARIABLES)) for f in folders]  # the report draws only these series
    names = [r.scenario for r in loaded]
    out: dict[str, Results] = {}
    for r in loaded:
        label = r.scenario if names.count(r.scenario) == 1 else f"{r.scenario} ({r.path.name})"
        out[label] = r
    return out


# -- the report ----------------------------------------------------------------------------------------


@dataclass
class Report:
    """What :func:`build_report` wrote: the Markdown file and the figures (name -> path)."""

    path: Path
    figures: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


MAX_DISTRIBUTIONS = 12  # outcome distribution figures (the outcomes of the first questions asked)
NOT_OUTCOMES = ("run_id", "seed", "design_point", "replication")  # runs columns that are no outcome


def build_report(results: dict[str, Results], out: Path, *, target: str | None = None) -> Report:
    """Write ``report.md`` and ``figures/*.png`` into ``out`` for one or more experiments.

    Bounded for large inputs (:mod:`sim.limits`): figures and tables show at most ``MAX_ROWS`` questions
    or parameters and ``MAX_PANELS`` scenarios; the per-experiment figures (maps, sensitivity, PRIM) are
    drawn for the first ``MAX_PANELS`` experiments, and at most ``MAX_DISTRIBUTIONS`` outcome
    distributions; each cut is stated in the report.

    Args:
        results: scenario label -> loaded experiment (the first is the reference of comparisons).
        out: the folder to write into.
        target: question id or outcome column for sensitivity and scenario discovery (default: each
            experiment's ``analysis.target``).
    """
    import matplotlib.pyplot as plt

    from sim import figures as fg

    out = Path(out)
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    report = Report(out / REPORT_FILE)
    names = list(results)
    summaries = {k: r.summary for k, r in results.items()}
    where = SUMMARY_FILE if len(results) == 1 else f"each experiment's {SUMMARY_FILE}"

    def save(name: str, fig) -> None:
        path = out / FIGURES / f"{name}.png"
        atomic_write(path, lambda p: fig.savefig(p, dpi=120, bbox_inches="tight", format="png"))
        plt.close(fig)
        report.figures[name] = path

    questions = questions_table(summaries)
    events = questions[questions["kind"] == "event"]
    if len(events):
        save("forecast_questions", fg.plot_forest(events, where=where)[0])
    distributions = _distribution_outcomes(results)
    if len(distributions) > MAX_DISTRIBUTIONS:
        rule = "those of the first questions asked"
        report.notes.append(
            f"outcome distributions: {showing(MAX_DISTRIBUTIONS, len(distributions), 'outcomes', rule)}"
        )
        distributions = distributions[:MAX_DISTRIBUTIONS]
    horizon = max(int(r.summary["experiment"].get("horizon_days", 0)) for r in results.values())
    for outcome, kind, unit in distributions:
        data = {k: _ok(r)[outcome] for k, r in results.items() if outcome in r.runs}
        fig, _ = fg.plot_distribution(data, outcome, unit=unit, kind=kind, horizon=horizon, where=where)
        save(f"distribution_{outcome}", fig)
    from sim.analysis.series import fan_bands

    start = next(iter(results.values())).summary["experiment"].get("start_date")
    shown = dict(list(results.items())[:MAX_PANELS])  # fans hold at most MAX_PANELS scenarios anyway
    for variable, unit in FAN_VARIABLES.items():
        bands = {k: fan_bands(r.series, variable) for k, r in shown.items() if _has(r, variable)}
        if bands:
            fig = fg.plot_fans(bands, variable, unit=unit, start_date=start, where=where)[0]
            save(f"fan_{variable}", fig)
    if len(results) > MAX_PANELS:
        report.notes.append(
            "fan charts, maps, sensitivity and PRIM figures: "
            + showing(MAX_PANELS, len(results), "experiments", "the first, in the order given")
        )
    slugs = _slugs(shown)
    for k, r in shown.items():
        shares = holder_shares(r)
        places, roads = geography(r)
        if shares is not None and len(places):
            title = f"Who holds what at the horizon: {clip(k, 50)}"
            fig, _ = fg.plot_map(places, roads, shares, title=title, n=_n(r))
            save(f"map_{slugs[k]}", fig)
    analyses = {}
    for k, r in shown.items():
        done = explain(r, target, k, report)
        if done is None:
            continue
        analyses[k] = done
        label = clip(done["label"], 60)
        table = done.get("sensitivity")
        if table is not None:
            name = f"sensitivity_{slugs[k]}"
            where_all = done["sensitivity_all"] = _all_rows(table, out / FIGURES / f"{name}.csv")
            title = f"What drives: {label} ({clip(k, 40)})"
            save(name, fg.plot_sensitivity(table, outcome=label, title=title, where=where_all)[0])
        if done.get("prim") is not None:
            name = f"prim_{slugs[k]}"
            where_all = done["prim_all"] = _all_rows(done["prim"].box(), out / FIGURES / f"{name}.csv")
            fig, _ = fg.plot_prim(done["prim"], where=where_all)
            fig.suptitle(f"Scenario discovery (PRIM) for: {label} ({clip(k, 40)})")
            save(name, fig)
    numeric = [o for o, kind, _ in distributions if kind == "numeric"]
    text = _markdown(results, names, questions, numeric, analyses, report, slugs)
    atomic_write(report.path, lambda p: p.write_text(text, encoding="utf-8"))
    return report


def _all_rows(table: pd.DataFrame, path: Path) -> str | None:
    """When a figure shows only part of ``table``: write all of it as CSV, and name the file."""
    if len(table) <= MAX_ROWS:
        return None
    atomic_write(path, lambda p: table.to_csv(p, index_label="parameter"))
    return f"{FIGURES}/{path.name}"


def _slugs(results: dict[str, Results]) -> dict[str, str]:
    """A short file-name part per label, unique (``_2``, ``_3``... where two would be equal)."""
    out: dict[str, str] = {}
    for k in results:
        base = _slug(k)[:60] or "experiment"
        slug, i = base, 1
        while slug in out.values():
            i += 1
            slug = f"{base}_{i}"
        out[k] = slug
    return out


def _ok(r: Results) -> pd.DataFrame:
    return r.runs[r.runs["status"] == "ok"]


def _n(r: Results) -> int:
    return int((r.runs["status"] == "ok").sum())


def _has(r: Results, variable: str) -> bool:
    return bool((r.series["variable"] == variable).any())


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in label).strip("_")


def questions_table(summaries: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The questions of several summaries as one table (the input of :func:`sim.figures.plot_forest`).

    Args:
        summaries: scenario -> its ``summary.json``.

    Returns:
        One row per (question, scenario): question, kind (event or numeric), text, scenario,
        probability, low, high (NaN if not modelled or numeric), n, failed, unit, outcome, not_modelled,
        and p05 ... p95 for numeric questions.
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
                    **{k: (math.nan if v is None else v) for k, v in qs.items()},
                }
            )
    return pd.DataFrame(rows)


def _distribution_outcomes(results: dict[str, Results]) -> list[tuple[str, str, str]]:
    """(outcome, kind, unit) to draw: event days the questions ask about, and the numeric questions."""
    out: dict[str, tuple[str, str]] = {}
    for r in results.values():
        for q in r.summary["questions"].values():
            o = q.get("outcome", "")
            if q.get("not_modelled") or o not in r.runs:
                continue
            if q.get("kind") == "numeric":
                unit = q.get("unit") or r.summary.get("columns", {}).get(o, {}).get("unit", "")
                out.setdefault(o, ("numeric", unit))
            elif o.endswith("_day") and _ok(r)[o].notna().any():
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


def _number(v: Any) -> float:
    return math.nan if v is None else float(v)


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
    ok = _ok(r)
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


# -- sensitivity and scenario discovery --------------------------------------------------------------


def explain(
    r: Results, target: str | None = None, label: str | None = None, report: Report | None = None
) -> dict[str, Any] | None:
    """Sensitivity and PRIM of one experiment's target over its uncertain parameters (None if it has none).

    Args:
        r: the experiment.
        target: question id or outcome column (default: the experiment's ``analysis.target``).
        label: the experiment's name in notes (default: its scenario).
        report: collects notes on what could not be done (default: the returned ``notes``).

    Returns:
        ``label`` (what is explained), ``target``, ``event`` (yes/no target), ``sensitivity`` (a table, or
        None), ``prim`` (a :class:`~sim.analysis.prim.PrimResult` for an event target, or None) and
        ``notes``; None if the experiment has no uncertain parameters or the target does not apply.
    """
    label = label or r.scenario
    report = report if report is not None else Report(Path(REPORT_FILE))
    first_note = len(report.notes)
    params = list(r.summary["experiment"].get("uncertain_parameters") or [])
    if not params:
        return None
    cfg = r.config
    target = target or cfg.get("analysis", {}).get("target", "gna_takes_sirte")
    ok = _ok(r)
    questions = cfg.get("questions") or {}
    q = questions.get(target)
    if q is not None and r.summary["questions"].get(target, {}).get("not_modelled"):
        report.notes.append(f"{label}: the target {show(target)} is not modelled in this scenario")
        return None
    if q is not None and q.get("op") != "quantiles":
        y = answer(ok, q).to_numpy(dtype=bool)
        name, event = q["text"], True
    else:
        outcome = q["outcome"] if q is not None else target
        if outcome not in outcome_columns(r):
            report.notes.append(
                f"{label}: analysis.target {show(target)} is neither a question nor an outcome"
            )
            return None
        y = pd.to_numeric(ok[outcome].map(_number), errors="coerce").to_numpy(dtype=float)
        name, event = outcome, False
    X = ok[params].apply(pd.to_numeric, errors="coerce")
    numeric = [c for c in params if X[c].notna().all()]
    out: dict[str, Any] = {"label": name, "target": target, "event": event, "sensitivity": None, "prim": None}
    from sim.analysis.sensitivity import sensitivity

    mc = cfg.get("mc", {})
    design = {
        "design": mc.get("design", "monte_carlo"),
        "n": mc.get("runs"),
        "seed": mc.get("seed"),
        "replications": mc.get("replications", 1),
        "morris_levels": 4,
        "names": params,
    }
    failed = int((r.runs["status"] != "ok").sum())
    method = "auto" if not failed else "spearman"  # Sobol and Morris need every design point
    if failed and design["design"] in ("sobol", "morris"):
        report.notes.append(f"{label}: {failed} failed runs, so sensitivity falls back to rank correlation")
    try:
        out["sensitivity"] = table = sensitivity(
            X[numeric] if method == "spearman" else X,
            y,
            method=method,
            design=design,
            design_point=ok["design_point"].to_numpy() if "design_point" in ok else None,
        )
        table.attrs["n"] = len(ok)
        if (
            table.attrs.get("method") in ("sobol", "morris")
            and (table["conf"] > 0.5 * table["index"].max()).any()
        ):
            report.notes.append(
                f"{label}: the {table.attrs['method']} indices are uncertain at mc.runs={design['n']} "
                "(wide ± columns); more runs narrow them"
            )
    except ValueError as exc:
        report.notes.append(f"{label}: no sensitivity analysis ({exc})")
    if event and numeric and 0 < y.sum() < len(y):
        from sim.analysis.prim import prim

        out["prim"] = prim(X[numeric], y)
    elif event:
        report.notes.append(f"{label}: no scenario discovery (the event happens in all runs or in none)")
    out["notes"] = report.notes[first_note:]
    return out


# -- Markdown -------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2f}"


def _cell(x: Any) -> str:
    """Text for a Markdown table cell: one line, no column breaks, at most 200 characters."""
    return clip(x, 200).replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]], where: str = "", hidden: int = 0) -> str:
    """A Markdown table of at most ``MAX_ROWS`` rows, then "… and N more (see WHERE)".

    Args:
        header: the column names.
        rows: the rows (those beyond ``MAX_ROWS`` are left out and counted).
        where: the file holding every row.
        hidden: rows left out already by the caller.
    """
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows[:MAX_ROWS]]
    hidden += max(0, len(rows) - MAX_ROWS)
    if hidden:
        lines += ["", more(hidden, where) if where else f"… and {hidden:,} more"]
    return "\n".join(lines)


def _questions_md(table: pd.DataFrame, names: list[str], cell, where: str) -> str:
    """A Markdown table of the first questions (rows) by scenario (columns); ``cell(row)`` formats one."""
    ids = list(dict.fromkeys(table["question"]))
    table = table[table["question"].isin(ids[:MAX_ROWS])]
    rows = []
    for _qid, g in table.groupby("question", sort=False):
        text, unit = g["text"].iloc[0], g["unit"].iloc[0]
        cells = [text if not unit or unit in text else f"{text} ({unit})"]
        for k in names:
            row = g[g["scenario"] == k]
            modelled = not row.empty and not row["not_modelled"].iloc[0]
            cells.append(cell(row.iloc[0]) if modelled else "not modelled")
        rows.append(cells)
    return _table(["question", *names], rows, where, hidden=max(0, len(ids) - MAX_ROWS))


def _markdown(
    results: dict[str, Results],
    names: list[str],
    questions: pd.DataFrame,
    numeric_outcomes: list[str],
    analyses: dict[str, dict[str, Any]],
    report: Report,
    slugs: dict[str, str],
) -> str:
    from sim.analysis.compare import compare_numeric, compare_questions

    first = next(iter(results.values())).summary["experiment"]
    level = first.get("interval", "Wilson 90%")
    where = SUMMARY_FILE if len(results) == 1 else f"each experiment's {SUMMARY_FILE}"
    cols = names[:MAX_PANELS]  # scenario columns of the tables
    md = ["# Scenario report", ""]
    md.append(
        f"{len(results)} experiment(s) of the {first.get('theatre', '?')} theatre, day 0 = "
        f"{first.get('start_date', '?')}. Probabilities are shares of the runs with {level} intervals; "
        "failed runs are left out and counted."
    )
    if len(names) > len(cols):
        md += [
            "",
            f"Tables: {showing(len(cols), len(names), 'scenarios', 'the first, in the order given', where)}.",
        ]
    md += ["", "## Experiments", ""]
    rows = []
    for k, r in results.items():
        e = r.summary["experiment"]
        params = ", ".join(f"`{p}`" for p in e.get("uncertain_parameters") or []) or "none"
        rows.append(
            [k, f"`{r.path}`", str(e.get("ok")), str(e.get("failed")), str(e.get("horizon_days")),
             str(e.get("design")), str(e.get("seed")), params]
        )  # fmt: skip
    header = ["scenario", "folder", "runs ok", "failed", "horizon (days)", "design", "seed", "uncertain"]
    md.append(_table(header, rows, "the folders given"))

    md += ["", "## Forecast questions", ""]
    if "forecast_questions" in report.figures:
        md.append(f"![Forecast questions]({FIGURES}/forecast_questions.png)")
        md.append("")
    events = questions[questions["kind"] == "event"]
    md.append(
        _questions_md(
            events, cols, lambda x: f"{_pct(x['probability'])} [{_pct(x['low'])}, {_pct(x['high'])}]", where
        )
    )
    numeric = questions[questions["kind"] == "numeric"]
    if len(numeric):
        md += ["", "Numeric questions: median [5%, 95%] over the runs where the outcome is defined.", ""]
        md.append(
            _questions_md(
                numeric,
                cols,
                lambda x: f"{_num(x.get('p50'))} [{_num(x.get('p05'))}, {_num(x.get('p95'))}]",
                where,
            )
        )

    if len(results) > 1:
        ref = names[0]
        conf = float(next(iter(results.values())).config.get("analysis", {}).get("confidence", 0.9))
        ids = list(dict.fromkeys(events["question"]))
        kept = set(ids[:MAX_ROWS])  # compare only the questions the table shows
        summaries = {
            k: {**r.summary, "questions": {q: v for q, v in r.summary["questions"].items() if q in kept}}
            for k, r in results.items()
            if k in cols
        }
        diffs = compare_questions(summaries, ref, conf)
        short = clip(ref, 60)
        md += ["", f"## Differences from {short}", ""]
        md.append(
            f"Each scenario's probability minus {short}'s, with a {conf:.0%} Newcombe interval; **bold** "
            "where the interval excludes 0 (a difference the runs resolve), plain where it could be noise."
        )
        md.append("")
        rows = []
        for _qid, g in diffs.groupby("question", sort=False):
            cells = [g["text"].iloc[0]]
            for k in cols[1:]:
                row = g[g["scenario"] == k]
                if row.empty:
                    cells.append("–")
                    continue
                x = row.iloc[0]
                cell = f"{_pts(x['difference'])} pts [{_pts(x['low'])}, {_pts(x['high'])}]"
                cells.append(f"**{cell}**" if x["clear"] else cell)
            rows.append(cells)
        md.append(_table(["question", *cols[1:]], rows, where, hidden=max(0, len(ids) - MAX_ROWS)))
        samples = {}
        for o in numeric_outcomes:
            samples[o] = {k: _ok(r)[o] for k, r in results.items() if o in r.runs and k in cols}
        tests = compare_numeric(samples, ref)
        if len(tests):
            md += ["", "Numeric outcomes: difference of medians, and two-sample tests against "
                   f"{short} (p < 0.05: the distributions differ beyond sampling noise).", ""]  # fmt: skip
            rows = [
                [t.outcome, t.scenario, _num(t.median_difference), f"{t.mannwhitney_p:.3g}", f"{t.ks_p:.3g}"]
                for t in tests.itertuples()
            ]
            header = ["outcome", "scenario", "median difference", "Mann-Whitney p", "KS p"]
            md.append(_table(header, rows, "the runs.parquet files"))

    dist = [k for k in report.figures if k.startswith("distribution_")]
    if dist:
        md += ["", "## Outcome distributions", ""]
        md += [f"![{k}]({FIGURES}/{k}.png)" for k in dist]
    fans = [k for k in report.figures if k.startswith("fan_")]
    if fans:
        md += ["", "## Over time", "", "Median, 50% and 90% bands over the runs, per scenario.", ""]
        md += [f"![{k}]({FIGURES}/{k}.png)" for k in fans]
    maps = [k for k in report.figures if k.startswith("map_")]
    if maps:
        md += ["", "## Control at the horizon", ""]
        md += [f"![{k}]({FIGURES}/{k}.png)" for k in maps]
    if analyses:
        md += ["", "## What drives the answer", ""]
        for k, a in analyses.items():
            md += [f"### {clip(k, 60)}: {clip(a['label'], 120)}", ""]
            s = a.get("sensitivity")
            if s is not None:
                measure, second = s.attrs.get("measures", ("index", "second"))
                md.append(f"Sensitivity ({s.attrs.get('method')}): `{measure}` per parameter, largest first.")
                md.append("")
                rows = [
                    [f"`{p}`", _fmt(x["index"]), _fmt(x["conf"]), _fmt(x["second"])] for p, x in s.iterrows()
                ]
                md.append(
                    _table(["parameter", measure, "± (95%)", second], rows, a.get("sensitivity_all") or "")
                )
                md += ["", f"![sensitivity]({FIGURES}/sensitivity_{slugs[k]}.png)", ""]
            p = a.get("prim")
            if p is not None:
                row = p.trajectory.iloc[p.chosen]
                md.append(
                    "Scenario discovery (PRIM): in the box below the event happens in "
                    f"{_pct(row['density'])} of the runs (vs {_pct(p.base_density)} overall); the box holds "
                    f"{_pct(row['mass'])} of the runs and {_pct(row['coverage'])} of those with the event."
                )
                md.append("")
                box = p.box()
                rows = [
                    [
                        f"`{q}`",
                        _fmt(b["low"]),
                        _fmt(b["high"]),
                        f"{_fmt(b['range_low'])} – {_fmt(b['range_high'])}",
                    ]
                    for q, b in box.iterrows()
                ]
                table = _table(["parameter", "from", "to", "sampled range"], rows, a.get("prim_all") or "")
                md.append(table if rows else "(no restriction)")
                md += ["", f"![prim]({FIGURES}/prim_{slugs[k]}.png)", ""]
    if report.notes:
        md += ["", "## Notes", ""]
        md += [f"- {clip(n, 300)}" for n in report.notes]
    return "\n".join(md) + "\n"


def _pts(x: float) -> str:
    """A difference of probabilities in percentage points, signed, never "-0"."""
    return f"{round(100 * x):+d}"


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


# -- command line -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.report DIR [DIR ...] [--out OUT] [--target ID]``; returns the exit code.

    Raises:
        sim.errors.UserError: bad input (one line; :func:`sim.command.run_command` exits 2).
    """
    ap = ArgumentParser(
        prog="python -m sim.report",
        description="Report of one experiment, or a comparison of several (experiment or multirun folders).",
    )
    ap.add_argument("folders", nargs="+", help="experiment folders, or multirun folders holding several")
    ap.add_argument("--out", help="where to write report.md and figures/ (default: the folder, if only one)")
    ap.add_argument(
        "--target", help="question id or outcome for sensitivity and PRIM (default: analysis.target)"
    )
    args = ap.parse_args(argv)
    if args.out is None and len(args.folders) > 1:
        raise ReportError("--out: needed when several folders are given")
    out = output_folder(args.out or args.folders[0], "--out" if args.out else "the folder", ReportError)
    results = load_experiments(args.folders)
    if args.target is not None:
        check_target(results, args.target)
    import matplotlib

    matplotlib.use("Agg")  # files only, whatever the environment's default backend
    with writing(out):
        report = build_report(results, out, target=args.target)
    print(f"report of {len(results)} experiment(s): {report.path} ({len(report.figures)} figures)")
    print_lines([f"note: {clip(n, 200)}" for n in report.notes], REPORT_FILE)
    return 0


if __name__ == "__main__":
    run_command(main)
