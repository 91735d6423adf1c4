"""Figures from results (never from the model). Functions return ``(fig, axes)``; none shows or saves.

Importing this module imports matplotlib; ``import sim`` does not.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["plot_event_day", "plot_numeric", "plot_outcomes"]

NEVER_COLOUR = "#bbbbbb"
COLOUR = "#2b6a99"


def plot_event_day(ax: plt.Axes, days: pd.Series, horizon: int, title: str) -> None:
    """Histogram of the day an event first happened, with the 'never' mass as its own bar."""
    n = len(days)
    happened = days.dropna().astype(float)
    never = n - len(happened)
    width = max(1, math.ceil(horizon / 18))
    bins = np.arange(0, horizon + width + 1, width)
    if len(happened):
        ax.hist(happened, bins=bins, weights=np.full(len(happened), 100 / n), color=COLOUR, label="happened")
    ax.bar(horizon + 2.5 * width, 100 * never / n, width=2 * width, color=NEVER_COLOUR, label="never")
    ax.set_xlim(0, horizon + 4 * width)
    ticks = [t for t in ax.get_xticks() if 0 <= t <= horizon]
    ax.set_xticks([*ticks, horizon + 2.5 * width], [f"{t:g}" for t in ticks] + ["never"])
    ax.set_xlabel("day (0 = start)")
    ax.set_ylabel("% of runs")
    share = 100 * len(happened) / n if n else math.nan
    ax.set_title(f"{title}\nhappened in {share:.0f}% of runs", fontsize=10)
    ax.legend(fontsize=8, frameon=False)


def plot_numeric(ax: plt.Axes, values: pd.Series, title: str, unit: str, scale: float = 1.0) -> None:
    """Histogram of a numeric outcome with its median marked."""
    x = values.dropna().astype(float) / scale
    if len(x) == 0:
        ax.text(0.5, 0.5, "not modelled / no data", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.hist(x, bins=min(30, max(5, len(x) // 5)), weights=np.full(len(x), 100 / len(x)), color=COLOUR)
        med = float(np.median(x))
        ax.axvline(med, color="black", lw=1, ls="--")
        ax.text(med, ax.get_ylim()[1] * 0.95, f" median {med:,.0f}", fontsize=8, va="top")
    ax.set_xlabel(unit)
    ax.set_ylabel("% of runs")
    ax.set_title(title, fontsize=10)


#: Scenario events shown in the outcome figure: outcome column -> label.
EVENTS = {
    "ceasefire_declared_day": "ceasefire declared",
    "ceasefire_broken_day": "ceasefire broken",
    "egypt_intervened_day": "Egypt intervenes",
    "tr_deal_day": "Turkey-Russia deal",
    "tr_clash_day": "Turkey-Russia clash",
    "east_govt_fell_day": "eastern government falls",
    "blockade_lifted_day": "oil blockade lifted",
}


def plot_events(ax: plt.Axes, runs: pd.DataFrame) -> None:
    """Share of runs in which each scenario event happened (events never possible are left out)."""
    names, shares = [], []
    for column, label in EVENTS.items():
        if column in runs and runs[column].notna().any():
            names.append(label)
            shares.append(100 * runs[column].notna().mean())
    if not names:
        ax.text(
            0.5, 0.5, "no scenario events in these runs", ha="center", va="center", transform=ax.transAxes
        )
        ax.axis("off")
        return
    y = np.arange(len(names))[::-1]
    ax.barh(y, shares, color=COLOUR)
    for yi, share in zip(y, shares, strict=True):
        ax.text(min(share + 2, 85), yi, f"{share:.0f}%", va="center", fontsize=8)
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of runs in which it happened")
    ax.set_title("Scenario events by the horizon", fontsize=10)


def plot_outcomes(runs: pd.DataFrame, horizon: int, scenario: str | None = None):
    """Distributions of the main outcomes of one experiment.

    Args:
        runs: the ``runs`` frame (failed runs are left out).
        horizon: horizon in days (x range of the event-day panels).
        scenario: name shown in the title (default: from ``runs``).

    Returns:
        ``(fig, axes)``.
    """
    ok = runs[runs["status"] == "ok"]
    scenario = scenario or (str(ok["scenario"].iloc[0]) if len(ok) else "?")
    fig, axes = plt.subplots(2, 3, figsize=(14, 8), constrained_layout=True)
    ax = axes.ravel()
    plot_event_day(ax[0], ok["sirte_captured_day"], horizon, "GNA captures Sirte")
    plot_event_day(ax[1], ok["jufra_captured_day"], horizon, "GNA captures al-Jufra air base")
    plot_numeric(
        ax[2], ok["front_km_final"], f"Front line at day {horizon}", "km east of Tripoli (coastal road)"
    )
    plot_numeric(
        ax[3], ok["oil_output_final_bpd"], f"Oil output at day {horizon}", "thousand barrels/day", 1e3
    )
    plot_numeric(ax[4], ok["fatalities_total"], "Fatalities by the horizon", "people killed")
    plot_events(ax[5], ok)
    fig.suptitle(f"Outcome distributions: {scenario} (n = {len(ok)} runs)", fontsize=13)
    return fig, axes
