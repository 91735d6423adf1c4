"""The report's Markdown: experiments, forecast questions, differences, figures, what drives the answer.

Tables hold at most ``MAX_ROWS`` rows and ``MAX_PANELS`` scenario columns, ending in "… and N more (see
FILE)" when cut. Nothing here imports matplotlib; the figures are drawn before (:mod:`sim.report`).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.analysis.report_scenario import scenario_sections
from sim.analysis.report_story import story_section
from sim.analysis.report_tables import FIGURES, Report, ok_runs, table_cell
from sim.analysis.report_validation import report_sections
from sim.analysis.resolution import prim_finding, sensitivity_resolution
from sim.limits import MAX_PANELS, MAX_ROWS, clip, more, showing
from sim.results import SUMMARY_FILE, Results

__all__ = ["markdown"]


def markdown(
    results: dict[str, Results],
    questions: pd.DataFrame,
    numeric_outcomes: list[str],
    analyses: dict[str, dict[str, Any]],
    report: Report,
    slugs: dict[str, str],
) -> str:
    """The text of ``report.md``.

    Args:
        results: scenario label -> experiment (the first is the reference of the differences).
        questions: :func:`~sim.analysis.report_tables.questions_table` of the experiments.
        numeric_outcomes: numeric outcomes compared between scenarios.
        analyses: scenario label -> :func:`~sim.analysis.explain.explain` of it (those explained).
        report: the figures drawn (name -> path) and the notes.
        slugs: scenario label -> its part of the figures' file names.
    """
    names = list(results)
    cols = names[:MAX_PANELS]  # scenario columns of the tables
    where = SUMMARY_FILE if len(results) == 1 else f"each experiment's {SUMMARY_FILE}"
    md = _intro(results, cols, where)
    md += scenario_sections(results)
    md += _fitted(results)
    md += _questions(questions, cols, report, where)
    md += _uncertainty(results)
    md += report_sections(results, report.path.parent)
    if len(results) > 1:
        md += _differences(results, questions, numeric_outcomes, cols, where)
    md += _figures(report)
    md += story_section(results)
    if analyses:
        md += ["", "## What drives the answer", ""]
        for k, a in analyses.items():
            md += _drivers(k, a, slugs[k])
    if report.notes:
        md += ["", "## Notes", ""]
        md += [f"- {clip(n, 300)}" for n in report.notes]
    return "\n".join(md) + "\n"


def _intro(results: dict[str, Results], cols: list[str], where: str) -> list[str]:
    """Title, what the probabilities are, and the experiments table."""
    first = next(iter(results.values())).summary["experiment"]
    level = first.get("interval", "Wilson 90%")
    md = ["# Scenario report", ""]
    md.append(
        f"{len(results)} experiment(s) of the {first.get('theatre', '?')} theatre, day 0 = "
        f"{first.get('start_date', '?')}. Probabilities are shares of the runs with {level} intervals; "
        "failed runs are left out and counted."
    )
    if len(results) > len(cols):
        rule = "the first, in the order given"
        md += ["", f"Tables: {showing(len(cols), len(results), 'scenarios', rule, where)}."]
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
    return md


def _fitted(results: dict[str, Results]) -> list[str]:
    """What the model was fitted to: parameters set by hand to historical facts, calibrated posteriors."""
    tuned = (next(iter(results.values())).config.get("analysis") or {}).get("tuned") or []
    posteriors = {k: r.config.get("calibrated") or {} for k, r in results.items()}
    posteriors = {k: c for k, c in posteriors.items() if c.get("name")}
    md = ["", "## What the model was fitted to", ""]
    if not tuned and not posteriors:
        return [*md, "Nothing: no parameter was set to reproduce a historical fact; no posterior is used."]
    md.append(
        "The facts below are in-sample: the model reproduces them because its parameters were set to, so a "
        "forecast of them shows the fit, not skill (`python -m sim.score` scores them apart). The other "
        "parameters are sourced figures or assumptions (their sources are beside them), not set to reproduce "
        "an outcome."
    )
    md.append("")
    for t in tuned:
        facts = ", ".join(f"`{e}`" for e in t.get("to") or [])
        how = clip(t.get("how") or "", 200)
        md.append(f"- `{clip(t.get('parameter'), 80)}`, set by hand to {facts}: {how}")
    for k, c in posteriors.items():
        facts = ", ".join(f"`{o.get('event') or o.get('id')}`" for o in c.get("observations") or [])
        md.append(f"- {clip(k, 40)}: parameters drawn from the posterior `{c['name']}`, fitted to {facts}")
    return md


def _questions(questions: pd.DataFrame, cols: list[str], report: Report, where: str) -> list[str]:
    """The forecast questions' figure and table, and the numeric questions' quantiles."""
    md = ["", "## Forecast questions", ""]
    if "forecast_questions" in report.figures:
        md.append(f"![Forecast questions]({FIGURES}/forecast_questions.png)")
        md.append("")
    events = questions[questions["kind"] == "event"]
    md.append(_questions_md(events, cols, _event_cell, where))
    assumed = events[events.get("assumed", pd.Series("", index=events.index)).astype(bool)]
    if len(assumed):
        md += [
            "",
            "Assumed by the scenario, not forecast (its answer follows from the scenario's own terms):",
            "",
        ]
        md += [
            f"- {clip(x['scenario'], 40)}: {clip(x['text'], 80)}: {clip(x['assumed'], 200)}"
            for _, x in assumed.iterrows()
        ]
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
    return md


def _uncertainty(results: dict[str, Results]) -> list[str]:
    """The two kinds of uncertainty in words, and the parameters' part where the runs tell it apart."""
    md = [
        "",
        "**What the intervals mean.** The interval after each probability is Monte Carlo error: how far the "
        "share of runs may lie from the model's probability with these inputs. More runs shrink it; it is "
        "not the model's uncertainty, and it says nothing of the parameters' ranges or the model's "
        "assumptions.",
    ]
    rows = []
    for k, r in results.items():
        for q in r.summary["questions"].values():
            s = q.get("over_parameters")
            if s:
                spread = f"{100 * s['sd']:.0f} pts; draws {_pct(s['low'])} to {_pct(s['high'])}"
                rows.append([clip(k, 40), clip(q["text"], 80), _pct(q["probability"]), spread,
                             f"{s['points']} × {s['runs_per_point']:g} runs"])  # fmt: skip
    if not rows:
        return [
            *md,
            "",
            "Over the uncertain parameters: not told apart here. With uncertain parameters and "
            "`mc.replications` of 2 or more, each parameter draw is run several times and the report gives "
            "how much each probability leans on the parameters, apart from chance.",
        ]
    md += [
        "",
        "**Over the uncertain parameters.** How much each probability changes over the uncertain "
        "parameters' ranges: the standard deviation of the probability between parameter draws, Monte "
        "Carlo noise removed (law of total variance, `sim.results.spread`), and the 5th to 95th percentile "
        "of the draws' shares (noise included). More runs do not shrink it; narrower parameter ranges do.",
        "",
    ]
    header = ["scenario", "question", "probability", "s.d. over the parameters", "draws"]
    return [*md, _table(header, rows, f"each experiment's {SUMMARY_FILE}")]


