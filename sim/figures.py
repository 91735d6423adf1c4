"""Briefing-quality figures comparing scenarios: distributions, questions, fans, map, sensitivity, PRIM.

Every function builds and returns ``(fig, ax)`` or ``(fig, axes)``; none shows, saves or closes a figure
(the caller does: ``fig.savefig(path, dpi=150)`` then ``plt.close(fig)``). Importing this module imports
matplotlib; ``import sim`` does not import this module. No backend is forced: without a display matplotlib
falls back to Agg by itself.

Bounded for large inputs: a figure with one row per question or parameter draws at most ``MAX_ROWS`` of
them and one with a curve or panel per scenario at most ``MAX_PANELS`` (:mod:`sim.limits`), chosen by a
rule stated in a note on the figure ("showing 40 of 3,000 questions (...); all in summary.json"); long
names and texts are cut. The figures' pixel size therefore has a fixed bound whatever the input.

Conventions: one fixed colour per scenario (:func:`scenario_colours`, Okabe-Ito, colour-blind safe, keyed by
the order the scenarios are given in); every figure states the number of runs ``n``; probabilities and shares
are shown in per cent; large numbers get thousands separators.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.limits import MAX_PANELS, MAX_ROWS, clip, showing

__all__ = [
    "OKABE_ITO",
    "load_outlines",
    "plot_calibration",
    "plot_distribution",
    "plot_fans",
    "plot_forest",
    "plot_map",
    "plot_prim",
    "plot_reliability",
    "plot_scores",
    "plot_sensitivity",
    "scenario_colours",
]

#: Okabe-Ito palette, ordered so that the first scenarios get the most distinct colours (yellow last).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
NEVER_COLOUR = "#bbbbbb"
GREY = "#666666"
LAND = "#e6e6e6"
SEA = "#eef5fb"
BORDER = "#9a9a9a"
DEFAULT_FACTIONS = {"GNA": "#0072B2", "LNA": "#D55E00"}
WIDTH = 10.0  # inches; figures are 9-12 in wide


# ----------------------------------------------------------------------------------------------- helpers


def scenario_colours(scenarios: list[str]) -> dict[str, str]:
    """A stable colour per scenario, in the given order (Okabe-Ito, colour-blind safe).

    Args:
        scenarios: scenario names; the i-th gets the i-th palette colour (cycling after eight).

    Returns:
        Scenario -> hex colour.
    """
    return {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(dict.fromkeys(scenarios))}


def _n(n: int | float | None) -> str:
    return "n = ?" if n is None or (isinstance(n, float) and math.isnan(n)) else f"n = {int(n):,}"


#: Readable names of the usual outcomes and series (anything else is derived from the column name).
NAMES = {
    "front_km_final": "Front line at the horizon",
    "oil_output_final_bpd": "Oil output at the horizon",
    "fatalities_total": "Fatalities by the horizon",
    "front_km": "Front line",
    "oil_output_bpd": "Oil output",
}
_WORDS = {"bpd": "", "km": "", "cum": "cumulative", "final": "at the horizon", "gna": "GNA", "lna": "LNA"}


def _pretty(name: str) -> str:
    """``sirte_captured_day`` -> ``Sirte captured``; ``fatalities_cum`` -> ``Fatalities cumulative``."""
    if str(name) in NAMES:
        return NAMES[str(name)]
    words = [w for w in str(name).split("_") if w]
    if len(words) > 1 and words[-1] == "day":
        words = words[:-1]
    text = " ".join(w for w in (_WORDS.get(w, w) for w in words) if w) or str(name)
    return clip(text[:1].upper() + text[1:], 60)


def _short_param(name: str) -> str:
    """``mechanisms.unrest.exclusion_penalty`` -> ``unrest.exclusion_penalty`` (last two dotted parts)."""
    parts = str(name).split(".")
    return clip(".".join(parts[-2:]) if len(parts) > 2 else str(name), 50)


def _short_params(names: Sequence[str]) -> list[str]:
    """Shortened names, kept longer where shortening would make two of them equal."""
    short = [_short_param(n) for n in names]
    if len(set(short)) < len(short):
        return [clip(n, 60) for n in names]
    return short


def _num(x: float, sig: int = 3) -> str:
    """A number for a label: thousands separators when large, ``sig`` significant digits when small."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.{sig}g}"


def _thousands(ax_axis: Any) -> None:
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def _style(ax: Any, grid: str = "both") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    if grid:
        ax.grid(True, axis=grid, color="#e3e3e3", lw=0.8)
        ax.set_axisbelow(True)


def _centre_note(ax: Any, text: str, *, y: float = 0.5, fontsize: float = 12, **kw: Any) -> None:
    """A grey message in the middle of an axes (e.g. nothing to draw)."""
    ax.text(
        0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=fontsize, color=GREY, **kw
    )


def _wrap(text: Any, width: int, lines: int = 3) -> str:
    """``text`` wrapped at ``width`` characters, at most ``lines`` lines (cut with "…")."""
    return "\n".join(textwrap.wrap(" ".join(str(text).split()), width, max_lines=lines, placeholder=" …"))


def _titled(title: str, note: str | None) -> str:
    """The title (wrapped at 100 characters), with the note on what is left out (if any) on a new line."""
    title = "\n".join(textwrap.wrap(title, 100, max_lines=3, placeholder=" …")) if len(title) > 100 else title
    return f"{title}\n{note}" if note else title


def _first_scenarios(names: Sequence[str], where: str | None) -> tuple[list[str], str | None]:
    """At most ``MAX_PANELS`` scenarios (the first, in the order given), and the note saying so."""
    names = list(names)
    if len(names) <= MAX_PANELS:
        return names, None
    return names[:MAX_PANELS], showing(
        MAX_PANELS, len(names), "scenarios", "the first, in the order given", where
    )


def _footnote(ax: Any, text: str) -> None:
    """Small grey note under the x label, left-aligned with the axes (kept in the layout)."""
    ax.annotate(
        textwrap.fill(text, 110),
        xy=(0, 0),
        xycoords=("axes fraction", ax.xaxis.label),
        xytext=(0, -4),
        textcoords="offset points",
        fontsize=7.5,
        color=GREY,
        ha="left",
        va="top",
        annotation_clip=False,
    )


# ----------------------------------------------------------------------------------------------- distribution


