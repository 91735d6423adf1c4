"""Validation against sourced patterns: each observed pattern over the ensemble's bands (sim.validate)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from sim.limits import MAX_PANELS, MAX_ROWS, showing
from sim.plots.style import GREY, OKABE_ITO, _style, _thousands, _wrap

__all__ = ["plot_patterns"]

ENSEMBLE = OKABE_ITO[0]
VERDICT_COLOUR = {"reproduced": OKABE_ITO[2], "not reproduced": OKABE_ITO[5], "not resolved": OKABE_ITO[1],
                  "not checked": GREY}  # fmt: skip
LEVEL_STATS = ("value", "min", "max", "mean")  # statistics on the series' own scale (its fan is drawn)


def plot_patterns(
    compared: list[dict[str, Any]],
    bands: Mapping[str, pd.DataFrame],
    start_date: str,
    *,
    scenario: str = "",
    units: Mapping[str, str] | None = None,
    where: str | None = None,
):
    """A panel per pattern: the observed points (black) over the ensemble's bands of each point.

    Each point's ensemble is a bar: the 90 % band (thin) and the 50 % band (thick) of its statistic over
    the runs, the median as a white dot; the observation is a black marker (near: value with its
    tolerance as an error bar; le/ge: a bound, drawn as a triangle pointing to the side it allows). A
    statistic over a window is drawn at the window's middle, with the window as a grey line. Where every
    point is on the series' own scale, the daily fan of the series is drawn behind.

    Args:
        compared: :func:`sim.analysis.patterns.compare`.
        bands: variable -> :func:`sim.analysis.series.fan_bands` (those with values).
        start_date: the experiment's day 0.
        scenario: the experiment's scenario, for the title.
        units: variable -> unit, for the y labels.
        where: the file holding every pattern, named in the note when some are left out.

    At most ``MAX_PANELS`` patterns are drawn (the first), and ``MAX_ROWS`` points of each.
    """
    note = None
    if len(compared) > MAX_PANELS:
        note = showing(MAX_PANELS, len(compared), "patterns", "the first", where)
        compared = compared[:MAX_PANELS]
    k = max(len(compared), 1)
    ncols = 1 if k == 1 else 2
    nrows = math.ceil(k / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(12 if ncols == 2 else 8, 0.4 + 3.6 * nrows),
                             layout="constrained", squeeze=False)  # fmt: skip
    flat = axes.ravel()
    for ax in flat[len(compared) :]:
        ax.remove()
    start = dt.date.fromisoformat(start_date)
    for ax, c in zip(flat, compared, strict=False):
        _panel(ax, c, bands.get(c["variable"]), start, (units or {}).get(c["variable"], ""))
    title = f"Validation against sourced patterns: {scenario}" if scenario else "Validation against patterns"
    fig.suptitle(
        f"{title}\n(bars: the ensemble's 90 % and 50 % bands of each point, white dot the median; "
        f"black: what was observed){'; ' + note if note else ''}",
        x=0.01, ha="left", fontsize=10,
    )  # fmt: skip
    return fig, flat[: len(compared)]


def _panel(ax: Any, c: dict[str, Any], band: pd.DataFrame | None, start: dt.date, unit: str) -> None:
    """One pattern's panel."""
    when = lambda day: start + dt.timedelta(days=float(day))  # noqa: E731
    points = c["points"][:MAX_ROWS]
    if band is not None and points and all(p["stat"] in LEVEL_STATS for p in points):
        x = [when(d) for d in band.index]
        ax.fill_between(x, band["p05"], band["p95"], color=ENSEMBLE, alpha=0.1, lw=0)
        ax.plot(x, band["p50"], color=ENSEMBLE, lw=1, alpha=0.5)
    big = False
    for p in points:
        mid = when((p["day"] + p["since_day"]) / 2 if p["stat"] != "value" else p["day"])
        if p["stat"] != "value":
            ax.plot([when(p["since_day"]), when(p["day"])], [p["value"]] * 2, color=GREY, lw=1, alpha=0.6)
        if p.get("p05") is not None:
            ax.plot([mid, mid], [p["p05"], p["p95"]], color=ENSEMBLE, lw=2, solid_capstyle="butt")
            ax.plot([mid, mid], [p["p25"], p["p75"]], color=ENSEMBLE, lw=7, solid_capstyle="butt")
            ax.plot(mid, p["p50"], marker="o", mfc="white", mec=ENSEMBLE, mew=1.5, ms=5, zorder=3)
            big = big or max(abs(p["p05"]), abs(p["p95"])) >= 1000
        big = big or abs(p["value"]) >= 1000
        _observed(ax, mid, p)
    verdict = c["status"] + (" [in-sample]" if c["sample"] == "in" else "")
    ax.set_title(_wrap(c["text"], 62, 2) + f"\n{c['scale']}", loc="left", fontsize=9)
    ax.set_title(verdict, loc="right", fontsize=9, color=VERDICT_COLOUR[c["status"]], fontweight="bold")
    ax.set_ylabel(f"{c['variable']} ({unit})" if unit else c["variable"], fontsize=8)
    if big:
        _thousands(ax.yaxis)
    _style(ax)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %y"))
    ax.tick_params(labelsize=8)
    if not points:
        ax.text(0.5, 0.5, c["reason"], transform=ax.transAxes, ha="center", va="center", color=GREY)


def _observed(ax: Any, x: Any, p: dict[str, Any]) -> None:
    """The observation: a value with its tolerance, or a bound pointing to the side it allows."""
    if p["op"] == "near":
        ax.errorbar(x, p["value"], yerr=p["tolerance"] or None, fmt="o", color="black", ms=6, capsize=4,
                    zorder=4)  # fmt: skip
    else:
        bound = p["high"] if p["op"] == "le" else p["low"]
        ax.plot(x, bound, marker="v" if p["op"] == "le" else "^", color="black", ms=9, zorder=4,
                ls="none")  # fmt: skip
        ax.plot(x, bound, marker="_", color="black", ms=16, mew=2, zorder=4)
    if p.get("inside") is False:
        ax.annotate("outside", (x, p["value"]), xytext=(8, 0), textcoords="offset points", fontsize=7,
                    color=VERDICT_COLOUR["not reproduced"], va="center")  # fmt: skip