def _event_cell(x: pd.Series) -> str:
    if x.get("assumed"):
        return f"{_pct(x['probability'])}, assumed by the scenario"
    return f"{_pct(x['probability'])} [{_pct(x['low'])}, {_pct(x['high'])}]"


def _differences(
    results: dict[str, Results],
    questions: pd.DataFrame,
    numeric_outcomes: list[str],
    cols: list[str],
    where: str,
) -> list[str]:
    """Each scenario's probabilities minus the first's (Newcombe intervals), and numeric two-sample tests."""
    from sim.analysis.compare import compare_questions

    ref = cols[0]
    conf = float(next(iter(results.values())).config.get("analysis", {}).get("confidence", 0.9))
    ids = list(dict.fromkeys(questions[questions["kind"] == "event"]["question"]))
    kept = set(ids[:MAX_ROWS])  # compare only the questions the table shows
    summaries = {
        k: {**r.summary, "questions": {q: v for q, v in r.summary["questions"].items() if q in kept}}
        for k, r in results.items()
        if k in cols
    }
    diffs = compare_questions(summaries, ref, conf)
    short = clip(ref, 60)
    md = ["", f"## Differences from {short}", ""]
    md.append(
        f"Each scenario's probability minus {short}'s, with a {conf:.0%} Newcombe interval; **bold** "
        "where the interval excludes 0 (a difference the runs resolve), plain where it could be noise."
    )
    md.append("")
    rows = []
    for _qid, g in diffs.groupby("question", sort=False):
        rows.append([g["text"].iloc[0], *(_difference(g[g["scenario"] == k]) for k in cols[1:])])
    md.append(_table(["question", *cols[1:]], rows, where, hidden=max(0, len(ids) - MAX_ROWS)))
    return md + _numeric_tests(results, numeric_outcomes, cols, short)


def _difference(row: pd.DataFrame) -> str:
    """``+12 pts [+3, +20]``, bold when the interval excludes 0; "–" when not compared."""
    if row.empty:
        return "–"
    x = row.iloc[0]
    cell = f"{_pts(x['difference'])} pts [{_pts(x['low'])}, {_pts(x['high'])}]"
    return f"**{cell}**" if x["clear"] else cell