def plot_distribution(
    data: dict[str, pd.Series],
    outcome: str,
    *,
    unit: str,
    kind: str,
    horizon: int | None = None,
    title: str | None = None,
    where: str | None = None,
):
    """Per-scenario distribution of one outcome over the ok runs (at most ``MAX_PANELS`` scenarios).

    ``kind="event_day"``: values are the day an event happened (NaN = never by the horizon). The main panel
    shows, per scenario, the cumulative share of runs in which it had happened by day d (it ends at
    P(happened), not at 100 %); a narrow panel on the right shows the "never by day <horizon>" share as bars.
    ``kind="numeric"``: overlaid empirical CDFs with the median marked.

    Args:
        data: scenario -> per-run values of the outcome.
        outcome: the outcome's column name (used in the default title).
        unit: the values' unit (axis label).
        kind: ``"event_day"`` or ``"numeric"``.
        horizon: the horizon in days (event days; default: the largest day seen).
        title: figure title (default from ``outcome``).
        where: the file holding every scenario, named in the note when some are left out.

    Returns:
        ``(fig, ax)``, ``ax`` the main panel.
    """
    if kind not in ("event_day", "numeric"):
        raise ValueError(f"kind must be 'event_day' or 'numeric', not {kind!r}")
    shown, note = _first_scenarios(list(data), where)
    colours = scenario_colours(shown)
    series = {s: pd.Series(data[s], dtype=float) for s in shown}
    if kind == "event_day":
        return _plot_event_days(series, colours, outcome, unit, horizon, title, note)
    return _plot_numeric(series, colours, outcome, unit, title, note)


def _plot_event_days(series, colours, outcome, unit, horizon, title, note):
    seen = [float(v.max()) for v in series.values() if v.notna().any()]
    if horizon is None:
        horizon = math.ceil(max(seen)) if seen else 1
    k = max(1, len(series))
    fig, (ax, ax_never) = plt.subplots(
        1,
        2,
        figsize=(WIDTH, 5.6),
        sharey=True,
        constrained_layout=True,
        gridspec_kw={"width_ratios": [7, 0.6 + 0.3 * k]},
    )
    any_event = False
    never_text = []
    for i, (scenario, s) in enumerate(series.items()):
        n = len(s)
        days = np.sort(s.dropna().to_numpy())
        days = days[days <= horizon]
        colour = colours[scenario]
        if not n:
            ax.plot([], [], color=colour, lw=2, label=f"{clip(scenario, 40)} (n = 0 runs)")
            never_text.append("–")
            continue
        p = 100 * len(days) / n
        any_event |= len(days) > 0
        x = np.concatenate([[0.0], days, [float(horizon)]])
        y = 100 * np.concatenate([[0], np.arange(1, len(days) + 1), [len(days)]]) / n
        label = f"{clip(scenario, 40)} ({_n(n)}): {p:.0f} % by day {horizon}, {100 - p:.0f} % never"
        ax.step(x, y, where="post", color=colour, lw=2, label=label, zorder=3, clip_on=False)
        ax.plot([horizon], [p], "o", color=colour, ms=5, zorder=4, clip_on=False)
        # the never mass hangs from the top, so its lower end lines up with the curve's end
        ax_never.bar(
            i, 100 - p, bottom=p, color=colour, alpha=0.3, width=0.72, edgecolor=colour, hatch="///", lw=1
        )
        never_text.append(f"{100 - p:.0f} %")
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    day_unit = unit if unit and unit not in ("day", "days") else "days"
    ax.set_xlabel(f"time since the start ({day_unit}; day 0 = start)")
    ax.set_ylabel("% of runs in which it had happened by then")
    _style(ax)
    if not any_event:
        _centre_note(
            ax,
            f"no run reached this event by day {horizon}",
            y=0.55,
            bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": NEVER_COLOUR},
        )
    fig.legend(loc="outside lower center", ncols=min(k, 2), fontsize=8.5, frameon=False)
    # the "never" panel: one hatched bar per scenario, its share written under it
    ax_never.set_xticks(range(k), never_text or [""], rotation=90 if k > 3 else 0, fontsize=8)
    for tick, scenario in zip(ax_never.get_xticklabels(), series, strict=False):
        tick.set_color(colours[scenario])
    ax_never.set_xlim(-0.6, k - 0.4)
    ax_never.set_title(f"never by\nday {horizon}", fontsize=9)
    ax_never.tick_params(axis="y", left=False)
    ax_never.tick_params(axis="x", length=0)
    ax_never.spines[["top", "right", "left"]].set_visible(False)
    ax_never.grid(True, axis="y", color="#e3e3e3", lw=0.8)
    ax_never.set_axisbelow(True)
    fig.suptitle(
        _titled(title or f"{_pretty(outcome)}: share of runs in which it had happened, by day", note),
        fontsize=12,
        x=0.01,
        ha="left",
    )
    return fig, ax


def _plot_numeric(series, colours, outcome, unit, title, note):
    fig, ax = plt.subplots(figsize=(WIDTH, 5.6), constrained_layout=True)
    big = False
    any_data = False
    for scenario, s in series.items():
        x = np.sort(s.dropna().to_numpy())
        colour = colours[scenario]
        if len(x) == 0:
            ax.plot([], [], color=colour, lw=2, label=f"{clip(scenario, 40)} (n = 0 runs with a value)")
            continue
        any_data = True
        big |= bool(np.nanmax(np.abs(x)) >= 1000)
        med = float(np.median(x))
        y = 100 * np.arange(1, len(x) + 1) / len(x)
        ax.step(
            np.concatenate([[x[0]], x]),
            np.concatenate([[0.0], y]),
            where="post",
            color=colour,
            lw=2,
            label=f"{clip(scenario, 40)} ({_n(len(x))}; median {_num(med)})",
            zorder=3,
        )
        ax.plot([med], [50], "D", color=colour, mec="white", ms=7, zorder=4)
        ax.axvline(med, color=colour, lw=0.8, ls=":", zorder=2)
    ax.axhline(50, color=GREY, lw=0.8, ls="--", zorder=1)
    if any_data:
        ax.annotate(
            "median (◆)",
            xy=(0, 50),
            xycoords=("axes fraction", "data"),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8,
            color=GREY,
        )
    else:
        _centre_note(ax, "no data in these runs", y=0.55)
    if big:
        _thousands(ax.xaxis)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel(f"{_pretty(outcome)} ({unit})" if unit else _pretty(outcome))
    ax.set_ylabel("% of runs with a value ≤ x")
    _style(ax)
    fig.legend(loc="outside lower center", ncols=min(max(len(series), 1), 2), fontsize=8.5, frameon=False)
    ax.set_title(
        _titled(title or f"{_pretty(outcome)}: distribution across runs (cumulative)", note),
        fontsize=12,
        loc="left",
    )
    return fig, ax


