"""Outcomes across runs: the distribution of one outcome per scenario, and fan charts of a daily series.

The forecast questions' forest plot is in :mod:`sim.plots.forest`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.limits import clip
from sim.plots.style import (
    GREY,
    NEVER_COLOUR,
    WIDTH,
    _centre_note,
    _first_scenarios,
    _n,
    _num,
    _pretty,
    _style,
    _thousands,
    _titled,
    scenario_colours,
)

__all__ = ["plot_distribution", "plot_fans"]


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
    label: str | None = None,
    words: Mapping[str, str] | None = None,
    not_modelled: Sequence[str] = (),
    landmarks: Mapping[str, float] | None = None,
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
        label: the outcome's readable name (default: derived from ``outcome``).
        words: words of ``outcome`` to write otherwise (lower-case word -> text, e.g. a faction's label).
        not_modelled: scenarios that do not model the outcome (its mechanism off): named in a note, not
            drawn (a switched-off mechanism is not an event that never happens).
        landmarks: name -> value marked on the x axis of a numeric outcome (e.g. towns along a road).

    Returns:
        ``(fig, ax)``, ``ax`` the main panel.
    """
    if kind not in ("event_day", "numeric"):
        raise ValueError(f"kind must be 'event_day' or 'numeric', not {kind!r}")
    shown, note = _first_scenarios(list(data), where)
    if not_modelled:
        off = "not modelled in " + ", ".join(clip(s, 30) for s in list(not_modelled)[:4])
        off += " ..." if len(not_modelled) > 4 else ""
        note = f"{note}; {off}" if note else off
    colours = scenario_colours(shown)
    series = {s: pd.Series(data[s], dtype=float) for s in shown}
    name = label or _pretty(outcome, words)
    if kind == "event_day":
        return _plot_event_days(series, colours, name, unit, horizon, title, note)
    fig, ax = _plot_numeric(series, colours, name, unit, title, note)
    _landmarks(ax, landmarks, "x")
    return fig, ax


def _plot_event_days(series, colours, name, unit, horizon, title, note):
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
    drawn = [_event_curve(ax, ax_never, i, scenario, s, colours[scenario], horizon)
             for i, (scenario, s) in enumerate(series.items())]  # fmt: skip
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    day_unit = unit if unit and unit not in ("day", "days") else "days"
    ax.set_xlabel(f"time since the start ({day_unit}; day 0 = start)")
    ax.set_ylabel("% of runs in which it had happened by then")
    _style(ax)
    if not any(any_event for any_event, _ in drawn):
        _centre_note(
            ax,
            f"no run reached this event by day {horizon}",
            y=0.55,
            bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": NEVER_COLOUR},
        )
    fig.legend(loc="outside lower center", ncols=min(k, 2), fontsize=8.5, frameon=False)
    _never_panel(ax_never, [text for _, text in drawn], series, colours, horizon)
    fig.suptitle(
        _titled(title or f"{name}: share of runs in which it had happened, by day", note),
        fontsize=12,
        x=0.01,
        ha="left",
    )
    return fig, ax


def _event_curve(ax, ax_never, i, scenario, s, colour, horizon) -> tuple[bool, str]:
    """One scenario's cumulative curve and its "never" bar; returns (any event, the never share's text)."""
    n = len(s)
    days = np.sort(s.dropna().to_numpy())
    days = days[days <= horizon]
    if not n:
        ax.plot([], [], color=colour, lw=2, label=f"{clip(scenario, 40)} (n = 0 runs)")
        return False, "–"
    p = 100 * len(days) / n
    x = np.concatenate([[0.0], days, [float(horizon)]])
    y = 100 * np.concatenate([[0], np.arange(1, len(days) + 1), [len(days)]]) / n
    label = f"{clip(scenario, 40)} ({_n(n)}): {p:.0f} % by day {horizon}, {100 - p:.0f} % never"
    ax.step(x, y, where="post", color=colour, lw=2, label=label, zorder=3, clip_on=False)
    ax.plot([horizon], [p], "o", color=colour, ms=5, zorder=4, clip_on=False)
    # the never mass hangs from the top, so its lower end lines up with the curve's end
    ax_never.bar(
        i, 100 - p, bottom=p, color=colour, alpha=0.3, width=0.72, edgecolor=colour, hatch="///", lw=1
    )
    return len(days) > 0, f"{100 - p:.0f} %"


def _never_panel(ax_never, never_text, series, colours, horizon) -> None:
    """The "never" panel: one hatched bar per scenario, its share written under it."""
    k = max(1, len(series))
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


def _plot_numeric(series, colours, name, unit, title, note):
    fig, ax = plt.subplots(figsize=(WIDTH, 5.6), constrained_layout=True)
    drawn = [_numeric_curve(ax, scenario, s, colours[scenario]) for scenario, s in series.items()]
    ax.axhline(50, color=GREY, lw=0.8, ls="--", zorder=1)
    if any(x is not None for x in drawn):
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
    if any(bool(x) for x in drawn):
        _thousands(ax.xaxis)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel(f"{name} ({unit})" if unit else name)
    ax.set_ylabel("% of runs with a value ≤ x")
    _style(ax)
    fig.legend(loc="outside lower center", ncols=min(max(len(series), 1), 2), fontsize=8.5, frameon=False)
    ax.set_title(
        _titled(title or f"{name}: distribution across runs (cumulative)", note), fontsize=12, loc="left"
    )
    return fig, ax


def _numeric_curve(ax, scenario, s, colour) -> bool | None:
    """One scenario's empirical CDF and median; returns None (no values) or whether any |value| >= 1,000."""
    x = np.sort(s.dropna().to_numpy())
    if len(x) == 0:
        ax.plot([], [], color=colour, lw=2, label=f"{clip(scenario, 40)} (n = 0 runs with a value)")
        return None
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
    return bool(np.nanmax(np.abs(x)) >= 1000)


