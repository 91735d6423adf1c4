"""Building a report: draw its figures (:mod:`sim.plots`) into ``figures/`` and write ``report.md``.

Bounded for large inputs (:mod:`sim.limits`): figures and tables show at most ``MAX_ROWS`` questions or
parameters and ``MAX_PANELS`` scenarios; the per-experiment figures (maps, sensitivity, PRIM) are drawn for
the first ``MAX_PANELS`` experiments, and at most ``MAX_DISTRIBUTIONS`` outcome distributions; each cut is
stated in the report. Matplotlib is imported only when a report is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.explain import explain
from sim.analysis.report_html import HTML_FILE, to_html
from sim.analysis.report_markdown import markdown
from sim.analysis.report_tables import (
    FIGURES,
    REPORT_FILE,
    Report,
    described,
    distribution_outcomes,
    faction_colours,
    fan_variables,
    geography,
    has_series,
    holder_shares,
    label_words,
    landmarks,
    modelled,
    ok_runs,
    questions_table,
    series_unit,
)
from sim.limits import MAX_PANELS, MAX_ROWS, clip, showing
from sim.results import SUMMARY_FILE, Results, atomic_write

__all__ = ["MAX_DISTRIBUTIONS", "build_report"]

MAX_DISTRIBUTIONS = 12  # outcome distribution figures (the outcomes of the first questions asked)


class _Figures:
    """Saves figures into ``out/figures/`` and records them in the report."""

    def __init__(self, out: Path, report: Report) -> None:
        self.out, self.report = out, report

    def save(self, name: str, fig) -> None:
        """Write ``figures/NAME.png`` (atomically) and close the figure."""
        from sim.figures import save_png

        self.report.figures[name] = save_png(fig, self.out / FIGURES / f"{name}.png")


def build_report(results: dict[str, Results], out: Path, *, target: str | None = None) -> Report:
    """Write ``report.md``, ``figures/*.png`` and ``report.html`` (the same, self-contained) into ``out``.

    Bounded for large inputs (:mod:`sim.limits`): figures and tables show at most ``MAX_ROWS`` questions
    or parameters and ``MAX_PANELS`` scenarios; the per-experiment figures (maps, sensitivity, PRIM) are
    drawn for the first ``MAX_PANELS`` experiments, and at most ``MAX_DISTRIBUTIONS`` outcome
    distributions; each cut is stated in the report.

    Args:
        results: scenario label -> loaded experiment (the first is the reference of comparisons).
        out: the folder to write into.
        target: question id or outcome column for sensitivity and scenario discovery (default: each
            experiment's ``analysis.target``; none: not explained).
    """
    out = Path(out)
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    report = Report(out / REPORT_FILE)
    figures = _Figures(out, report)
    where = SUMMARY_FILE if len(results) == 1 else f"each experiment's {SUMMARY_FILE}"
    words = label_words(results)
    questions = questions_table({k: r.summary for k, r in results.items()})
    distributions = _draw_outcomes(results, questions, figures, where, words)
    shown = dict(list(results.items())[:MAX_PANELS])  # fans hold at most MAX_PANELS scenarios anyway
    _draw_fans(shown, figures, where, words)
    if len(results) > MAX_PANELS:
        report.notes.append(
            "fan charts, maps, sensitivity and PRIM figures: "
            + showing(MAX_PANELS, len(results), "experiments", "the first, in the order given")
        )
    slugs = _slugs(shown)
    _draw_maps(shown, figures, slugs)
    analyses = _draw_drivers(shown, target, figures, slugs, words)
    numeric = [o for o, kind, _ in distributions if kind == "numeric"]
    text = markdown(results, questions, numeric, analyses, report, slugs)
    atomic_write(report.path, lambda p: p.write_text(text, encoding="utf-8"))
    page = to_html(text, out, title=f"Scenario report: {', '.join(list(results)[:MAX_PANELS])}")
    atomic_write(out / HTML_FILE, lambda p: p.write_text(page, encoding="utf-8"))
    return report


def _draw_outcomes(results, questions: pd.DataFrame, figures: _Figures, where: str, words) -> list:
    """The forecast questions' forest plot and the outcome distributions; returns the distributions drawn."""
    from sim import plots

    events = questions[questions["kind"] == "event"]
    if len(events):
        figures.save("forecast_questions", plots.plot_forest(events, where=where)[0])
    distributions = distribution_outcomes(results)
    if len(distributions) > MAX_DISTRIBUTIONS:
        rule = "those of the first questions asked"
        figures.report.notes.append(
            f"outcome distributions: {showing(MAX_DISTRIBUTIONS, len(distributions), 'outcomes', rule)}"
        )
        distributions = distributions[:MAX_DISTRIBUTIONS]
    horizon = max(int(r.summary["experiment"].get("horizon_days", 0)) for r in results.values())
    for outcome, kind, unit in distributions:
        data = {
            k: ok_runs(r)[outcome] for k, r in results.items() if outcome in r.runs and modelled(r, outcome)
        }
        missing = [k for k in results if k not in data]
        label = described(results, outcome).get("label")
        fig, _ = plots.plot_distribution(data, outcome, unit=unit, kind=kind, horizon=horizon, where=where,
                                         label=label, words=words, not_modelled=missing,
                                         landmarks=landmarks(results, outcome))  # fmt: skip
        figures.save(f"distribution_{outcome}", fig)
    return distributions


def _draw_fans(shown: dict[str, Results], figures: _Figures, where: str, words) -> None:
    """One fan chart per daily series the report draws, a panel per experiment that recorded it."""
    from sim import plots
    from sim.analysis.series import fan_bands

    first = next(iter(shown.values()))
    start = first.summary["experiment"].get("start_date")
    for variable in fan_variables(shown):
        bands = {k: fan_bands(r.series, variable) for k, r in shown.items() if has_series(r, variable)}
        if bands:  # an experiment whose mechanism is off has no panel (and one with none, no figure)
            with_it = next(r for k, r in shown.items() if k in bands)
            unit = series_unit(with_it, variable)
            label = described(shown, variable).get("label")
            fig = plots.plot_fans(bands, variable, unit=unit, start_date=start, where=where, label=label,
                                  words=words, landmarks=landmarks(shown, variable))[0]  # fmt: skip
            figures.save(f"fan_{variable}", fig)


def _draw_maps(shown: dict[str, Results], figures: _Figures, slugs: dict[str, str]) -> None:
    """A map of who holds each place at the horizon, per experiment (faction colours from its theatre)."""
    from sim import plots

    for k, r in shown.items():
        shares = holder_shares(r)
        places, roads = geography(r)
        if shares is not None and len(places):
            title = f"Who holds what at the horizon: {clip(k, 50)}"
            factions = faction_colours(r)
            fig, _ = plots.plot_map(places, roads, shares, factions=factions, title=title, n=len(ok_runs(r)))
            figures.save(f"map_{slugs[k]}", fig)


def _draw_drivers(shown, target: str | None, figures: _Figures, slugs, words) -> dict[str, dict[str, Any]]:
    """Sensitivity and PRIM figures of each experiment explained; returns the explanations."""
    from sim import plots

    analyses = {}
    for k, r in shown.items():
        done = explain(r, target, k, figures.report)
        if done is None:
            continue
        analyses[k] = done
        label = clip(done["label"], 60)
        table = done.get("sensitivity")
        if table is not None:
            name = f"sensitivity_{slugs[k]}"
            where_all = done["sensitivity_all"] = _all_rows(table, figures.out / FIGURES / f"{name}.csv")
            title = f"What drives: {label} ({clip(k, 40)})"
            fig = plots.plot_sensitivity(table, outcome=label, title=title, where=where_all, words=words)[0]
            figures.save(name, fig)
        if done.get("prim") is not None:
            name = f"prim_{slugs[k]}"
            where_all = done["prim_all"] = _all_rows(
                done["prim"].box(), figures.out / FIGURES / f"{name}.csv"
            )
            fig, _ = plots.plot_prim(done["prim"], where=where_all)
            fig.suptitle(f"Scenario discovery (PRIM) for: {label} ({clip(k, 40)})")
            figures.save(name, fig)
    return analyses


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


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in label).strip("_")