# ----------------------------------------------------------------------------------------------- forest


def plot_forest(table: pd.DataFrame, *, title: str = "Forecast questions", where: str | None = None):
    """Forecast questions: probability and 90 % interval per scenario, one row per question.

    At most ``MAX_ROWS`` questions (the first, in the table's order) and ``MAX_PANELS`` scenarios are drawn;
    a note in the title says so.

    Args:
        table: columns ``question``, ``text``, ``scenario``, ``probability`` (NaN = not modelled), ``low``,
            ``high``, ``n`` (ok runs); one row per question and scenario.
        title: figure title.
        where: the file holding every question, named in the note when some are left out.

    Returns:
        ``(fig, ax)``.
    """
    questions = list(dict.fromkeys(table["question"]))
    scenarios, note = _first_scenarios(list(dict.fromkeys(table["scenario"])), where)
    if len(questions) > MAX_ROWS:
        rule = "the first, in the order asked"
        note = showing(MAX_ROWS, len(questions), "questions", rule, where) + (f"; {note}" if note else "")
        questions = questions[:MAX_ROWS]
    table = table[table["question"].isin(questions) & table["scenario"].isin(scenarios)]
    colours = scenario_colours(scenarios)
    texts = table.drop_duplicates("question").set_index("question")["text"].reindex(questions)
    labels = [_wrap(str(t) if pd.notna(t) else str(q), 45) for q, t in texts.items()]
    lines = [lab.count("\n") + 1 for lab in labels]
    k = len(scenarios)
    # row heights: enough for the wrapped label and the dodged scenarios
    heights = [max(0.2 * nl + 0.15, 0.14 * k + 0.2) for nl in lines]
    y_top = np.cumsum([0.0, *heights])
    centres = -(y_top[:-1] + np.asarray(heights) / 2)
    fig_h = min(2.0 + sum(heights) * 1.05, 40.0)
    fig, ax = plt.subplots(figsize=(WIDTH, max(fig_h, 3.5)), constrained_layout=True)
    for i in range(0, len(questions), 2):  # zebra rows
        ax.axhspan(-y_top[i], -y_top[i + 1], color="#f4f4f4", zorder=0, lw=0)
    offsets = (np.arange(k) - (k - 1) / 2) * (0.14 if k > 1 else 0)
    ns = table.groupby("scenario", sort=False)["n"].max()
    not_modelled = False
    for j, scenario in enumerate(scenarios):
        rows = table[table["scenario"] == scenario].set_index("question")
        colour = colours[scenario]
        ax.plot([], [], "o-", color=colour, label=f"{clip(scenario, 40)} ({_n(ns.get(scenario))})")
        for qi, q in enumerate(questions):
            if q not in rows.index:
                continue
            r = rows.loc[q]
            if isinstance(r, pd.DataFrame):
                r = r.iloc[0]
            y = centres[qi] - offsets[j]
            p = r["probability"]
            if pd.isna(p):
                not_modelled = True
                ax.plot(
                    [1.015],
                    [y],
                    marker="o",
                    ms=4,
                    mfc="none",
                    mec=colour,
                    transform=ax.get_yaxis_transform(),
                    clip_on=False,
                )
                ax.text(
                    1.025,
                    y,
                    "n/m",
                    transform=ax.get_yaxis_transform(),
                    fontsize=7,
                    color="#999999",
                    va="center",
                    ha="left",
                    clip_on=False,
                )
                continue
            lo = r["low"] if pd.notna(r["low"]) else p
            hi = r["high"] if pd.notna(r["high"]) else p
            ax.plot(
                [100 * lo, 100 * hi],
                [y, y],
                color=colour,
                lw=2,
                solid_capstyle="butt",
                zorder=3,
                clip_on=False,
            )
            ax.plot([100 * p], [y], "o", color=colour, mec="white", mew=0.8, ms=6.5, zorder=4, clip_on=False)
            ax.text(
                100 * hi + 1.2,
                y,
                f"{100 * p:.0f}%",
                fontsize=7,
                color=colour,
                va="center",
                ha="left",
                zorder=5,
                clip_on=False,
            )
    ax.set_yticks(centres, labels, fontsize=8.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-y_top[-1], 0)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 10))
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.tick_params(axis="x", top=len(questions) > 8, labeltop=len(questions) > 8, labelsize=8)
    ax.set_xlabel("probability (90 % interval)")
    ax.grid(True, axis="x", color="#dddddd", lw=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.axvline(50, color="#bbbbbb", lw=0.8, zorder=1)
    ax.set_title(_titled(title, note), fontsize=13, loc="left")
    longest = max((len(f"{clip(s, 40)} ({_n(ns.get(s))})") for s in scenarios), default=0)
    fig.legend(
        loc="outside upper center", ncols=min(k, 5 if longest <= 26 else 3), fontsize=8.5, frameon=False
    )
    note = "Dot = share of ok runs answering yes; line = 90 % interval; n = ok runs per scenario."
    if not_modelled:
        note += "  n/m = not modelled in that scenario (its mechanism is off)."
    _footnote(ax, note)
    fig.get_layout_engine().set(h_pad=0.12, w_pad=0.15)
    return fig, ax


# ----------------------------------------------------------------------------------------------- fans


def plot_fans(
    bands: dict[str, pd.DataFrame],
    variable: str,
    *,
    unit: str,
    start_date: str | None = None,
    title: str | None = None,
    where: str | None = None,
):
    """Fan charts of a daily variable, one panel per scenario (shared y axis; at most ``MAX_PANELS``).

    Args:
        bands: scenario -> frame indexed by day with columns ``p05``, ``p25``, ``p50``, ``p75``, ``p95``;
            ``df.attrs["n"]`` = number of runs.
        variable: the variable's name (default title).
        unit: the variable's unit (y label).
        start_date: day 0 as ``YYYY-MM-DD``; the x axis shows dates when given, else days.
        title: figure title.
        where: the file holding every scenario, named in the note when some are left out.

    Returns:
        ``(fig, axes)``, ``axes`` a 1-D array with one panel per scenario drawn.
    """
    scenarios, note = _first_scenarios(list(bands), where)
    colours = scenario_colours(scenarios)
    k = max(1, len(scenarios))
    ncols = k if k <= 4 else (3 if k <= 6 else 4)
    nrows = math.ceil(k / ncols)
    fig, grid = plt.subplots(
        nrows,
        ncols,
        figsize=(min(12.0, max(9.0, 3.6 * ncols + 1.2)), 1.2 + 3.4 * nrows),
        sharey=True,
        sharex=True,
        squeeze=False,
        constrained_layout=True,
    )
    flat = grid.ravel()
    for ax in flat[k:]:
        ax.remove()
    axes = flat[:k]
    big = False
    lims: list[Any] = []
    for ax, scenario in zip(axes, scenarios, strict=False):
        n_runs = bands[scenario].attrs.get("n")
        df = bands[scenario].sort_index()
        colour = colours[scenario]
        days = np.asarray(df.index, dtype=float)
        x = (np.datetime64(start_date, "D") + days.astype("timedelta64[D]")) if start_date else days
        extremes = df[["p05", "p95"]].to_numpy(dtype=float)
        big |= bool(np.any(np.abs(extremes[np.isfinite(extremes)]) >= 1000))
        ax.fill_between(x, df["p05"], df["p95"], color=colour, alpha=0.18, lw=0)
        ax.fill_between(x, df["p25"], df["p75"], color=colour, alpha=0.4, lw=0)
        ax.plot(x, df["p50"], color=colour, lw=2)
        ax.set_title(f"{clip(scenario, 40)} ({_n(n_runs)} runs)", fontsize=10, loc="left")
        _style(ax)
        if start_date and len(df):
            span = float(days.max() - days.min()) * max(1, k // 2)  # narrow panels: fewer ticks
            ax.xaxis.set_major_locator(_date_locator(span))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _day_month(mdates.num2date(v))))
        if len(df):
            lims.extend([x.min(), x.max()])
    if lims:
        axes[0].set_xlim(min(lims), max(lims))
    for i, ax in enumerate(axes):
        if i % ncols == 0:
            ax.set_ylabel(f"{_pretty(variable)} ({unit})" if unit else _pretty(variable))
            if big:
                _thousands(ax.yaxis)
        if i + ncols >= k:  # bottom panel of its column
            ax.tick_params(axis="x", labelbottom=True)
            ax.set_xlabel(f"date (day 0 = {_date_text(start_date)})" if start_date else "day (0 = start)")
    proxies = [
        Line2D([], [], color=GREY, lw=2, label="median (p50)"),
        Patch(color=GREY, alpha=0.55, label="50 % of runs (p25–p75)"),
        Patch(color=GREY, alpha=0.2, label="90 % of runs (p05–p95)"),
    ]
    fig.legend(handles=proxies, loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    fig.suptitle(
        _titled(title or f"{_pretty(variable)} over time: median and spread across runs", note),
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig, np.asarray(axes)


def _date_locator(span_days: float) -> Any:
    """Few, round date ticks: quarters, months, the 1st and 15th, or every few days."""
    if span_days > 720:
        return mdates.MonthLocator(bymonth=(1, 7))
    if span_days > 240:
        return mdates.MonthLocator(bymonth=(1, 4, 7, 10))
    if span_days > 60:
        return mdates.MonthLocator()
    if span_days > 20:
        return mdates.DayLocator(bymonthday=(1, 15))
    return mdates.DayLocator(interval=max(1, round(span_days / 4)))


def _day_month(d: Any) -> str:
    return f"{d.day} {d:%b}"


def _date_text(date: str) -> str:
    """``2020-06-07`` -> ``7 Jun 2020``."""
    ts = pd.Timestamp(date)
    return f"{ts.day} {ts:%b %Y}"


# ----------------------------------------------------------------------------------------------- map


@cache
def load_outlines() -> dict[str, Any]:
    """The country outlines shipped in ``sim/data/outlines.json`` (Natural Earth 1:110m, public domain).

    Returns:
        The JSON document: ``source``, ``licence`` and ``countries`` (each with ``name`` and ``polygons``,
        lists of rings of ``[lon, lat]``, exterior first).
    """
    text = resources.files("sim").joinpath("data", "outlines.json").read_text(encoding="utf-8")
    return json.loads(text)


def _country_path(polygons: list) -> MplPath:
    verts, codes = [], []
    for poly in polygons:
        for ring in poly:
            ring = np.asarray(ring, dtype=float)
            verts.extend(ring.tolist())
            verts.append(ring[0].tolist())
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY])
    return MplPath(np.asarray(verts), codes)