def _landmarks(ax: Any, marks: Mapping[str, float] | None, axis: str) -> None:
    """Dotted lines with names at the given values on an axis (those within its limits, none crowded)."""
    if not marks:
        return
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    last = None
    for name, v in sorted(marks.items(), key=lambda kv: kv[1]):
        if not lo <= v <= hi or (last is not None and v - last < 0.04 * (hi - lo)):
            continue
        last = v
        short = clip(name.split(" (")[0], 16)  # "Es Sider (As Sidr)" -> "Es Sider"
        if axis == "y":
            ax.axhline(v, color=GREY, lw=0.6, ls=":", zorder=1)
            ax.annotate(short, (1, v), xycoords=("axes fraction", "data"), xytext=(2, 0),
                        textcoords="offset points", fontsize=7, color=GREY, va="center")  # fmt: skip
        else:
            ax.axvline(v, color=GREY, lw=0.6, ls=":", zorder=1)
            ax.annotate(short, (v, 0.03), xycoords=("data", "axes fraction"), xytext=(-2, 0),
                        textcoords="offset points", fontsize=7, color=GREY, ha="right", rotation=90,
                        va="bottom")  # fmt: skip
    (ax.set_ylim if axis == "y" else ax.set_xlim)(lo, hi)


# ----------------------------------------------------------------------------------------------- fans


def plot_fans(
    bands: dict[str, pd.DataFrame],
    variable: str,
    *,
    unit: str,
    start_date: str | None = None,
    title: str | None = None,
    where: str | None = None,
    label: str | None = None,
    words: Mapping[str, str] | None = None,
    landmarks: Mapping[str, float] | None = None,
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
        label: the variable's readable name (default: derived from ``variable``).
        words: words of ``variable`` to write otherwise (lower-case word -> text, e.g. a faction's label).
        landmarks: name -> value marked on the y axis (e.g. the towns along the front line's road).

    Returns:
        ``(fig, axes)``, ``axes`` a 1-D array with one panel per scenario drawn.
    """
    scenarios, note = _first_scenarios(list(bands), where)
    colours = scenario_colours(scenarios)
    k = max(1, len(scenarios))
    ncols = k if k <= 4 else (3 if k <= 6 else 4)
    fig, axes = _fan_grid(k, ncols)
    drawn = [_fan(ax, bands[s], s, colours[s], start_date, k) for ax, s in zip(axes, scenarios, strict=False)]
    lims = [x for _, span in drawn for x in span]
    if lims:
        axes[0].set_xlim(min(lims), max(lims))
    name = label or _pretty(variable, words)
    _fan_axes(axes, ncols, k, name, unit, start_date, big=any(big for big, _ in drawn))
    for ax in axes:
        _landmarks(ax, landmarks, "y")
    proxies = [
        Line2D([], [], color=GREY, lw=2, label="median (p50)"),
        Patch(color=GREY, alpha=0.55, label="50 % of runs (p25–p75)"),
        Patch(color=GREY, alpha=0.2, label="90 % of runs (p05–p95)"),
    ]
    fig.legend(handles=proxies, loc="outside lower center", ncols=3, fontsize=8.5, frameon=False)
    fig.suptitle(
        _titled(title or f"{name} over time: median and spread across runs", note),
        fontsize=13,
        x=0.01,
        ha="left",
    )
    return fig, np.asarray(axes)


def _fan_grid(k: int, ncols: int):
    """A figure with ``k`` panels sharing their axes, ``ncols`` a row; returns it and the panels (1-D)."""
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
    return fig, flat[:k]


def _fan(ax, band: pd.DataFrame, scenario: str, colour: str, start_date: str | None, k: int):
    """One scenario's panel; returns (any |value| >= 1,000, the x span drawn: [] or [first, last])."""
    n_runs = band.attrs.get("n")
    df = band.sort_index()
    days = np.asarray(df.index, dtype=float)
    x = (np.datetime64(start_date, "D") + days.astype("timedelta64[D]")) if start_date else days
    extremes = df[["p05", "p95"]].to_numpy(dtype=float)
    big = bool(np.any(np.abs(extremes[np.isfinite(extremes)]) >= 1000))
    ax.fill_between(x, df["p05"], df["p95"], color=colour, alpha=0.18, lw=0)
    ax.fill_between(x, df["p25"], df["p75"], color=colour, alpha=0.4, lw=0)
    ax.plot(x, df["p50"], color=colour, lw=2)
    ax.set_title(f"{clip(scenario, 40)} ({_n(n_runs)} runs)", fontsize=10, loc="left")
    _style(ax)
    if start_date and len(df):
        span = float(days.max() - days.min()) * max(1, k // 2)  # narrow panels: fewer ticks
        ax.xaxis.set_major_locator(_date_locator(span))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _day_month(mdates.num2date(v))))
    return big, ([x.min(), x.max()] if len(df) else [])


def _fan_axes(axes, ncols: int, k: int, name: str, unit: str, start_date: str | None, *, big: bool) -> None:
    """Y labels on the first column, x labels under the bottom panel of each column."""
    for i, ax in enumerate(axes):
        if i % ncols == 0:
            ax.set_ylabel(f"{name} ({unit})" if unit else name)
            if big:
                _thousands(ax.yaxis)
        if i + ncols >= k:  # bottom panel of its column
            ax.tick_params(axis="x", labelbottom=True)
            ax.set_xlabel(f"date (day 0 = {_date_text(start_date)})" if start_date else "day (0 = start)")


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