def _numeric_tests(
    results: dict[str, Results], numeric_outcomes: list[str], cols: list[str], short: str
) -> list[str]:
    """Difference of medians, Mann-Whitney and Kolmogorov-Smirnov p-values against the reference."""
    from sim.analysis.compare import compare_numeric

    samples = {}
    for o in numeric_outcomes:
        samples[o] = {k: ok_runs(r)[o] for k, r in results.items() if o in r.runs and k in cols}
    tests = compare_numeric(samples, cols[0])
    if not len(tests):
        return []
    md = ["", "Numeric outcomes: difference of medians, and two-sample tests against "
          f"{short} (p < 0.05: the distributions differ beyond sampling noise).", ""]  # fmt: skip
    rows = [
        [t.outcome, t.scenario, _num(t.median_difference), f"{t.mannwhitney_p:.3g}", f"{t.ks_p:.3g}"]
        for t in tests.itertuples()
    ]
    header = ["outcome", "scenario", "median difference", "Mann-Whitney p", "KS p"]
    md.append(_table(header, rows, "the runs.parquet files"))
    return md


def _figures(report: Report) -> list[str]:
    """The outcome distributions, the fan charts and the maps drawn."""
    md: list[str] = []
    sections = (
        ("distribution_", "## Outcome distributions", []),
        ("fan_", "## Over time", ["Median, 50% and 90% bands over the runs, per scenario.", ""]),
        ("map_", "## Control at the horizon", []),
    )
    for prefix, heading, intro in sections:
        names = [k for k in report.figures if k.startswith(prefix)]
        if names:
            md += ["", heading, "", *intro]
            md += [f"![{k}]({FIGURES}/{k}.png)" for k in names]
    return md


def _drivers(k: str, a: dict[str, Any], slug: str) -> list[str]:
    """One experiment's sensitivity table and PRIM box, with their figures.

    What the runs do not resolve is said so (:mod:`sim.analysis.resolution`).
    """
    md = [f"### {clip(k, 60)}: {clip(a['label'], 120)}", ""]
    if a.get("sensitivity") is not None:
        md += _sensitivity_md(a["sensitivity"], a.get("sensitivity_all") or "", slug)
    if a.get("prim") is not None:
        md += _prim_md(a["prim"], a.get("prim_all") or "", slug)
    return md


def _sensitivity_md(s: pd.DataFrame, where: str, slug: str) -> list[str]:
    measure, second = s.attrs.get("measures", ("index", "second"))
    md = [f"Sensitivity ({s.attrs.get('method')}): `{measure}` per parameter, largest first.", ""]
    res = sensitivity_resolution(s)
    rows = [
        [f"`{p}`", _fmt(x["index"]), _fmt(x["conf"]), _fmt(x["second"]), _yes(res["resolved"][str(p)])]
        for p, x in s.iterrows()
    ]
    header = ["parameter", measure, "± (95%)", second, "resolved (interval clear of 0)"]
    md.append(_table(header, rows, where))
    return [*md, "", f"In words: {res['why']}.", "", f"![sensitivity]({FIGURES}/sensitivity_{slug}.png)", ""]


def _prim_md(p: Any, where: str, slug: str) -> list[str]:
    row = p.trajectory.iloc[p.chosen]
    finding, why = prim_finding(int(row["n"]), float(row["density"]), p.base_density)
    figure = ["", f"![prim]({FIGURES}/prim_{slug}.png)", ""]
    if not finding:
        return [f"Scenario discovery (PRIM): no box is reported as a finding: {why}.", *figure]
    md = [
        "Scenario discovery (PRIM): in the box below the event happens in "
        f"{_pct(row['density'])} of the runs (vs {_pct(p.base_density)} overall); the box holds "
        f"{_pct(row['mass'])} of the runs ({int(row['n'])}) and {_pct(row['coverage'])} of those with "
        f"the event; {why}.",
        "",
    ]
    rows = [
        [f"`{q}`", _fmt(b["low"]), _fmt(b["high"]), f"{_fmt(b['range_low'])} – {_fmt(b['range_high'])}"]
        for q, b in p.box().iterrows()
    ]
    table = _table(["parameter", "from", "to", "sampled range"], rows, where)
    return [*md, table if rows else "(no restriction)", *figure]


# -- tables and numbers ------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]], where: str = "", hidden: int = 0) -> str:
    """A Markdown table of at most ``MAX_ROWS`` rows, then "… and N more (see WHERE)".

    Args:
        header: the column names.
        rows: the rows (those beyond ``MAX_ROWS`` are left out and counted).
        where: the file holding every row.
        hidden: rows left out already by the caller.
    """
    lines = ["| " + " | ".join(map(table_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(table_cell, row)) + " |" for row in rows[:MAX_ROWS]]
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


def _yes(x: bool) -> str:
    return "yes" if x else "not resolved"


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2f}"


def _pts(x: float) -> str:
    """A difference of probabilities in percentage points, signed, never "-0"."""
    return f"{round(100 * x):+d}"


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