def _label_point(path: MplPath, extent, places_xy: np.ndarray) -> tuple[float, float] | None:
    """A point inside ``path`` and the map extent, away from the places, for the country's name."""
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0 + 0.6, x1 - 0.6, 40), np.linspace(y0 + 0.4, y1 - 0.4, 40))
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    inside = pts[path.contains_points(pts)]
    if len(inside) < 12:
        return None
    if len(places_xy):
        d = np.min(np.hypot(*(inside[:, None, :] - places_xy[None, :, :]).transpose(2, 0, 1)), axis=1)
    else:
        d = np.full(len(inside), 3.0)
    score = np.minimum(d, 2.5) - 0.25 * np.hypot(*(inside - inside.mean(axis=0)).T)
    best = inside[int(np.argmax(score))]
    return float(best[0]), float(best[1])


def _place_labels(fig, ax, xy: np.ndarray, names: list[str], marker_px: float) -> None:
    """Greedy label placement: per place try a few offsets and keep the first not overlapping earlier ones."""
    fig.canvas.draw()  # fix the layout so that display coordinates are final
    renderer = fig.canvas.get_renderer()
    taken = []
    for x, y in ax.transData.transform(xy):
        r = marker_px
        taken.append((x - r, y - r, x + r, y + r))
    axbox = ax.get_window_extent(renderer)
    candidates = [
        (6, 4, "left", "bottom"),
        (6, -4, "left", "top"),
        (-6, 4, "right", "bottom"),
        (-6, -4, "right", "top"),
        (0, 8, "center", "bottom"),
        (0, -8, "center", "top"),
        (10, 0, "left", "center"),
        (-10, 0, "right", "center"),
    ]
    for (x, y), name in zip(xy, names, strict=True):
        if not name:
            continue
        placed = None
        for dx, dy, ha, va in candidates:
            t = ax.annotate(
                name,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=8,
                color="#222222",
                zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            )
            b = t.get_window_extent(renderer)
            inside = b.x0 >= axbox.x0 and b.x1 <= axbox.x1 and b.y0 >= axbox.y0 and b.y1 <= axbox.y1
            clash = any(b.x0 < q[2] and b.x1 > q[0] and b.y0 < q[3] and b.y1 > q[1] for q in taken)
            if inside and not clash:
                placed = t
                taken.append((b.x0, b.y0, b.x1, b.y1))
                break
            t.remove()
        if placed is not None:
            placed.set_in_layout(False)


def plot_map(
    places: pd.DataFrame,
    roads: list[tuple[str, str]],
    shares: pd.DataFrame,
    *,
    factions: dict[str, str] | None = None,
    title: str | None = None,
    n: int | None = None,
):
    """Map of who holds each place at the horizon, as the share of runs held by the first faction.

    Args:
        places: index = place id; columns ``name``, ``lat``, ``lon``; optional ``population`` and ``kind``
            (cities, i.e. population >= 50,000 or a ``kind`` naming a city with no population, get larger
            markers and labels, as do contested places; without ``population`` every place is labelled) and
            optional boolean ``label`` (overrides which places are labelled).
        roads: pairs of place ids, drawn as thin grey lines.
        shares: index = place id, columns = faction ids, values = share of runs in which the faction holds
            the place at the horizon (rows sum to 1). The first faction (in ``factions`` order when given,
            else column order) sets the colour.
        factions: faction id -> colour (default GNA blue, LNA vermillion).
        title: figure title.
        n: number of runs (shown in the title).

    Returns:
        ``(fig, ax)``.
    """
    factions = dict(factions) if factions else dict(DEFAULT_FACTIONS)
    order = [f for f in factions if f in shares.columns] + [f for f in shares.columns if f not in factions]
    first = order[0] if order else "?"
    second = order[1] if len(order) > 1 else None
    c_first = factions.get(first, DEFAULT_FACTIONS["GNA"])
    c_second = factions.get(second, DEFAULT_FACTIONS["LNA"]) if second else "#ffffff"
    cmap = LinearSegmentedColormap.from_list("holder", [c_second, "#f7f7f7", c_first])

    lat = places["lat"].astype(float)
    lon = places["lon"].astype(float)
    extent = (lon.min() - 1, lon.max() + 1, lat.min() - 1, lat.max() + 1)
    aspect = 1 / math.cos(math.radians(float(lat.mean())))
    data_w = (extent[1] - extent[0]) * 1.0
    data_h = (extent[3] - extent[2]) * aspect
    fig_w = 10.5
    fig_h = min(11.0, max(5.0, 1.6 + (fig_w - 2.4) * data_h / data_w))
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), constrained_layout=True)
    ax.set_facecolor(SEA)

    outlines = load_outlines()
    xy = np.column_stack([lon.to_numpy(), lat.to_numpy()])
    for country in outlines["countries"]:
        path = _country_path(country["polygons"])
        ax.add_patch(PathPatch(path, facecolor=LAND, edgecolor=BORDER, lw=0.7, zorder=1))
        at = _label_point(path, extent, xy)
        if at is not None:
            ax.text(
                *at,
                str(country["name"]).upper(),
                fontsize=9,
                color="#a8a8a8",
                ha="center",
                va="center",
                style="italic",
                zorder=1.5,
            )

    segments = [
        [(lon[a], lat[a]), (lon[b], lat[b])] for a, b in roads if a in places.index and b in places.index
    ]
    if segments:  # one collection, however many roads
        ax.add_collection(
            LineCollection(segments, colors="#8c8c8c", linewidths=0.9, zorder=2, capstyle="round")
        )

    share = (
        shares.reindex(places.index)[first] if first in shares.columns else pd.Series(np.nan, places.index)
    )
    pop = places["population"] if "population" in places.columns else pd.Series(np.nan, places.index)
    has_pop = pop.notna().any()
    is_city = (pop.fillna(0) >= 50_000) if has_pop else pd.Series(True, places.index)
    if has_pop and "kind" in places.columns:  # a city whose population is unknown is still a city
        is_city |= pop.isna() & places["kind"].astype(str).str.contains("city", case=False)
    sizes = np.where(is_city, 90, 38)
    known = share.notna().to_numpy()
    sc = ax.scatter(
        lon[known],
        lat[known],
        c=100 * share[known],
        cmap=cmap,
        vmin=0,
        vmax=100,
        s=sizes[known],
        edgecolors="#222222",
        linewidths=0.7,
        zorder=4,
    )
    if (~known).any():
        ax.scatter(
            lon[~known],
            lat[~known],
            s=sizes[~known],
            facecolors="none",
            edgecolors=GREY,
            linewidths=0.8,
            zorder=4,
            label="no data",
        )

    contested = share.between(0.05, 0.95).fillna(False)
    want = is_city | contested
    if "label" in places.columns:
        want = places["label"].fillna(False).astype(bool)
    rank = pop.fillna(0).rank(ascending=False, method="first")
    order_idx = sorted(places.index, key=lambda p: (not bool(is_city[p]), rank[p]))
    names = [_label_name(places.loc[p, "name"]) if bool(want[p]) else "" for p in order_idx]
    labelled = np.cumsum([bool(x) for x in names])
    names = [x if k <= MAX_ROWS else "" for x, k in zip(names, labelled, strict=True)]  # the first 40 only
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(aspect)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}°N"))
    ax.tick_params(labelsize=8)

    cbar = fig.colorbar(sc, ax=ax, shrink=0.75, pad=0.02, aspect=30)
    cbar.set_label(f"share of runs held by {first} at the horizon", fontsize=9)
    cbar.set_ticks([0, 25, 50, 75, 100])
    lo_text = f"0 %\n({second} in all runs)" if second else "0 %"
    cbar.set_ticklabels([lo_text, "25 %", "50 %", "75 %", f"100 %\n({first} in all runs)"], fontsize=8)

    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="none",
            mfc="#cccccc",
            mec="#222222",
            ms=9.5,
            label="city (≥ 50,000 people)",
        ),
        Line2D([], [], marker="o", ls="none", mfc="#cccccc", mec="#222222", ms=6, label="other place"),
        Line2D([], [], color="#8c8c8c", lw=0.9, label="road (schematic)"),
    ]
    if not has_pop:
        handles = handles[2:]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    n_text = f" ({_n(n)} runs)" if n is not None else ""
    ax.set_title(
        _titled(title or f"Who holds each place at the horizon{n_text}", None), fontsize=13, loc="left"
    )
    runs = f"Shares over {_n(n)} runs. " if n is not None else ""
    source = f"{outlines['source'].split(' (')[0]}, {outlines['licence'].split(' (')[0]}"
    _footnote(ax, f"{runs}Place markers: colour = share of runs held by {first}. Country outlines: {source}.")

    sub = [places.index.get_loc(p) for p in order_idx]
    _place_labels(fig, ax, xy[sub], names, marker_px=5.0)
    return fig, ax


def _label_name(name: Any) -> str:
    """``Al-Watiya air base (Okba Ibn Nafa, HL77)`` -> ``Al-Watiya air base``."""
    return clip(str(name).split(" (")[0].strip(), 40)


# ----------------------------------------------------------------------------------------------- sensitivity

_MEASURES = {
    "ST": "total-order Sobol index ST",
    "S1": "first-order Sobol index S1",
    "S2": "second-order Sobol index S2",
    "mu_star": "Morris μ*",
    "mu": "Morris μ",
    "sigma": "Morris σ",
    "rho": "Spearman ρ (signed)",
    "abs_rho": "|Spearman ρ|",
    "spearman": "|Spearman ρ|",
    "p": "p-value",
    "pvalue": "p-value",
    "p_value": "p-value",
}
_DEFAULT_MEASURES = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma"), "spearman": ("abs_rho", "rho")}


def _measure_label(method: str, name: str | None) -> str:
    if name is None:
        return ""
    return _MEASURES.get(str(name), f"{method} {name}")


def plot_sensitivity(
    table: pd.DataFrame, *, outcome: str, title: str | None = None, where: str | None = None
):
    """Horizontal bars of a sensitivity index per parameter, largest at the top (at most ``MAX_ROWS``).

    Args:
        table: index = parameter name; columns ``index``, ``conf`` and ``second`` (NaN allowed);
            ``attrs["method"]`` in ``sobol``, ``morris``, ``spearman``; ``attrs["measures"]`` = (index name,
            second name); optional ``attrs["n"]`` = runs.
        outcome: the outcome analysed (title).
        title: figure title.
        where: the file holding every parameter, named in the note when some are left out.

    Returns:
        ``(fig, ax)``.
    """
    method = str(table.attrs.get("method", "sensitivity"))
    measures = tuple(table.attrs.get("measures", _DEFAULT_MEASURES.get(method, ("index", None))))
    first_name = measures[0] if measures else "index"
    second_name = measures[1] if len(measures) > 1 else None
    t = table.sort_values("index", ascending=True, na_position="first")
    note = None
    if len(t) > MAX_ROWS:
        rule = f"the largest {_measure_label(method, first_name) or first_name}"
        note = showing(MAX_ROWS, len(t), "parameters", rule, where)
        t = t.tail(MAX_ROWS)
    m = len(t)
    fig, ax = plt.subplots(figsize=(WIDTH, max(3.2, 1.6 + 0.36 * m)), constrained_layout=True)
    y = np.arange(m)
    vals = t["index"].to_numpy(dtype=float)
    ax.barh(
        y,
        np.nan_to_num(vals),
        color="#0072B2",
        height=0.6,
        zorder=2,
        label=_measure_label(method, first_name),
    )
    conf = t["conf"].to_numpy(dtype=float) if "conf" in t else np.full(m, np.nan)
    ok = np.isfinite(conf) & np.isfinite(vals)
    if ok.any():
        ax.errorbar(
            vals[ok],
            y[ok],
            xerr=conf[ok],
            fmt="none",
            ecolor="#222222",
            elinewidth=1,
            capsize=3,
            zorder=3,
            label="± conf (95 % confidence half-width)",
        )
    second = t["second"].to_numpy(dtype=float) if "second" in t else np.full(m, np.nan)
    if np.isfinite(second).any():
        ax.plot(
            second,
            y,
            "D",
            color="#E69F00",
            mec="#222222",
            ms=6,
            ls="none",
            zorder=4,
            label=_measure_label(method, second_name) or "second measure",
        )
    ax.set_yticks(y, _short_params(list(t.index)), fontsize=9)
    ax.axvline(0, color="#444444", lw=0.8)
    label = _measure_label(method, first_name)
    ax.set_xlabel(label)
    _style(ax, grid="x")
    finite = np.isfinite(vals)
    reach = np.concatenate(
        [[0.0], vals[finite] + np.nan_to_num(conf[finite]), vals[finite], second[np.isfinite(second)]]
    )
    low = float(min(0.0, reach.min()))
    high = float(max(reach.max(), 1e-9))
    pad = 0.06 * (high - low)
    ax.set_xlim(low - (pad if low < 0 else 0.0), high + pad)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    n = table.attrs.get("n")
    n_text = f", {_n(n)} runs" if n is not None else ""
    method_name = {"sobol": "Sobol", "morris": "Morris", "spearman": "Spearman rank correlation"}.get(
        method, method
    )
    ax.set_title(
        _titled(title or f"What drives {_pretty(outcome)}? {method_name} sensitivity{n_text}", note),
        fontsize=12,
        loc="left",
    )
    if title and n is not None:
        _footnote(ax, f"{method_name} analysis over {_n(n)} runs.")
    return fig, ax


# ----------------------------------------------------------------------------------------------- PRIM


def plot_prim(result, *, where: str | None = None):
    """PRIM scenario discovery: the peeling trajectory and the chosen box's limits (at most ``MAX_ROWS``).

    Args:
        result: a ``PrimResult`` (``trajectory``, ``parameters``, ``chosen``, ``base_density``, ``box()``).
        where: the file holding every limit, named in the note when some are left out.

    Returns:
        ``(fig, axes)``: the trajectory panel and the box panel.
    """
    traj = result.trajectory.reset_index(drop=True)
    chosen = int(result.chosen)
    n_total = int(traj["n"].max()) if len(traj) else 0
    box = result.box()
    note = None
    if len(box) > MAX_ROWS:
        note = showing(MAX_ROWS, len(box), "restricted parameters", "the first, in the box's order", where)
        box = box.iloc[:MAX_ROWS]
    m = len(box)
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(12.0, max(4.8, 1.8 + 0.45 * m)),
        constrained_layout=True,
        gridspec_kw={"width_ratios": [1, 1.15]},
    )
    ax, bx = axes

    # (1) trajectory
    cov = 100 * traj["coverage"].to_numpy(dtype=float)
    den = 100 * traj["density"].to_numpy(dtype=float)
    ax.plot(cov, den, color="#bbbbbb", lw=1, zorder=1)
    sc = ax.scatter(
        cov,
        den,
        c=100 * traj["mass"].to_numpy(dtype=float),
        cmap="viridis",
        vmin=0,
        vmax=100,
        s=28,
        edgecolors="none",
        zorder=2,
    )
    cb = fig.colorbar(sc, ax=ax, pad=0.02, aspect=30)
    cb.set_label("mass (% of runs inside the box)", fontsize=9)
    cb.ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    base = 100 * float(result.base_density)
    ax.axhline(base, color=GREY, ls="--", lw=1, zorder=0)
    ax.annotate(
        f"base density {base:.0f} % (all runs)",
        xy=(0, base),
        xycoords=("axes fraction", "data"),
        xytext=(4, 3),
        textcoords="offset points",
        fontsize=8,
        color=GREY,
        va="bottom",
    )
    if 0 <= chosen < len(traj):
        cx, cy = cov[chosen], den[chosen]
        ax.scatter(
            [cx], [cy], s=160, facecolors="none", edgecolors="#D55E00", linewidths=2, zorder=3, clip_on=False
        )
        n_box = int(traj["n"].iloc[chosen])
        ax.annotate(
            f"chosen box #{chosen}\ncoverage {cx:.0f} %, density {cy:.0f} %\n"
            f"n = {n_box:,} of {n_total:,} runs",
            xy=(cx, cy),
            # lower right of the panel: a peeling trajectory runs from (100 %, base) up and to the left,
            # so below the base-density line and left of the 100 % coverage column it is empty
            xytext=(0.93, 0.05),
            textcoords="axes fraction",
            ha="right",
            va="bottom",
            fontsize=8.5,
            color="#D55E00",
            arrowprops={"arrowstyle": "-", "color": "#D55E00", "lw": 1},
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#D55E00", "alpha": 0.9},
        )
    ax.set_xlim(0, 102)
    ax.set_ylim(0, 102)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel("coverage (% of the cases of interest inside the box)")
    ax.set_ylabel("density (% of runs in the box that are cases)")
    ax.set_title("Peeling trajectory", fontsize=11, loc="left")
    _style(ax)

    # (2) the chosen box's limits, normalised per parameter to its full range
    if m == 0:
        _centre_note(bx, "the chosen box restricts no parameter", fontsize=11)
        bx.set_axis_off()
    else:
        yy = np.arange(m)[::-1]
        for yi, (_name, r) in zip(yy, box.iterrows(), strict=True):
            lo_r, hi_r = float(r["range_low"]), float(r["range_high"])
            span = hi_r - lo_r if hi_r > lo_r else 1.0
            lo = (float(r["low"]) - lo_r) / span
            hi = (float(r["high"]) - lo_r) / span
            bx.barh(yi, 1.0, left=0.0, height=0.34, color="#eeeeee", edgecolor="#bbbbbb", lw=0.6, zorder=1)
            bx.barh(yi, hi - lo, left=lo, height=0.34, color="#0072B2", alpha=0.85, zorder=2)
            mid = min(max((lo + hi) / 2, 0.12), 0.88)
            bx.text(
                mid,
                yi + 0.22,
                f"{_num(float(r['low']))} – {_num(float(r['high']))}",
                ha="center",
                va="bottom",
                fontsize=8.5,
                color="#0b3d66",
            )
            for x_end, value, ha in ((0.0, lo_r, "left"), (1.0, hi_r, "right")):
                bx.text(x_end, yi - 0.22, _num(value), ha=ha, va="top", fontsize=7.5, color=GREY)
        bx.set_yticks(yy, _short_params([str(i) for i in box.index]), fontsize=9)
        bx.set_xlim(0, 1)
        bx.set_ylim(-0.7, m - 0.3)
        bx.set_xticks([0, 0.5, 1], ["lowest sampled", "middle", "highest sampled"], fontsize=8)
        bx.set_xlabel("box limits (blue) within each parameter's sampled range (grey), normalised")
        bx.spines[["top", "right"]].set_visible(False)
    bx.set_title(
        _titled(f"Chosen box #{chosen}: limits of the restricted parameters", note), fontsize=11, loc="left"
    )
    fig.suptitle(
        f"Scenario discovery (PRIM): which inputs lead to the outcome? ({_n(n_total)} runs)",
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig, np.asarray(axes)


# -------------------------------------------------------------------------------------------- scores


def plot_scores(
    table: pd.DataFrame, *, scenario: str = "", title: str | None = None, where: str | None = None
):
    """Forecasts of resolved yes/no questions against what happened, with their Brier scores.

    At most ``MAX_ROWS`` questions are drawn: those with the largest Brier scores (the worst forecasts),
    in the table's order; a note in the figure says so.

    Args:
        table: one row per question: ``text``, ``forecast`` (probability), ``outcome`` (bool), ``brier``,
            ``n`` (runs).
        scenario: the experiment's scenario, for the title.
        title: figure title (default: built from the scenario).
        where: the file holding every score, named in the note when some are left out.
    """
    t = table.reset_index(drop=True)
    total = len(t)
    note = None
    if total > MAX_ROWS:
        note = showing(MAX_ROWS, total, "questions", "those with the largest Brier scores", where)
        t = t.loc[t["brier"].nlargest(MAX_ROWS, keep="first").index.sort_values()].reset_index(drop=True)
    k = len(t)
    fig, (ax, ax_b) = plt.subplots(
        1, 2, figsize=(11, 1.6 + 0.55 * max(k, 2)), sharey=True, width_ratios=(3, 2), layout="constrained"
    )
    y = np.arange(k)[::-1]
    colours = np.where(t["outcome"].astype(bool), OKABE_ITO[2], OKABE_ITO[5])
    ax.scatter(t["forecast"], y, s=70, c=list(colours), zorder=3, edgecolor="white")
    ax.scatter(t["outcome"].astype(float), y, s=90, marker="x", c="black", zorder=3)
    for yi, p in zip(y, t["forecast"], strict=True):
        ax.annotate(
            f"{100 * p:.0f} %", (p, yi), xytext=(0, 8), textcoords="offset points", ha="center", fontsize=8
        )
    ax.set_yticks(y, [_wrap(s, 40, 2) for s in t["text"]], fontsize=9)
    ax.set_xlim(-0.05, 1.05)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("forecast probability (dot) and what happened (x: 0 % no, 100 % yes)")
    ax.axvline(0.5, color="0.6", lw=0.8, ls=":")
    ax_b.barh(y, t["brier"], color=list(colours), alpha=0.8)
    ax_b.axvline(0.25, color="0.3", lw=1, ls="--")
    ax_b.set_xlim(0, 1)
    ax_b.set_xlabel("Brier score (lower is better)")
    for a in (ax, ax_b):
        a.grid(axis="x", color="0.9")
        a.set_axisbelow(True)
    n = int(t["n"].max()) if "n" in t and k else 0
    scenario_text = f": {clip(scenario, 40)}" if scenario else ""
    default = f"Forecasts scored against what happened{scenario_text} (n = {n:,} runs, {total:,} questions)"
    fig.suptitle(_titled(title or default, note), x=0.01, ha="left")
    legend = [
        Line2D([], [], marker="o", ls="", color=OKABE_ITO[2], label="happened"),
        Line2D([], [], marker="o", ls="", color=OKABE_ITO[5], label="did not happen"),
        Line2D([], [], color="0.3", lw=1, ls="--", label="Brier of a 50 % forecast (0.25)"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig, (ax, ax_b)


def plot_reliability(table: pd.DataFrame, *, n: int | None = None, title: str | None = None):
    """Reliability diagram: observed frequency against mean forecast probability per bin.

    Args:
        table: from :func:`sim.analysis.scoring.reliability` (``forecast``, ``observed``, ``n`` per bin).
        n: number of questions, for the title.
        title: figure title.
    """
    fig, ax = plt.subplots(figsize=(6.5, 6), layout="constrained")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfectly reliable")
    ax.plot(table["forecast"], table["observed"], marker="o", color=OKABE_ITO[0], label="forecasts")
    for f, o, m in zip(table["forecast"], table["observed"], table["n"], strict=True):
        ax.annotate(f"n = {m}", (f, o), xytext=(6, -10), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("forecast probability (mean in bin)")
    ax.set_ylabel("share that happened")
    ax.legend(loc="upper left", frameon=False)
    ax.grid(color="0.9")
    total = int(table["n"].sum()) if n is None else n
    ax.set_title(
        _titled(title or f"Reliability of the forecasts (n = {total:,} questions)", None), loc="left"
    )
    return fig, ax


# ----------------------------------------------------------------------------------------------- calibration


MAX_CALIBRATION_PANELS = 12  # parameters drawn by plot_calibration (four rows of three)
MAX_CATEGORIES = 20  # bars of a categorical parameter (its most common values in the prior)


def plot_calibration(
    prior: pd.DataFrame, report: dict[str, Any], *, title: str | None = None, where: str | None = None
):
    """Prior against posterior of each calibrated parameter (rejection ABC, :mod:`sim.calibrate`).

    At most ``MAX_CALIBRATION_PANELS`` parameters (the first, in the report's order) are drawn, each
    categorical one with at most ``MAX_CATEGORIES`` values (the most common in the prior); a note says so.

    Args:
        prior: the prior experiment's runs (one column per parameter, ``run_id``).
        report: the calibration summary of :func:`sim.calibrate.calibrate` (``parameters``,
            ``accepted_runs``, ``observations``, counts).
        title: figure title (default: the posterior's name and the acceptance).
        where: the file holding every parameter, named in the note when some are left out.

    Returns:
        ``(fig, axes)``: one panel per parameter, prior draws grey, accepted draws coloured, medians dashed.
    """
    keys = list(report["parameters"])
    note = None
    if len(keys) > MAX_CALIBRATION_PANELS:
        note = showing(
            MAX_CALIBRATION_PANELS, len(keys), "parameters", "the first, in the prior's order", where
        )
        keys = keys[:MAX_CALIBRATION_PANELS]
    k = max(1, len(keys))
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(WIDTH, 1.0 + 2.6 * rows), squeeze=False, layout="constrained"
    )
    accepted = prior["run_id"].isin(report["accepted_runs"]).to_numpy()
    prior_colour, post_colour = "#d4d4d4", OKABE_ITO[0]
    labels = _short_params(keys)
    for ax, key, label in zip(axes.ravel(), keys, labels, strict=False):
        x = prior[key]
        numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
        if numeric:
            v = x.to_numpy(dtype=float)
            finite = np.isfinite(v)
            v, post = v[finite], v[accepted & finite]
            if not len(post):
                _centre_note(ax, "no finite values", fontsize=10)
                ax.set_title(label, fontsize=10, loc="left")
                continue
            bins = np.histogram_bin_edges(v, bins=min(30, max(8, int(np.sqrt(len(post))))))
            ax.hist(v, bins=bins, density=True, color=prior_colour, label=f"prior (n = {len(v):,})")
            ax.hist(post, bins=bins, density=True, color=post_colour, alpha=0.2)
            ax.hist(
                post,
                bins=bins,
                density=True,
                histtype="step",
                color=post_colour,
                lw=2,
                label=f"posterior (n = {len(post):,})",
            )
            for values, colour in ((v, "0.35"), (post, post_colour)):
                ax.axvline(np.median(values), color=colour, ls="--", lw=1.2)
            _thousands(ax.xaxis)
            ax.set_yticks([])
            ax.set_ylabel("density")
        else:
            counts = x.astype(str).value_counts(normalize=True)
            cats = sorted(counts.index[:MAX_CATEGORIES])
            shares = [
                counts.reindex(cats, fill_value=0.0),
                x[accepted].astype(str).value_counts(normalize=True).reindex(cats, fill_value=0.0),
            ]
            pos = np.arange(len(cats))
            ax.bar(pos - 0.2, shares[0], width=0.4, color=prior_colour, label="prior")
            ax.bar(pos + 0.2, shares[1], width=0.4, color=post_colour, label="posterior")
            ax.set_xticks(pos, [clip(c, 20) for c in cats], rotation=90 if len(cats) > 4 else 0)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            if len(counts) > MAX_CATEGORIES:
                label += f" ({MAX_CATEGORIES} most common of {len(counts):,} values)"
        ax.set_title(label, fontsize=10, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.ravel()[len(keys) :]:
        ax.set_axis_off()
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    handles += [Line2D([], [], color="0.35", ls="--"), Line2D([], [], color=post_colour, ls="--")]
    labels += ["prior median", "posterior median"]
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=9, frameon=False)
    ids = [clip(o["id"], 30) for o in report.get("observations", [])]
    obs = ", ".join(ids) if len(ids) <= 3 else f"{', '.join(ids[:3])} and {len(ids) - 3:,} more observations"
    default = (
        f"Calibration '{clip(report['name'], 40)}' to {obs}: {report['accepted']:,} of "
        f"{report['prior_runs']:,} prior runs ({100 * report['acceptance_rate']:.1f} %) match"
    )
    fig.suptitle(_titled(title or default, note), x=0.01, ha="left")
    return fig, axes
